"""Measure by hand on a photo: the manual goniometer and ruler for the toe tests.

The pose model has no toe joints, so the toe tests (:data:`rom.protocols.MANUAL_TESTS`)
are measured on a still photo: the user uploads it, clicks the test's points on it (an
``st.components.v2`` widget whose script is ``assets/manual.js``), sees the value
:func:`rom.manual.manual_measurement` computes and saves it into the current session like
any measurement (a trial without a video, see :func:`rom.dashboard.state.save_session`).

Under each analysed clip, "Measure by hand on this clip" (:func:`show_on_frame`) puts the
same widget on any frame of the video (the person's region, decoded as for the landmark
correction): three points give an angle, two a distance or a line's angle to true vertical
with the clip's calibration (:func:`rom.manual.hand_reading`), saved into the session with
the frame and the points.

The points live in ``st.session_state`` (image pixels of the photo as shown, or of the
upright video frame as the pose track holds it; ``x`` right, ``y`` down); the widget only
draws them and reports clicks, so the logic below is tested with points given directly.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import pillow_heif
import streamlit as st
from PIL import Image, ImageOps

from rom import labels
from rom.dashboard import correct, state
from rom.dashboard.services import AnalysedVideo
from rom.dashboard.text import literal
from rom.errors import MeasurementError, RomError
from rom.i18n import N_, Texts, _
from rom.manual import (
    HAND_READINGS,
    Point,
    cm_per_px_from_reference,
    hand_reading,
    manual_measurement,
)
from rom.measurement import Measurement
from rom.protocols import MANUAL_TESTS, toe_extension, toe_flexion, toe_spread
from rom.store import Store
from rom.store.records import PersonInfo
from rom.vocabulary import Side

pillow_heif.register_heif_opener()  # PIL opens iPhone photos (HEIC) too

ASSETS = Path(__file__).resolve().parent / "assets"
#: The photo is shown (and its points measured) at most this many pixels on its long side.
MAX_SIDE_PX = 1600
#: The two ends of the reference of typed length, for a toe-spread width in cm.
REFERENCE_POINTS: tuple[str, str] = (N_("one end of the reference"), N_("its other end"))
#: Toe spreading is an angle (3 points) or a forefoot width (2 points and a reference).
SPREAD_MODES = Texts({"angle": N_("Angle between the big and little toe"),
                      "width": N_("Forefoot width (cm)")})
PHASES = Texts({"pre": N_("Before the technique"), "post": N_("After the technique")})
SIDES = Texts({"left": N_("Left foot"), "right": N_("Right foot")})
TEXT = Texts({
    "heading": N_(":material/straighten: Measure by hand on a photo (toe tests)"),
    "test": N_("Toe test"),
    "side": N_("Foot"),
    "phase": N_("When"),
    "mode": N_("Measure"),
    "reference": N_("Reference length (cm)"),
    "reference_help": N_("The true length between the two reference points you click, e.g. a "
                         "card 8.56 cm wide lying flat beside the foot."),
    "upload": N_("Photo of the foot (JPEG, PNG or HEIC)"),
    "upload_help": N_("A still photo from a phone, as it comes (an iPhone's HEIC too)."),
    "unreadable": N_("This file could not be read as a photo: {error}"),
    "click": N_("Click point {number} of {count}: **{name}**"),
    "done": N_("All points marked. Undo the last point or clear them to mark again."),
    "undo": N_("Undo last point"),
    "clear": N_("Clear points"),
    "value": N_("Measured by hand"),
    "save": N_("Save into this session"),
    "saved": N_("Saved by hand: {test}, {side}, {phase}: {value}."),
    "save_failed": N_("The value could not be saved: {error}"),
    "level": N_("Hold the phone level: a photo has no wall marker, so the image's up is taken "
                "as true up."),
})
_POINT_NAMES: dict[str, tuple[str, ...]] = {
    "big-toe-extension": toe_extension.POINTS,
    "big-toe-flexion": toe_flexion.POINTS,
    "toe-spread": toe_spread.POINTS,
}
# Session-state keys of the section (the widgets' own keys start with "manual_").
POINTS_KEY = "manual_points"  # list of [x, y], photo pixels
PHOTO_KEY = "_manual_photo"  # the ShownPhoto on screen
_MARKED_FOR = "_manual_marked_for"  # (photo id, test, mode) the points belong to

#: The free tools on a video frame (:func:`rom.manual.hand_reading`) and their points.
FRAME_TOOLS = Texts({"angle": N_("Angle (3 points)"), "distance": N_("Distance (2 points)"),
                     "vertical": N_("Angle to true vertical (2 points)")})
FRAME_POINTS: dict[str, tuple[str, ...]] = {
    "angle": (N_("one end"), N_("the vertex (the joint)"), N_("the other end")),
    "distance": (N_("one end"), N_("the other end")),
    "vertical": (N_("one end of the line"), N_("its other end")),
}
FRAME_SCALES = Texts({"marker": N_("The marker's scale"),
                      "reference": N_("A reference of known length")})
FRAME_TEXT = Texts({
    "heading": N_(":material/straighten: Measure by hand on this clip"),
    "intro": N_("Step to a frame and click the points: a goniometer angle, a distance or a "
                "line's angle to true vertical. Saved into the session as a value by hand "
                "(no MDC: before and after are shown, not judged)."),
    "frame": N_("Frame (the measured moment is frame {frame})"),
    "tool": N_("Tool"),
    "scale": N_("Scale"),
    "no_scale": N_("No marker scale on this clip: click a reference of known length too."),
    "roll": N_("True vertical from the clip's calibration (camera tilt {roll:+.1f}°)."),
    "no_roll": N_("The camera's tilt is unknown on this clip: the frame's up is taken as "
                  "true up, and the angle is marked unreliable."),
    "no_frame": N_("The frame could not be read from the video: {error}"),
    "saved": N_("Saved by hand: {test}, {side}, {phase}: {value} (frame {frame})."),
})

_component = st.components.v2.component(
    "rom_manual_points", js=(ASSETS / "manual.js").read_text(encoding="utf-8"))


def point_names(test: str, mode: str = "angle") -> tuple[str, ...]:
    """The points to click for ``test``, in order (``mode`` only matters for toe-spread:
    ``"width"`` = the two width points, then the two ends of the reference)."""
    if test == "toe-spread" and mode == "width":
        return toe_spread.WIDTH_POINTS + REFERENCE_POINTS
    return _POINT_NAMES[test]


def vertex_index(test: str, mode: str = "angle") -> int | None:
    """Which clicked point is the goniometer's axis (drawn larger); None for a width."""
    return None if test == "toe-spread" and mode == "width" else 1


def measure_points(test: str, side: Side, points: Sequence[Point], mode: str = "angle",
                   reference_cm: float | None = None) -> Measurement:
    """The hand-measured value of ``test`` from the clicked ``points``.

    Parameters
    ----------
    test : str
        One of :data:`rom.protocols.MANUAL_TESTS`.
    side : {"left", "right"}
    points : sequence of Point
        Photo pixels in the order of :func:`point_names`.
    mode : {"angle", "width"}
        For toe-spread: the angle at the vertex (deg, 0 = toes together) or the forefoot
        width (cm, the last two points are the reference's ends).
    reference_cm : float, optional
        The reference's true length in cm (width only).

    Returns
    -------
    Measurement
        As :func:`rom.manual.manual_measurement` returns it (degrees or cm).

    Raises
    ------
    MeasurementError
        The wrong number of points, no reference length, or an implausible value.
    """
    if test == "toe-spread" and mode == "width":
        if len(points) != 4:
            raise MeasurementError("a width needs its 2 points and the reference's 2 ends")
        if reference_cm is None or not reference_cm > 0:
            raise MeasurementError("type the reference's length in cm")
        scale = cm_per_px_from_reference(points[2], points[3], reference_cm)
        return manual_measurement(test, side, points[:2], cm_per_px=scale)
    return manual_measurement(test, side, points)


def save_manual(store: Store, person_id: int, technique: str, phase: str,
                measurement: Measurement) -> int:
    """Add ``measurement`` (``phase`` ``"pre"``/``"post"``) to this browser's session and save
    the session; returns the saved session's id.  A second value of the same test, side and
    phase replaces the first, as a re-analysed video does."""
    state.start_session_if_needed(person_id, technique)
    state.manual_measurements()[(measurement.test, measurement.side, phase)] = measurement
    return state.save_session(store, person_id, technique)


def points(points_key: str = POINTS_KEY) -> list[Point]:
    """The points clicked so far on the photo (or frame) shown, its pixels."""
    marked: list[list[float]] = st.session_state.setdefault(points_key, [])
    return [(float(x), float(y)) for x, y in marked]


@dataclass(frozen=True)
class ShownPhoto:
    """A photo as the widget shows it (and its points are measured on): upright, at most
    :data:`MAX_SIDE_PX` on its long side, as a JPEG data URL."""

    photo_id: str  # the first 16 hex digits of the uploaded file's SHA-256
    src: str
    width: int  # pixels
    height: int


def shown_photo(raw: bytes) -> ShownPhoto:
    """Decode an uploaded JPEG, PNG or HEIC photo for marking.

    Turned upright by its EXIF orientation (a phone stores a portrait photo sideways with an
    orientation tag), RGB, downscaled to at most :data:`MAX_SIDE_PX` a side.

    Raises
    ------
    OSError, ValueError
        Not a readable image (PIL's own errors).
    """
    with Image.open(io.BytesIO(raw)) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    src = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return ShownPhoto(hashlib.sha256(raw).hexdigest()[:16], src, image.width, image.height)


def _photo(raw: bytes) -> ShownPhoto:
    """:func:`shown_photo`, decoded once per upload (not on every click's rerun)."""
    held = st.session_state.get(PHOTO_KEY)
    if isinstance(held, ShownPhoto) and held.photo_id == hashlib.sha256(raw).hexdigest()[:16]:
        return held
    photo = shown_photo(raw)
    st.session_state[PHOTO_KEY] = photo
    return photo


def _technique(person: PersonInfo) -> str:
    """The technique of the session being recorded: the open session's, else the form's."""
    fingerprint = st.session_state.get(state.SESSION_FINGERPRINT)
    if fingerprint is not None and fingerprint[0] == person.id:
        return str(fingerprint[1])
    chosen = str(st.session_state.get("technique") or labels.TECHNIQUES[0])
    if chosen == "Other":
        return str(st.session_state.get("technique_other") or "").strip() or "Other"
    return chosen


def _mark(names: tuple[str, ...], data: dict[str, object], *, points_key: str = POINTS_KEY,
          prefix: str = "manual") -> list[Point]:
    """The click widget with the points marked so far, their prompt, Undo and Clear; returns
    the points (``prefix`` names the widgets: ``manual_widget``, ``manual_undo``, ...)."""
    marked = points(points_key)
    if len(marked) < len(names):
        st.markdown(TEXT["click"].format(number=len(marked) + 1, count=len(names),
                                         name=_(names[len(marked)])))
    else:
        st.caption(TEXT["done"])
    result = _component(key=f"{prefix}_widget", on_click_change=lambda: None,
                        data={**data, "points": [list(p) for p in marked]})
    click = getattr(result, "click", None)
    if isinstance(click, dict) and len(marked) < len(names):
        st.session_state[points_key].append([float(click["x"]), float(click["y"])])
        st.rerun()  # draw the new point
    b1, b2, _spare = st.columns([1, 1, 3])
    if b1.button(TEXT["undo"], key=f"{prefix}_undo", disabled=not marked):
        st.session_state[points_key].pop()
        st.rerun()
    if b2.button(TEXT["clear"], key=f"{prefix}_clear", disabled=not marked):
        st.session_state[points_key] = []
        st.rerun()
    return marked


def show(store: Store, person: PersonInfo) -> None:
    """The "Measure by hand" section of the Session tab."""
    # Keyed and tracked: it stays open when the page above it changes (a save's message).
    with st.expander(TEXT["heading"], key="manual_section", on_change="rerun"):
        c1, c2, c3 = st.columns(3)
        test = c1.selectbox(TEXT["test"], MANUAL_TESTS, format_func=labels.test_label,
                            key="manual_test")
        side = cast(Side, c2.radio(TEXT["side"], tuple(SIDES), format_func=SIDES.get,
                                   horizontal=True, key="manual_side"))
        phase = c3.radio(TEXT["phase"], tuple(PHASES), format_func=PHASES.get,
                         horizontal=True, key="manual_phase")
        mode, reference_cm = "angle", None
        if test == "toe-spread":
            m1, m2 = st.columns(2)
            mode = m1.radio(TEXT["mode"], tuple(SPREAD_MODES), format_func=SPREAD_MODES.get,
                            horizontal=True, key="manual_mode")
            if mode == "width":
                reference_cm = m2.number_input(TEXT["reference"], min_value=0.1,
                                               max_value=100.0, value=8.56, step=0.01,
                                               help=TEXT["reference_help"],
                                               key="manual_reference_cm")
        st.caption(f":material/photo_camera: {labels.PHOTO_TIPS[test]} {TEXT['level']}")
        upload = st.file_uploader(TEXT["upload"], type=["jpg", "jpeg", "png", "heic", "heif"],
                                  help=TEXT["upload_help"], key="manual_photo")
        if upload is None:
            return
        try:
            photo = _photo(upload.getvalue())
        except (OSError, ValueError) as exc:
            st.error(TEXT["unreadable"].format(error=literal(exc)))
            return
        if st.session_state.get(_MARKED_FOR) != (photo.photo_id, test, mode):
            st.session_state[_MARKED_FOR] = (photo.photo_id, test, mode)
            st.session_state[POINTS_KEY] = []
        _marking(store, person, test, side, phase, mode, reference_cm, photo)


def _marking(store: Store, person: PersonInfo, test: str, side: Side, phase: str, mode: str,
             reference_cm: float | None, photo: ShownPhoto) -> None:
    names = point_names(test, mode)
    marked = _mark(names, {"photo_id": photo.photo_id, "src": photo.src, "width": photo.width,
                           "height": photo.height, "vertex": vertex_index(test, mode),
                           "label": labels.test_label(test)})
    if len(marked) < len(names):
        return
    try:
        measurement = measure_points(test, side, marked, mode, reference_cm)
    except MeasurementError as exc:
        st.warning(literal(exc))
        return
    shown = labels.format_value(measurement.value, measurement.unit)
    st.metric(TEXT["value"], shown)
    if st.button(TEXT["save"], key="manual_save", type="primary"):
        try:
            save_manual(store, int(person.id), _technique(person), phase, measurement)
        except RomError as exc:
            st.error(TEXT["save_failed"].format(error=literal(exc)))
            return
        state.flash("success", TEXT["saved"].format(
            test=labels.test_label(test), side=SIDES[side].lower(), phase=PHASES[phase].lower(),
            value=shown))
        st.rerun()  # the session's before/after comparison, drawn above, takes the value in


def frame_point_names(tool: str, reference: bool) -> tuple[str, ...]:
    """The points to click for a frame ``tool``, in order (a distance through a typed
    ``reference``: then its two ends)."""
    names = FRAME_POINTS[tool]
    return names + REFERENCE_POINTS if tool == "distance" and reference else names


def frame_reading(analysis: AnalysedVideo, tool: str, marked: Sequence[Point], frame: int,
                  reference_cm: float | None = None) -> Measurement:
    """The reading of ``tool`` from the points ``marked`` on track frame ``frame`` of the
    clip (:func:`rom.manual.hand_reading` with the clip's calibration: its roll, its marker
    scale), filed under the clip's measured side and naming its video."""
    reading = hand_reading(tool, cast(Side, analysis.measurement.side), marked,
                           analysis.calibration, reference_cm, frame=frame,
                           time_s=float(analysis.track.timestamps_s[frame]))
    return replace(reading, provenance={**reading.provenance, "video": analysis.video_name})


def save_frame_reading(phase: str, measurement: Measurement) -> None:
    """Add a frame reading to this browser's session (one per tool, side and phase: a second
    replaces the first) and save the session.

    Raises
    ------
    RomError
        No session is open, or it could not be saved.
    """
    state.manual_measurements()[(measurement.test, measurement.side, phase)] = measurement
    if not correct.save_current_session():
        raise RomError(correct.TEXT["no_session"])


def frame_readings_of(readings: Mapping[tuple[str, str, str], Measurement], phase: str,
                      side: str, videos: Collection[str]) -> list[tuple[str, str, str]]:
    """The keys of the hand readings taken on a frame of one of ``videos`` in ``phase``
    and filed under ``side`` (the clip's measured side when they were taken).

    Used when a clip is measured on the other leg: such a reading's side came from the
    clip, not from the points clicked, so it cannot follow the clip to the other leg.
    """
    return [key for key, m in readings.items()
            if key[2] == phase and m.side == side
            and m.provenance.get("source") == "video frame"
            and m.provenance.get("video") in videos]


def show_on_frame(analysis: AnalysedVideo, key: str) -> None:
    """The "Measure by hand on this clip" expander of one analysed clip (``key``: its widget
    key): the manual goniometer and ruler on any of its frames."""
    slot = state.find_trial(analysis)
    if slot is None or len(analysis.track) == 0:
        return
    # Keyed and tracked, as the correction's: open across the reruns its clicks make.
    section = st.expander(FRAME_TEXT["heading"], key=f"manual_frame_section_{key}",
                          on_change="rerun")
    with section:
        if not section.open:
            return
        st.caption(FRAME_TEXT["intro"])
        last = len(analysis.track) - 1
        measured = analysis.measurement.peak_frame
        start = min(max(measured if measured is not None else 0, 0), last)
        c1, c2 = st.columns(2)
        frame = int(c1.number_input(FRAME_TEXT["frame"].format(frame=start), min_value=0,
                                    max_value=last, value=start, step=1,
                                    key=f"manual_frame_{key}"))
        tool = str(c2.radio(FRAME_TEXT["tool"], tuple(FRAME_TOOLS), format_func=FRAME_TOOLS.get,
                            horizontal=True, key=f"manual_tool_{key}"))
        calibration = analysis.calibration
        reference_cm = None
        if tool == "distance":
            reference_cm = _frame_scale(key, calibration.cm_per_px is not None)
        elif tool == "vertical":
            st.caption(FRAME_TEXT["no_roll"] if calibration.roll_source == "none"
                       else FRAME_TEXT["roll"].format(roll=calibration.roll_deg))
        try:
            shown = correct.held_frame(f"hand_{key}", analysis, frame)
        except (RomError, OSError, ValueError) as exc:
            st.warning(FRAME_TEXT["no_frame"].format(error=literal(exc)))
            return
        points_key = f"_manual_frame_points_{key}"
        marked_for = (frame, tool, reference_cm is not None)
        if st.session_state.get(f"_manual_frame_for_{key}") != marked_for:
            st.session_state[f"_manual_frame_for_{key}"] = marked_for  # new frame or tool
            st.session_state[points_key] = []
        names = frame_point_names(tool, reference_cm is not None)
        marked = _mark(names, {
            "photo_id": shown.frame_id, "src": shown.src, "region": list(shown.region),
            "width": shown.region[2], "height": shown.region[3],
            "max_width": max(shown.width_px, 480), "vertex": 1 if tool == "angle" else None,
            "label": labels.test_label(HAND_READINGS[tool]), "testid": "rom-frame-measure",
            "point_testid": "rom-frame-point"}, points_key=points_key, prefix=f"hand_{key}")
        if len(marked) < len(names):
            return
        _frame_value(analysis, slot.phase, key, tool, marked, frame, reference_cm)


def _frame_scale(key: str, marker: bool) -> float | None:
    """The typed reference length for a distance (None: the marker's scale)."""
    s1, s2 = st.columns(2)
    if not marker:
        s1.caption(FRAME_TEXT["no_scale"])
    scale = s1.radio(FRAME_TEXT["scale"], tuple(FRAME_SCALES) if marker else ("reference",),
                     format_func=FRAME_SCALES.get, horizontal=True, key=f"manual_scale_{key}")
    if scale == "marker":
        return None
    return float(s2.number_input(TEXT["reference"], min_value=0.1, max_value=300.0, value=8.56,
                                 step=0.01, help=TEXT["reference_help"],
                                 key=f"manual_frame_reference_cm_{key}"))


def _frame_value(analysis: AnalysedVideo, phase: str, key: str, tool: str,
                 marked: Sequence[Point], frame: int, reference_cm: float | None) -> None:
    try:
        reading = frame_reading(analysis, tool, marked, frame, reference_cm)
    except MeasurementError as exc:
        st.warning(literal(exc))
        return
    shown = labels.format_value(reading.value, reading.unit)
    st.metric(labels.test_label(reading.test), shown)
    if reading.reasons:
        st.caption(" ".join(labels.reason_texts(reading.reasons)))
    if st.button(TEXT["save"], key=f"hand_{key}_save", type="primary"):
        try:
            save_frame_reading(phase, reading)
        except RomError as exc:
            st.error(TEXT["save_failed"].format(error=literal(exc)))
            return
        state.flash("success", FRAME_TEXT["saved"].format(
            test=labels.test_label(reading.test), side=labels.side_word(reading.side),
            phase=PHASES[phase].lower(), value=shown, frame=frame))
        st.rerun()  # the session's before/after comparison takes the value in
