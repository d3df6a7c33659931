"""Body signals on a prepared track: trunk, hip and knee angles, side-on, stature, side choice.

Every function takes a :class:`rom.protocols.prepare.PreparedTrack` and returns per-frame
values of shape ``(T,)`` (or one number).  Angles are in degrees on levelled image points;
the maths is :mod:`rom.geometry`'s, this module only picks the landmarks.  ``raw=True``
uses the unsmoothed (but cleaned and gap-filled) coordinates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from numpy.typing import NDArray

from rom import geometry
from rom import signal as sig
from rom.landmarks import Landmark, sided
from rom.protocols.prepare import FloatArray, PreparedTrack, finite_median
from rom.vocabulary import SIDES, Side


def landmark_indices(side: Side, names: Iterable[str]) -> list[int]:
    """Landmark indices of ``names`` on ``side`` (names without a side are taken as is)."""
    out = []
    for name in names:
        out.append(int(Landmark[name]) if name in Landmark.__members__ else int(sided(side, name)))
    return out


def nearer_side(prep: PreparedTrack) -> Side:
    """The side nearer the camera: smaller MediaPipe depth, else higher visibility.

    Uses shoulder, hip, knee and ankle.  MediaPipe's ``z`` is smaller for nearer points;
    the median left-minus-right difference decides when it exceeds 2 % of the frame width,
    otherwise the mean visibility does.
    """
    parts = ("SHOULDER", "HIP", "KNEE", "ANKLE")
    det = prep.detected
    if not det.any():
        return "left"
    z = np.asarray(prep.track.image_z, dtype=np.float64)[det]
    vis = np.asarray(prep.track.visibility, dtype=np.float64)[det]
    left = [sided("left", p) for p in parts]
    right = [sided("right", p) for p in parts]
    dz = finite_median(np.nanmean(z[:, left], axis=1) - np.nanmean(z[:, right], axis=1))
    if np.isfinite(dz) and abs(dz) > 0.02 * prep.track.frame_size[0]:
        return "left" if dz < 0 else "right"
    return "left" if np.nanmean(vis[:, left]) >= np.nanmean(vis[:, right]) else "right"


def trunk_inclination_deg(prep: PreparedTrack, raw: bool = False) -> FloatArray:
    """Trunk line (hip midpoint -> shoulder midpoint) from true vertical, degrees, + = forward."""
    return geometry.inclination_from_vertical_deg(
        prep.mid("HIP", raw), prep.mid("SHOULDER", raw), prep.facing
    )


def hip_flexion_signal(
    prep: PreparedTrack, side: Side, raw: bool = False, trunk_side: Side | None = None
) -> FloatArray:
    """Thigh (hip -> knee of ``side``) against the trunk line extended below the hip.

    Degrees; 0 = thigh continues the trunk line, + = flexion (knee in front), - = extension
    (:func:`rom.geometry.hip_flexion_deg`).  The trunk line runs from the shoulder midpoint
    to the hip midpoint, or, with ``trunk_side``, from that side's shoulder to that side's
    hip.  Seen from the side the two lines are parallel (both are the trunk's projection),
    but the far side's shoulder and hip are hidden behind the torso, so the near side's
    line is the better-seen one.  The thigh starts at ``side``'s own hip.
    """
    if trunk_side is None:
        shoulder, trunk_hip = prep.mid("SHOULDER", raw), prep.mid("HIP", raw)
    else:
        shoulder = prep.point("SHOULDER", trunk_side, raw)
        trunk_hip = prep.point("HIP", trunk_side, raw)
    return geometry.hip_flexion_deg(
        shoulder,
        prep.point("HIP", side, raw),
        prep.point("KNEE", side, raw),
        prep.facing,
        trunk_hip=trunk_hip,
    )


def knee_flexion_signal(prep: PreparedTrack, side: Side, raw: bool = False) -> FloatArray:
    """Knee flexion ``180 - angle(hip, knee, ankle)`` in degrees; 0 = straight leg."""
    return 180.0 - geometry.joint_angle_deg(
        prep.point("HIP", side, raw), prep.point("KNEE", side, raw), prep.point("ANKLE", side, raw)
    )


def side_on_ratio(prep: PreparedTrack, frames: slice | NDArray[np.int64]) -> float:
    """Median shoulder separation / torso length over ``frames`` (0 = perfectly side-on)."""
    xy = prep.raw_xy[frames]
    shoulders = geometry.distance(xy[:, Landmark.LEFT_SHOULDER], xy[:, Landmark.RIGHT_SHOULDER])
    sh_mid = geometry.midpoint(xy[:, Landmark.LEFT_SHOULDER], xy[:, Landmark.RIGHT_SHOULDER])
    hip_mid = geometry.midpoint(xy[:, Landmark.LEFT_HIP], xy[:, Landmark.RIGHT_HIP])
    torso = geometry.distance(sh_mid, hip_mid)
    with np.errstate(invalid="ignore", divide="ignore"):
        return finite_median(shoulders / torso)


def world_shoulder_yaw_deg(prep: PreparedTrack, frames: slice | NDArray[np.int64]) -> float:
    """How far the shoulder line turns from the camera's depth axis, degrees (0 = side-on).

    From MediaPipe's world landmarks (metres, camera-aligned axes, see :mod:`rom.pose`):
    ``atan(|dx| / |dz|)`` of the left-minus-right shoulder vector, median over ``frames``.
    A second view of the camera's turn beside :func:`side_on_ratio`: the model's 3-D guess
    of the shoulders rather than their image separation, which perspective inflates for a
    person off the image centre and the model's overlapping of the shoulders deflates.
    NaN when the shoulders are not seen.
    """
    world = np.asarray(prep.track.world_xyz, dtype=np.float64)[frames]
    vec = world[:, Landmark.LEFT_SHOULDER] - world[:, Landmark.RIGHT_SHOULDER]
    with np.errstate(invalid="ignore"):
        yaw = np.degrees(np.arctan2(np.abs(vec[:, 0]), np.abs(vec[:, 2])))
    return finite_median(yaw)


def foot_length_px(prep: PreparedTrack) -> float:
    """Median heel-to-toe image length of both feet over the trial, px (NaN if unseen)."""
    return finite_median(
        np.concatenate(
            [geometry.distance(prep.point("HEEL", s), prep.point("FOOT_INDEX", s)) for s in SIDES]
        )
    )


def standing_stature_px(prep: PreparedTrack, frames: NDArray[np.bool_] | None = None) -> float:
    """Standing height in pixels from upright frames, or NaN if the person never stands.

    A frame counts as upright when the trunk is within 10 degrees of vertical and both knees
    are within 10 degrees of straight.  Per frame, stature is eye-to-floor height / 0.936
    (:func:`rom.geometry.standing_stature_px`, shared with :mod:`rom.calibrate.height`),
    the floor being the lowest heel or toe landmark; the median over upright frames is
    returned.
    """
    upright = upright_frames(prep)
    if frames is not None:
        upright &= frames
    if not upright.any():
        return float("nan")
    return finite_median(geometry.standing_stature_px(prep.xy)[upright])


def upright_frames(prep: PreparedTrack) -> NDArray[np.bool_]:
    """Frames (T,) with the trunk within 10 deg of vertical and both knees within 10 deg
    of straight: where a standing stature can be read."""
    return np.asarray(
        (np.abs(trunk_inclination_deg(prep)) < 10.0)
        & (knee_flexion_signal(prep, "left") < 10.0)
        & (knee_flexion_signal(prep, "right") < 10.0)
    )


def feet_lowest_y(prep: PreparedTrack) -> FloatArray:
    """Per-frame image ``y`` of the lowest heel or toe landmark of either foot (T,)."""
    return geometry.floor_level_y(prep.xy)


def peak_of(prep: PreparedTrack, values: FloatArray, mode: str = "max") -> float:
    """Held peak level of ``values`` (NaN if none), for comparing candidate sides."""
    peak = (
        sig.robust_peak(prep.time_s, values, prep.settings.min_hold_s, mode)
        if len(prep.time_s)
        else None
    )
    return float("nan") if peak is None else peak.value


def side_with_larger_peak(
    prep: PreparedTrack,
    signal: Callable[[PreparedTrack, Side], FloatArray],
    min_difference: float,
) -> Side:
    """The side whose held peak of ``signal`` is clearly larger, else the nearer side.

    Parameters
    ----------
    prep
        The prepared trial.
    signal
        ``signal(prep, side)`` gives the per-frame angle for one side, shape ``(T,)``.
    min_difference
        How much larger (in the signal's unit, e.g. degrees) one side's peak must be to
        decide; below it, or when either peak is missing, :func:`nearer_side` decides.
    """
    peaks = {s: peak_of(prep, signal(prep, s)) for s in SIDES}
    if (
        all(np.isfinite(v) for v in peaks.values())
        and abs(peaks["left"] - peaks["right"]) > min_difference
    ):
        return max(peaks, key=lambda s: peaks[s])
    return nearer_side(prep)
