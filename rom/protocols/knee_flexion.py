"""Knee flexion: quad stretch (standing or prone, heel pulled towards the buttock), side-on.

Landmarks and segments
    Hip, knee and ankle of the measured leg (thigh hip -> knee, shank knee -> ankle);
    heel for the heel-to-buttock proxy; shoulders for the secondary hip angle.

Primary value: knee flexion, degrees
    ``180 - angle(hip, knee, ankle)``.  0 deg = straight leg; positive = flexion (heel
    towards the buttock), up to about 160 deg.  It is an included angle, so it does not
    depend on camera roll or on whether the person stands or lies prone.

    The angle is computed from the **bones**, not from the knee landmark
    (:func:`knee_flexion_from_bones`): the law of cosines on the hip-to-ankle distance
    and the thigh's and shank's lengths in the steady (upright) frames.  A bone keeps its
    length, and seen from the side a leg bending in its own plane keeps its image length
    too; deeply folded, the thigh and calf overlap and MediaPipe pulls its knee point
    towards the thigh (on synthetic quad stretches it under-read the flexion by 5-15 deg,
    ``shared/notes/synthetic-bodies.md``), while the hip and the ankle stay well placed.
    Nothing here is fitted: it holds for any body whose leg bends in the plane facing the
    camera; a leg turned out of that plane shows as a length change
    (``implausible_pose``).  The landmark angle is kept as ``knee_angle_landmarks_deg``.

Side
    ``side="auto"`` takes the moving leg: the leg with the larger held peak flexion, if it
    exceeds the other's by more than 15 deg; otherwise the leg nearer the camera.

Phase measured
    Peak flexion held for ``min_hold_s`` (default 0.3 s).

Validity
    The common reasons of :func:`rom.protocols.assessment.assess` (visibility, side-on,
    out of frame, too few frames, an implausible pose, an incomplete movement, another
    person).  The movement must be a quad stretch (:data:`SIGNATURE`): the measured knee
    held past 60 deg while the other knee stays within :data:`OTHER_KNEE_MAX_DEG` of
    straight, else ``not_this_test`` — or ``other_leg_moved`` when it is the other knee
    that bends (a wrong side chosen).  ``deep_flexion_underread`` when the measured peak
    is at least :data:`DEEP_FLEXION_DEG`: the value is not promised, but it stays
    *comparable* (:data:`rom.measurement.CHANGE_ONLY_REASONS`), so its change from another
    deep reading is.  Deeply folded, the value is least certain even from the bones: on
    the clean synthetic quad stretches (true peaks 122-140 deg) it read 8 deg low to 1 deg
    high, 5 of 9 beyond the 5-deg promise, while the pre -> post changes were within
    1.6 deg.  The error is in the hip-to-ankle distance (the model's hip point rises and
    moves back at the peak), not in how the leg's length is split between thigh and shank:
    equal halves changed no value by more than 0.1 deg.  The hand holding the foot does not
    disturb the ankle landmark much (within ~10 px on the synthetic clips) but moves the
    heel landmark by up to ~25 px,
    so ``heel_to_hip_cm`` is less certain than the angle.
    ``views_disagree`` (invalid) when the value and the pose model's own 3-D reading of the
    knee (its world landmarks, :func:`world_knee_flexion_deg`) differ over the held peak
    by more than twice the 5-deg promise
    (:func:`rom.protocols.uncertainty.readings_disagree`): a leg out of the image plane (a
    close camera, a turned leg) changes the projected angle but not the 3-D one, or a
    joint was misplaced.

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
from rom.measurement import TrialResult
from rom.protocols.assessment import (
    Assessment,
    Signal,
    assess,
    bone_lengths,
    finish,
    value_at,
)
from rom.protocols.body import (
    hip_flexion_signal,
    knee_flexion_signal,
    landmark_indices,
    peak_of,
    side_with_larger_peak,
)
from rom.protocols.conformance import MovementSignature, leg_to_report
from rom.protocols.prepare import FloatArray, PreparedTrack, finite_median
from rom.protocols.scale import Scale, resolve_scale
from rom.protocols.spec import MinimalDetectableChange, TestSpec
from rom.protocols.uncertainty import readings_disagree
from rom.vocabulary import Side, TestName, other_side

TEST: TestName = "knee-flexion"
#: Largest shoulder-separation / torso-length ratio of a side view for this test (``not_side_on``
#: beyond it).  From the yaw -> error map on true landmarks (``benchmarks/yaw_map.md``, made by
#: ``benchmarks/yaw_error.py``), the ratio at which the camera's turn away from side-on makes the
#: projection error reach 2 deg; for knee flexion: the error stays under 2 deg up to 0.19 (yaw
#: -10 to +15 deg); it is an included angle, less sensitive to the turn.
SIDE_ON_MAX_RATIO = 0.19
#: Largest turn of the camera from side-on that the pose model's 3-D shoulders may show,
#: degrees (``not_side_on`` beyond it).  The model's guess reads 1-5 deg on side-on clips
#: and tracks a camera swung towards the person's front (but hardly one swung behind),
#: so it is a second check, not a replacement for the image ratio.  From the same yaw ->
#: error map: on true landmarks the knee's projection error reaches 2 deg at a turn of
#: about 9-10 deg (largest 2.2 deg at 10 deg behind, 3.7 deg at 15 deg behind), and the
#: 3-D guess does not tell behind from in front, so 10 deg, as for the other angle tests;
#: 15 deg admitted up to 3.7 deg of projection error.  It is read at rest, standing before
#: or after the stretch: with the hand behind holding the ankle, the model's 3-D shoulders
#: turned 3.5 -> 14.5 deg on a side-on synthetic clip whose true shoulders did not turn
#: (make_set --pairs 8 --seed 77, set005), while a turned camera shows at rest too.
MAX_WORLD_YAW_DEG = 10.0
SIDE_DIFFERENCE_DEG = 15.0
#: Measured flexion from which ``deep_flexion_underread`` is reported: a knee bent past a
#: right angle.  In a 0-130 deg sweep on synthetic bodies MediaPipe under-read knee
#: flexion by 5.4 deg on average and by up to 15 deg near 130 deg
#: (shared/notes/synthetic-bodies.md); on the synthetic quad-stretch clips it under-read
#: by 4-10 deg at peaks of 120-132 deg, with the knee landmark pulled up to ~30 px towards
#: the thigh.  The threshold was 110 deg until knees below it were first seen (fresh hard
#: seed 6061, make_set --hard 24): three at 92-109 deg true read 6.6-11.4 deg low, one
#: of them called reliable with nothing else wrong, while on the 164 clips of the earlier
#: sets no knee value under 110 deg had been promised at all, so nothing showed that a
#: knee bent past a right angle is read within 5 deg.  Its change still is.
DEEP_FLEXION_DEG = 90.0
#: What a quad stretch shows: the measured knee held bent past 60 deg.  The stretch
#: itself reaches 110-150 deg; walking or a squat-like bob bends a knee past 60 deg only
#: for a moment (a swing phase lasts well under the 0.3 s hold).
SIGNATURE = MovementSignature(60.0, "the measured knee bends past 60 degrees and is held")
#: ... while the other leg stands (or lies) straight: its knee within this of straight
#: over the held window.  A squat or a walk bends both.
OTHER_KNEE_MAX_DEG = 30.0


def knee_flexion_from_bones(prep: PreparedTrack, side: Side, raw: bool = False) -> FloatArray:
    """Knee flexion from the bones' lengths and the hip-to-ankle distance, degrees (T,).

    ``180 - C`` where ``C`` is the triangle angle at the knee opposite the hip-to-ankle
    side, the thigh and shank lengths being their steady lengths
    (:func:`rom.protocols.assessment.bone_lengths`).  See the module docstring for why.
    """
    _, bones = bone_lengths(prep, side)
    hip_to_ankle = geometry.distance(prep.point("HIP", side, raw), prep.point("ANKLE", side, raw))
    return 180.0 - geometry.included_angle_from_lengths_deg(
        hip_to_ankle, bones["thigh"], bones["shank"]
    )


def world_knee_flexion_deg(prep: PreparedTrack, side: Side) -> FloatArray:
    """Knee flexion from the pose model's world landmarks, degrees (T,); NaN where absent.

    ``180 - angle(hip, knee, ankle)`` in 3-D (metres, :mod:`rom.pose`): the same convention
    as the primary value (0 = straight, + = flexion), but in the model's estimate of the
    body's depth, so it does not change when the leg turns out of the image plane.
    """
    world = np.asarray(prep.track.world_xyz, dtype=np.float64)
    hip, knee, ankle = (world[:, i] for i in landmark_indices(side, ("HIP", "KNEE", "ANKLE")))
    return 180.0 - geometry.joint_angle_deg(hip, knee, ankle)


def moving_leg(prep: PreparedTrack) -> Side:
    """The leg with clearly more peak knee flexion, else the leg nearer the camera."""
    return side_with_larger_peak(prep, knee_flexion_signal, SIDE_DIFFERENCE_DEG)


def assess_knee_bend(
    prep: PreparedTrack, side: Side, test: TestName, height_cm: float | None
) -> tuple[Assessment, Scale]:
    """The knee's bend from the bones, assessed as this module's docstring says (shared
    with :mod:`rom.protocols.knee_flexion_prone`): the quad-stretch signature
    (``not_this_test`` / ``other_leg_moved``), ``deep_flexion_underread`` and, with a
    scale, ``heel_to_hip_cm``.  Returns the assessment and the scale used."""
    signal = Signal(
        test=test,
        side=side,
        unit="deg",
        values=knee_flexion_from_bones(prep, side),
        raw_values=knee_flexion_from_bones(prep, side, raw=True),
        required=tuple(landmark_indices(side, ("HIP", "KNEE", "ANKLE"))),
        segments=SPEC.segments(side),
        side_on_max_ratio=SIDE_ON_MAX_RATIO,
        max_world_yaw_deg=MAX_WORLD_YAW_DEG,
        world_yaw_at_rest=True,
    )
    scale = resolve_scale(prep, height_cm)
    a = assess(prep, signal, scale=scale)
    if a.peak is not None:
        i = a.peak.index
        other = knee_flexion_signal(prep, other_side(side))
        verdict = leg_to_report(SIGNATURE, a.peak.value, peak_of(prep, other))
        standing = finite_median(other[a.peak.start : a.peak.stop])
        if verdict is None and standing > OTHER_KNEE_MAX_DEG:
            verdict = "not_this_test"
        if verdict is not None:
            a.reasons.append(verdict)
        if a.peak.value >= DEEP_FLEXION_DEG:
            a.reasons.append("deep_flexion_underread")
        if scale.cm_per_px is not None:
            heel_hip_px = float(
                geometry.distance(prep.point("HEEL", side)[i], prep.point("HIP", side)[i])
            )
            a.add_secondary("heel_to_hip_cm", heel_hip_px * scale.cm_per_px)
    return a, scale


def measure(prep: PreparedTrack, side: Side | None, height_cm: float | None) -> TrialResult:
    """Measure knee flexion (see module docstring)."""
    side = side or moving_leg(prep)
    a, scale = assess_knee_bend(prep, side, TEST, height_cm)
    if a.peak is not None:
        i = a.peak.index
        a.add_secondary("hip_flexion_deg", value_at(hip_flexion_signal(prep, side), i))
        a.add_secondary("knee_angle_landmarks_deg", value_at(knee_flexion_signal(prep, side), i))
        world = finite_median(world_knee_flexion_deg(prep, side)[a.peak.start : a.peak.stop])
        if np.isfinite(world):
            a.add_secondary("knee_angle_world_deg", world)
            if readings_disagree(world, a.peak.value, "deg"):
                a.reasons.append("views_disagree")
    return finish(prep, a, {"test": TEST, "scale_source": scale.source, "height_cm": height_cm})


SPEC = TestSpec(
    name=TEST,
    # Knee flexion as an included angle: the minimum significant difference of a long-arm
    # goniometer was 10 deg (digital inclinometer 6 deg) in Hancock GE, Hepworth T,
    # Wembridge K, J Exp Orthop 2018;5:46, doi:10.1186/s40634-018-0161-5.  The goniometer is
    # the closer analogue of a two-segment angle; the study fixed knees in supports, not in
    # a quad stretch, so this is an approximation (unsure for this exact test).
    mdc=MinimalDetectableChange(
        TEST,
        10.0,
        "deg",
        "Hancock GE et al. J Exp Orthop 2018;5:46 (long-arm goniometer; approximate for "
        "the quad stretch)",
    ),
    unit="deg",
    higher_is_better=True,
    chains=(("HIP", "KNEE", "ANKLE"),),
    # A knee hyperextends by up to ~15 deg and folds to ~160 deg.
    valid_range=(-20.0, 180.0),
    measure=measure,
)
