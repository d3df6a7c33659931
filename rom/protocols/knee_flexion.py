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
    out of frame, too few frames).  ``deep_flexion_underread`` (advisory, lowers the
    quality but keeps the value valid) when the measured peak is at least
    :data:`DEEP_FLEXION_DEG`: MediaPipe is known to under-read deep knee flexion (see
    ``shared/notes/synthetic-bodies.md``), so the true flexion is likely larger, by
    roughly 5-15 deg.  The bias is not corrected: its size varies from body to body and
    clip to clip.  The hand holding the foot does not disturb the ankle landmark much
    (within ~10 px on the synthetic clips) but moves the heel landmark by up to ~25 px,
    so ``heel_to_hip_cm`` is less certain than the angle.

Secondary values
    ``heel_to_hip_cm`` — distance from the heel landmark to the hip landmark at the peak,
    when a scale is known.  The hip *joint centre* stands in for the buttock, so this is
    larger than a tape-measured heel-to-buttock distance by roughly the buttock's depth.
    ``hip_flexion_deg`` — thigh against the trunk line (+ = flexion, - = extension): a
    flexed hip slackens the quadriceps and makes the stretch easier.
"""

from __future__ import annotations

from rom import geometry
from rom.landmarks import sided
from rom.measurement import TrialResult
from rom.protocols import base

TEST = "knee-flexion"
SIDE_DIFFERENCE_DEG = 15.0
#: Measured flexion from which ``deep_flexion_underread`` is reported.  In a 0-130 deg
#: sweep on synthetic bodies MediaPipe under-read knee flexion by 5.4 deg on average and by
#: up to 15 deg near 130 deg (shared/notes/synthetic-bodies.md); on the synthetic
#: quad-stretch clips it under-read by 4-10 deg at peaks of 120-132 deg, with the knee
#: landmark pulled up to ~30 px towards the thigh.  110 deg measured is about 115 deg
#: true, where the largest errors were seen.  Deeply folded, the thigh and calf overlap
#: and the joint centre is hard to see, which no geometry can undo.
DEEP_FLEXION_DEG = 110.0


def moving_leg(prep: base.PreparedTrack) -> str:
    """The leg with clearly more peak knee flexion, else the leg nearer the camera."""
    return base.side_with_larger_peak(prep, base.knee_flexion_signal, SIDE_DIFFERENCE_DEG)


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
    scale = base.resolve_scale(prep, height_cm)
    cm_per_px = scale.cm_per_px
    a.reasons.extend(scale.reasons)
    if a.peak is not None:
        i = a.peak.index
        if a.peak.value >= DEEP_FLEXION_DEG:
            a.reasons.append("deep_flexion_underread")
        heel_hip_px = float(
            geometry.distance(prep.point("HEEL", side)[i], prep.point("HIP", side)[i])
        )
        if cm_per_px is not None:
            base.add_secondary(a, "heel_to_hip_cm", heel_hip_px * cm_per_px)
        base.add_secondary(
            a, "hip_flexion_deg", base.value_at(base.hip_flexion_signal(prep, side), i)
        )
    return base.finish(
        prep, a, {"test": TEST, "scale_source": scale.source, "height_cm": height_cm}
    )
