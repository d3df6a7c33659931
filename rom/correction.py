"""Manual correction of landmarks: a clinician moves the measured chain's points on one frame.

The pose model sometimes places a joint off (a knee pulled towards the thigh, a heel set
high).  A clinician who sees it moves the point on the frame to where the joint is; the
value is then measured again **with the same protocol definition**: the track is prepared
as for the automatic value (:func:`rom.protocols.prepare.prepare`), the moved points replace
the model's at that frame, and the protocol's own ``measure`` is run on it, whose per-frame
signal at that frame is the corrected value.  No angle is computed here.

Conventions
    Points are image pixels of the upright video frame as the track holds them (``x``
    right, ``y`` down; :class:`rom.pose.PoseTrack`), not levelled: the camera's roll is
    undone here exactly as for the automatic points (about the frame centre).  The value is
    the test's primary value in its unit, with the test's own zero and sign (see each
    protocol's docstring).  Knee flexion is measured from the bones (the hip-to-ankle
    distance and the steady thigh and shank lengths,
    :func:`rom.protocols.knee_flexion.knee_flexion_from_bones`), so moving the hip or the
    ankle changes it and moving the knee changes only ``knee_angle_landmarks_deg``.

The corrected measurement keeps the automatic one's reasons, quality and uncertainty (a
moved point mends the pose, not the filming) -- except the reasons a person's check of the
points answers (:data:`RESOLVED_BY_CHECK`) -- takes the corrected frame as its measured
moment and says what was done in its provenance: ``method`` is
:data:`CORRECTED_METHOD` and ``correction`` the audit record (:class:`Correction` as
JSON): who, when (UTC, ISO 8601), which points moved from where to where and by how many
pixels, and the whole automatic measurement, so that "back to automatic"
(:func:`automatic_measurement`) restores it from a stored record.  Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from rom.calibration import Calibration, level_points, rotate_points
from rom.errors import MeasurementError
from rom.i18n import N_, _
from rom.landmarks import Landmark
from rom.measurement import INVALIDATING_REASONS, Measurement, TrialResult
from rom.pose import PoseTrack
from rom.protocols import CATALOGUE
from rom.protocols.prepare import PreparedTrack, Settings, prepare
from rom.vocabulary import Side

#: ``provenance["method"]`` of a measurement whose points a person moved.
CORRECTED_METHOD = "manually adjusted"
#: Reasons that say only "a person should check these points": a saved correction is
#: that check, so the corrected value no longer carries them.
RESOLVED_BY_CHECK: frozenset[str] = frozenset({"lying_pose_unverified"})
#: How a corrected value is marked wherever it is shown (result, verdict, history, report).
CORRECTED_LABEL = N_("manually adjusted")  # shown through rom.i18n._
#: ``provenance`` key of the audit record (JSON of :meth:`Correction.to_dict`).
CORRECTION_KEY = "correction"

Point = tuple[float, float]


@dataclass(frozen=True)
class MovedPoint:
    """One landmark moved by hand.

    Attributes
    ----------
    landmark : str
        The landmark's name, e.g. ``"LEFT_KNEE"`` (:class:`rom.landmarks.Landmark`).
    from_px : tuple of float or None
        Where the measurement had it, image pixels (x right, y down); None when the model's
        point was rejected at that frame (not seen).
    to_px : tuple of float
        Where it was put, image pixels.
    """

    landmark: str
    from_px: Point | None
    to_px: Point

    @property
    def moved_px(self) -> float | None:
        """How far the point moved, pixels (None when it had no position before)."""
        return None if self.from_px is None else math.dist(self.from_px, self.to_px)


@dataclass(frozen=True)
class Correction:
    """The audit record of a manual correction.

    Attributes
    ----------
    clinician : str
        Who moved the points (free text; may be empty when nobody was named).
    corrected_at : str
        When, UTC, ISO 8601 (``2026-12-02T02:30:00+00:00``).
    frame : int
        The track index of the corrected frame.
    time_s : float
        Its time in the video, seconds.
    moved : tuple of MovedPoint
        The points that moved (a point put back where it was is left out).
    original : Measurement
        The automatic measurement the correction replaces.
    """

    clinician: str
    corrected_at: str
    frame: int
    time_s: float
    moved: tuple[MovedPoint, ...]
    original: Measurement

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible dict (points as ``[x, y]`` lists, px rounded to 0.01)."""
        return {
            "clinician": self.clinician,
            "corrected_at": self.corrected_at,
            "frame": self.frame,
            "time_s": self.time_s,
            "moved": [
                {"landmark": p.landmark,
                 "from_px": None if p.from_px is None else [round(v, 2) for v in p.from_px],
                 "to_px": [round(v, 2) for v in p.to_px],
                 "moved_px": None if p.moved_px is None else round(p.moved_px, 2)}
                for p in self.moved
            ],
            "original": self.original.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Correction:
        """Inverse of :meth:`to_dict`."""
        return cls(
            clinician=str(data.get("clinician") or ""),
            corrected_at=str(data["corrected_at"]),
            frame=int(data["frame"]),
            time_s=float(data["time_s"]),
            moved=tuple(
                MovedPoint(str(p["landmark"]), _point(p.get("from_px")), _required(p["to_px"]))
                for p in data.get("moved", ())
            ),
            original=Measurement.from_dict(dict(data["original"])),
        )


def _point(value: Any) -> Point | None:
    return None if value is None else (float(value[0]), float(value[1]))


def _required(value: Any) -> Point:
    return (float(value[0]), float(value[1]))


def correction_of(measurement: Measurement) -> Correction | None:
    """The audit record of a manually adjusted measurement; None for any other.

    Raises
    ------
    MeasurementError
        The provenance says "manually adjusted" but its record cannot be read.
    """
    if measurement.provenance.get("method") != CORRECTED_METHOD:
        return None
    try:
        return Correction.from_dict(json.loads(measurement.provenance[CORRECTION_KEY]))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise MeasurementError(f"the manual correction's record is unreadable: {exc}") from exc


def is_corrected(measurement: object) -> bool:
    """Whether a measurement (or a stored record with a ``provenance``) was adjusted by hand."""
    provenance = getattr(measurement, "provenance", None) or {}
    return bool(provenance.get("method") == CORRECTED_METHOD)


def adjusted_suffix(measurement: object | None) -> str:
    """``" (manually adjusted)"`` after a corrected value, ``""`` after any other (or none)."""
    return f" ({_(CORRECTED_LABEL)})" if is_corrected(measurement) else ""


def automatic_measurement(measurement: Measurement) -> Measurement:
    """The automatic measurement behind ``measurement`` ("back to automatic"); itself when
    it was not corrected."""
    correction = correction_of(measurement)
    return measurement if correction is None else correction.original


def _frame_centre(track: PoseTrack) -> tuple[float, float]:
    width, height = track.frame_size
    return width / 2.0, height / 2.0


def chain_landmarks(result: TrialResult) -> tuple[str, ...]:
    """The measured chain's landmark names in drawing order, each once (e.g.
    ``("LEFT_HIP", "LEFT_KNEE", "LEFT_ANKLE")``), from the result's segments."""
    seen = dict.fromkeys(int(i) for segment in result.segments for i in segment)
    return tuple(Landmark(i).name for i in seen)


def measured_points(
    prep: PreparedTrack, names: tuple[str, ...], frame: int
) -> dict[str, Point | None]:
    """The landmarks ``names`` at ``frame`` as the measurement used them, image pixels.

    The prepared (levelled, smoothed) points turned back by the camera's roll, so that a
    point left where it is gives the automatic value.  None for a rejected landmark.
    """
    if not 0 <= frame < len(prep.time_s):
        raise MeasurementError(f"frame {frame} is outside the track (0 to {len(prep.time_s) - 1})")
    levelled = prep.xy[frame, [int(Landmark[name]) for name in names]]
    image = rotate_points(levelled, prep.calibration.roll_deg, _frame_centre(prep.track))
    return {
        name: (float(x), float(y)) if math.isfinite(x) and math.isfinite(y) else None
        for name, (x, y) in zip(names, image.tolist(), strict=True)
    }


def _moved_prep(prep: PreparedTrack, moved: Mapping[str, Point], frame: int) -> PreparedTrack:
    """``prep`` with the ``moved`` landmarks put at their new image pixels at ``frame``."""
    xy, raw_xy = prep.xy.copy(), prep.raw_xy.copy()
    centre = _frame_centre(prep.track)
    for name, point in moved.items():
        index = int(Landmark[name])
        target = level_points(np.asarray(point, dtype=np.float64), prep.calibration, centre)
        xy[frame, index] = target
        raw_xy[frame, index] = target
    return replace(prep, xy=xy, raw_xy=raw_xy)


@dataclass(frozen=True)
class CorrectionContext:
    """A trial prepared once for correcting it: every recomputation while points are moved
    reuses it (preparing a track is the slow part).

    Attributes
    ----------
    prep : PreparedTrack
    original : Measurement
        The automatic measurement (what "back to automatic" restores).
    result : TrialResult
        The automatic result (its per-frame signal and measured segments).
    height_cm : float or None
        The stated height the automatic value was measured with.
    """

    prep: PreparedTrack
    original: Measurement
    result: TrialResult
    height_cm: float | None = None

    @property
    def landmarks(self) -> tuple[str, ...]:
        """The measured chain's landmark names (:func:`chain_landmarks`)."""
        return chain_landmarks(self.result)

    def points(self, frame: int) -> dict[str, Point | None]:
        """The chain's points at ``frame`` as measured (:func:`measured_points`)."""
        return measured_points(self.prep, self.landmarks, frame)


def correction_context(
    track: PoseTrack,
    result: TrialResult,
    *,
    calibration: Calibration | None = None,
    height_cm: float | None = None,
    settings: Settings | None = None,
) -> CorrectionContext:
    """Prepare ``track`` as the automatic measurement ``result`` was measured.

    ``calibration``, ``height_cm`` and ``settings`` must be those of the automatic value
    (:class:`rom.pipeline.TrialAnalysis` holds them).  ``result.measurement`` may itself be
    a corrected one: the automatic measurement behind it is kept.

    Raises
    ------
    MeasurementError
        A test measured by hand (no pose track), or an unknown one.
    """
    if result.measurement.test not in CATALOGUE:
        raise MeasurementError(f"{result.measurement.test!r} has no landmarks to correct")
    original = automatic_measurement(result.measurement)
    return CorrectionContext(prepare(track, calibration, settings), original, result, height_cm)


def corrected_measurement(
    context: CorrectionContext,
    moved: Mapping[str, Point],
    *,
    frame: int | None = None,
    clinician: str = "",
    corrected_at: dt.datetime | None = None,
) -> Measurement:
    """The measurement with the ``moved`` points, by the test's own protocol.

    Parameters
    ----------
    context : CorrectionContext
        The trial as prepared for the automatic value (:func:`correction_context`).
    moved : mapping of str to (x, y)
        New image pixels of landmarks by name (``"LEFT_KNEE"``); landmarks not named stay
        where the model put them.  Only the measured chain's landmarks may be moved.
    frame : int, optional
        The track index of the corrected frame; default the automatic measured moment.
    clinician : str
        Who moved the points (kept in the audit record).
    corrected_at : datetime, optional
        When (default now); stored in UTC.

    Returns
    -------
    Measurement
        ``value`` is the protocol's per-frame value at ``frame`` on the corrected points,
        rounded as the protocol rounds (2 decimals, 4 for a fraction of height);
        ``peak_frame``/``peak_time_s`` the corrected frame; ``provenance["method"] ==
        "manually adjusted"`` and ``provenance["correction"]`` the audit record (JSON).

    Raises
    ------
    MeasurementError
        No frame to correct, a landmark that is not part of the measured chain, a point
        that is not finite, or a value the protocol cannot give on these points.
    """
    original = context.original
    k = original.peak_frame if frame is None else frame
    if k is None:
        raise MeasurementError("the trial has no measured moment to correct")
    names = context.landmarks
    unknown = sorted(set(moved) - set(names))
    if unknown:
        raise MeasurementError(
            f"{', '.join(unknown)} is not measured by {original.test}; move one of "
            f"{', '.join(names)}")
    if not all(math.isfinite(v) for p in moved.values() for v in p):
        raise MeasurementError("a moved point has no finite position")
    before = context.points(k)
    prep = _moved_prep(context.prep, moved, k)
    side: Side = "left" if original.side == "left" else "right"
    result = CATALOGUE[original.test].measure(prep, side, context.height_cm)
    value = float(result.values[k])
    if not math.isfinite(value):
        raise MeasurementError("no value can be measured on these points")
    digits = 4 if original.unit == "fraction_of_height" else 2
    moves = []
    for name, start in before.items():
        if name not in moved:
            continue
        to = (float(moved[name][0]), float(moved[name][1]))
        if start is None or math.dist(start, to) > 1e-9:  # a point put back is no move
            moves.append(MovedPoint(name, start, to))
    when = corrected_at or dt.datetime.now(dt.UTC)
    record = Correction(
        clinician=clinician.strip(),
        corrected_at=when.astimezone(dt.UTC).isoformat(timespec="seconds"),
        frame=int(k),
        time_s=float(context.prep.time_s[k]),
        moved=tuple(moves),
        original=original,
    )
    provenance = {
        **original.provenance,
        "method": CORRECTED_METHOD,
        CORRECTION_KEY: json.dumps(record.to_dict(), sort_keys=True),
    }
    reasons = tuple(r for r in original.reasons if r not in RESOLVED_BY_CHECK)
    return replace(
        original, value=round(value, digits), peak_frame=int(k), peak_time_s=record.time_s,
        provenance=provenance, reasons=reasons,
        reliable=not any(r in INVALIDATING_REASONS for r in reasons),
    )


def reapplied_correction(
    corrected: Measurement, corrected_track: PoseTrack, context: CorrectionContext
) -> Measurement:
    """A saved correction applied again to a new analysis of the same video.

    A video analysed again (other settings, another model) gets a new automatic value; the
    points a person moved are image pixels of the video's frame, so they still hold on the
    same frame of the same video for the same test and leg, and are measured again there
    with the new analysis (its calibration, its other points).  The audit record keeps who
    corrected and when; its ``original`` is the new automatic measurement.

    Parameters
    ----------
    corrected : Measurement
        The manually adjusted measurement of the earlier analysis.
    corrected_track : PoseTrack
        The track it was corrected on (its frame numbers and video identity).
    context : CorrectionContext
        The new analysis, prepared (:func:`correction_context`).

    Returns
    -------
    Measurement
        As :func:`corrected_measurement`, on the video frame that was corrected.

    Raises
    ------
    MeasurementError
        Why the correction no longer applies: it was not a correction, the new analysis is
        of another video, another test or the other leg, the corrected frame is not in its
        track, or its points give no value.
    """
    record = correction_of(corrected)
    if record is None:
        raise MeasurementError("the value was not adjusted by hand")
    new = context.original
    track = context.prep.track
    if not corrected_track.source_sha256 or corrected_track.source_sha256 != track.source_sha256:
        raise MeasurementError("it was made on another video")
    if new.test != corrected.test:
        raise MeasurementError(f"it was made for {corrected.test}, not {new.test}")
    if new.side != corrected.side:
        raise MeasurementError(
            f"it moved the {corrected.side} leg's points and the {new.side} leg is measured now")
    if not 0 <= record.frame < len(corrected_track.frame_indices):
        raise MeasurementError("its frame is not in the track it was made on")
    video_frame = int(corrected_track.frame_indices[record.frame])
    found = np.flatnonzero(np.asarray(track.frame_indices) == video_frame)
    if len(found) == 0:
        raise MeasurementError(f"video frame {video_frame} is not in the new analysis")
    return corrected_measurement(
        context, {m.landmark: m.to_px for m in record.moved}, frame=int(found[0]),
        clinician=record.clinician, corrected_at=dt.datetime.fromisoformat(record.corrected_at))


__all__ = [
    "CORRECTED_LABEL",
    "CORRECTED_METHOD",
    "CORRECTION_KEY",
    "RESOLVED_BY_CHECK",
    "Correction",
    "CorrectionContext",
    "MovedPoint",
    "adjusted_suffix",
    "automatic_measurement",
    "chain_landmarks",
    "corrected_measurement",
    "correction_context",
    "correction_of",
    "is_corrected",
    "measured_points",
    "reapplied_correction",
]
