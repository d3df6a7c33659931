"""User text in the PDF report: fonts for every script, right-to-left text in visual order.

reportlab's built-in Helvetica covers only Western European text (Windows-1252); any other
character would print as a missing-glyph box.  :func:`paragraph_markup` escapes a string
for reportlab's paragraph mini-markup and wraps each run of characters Helvetica lacks in
a ``<font>`` tag naming an embedded TrueType font that has them: Noto Sans (Latin
extended, Greek, Cyrillic), Noto Sans Hebrew / Arabic / Armenian / Georgian / Ethiopic /
Thai, WenQuanYi Micro Hei (Chinese, Japanese, Korean), Noto Sans Symbols and Noto Emoji
(emoji in their monochrome text presentation: colour emoji cannot be embedded as TrueType
outlines).  The fonts come from PyPI packages installed with rom (``manimgx-fonts``: Noto,
OFL-1.1; ``paperang-p2-fonts-cjk``: WenQuanYi Micro Hei), and only the glyphs used are
embedded.  Text with right-to-left letters is put in visual order with python-bidi first,
since reportlab lays out glyphs left to right; Arabic letters are first joined into their
contextual forms (initial, medial, final) by arabic-reshaper, which Noto Sans Arabic has
as Unicode presentation forms.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import unicodedata
from dataclasses import dataclass

import arabic_reshaper
from bidi import get_display
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

#: The fallback fonts, in the order tried: (reportlab name, package, file in the package).
FALLBACK_FONTS: tuple[tuple[str, str, str], ...] = (
    ("RomNotoSans", "manimgx_fonts", "NotoSans[wght].ttf"),
    ("RomNotoSansHebrew", "manimgx_fonts", "NotoSansHebrew[wght].ttf"),
    ("RomNotoSansArabic", "manimgx_fonts", "NotoSansArabic[wght].ttf"),
    ("RomNotoSansArmenian", "manimgx_fonts", "NotoSansArmenian[wght].ttf"),
    ("RomNotoSansGeorgian", "manimgx_fonts", "NotoSansGeorgian[wght].ttf"),
    ("RomNotoSansEthiopic", "manimgx_fonts", "NotoSansEthiopic[wght].ttf"),
    ("RomNotoSansThai", "manimgx_fonts", "NotoSansThai[wght].ttf"),
    ("RomWenQuanYiMicroHei", "paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc"),
    ("RomNotoSansSymbols", "manimgx_fonts", "NotoSansSymbols[wght].ttf"),
    ("RomNotoEmoji", "manimgx_fonts", "NotoEmoji[wght].ttf"),
)

_BASE_ENCODING = "cp1252"  # what reportlab's standard Helvetica can show
_RTL_CLASSES = frozenset({"R", "AL"})


@dataclass(frozen=True)
class _Font:
    name: str
    glyphs: frozenset[int]  # code points the font has a glyph for


@functools.cache
def fallback_fonts() -> tuple[_Font, ...]:
    """The fallback fonts registered with reportlab (a missing package is skipped, logged)."""
    fonts = []
    for name, package, file_name in FALLBACK_FONTS:
        try:
            path = importlib.resources.files(package).joinpath(file_name)
            with importlib.resources.as_file(path) as font_path:
                font = TTFont(name, str(font_path), subfontIndex=0)
        except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
            log.warning("PDF font %s unavailable (%s): its script prints as boxes", name, exc)
            continue
        pdfmetrics.registerFont(font)
        for bold in (0, 1):  # one face: <b> and <i> inside a run keep the same font
            for italic in (0, 1):
                addMapping(name, bold, italic, name)
        fonts.append(_Font(name, frozenset(font.face.charToGlyph)))
    return tuple(fonts)


def font_for(char: str) -> str | None:
    """The fallback font that shows ``char``; None when Helvetica can, or no font has it."""
    try:
        char.encode(_BASE_ENCODING)
        return None
    except UnicodeEncodeError:
        pass
    code = ord(char)
    return next((font.name for font in fallback_fonts() if code in font.glyphs), None)


def visual_order(text: str) -> str:
    """``text`` in the order its glyphs are drawn left to right (unchanged without RTL)."""
    classes = {unicodedata.bidirectional(char) for char in text}
    if "AL" in classes:  # Arabic letters: joined forms first, then reordered
        text = str(arabic_reshaper.reshape(text))
    if classes & _RTL_CLASSES:
        return str(get_display(text))
    return text


def paragraph_markup(text: str) -> str:
    """``text`` escaped for a reportlab ``Paragraph``, each script in a font that has it."""
    pieces: list[str] = []
    run_font: str | None = None
    run: list[str] = []

    def close() -> None:
        if run:
            escaped = _escape("".join(run))
            pieces.append(escaped if run_font is None
                          else f'<font face="{run_font}">{escaped}</font>')
            run.clear()

    for char in visual_order(text):
        # Marks, joiners and variation selectors stay with the character they modify.
        joins = unicodedata.category(char) in ("Mn", "Me", "Cf") or "\ufe00" <= char <= "\ufe0f"
        font = run_font if joins and run else font_for(char)
        if font != run_font:
            close()
            run_font = font
        run.append(char)
    close()
    return "".join(pieces)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
