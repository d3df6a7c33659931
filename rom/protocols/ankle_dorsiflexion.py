"""Ankle dorsiflexion: knee-to-wall / weight-bearing lunge test, filmed side-on.

Landmarks and segments
    Knee, ankle, heel and toe (``FOOT_INDEX``) of the measured (front) leg.  The shank is
    the ankle -> knee segment; the foot is heel -> toe.

Primary value: tibial inclination, degrees
    Angle of the shank from **true** vertical (image points are levelled with the
    calibration's roll first).  0 deg = shank vertical (knee straight above the ankle);
    positive = knee forward of the ankle, towards the toes (dorsiflexion); negative = knee
    behind the ankle.  This is the inclinometer-on-the-tibia reading of the weight-bearing
    lunge test.

Side
    ``side="auto"`` takes the front leg of the lunge: the leg whose ankle is, over the
    trial, in front of the other ankle (in the direction the person faces).  When the feet
    are level (less than a quarter foot length apart) the leg nearer the camera is taken.

Phase measured
    The maximum forward knee travel: the highest inclination held for ``min_hold_s``
    (default 0.3 s) by the smoothed signal (:func:`rom.signal.robust_peak`).

Validity
    ``heel_lift`` (invalid) when, at the measured frame, the heel is higher than its
    floor level by more than 1.5 cm (if a scale is known) or else 7 % of the foot length
    (heel to toe, about 1.5 cm on an adult foot), **and the ankle rose with it** by more
    than :data:`ANKLE_RISE_PER_HEEL_RISE` of that limit (:func:`heel_lifted`).  A floor
    level is the 90th percentile of the point's image ``y`` over the trial, i.e. where
    it rests most of the time.  When the heel lifted, the highest inclination held *with
    the heel down* is still given as ``tibial_inclination_heel_down_deg``.
    ``tilt_unknown`` (invalid) unless the camera roll is known within
    :data:`ROLL_TOLERANCE_DEG`: the value is an angle to true vertical, so every degree
    of unknown roll is a degree of error.  The movement must be a knee-to-wall lunge
    (``not_this_test`` otherwise): the front shin held tilted forward past
    :data:`SIGNATURE`'s 10 deg, and the front foot planted (its toe moving less than half
    a foot length in the second before the peak); ``other_leg_moved`` when the measured
    leg is the rear one (its ankle a foot length or more behind the other).  Also the
    common reasons of :func:`rom.protocols.assessment.assess`.

Secondary values
    ``shank_foot_angle_deg`` — angle between ankle->knee and heel->toe (about 90 when
    standing, smaller with dorsiflexion; MediaPipe's heel sits high, biasing it by about
    -5 deg, which is why it is not the primary value).
    ``knee_beyond_toe_cm`` — horizontal distance of the knee joint centre in front of the
    toe tip (negative = behind), when a scale is known.  This is **not** the clinical
    knee-to-wall distance: the wall is not a landmark, and the knee landmark is the joint
    centre, not the front of the knee.  Without a scale it is given in foot lengths as
    ``knee_beyond_toe_foot_lengths``.  ``heel_rise_cm`` / ``heel_rise_foot_lengths``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rom import geometry
from rom import signal as sig
from rom.measurement import TrialResult
from rom.protocols.assessment import Signal, assess, finish
from rom.protocols.body import foot_length_px, landmark_indices, nearer_side
from rom.protocols.conformance import MovementSignature, stays_planted
from rom.protocols.prepare import FloatArray, PreparedTrack, finite_median
from rom.protocols.scale import resolve_scale
from rom.protocols.spec import MinimalDetectableChange, TestSpec
from rom.vocabulary import Side, TestName, other_side

TEST: TestName = "ankle-dorsiflexion"
#: Largest shoulder-separation / torso-length ratio of a side view for this test (``not_side_on``
#: beyond it).  From the yaw -> error map on true landmarks (``benchmarks/yaw_map.md``, made by
#: ``benchmarks/yaw_error.py``), the ratio at which the camera's turn away from side-on makes the
#: projection error reach 2 deg; for ankle dorsiflexion: at yaw -5 deg the ratio is 0.11 and the
#: error up to 2.5 deg; yaw 0 views read 0.05-0.10.
SIDE_ON_MAX_RATIO = 0.11
#: Largest turn of the camera from side-on that the pose model's 3-D shoulders may show,
#: degrees (``not_side_on`` beyond it).  The model's guess reads 1-5 deg on side-on clips
#: and tracks a camera swung towards the person's front (but hardly one swung behind),
#: so it is a second check, not a replacement for the image ratio.
MAX_WORLD_YAW_DEG = 10.0
HEEL_LIFT_CM = 1.5
HEEL_LIFT_FOOT_FRACTION = 0.07
#: How far the ankle joint rises for each unit of heel rise when the heel comes up.  The
#: foot is a rigid lever pivoting about the ball of the foot (the metatarsal heads, about
#: three quarters of the foot length ahead of the heel's back) and the ankle joint sits
#: about a fifth of the foot length ahead of the heel, so it rises by about
#: (0.75 - 0.2) / 0.75 = 0.7 of the heel's rise; with the heel planted it does not move
#: at all, whatever the shin does.  The pose model's *heel* point, by contrast, creeps up
#: the back of the heel as the shin tilts: on synthetic knee-to-wall lunges with the heel
#: flat it rose 1.4-2.6 cm (5-14 % of the foot) while the ankle point rose under 0.8 cm
#: (make_set --pairs 8, seeds 77, 303, 505), so the heel alone flagged one good lunge in
#: two.
ANKLE_RISE_PER_HEEL_RISE = 0.7
#: The camera roll must be known within this many degrees (about 95 %) for the tibial
#: inclination to be reliable: an inclinometer phone app, the clinical reference, agrees
#: with video within about -1.8 to +1.5 deg (limits of agreement), so rom's own error
#: budget for the vertical must be no larger.
ROLL_TOLERANCE_DEG = 1.5
#: What a knee-to-wall lunge shows: the front shin held tilted forward past 10 deg.
#: Standing reads 0-5 deg; the stiffest ankles in the weight-bearing lunge still reach
#: about 20 deg.
SIGNATURE = MovementSignature(10.0, "the front shin tilts forward past 10 degrees")
#: Seconds before the peak over which the front foot must stay planted.
PLANTED_WINDOW_S = 1.0


def front_leg(prep: PreparedTrack) -> Side:
    """The leg whose ankle is in front of the other, else the one nearer the camera."""
    ahead = geometry.forward_offset(
        prep.point("ANKLE", "left"), prep.point("ANKLE", "right"), prep.facing
    )
    median_ahead = finite_median(ahead)
    foot_len = foot_length_px(prep)
    if np.isfinite(median_ahead) and np.isfinite(foot_len) and abs(median_ahead) > 0.25 * foot_len:
        return "left" if median_ahead > 0 else "right"
    return nearer_side(prep)


def rise_above_floor(points: FloatArray) -> FloatArray:
    """Height of image points above their floor level, px (T,); + = up, NaN where absent.

    The floor level is the 90th percentile of ``y`` over the trial (image ``y`` grows
    downwards): where the point rests most of the time.
    """
    y = points[:, 1]
    floor_y = float(np.nanpercentile(y, 90)) if np.isfinite(y).any() else np.nan
    return geometry.height_above(points, floor_y)


def heel_lifted(
    heel_rise_px: FloatArray, ankle_rise_px: FloatArray, limit_px: float
) -> NDArray[np.bool_]:
    """Frames where the heel is off the floor (T,): the heel point higher than ``limit_px``
    above its floor level and the ankle point higher than
    :data:`ANKLE_RISE_PER_HEEL_RISE` of it (a rigid foot lifts both; a heel point that
    creeps up alone is the pose model, see :data:`ANKLE_RISE_PER_HEEL_RISE`).  Absent
    points and an unknown limit are not a lift."""
    with np.errstate(invalid="ignore"):
        return (heel_rise_px > limit_px) & (ankle_rise_px > ANKLE_RISE_PER_HEEL_RISE * limit_px)


def measure(prep: PreparedTrack, side: Side | None, height_cm: float | None) -> TrialResult:
    """Measure ankle dorsiflexion (see module docstring)."""
    side = side or front_leg(prep)

    def inclination(raw: bool) -> np.ndarray:
        return geometry.inclination_from_vertical_deg(
            prep.point("ANKLE", side, raw), prep.point("KNEE", side, raw), prep.facing
        )

    signal = Signal(
        test=TEST,
        side=side,
        unit=SPEC.unit,
        values=inclination(False),
        raw_values=inclination(True),
        required=tuple(landmark_indices(side, ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX"))),
        segments=SPEC.segments(side),
        side_on_max_ratio=SIDE_ON_MAX_RATIO,
        max_world_yaw_deg=MAX_WORLD_YAW_DEG,
    )
    scale = resolve_scale(prep, height_cm)
    a = assess(prep, signal, roll_tolerance_deg=ROLL_TOLERANCE_DEG, scale=scale)
    cm_per_px = scale.cm_per_px
    if a.peak is not None:
        i = a.peak.index
        knee = prep.point("KNEE", side)
        ankle = prep.point("ANKLE", side)
        heel = prep.point("HEEL", side)
        toe = prep.point("FOOT_INDEX", side)
        foot_len = finite_median(geometry.distance(heel, toe))
        window = slice(a.peak.start, a.peak.stop)
        behind = finite_median(
            geometry.forward_offset(
                prep.point("ANKLE", other_side(side))[window], ankle[window], prep.facing
            )
        )
        t = prep.time_s
        before = np.flatnonzero(
            (t >= t[a.peak.start] - PLANTED_WINDOW_S) & (t < t[a.peak.stop - 1])
        )
        if np.isfinite(behind) and np.isfinite(foot_len) and behind > foot_len:
            # The other foot is a foot length in front: the measured leg is the rear one.
            a.reasons.append("other_leg_moved")
        elif not SIGNATURE.reached(a.peak.value) or not stays_planted(
            toe[:, 0], before, foot_len
        ):
            a.reasons.append("not_this_test")
        heel_rise_px = rise_above_floor(heel)
        rise = float(heel_rise_px[i])
        if cm_per_px is not None:
            threshold_px = HEEL_LIFT_CM / cm_per_px
            a.add_secondary("heel_rise_cm", rise * cm_per_px)
        else:
            threshold_px = HEEL_LIFT_FOOT_FRACTION * foot_len
        if np.isfinite(foot_len) and foot_len > 0:
            a.add_secondary("heel_rise_foot_lengths", rise / foot_len, 3)
        lifted = heel_lifted(heel_rise_px, rise_above_floor(ankle), threshold_px)
        if lifted[i]:
            a.reasons.append("heel_lift")
            heel_down = np.where(~lifted, signal.values, np.nan)
            down_peak = sig.robust_peak(prep.time_s, heel_down, prep.settings.min_hold_s)
            if down_peak is not None:
                a.add_secondary("tibial_inclination_heel_down_deg", down_peak.value)
        a.add_secondary(
            "shank_foot_angle_deg",
            float(geometry.angle_between_deg(knee[i] - ankle[i], toe[i] - heel[i])),
        )
        beyond_px = float(geometry.forward_offset(knee[i], toe[i], prep.facing))
        if cm_per_px is not None:
            a.add_secondary("knee_beyond_toe_cm", beyond_px * cm_per_px)
        if np.isfinite(foot_len) and foot_len > 0:
            a.add_secondary("knee_beyond_toe_foot_lengths", beyond_px / foot_len, 3)
    return finish(prep, a, {"test": TEST, "scale_source": scale.source, "height_cm": height_cm})


SPEC = TestSpec(
    name=TEST,
    # Weight-bearing lunge, angle of the tibia to vertical: average intra-clinician MDC
    # 4.7 deg (inter-clinician 4.6 deg; distance version 1.9 / 1.6 cm) from the systematic
    # review of 12 studies by Powden, Hoch & Hoch, Man Ther 2015;20(4):524-32,
    # doi:10.1016/j.math.2015.01.004.  The intra-clinician value fits repeated filming of the
    # same person with the same set-up.
    mdc=MinimalDetectableChange(
        TEST,
        4.7,
        "deg",
        "Powden CJ, Hoch JM, Hoch MC. Man Ther 2015;20(4):524-32 (WBLT, intra-clinician)",
    ),
    unit="deg",
    higher_is_better=True,
    chains=(("KNEE", "ANKLE"), ("HEEL", "FOOT_INDEX")),
    # Lunges reach 30-50 deg; beyond 80 deg forward or 45 deg back the shin lies flat.
    valid_range=(-45.0, 80.0),
    measure=measure,
)
