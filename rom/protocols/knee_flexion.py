"""Knee flexion: quad stretch (standing or prone, heel pulled towards the buttock), side-on.

Landmarks and segments
    Hip, knee and ankle of the measured leg (thigh hip -> knee, shank knee -> ankle);
    heel for the heel-to-buttock proxy; shoulders for the secondary hip angle.

Primary value: knee flexion, degrees
    ``180 - angle(hip, knee, ankle)``.  0 deg = straight leg; positive = flexion (heel
    towards the buttock), up to about 160 deg.  It is an included angle, so it does not
    depend on camera roll or on whether the person stands or lies prone.

Side
    ``side="auto"`` takes the moving leg: the leg with the larger held peak flexion, if it
    exceeds the other's by more than 15 deg; otherwise the leg nearer the camera.

Phase measured
    Peak flexion held for ``min_hold_s`` (default 0.3 s).

Validity
    The common reasons of :func:`rom.protocols.base.find_peak` (visibility, side-on,
    out of frame, too few frames).  MediaPipe under-reads deep flexion when a hand covers
    the foot (see ``shared/notes/synthetic-bodies.md``); that bias is not corrected here.

Secondary values
    ``heel_to_hip_cm`` — distance from the heel landmark to the hip landmark at the peak,
    when a scale is known.  The hip *joint centre* stands in for the buttock, so this is
    larger than a tape-measured heel-to-buttock distance by roughly the buttock's depth.
    ``hip_flexion_deg`` — thigh against the trunk line (+ = flexion, - = extension): a
    flexed hip slackens the quadriceps and makes the stretch easier.
"""

from __future__ import annotations

import numpy as np

from rom import geometry
from rom.landmarks import sided
from rom.measurement import TrialResult
from rom.protocols import base

TEST = "knee-flexion"
SIDE_DIFFERENCE_DEG = 15.0


def moving_leg(prep: base.PreparedTrack) -> str:
    """The leg with clearly more peak knee flexion, else the leg nearer the camera."""
    peaks = {s: base.peak_of(prep, base.knee_flexion_signal(prep, s)) for s in base.SIDES}
    if (
        all(np.isfinite(v) for v in peaks.values())
        and abs(peaks["left"] - peaks["right"]) > SIDE_DIFFERENCE_DEG
    ):
        return max(peaks, key=lambda s: peaks[s])
    return base.nearer_side(prep)


def measure(prep: base.PreparedTrack, side: str | None, height_cm: float | None) -> TrialResult:
    """Measure knee flexion (see module docstring)."""
    side = side or moving_leg(prep)
    a = base.Assessment(
        test=TEST,
        side=side,
        unit="deg",
        values=base.knee_flexion_signal(prep, side),
        raw_values=base.knee_flexion_signal(prep, side, raw=True),
        required=base.landmark_indices(side, ("HIP", "KNEE", "ANKLE")),
        segments=((int(sided(side, "HIP")), int(sided(side, "KNEE")), int(sided(side, "ANKLE"))),),
    )
    base.find_peak(prep, a)
    cm_per_px, scale_source = base.resolve_scale(prep, height_cm)
    if a.peak is not None:
        i = a.peak.index
        heel_hip_px = float(
            geometry.distance(prep.point("HEEL", side)[i], prep.point("HIP", side)[i])
        )
        if cm_per_px is not None:
            base.add_secondary(a, "heel_to_hip_cm", heel_hip_px * cm_per_px)
        base.add_secondary(
            a, "hip_flexion_deg", base.value_at(base.hip_flexion_signal(prep, side), i)
        )
    return base.finish(
        prep, a, {"test": TEST, "scale_source": scale_source, "height_cm": height_cm}
    )
