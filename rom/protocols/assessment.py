"""From a protocol's per-frame signal to a :class:`rom.measurement.TrialResult`.

Every protocol builds a :class:`Signal` (its per-frame primary value on one side), calls
:func:`assess` once — the robust peak and the checks common to all tests, the camera roll
and the scale's reasons — adds its own reasons and secondary values to the returned
:class:`Assessment`, and hands it to :func:`finish`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from rom import signal as sig
from rom.calibration import Calibration
from rom.measurement import INVALIDATING_REASONS, CalibrationUsed, Measurement, TrialResult
from rom.protocols import conformance, plausibility, uncertainty
from rom.protocols.body import (
    knee_flexion_signal,
    side_on_ratio,
    trunk_inclination_deg,
    world_shoulder_yaw_deg,
)
from rom.protocols.prepare import FloatArray, PreparedTrack, finite_median
from rom.protocols.scale import Scale
from rom.version import __version__
from rom.vocabulary import Side


@dataclass(frozen=True, eq=False)
class Signal:
    """What a protocol measures on one side, before its peak is found.

    Attributes
    ----------
    test : str
    side : Side
    unit : str
    values, raw_values : ndarray, shape (T,)
        The primary value per frame, smoothed and unsmoothed (NaN where invalid).
    required : tuple of int
        Landmarks the value needs (for the visibility and out-of-frame checks).
    segments : tuple of tuple of int
        Landmark chains to draw.
    mode : {"max", "min"}
        Whether the measured moment is the held maximum or minimum.
    reasons : tuple of str
        Reasons found before the peak (e.g. a missing scale).
    side_on_max_ratio : float
        The test's limit on the shoulder separation over the torso length beyond which
        the view is ``not_side_on`` (the camera turned so far that the projection error
        of this test's value may exceed 2 deg; see ``benchmarks/yaw_map.md``).  A
        ``Settings.side_on_max_ratio`` overrides it.
    max_world_yaw_deg : float
        The test's limit on the camera's turn as the pose model's 3-D shoulders show it
        (:func:`rom.protocols.body.world_shoulder_yaw_deg`), degrees; beyond it the view
        is ``not_side_on`` too.
    world_yaw_at_rest : bool
        Read that 3-D turn in the rest frames (:func:`rest_frames`) instead of the held
        peak: for a test whose pose moves the shoulders but not the camera (a hand reaching
        back for the ankle turns the model's 3-D shoulders by 10-15 deg on a side-on view).
    """

    test: str
    side: Side
    unit: str
    values: FloatArray
    raw_values: FloatArray
    required: tuple[int, ...]
    segments: tuple[tuple[int, ...], ...]
    mode: str = "max"
    reasons: tuple[str, ...] = ()
    side_on_max_ratio: float = 0.35
    max_world_yaw_deg: float = 30.0
    world_yaw_at_rest: bool = False


@dataclass(frozen=True)
class PeakFinding:
    """The robust peak of a signal and what the checks common to every test found.

    Attributes
    ----------
    peak : Peak or None
        None when no value was held long enough.
    reasons : tuple of str
        New reason codes, in the order found.
    quality_factors : dict of str to float
        ``visibility``, ``side_on``, ``coverage`` in 0..1 (see :func:`quality_score`);
        empty without a peak.
    """

    peak: sig.Peak | None
    reasons: tuple[str, ...] = ()
    quality_factors: dict[str, float] = field(default_factory=dict)


def find_peak(
    prep: PreparedTrack,
    values: FloatArray,
    required: Sequence[int],
    mode: str = "max",
    known_reasons: Sequence[str] = (),
    side_on_max_ratio: float = 0.35,
    max_world_yaw_deg: float = 30.0,
    world_yaw_at_rest: bool = False,
) -> PeakFinding:
    """Robust peak of ``values`` plus the reasons every protocol checks.

    Reports ``no_person``, ``too_few_frames``, ``out_of_frame``, ``low_visibility``,
    ``not_side_on`` and ``left_right_swap`` as found.  ``known_reasons`` (found before)
    can explain a missing peak: ``too_few_frames`` is then not added when no frame has a
    value at all.  The 3-D turn is read over the held peak, or with ``world_yaw_at_rest``
    over the rest frames when there are any (see :class:`Signal`).
    """
    cfg = prep.settings
    det = prep.detected
    required = list(required)
    if len(det) == 0:
        return PeakFinding(None, ("too_few_frames",))
    if not det.any():
        return PeakFinding(None, ("no_person",))
    reasons: list[str] = []
    peak = (
        sig.robust_peak(prep.time_s, values, cfg.min_hold_s, mode) if len(prep.time_s) else None
    )
    oof_frames: NDArray[np.bool_] = np.asarray(prep.out_of_frame[:, required].any(axis=1))
    if peak is None:
        if oof_frames[det].mean() > 0.5:
            reasons.append("out_of_frame")
        vis = np.nan_to_num(np.asarray(prep.track.visibility, dtype=np.float64)[det][:, required])
        if (vis < cfg.min_visibility).any(axis=1).mean() > 0.5:
            reasons.append("low_visibility")
        explained = any(r in INVALIDATING_REASONS for r in [*known_reasons, *reasons])
        if not (explained and not np.isfinite(values).any()):
            reasons.append("too_few_frames")
        return PeakFinding(None, tuple(reasons))
    factors: dict[str, float] = {}
    t = prep.time_s
    near = (t >= t[peak.start] - cfg.out_of_frame_margin_s) & (
        t <= t[peak.stop - 1] + cfg.out_of_frame_margin_s
    )
    if oof_frames[near].any():
        reasons.append("out_of_frame")
    window = slice(peak.start, peak.stop)
    vis = np.asarray(prep.track.visibility, dtype=np.float64)[window][:, required]
    median_vis = finite_median(vis.ravel())
    factors["visibility"] = (
        float(np.clip((median_vis - 0.3) / 0.5, 0.0, 1.0)) if np.isfinite(median_vis) else 0.0
    )
    if not np.isfinite(median_vis) or median_vis < cfg.low_visibility:
        reasons.append("low_visibility")
    ratio = side_on_ratio(prep, window)
    limit = cfg.side_on_max_ratio if cfg.side_on_max_ratio is not None else side_on_max_ratio
    if np.isfinite(ratio):
        factors["side_on"] = float(np.clip(1.0 - 0.5 * (ratio / limit) ** 2, 0.0, 1.0))
        if ratio > limit:
            reasons.append("not_side_on")
    rest = rest_frames(values, mode) if world_yaw_at_rest else np.empty(0, dtype=np.int64)
    yaw = world_shoulder_yaw_deg(prep, rest if len(rest) else window)
    if np.isfinite(yaw) and yaw > max_world_yaw_deg and "not_side_on" not in reasons:
        reasons.append("not_side_on")
    coverage = float(np.isfinite(values[det]).mean())
    factors["coverage"] = float(np.clip(coverage / 0.8, 0.0, 1.0))
    if prep.swapped.mean() > 0.1:
        reasons.append("left_right_swap")
    reasons.extend(trust_reasons(prep, peak, near))
    return PeakFinding(peak, tuple(reasons), factors)


#: A rest frame's value lies within this share of the clip's excursion from the end
#: opposite the peak (the minimum of a ``"max"`` signal).
REST_FRACTION = 0.25


def rest_frames(values: FloatArray, mode: str = "max") -> NDArray[np.int64]:
    """Indices of the frames at rest: before or after the movement, far from its peak.

    A frame is at rest when its value lies within :data:`REST_FRACTION` of the excursion
    (finite maximum minus minimum) from the extreme opposite the peak: near the minimum
    for ``mode="max"``, near the maximum for ``"min"``.  Empty when no value is finite or
    the signal does not move.
    """
    finite = np.isfinite(values)
    if not finite.any():
        return np.empty(0, dtype=np.int64)
    low, high = float(np.min(values[finite])), float(np.max(values[finite]))
    if high <= low:
        return np.empty(0, dtype=np.int64)
    margin = REST_FRACTION * (high - low)
    with np.errstate(invalid="ignore"):
        at_rest = values <= low + margin if mode == "max" else values >= high - margin
    return np.flatnonzero(at_rest & finite).astype(np.int64)


#: Share of detected frames with somebody else in view from which
#: ``other_people_in_view`` is reported (a passer-by for a few frames is not worth it).
OTHER_PEOPLE_MIN_SHARE = 0.05


def trust_reasons(prep: PreparedTrack, peak: sig.Peak, near: NDArray[np.bool_]) -> list[str]:
    """The checks of whether the measured moment can be trusted at all.

    ``near`` marks the frames around the held peak window.  Reports:

    * ``movement_incomplete`` (invalid): the peak is at the first or last frame, or at
      the cut-off end of a truncated video (:func:`conformance.movement_incomplete`);
    * ``identity_uncertain`` (invalid): around the peak the tracker was not sure it
      followed the same person (:attr:`rom.pose.PoseTrack.identity_uncertain`);
    * ``other_people_in_view`` (advisory): somebody else was seen in at least
      :data:`OTHER_PEOPLE_MIN_SHARE` of the frames;
    * ``marker_<reason>`` (advisory): rom's marker was in view but could not be used
      (:attr:`rom.calibration.Calibration.marker_rejection`).
    """
    track = prep.track
    reasons: list[str] = []
    truncated = bool(track.settings.get("video_truncated", False))
    if conformance.movement_incomplete(peak, prep.time_s, truncated=truncated):
        reasons.append("movement_incomplete")
    if track.identity_uncertain is not None and np.asarray(track.identity_uncertain)[near].any():
        reasons.append("identity_uncertain")
    det = prep.detected
    if track.people_count is not None and det.any():
        others = np.asarray(track.people_count)[det] >= 2
        if others.mean() >= OTHER_PEOPLE_MIN_SHARE:
            reasons.append("other_people_in_view")
    if prep.calibration.marker_rejection is not None:
        reasons.append(f"marker_{prep.calibration.marker_rejection}")
    return reasons


def steady_frames(prep: PreparedTrack) -> NDArray[np.bool_]:
    """Frames where the person stands upright: trunk within 15 deg of vertical, both
    knees within 20 deg of straight (the reference posture of the segment lengths)."""
    return np.asarray(
        (np.abs(trunk_inclination_deg(prep)) < 15.0)
        & (knee_flexion_signal(prep, "left") < 20.0)
        & (knee_flexion_signal(prep, "right") < 20.0)
    )


def lying_straight_frames(prep: PreparedTrack) -> NDArray[np.bool_]:
    """Frames where the person lies with straight legs: trunk within 30 deg of horizontal,
    both knees within 20 deg of straight (the reference posture of a prone test)."""
    return np.asarray(
        (np.abs(trunk_inclination_deg(prep)) > 60.0)
        & (knee_flexion_signal(prep, "left") < 20.0)
        & (knee_flexion_signal(prep, "right") < 20.0)
    )


#: With fewer upright frames than this, the frames lying with straight legs are the
#: reference of the segment lengths (a prone test), and with fewer of those too, every
#: frame (a lunge filmed from its start position).
MIN_STEADY_FRAMES = 5


def bone_lengths(
    prep: PreparedTrack, side: Side
) -> tuple[dict[str, FloatArray], dict[str, float]]:
    """The thigh's and shank's image length per frame (raw points, px) and their steady length.

    The steady length is the median over the steady (upright) frames
    (:func:`steady_frames`); when fewer than :data:`MIN_STEADY_FRAMES` are upright, over
    the frames lying with straight legs (:func:`lying_straight_frames`), and when there
    are too few of those as well, over every frame.
    """
    lengths = plausibility.segment_lengths_px(prep.raw_xy, side)
    steady = steady_frames(prep)
    if steady.sum() < MIN_STEADY_FRAMES:
        steady = lying_straight_frames(prep)
    if steady.sum() < MIN_STEADY_FRAMES:
        steady = np.ones_like(steady)
    return lengths, plausibility.steady_lengths_px(lengths, steady)


def implausible_pose(prep: PreparedTrack, side: Side, peak: sig.Peak) -> bool:
    """Whether the measured leg is drawn as no body can be, over the held peak window.

    A thigh or shank of ``side`` more than :data:`plausibility.SEGMENT_LENGTH_TOLERANCE`
    off its steady length (:func:`bone_lengths`), or, with the trunk upright, a knee bent backwards
    (:func:`plausibility.knee_bent_backwards`).
    Raw (unsmoothed) points are used: the filter would spread a misplaced joint in time.
    """
    window = np.arange(peak.start, peak.stop)
    lengths, reference = bone_lengths(prep, side)
    ratios = plausibility.length_ratios_at(lengths, reference, window)
    if plausibility.implausible_segments(ratios):
        return True
    # "Backwards" needs an upright body: lying prone, the facing cue says nothing.
    upright = finite_median(np.abs(trunk_inclination_deg(prep)[window])) < 45.0
    return upright and plausibility.knee_bent_backwards(prep.raw_xy, side, prep.facing, window)


def landmarks_hidden(prep: PreparedTrack, indices: Sequence[int], peak: sig.Peak) -> bool:
    """Whether the landmarks a value is drawn from were hard to see while it was held.

    The median visibility of ``indices`` over the held peak window is below
    ``Settings.low_visibility`` (0.5: the model rates the points more likely hidden than
    seen).  :func:`find_peak`'s ``low_visibility`` takes the median over every landmark a
    test needs, so a value resting on two points (toe-touch's fingertip, from the wrist and
    the index knuckle) can hide behind well-seen legs; this applies the same threshold to
    those points alone.  No visibility at all is no evidence (False).
    """
    window = slice(peak.start, peak.stop)
    vis = np.asarray(prep.track.visibility, dtype=np.float64)[window][:, list(indices)]
    median_vis = finite_median(vis.ravel())
    return bool(np.isfinite(median_vis) and median_vis < prep.settings.low_visibility)


def roll_known(calibration: Calibration) -> bool:
    """Whether the camera roll was measured or stated (not just assumed level)."""
    return calibration.roll_source != "none"


def roll_within(calibration: Calibration, tolerance_deg: float) -> bool:
    """Whether the camera roll is known to within ``tolerance_deg`` (about 95 %).

    A roll only assumed level, or measured without an accuracy, is not
    (:meth:`rom.calibration.Calibration.roll_bound_deg`).
    """
    bound = calibration.roll_bound_deg()
    return bound is not None and bound <= tolerance_deg


@dataclass(eq=False)
class Assessment:
    """A signal with its peak and every reason found so far; protocols add their own.

    Made by :func:`assess` only; a protocol then appends its own reasons and secondary
    values (:meth:`add_secondary`) before :func:`finish`.

    ``model_uncertainty`` is the value's error from a protocol's model of a point the pose
    model does not give (about 95 %, in the signal's unit; toe-touch: the fingertip placed
    one hand length from the wrist, and hands differ in length); 0 when there is none.

    ``tilt_uncertainty`` is the value's error from the camera roll (about 95 %, in the
    signal's unit): :func:`assess` sets it for a value to true vertical (one degree per
    degree of roll, :func:`rom.protocols.uncertainty.roll_error_deg`); a protocol whose
    value depends on the roll in another way sets its own; 0 for values that do not.
    """

    signal: Signal
    peak: sig.Peak | None
    scale: Scale | None
    reasons: list[str]
    quality_factors: dict[str, float]
    secondary: dict[str, float] = field(default_factory=dict)
    tilt_uncertainty: float = 0.0
    model_uncertainty: float = 0.0

    @property
    def index(self) -> int | None:
        """Track index of the measured moment, None without a peak."""
        return None if self.peak is None else self.peak.index

    @property
    def value(self) -> float | None:
        """The held peak value in the signal's unit, None without a peak."""
        return None if self.peak is None else float(self.peak.value)

    def add_secondary(self, name: str, value: float | None, digits: int = 2) -> None:
        """Store a finite secondary value, rounded; skip missing ones."""
        if value is not None and np.isfinite(value):
            self.secondary[name] = round(float(value), digits)


def assess(
    prep: PreparedTrack,
    signal: Signal,
    *,
    check_roll: bool = False,
    roll_tolerance_deg: float | None = None,
    scale: Scale | None = None,
) -> Assessment:
    """The step every protocol shares: peak -> camera roll -> scale reasons.

    Parameters
    ----------
    prep : PreparedTrack
    signal : Signal
    check_roll : bool
        Report ``not_levelled`` (advisory) when the camera roll is unknown; for tests whose
        value or checks refer to true vertical.
    roll_tolerance_deg : float, optional
        For a value measured *to true vertical*: every degree of unknown camera roll is a
        degree of error, so the value is invalid (``tilt_unknown``) unless the roll is
        known within this (:func:`roll_within`).
    scale : Scale, optional
        The scale the protocol uses (:func:`rom.protocols.scale.resolve_scale`); its
        reasons are added unless the signal already reported them, and it is kept on the
        assessment.

    Returns
    -------
    Assessment
        Reasons in order: the signal's, the peak's (:func:`find_peak`), ``not_levelled``,
        the scale's.
    """
    found = find_peak(
        prep, signal.values, signal.required, signal.mode, signal.reasons,
        signal.side_on_max_ratio, signal.max_world_yaw_deg, signal.world_yaw_at_rest,
    )
    reasons = [*signal.reasons, *found.reasons]
    if check_roll and not roll_known(prep.calibration):
        reasons.append("not_levelled")
    if roll_tolerance_deg is not None and not roll_within(prep.calibration, roll_tolerance_deg):
        reasons.append("tilt_unknown")
    if scale is not None:
        reasons.extend(r for r in scale.reasons if r not in reasons)
    if found.peak is not None and implausible_pose(prep, signal.side, found.peak):
        reasons.append("implausible_pose")
    tilt = (
        uncertainty.roll_error_deg(prep.calibration) if roll_tolerance_deg is not None else 0.0
    )
    return Assessment(
        signal, found.peak, scale, reasons, dict(found.quality_factors), tilt_uncertainty=tilt
    )


def precision_factor(value_uncertainty: float | None, unit: str) -> float | None:
    """The quality factor of a value's own uncertainty: ``1 - 0.5 * (u / tolerance)**2``.

    1 for a value that did not waver, 0.5 when its 95 % uncertainty ``u`` reaches rom's
    reliability tolerance (:data:`rom.protocols.uncertainty.RELIABILITY_TOLERANCE`, where
    ``too_uncertain`` invalidates it), 0 at 1.4 times it: the same shape as ``side_on``.
    None (no factor) when the uncertainty or the unit's tolerance is unknown.
    """
    tolerance = uncertainty.RELIABILITY_TOLERANCE.get(unit)
    if value_uncertainty is None or tolerance is None or not np.isfinite(value_uncertainty):
        return None
    return float(np.clip(1.0 - 0.5 * (value_uncertainty / tolerance) ** 2, 0.0, 1.0))


def quality_score(reasons: Sequence[str], factors: dict[str, float]) -> float:
    """Quality in 0..1: product of the factors, 0.9 per advisory reason, at most 0.3 if invalid.

    Factors: ``visibility`` (median visibility of the measured landmarks in the peak window,
    0.3 -> 0, 0.8 -> 1), ``side_on`` (1 when perfectly side-on, 0.5 at the ``not_side_on``
    threshold), ``coverage`` (share of detected frames with a valid value, full at 80 %),
    ``precision`` (:func:`precision_factor`: 1 for a steady value, 0.5 when its uncertainty
    reaches the tolerance).

    How it is kept monotone with the error: every factor and every reason is evidence of
    error that only lowers the score as it grows (a worse view, less visibility, fewer
    frames, a wavering value, each advisory doubt), nothing raises it, and any reason that
    breaks rom's promise caps it at 0.3.  It is not fitted to
    the benchmark; ``benchmarks/reliability.py`` prints the score against the error (bins
    and Kendall's tau) so that its monotonicity is checked, not assumed.
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
    """The provenance dict of a measurement (settings serialised as JSON).

    ``settings`` is the record of every setting the value was measured with, for people
    and audits; nothing in rom reads it back (the roll and scale used travel typed, as
    :attr:`rom.measurement.Measurement.calibration`).
    """
    track = prep.track
    cal = prep.calibration
    settings = {
        "analysis": track.settings,
        "measurement": asdict(prep.settings),
        "calibration": {
            "roll_deg": cal.roll_deg,
            "roll_source": cal.roll_source,
            "roll_uncertainty_deg": cal.roll_uncertainty_deg,
            "marker_rejection": cal.marker_rejection,
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
        "rom_version": __version__,
    }


def value_at(values: FloatArray, index: int | None) -> float | None:
    """``values[index]`` as a float, or None when the index is None or the value NaN."""
    if index is None:
        return None
    v = float(values[index])
    return v if np.isfinite(v) else None


def calibration_used(prep: PreparedTrack, scale: Scale | None) -> CalibrationUsed:
    """The roll of the track's calibration and the scale the protocol chose, as measured.

    ``scale`` is the assessment's (None for a protocol that uses no scale): its
    ``cm_per_px`` and ``source`` are recorded, not the calibration's, because
    :func:`rom.protocols.scale.resolve_scale` may have preferred the stated height.
    """
    cal = prep.calibration
    cm_per_px = scale.cm_per_px if scale is not None else None
    return CalibrationUsed(
        roll_deg=float(cal.roll_deg),
        roll_source=cal.roll_source,
        roll_uncertainty_deg=cal.roll_bound_deg(),
        cm_per_px=cm_per_px,
        scale_source=scale.source if scale is not None and cm_per_px is not None else None,
        marker_rejection=cal.marker_rejection,
    )


def measured_uncertainty(prep: PreparedTrack, a: Assessment, digits: int) -> float | None:
    """The assessment's value uncertainty (about 95 %, in its unit), rounded; None without
    a value or when a part of it is unknown
    (:func:`rom.protocols.uncertainty.value_uncertainty`)."""
    value, peak = a.value, a.peak
    if value is None or peak is None:
        return None
    signal = a.signal
    spread = uncertainty.held_peak_uncertainty(
        prep.time_s, signal.values, signal.raw_values, peak, prep.settings.cutoff_hz
    )
    used = a.scale.source if a.scale is not None and a.scale.cm_per_px is not None else None
    spread = uncertainty.combined(spread, a.model_uncertainty)
    total = uncertainty.value_uncertainty(
        value, signal.unit, spread, tilt=a.tilt_uncertainty, scale_source=used
    )
    return round(total, digits) if np.isfinite(total) else None


def value_digits(unit: str) -> int:
    """Decimals a value in ``unit`` is rounded to (a fraction of height needs four)."""
    return 4 if unit == "fraction_of_height" else 2


def judged_reasons(
    reasons: Sequence[str], value_uncertainty: float | None, unit: str
) -> tuple[str, ...]:
    """``reasons`` (unique, order kept) with ``too_uncertain`` added when the value's
    uncertainty exceeds rom's reliability tolerance
    (:func:`rom.protocols.uncertainty.exceeds_tolerance`)."""
    found = list(reasons)
    if uncertainty.exceeds_tolerance(value_uncertainty, unit):
        found.append("too_uncertain")
    return tuple(dict.fromkeys(found))


def finish(prep: PreparedTrack, a: Assessment, extra: dict[str, object]) -> TrialResult:
    """Turn an assessment into the contract's :class:`TrialResult`.

    The measurement carries its uncertainty (:func:`measured_uncertainty`) and the roll and
    scale it was measured with (:func:`calibration_used`).  A value whose uncertainty is
    wider than rom's reliability tolerance
    (:func:`rom.protocols.uncertainty.exceeds_tolerance`: 5 deg, 3 cm) gets
    ``too_uncertain`` (invalid): it cannot keep the promise a reliable value makes.
    """
    value = a.value
    signal = a.signal
    digits = value_digits(signal.unit)
    value_uncertainty = measured_uncertainty(prep, a, digits)
    reasons = judged_reasons(a.reasons, value_uncertainty, signal.unit)
    reliable = value is not None and not any(r in INVALIDATING_REASONS for r in reasons)
    factors = dict(a.quality_factors)
    precision = precision_factor(value_uncertainty, signal.unit)
    if precision is not None and factors:  # no peak factors: no value to grade
        factors["precision"] = precision
    quality = 0.0 if value is None else quality_score(reasons, factors)
    peak_index = a.index
    measurement = Measurement(
        test=signal.test,
        side=signal.side,
        value=None if value is None else round(value, digits),
        unit=signal.unit,
        quality=quality,
        reliable=reliable,
        reasons=reasons,
        peak_time_s=None if peak_index is None else float(prep.time_s[peak_index]),
        peak_frame=peak_index,
        secondary=dict(a.secondary),
        provenance=provenance(prep, extra),
        uncertainty=value_uncertainty,
        calibration=calibration_used(prep, a.scale),
    )
    return TrialResult(
        measurement=measurement,
        time_s=np.asarray(prep.time_s, dtype=np.float64),
        values=np.asarray(signal.values, dtype=np.float64),
        raw_values=np.asarray(signal.raw_values, dtype=np.float64),
        segments=signal.segments,
    )


def with_second_reading(result: TrialResult, second_value: float | None) -> TrialResult:
    """``result`` with a second, independent reading of its measured moment taken in.

    The second reading is the same moment measured again on the frames mirrored left to
    right (:func:`rom.pipeline.analyse_trial`): test-time flip augmentation, as pose
    estimators are commonly evaluated.  A model's error on an image is not its error on the
    mirror image, so:

    * the value becomes the mean of the two readings (both are kept as the secondaries
      ``reading_as_filmed_<unit>`` and ``reading_mirrored_<unit>``; the per-frame curve
      stays the one as filmed);
    * their difference ``d`` is evidence of how far the model can be off on this video,
      which the held peak's spread cannot show (a misplaced landmark may hold still).  It
      is added in quadrature to the 95 % uncertainty, whole: two readings cannot bound the
      error tighter.  A value whose uncertainty then exceeds the tolerance is
      ``too_uncertain`` (invalid), and the quality's precision factor follows the new
      uncertainty (:func:`precision_factor`).

    Without a value or a second reading (NaN or None), ``result`` is returned unchanged.
    """
    m = result.measurement
    if m.value is None or second_value is None or not np.isfinite(second_value):
        return result
    digits = value_digits(m.unit)
    first, second = float(m.value), float(second_value)
    before = m.uncertainty
    after = round(uncertainty.combined(before or 0.0, abs(first - second)), digits)
    reasons = judged_reasons(m.reasons, after, m.unit)
    reliable = m.reliable and not any(r in INVALIDATING_REASONS for r in reasons)
    old_factor = precision_factor(before, m.unit) if before is not None else 1.0
    new_factor = precision_factor(after, m.unit)
    quality = m.quality
    if new_factor is not None and old_factor:
        quality = quality * new_factor / old_factor
    if not reliable:
        quality = min(quality, 0.3)
    secondary = {
        **m.secondary,
        f"reading_as_filmed_{m.unit}": round(first, digits),
        f"reading_mirrored_{m.unit}": round(second, digits),
    }
    measurement = replace(
        m, value=round((first + second) / 2.0, digits), uncertainty=after,
        reasons=reasons, reliable=reliable,
        quality=round(float(np.clip(quality, 0.0, 1.0)), 3), secondary=secondary,
    )
    return replace(result, measurement=measurement)
