"""Spreadsheet-safe CSV cells: text that a spreadsheet would run as a formula is defused.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken as a
formula by Excel, LibreOffice and Google Sheets (CSV or "formula" injection).  As OWASP
recommends, such text cells get a leading single quote, which spreadsheets show as text;
numbers are never passed through here, so ``-3.5`` stays a number.  Text that is quotes
followed by such a character (``'=x``) gets one more quote too, so :func:`restore_cell`
undoes :func:`neutralise_cell` exactly and a rom CSV reads back to the text written.
"""

from __future__ import annotations

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def neutralise_cell(text: str) -> str:
    """``text`` as a CSV text cell that no spreadsheet runs as a formula.

    Examples
    --------
    >>> neutralise_cell('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell("Toe Spreaders")
    'Toe Spreaders'
    """
    return _QUOTE + text if _needs_quote(text) else text


def restore_cell(text: str) -> str:
    """The text that :func:`neutralise_cell` turned into ``text`` (its inverse)."""
    if text.startswith(_QUOTE) and _needs_quote(text[1:]):
        return text[1:]
    return text


def _needs_quote(text: str) -> bool:
    return text.lstrip(_QUOTE).startswith(FORMULA_STARTS)
