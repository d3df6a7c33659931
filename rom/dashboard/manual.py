"""Measure by hand on a photo: the manual goniometer and ruler for the toe tests.

The pose model has no toe joints, so the toe tests (:data:`rom.protocols.MANUAL_TESTS`)
are measured on a still photo: the user uploads it, clicks the test's points on it (an
``st.components.v2`` widget whose script is ``assets/manual.js``), sees the value
:func:`rom.manual.manual_measurement` computes and saves it into the current session like
any measurement (a trial without a video, see :func:`rom.dashboard.state.save_session`).

The points live in ``st.session_state`` (image pixels of the photo as shown, ``x`` right,
``y`` down); the widget only draws them and reports clicks, so the logic below is tested
with points given directly.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pillow_heif
import streamlit as st
from PIL import Image, ImageOps

from rom import labels
from rom.dashboard import state
from rom.dashboard.text import literal
from rom.errors import MeasurementError, RomError
from rom.i18n import N_, Texts, _
from rom.manual import Point, cm_per_px_from_reference, manual_measurement
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


def points() -> list[Point]:
    """The points clicked so far on the photo shown (photo pixels)."""
    marked: list[list[float]] = st.session_state.setdefault(POINTS_KEY, [])
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


def _take_click(result: object, needed: int) -> None:
    click = getattr(result, "click", None)
    if not isinstance(click, dict) or len(points()) >= needed:
        return
    st.session_state[POINTS_KEY].append([float(click["x"]), float(click["y"])])
    st.rerun()  # draw the new point


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
    marked = points()
    if len(marked) < len(names):
        st.markdown(TEXT["click"].format(number=len(marked) + 1, count=len(names),
                                         name=_(names[len(marked)])))
    else:
        st.caption(TEXT["done"])
    result = _component(key="manual_widget", on_click_change=lambda: None,
                        data={"photo_id": photo.photo_id, "src": photo.src, "width": photo.width,
                              "height": photo.height, "points": [list(p) for p in marked],
                              "vertex": vertex_index(test, mode), "label": labels.test_label(test)})
    _take_click(result, len(names))
    b1, b2, _spare = st.columns([1, 1, 3])
    if b1.button(TEXT["undo"], key="manual_undo", disabled=not marked):
        st.session_state[POINTS_KEY].pop()
        st.rerun()
    if b2.button(TEXT["clear"], key="manual_clear", disabled=not marked):
        st.session_state[POINTS_KEY] = []
        st.rerun()
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
