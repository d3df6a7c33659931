"""WCAG AA contrast of rom's colours (issue 13 polish), computed, not asserted by eye."""

from __future__ import annotations

import pytest

from rom import style


def test_contrast_ratio_matches_the_wcag_definition() -> None:
    assert style.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert style.contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    # Known values: Okabe-Ito orange on white is 2.25:1 (the measurement).
    assert style.contrast_ratio("#E69F00", "#FFFFFF") == pytest.approx(2.25, abs=0.01)
    assert style.contrast_ratio("#FFFFFF", "#767676") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("background", style.PAGE_BACKGROUNDS)
def test_text_colours_pass_aa_on_every_background(background: str) -> None:
    for text in (style.CAPTION_HEX, style.CHART_TEXT_HEX, style.INK_HEX):
        assert style.contrast_ratio(text, background) >= style.AA_TEXT, (text, background)


def test_the_reports_muted_text_passes_aa_on_paper() -> None:
    assert style.contrast_ratio(style.MUTED_HEX, "#FFFFFF") >= style.AA_TEXT


@pytest.mark.parametrize("background", style.PAGE_BACKGROUNDS)
def test_lines_and_the_focus_ring_pass_aa_for_graphics(background: str) -> None:
    for colour in (*style.PHASE_COLOURS.values(), style.FOCUS_HEX, style.MUTED_HEX):
        assert style.contrast_ratio(colour, background) >= style.AA_GRAPHICS, (colour,
                                                                                background)


def test_the_page_css_uses_the_checked_colours() -> None:
    from rom.dashboard import page

    assert style.CAPTION_HEX in page._CSS and style.FOCUS_HEX in page._CSS
