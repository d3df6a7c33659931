"""What every protocol shares: cleaning the track, side and facing, quality, result assembly.

Cleaning pipeline (:func:`prepare`), in order:

1. **Levelling** — every image landmark is rotated by the calibration's roll about the
   frame centre (:func:`rom.calibration.level_points`), so image vertical is true vertical.
2. **Rejection** — a landmark is set to NaN in frames where the person was not detected,
   its visibility is below ``min_visibility``, its presence is below ``min_presence`` or it
   lies outside the image (``out_of_frame``).  Frames where the left and right leg look
   exchanged (:func:`rom.signal.detect_left_right_swaps`) lose both legs' landmarks.
   Single landmarks that jump away from their running median (Hampel identifier,
   :func:`rom.signal.hampel_outliers`) are rejected too.
3. **Gap filling** — dropouts up to ``max_gap_s`` are bridged by PCHIP interpolation.
   The result is ``raw_xy``, from which ``TrialResult.raw_values`` are computed.
4. **Smoothing** — zero-phase Butterworth low-pass at ``cutoff_hz`` on each coordinate
   (real timestamps) gives ``xy``, from which the measured values are computed.

Angles are computed from the cleaned coordinates (not filtered afterwards), so primary and
secondary values at the peak frame are mutually consistent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from numpy.typing import NDArray

import rom
from rom import geometry
from rom import signal as sig
from rom.calibration import Calibration, level_points
from rom.landmarks import Landmark, sided
from rom.measurement import INVALIDATING_REASONS, Measurement, TrialResult
from rom.pose import PoseTrack

FloatArray = NDArray[np.float64]

LEG_PARTS = ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX")
SIDES = ("left", "right")


@dataclass(frozen=True)
class Settings:
    """Tunable thresholds of the measurement pipeline (recorded in provenance).

    Attributes
    ----------
    cutoff_hz : float
        Low-pass cut-off in hertz.
    max_gap_s : float
        Longest dropout bridged by interpolation, seconds.
    min_hold_s : float
        A peak must be held this long, seconds.
    min_visibility : float
        Per-frame rejection threshold for a landmark's visibility.
    min_presence : float
        Per-frame rejection threshold for a landmark's presence (inside the frame).
    low_visibility : float
        ``low_visibility`` when the median visibility of the measured landmarks over the
        peak window is below this.
    side_on_max_ratio : float
        ``not_side_on`` when the image distance between the shoulders exceeds this
        fraction of the torso length (shoulder midpoint to hip midpoint).  Shoulders are
        about 0.8 torso lengths apart, so 0.35 allows roughly 25 degrees of turn.
    swap_window_s : float
        Running-median window of the left/right swap detector and of the outlier
        (Hampel) rejection, seconds.
    outlier_fraction_of_torso : float
        A landmark further than this fraction of the torso length (about 12 cm) from its
        running median, and beyond 3 robust SDs, is rejected for that frame.
    out_of_frame_margin_s : float
        Landmarks out of frame this close to the peak window make it ``out_of_frame``
        (the true peak may have happened while they were out of view).
    """

    cutoff_hz: float = sig.DEFAULT_CUTOFF_HZ
    max_gap_s: float = sig.DEFAULT_MAX_GAP_S
    min_hold_s: float = sig.DEFAULT_MIN_HOLD_S
    min_visibility: float = 0.3
    min_presence: float = 0.5
    low_visibility: float = 0.5
    side_on_max_ratio: float = 0.35
    out_of_frame_margin_s: float = 0.5
    swap_window_s: float = 0.5
    outlier_fraction_of_torso: float = 0.25


@dataclass(frozen=True, eq=False)
class PreparedTrack:
    """A track after levelling, rejection, gap filling and smoothing.

    Attributes
    ----------
    track : PoseTrack
    calibration : Calibration
    settings : Settings
    time_s : ndarray, shape (T,)
    raw_xy : ndarray, shape (T, 33, 2)
        Levelled, cleaned, gap-filled, unsmoothed pixel coordinates (NaN = rejected).
    xy : ndarray, shape (T, 33, 2)
        ``raw_xy`` after the low-pass filter.
    out_of_frame : ndarray of bool, shape (T, 33)
        Landmark rejected for being outside the image or having low presence.
    swapped : ndarray of bool, shape (T,)
        Frames rejected as left/right leg swaps.
    facing : float
        +1 person faces image-right, -1 image-left.
    """

    track: PoseTrack
    calibration: Calibration
    settings: Settings
    time_s: FloatArray
    raw_xy: FloatArray
    xy: FloatArray
    out_of_frame: NDArray[np.bool_]
    swapped: NDArray[np.bool_]
    facing: float

    def point(self, name: str, side: str | None = None, raw: bool = False) -> FloatArray:
        """Landmark coordinates, shape (T, 2): ``"KNEE"`` with a ``side``, or e.g. ``"NOSE"``."""
        index = sided(side, name) if side else Landmark[name]
        return (self.raw_xy if raw else self.xy)[:, index]

    def mid(self, name: str, raw: bool = False) -> FloatArray:
        """Midpoint (T, 2) of the left and right landmark ``name``."""
        return geometry.midpoint(self.point(name, "left", raw), self.point(name, "right", raw))

    @property
    def detected(self) -> NDArray[np.bool_]:
        return np.asarray(self.track.detected, dtype=bool)


def prepare(
    track: PoseTrack, calibration: Calibration | None = None, settings: Settings | None = None
) -> PreparedTrack:
    """Level, clean, gap-fill and smooth a track (see module docstring)."""
    cal = calibration or Calibration()
    cfg = settings or Settings()
    t = np.asarray(track.timestamps_s, dtype=np.float64)
    width, height = track.frame_size
    image = np.asarray(track.image_xy, dtype=np.float64)
    detected = np.asarray(track.detected, dtype=bool)

    inside = (
        (image[..., 0] >= 0)
        & (image[..., 0] <= width)
        & (image[..., 1] >= 0)
        & (image[..., 1] <= height)
    )
    presence = np.nan_to_num(np.asarray(track.presence, dtype=np.float64), nan=0.0)
    visibility = np.nan_to_num(np.asarray(track.visibility, dtype=np.float64), nan=0.0)
    out_of_frame = detected[:, None] & ((~inside) | (presence < cfg.min_presence))
    reject = (~detected[:, None]) | out_of_frame | (visibility < cfg.min_visibility)

    xy = level_points(image, cal, centre=(width / 2.0, height / 2.0))
    xy[reject] = np.nan

    left = [int(sided("left", p)) for p in LEG_PARTS]
    right = [int(sided("right", p)) for p in LEG_PARTS]
    fps = track.fps if len(t) > 1 else 30.0
    window = round(cfg.swap_window_s * fps)
    swapped = sig.detect_left_right_swaps(xy[:, left], xy[:, right], window=window)
    if swapped.any():
        xy[np.ix_(np.flatnonzero(swapped), np.array(left + right))] = np.nan

    torso = geometry.distance(
        geometry.midpoint(xy[:, Landmark.LEFT_SHOULDER], xy[:, Landmark.RIGHT_SHOULDER]),
        geometry.midpoint(xy[:, Landmark.LEFT_HIP], xy[:, Landmark.RIGHT_HIP]),
    )
    torso_px = finite_median(torso)
    if np.isfinite(torso_px) and torso_px > 0:
        jumps = sig.hampel_outliers(
            xy, window, min_deviation=cfg.outlier_fraction_of_torso * torso_px
        )
        xy[jumps.any(axis=-1)] = np.nan

    raw_xy = sig.fill_gaps(t, xy, cfg.max_gap_s) if len(t) else xy
    smooth_xy = sig.lowpass(t, raw_xy, cfg.cutoff_hz) if len(t) else raw_xy
    facing = estimate_facing(raw_xy)
    return PreparedTrack(
        track=track,
        calibration=cal,
        settings=cfg,
        time_s=t,
        raw_xy=raw_xy,
        xy=smooth_xy,
        out_of_frame=out_of_frame,
        swapped=swapped,
        facing=facing,
    )


def finite_median(values: FloatArray) -> float:
    """Median of the finite entries of ``values`` (any shape, flattened); NaN if none.

    Unlike :func:`numpy.nanmedian` it also skips infinities and does not warn when
    every entry is missing, which is common for landmarks hidden for a whole clip.
    """
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def estimate_facing(xy: FloatArray) -> float:
    """Which way the person faces in the image: +1 (right) or -1 (left).

    Majority vote of three cues, each the sign of a median over frames: the nose in front
    of the ear midpoint, and each foot's toe in front of its heel.  Defaults to +1 when no
    cue is available.
    """
    if xy.shape[0] == 0:
        return 1.0
    ear_mid = geometry.midpoint(xy[:, Landmark.LEFT_EAR], xy[:, Landmark.RIGHT_EAR])
    cues = [xy[:, Landmark.NOSE, 0] - ear_mid[:, 0]]
    for side in SIDES:
        cues.append(xy[:, sided(side, "FOOT_INDEX"), 0] - xy[:, sided(side, "HEEL"), 0])
    vote = sum(float(np.sign(finite_median(c))) for c in cues if np.isfinite(finite_median(c)))
    return -1.0 if vote < 0 else 1.0


def nearer_side(prep: PreparedTrack) -> str:
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
    prep: PreparedTrack, side: str, raw: bool = False, trunk_side: str | None = None
) -> FloatArray:
    """Thigh (hip -> knee of ``side``) against the trunk line extended below the hip.

    Degrees; 0 = thigh continues the trunk line, + = flexion (knee in front), - = extension.
    The trunk line runs from the shoulder midpoint to the hip midpoint, or, with
    ``trunk_side``, from that side's shoulder to that side's hip.  Seen from the side the
    two lines are parallel (both are the trunk's projection), but the far side's shoulder
    and hip are hidden behind the torso, so the near side's line is the better-seen one.
    """
    if trunk_side is None:
        trunk_down = prep.mid("HIP", raw) - prep.mid("SHOULDER", raw)
    else:
        trunk_down = prep.point("HIP", trunk_side, raw) - prep.point("SHOULDER", trunk_side, raw)
    thigh = prep.point("KNEE", side, raw) - prep.point("HIP", side, raw)
    return geometry.signed_angle_deg(trunk_down, thigh, prep.facing)


def knee_flexion_signal(prep: PreparedTrack, side: str, raw: bool = False) -> FloatArray:
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


def standing_stature_px(prep: PreparedTrack, frames: NDArray[np.bool_] | None = None) -> float:
    """Standing height in pixels from upright frames, or NaN if the person never stands.

    A frame counts as upright when the trunk is within 10 degrees of vertical and both knees
    are within 10 degrees of straight.  Per frame, stature is eye-to-floor height / 0.936
    (:func:`rom.geometry.standing_stature_px`, shared with :mod:`rom.calibrate.height`),
    the floor being the lowest heel or toe landmark; the median over upright frames is
    returned.
    """
    upright = (
        (np.abs(trunk_inclination_deg(prep)) < 10.0)
        & (knee_flexion_signal(prep, "left") < 10.0)
        & (knee_flexion_signal(prep, "right") < 10.0)
    )
    if frames is not None:
        upright &= frames
    if not upright.any():
        return float("nan")
    return finite_median(geometry.standing_stature_px(prep.xy)[upright])


def feet_lowest_y(prep: PreparedTrack) -> FloatArray:
    """Per-frame image ``y`` of the lowest heel or toe landmark of either foot (T,)."""
    return geometry.floor_level_y(prep.xy)


#: A calibration scale is doubted when the stature it gives differs from the stated height
#: by more than this fraction.  The height scale itself is good to about +-3 % and a marker
#: to 1-2 %, so a larger gap means the marker is not in the person's plane: at 2.5 m from
#: the camera, 6 % is a marker about 15 cm nearer or further than the person.
SCALE_MISMATCH_TOLERANCE = 0.06
#: Statures (cm) a calibration scale may imply before it is rejected outright when no
#: height was given: outside this range no person fits, so the marker is not where the
#: person stands (or was printed at the wrong size).
PLAUSIBLE_STATURE_CM = (100.0, 230.0)


@dataclass(frozen=True)
class Scale:
    """The image scale a protocol uses, where it came from, and what was found doubtful.

    Attributes
    ----------
    cm_per_px : float or None
        Centimetres per pixel at the person's plane; None when there is none to trust.
    source : str or None
        ``"marker"``/calibration's ``scale_source``, or ``"height"``.
    reasons : tuple of str
        ``("scale_plane_mismatch",)`` when the calibration's scale disagrees with the
        person's stature (see :func:`resolve_scale`), else empty.
    calibration_stature_cm : float or None
        Stature the calibration's scale implies (standing stature in px x its cm/px), for
        the record; None without a calibration scale or standing frames.
    """

    cm_per_px: float | None
    source: str | None
    reasons: tuple[str, ...] = ()
    calibration_stature_cm: float | None = None


def resolve_scale(prep: PreparedTrack, height_cm: float | None) -> Scale:
    """Centimetres per pixel at the person and its source, checked against the person.

    * Calibration scale (e.g. the wall marker) and no height: used, unless the stature it
      implies is outside :data:`PLAUSIBLE_STATURE_CM` (then rejected with
      ``scale_plane_mismatch``; no scale).
    * Calibration scale and ``height_cm``: the implied stature is compared with the stated
      height; beyond :data:`SCALE_MISMATCH_TOLERANCE` the marker is taken to be in another
      depth plane than the person (its cm/px is that of its own distance from the camera),
      ``scale_plane_mismatch`` is reported and the height's scale, which is measured in
      the person's own plane, is used instead.
    * Only ``height_cm``: ``height_cm / standing stature in px``.

    No check is possible when the person is never seen standing upright.
    """
    cal_scale = prep.calibration.cm_per_px
    stature = standing_stature_px(prep) if (cal_scale is not None or height_cm) else np.nan
    has_stature = bool(np.isfinite(stature) and stature > 0)
    height_scale = (
        geometry.cm_per_px_from_stature(float(height_cm), stature)
        if height_cm is not None and has_stature
        else None
    )
    if cal_scale is not None:
        source = prep.calibration.scale_source or "calibration"
        implied = float(cal_scale) * stature if has_stature else None
        if implied is None:
            return Scale(float(cal_scale), source)
        if height_scale is not None and height_cm is not None:
            if abs(implied / float(height_cm) - 1.0) > SCALE_MISMATCH_TOLERANCE:
                return Scale(height_scale, "height", ("scale_plane_mismatch",), implied)
            return Scale(float(cal_scale), source, (), implied)
        low, high = PLAUSIBLE_STATURE_CM
        if not low <= implied <= high:
            return Scale(None, None, ("scale_plane_mismatch",), implied)
        return Scale(float(cal_scale), source, (), implied)
    if height_scale is not None:
        return Scale(height_scale, "height")
    return Scale(None, None)


def landmark_indices(side: str, names: Iterable[str]) -> list[int]:
    """Landmark indices of ``names`` on ``side`` (names without a side are taken as is)."""
    out = []
    for name in names:
        out.append(int(Landmark[name]) if name in Landmark.__members__ else int(sided(side, name)))
    return out


@dataclass
class Assessment:
    """Everything a protocol found, before it becomes a :class:`TrialResult`."""

    test: str
    side: str
    unit: str
    values: FloatArray
    raw_values: FloatArray
    required: list[int]
    segments: tuple[tuple[int, ...], ...]
    mode: str = "max"
    value: float | None = None
    peak: sig.Peak | None = None
    reasons: list[str] = field(default_factory=list)
    secondary: dict[str, float] = field(default_factory=dict)
    quality_factors: dict[str, float] = field(default_factory=dict)


def find_peak(prep: PreparedTrack, a: Assessment) -> Assessment:
    """Robust peak of ``a.values`` plus the reasons every protocol checks.

    Sets ``a.peak``/``a.value`` and appends ``no_person``, ``too_few_frames``,
    ``out_of_frame``, ``low_visibility``, ``not_side_on`` and ``left_right_swap`` as found.
    """
    cfg = prep.settings
    det = prep.detected
    if len(det) == 0:
        a.reasons.append("too_few_frames")
        return a
    if not det.any():
        a.reasons.append("no_person")
        return a
    peak = (
        sig.robust_peak(prep.time_s, a.values, cfg.min_hold_s, a.mode) if len(prep.time_s) else None
    )
    oof_frames: NDArray[np.bool_] = np.asarray(prep.out_of_frame[:, a.required].any(axis=1))
    if peak is None:
        if oof_frames[det].mean() > 0.5:
            a.reasons.append("out_of_frame")
        vis = np.nan_to_num(np.asarray(prep.track.visibility, dtype=np.float64)[det][:, a.required])
        if (vis < cfg.min_visibility).any(axis=1).mean() > 0.5:
            a.reasons.append("low_visibility")
        explained = any(r in INVALIDATING_REASONS for r in a.reasons)
        if not (explained and not np.isfinite(a.values).any()):
            a.reasons.append("too_few_frames")
        return a
    a.peak = peak
    a.value = float(peak.value)
    t = prep.time_s
    near = (t >= t[peak.start] - cfg.out_of_frame_margin_s) & (
        t <= t[peak.stop - 1] + cfg.out_of_frame_margin_s
    )
    if oof_frames[near].any():
        a.reasons.append("out_of_frame")
    window = slice(peak.start, peak.stop)
    vis = np.asarray(prep.track.visibility, dtype=np.float64)[window][:, a.required]
    median_vis = finite_median(vis.ravel())
    a.quality_factors["visibility"] = (
        float(np.clip((median_vis - 0.3) / 0.5, 0.0, 1.0)) if np.isfinite(median_vis) else 0.0
    )
    if not np.isfinite(median_vis) or median_vis < cfg.low_visibility:
        a.reasons.append("low_visibility")
    ratio = side_on_ratio(prep, window)
    if np.isfinite(ratio):
        a.quality_factors["side_on"] = float(
            np.clip(1.0 - 0.5 * (ratio / cfg.side_on_max_ratio) ** 2, 0.0, 1.0)
        )
        if ratio > cfg.side_on_max_ratio:
            a.reasons.append("not_side_on")
    coverage = float(np.isfinite(a.values[det]).mean())
    a.quality_factors["coverage"] = float(np.clip(coverage / 0.8, 0.0, 1.0))
    if prep.swapped.mean() > 0.1:
        a.reasons.append("left_right_swap")
    return a


def roll_known(calibration: Calibration) -> bool:
    """Whether the camera roll was measured or stated (not just assumed level)."""
    return calibration.roll_source != "none"


def quality_score(reasons: Sequence[str], factors: dict[str, float]) -> float:
    """Quality in 0..1: product of the factors, 0.9 per advisory reason, at most 0.3 if invalid.

    Factors: ``visibility`` (median visibility of the measured landmarks in the peak window,
    0.3 -> 0, 0.8 -> 1), ``side_on`` (1 when perfectly side-on, 0.5 at the ``not_side_on``
    threshold), ``coverage`` (share of detected frames with a valid value, full at 80 %).
    """
    q = 1.0
    for value in factors.values():
        q *= value
    for reason in reasons:
        if reason not in INVALIDATING_REASONS:
            q *= 0.9
    if any(r in INVALIDATING_REASONS for r in reasons):
        q = min(q, 0.3)
    return round(float(np.clip(q, 0.0, 1.0)), 3)


def provenance(prep: PreparedTrack, extra: dict[str, object]) -> dict[str, str]:
    """The provenance dict of a measurement (settings serialised as JSON)."""
    track = prep.track
    cal = prep.calibration
    settings = {
        "analysis": track.settings,
        "measurement": asdict(prep.settings),
        "calibration": {
            "roll_deg": cal.roll_deg,
            "roll_source": cal.roll_source,
            "cm_per_px": cal.cm_per_px,
            "scale_source": cal.scale_source,
        },
        "mediapipe_version": track.mediapipe_version,
        **extra,
    }
    return {
        "video_sha256": track.source_sha256,
        "model": track.model_name,
        "model_sha256": track.model_sha256,
        "settings": json.dumps(settings, sort_keys=True, default=str),
        "rom_version": rom.__version__,
    }


def value_at(values: FloatArray, index: int | None) -> float | None:
    """``values[index]`` as a float, or None when the index is None or the value NaN."""
    if index is None:
        return None
    v = float(values[index])
    return v if np.isfinite(v) else None


def add_secondary(a: Assessment, name: str, value: float | None, digits: int = 2) -> None:
    """Store a finite secondary value, rounded; skip missing ones."""
    if value is not None and np.isfinite(value):
        a.secondary[name] = round(float(value), digits)


def finish(prep: PreparedTrack, a: Assessment, extra: dict[str, object]) -> TrialResult:
    """Turn an assessment into the contract's :class:`TrialResult`."""
    reasons = tuple(dict.fromkeys(a.reasons))  # unique, order kept
    value = a.value
    reliable = value is not None and not any(r in INVALIDATING_REASONS for r in reasons)
    quality = 0.0 if value is None else quality_score(reasons, a.quality_factors)
    peak_index = a.peak.index if a.peak is not None else None
    measurement = Measurement(
        test=a.test,
        side=a.side,
        value=None if value is None else round(value, 4 if a.unit == "fraction_of_height" else 2),
        unit=a.unit,
        quality=quality,
        reliable=reliable,
        reasons=reasons,
        peak_time_s=None if peak_index is None else float(prep.time_s[peak_index]),
        peak_frame=peak_index,
        secondary=dict(a.secondary),
        provenance=provenance(prep, extra),
    )
    return TrialResult(
        measurement=measurement,
        time_s=np.asarray(prep.time_s, dtype=np.float64),
        values=np.asarray(a.values, dtype=np.float64),
        raw_values=np.asarray(a.raw_values, dtype=np.float64),
        segments=a.segments,
    )


#: A protocol: ``(prepared track, side or None for automatic, height_cm) -> TrialResult``.
Protocol = Callable[[PreparedTrack, "str | None", "float | None"], TrialResult]


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
    signal: Callable[[PreparedTrack, str], FloatArray],
    min_difference: float,
) -> str:
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
