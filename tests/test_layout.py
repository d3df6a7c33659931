"""A table row as a phone's card (rom.dashboard.layout)."""

from __future__ import annotations

from rom.dashboard import layout


def test_a_row_becomes_a_card_with_its_first_cell_as_the_title() -> None:
    row = {"Test": "Knee flexion", "Side": "Left", "MDC": "6.3°", "Real change?": "no"}
    assert layout.card_text(row) == "**Knee flexion**  \nSide: Left  \nMDC: 6.3°  \nReal change? no"
    assert layout.card_text({}) == ""
