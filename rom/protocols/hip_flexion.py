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
    The common reasons of :func:`rom.protocols.assessment.assess`.  The movement must
    bring the measured thigh forward of the trunk line past :data:`SIGNATURE`'s 20 deg
    (``not_this_test``), or ``other_leg_moved`` when only the other thigh does.

Secondary values
    ``thigh_from_vertical_deg`` (+ = knee in front of the hip), ``trunk_inclination_deg``
    (+ = forward), ``knee_flexion_deg``.
"""

from __future__ import annotations

from rom import geometry
from rom.measurement import TrialResult
from rom.protocols.assessment import Signal, assess, finish, value_at
from rom.protocols.body import (
    hip_flexion_signal,
    knee_flexion_signal,
    landmark_indices,
    peak_of,
    side_with_larger_peak,
    trunk_inclination_deg,
)
from rom.protocols.conformance import MovementSignature, leg_to_report
from rom.protocols.prepare import PreparedTrack
from rom.protocols.spec import MinimalDetectableChange, TestSpec
from rom.vocabulary import Side, TestName, other_side

TEST: TestName = "hip-flexion"
#: Largest shoulder-separation / torso-length ratio of a side view for this test (``not_side_on``
#: beyond it).  From the yaw -> error map on true landmarks (``benchmarks/yaw_map.md``, made by
#: ``benchmarks/yaw_error.py``), the ratio at which the camera's turn away from side-on makes the
#: projection error reach 2 deg; for hip flexion, not mapped: taken from hip extension, whose
#: thigh-to-trunk angle it mirrors.
SIDE_ON_MAX_RATIO = 0.12
#: Largest turn of the camera from side-on that the pose model's 3-D shoulders may show,
#: degrees (``not_side_on`` beyond it).  The model's guess reads 1-5 deg on side-on clips
#: and tracks a camera swung towards the person's front (but hardly one swung behind),
#: so it is a second check, not a replacement for the image ratio.
MAX_WORLD_YAW_DEG = 10.0
SIDE_DIFFERENCE_DEG = 10.0
#: What a hip-flexion test shows: the thigh held forward of the trunk line past 20 deg
#: (standing reads about 0; a lunge's front leg or a knee lift reaches 60-120 deg).
SIGNATURE = MovementSignature(20.0, "the measured thigh comes forward past 20 degrees")


def flexing_leg(prep: PreparedTrack) -> Side:
    """The leg with clearly more peak hip flexion, else the leg nearer the camera."""
    return side_with_larger_peak(prep, hip_flexion_signal, SIDE_DIFFERENCE_DEG)


def measure(prep: PreparedTrack, side: Side | None, height_cm: float | None) -> TrialResult:
    """Measure hip flexion (see module docstring)."""
    side = side or flexing_leg(prep)
    signal = Signal(
        test=TEST,
        side=side,
        unit=SPEC.unit,
        values=hip_flexion_signal(prep, side),
        raw_values=hip_flexion_signal(prep, side, raw=True),
        required=tuple(
            landmark_indices(
                side, ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP", "KNEE")
            )
        ),
        segments=SPEC.segments(side),
        side_on_max_ratio=SIDE_ON_MAX_RATIO,
        max_world_yaw_deg=MAX_WORLD_YAW_DEG,
    )
    a = assess(prep, signal)
    if a.peak is not None:
        i = a.peak.index
        other = peak_of(prep, hip_flexion_signal(prep, other_side(side)))
        verdict = leg_to_report(SIGNATURE, a.peak.value, other)
        if verdict is not None:
            a.reasons.append(verdict)
        thigh = geometry.thigh_from_vertical_deg(
            prep.point("HIP", side), prep.point("KNEE", side), prep.facing
        )
        a.add_secondary("thigh_from_vertical_deg", value_at(thigh, i))
        a.add_secondary("trunk_inclination_deg", value_at(trunk_inclination_deg(prep), i))
        a.add_secondary("knee_flexion_deg", value_at(knee_flexion_signal(prep, side), i))
    return finish(prep, a, {"test": TEST, "height_cm": height_cm})


SPEC = TestSpec(
    name=TEST,
    # Hip flexion measured as thigh-to-trunk in a standing video: no matching published
    # MDC95 was found; none is claimed.
    mdc=MinimalDetectableChange(
        TEST, None, "deg", "not established for a thigh-to-trunk video angle"
    ),
    unit="deg",
    higher_is_better=True,
    chains=(("SHOULDER", "HIP", "KNEE"),),
    # Hips flex to ~120 deg; a forward bend adds the spine's flexion along the trunk line.
    valid_range=(-60.0, 180.0),
    measure=measure,
)
