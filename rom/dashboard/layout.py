"""Layout for desktop and phone widths: a table on a wide screen, one card per row on a phone.

The server cannot know how wide the browser is, so both are drawn and the page's CSS
(:data:`CSS`, with a breakpoint at :data:`NARROW_MAX_PX`) shows one of them.  At 390 px an
eight-column table either hides columns or scrolls sideways; a stack of cards does neither.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

#: Widest screen, in CSS pixels, that gets the phone layout (Streamlit closes its sidebar
#: below the same width).
NARROW_MAX_PX = 640
_WIDE, _NARROW = "table_wide_", "table_cards_"

#: The page's rules for :func:`table_or_cards` and for images wider than a phone's screen
#: (a key frame drawn 380 px wide was cut off at 390 px).
CSS = f"""
  @media (max-width: {NARROW_MAX_PX}px) {{ [class*="st-key-{_WIDE}"] {{display: none;}} }}
  @media (min-width: {NARROW_MAX_PX + 1}px) {{ [class*="st-key-{_NARROW}"] {{display: none;}} }}
  [data-testid="stImageContainer"], [data-testid="stImage"] img {{max-width: 100%;
                                                                  height: auto;}}
"""


def card_text(row: Mapping[str, object]) -> str:
    """One row as a card's Markdown: its first cell in bold, then ``column: value`` lines
    (``column value`` after a question: ``"Real change? no"``).

    The cells must be Markdown-safe already (:func:`rom.dashboard.text.literal_rows`).
    """
    cells = list(row.items())
    if not cells:
        return ""
    (_, title), rest = cells[0], cells[1:]
    return "  \n".join([f"**{title}**", *(f"{name}{'' if name.endswith('?') else ':'} {value}"
                                           for name, value in rest)])


def table_or_cards(rows: Sequence[Mapping[str, object]], key: str) -> None:
    """``rows`` as a table on a wide screen and as a stack of cards on a phone.

    ``rows`` are Markdown-safe (:func:`rom.dashboard.text.literal_rows`); ``key`` names the
    two containers (``st-key-table_wide_<key>``, ``st-key-table_cards_<key>``).
    """
    with st.container(key=f"{_WIDE}{key}"):
        st.table(rows, hide_index=True)
    with st.container(key=f"{_NARROW}{key}"):
        for row in rows:
            with st.container(border=True):
                st.markdown(card_text(row))
