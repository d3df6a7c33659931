"""User-supplied text made safe to put on the page as the literal characters typed.

Almost every Streamlit element renders its text as Markdown (GitHub-flavoured, with
Streamlit's directives, icons, emoji and LaTeX): ``st.markdown``, ``st.caption``, the alert
boxes, headers, every widget label, radio options, ``st.metric``, ``st.progress`` texts,
expander and tab labels, and the cells of ``st.table``.  A person named
``[click me](http://x) ![p](http://x/p.png)`` would become a live link and make the browser
fetch the image (a tracking pixel).  :func:`literal` turns any string into Markdown that
shows exactly that string; every name, note, technique, file name, stored reason and error
message goes through it before it is interpolated into page text.

Not every element renders Markdown: ``st.selectbox`` options (``format_func``),
``st.dataframe`` cells, ``st.text``, ``st.code`` and widget values show plain text, and must
*not* be escaped (the backslashes would show).  Plotly renders its own tag subset (links
included) in tick labels, texts and hover labels: :func:`plot_literal` is for those.

No Streamlit here: pure string functions, tested directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TypeVar

V = TypeVar("V")

#: Invisible, zero-width and non-breaking.  Some of Markdown's and Streamlit's rewriting
#: runs on the text *after* escapes are resolved (GitHub-flavoured autolinks, emoji short
#: codes, Streamlit's logo, ``->`` turned into an arrow), so a backslash cannot stop it; a
#: word joiner inside the pattern does.
WORD_JOINER = "\u2060"

# Characters that start or close Markdown syntax anywhere in a line: backslash, code,
# emphasis, link and image brackets, HTML and autolinks, headings, tables, strikethrough,
# LaTeX and character entities (``&amp;``).
_ALWAYS = re.compile(r"([\\`*_\[\]<>#|~$&])")
# At the start of a line: list items (``- a``, ``+ a``, ``1. a``, ``1) a``: a marker then
# a space or the line's end; ``120.0°`` is no list) and the underline of a heading or a
# rule (a line of ``=`` or ``-`` only).
_LINE_START = re.compile(
    r"^([ \t]*)([-+]|\d{1,9}[.)])(?=[ \t]|$)|^([ \t]*)([=-])(?=[ \t=\-\u2060]*$)",
    re.MULTILINE,
)
# Where a word joiner goes: after a colon that something follows (``http://``, directives
# ``:red[``, icons ``:material/``, emoji ``:smile:``, ``:streamlit:``; ``"frame: the"``
# keeps its colon plain), after ``www`` before a dot and after ``@`` (autolinked web and
# e-mail addresses), and inside ``->``, ``<-``, ``--``, ``>=``, ``<=`` and ``~=`` (arrows
# and symbols Streamlit substitutes).
_JOIN = re.compile(r"(?<=:)(?=\S)|(?<=www)(?=\.)|(?<=@)|(?<=[-<>~])(?=[->=])", re.IGNORECASE)


def literal(text: object) -> str:
    """``text`` as Markdown that Streamlit shows as exactly the characters given.

    Every character that Markdown, GitHub's extensions or Streamlit's own syntax would
    interpret is backslash-escaped (CommonMark shows an escaped ASCII punctuation character
    as itself), and a :data:`WORD_JOINER` breaks every pattern that is rewritten after
    escapes are resolved (web and e-mail addresses, emoji and icon codes, arrows).  So no
    link, image, emphasis, code, heading, list, table, HTML, icon, colour, emoji or formula
    can come out of it, whatever it holds.  Safe inside rom's own Markdown too
    (``f"**Pre:** {literal(name)}"``), also with ``unsafe_allow_html=True``.

    Parameters
    ----------
    text : object
        Usually a ``str``; anything else is shown as ``str(text)`` (an exception, a path).

    Returns
    -------
    str
        Markdown source; what the page shows differs from ``text`` only by invisible word
        joiners (:func:`shown` gives it back).
    """
    joined = _JOIN.sub(WORD_JOINER, str(text))
    escaped = _ALWAYS.sub(r"\\\1", joined)
    return _LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    """``"- "`` -> ``"\\- "``, ``"12. "`` -> ``"12\\. "``: the character that makes it syntax."""
    indent = match.group(1) if match.group(1) is not None else match.group(3)
    marker = match.group(2) if match.group(2) is not None else match.group(4)
    return indent + marker[:-1] + "\\" + marker[-1]


def shown(markdown: str) -> str:
    """The text a reader sees for :func:`literal`'s output (for tests and logs).

    Undoes the backslash escapes and drops the word joiners; ``shown(literal(t)) == t``.
    """
    return re.sub(r"\\(.)", r"\1", markdown, flags=re.DOTALL).replace(WORD_JOINER, "")


def plot_literal(text: object) -> str:
    """``text`` for a Plotly label or hover text, shown as typed.

    Plotly draws a subset of HTML in its texts (``<a href>``, ``<b>``, ``<br>``…) and
    decodes character entities; escaping ``&``, ``<`` and ``>`` as entities leaves only
    the characters.
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def literal_rows(rows: Iterable[Mapping[str, V]]) -> list[dict[str, V | str]]:
    """Rows for ``st.table`` (which renders each cell as Markdown) with text cells literal.

    Numbers and other non-text cells are kept as they are, so the columns keep their types.
    """
    return [{key: literal(value) if isinstance(value, str) else value
             for key, value in row.items()} for row in rows]
