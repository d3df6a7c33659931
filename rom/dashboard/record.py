"""Record: choose the person, the test and side, the technique and the two videos.

The person is picked in the sidebar (so every tab knows who it is about); the rest is a
short form on the session tab.  Nothing is analysed until the button is pressed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from rom import labels
from rom.calibrate.floor import MAX_FLOOR_ROLL_DEG
from rom.dashboard import layout, services, sessions, state
from rom.dashboard.text import literal
from rom.errors import RomError
from rom.i18n import N_, Texts, _, ngettext
from rom.pipeline import AnalysisOptions
from rom.protocols import TESTS
from rom.store import Store
from rom.store.records import PersonInfo
from rom.video import VIDEO_TYPES
from rom.vocabulary import HEIGHT_RANGE_CM, SIDE_CHOICES, SIDES

# Option values (kept in the session state and compared), shown through _().
NEW_PERSON = N_("+ Add a new person…")
SOURCE_UPLOAD = N_("Upload my videos")
SOURCE_SAMPLES = N_("Use the sample videos")
SOURCE_WEBCAM = N_("Record with the webcam")
PENDING_PERSON = "_person_to_select"
# The chosen person and the session being recorded in the page's address, by uid (a name
# must not appear in a URL), so that a reload restores them.
PERSON_PARAM = "person"
SESSION_PARAM = "session"
ADDRESS_READ = "_address_read"  # the session in the address was looked at (once per page)
DUPLICATE_NAME = N_("“{name}” is already on record: choose them in the list above, or tell the "
                    "two apart (e.g. add an initial or a year of birth).")

#: Bounds of a person's height, cm (:data:`rom.vocabulary.HEIGHT_RANGE_CM`; whole cm here).
HEIGHT_MIN_CM, HEIGHT_MAX_CM = (round(bound) for bound in HEIGHT_RANGE_CM)
HEIGHT_HELP = N_(
    "Optional. Only used as the scale for the toe-touch reach when rom's wall marker is not in "
    "view: rom measures how tall you stand in the video and turns the reach into centimetres. "
    "Without a marker or a height, the reach is given as a percentage of your height."
)

#: The side radio offers :data:`rom.vocabulary.SIDE_CHOICES`, automatic first and so chosen
#: until the user picks a leg: a default leg measured the straight standing leg of a
#: right-leg quad stretch and called it reliable.
SIDE_HELP = N_("The leg being measured. 'Detect automatically' picks the leg that does the test's "
               "movement; choose a leg when both legs move.")

#: Largest phone tilt the form accepts, degrees (the pipeline's own limit for a typed roll).
ROLL_LIMIT_DEG = MAX_FLOOR_ROLL_DEG
ROLL_LABEL = N_("Phone tilt (roll, degrees, from a level app)")
ROLL_HELP = N_(
    "Optional. How far the phone leaned sideways while filming, read from a level app with "
    "the phone in its filming position; positive when a door frame looks tilted to the "
    "right in the video (its top right of its bottom), negative when to the left. Angles "
    "measured to true vertical (shin, hip extension, trunk) are trusted only when the tilt "
    "is known to within 1.5°: every degree the phone leans is a degree of error. rom's "
    "printed marker, or door frames and wall corners in the picture, also give the tilt; a "
    "typed value wins over them."
)

#: The form's choices that belong to one client, and what they are for the next client.
CLIENT_CHOICES: dict[str, str] = {
    "test": TESTS[0], "side": SIDE_CHOICES[0], "technique": labels.TECHNIQUES[0],
    "technique_other": "",
}

#: Most clips (trials) per phase: clinicians record the best or the mean of 3 trials.
MAX_TRIALS = 3
#: The upload boxes' words (one table, ready for translation).
UPLOAD_TEXT = Texts({
    "pre": N_("Before the technique (1–3 clips)"),
    "post": N_("After the technique (1–3 clips)"),
    "help": (N_("A phone video (MP4 or MOV), portrait or landscape. Clinicians repeat a test: "
                "add up to 3 clips of the same test, each one trial, and rom shows each trial "
                "and their mean (or the best).")),
    "too_many": (N_("Up to 3 clips per phase: {phase} has {count}, so only the first 3 are "
                    "analysed ({names}). Remove a clip to choose which.")),
})

FPS_CHOICES: dict[str, float | None] = {  # the labels are the option values, shown via _()
    N_("Every frame (most accurate)"): None,
    N_("30 frames per second"): 30.0,
    N_("15 frames per second (fastest)"): 15.0,
}


@dataclass(frozen=True)
class VideoInput:
    """A video ready to analyse: where it is on disk and what to call it."""

    phase: str
    path: Path
    name: str
    #: Known true value of a synthetic sample clip (in ``true_unit``), else ``None``.
    true_value: float | None = None
    true_unit: str = ""
    #: Which clip of its phase this is, 1 to :data:`MAX_TRIALS` (clinicians repeat a test).
    trial: int = 1


@dataclass(frozen=True)
class AnalysisRequest:
    """Everything the Analyse button was pressed with.

    ``videos`` holds every clip to analyse: 1 to :data:`MAX_TRIALS` per phase (each a trial
    of that phase, numbered by :attr:`VideoInput.trial`).
    """

    person_id: int
    test: str
    side: str
    technique: str
    videos: tuple[VideoInput, ...]
    options: AnalysisOptions


def tests_offered() -> tuple[str, ...]:
    return TESTS


# -- sidebar: the person --------------------------------------------------------------------


def person_sidebar(store: Store) -> PersonInfo | None:
    """Pick or add a person in the sidebar; returns the chosen ``PersonInfo`` or ``None``."""
    st.sidebar.header(_("Person"))
    people = list(store.list_people())
    by_id = {p.id: p for p in people}
    options: list[Any] = [p.id for p in people] + [NEW_PERSON]
    pending = st.session_state.pop(PENDING_PERSON, None)
    if pending in by_id:  # a person just added: select them before the widget is drawn
        st.session_state["person_select"] = pending
    elif st.session_state.get("person_select") not in options:
        st.session_state.pop("person_select", None)
    current = state.person_id()
    if current is None and "person_select" not in st.session_state:
        # A reload: the person from the page's address, so it comes back as it was.
        current = _person_in_url(by_id)
    if current not in by_id:
        current = None
        st.session_state.pop(state.PERSON_ID, None)
    if "person_select" in st.session_state:
        index = 0  # the widget's own (or just set) value wins; no default to conflict with
    else:
        index = (options.index(current) if current is not None
                 else 0 if people else len(options) - 1)
    choice = st.sidebar.selectbox(
        _("Who is being measured?"),
        options,
        index=index,
        format_func=lambda o: _(o) if o == NEW_PERSON else by_id[o].name,
        key="person_select",
        help=_("A name or a pseudonym. Everything stays on this computer."),
    )
    if choice == NEW_PERSON:
        st.query_params.pop(PERSON_PARAM, None)
        _new_person_form(store)
        return None
    person = by_id[int(choice)]
    st.session_state[state.PERSON_ID] = person.id
    if st.query_params.get(PERSON_PARAM) != person.uid:
        st.query_params[PERSON_PARAM] = person.uid
    shown = st.session_state.get(state.SHOWN_PERSON)
    if shown != person.id:
        # Another person: a new session, and never the previous person's results.
        state.forget_session()
        if shown is not None:
            _forget_previous_client()
        st.session_state[state.SHOWN_PERSON] = person.id
    if person.name != labels.DEMO_PERSON_NAME:
        _forget_demo_choices()
    st.sidebar.button(_("Add another person"), icon=":material/person_add:", type="tertiary",
                      key="add_another_person", on_click=_choose_new_person)
    return person


def _forget_previous_client() -> None:
    """The previous client's uploads, results and form choices go: the form starts afresh."""
    _forget_demo_choices()  # first: it recognises the demo by the technique cleared below
    state.forget_client()
    st.session_state.update(CLIENT_CHOICES)


def _person_in_url(by_id: Mapping[int, PersonInfo]) -> int | None:
    """The id of the person whose uid is in the address (``?person=<uid>``), if on record."""
    uid = st.query_params.get(PERSON_PARAM)
    return next((p.id for p in by_id.values() if p.uid == uid), None)


def restore_session(store: Store, person: PersonInfo) -> None:
    """After a reload: go on with the person's session named in the address.

    Looked at once per page (a "New session" click must not bring it back); a session that
    is unknown, deleted or another person's is ignored, and :func:`keep_in_address` drops
    it.  Call before the form is drawn: the session's technique and details fill it.
    """
    if st.session_state.get(ADDRESS_READ):
        return
    st.session_state[ADDRESS_READ] = True
    uid = st.query_params.get(SESSION_PARAM)
    if uid is None or st.session_state.get(state.SESSION_ID) is not None:
        return
    session = next((s for s in store.sessions(person.id) if s.uid == uid), None)
    if session is None:
        return
    state.continue_session(store, session)
    technique = session.technique or labels.TECHNIQUES[0]
    offered = technique in labels.TECHNIQUES
    st.session_state.update({"technique": technique if offered else "Other",
                             "technique_other": "" if offered else technique})


def keep_in_address(store: Store) -> None:
    """Put the session being recorded into the address (``?session=<uid>``), or take it out."""
    session_id = st.session_state.get(state.SESSION_ID)
    uid = None
    if session_id is not None:
        with contextlib.suppress(RomError):  # deleted meanwhile
            uid = store.get_session(int(session_id)).uid
    if uid is None:
        st.query_params.pop(SESSION_PARAM, None)
    elif st.query_params.get(SESSION_PARAM) != uid:
        st.query_params[SESSION_PARAM] = uid


def _forget_demo_choices() -> None:
    """A real person's session must not be filed under the demo's samples and technique."""
    if st.session_state.get("technique_other") == labels.DEMO_TECHNIQUE:
        # Set, not popped: the browser would send its old widget values back.
        st.session_state.update({"technique": labels.TECHNIQUES[0], "technique_other": "",
                                 "source": SOURCE_UPLOAD})


def _choose_new_person() -> None:
    # A callback runs before the next script run, so the select box can still be set.
    st.session_state["person_select"] = NEW_PERSON


def person_caption(store: Store, person: PersonInfo) -> str:
    """One line about the person, counted after this run's saves."""
    count = len(store.sessions(person.id))
    sessions_on_record = ngettext("{n} session on record", "{n} sessions on record",
                                  count).format(n=count)
    if not person.height_cm:
        return sessions_on_record
    return _("{height} cm tall · {sessions}").format(height=f"{person.height_cm:.0f}",
                                                    sessions=sessions_on_record)


def name_key(name: str) -> str:
    """A name as compared for duplicates: case and spacing ignored (``" ana  RUNNER"``)."""
    return " ".join(name.split()).casefold()


def same_name_as(name: str, people: Sequence[PersonInfo]) -> PersonInfo | None:
    """The person already called ``name`` (ignoring case and spaces), or None."""
    key = name_key(name)
    return next((p for p in people if name_key(p.name) == key), None)


def _new_person_form(store: Store) -> None:
    with st.sidebar.form("new_person", clear_on_submit=True):
        name = st.text_input(_("Name or pseudonym"), max_chars=200, key="new_person_name")
        height = st.number_input(
            _("Height in cm (optional)"), min_value=HEIGHT_MIN_CM, max_value=HEIGHT_MAX_CM,
            value=None, step=1, format="%d", placeholder=_("e.g. 172"), help=_(HEIGHT_HELP),
            key="new_person_height",
        )
        submitted = st.form_submit_button(_("Add person"), type="primary")
    if submitted:
        if not name.strip():
            st.sidebar.warning(_("Please type a name or a pseudonym first."))
            return
        taken = same_name_as(name, store.list_people())
        if taken is not None:
            st.sidebar.warning(_(DUPLICATE_NAME).format(name=literal(taken.name)))
            return
        try:
            person = store.add_person(name.strip(),
                                      height_cm=float(height) if height is not None else None)
        except RomError as exc:
            st.sidebar.error(literal(exc))
            return
        st.session_state[state.PERSON_ID] = person.id
        st.session_state[PENDING_PERSON] = person.id
        st.session_state.pop(state.SESSION_ID, None)
        state.flash("success", _("Added {person}.").format(person=literal(person.name)))
        st.rerun()


# -- the form ------------------------------------------------------------------------------


def record_form(person: PersonInfo | None, *, submit: bool = False) -> AnalysisRequest | None:
    """Draw the record form; returns a request when *Analyse* was pressed with valid input.

    ``submit=True`` acts as if the button was pressed (the welcome page's sample demo).
    """
    st.subheader(_("1 · What are you testing?"))
    c1, c2, c3 = st.columns([3, 2, 3])
    tests = tests_offered()
    test = c1.selectbox(_("Test"), tests, format_func=labels.test_label, key="test")
    sample_sides = _sample_sides(test) if st.session_state.get("source") == SOURCE_SAMPLES else ()
    if sample_sides and st.session_state.get("side") not in sample_sides:
        # The sample clips show one particular leg: show that leg rather than a wrong one.
        st.session_state["side"] = sample_sides[0]
    side_help = _(SIDE_HELP)
    if len(sample_sides) == 1:
        side_help = _("The sample clips of this test show the {side} leg.").format(
            side=labels.side_word(sample_sides[0]))
    # Automatic first, so it is the default (index 0) wherever the form is drawn.
    side: str = c2.radio(_("Side"), SIDE_CHOICES, format_func=labels.SIDE_LABELS.get,
                    horizontal=True, key="side", disabled=len(sample_sides) == 1,
                    help=side_help)
    technique = c3.selectbox(_("Technique done between before and after"), labels.TECHNIQUES,
                             key="technique")
    if technique == "Other":
        technique = c3.text_input(_("Which technique?"), key="technique_other",
                                  placeholder=_("e.g. calf foam rolling")).strip() or "Other"
    tip = labels.FILMING_TIPS.get(test) or _("Film from the side, the whole body in frame.")
    st.caption(_(":material/videocam: **How to film:** {tip}").format(tip=tip))

    st.subheader(_("2 · Videos before and after"))
    source = st.radio(_("Where are the videos?"), (SOURCE_UPLOAD, SOURCE_SAMPLES, SOURCE_WEBCAM),
                      format_func=_, horizontal=True, key="source",
                      label_visibility="collapsed")
    videos: list[VideoInput] = []
    problems: list[str] = []
    if source == SOURCE_UPLOAD:
        videos, problems = _uploads()
    elif source == SOURCE_SAMPLES:
        videos, problems = _samples(test, side)
        pair = services.sample_pair(test, side)
        if pair is not None and pair[0].side in SIDES:
            side = pair[0].side  # the sample clips show one particular leg
    else:
        from rom.dashboard import webcam

        videos = [VideoInput(phase, path, name) for phase, path, name in webcam.record(test, side)]

    sessions.details_form([v.path for v in videos])
    if person is not None:
        sessions.new_session_button()

    with st.expander(_("Settings (optional)")):
        s1, s2, s3 = st.columns(3)
        model = s1.selectbox(_("Pose model"), ("full", "lite", "heavy"), key="model",
                             help=_("'full' works offline; 'lite' and 'heavy' are downloaded "
                                    "once."))
        fps_label = s2.selectbox(_("Frames analysed"), tuple(FPS_CHOICES), format_func=_,
                                 key="fps")
        stored = person.height_cm if person is not None else None
        default_height = (round(stored) if stored and HEIGHT_MIN_CM <= round(stored)
                          <= HEIGHT_MAX_CM else None)
        # Keyed by person: another person's height must not carry over.
        height = s3.number_input(_("Height in cm (optional)"), min_value=HEIGHT_MIN_CM,
                                 max_value=HEIGHT_MAX_CM, value=default_height, step=1,
                                 format="%d", placeholder=_("not given"),
                                 key=f"height_cm_{person.id if person is not None else 'none'}",
                                 help=_(HEIGHT_HELP))
        m1, m2 = st.columns([2, 1])
        use_marker = m1.checkbox(
            _("Use rom's wall marker when it is in view"), value=True, key="use_marker",
            help=_("The printed marker on the wall levels the camera's tilt and gives a scale "
                   "in centimetres."))
        roll = m2.number_input(_(ROLL_LABEL), min_value=-ROLL_LIMIT_DEG,
                               max_value=ROLL_LIMIT_DEG, value=None, step=0.1, format="%.1f",
                               placeholder=_("not given"), key="roll_deg", help=_(ROLL_HELP))
    # A lens profile is an AnalysisOptions field too; the form does not offer it yet.
    options = AnalysisOptions(model=model, fps=FPS_CHOICES[fps_label], side=side,
                              height_cm=float(height) if height is not None else None,
                              roll_deg=float(roll) if roll is not None else None,
                              use_marker=use_marker)

    for problem in problems:
        st.error(literal(problem))
    pressed = st.button(_("Analyse before and after"), type="primary", key="analyse") or submit
    if not pressed:
        return None
    if person is None:
        st.warning(_("First choose or add the person being measured (in the sidebar on the "
                     "left)."))
        return None
    if not videos:
        st.warning(_("Add a video first: upload a before and an after video, or use the "
                     "samples."))
        return None
    return AnalysisRequest(person_id=int(person.id), test=test, side=side, technique=technique,
                           videos=tuple(videos), options=options)


def _uploads() -> tuple[list[VideoInput], list[str]]:
    limit = state.upload_limit_bytes()
    videos: list[VideoInput] = []
    problems: list[str] = []
    cols = st.columns(2)
    for col, phase in ((cols[0], "pre"), (cols[1], "post")):
        uploads = col.file_uploader(UPLOAD_TEXT[phase], type=list(VIDEO_TYPES),
                                    accept_multiple_files=True, key=state.upload_key(phase),
                                    help=UPLOAD_TEXT["help"])
        kept, problem = capped_uploads(phase, [u.name for u in uploads or ()])
        if problem:
            problems.append(problem)
        for trial, upload in enumerate((uploads or [])[:len(kept)], start=1):
            try:
                path = services.save_upload(upload.name, upload.getvalue(), limit_bytes=limit)
            except RomError as exc:
                problems.append(str(exc))
                continue
            videos.append(VideoInput(phase, path, upload.name, trial=trial))
    return videos, problems


def capped_uploads(phase: str, names: Sequence[str]) -> tuple[list[str], str | None]:
    """The clips of ``phase`` that are analysed (the first :data:`MAX_TRIALS`) and, when
    more were added, the message saying which ones are left out."""
    kept = list(names[:MAX_TRIALS])
    if len(names) <= MAX_TRIALS:
        return kept, None
    return kept, UPLOAD_TEXT["too_many"].format(
        phase=labels.phase_word(phase), count=len(names),
        names=", ".join(f"“{name}”" for name in kept))


def _sample_sides(test: str) -> tuple[str, ...]:
    """The sides (``"left"``/``"right"``) that have a pre/post pair of sample clips of ``test``."""
    sides = []
    for side in SIDES:
        pair = services.sample_pair(test, side)
        if pair is not None and pair[0].side == side:
            sides.append(side)
    return tuple(sides)


def _clip_line(clip: services.SampleClip) -> str:
    truth = ("" if clip.true_value is None
             else _(" · posed at **{value}**").format(
                 value=labels.format_value(clip.true_value, clip.unit)))
    return _(":material/movie: {file} · {side} side{truth}").format(
        file=literal(clip.path.name), side=labels.side_word(clip.side), truth=truth)


def _samples(test: str, side: str) -> tuple[list[VideoInput], list[str]]:
    pair = services.sample_pair(test, side)
    problems = []
    if pair is None:
        problems.append(_("There are no sample videos of “{test}”. Choose another test "
                          "above, or upload your own videos.").format(
            test=labels.test_label(test)))
    else:
        cols = st.columns(2)
        for col, clip, title in ((cols[0], pair[0], _("Before the technique")),
                                 (cols[1], pair[1], _("After the technique"))):
            with col.container(border=True):
                st.markdown(f"**{title}**")
                st.markdown(_clip_line(clip))
    _sample_catalogue()
    if pair is None:
        return [], problems
    return [VideoInput(c.phase, c.path, c.path.name, c.true_value, c.unit) for c in pair], []


def _sample_catalogue() -> None:
    """Every bundled pre/post pair, so it is clear which tests the samples cover."""
    rows = []
    covered = set()
    for test in tests_offered():
        for side in _sample_sides(test) or (("auto",) if services.sample_pair(test, "auto")
                                            else ()):
            pair = services.sample_pair(test, side)
            if pair is None:
                continue
            pre, post = pair
            covered.add(test)
            rows.append({
                _("Test"): labels.test_label(test),
                _("Side"): labels.SIDE_LABELS.get(pre.side, literal(pre.side)),
                # st.table renders its cells as Markdown.
                _("Before clip"): literal(pre.path.name),
                _("After clip"): literal(post.path.name),
                _("True value before → after"): (
                    f"{labels.format_value(pre.true_value, pre.unit)} → "
                    f"{labels.format_value(post.true_value, post.unit)}"
                    if pre.true_value is not None and post.true_value is not None else "–"),
            })
    with st.expander(_("All sample clips ({count} before/after pairs)").format(count=len(rows))):
        st.caption(_("Synthetic side-view clips of a rendered body, with the exact angle or "
                     "distance it was posed at. Pick a test above to analyse its pair."))
        if rows:
            layout.table_or_cards(rows, key="sample_clips")
        missing = [labels.test_label(t) for t in tests_offered() if t not in covered]
        if missing:
            st.caption(_("No sample clips yet for: {tests}.").format(tests=", ".join(missing)))
