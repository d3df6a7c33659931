"""Translation of the words rom shows to people: stdlib :mod:`gettext`, domain ``rom``.

Every user-facing text (dashboard, advice, PDF report) is written in English in the code
and goes through :func:`_` when shown::

    st.header(_("Before/after"))
    st.caption(_("Saved {count} trials for {name}.").format(count=n, name=literal(name)))

Templates use named fields so a translation may reorder them; never ``_(f"...")`` (the
message would be a different string for every value and never found).  Tables of texts
built at import time mark their strings with :func:`N_` and translate on look-up.

The catalogues are ``rom/locale/<lang>/LC_MESSAGES/rom.mo``, compiled from ``.po`` files
that start from the committed template ``rom/locale/rom.pot``.  The language is
``ROM_LANG`` (e.g. ``de`` or ``pt_BR``), else the usual ``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES`` and ``LANG``; a language without a catalogue, and any missing message,
shows the English source text.  The environment is read on every call (the catalogue
once per language), so a test can switch language with ``monkeypatch.setenv``.
"""

from __future__ import annotations

import functools
import gettext
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

#: The gettext domain: the catalogues are ``rom.mo``, the template ``rom.pot``.
DOMAIN = "rom"

#: Where the catalogues live, inside the package (so they install with it).
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

#: The variables that choose the language, first set one wins (``ROM_LANG`` first).
LANGUAGE_VARIABLES = ("ROM_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def languages() -> tuple[str, ...]:
    """The languages asked for, most wanted first, from the environment.

    The first variable of :data:`LANGUAGE_VARIABLES` that is set counts; it may list
    several, colon-separated (``de_AT:de``).  ``C``/``POSIX`` and an empty setting mean
    English.
    """
    for variable in LANGUAGE_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value:
            wanted = tuple(lang for lang in value.split(":") if lang)
            return tuple(lang for lang in wanted if lang.split(".")[0] not in ("C", "POSIX"))
    return ()


@functools.lru_cache(maxsize=16)
def _catalogue(wanted: tuple[str, ...], locale_dir: str) -> gettext.NullTranslations:
    """The catalogue for ``wanted`` (English source text when none is found), read once."""
    if not wanted:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, locale_dir, languages=list(wanted), fallback=True)


def translations() -> gettext.NullTranslations:
    """The catalogue of the language asked for now (:func:`languages`)."""
    return _catalogue(languages(), str(LOCALE_DIR))


def _(message: str) -> str:
    """``message`` (English source text) in the current language."""
    # gettext("") is the catalogue's header, never a text of the page.
    return translations().gettext(message) if message else message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count`` in the current language.

    ``ngettext("{n} trial", "{n} trials", n).format(n=n)``: the count goes in as a field too.
    """
    return translations().ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (tables built at import).

    Translate it with :func:`_` where it is shown.
    """
    return message


class Texts(Mapping[str, str]):
    """A table of texts, ``key -> English source`` (marked with :func:`N_`), translated on
    look-up: ``TEXT["title"]`` is the title in the current language.

    The keys are code (never shown, never translated); iterating gives them in order.
    """

    __slots__ = ("_source",)

    def __init__(self, source: Mapping[str, str]) -> None:
        self._source = dict(source)

    def __getitem__(self, key: str) -> str:
        return _(self._source[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)

    def __repr__(self) -> str:
        return f"Texts({self._source!r})"
