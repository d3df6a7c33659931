"""Spreadsheet-safe CSV cells: text that a spreadsheet would run as a formula is defused.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken as a
formula by Excel, LibreOffice and Google Sheets (CSV or "formula" injection).  As OWASP
recommends, such text cells get a leading single quote, which spreadsheets show as text;
numbers are never passed through here, so ``-3.5`` stays a number.  A text cell that
already starts with a quote gets one more, so :func:`restore_cell` undoes
:func:`neutralise_cell` exactly and a rom CSV reads back to the text that was written.
"""

from __future__ import annotations

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"
_ESCAPED_STARTS = (*FORMULA_STARTS, _QUOTE)


def neutralise_cell(text: str) -> str:
    """``text`` as a CSV text cell that no spreadsheet runs as a formula.

    Examples
    --------
    >>> neutralise_cell('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell("Toe Spreaders")
    'Toe Spreaders'
    """
    return _QUOTE + text if text.startswith(_ESCAPED_STARTS) else text


def restore_cell(text: str) -> str:
    """The text that :func:`neutralise_cell` turned into ``text`` (its inverse)."""
    if text.startswith(_QUOTE) and text[1:].startswith(_ESCAPED_STARTS):
        return text[1:]
    return text
