"""The presentation kit: colours shared by the video overlay, the charts and the PDF.

Imports nothing heavy (no PyAV, OpenCV, reportlab or Streamlit), so any front end can use
it.  Colours come from the Okabe–Ito palette, which reads for colour-blind viewers too;
meaning is never carried by colour alone (words and shapes say it as well).
"""

from __future__ import annotations

from typing import Final

#: Okabe–Ito colour-blind-safe palette, as hex strings.
OKABE_ITO: Final[dict[str, str]] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: An 8-bit RGB colour, as OpenCV and numpy images use it.
RGB = tuple[int, int, int]

#: Colour of each phase in charts: pre (before the technique) and post (after).
PHASE_COLOURS: Final[dict[str, str]] = {"pre": OKABE_ITO["blue"], "post": OKABE_ITO["orange"]}

#: Text and rules on paper (the PDF report).
INK_HEX: Final = "#1F2937"
MUTED_HEX: Final = "#6B7280"
ACCENT_HEX: Final = OKABE_ITO["blue"]
GOOD_HEX: Final = OKABE_ITO["bluish_green"]
WARN_HEX: Final = OKABE_ITO["vermillion"]
ZEBRA_HEX: Final = "#F3F4F6"
#: Fill of a published typical range drawn behind a chart (light, text stays legible on it).
REFERENCE_FILL: Final = OKABE_ITO["bluish_green"]
RULE_HEX: Final = "#D1D5DB"


def hex_to_rgb(hex_colour: str) -> RGB:
    """``"#E69F00"`` -> ``(230, 159, 0)``."""
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
