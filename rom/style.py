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

#: Colour of each phase in charts: pre (before the technique) and post (after).  Okabe–Ito
#: vermillion rather than orange for "after": orange on white is 2.25:1, under WCAG AA's 3:1
#: for lines and marks; vermillion is 3.9:1.
PHASE_COLOURS: Final[dict[str, str]] = {"pre": OKABE_ITO["blue"],
                                         "post": OKABE_ITO["vermillion"]}

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


#: The page's background and its secondary (sidebar) background (``.streamlit/config.toml``).
PAGE_BACKGROUNDS: Final = ("#FFFFFF", "#F2F5F8")
#: Captions on the page (Streamlit's default, the text colour at 60 %, is 4.06:1).
CAPTION_HEX: Final = "#4B5563"
#: Every text in charts: axis titles, tick labels, annotations.
CHART_TEXT_HEX: Final = INK_HEX
#: Keyboard focus ring (WCAG AA: 3:1 against the background).
FOCUS_HEX: Final = OKABE_ITO["blue"]
#: WCAG 2.x AA minimum contrast ratios: normal text, and lines, marks and focus rings.
AA_TEXT: Final = 4.5
AA_GRAPHICS: Final = 3.0


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour, 0 (black) to 1 (white)."""
    channels = [c / 255.0 for c in hex_to_rgb(hex_colour)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours, 1 (same) to 21 (black on white); order-free."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def hex_to_rgb(hex_colour: str) -> RGB:
    """``"#E69F00"`` -> ``(230, 159, 0)``."""
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
