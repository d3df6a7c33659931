"""Hip flexion from the same side-on videos (lunge front leg, forward bend, knee lift).

Landmarks and segments
    Shoulders and hips of both sides (trunk line: shoulder midpoint -> hip midpoint),
    hip and knee of the measured leg (thigh: hip -> knee).

Primary value: hip flexion, degrees
    Angle of the thigh *in front of* the trunk line extended below the hips.  0 deg =
    thigh in line with the trunk (upright standing); positive = flexion (about 90 deg in a
    right-angled forward bend or with the thigh horizontal in front); negative = extension.
    An angle between two body segments: independent of camera roll.  In a forward bend it
    includes the spine's flexion as seen along the shoulder-hip line, so it reads higher
    than a goniometer on the pelvis would.

Side
    ``side="auto"`` takes the leg with the larger held peak flexion if it exceeds the
    other's by more than 10 deg (the front leg of a lunge, a lifted knee); otherwise
    the leg nearer the camera.

Phase measured
    Peak flexion held for ``min_hold_s`` (default 0.3 s).

Validity
    The common reasons of :func:`rom.protocols.base.find_peak`.

Secondary values
    ``thigh_from_vertical_deg`` (+ = knee in front of the hip), ``trunk_inclination_deg``
    (+ = forward), ``knee_flexion_deg``.
"""

from __future__ import annotations

from rom import geometry
from rom.landmarks import sided
from rom.measurement import TrialResult
from rom.protocols import base

TEST = "hip-flexion"
SIDE_DIFFERENCE_DEG = 10.0


def flexing_leg(prep: base.PreparedTrack) -> str:
    """The leg with clearly more peak hip flexion, else the leg nearer the camera."""
    return base.side_with_larger_peak(prep, base.hip_flexion_signal, SIDE_DIFFERENCE_DEG)


def measure(prep: base.PreparedTrack, side: str | None, height_cm: float | None) -> TrialResult:
    """Measure hip flexion (see module docstring)."""
    side = side or flexing_leg(prep)
    a = base.Assessment(
        test=TEST,
        side=side,
        unit="deg",
        values=base.hip_flexion_signal(prep, side),
        raw_values=base.hip_flexion_signal(prep, side, raw=True),
        required=base.landmark_indices(
            side, ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP", "KNEE")
        ),
        segments=(
            (int(sided(side, "SHOULDER")), int(sided(side, "HIP")), int(sided(side, "KNEE"))),
        ),
    )
    base.find_peak(prep, a)
    if a.peak is not None:
        i = a.peak.index
        thigh = geometry.thigh_from_vertical_deg(
            prep.point("HIP", side), prep.point("KNEE", side), prep.facing
        )
        base.add_secondary(a, "thigh_from_vertical_deg", base.value_at(thigh, i))
        base.add_secondary(
            a, "trunk_inclination_deg", base.value_at(base.trunk_inclination_deg(prep), i)
        )
        base.add_secondary(
            a, "knee_flexion_deg", base.value_at(base.knee_flexion_signal(prep, side), i)
        )
    return base.finish(prep, a, {"test": TEST, "height_cm": height_cm})
