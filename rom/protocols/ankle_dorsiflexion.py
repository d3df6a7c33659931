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
    ``heel_lift`` (invalid) when, at the measured frame, the heel is higher than its floor
    level by more than 1.5 cm (if a scale is known) or else 7 % of the foot length (heel
    to toe, about 1.5 cm on an adult foot).  The heel's floor level is the 90th percentile
    of its image ``y`` over the trial, i.e. where it rests most of the time.  When the heel
    lifted, the highest inclination held *with the heel down* is still given as
    ``tibial_inclination_heel_down_deg``.  Also the common reasons of
    :func:`rom.protocols.base.find_peak`; ``not_levelled`` (advisory) when the camera roll
    is unknown.

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

from rom import geometry
from rom import signal as sig
from rom.landmarks import sided
from rom.measurement import TrialResult
from rom.protocols import base

TEST = "ankle-dorsiflexion"
HEEL_LIFT_CM = 1.5
HEEL_LIFT_FOOT_FRACTION = 0.07


def front_leg(prep: base.PreparedTrack) -> str:
    """The leg whose ankle is in front of the other, else the one nearer the camera."""
    ahead = geometry.forward_offset(
        prep.point("ANKLE", "left"), prep.point("ANKLE", "right"), prep.facing
    )
    foot = np.concatenate(
        [geometry.distance(prep.point("HEEL", s), prep.point("FOOT_INDEX", s)) for s in base.SIDES]
    )
    median_ahead = base.finite_median(ahead)
    foot_len = base.finite_median(foot)
    if np.isfinite(median_ahead) and np.isfinite(foot_len) and abs(median_ahead) > 0.25 * foot_len:
        return "left" if median_ahead > 0 else "right"
    return base.nearer_side(prep)


def measure(prep: base.PreparedTrack, side: str | None, height_cm: float | None) -> TrialResult:
    """Measure ankle dorsiflexion (see module docstring)."""
    side = side or front_leg(prep)

    def inclination(raw: bool) -> np.ndarray:
        return geometry.inclination_from_vertical_deg(
            prep.point("ANKLE", side, raw), prep.point("KNEE", side, raw), prep.facing
        )

    a = base.Assessment(
        test=TEST,
        side=side,
        unit="deg",
        values=inclination(False),
        raw_values=inclination(True),
        required=base.landmark_indices(side, ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX")),
        segments=(
            (int(sided(side, "KNEE")), int(sided(side, "ANKLE"))),
            (int(sided(side, "HEEL")), int(sided(side, "FOOT_INDEX"))),
        ),
    )
    base.find_peak(prep, a)
    if not base.roll_known(prep.calibration):
        a.reasons.append("not_levelled")
    scale = base.resolve_scale(prep, height_cm)
    cm_per_px = scale.cm_per_px
    a.reasons.extend(scale.reasons)
    if a.peak is not None:
        i = a.peak.index
        knee = prep.point("KNEE", side)
        ankle = prep.point("ANKLE", side)
        heel = prep.point("HEEL", side)
        toe = prep.point("FOOT_INDEX", side)
        foot_len = base.finite_median(geometry.distance(heel, toe))
        heel_floor_y = (
            float(np.nanpercentile(heel[:, 1], 90)) if np.isfinite(heel[:, 1]).any() else np.nan
        )
        heel_rise_px = geometry.height_above(heel, heel_floor_y)
        rise = float(heel_rise_px[i])
        if cm_per_px is not None:
            threshold_px = HEEL_LIFT_CM / cm_per_px
            base.add_secondary(a, "heel_rise_cm", rise * cm_per_px)
        else:
            threshold_px = HEEL_LIFT_FOOT_FRACTION * foot_len
        if np.isfinite(foot_len) and foot_len > 0:
            base.add_secondary(a, "heel_rise_foot_lengths", rise / foot_len, 3)
        if np.isfinite(rise) and np.isfinite(threshold_px) and rise > threshold_px:
            a.reasons.append("heel_lift")
            heel_down = np.where(heel_rise_px <= threshold_px, a.values, np.nan)
            down_peak = sig.robust_peak(prep.time_s, heel_down, prep.settings.min_hold_s)
            if down_peak is not None:
                base.add_secondary(a, "tibial_inclination_heel_down_deg", down_peak.value)
        base.add_secondary(
            a,
            "shank_foot_angle_deg",
            float(geometry.angle_between_deg(knee[i] - ankle[i], toe[i] - heel[i])),
        )
        beyond_px = float(geometry.forward_offset(knee[i], toe[i], prep.facing))
        if cm_per_px is not None:
            base.add_secondary(a, "knee_beyond_toe_cm", beyond_px * cm_per_px)
        if np.isfinite(foot_len) and foot_len > 0:
            base.add_secondary(a, "knee_beyond_toe_foot_lengths", beyond_px / foot_len, 3)
    return base.finish(
        prep, a, {"test": TEST, "scale_source": scale.source, "height_cm": height_cm}
    )
