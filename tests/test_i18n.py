"""rom's words in one table (``rom/locale/rom.pot``), translatable with gettext tools.

* The committed template is what ``pybabel extract`` finds in the code today.
* No text reaches a Streamlit element without :func:`rom.i18n._` (checked on the AST of
  the dashboard modules).
* A compiled catalogue really switches the words (a tiny German one, built here).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from rom import i18n, labels
from rom.dashboard import record
from rom.i18n import _

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "rom" / "locale" / "rom.pot"

#: How the template is made (run from the repository's root to update it).
EXTRACT = ["pybabel", "extract", "--add-location=file", "--sort-output", "--project=rom",
           "-c", "TRANSLATORS:", "-o", "rom/locale/rom.pot", "rom", "app.py"]

#: The dashboard's modules, whose page texts must all be translatable.
DASHBOARD = sorted([ROOT / "app.py", *(ROOT / "rom" / "dashboard").glob("*.py")])

#: Streamlit elements and widgets that show their first argument (the label) as text.
TEXT_ELEMENTS = frozenset({
    "markdown", "caption", "write", "text", "title", "header", "subheader", "info",
    "warning", "error", "success", "toast", "exception", "button", "download_button",
    "link_button", "form_submit_button", "page_link", "radio", "selectbox", "multiselect",
    "checkbox", "toggle", "text_input", "text_area", "number_input", "date_input",
    "time_input", "slider", "select_slider", "file_uploader", "camera_input", "color_picker",
    "pills", "segmented_control", "expander", "popover", "tabs", "metric", "progress",
    "spinner", "status", "Column", "TextColumn", "NumberColumn", "CheckboxColumn",
    "SelectboxColumn", "DateColumn", "DatetimeColumn", "LinkColumn", "ImageColumn",
    "ProgressColumn", "LineChartColumn", "BarChartColumn", "ListColumn",
})
#: Keyword arguments that are shown as text.
TEXT_KEYWORDS = frozenset({"label", "help", "caption", "placeholder", "text", "title"})
#: Calls of rom's own that put their text argument (at this position) on the page.
ROM_TEXT_CALLS = {"flash": 1}
#: The functions that translate or mark a text (rom.i18n).
GETTEXT = frozenset({"_", "N_", "ngettext"})
#: Receivers whose ``.error``/``.warning``/... are logs, not the page.
NOT_THE_PAGE = frozenset({"logging", "logger", "log", "_log", "LOG", "warnings"})
#: No words: a Material icon's code in Streamlit's Markdown, a format field, a tag.
NO_WORDS = re.compile(r":material/[a-z0-9_]+:|%?\{[a-z0-9_]*\}|</?[a-z]+>")  # + Plotly's markup
#: Module-level tables of words shown on the page, by their names.
TABLE_NAME = re.compile(r"(TEXT|TEXTS|TITLES?|WORDS|LABELS?|NAMES|HELP|MESSAGE)$")
#: Literal texts that must stay as they are in every language: ``(file, text)``.
ALLOWED: frozenset[tuple[str, str]] = frozenset({
    ("compare.py", "rom-verdict"), ("compare.py", "verdict_card_"),  # HTML anchor, widget key
})


def _untranslated(node: ast.expr) -> list[str]:
    """The literal texts with letters in ``node`` that do not go through ``_()``."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) and _has_letters(node.value) else []
    if isinstance(node, ast.JoinedStr):  # f"...": its literal parts
        return [text for part in node.values for text in _untranslated(part)]
    if isinstance(node, ast.IfExp):
        return _untranslated(node.body) + _untranslated(node.orelse)
    if isinstance(node, ast.BinOp):  # "a" + b, "a %s" % b
        return _untranslated(node.left) + _untranslated(node.right)
    if isinstance(node, ast.BoolOp):
        return [text for value in node.values for text in _untranslated(value)]
    if isinstance(node, ast.List | ast.Tuple):  # st.tabs(["A", "B"])
        return [text for element in node.elts for text in _untranslated(element)]
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"):  # "…{x}…".format(x=…)
        return _untranslated(node.func.value)
    return []


def _has_letters(text: str) -> bool:
    """Words to translate, not only marks, numbers, fields, icons (``{n} :material/lock:``)."""
    return any(char.isalpha() for char in NO_WORDS.sub("", text))


def _shown_texts(call: ast.Call) -> list[ast.expr]:
    """The arguments of ``call`` that the page shows as text (none if it shows nothing)."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id in NOT_THE_PAGE:
        return []
    if name in ROM_TEXT_CALLS:
        position = ROM_TEXT_CALLS[name]
        return call.args[position:position + 1]
    if not isinstance(func, ast.Attribute) or name not in TEXT_ELEMENTS:
        return []
    return [*call.args[:1], *(k.value for k in call.keywords if k.arg in TEXT_KEYWORDS)]


def _table_texts(tree: ast.Module) -> list[ast.expr]:
    """The values of the module's tables of words (``TEXT = {...}``, ``PHASE_WORDS = ...``).

    They must be marked with ``N_()`` (in a :class:`rom.i18n.Texts`) or translated;
    dictionary keys are codes and not looked at.
    """
    values: list[ast.expr] = []
    for node in tree.body:
        target = (node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1
                  else node.target if isinstance(node, ast.AnnAssign) else None)
        if not isinstance(target, ast.Name) or not TABLE_NAME.search(target.id) \
                or node.value is None:
            continue
        value = node.value
        if isinstance(value, ast.Call) and value.args \
                and getattr(value.func, "id", "") not in GETTEXT:  # Texts({...}), tuple(...)
            value = value.args[0]
        values.extend(value.values if isinstance(value, ast.Dict) else [value])
    return values


def untranslated_texts(path: Path) -> list[str]:
    """``"file:line: text"`` for each literal page text in ``path`` not passed through ``_()``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for argument in _table_texts(tree):
        for text in _untranslated(argument):
            if (path.name, text) not in ALLOWED:
                found.append(f"{name}:{argument.lineno}: {text!r}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for argument in _shown_texts(node):
                for text in _untranslated(argument):
                    if (path.name, text) not in ALLOWED:
                        found.append(f"{name}:{argument.lineno}: {text!r}")
    return found


#: A side or phase code held in a variable or attribute (``side``, ``line.side``, ``phase``,
#: ``offer.other``): English words ("left", "pre") if put into a sentence as they are.
RAW_CODE = re.compile(r"(^|_)(side|phase|other)$")
#: Calls that change a code's case or escape it but leave it an English word.
KEEPS_THE_CODE = frozenset({"literal", "upper", "lower", "capitalize", "title", "str"})


def _raw_code(node: ast.expr) -> str | None:
    """The code's name if ``node`` is a side/phase code, as stored, maybe re-cased or escaped."""
    while isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in KEEPS_THE_CODE:
            return None
        if node.args:  # literal(side), str(side)
            node = node.args[0]
        elif isinstance(func, ast.Attribute):  # side.upper()
            node = func.value
        else:
            return None
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    return name if name is not None and RAW_CODE.search(name) else None


def raw_codes_in_sentences(path: Path) -> list[str]:
    """``"file:line: code"`` for each side or phase code put into a sentence untranslated.

    Looked at: the fields of ``"…".format(side=…, phase=…)`` and the ``{…}`` parts of an
    f-string that has words or separators around them (not a key such as ``f"upload_{phase}"``).
    A code goes into a sentence through :func:`rom.labels.side_word` /
    :func:`rom.labels.phase_word` (or a table of translated words) instead.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for node in ast.walk(tree):
        values: list[ast.expr] = []
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "format"):
            values = [k.value for k in node.keywords]
        elif isinstance(node, ast.JoinedStr) and any(
                isinstance(v, ast.Constant) and re.search(r"[\s·:]", str(v.value))
                for v in node.values):
            values = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        for value in values:
            code = _raw_code(value)
            if code is not None:
                found.append(f"{name}:{value.lineno}: {code}")
    return found


def test_the_code_checker_finds_raw_sides_and_phases(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        'st.metric(_("{clip} · {side} side").format(clip=t, side=literal(m.side)), v)\n'
        'st.button(_("Measure the {side} leg").format(side=offer.other))\n'
        'names = [f"{name} · {line.side.capitalize()}" for line in lines]\n'
        'st.info(_("No {phase} video.").format(phase=phase))\n'
        'st.info(_("No {phase} video.").format(phase=labels.phase_word(phase)))\n'
        'st.button(_("Measure the {side} leg").format(side=labels.side_word(offer.other)))\n'
        'key = f"upload_{phase}"\n', encoding="utf-8")
    found = [line.split(": ", 1)[1] for line in raw_codes_in_sentences(page)]
    assert found == ["side", "other", "side", "phase"]


@pytest.mark.parametrize("path", DASHBOARD, ids=lambda p: p.name)
def test_no_side_or_phase_code_is_put_into_a_sentence(path: Path) -> None:
    assert raw_codes_in_sentences(path) == []


def test_the_checker_finds_plain_texts_and_passes_translated_ones(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        'st.header("Before")\n'
        'c1.button(label=f"Save {name}")\n'
        'st.caption("Saved {n}".format(n=1) if ok else "—")\n'
        'st.tabs(["Trials", "###"])\n'
        'state.flash("info", "Deleted.")\n'
        'st.header(_("After"))\n'
        'st.caption(_("Saved {n}").format(n=1), help=_("Why"))\n'
        'st.markdown(f"**{_(\'Pre\')}:** {literal(name)}")\n'
        'st.markdown(TEXT["title"])\n'
        'st.markdown("##### :material/lock: " + _("Private"))\n'
        'st.divider()\n'
        'logging.error("not on the page")\n'
        'state.flash("info", _("Deleted."))\n'
        'TEXT = Texts({"title": N_("Trials"), "none": "—"})\n'
        'PHASE_WORDS = {"pre": "before", "post": _("after")}\n'
        'ROLL_HELP = N_("Optional.")\n', encoding="utf-8")
    found = [line.split(": ", 1)[1] for line in untranslated_texts(page)]
    assert found == ["'before'", "'Before'", "'Save '", "'Saved {n}'", "'Trials'", "'Deleted.'"]


@pytest.mark.parametrize("path", DASHBOARD, ids=lambda p: p.name)
def test_every_page_text_goes_through_gettext(path: Path) -> None:
    assert untranslated_texts(path) == []


def _messages(template: str) -> str:
    """The messages of a template, without its header (dates, year, Babel's version)."""
    return template.split("\n\n", 1)[1]


def test_the_committed_template_holds_every_text_of_the_code(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frontend = pytest.importorskip("babel.messages.frontend")
    out = tmp_path / "rom.pot"
    monkeypatch.chdir(ROOT)  # the file names in the template are relative to the root
    args = [a if a != "rom/locale/rom.pot" else str(out) for a in EXTRACT]
    frontend.CommandLineInterface().run([args[0], "--quiet", *args[1:]])
    fresh = _messages(out.read_text(encoding="utf-8"))
    assert fresh == _messages(POT.read_text(encoding="utf-8")), (
        f"rom/locale/rom.pot is out of date: run `{' '.join(EXTRACT)}`")


def _german_catalogue(locale_dir: Path, messages: dict[str, str]) -> None:
    """Compile ``messages`` (English -> German) into ``locale_dir/de/LC_MESSAGES/rom.mo``."""
    catalog_module = pytest.importorskip("babel.messages.catalog")
    mofile = pytest.importorskip("babel.messages.mofile")
    catalog = catalog_module.Catalog(locale="de", domain=i18n.DOMAIN)
    for english, german in messages.items():
        catalog.add(english, german)
    target = locale_dir / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / f"{i18n.DOMAIN}.mo").open("wb") as handle:
        mofile.write_mo(handle, catalog)


def test_a_catalogue_switches_the_words_and_english_is_the_fallback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    english = labels.REASON_TEXT["heel_lift"]
    _german_catalogue(tmp_path, {english: "Die Ferse hob sich vom Boden."})
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)

    monkeypatch.setenv("ROM_LANG", "de_AT:de")
    assert labels.reason_texts(["heel_lift"]) == ["Die Ferse hob sich vom Boden."]
    assert _("Not in the catalogue") == "Not in the catalogue"  # a missing message: English
    assert _("") == ""  # not the catalogue's header

    monkeypatch.setenv("ROM_LANG", "fr")  # no French catalogue: English
    assert labels.reason_texts(["heel_lift"]) == [english]
    monkeypatch.delenv("ROM_LANG")
    monkeypatch.setenv("LANGUAGE", "de")  # the usual variables count too
    assert labels.reason_texts(["heel_lift"]) == ["Die Ferse hob sich vom Boden."]
    monkeypatch.setenv("LANGUAGE", "C")
    assert labels.reason_texts(["heel_lift"]) == [english]


def test_the_dashboard_speaks_the_catalogue_s_language(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    _german_catalogue(tmp_path / "locale", {
        "Welcome! Measure what a mobility technique really changes":
            "Willkommen! Messen Sie, was eine Technik wirklich verändert",
        "Do the technique": "Die Technik ausführen",
        "Try it with the sample videos": "Mit den Beispielvideos ausprobieren",
    })
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    monkeypatch.setenv("ROM_LANG", "de")
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert at.subheader[0].value == "Willkommen! Messen Sie, was eine Technik wirklich verändert"
    assert "##### :material/self_improvement: 2 · Die Technik ausführen" in [
        m.value for m in at.markdown]
    assert at.button(key="try_samples").label == "Mit den Beispielvideos ausprobieren"
    # What has no translation yet stays English; the option behind the words is the code.
    assert any("press **Add person**" in c.value for c in at.caption)
    assert at.sidebar.selectbox(key="person_select").value == record.NEW_PERSON


def test_side_and_phase_words_follow_the_catalogue(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rom.dashboard import correct

    _german_catalogue(tmp_path, {"left": "links", "right": "rechts", "before": "vorher",
                                 "Measured: {side} leg": "Gemessen: Bein {side}",
                                 "knee": "Knie", "{side} {part}": "{part} {side}"})
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setenv("ROM_LANG", "de")
    assert labels.side_word("left") == "links"
    assert labels.phase_word("pre") == "vorher"
    assert labels.phase_word("post") == "after"  # no translation yet: English
    assert labels.measured_side("right") == "Gemessen: Bein RECHTS"
    assert labels.measured_side("right", plain=True) == "Measured: RIGHT leg"  # on video
    assert correct.landmark_label("LEFT_KNEE") == "Knie links"
    monkeypatch.setenv("ROM_LANG", "C")
    assert labels.side_word("left") == "left"
    assert labels.side_word("both") == "both"  # not a side code: as given
    assert correct.landmark_label("LEFT_KNEE") == "left knee"
