"""The whole page: header, sidebar, and the Session / History / Export tabs."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from rom import deletion, labels, style
from rom.dashboard import (
    compare,
    correct,
    export,
    failsafe,
    history,
    layout,
    manual,
    record,
    results,
    server,
    state,
    welcome,
)
from rom.dashboard.text import literal
from rom.errors import RomError
from rom.i18n import N_, Texts, _
from rom.store import Store
from rom.store.records import PersonInfo
from rom.version import __version__

_CSS = f"""
<style>
  .block-container {{padding-top: 2.2rem; max-width: 1400px;}}
  [data-testid="stMetricValue"] {{font-size: 2.1rem;}}
  h1 {{margin-bottom: 0;}}
  /* WCAG AA (rom.style): captions 4.5:1, the keyboard focus ring 3:1. */
  [data-testid="stCaptionContainer"] {{color: {style.CAPTION_HEX}; opacity: 1;}}
  :focus-visible {{outline: 2px solid {style.FOCUS_HEX} !important; outline-offset: 2px;}}
  {layout.CSS}
</style>
"""
# Served by the dashboard itself: a Material or emoji icon makes the browser fetch a font
# or an image from another host.
PAGE_ICON = Path(__file__).resolve().parent / "assets" / "icon.png"
#: The words of the delete box in the sidebar.
DELETE_TEXT = Texts({
    "expander": N_("Delete this person"),
    "caption": N_("Removes the person with all their sessions and measurements. This cannot be "
                  "undone."),
    "confirm": N_("Type “{name}” to confirm"),
    "button": N_("Delete permanently"),
    "done": N_("The person and their data were deleted."),
})
FAILURE_MESSAGE = N_("Something went wrong and the page stopped here. Nothing you saved is lost; "
                     "reload the page to continue. The details are in rom's log on this computer "
                     "(reference {reference}).")


def run() -> None:
    """Draw the page (called by ``app.py`` on every rerun).

    Anything unexpected that escapes the page becomes one friendly line; its traceback goes
    to the local log only (:mod:`rom.dashboard.failsafe`).
    """
    # "auto": open on a desktop, closed on a phone, where an open sidebar covers the page.
    st.set_page_config(page_title=_("rom · range of motion"), page_icon=str(PAGE_ICON),
                       layout="wide", initial_sidebar_state="auto")
    if not _host_is_allowed():
        st.error(_("This address is not allowed to open rom. Use http://127.0.0.1 or "
                   "http://localhost, or add the name to ROM_ALLOWED_HOSTS."))
        st.stop()
    try:
        _draw()
    except Exception as exc:  # st.stop() and st.rerun() are BaseExceptions and pass through
        st.error(_(FAILURE_MESSAGE).format(reference=failsafe.report_unexpected(exc)))


def _host_is_allowed() -> bool:
    """Second line behind :class:`rom.dashboard.server.HostCheckMiddleware`, for a page
    started with plain ``streamlit run app.py``: the Host of the WebSocket carrying this run.
    No headers at all means no browser (Streamlit's AppTest)."""
    headers = st.context.headers
    if not headers:
        return True
    return server.host_allowed(headers.get("Host"))


def _draw() -> None:
    st.markdown(_CSS, unsafe_allow_html=True)
    st.title(_("rom · range of motion, before and after"))
    intro = st.empty()  # filled below unless the welcome says it at length
    try:
        store = state.get_store()
    except RomError as exc:
        st.error(_("The database cannot be opened: {error}").format(error=literal(exc)))
        st.stop()
        return
    results.adopt_analysis()  # a reloaded page finds its analysis (and person) again
    person = record.person_sidebar(store)
    if person is not None:
        results.drop_analysis_of_another(person.id)
        record.restore_session(store, person)
    person_line = st.sidebar.empty()  # filled last, so it counts this run's saves
    _sidebar_footer(store, person)
    state.show_flash()
    if person is None and not store.list_people():
        welcome.show(store)
        return
    intro.caption(_("Film a mobility test from the side before and after a technique, and see "
                    "what changed. Everything stays on this computer."))

    session_tab, history_tab, export_tab = st.tabs(
        [":material/videocam: " + _("Before / after session"),
         ":material/show_chart: " + _("History"), ":material/description: " + _("Export")],
        key="main_tabs"
    )
    with session_tab:
        _session_tab(store, person)
    with history_tab:
        history.show(store, person)
    with export_tab:
        export.show(store, person)
    if person is not None:
        person_line.caption(record.person_caption(store, person))
    record.keep_in_address(store)
    results.wait_for_analysis()  # last: the whole page is drawn while it runs


def _session_tab(store: Store, person: PersonInfo | None) -> None:
    if person is None:
        st.info(_("Start by choosing or adding the person being measured in the sidebar on "
                  "the left."), icon=":material/person_add:")
    elif welcome.is_demo(person):
        st.info(_("**Demo:** “{person}” is a synthetic body from the bundled sample clips. "
                  "Choose another test under 1 and press **Analyse before and after** to try "
                  "it. When you are ready, use **Add another person** in the sidebar; delete "
                  "the demo person there at any time.").format(person=literal(person.name)),
                icon=":material/science:")
    switch = results.take_side_switch()
    if switch is not None and person is not None:
        # Before the form is drawn: the switch may set the form's side.
        _switch_side(store, person, switch)
    request = record.record_form(person, submit=bool(st.session_state.pop(welcome.RUN_DEMO,
                                                                           False)))
    just_analysed = False
    if request is not None:
        results.start_analysis(request)  # in the background: see results.collect_analysis
    taken = results.collect_analysis()
    if taken is not None:
        request, finished = taken.request, taken.analyses
        state.start_session_if_needed(request.person_id, request.technique)
        # A correction by hand of a clip analysed again is kept or said to be dropped.
        finished = correct.carry_corrections(request.side, finished)
        state.keep_analyses(request.side, finished)  # 1-3 trials per phase
        if finished:
            just_analysed = True
            st.session_state[state.LAST_PAIR] = (request.test, request.side)
            try:
                state.save_session(store, request.person_id, request.technique)
            except RomError as exc:
                st.error(_("The results could not be saved: {error}").format(
                    error=literal(exc)))
    if person is None:
        return
    compare.show_verdicts()  # the answer first, right under the form
    last = st.session_state.get(state.LAST_PAIR)
    if last is not None:
        results.show_pair(*last)
    compare.show_session(store, person)
    manual.show(store, person)  # the toe tests, measured by hand on a photo
    if just_analysed:
        _scroll_to(compare.CARD_TEXT["anchor"])


def _switch_side(store: Store, person: PersonInfo, switch: results.SideSwitch) -> None:
    """Measure the other leg as the results' hint offered, and save the session again."""
    done = results.switch_side(switch)
    if not done:
        return
    fingerprint = st.session_state.get(state.SESSION_FINGERPRINT)
    if fingerprint is None or fingerprint[0] != person.id:
        return
    try:
        state.save_session(store, person.id, fingerprint[1])
    except RomError as exc:
        st.error(_("The results could not be saved: {error}").format(error=literal(exc)))


def _scroll_to(anchor: str) -> None:
    """Bring the new results into view (they appear below the form, out of sight)."""
    script = (
        "<script>(function () {"
        "  let tries = 0;"
        "  const go = () => {"
        f"    const target = document.getElementById({anchor!r});"
        # Instant, and again while charts and images above settle (a smooth scroll is
        # cut short by the page's layout shifts on a phone).
        "    if (target) { target.scrollIntoView({block: 'start'});"
        "      [400, 1200, 2500].forEach(ms => setTimeout("
        "        () => target.scrollIntoView({block: 'start'}), ms)); }"
        "    else if (tries++ < 50) { setTimeout(go, 100); }"
        "  };"
        "  go();"
        "})();</script>"
    )
    st.html(script, unsafe_allow_javascript=True)


def _sidebar_footer(store: Store, person: PersonInfo | None) -> None:
    with st.sidebar:
        st.divider()
        if person is not None:
            _delete_person_box(store, person)
        st.caption(_("rom {version} · tests: {tests}").format(
            version=__version__,
            tests=", ".join(labels.test_label(t).split(" (")[0] for t in record.tests_offered())))


def _delete_person_box(store: Store, person: PersonInfo) -> None:
    """Delete the person shown, once their name is typed (case and spaces ignored)."""
    with st.expander(DELETE_TEXT["expander"], key=state.DELETE_OPEN, on_change="rerun"):
        st.caption(DELETE_TEXT["caption"])
        typed = st.text_input(DELETE_TEXT["confirm"].format(name=literal(person.name)),
                              key=state.DELETE_CONFIRM, max_chars=200)
        st.button(DELETE_TEXT["button"], key="delete_person",
                  disabled=not name_confirms(typed or "", person),
                  on_click=_delete_person, args=(store, person))


def name_confirms(typed: str, person: PersonInfo) -> bool:
    """Whether ``typed`` is the person's name, ignoring case and spacing (``record.name_key``)."""
    return bool(typed.strip()) and record.name_key(typed) == record.name_key(person.name)


def _delete_person(store: Store, person: PersonInfo) -> None:
    # A callback: it runs before the next page run, so the widgets can still be set.
    if not name_confirms(st.session_state.get(state.DELETE_CONFIRM) or "", person):
        return
    try:
        deletion.delete_person(store, person.id)
    except RomError as exc:
        state.flash("error", literal(exc))
        return
    for key in (state.PERSON_ID, state.SESSION_ID, state.LAST_PAIR):
        st.session_state.pop(key, None)
    state.analyses().clear()
    st.session_state.update({state.DELETE_CONFIRM: "", state.DELETE_OPEN: False})
    remaining = sorted(store.list_people(), key=lambda p: p.name == labels.DEMO_PERSON_NAME)
    # A real person next (the demo last), or the new-person form when nobody is left.
    st.session_state["person_select"] = remaining[0].id if remaining else record.NEW_PERSON
    state.flash("info", DELETE_TEXT["done"])
