"""Record: choose the person, the test and side, the technique and the two videos.

The person is picked in the sidebar (so every tab knows who it is about); the rest is a
short form on the session tab.  Nothing is analysed until the button is pressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from rom.dashboard import labels, services, state
from rom.errors import RomError

NEW_PERSON = "+ Add a new person…"
SOURCE_UPLOAD = "Upload my videos"
SOURCE_SAMPLES = "Use the sample videos"
SOURCE_WEBCAM = "Record with the webcam"
PENDING_PERSON = "_person_to_select"

FPS_CHOICES: dict[str, float | None] = {
    "Every frame (most accurate)": None,
    "30 frames per second": 30.0,
    "15 frames per second (fastest)": 15.0,
}


@dataclass(frozen=True)
class VideoInput:
    """A video ready to analyse: where it is on disk and what to call it."""

    phase: str
    path: Path
    name: str


@dataclass(frozen=True)
class AnalysisRequest:
    """Everything the Analyse button was pressed with."""

    person_id: int
    test: str
    side: str
    technique: str
    videos: tuple[VideoInput, ...]
    settings: services.AnalysisSettings


def tests_offered() -> tuple[str, ...]:
    try:
        from rom.measure import TESTS

        return tuple(TESTS)
    except ImportError:  # measurement module not installed yet
        return tuple(labels.TEST_LABELS)


# -- sidebar: the person --------------------------------------------------------------------


def person_sidebar(store: Any) -> Any | None:
    """Pick or add a person in the sidebar; returns the chosen ``PersonInfo`` or ``None``."""
    st.sidebar.header("Person")
    people = list(store.list_people())
    by_id = {p.id: p for p in people}
    options: list[Any] = [p.id for p in people] + [NEW_PERSON]
    pending = st.session_state.pop(PENDING_PERSON, None)
    if pending in by_id:  # a person just added: select them before the widget is drawn
        st.session_state["person_select"] = pending
    elif st.session_state.get("person_select") not in options:
        st.session_state.pop("person_select", None)
    current = state.person_id()
    if current not in by_id:
        current = None
        st.session_state.pop(state.PERSON_ID, None)
    index = options.index(current) if current is not None else (0 if people else len(options) - 1)
    choice = st.sidebar.selectbox(
        "Who is being measured?",
        options,
        index=index,
        format_func=lambda o: o if o == NEW_PERSON else by_id[o].name,
        key="person_select",
        help="A name or a pseudonym. Everything stays on this computer.",
    )
    if choice == NEW_PERSON:
        _new_person_form(store)
        return None
    person = by_id[int(choice)]
    if st.session_state.get(state.PERSON_ID) != person.id:
        st.session_state[state.PERSON_ID] = person.id
        st.session_state.pop(state.SESSION_ID, None)  # a new person starts a new session
    return person


def person_caption(store: Any, person: Any) -> str:
    """One line about the person, counted after this run's saves."""
    count = len(store.sessions(person.id))
    height = f"{person.height_cm:.0f} cm tall · " if person.height_cm else ""
    return f"{height}{count} session{'s' if count != 1 else ''} on record"


def _new_person_form(store: Any) -> None:
    with st.sidebar.form("new_person", clear_on_submit=True):
        name = st.text_input("Name or pseudonym", max_chars=200, key="new_person_name")
        height = st.number_input(
            "Height in cm (optional)", min_value=0.0, max_value=250.0, value=0.0, step=1.0,
            help="Lets rom give the toe-touch reach in centimetres.",
            key="new_person_height",
        )
        submitted = st.form_submit_button("Add person", type="primary")
    if submitted:
        if not name.strip():
            st.sidebar.warning("Please type a name or a pseudonym first.")
            return
        try:
            person = store.add_person(name.strip(), height_cm=float(height) or None)
        except RomError as exc:
            st.sidebar.error(str(exc))
            return
        st.session_state[state.PERSON_ID] = person.id
        st.session_state[PENDING_PERSON] = person.id
        st.session_state.pop(state.SESSION_ID, None)
        state.flash("success", f"Added {person.name}.")
        st.rerun()


# -- the form ------------------------------------------------------------------------------


def record_form(person: Any | None) -> AnalysisRequest | None:
    """Draw the record form; returns a request when *Analyse* was pressed with valid input."""
    st.subheader("1 · What are you testing?")
    c1, c2, c3 = st.columns([3, 2, 3])
    tests = tests_offered()
    test = c1.selectbox("Test", tests, format_func=labels.test_label, key="test")
    side = c2.radio("Side", ("left", "right", "auto"), format_func=labels.SIDE_LABELS.get,
                    horizontal=True, key="side",
                    help="The leg being measured. 'Detect' picks the leg nearest the camera.")
    technique = c3.selectbox("Technique done between pre and post", labels.TECHNIQUES,
                             key="technique")
    if technique == "Other":
        technique = c3.text_input("Which technique?", key="technique_other",
                                  placeholder="e.g. calf foam rolling").strip() or "Other"
    tip = labels.FILMING_TIPS.get(test, "Film from the side, the whole body in frame.")
    st.caption(f":material/videocam: **How to film:** {tip}")

    st.subheader("2 · Videos before and after")
    source = st.radio("Where are the videos?", (SOURCE_UPLOAD, SOURCE_SAMPLES, SOURCE_WEBCAM),
                      horizontal=True, key="source", label_visibility="collapsed")
    videos: list[VideoInput] = []
    problems: list[str] = []
    if source == SOURCE_UPLOAD:
        videos, problems = _uploads()
    elif source == SOURCE_SAMPLES:
        videos, problems = _samples(test, side)
        pair = services.sample_pair(test, side)
        if pair is not None and pair[0].side in ("left", "right"):
            side = pair[0].side  # the sample clips show one particular leg
    else:
        from rom.dashboard import webcam

        videos = [VideoInput(phase, path, name) for phase, path, name in webcam.record(test, side)]

    with st.expander("Settings (optional)"):
        s1, s2, s3 = st.columns(3)
        model = s1.selectbox("Pose model", ("full", "lite", "heavy"), key="model",
                             help="'full' works offline; 'lite' and 'heavy' are downloaded once.")
        fps_label = s2.selectbox("Frames analysed", tuple(FPS_CHOICES), key="fps")
        default_height = float(person.height_cm) if person is not None and person.height_cm else 0.0
        height = s3.number_input("Height in cm", min_value=0.0, max_value=250.0,
                                 value=default_height, step=1.0, key="height_cm",
                                 help="Used to turn the toe-touch reach into centimetres.")
        use_marker = st.checkbox(
            "Use rom's wall marker when it is in view", value=True, key="use_marker",
            help="The printed marker on the wall levels the camera's tilt and gives a scale "
                 "in centimetres.")
    settings = services.AnalysisSettings(model=model, fps=FPS_CHOICES[fps_label],
                                         height_cm=float(height) or None, use_marker=use_marker)

    for problem in problems:
        st.error(problem)
    pressed = st.button("Analyse pre and post", type="primary", key="analyse")
    if not pressed:
        return None
    if person is None:
        st.warning("First choose or add the person being measured (in the sidebar on the left).")
        return None
    if not videos:
        st.warning("Add a video first: upload a pre and a post video, or use the samples.")
        return None
    return AnalysisRequest(person_id=int(person.id), test=test, side=side, technique=technique,
                           videos=tuple(videos), settings=settings)


def _uploads() -> tuple[list[VideoInput], list[str]]:
    limit = state.upload_limit_bytes()
    videos: list[VideoInput] = []
    problems: list[str] = []
    cols = st.columns(2)
    for col, phase, title in ((cols[0], "pre", "Pre — before the technique"),
                              (cols[1], "post", "Post — after the technique")):
        upload = col.file_uploader(title, type=list(services.VIDEO_TYPES), key=f"upload_{phase}",
                                   help="A phone video (MP4 or MOV), portrait or landscape.")
        if upload is None:
            continue
        try:
            path = services.save_upload(upload.name, upload.getvalue(), limit_bytes=limit)
        except RomError as exc:
            problems.append(str(exc))
            continue
        videos.append(VideoInput(phase, path, upload.name))
    return videos, problems


def _samples(test: str, side: str) -> tuple[list[VideoInput], list[str]]:
    pair = services.sample_pair(test, side)
    if pair is None:
        return [], [f"There are no sample videos of “{labels.test_label(test)}” yet."]
    pre, post = pair
    truth = ""
    if pre.true_value is not None and post.true_value is not None:
        truth = (f" The synthetic body was posed at {labels.format_value(pre.true_value, pre.unit)}"
                 f" before and {labels.format_value(post.true_value, post.unit)} after.")
    st.info(f"Synthetic sample clips of the {pre.side} side: “{pre.path.name}” and "
            f"“{post.path.name}”.{truth}")
    return [VideoInput("pre", pre.path, pre.path.name),
            VideoInput("post", post.path, post.path.name)], []
