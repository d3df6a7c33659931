"""Toe-touch: standing forward bend with straight knees (fingertip-to-floor), side-on.

Landmarks and segments
    Index finger (``INDEX``, MediaPipe's index fingertip proxy) of the measured side; the
    heels and toes (``FOOT_INDEX``) of both feet for the floor level; eyes for the
    person's height; shoulders, hips, knee and ankle for the secondary angles.

Primary value: fingertip-to-floor distance
    Vertical distance from the fingertip to the floor level, in true vertical (levelled
    image).  Positive = fingertip above the floor; **negative = past the floor level**
    (e.g. when standing on a step), as clinicians record it.  The floor level is the
    median, over the standing frames before the bend, of the lowest heel or toe landmark
    of either foot; standing frames are those before the trunk first passes 45 deg of
    flexion in which it is within 20 deg of vertical (all frames if there are none: the
    feet do not move in this test).

    Units: ``cm`` when ``calibration.cm_per_px`` is known or ``height_cm`` is given (scale
    = height / standing stature in pixels, stature = eye-to-floor height / 0.936,
    :data:`rom.geometry.EYE_HEIGHT_FRACTION_OF_STATURE`, from frames where the person stands
    upright); otherwise ``fraction_of_height`` (distance / standing stature in pixels),
    with the advisory reason ``no_scale``.

Side
    ``side="auto"``: the side nearer the camera (its hand is not hidden by the body).

Phase measured
    The lowest fingertip level held for ``min_hold_s`` (default 0.3 s).

Validity
    ``knees_bent`` (invalid) when the knee of the measured side is flexed more than 15 deg
    at the measured moment.  The common reasons, ``not_levelled`` (advisory).  No value
    when the person's standing height cannot be seen and no scale is known.

Secondary values
    ``trunk_flexion_deg`` (trunk line hip midpoint -> shoulder midpoint from true vertical,
    + = forward), ``hip_flexion_deg`` (thigh against the trunk line, + = flexion),
    ``knee_flexion_deg``, and ``fingertip_to_floor_fraction_of_height`` alongside a
    value in cm.
"""

from __future__ import annotations

import numpy as np

from rom.landmarks import sided
from rom.measurement import TrialResult
from rom.protocols import base

TEST = "toe-touch"
MAX_KNEE_FLEXION_DEG = 15.0
STANDING_TRUNK_DEG = 20.0
BEND_STARTED_DEG = 45.0


def floor_level_y(prep: base.PreparedTrack) -> float:
    """Image ``y`` of the floor under the standing feet (levelled pixels), NaN if unknown."""
    trunk = base.trunk_inclination_deg(prep)
    feet = base.feet_lowest_y(prep)
    bent = np.flatnonzero(trunk >= BEND_STARTED_DEG)
    before = np.arange(len(trunk)) < (bent[0] if bent.size else len(trunk))
    standing = before & (np.abs(trunk) < STANDING_TRUNK_DEG) & np.isfinite(feet)
    if standing.any():
        return float(np.median(feet[standing]))
    return base._nanmedian(feet)


def measure(prep: base.PreparedTrack, side: str | None, height_cm: float | None) -> TrialResult:
    """Measure fingertip-to-floor distance (see module docstring)."""
    side = side or base.nearer_side(prep)
    floor_y = floor_level_y(prep)
    cm_per_px, scale_source = base.resolve_scale(prep, height_cm)
    stature = base.standing_stature_px(prep)
    reasons: list[str] = []
    if cm_per_px is not None:
        unit, per_px = "cm", cm_per_px
    else:
        unit = "fraction_of_height"
        per_px = 1.0 / stature if np.isfinite(stature) and stature > 0 else float("nan")
        reasons.append("no_scale")
        if not np.isfinite(per_px):
            reasons.append("no_height_reference")

    def reach(raw: bool) -> np.ndarray:
        return (floor_y - prep.point("INDEX", side, raw)[:, 1]) * per_px

    a = base.Assessment(
        test=TEST,
        side=side,
        unit=unit,
        values=reach(False),
        raw_values=reach(True),
        required=base.landmark_indices(
            side, ("INDEX", "HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX")
        ),
        segments=(
            (
                int(sided(side, "SHOULDER")),
                int(sided(side, "HIP")),
                int(sided(side, "KNEE")),
                int(sided(side, "ANKLE")),
            ),
            (
                int(sided(side, "SHOULDER")),
                int(sided(side, "ELBOW")),
                int(sided(side, "WRIST")),
                int(sided(side, "INDEX")),
            ),
        ),
        mode="min",
        reasons=reasons,
    )
    base.find_peak(prep, a)
    if not base.roll_known(prep.calibration):
        a.reasons.append("not_levelled")
    if a.peak is not None:
        i = a.peak.index
        knee = base.value_at(base.knee_flexion_signal(prep, side), i)
        if knee is not None and knee > MAX_KNEE_FLEXION_DEG:
            a.reasons.append("knees_bent")
        base.add_secondary(a, "knee_flexion_deg", knee)
        base.add_secondary(
            a, "trunk_flexion_deg", base.value_at(base.trunk_inclination_deg(prep), i)
        )
        base.add_secondary(
            a, "hip_flexion_deg", base.value_at(base.hip_flexion_signal(prep, side), i)
        )
        if cm_per_px is not None and np.isfinite(stature) and stature > 0:
            base.add_secondary(
                a, "fingertip_to_floor_fraction_of_height", a.peak.value / cm_per_px / stature, 4
            )
    return base.finish(
        prep,
        a,
        {"test": TEST, "scale_source": scale_source, "height_cm": height_cm, "floor_y_px": floor_y},
    )
