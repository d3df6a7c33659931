"""Correct landmarks by hand: move the measured chain's points on the key frame.

Under each analysed clip's key frame, the "Correct landmarks" expander shows the frame at
the measured moment with the measured chain's points (hip, knee, ankle; heel and toe) drawn
by an ``st.components.v2`` widget (``assets/correct.js``): the user drags a point to where
the joint is, or picks one and clicks its place.  The value is measured again at once by
the test's own protocol (:func:`rom.correction.corrected_measurement`) and shown beside the
automatic one.  "Save correction" puts the corrected measurement in place of the automatic
one in this browser's session (so the verdict cards, the saved session, the history and the
report take it, marked "manually adjusted") and saves the session; "Undo" takes back the
last move; "Back to automatic" restores the automatic measurement.

The moved points live in ``st.session_state`` (image pixels of the upright video frame,
``x`` right, ``y`` down, as :class:`rom.pose.PoseTrack` holds them); the widget only draws
them and reports drags and clicks, so the logic below is tested with points given directly.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st
from PIL import Image

from rom import labels, render, report
from rom.correction import (
    CORRECTED_LABEL,
    RESOLVED_BY_CHECK,
    CorrectionContext,
    Point,
    automatic_measurement,
    corrected_measurement,
    correction_context,
    correction_of,
    is_corrected,
    reapplied_correction,
)
from rom.dashboard import state
from rom.dashboard import trials as dashboard_trials
from rom.dashboard.services import AnalysedVideo
from rom.dashboard.text import literal
from rom.errors import MeasurementError, RomError
from rom.i18n import N_, Texts, _
from rom.landmarks import Landmark
from rom.measurement import Measurement
from rom.protocols import CATALOGUE
from rom.video import iter_frames

ASSETS = Path(__file__).resolve().parent / "assets"
#: The frame is sent to the browser at most this many pixels on its long side.
MAX_SIDE_PX = 900
TEXT = Texts({
    "heading": N_(":material/edit_location_alt: Correct landmarks"),
    "intro": N_("Drag a point to where the joint really is, or choose it below and click its "
                "place. The value is measured again with the test's own definition."),
    "point": N_("Point to move"),
    "frame": N_("Frame (the measured moment is frame {frame})"),
    "frame_help": N_("Step to another frame to correct the points there; the value is then "
                     "measured at that frame."),
    "no_frame": N_("The key frame could not be read from the video: {error}"),
    "nothing": N_("This clip has no measured moment whose points could be corrected."),
    "automatic": N_("Automatic"),
    "corrected": N_("With your points"),
    "saved_value": N_("Saved: manually adjusted"),
    "clinician": N_("Corrected by"),
    "clinician_help": N_("Your name, kept with the correction (the report's clinician by "
                         "default)."),
    "save": N_("Save correction"),
    "undo": N_("Undo"),
    "automatic_button": N_("Back to automatic"),
    "saved": N_("Correction saved: {test}, {phase}: {value} (manually adjusted; automatic "
                "{automatic})."),
    "restored": N_("Back to the automatic value: {test}, {phase}: {value}."),
    "save_failed": N_("The correction could not be saved: {error}"),
    "moved": N_("Moved: {moves}."),
    "knee_bones": N_("Knee flexion is measured from the bones (hip-to-ankle distance): moving "
                     "the hip or the ankle changes it, the knee point changes only the drawn "
                     "angle."),
    "no_session": N_("Analyse the clip again to save a correction: its session is no longer open."),
    "kept": N_("Your manual correction of the {clip} clip was applied again to the new "
               "analysis of the same video: {value} ({label}; automatic now {automatic})."),
    "dropped": N_("Your manual correction of the {clip} clip ({value}, {label}) was dropped: "
                  "{why}. Correct the points again if the value needs it."),
    "replaced": N_("that clip was replaced by another video"),
})
#: How a landmark's part reads in the point choice.
PART_WORDS = Texts({"FOOT_INDEX": N_("toe"), "INDEX": N_("index knuckle"),
                    "SHOULDER": N_("shoulder"), "ELBOW": N_("elbow"), "WRIST": N_("wrist"),
                    "HIP": N_("hip"), "KNEE": N_("knee"), "ANKLE": N_("ankle"),
                    "HEEL": N_("heel")})
# Session-state keys, one set per analysed clip (``{key}`` is the clip's widget key).
SECTION_KEY = "correct_section_{key}"  # the expander (open or not)
FRAME_CHOICE_KEY = "correct_frame_{key}"  # the frame corrected (a number input)
DRAFT_FRAME_KEY = "_correct_draft_frame_{key}"  # the frame the draft's moves belong to
MOVED_KEY = "_correct_moved_{key}"  # {landmark: [x, y]} the draft's moved points
UNDO_KEY = "_correct_undo_{key}"  # [ {landmark: [x, y]} ] the drafts before each move
PICK_KEY = "correct_point_{key}"  # the point choice (a radio)
PENDING_PICK_KEY = "_correct_pick_{key}"  # a point picked on the frame, chosen on the next run
CONTEXT_KEY = "_correct_context"  # {key: (id of the analysis, CorrectionContext)}
FRAME_KEY = "_correct_frame"  # {key: (id of the analysis, ShownFrame)}

_component = st.components.v2.component(
    "rom_correct_points", js=(ASSETS / "correct.js").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ShownFrame:
    """The corrected frame as the widget shows it: the person's region of the upright video
    frame (video pixels ``x0, y0, width, height``) as a JPEG data URL."""

    frame_id: str
    src: str
    region: tuple[float, float, float, float]
    width_px: int  # the JPEG's width


def landmark_label(name: str) -> str:
    """``"LEFT_FOOT_INDEX"`` -> ``"left toe"``, ``"LEFT_KNEE"`` -> ``"left knee"``."""
    side, _sep, part = name.partition("_")
    if side not in ("LEFT", "RIGHT"):
        return name.replace("_", " ").lower()
    # TRANSLATORS: a body point, e.g. "left knee"; reorder for your language.
    return _("{side} {part}").format(side=labels.side_word(side.lower()),
                                     part=PART_WORDS.get(part, part.replace("_", " ").lower()))


def context_for(analysis: AnalysedVideo) -> CorrectionContext:
    """The clip prepared for correcting (:func:`rom.correction.correction_context`), with
    the calibration and stated height the automatic value was measured with."""
    trial = analysis.analysis
    return correction_context(trial.track, trial.result, calibration=trial.calibration,
                              height_cm=trial.options.height_cm)


def shown_points(context: CorrectionContext, moved: Mapping[str, Point],
                 frame: int) -> list[dict[str, object]]:
    """The chain's points to draw at ``frame``: the moved ones where the user put them, the
    others where the measurement had them (a rejected point is left out)."""
    points: list[dict[str, object]] = []
    for name, at in context.points(frame).items():
        where = moved.get(name, at)
        if where is None:
            continue
        points.append({"name": name, "label": landmark_label(name), "x": float(where[0]),
                       "y": float(where[1]), "moved": name in moved})
    return points


def segments(context: CorrectionContext) -> list[list[str]]:
    """The measured segments as landmark names (the lines the widget draws)."""
    return [[Landmark(i).name for i in segment] for segment in context.result.segments]


def with_measurement(held: AnalysedVideo, measurement: Measurement) -> AnalysedVideo:
    """The clip ``held`` with ``measurement`` in place of its value (the per-frame signal
    stays the automatic one)."""
    result = replace(held.analysis.result, measurement=measurement)
    return replace(held, analysis=replace(held.analysis, result=result))


def apply_measurement(slot: state.TrialSlot, measurement: Measurement) -> AnalysedVideo:
    """Put ``measurement`` in place of the value of the trial held at ``slot`` (any trial of
    its phase); returns the new clip.  The session's comparison and the next save read it.
    """
    updated = with_measurement(state.phase_trials(*slot.key)[slot.position], measurement)
    state.replace_trial(slot, updated)
    return updated


def trial_words(slot: state.TrialSlot) -> str:
    """The trial in a sentence: ``"before"``, or ``"before, trial 2"`` in a phase of several."""
    held = state.phase_trials(*slot.key)
    return clip_words(held[slot.position], len(held) > 1)


def save_current_session() -> bool:
    """Save this browser's session again (the person and technique it was made for); False
    when no session is open (nothing to save into)."""
    fingerprint = st.session_state.get(state.SESSION_FINGERPRINT)
    if fingerprint is None:
        return False
    state.save_session(state.get_store(), int(fingerprint[0]), str(fingerprint[1]))
    return True


def moved_points(key: str) -> dict[str, Point]:
    """The draft's moved points of clip ``key`` (image pixels)."""
    held: dict[str, list[float]] = st.session_state.get(MOVED_KEY.format(key=key), {})
    return {name: (float(p[0]), float(p[1])) for name, p in held.items()}


def move_point(key: str, name: str, to: Point) -> None:
    """Move ``name`` to ``to`` in the draft of clip ``key``, remembering the draft for Undo."""
    before = st.session_state.get(MOVED_KEY.format(key=key), {})
    st.session_state.setdefault(UNDO_KEY.format(key=key), []).append(dict(before))
    st.session_state[MOVED_KEY.format(key=key)] = {**before, name: [float(to[0]), float(to[1])]}


def undo(key: str) -> None:
    """Take back the last move of clip ``key``'s draft."""
    stack = st.session_state.get(UNDO_KEY.format(key=key), [])
    if stack:
        st.session_state[MOVED_KEY.format(key=key)] = stack.pop()


def reset_draft(key: str, measurement: Measurement) -> None:
    """Start the draft from ``measurement``: its saved moves when it is corrected, none
    otherwise; Undo starts afresh."""
    record = correction_of(measurement)
    moved = {} if record is None else {m.landmark: list(m.to_px) for m in record.moved}
    st.session_state[MOVED_KEY.format(key=key)] = moved
    st.session_state[UNDO_KEY.format(key=key)] = []


def clip_words(analysis: AnalysedVideo, several: bool) -> str:
    """A held clip in a sentence: ``"before"``, or ``"before, trial 2"`` in a phase of
    ``several`` trials."""
    words = labels.phase_word(analysis.phase)
    return f"{words}, {dashboard_trials.trial_label(analysis.trial)}" if several else words


def dropped_note(held: AnalysedVideo, several: bool, why: str) -> str:
    """The line telling that the correction of clip ``held`` was dropped, and ``why``."""
    m = held.measurement
    return TEXT["dropped"].format(clip=clip_words(held, several), why=why,
                                  value=labels.format_value(m.value, m.unit),
                                  label=CORRECTED_LABEL)


def set_notes(pair: tuple[str, str], notes: list[tuple[str, str]]) -> None:
    """Keep ``notes`` (kind, text) on what became of the corrections when ``pair``'s clips
    were last measured again, shown with the pair (none: the earlier notes go)."""
    held = st.session_state.setdefault(state.CORRECTION_NOTES, {})
    if notes:
        held[pair] = notes
    else:
        held.pop(pair, None)


def carry_corrections(side: str,
                      finished: Sequence[AnalysedVideo]) -> tuple[AnalysedVideo, ...]:
    """The new analyses ``finished`` (for the form's ``side``) with the corrections of the
    trials they replace applied again where they still hold; no correction is lost
    silently.

    :func:`rom.dashboard.state.keep_analyses` replaces every trial of a phase analysed
    again.  A held trial corrected by hand is matched with the new clip of the same video
    (same content, test and phase); there its correction is measured again
    (:func:`rom.correction.reapplied_correction`).  Each corrected trial leaves a note for
    its pair (:func:`set_notes`): applied again, with the new value, or dropped and why.
    """
    kept = list(finished)
    used: set[int] = set()  # each new clip takes one earlier correction
    notes: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key in dict.fromkeys((a.test, side, a.phase) for a in finished):
        held = state.phase_trials(*key)
        for old in held:
            if not is_corrected(old.measurement):
                continue
            several = len(held) > 1
            pair_notes = notes.setdefault((old.test, side), [])
            at = next((i for i, new in enumerate(kept) if i not in used
                       and (new.test, new.phase) == (old.test, old.phase)
                       and new.track.source_sha256 == old.track.source_sha256), None)
            if at is None:
                pair_notes.append(("warning", dropped_note(old, several, TEXT["replaced"])))
                continue
            try:
                again = reapplied_correction(old.measurement, old.track, context_for(kept[at]))
            except MeasurementError as exc:
                pair_notes.append(("warning", dropped_note(old, several, str(exc))))
                continue
            automatic = kept[at].measurement
            kept[at] = with_measurement(kept[at], again)
            used.add(at)
            pair_notes.append(("info", TEXT["kept"].format(
                clip=clip_words(old, several), label=CORRECTED_LABEL,
                value=labels.format_value(again.value, again.unit),
                automatic=labels.format_value(automatic.value, automatic.unit))))
    for pair in dict.fromkeys((a.test, side) for a in finished):
        set_notes(pair, notes.get(pair, []))
    return tuple(kept)


def _held(store_key: str, key: str, analysis: AnalysedVideo) -> object | None:
    held = st.session_state.setdefault(store_key, {}).get(key)
    if held is not None and held[0] == id(analysis.analysis.track):
        return held[1]
    return None


def _context(key: str, analysis: AnalysedVideo) -> CorrectionContext:
    """:func:`context_for`, prepared once per clip (not on every drag's rerun)."""
    held = _held(CONTEXT_KEY, key, analysis)
    if isinstance(held, CorrectionContext):
        return held
    context = context_for(analysis)
    st.session_state[CONTEXT_KEY][key] = (id(analysis.analysis.track), context)
    return context


def frame_image(analysis: AnalysedVideo, frame: int) -> ShownFrame:
    """The upright video frame of track index ``frame``, cut to the person.

    Raises
    ------
    RomError
        The video cannot be read or has no such frame.
    """
    track = analysis.track
    wanted = int(track.frame_indices[frame])
    width, height = track.frame_size
    for decoded in iter_frames(analysis.video_path):
        if int(decoded.index) < wanted:
            continue
        if int(decoded.index) > wanted:
            break
        x0, y0, x1, y1 = render.person_region(track.image_xy[frame], (width, height))
        fx, fy = decoded.image.shape[1] / width, decoded.image.shape[0] / height
        crop = decoded.image[round(y0 * fy):round(y1 * fy), round(x0 * fx):round(x1 * fx)]
        image = Image.fromarray(crop)
        image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=88)
        src = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
        frame_id = f"{track.source_sha256[:16]}_{frame}"
        return ShownFrame(frame_id, src, (x0, y0, x1 - x0, y1 - y0), image.width)
    raise MeasurementError(f"the video has no frame {wanted}")


def held_frame(key: str, analysis: AnalysedVideo, frame: int) -> ShownFrame:
    """:func:`frame_image`, decoded once per clip ``key`` and frame (not on every rerun)."""
    held = _held(FRAME_KEY, key, analysis)
    if isinstance(held, ShownFrame) and held.frame_id.endswith(f"_{frame}"):
        return held
    shown = frame_image(analysis, frame)
    st.session_state[FRAME_KEY][key] = (id(analysis.analysis.track), shown)
    return shown


def _clinician() -> str:
    try:
        return state.get_store().setting(report.CLINICIAN_SETTING) or ""
    except RomError:
        return ""


def show(analysis: AnalysedVideo, key: str) -> None:
    """The "Correct landmarks" expander of one analysed clip (``key``: its widget key)."""
    slot = state.find_trial(analysis)  # any trial of its phase, not only the first
    current = analysis.measurement
    if slot is None or current.test not in CATALOGUE:
        return
    # Keyed and tracked: it stays open across the reruns a drag makes, and its content (the
    # prepared track, the decoded frame) is only made while it is open.
    section = st.expander(TEXT["heading"], key=SECTION_KEY.format(key=key), on_change="rerun")
    with section:
        if not section.open:
            return
        automatic = automatic_measurement(current)
        if automatic.peak_frame is None or automatic.value is None:
            st.caption(TEXT["nothing"])
            return
        frame = _frame_choice(key, current, automatic.peak_frame, len(analysis.track))
        try:
            context = _context(key, analysis)
            shown = held_frame(key, analysis, frame)
        except (RomError, OSError, ValueError) as exc:
            st.warning(TEXT["no_frame"].format(error=literal(exc)))
            return
        _editor(analysis, slot, key, context, shown, frame)


def _frame_choice(key: str, current: Measurement, measured: int, frames: int) -> int:
    """The frame to correct: the measured moment unless the user steps to another; a new
    frame starts a new draft (the saved correction's moves on its own frame)."""
    start = current.peak_frame if current.peak_frame is not None else measured
    frame = int(st.number_input(
        TEXT["frame"].format(frame=measured), min_value=0, max_value=max(frames - 1, 0),
        value=min(max(start, 0), max(frames - 1, 0)), step=1, help=TEXT["frame_help"],
        key=FRAME_CHOICE_KEY.format(key=key)))
    if st.session_state.get(DRAFT_FRAME_KEY.format(key=key)) != frame:
        st.session_state[DRAFT_FRAME_KEY.format(key=key)] = frame
        record = correction_of(current)
        reset_draft(key, current if record is not None and record.frame == frame
                    else automatic_measurement(current))
    return frame


def _editor(analysis: AnalysedVideo, slot: state.TrialSlot, key: str,
            context: CorrectionContext, shown: ShownFrame, frame: int) -> None:
    st.caption(TEXT["intro"])
    if context.original.test in ("knee-flexion", "knee-flexion-prone"):
        st.caption(TEXT["knee_bones"])
    names = context.landmarks
    pick_key, pending = PICK_KEY.format(key=key), PENDING_PICK_KEY.format(key=key)
    if st.session_state.get(pending) in names:
        st.session_state[pick_key] = st.session_state.pop(pending)
    selected = st.radio(TEXT["point"], names, format_func=landmark_label, horizontal=True,
                        key=pick_key)
    moved = moved_points(key)
    result = _component(
        key=f"correct_widget_{key}", on_move_change=lambda: None, on_pick_change=lambda: None,
        data={"frame_id": shown.frame_id, "src": shown.src, "region": list(shown.region),
              "max_width": max(shown.width_px, 480), "points": shown_points(context, moved, frame),
              "segments": segments(context), "selected": selected,
              "label": labels.test_label(context.original.test)})
    _take_event(result, key, names)

    automatic = context.original
    try:
        corrected = corrected_measurement(context, moved, frame=frame)
    except MeasurementError as exc:
        st.warning(literal(exc))
        corrected = None
    c1, c2 = st.columns(2)
    c1.metric(TEXT["automatic"], labels.format_value(automatic.value, automatic.unit))
    if corrected is not None:
        delta = (None if corrected.value is None or automatic.value is None
                 else labels.format_value(corrected.value - automatic.value, automatic.unit,
                                          signed=True))
        c2.metric(TEXT["corrected"], labels.format_value(corrected.value, corrected.unit),
                  delta=delta, delta_color="off")
        record = correction_of(corrected)
        if record is not None and record.moved:
            st.caption(TEXT["moved"].format(moves="; ".join(
                _("{point} by {pixels} px").format(point=landmark_label(m.landmark),
                                                   pixels=f"{m.moved_px or 0.0:.0f}")
                for m in record.moved)))
    if is_corrected(analysis.measurement):
        st.caption(f":material/edit: {TEXT['saved_value']} "
                   f"{labels.format_value(analysis.measurement.value, automatic.unit)}")
    clinician = st.text_input(TEXT["clinician"], value=_clinician(), max_chars=200,
                              help=TEXT["clinician_help"], key=f"correct_clinician_{key}")
    b1, b2, b3 = st.columns([1.1, 0.7, 1.4])  # room for "Back to automatic"
    undo_stack = st.session_state.get(UNDO_KEY.format(key=key), [])
    # A value that waits only for a person's check may be saved with no point moved.
    checked_as_is = bool(RESOLVED_BY_CHECK.intersection(automatic.reasons))
    if b1.button(TEXT["save"], key=f"correct_save_{key}", type="primary",
                 disabled=corrected is None or not (moved or checked_as_is)):
        _save(slot, key, context, moved, frame, clinician)
    if b2.button(TEXT["undo"], key=f"correct_undo_{key}", disabled=not undo_stack):
        undo(key)
        st.rerun()
    if b3.button(TEXT["automatic_button"], key=f"correct_auto_{key}",
                 disabled=not (is_corrected(analysis.measurement) or moved)):
        _restore(slot, key, automatic)


def _take_event(result: object, key: str, names: tuple[str, ...]) -> None:
    pick = getattr(result, "pick", None)
    if isinstance(pick, dict) and pick.get("name") in names:
        st.session_state[PENDING_PICK_KEY.format(key=key)] = pick["name"]
        st.rerun()
    move = getattr(result, "move", None)
    if isinstance(move, dict) and move.get("name") in names:
        move_point(key, str(move["name"]), (float(move["x"]), float(move["y"])))
        st.session_state[PENDING_PICK_KEY.format(key=key)] = move["name"]
        st.rerun()  # draw the point where it was put, and its new value


def save_correction(slot: state.TrialSlot, context: CorrectionContext,
                    moved: Mapping[str, Point], frame: int, clinician: str) -> Measurement:
    """Measure with ``moved``, put the corrected measurement in place of trial ``slot``'s and
    save the session; returns the corrected measurement.

    Raises
    ------
    MeasurementError
        No value on these points.
    RomError
        The session could not be saved.
    """
    corrected = corrected_measurement(context, moved, frame=frame, clinician=clinician)
    apply_measurement(slot, corrected)
    if not save_current_session():
        raise RomError(TEXT["no_session"])
    return corrected


def back_to_automatic(slot: state.TrialSlot, automatic: Measurement) -> None:
    """Put the automatic measurement back in trial ``slot`` and save the session."""
    apply_measurement(slot, automatic)
    if not save_current_session():
        raise RomError(TEXT["no_session"])


def _save(slot: state.TrialSlot, key: str, context: CorrectionContext,
          moved: Mapping[str, Point], frame: int, clinician: str) -> None:
    try:
        corrected = save_correction(slot, context, moved, frame, clinician)
    except RomError as exc:
        st.error(TEXT["save_failed"].format(error=literal(exc)))
        return
    st.session_state[UNDO_KEY.format(key=key)] = []
    state.flash("success", TEXT["saved"].format(
        test=labels.test_label(slot.test), phase=trial_words(slot),
        value=labels.format_value(corrected.value, corrected.unit),
        automatic=labels.format_value(context.original.value, context.original.unit)))
    st.rerun()  # the verdict cards above take the corrected value


def _restore(slot: state.TrialSlot, key: str, automatic: Measurement) -> None:
    try:
        back_to_automatic(slot, automatic)
    except RomError as exc:
        st.error(TEXT["save_failed"].format(error=literal(exc)))
        return
    reset_draft(key, automatic)
    state.flash("info", TEXT["restored"].format(
        test=labels.test_label(slot.test), phase=trial_words(slot),
        value=labels.format_value(automatic.value, automatic.unit)))
    st.rerun()
