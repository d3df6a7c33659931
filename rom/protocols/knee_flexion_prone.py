"""Knee flexion, prone: lying face down, the heel drawn towards the buttock, side-on.

The cleaner clinical form of the knee-flexion test: lying prone, the pelvis rests on the
mat, so it cannot tilt to ease the stretch as it does standing, and no hand has to hold
the ankle (the heel is drawn in actively, or with a strap or a helper).  Same angle as the
standing quad stretch (:mod:`rom.protocols.knee_flexion`); what differs is the posture
this protocol expects and checks.

Landmarks and segments
    Hip, knee and ankle of the measured leg (thigh hip -> knee, shank knee -> ankle);
    shoulders and hips for the trunk line; heel for the heel-to-hip distance.

Primary value: knee flexion, degrees
    ``180 - angle(hip, knee, ankle)``, from the bones
    (:func:`rom.protocols.knee_flexion.knee_flexion_from_bones`: the law of cosines on
    the hip-to-ankle distance and the thigh's and shank's steady lengths).  0 deg =
    straight leg; positive = flexion (heel towards the buttock), up to about 160 deg.  An
    included angle: it does not depend on the camera's roll.  The steady lengths are
    taken from the frames where the person lies with both knees straight
    (:func:`rom.protocols.assessment.bone_lengths`), the reference posture of this test.

Side
    ``side="auto"`` takes the moving leg, as for the standing test
    (:func:`rom.protocols.knee_flexion.moving_leg`).

Phase measured
    Peak flexion held for ``min_hold_s`` (default 0.3 s).

Validity
    The common reasons of :func:`rom.protocols.assessment.assess`, and the quad-stretch
    signature of the standing test (the measured knee held past 60 deg, the other knee
    within 30 deg of straight: ``not_this_test`` / ``other_leg_moved``).  Then the
    posture: over the held peak the trunk must lie within :data:`LYING_MAX_DEG` of
    horizontal (``not_lying_prone`` otherwise, invalidating: a standing clip belongs to
    the standing test).  ``hip_not_flat`` (advisory) when the thigh leaves the trunk's
    line by more than :data:`HIP_OFF_LINE_MAX_DEG` at the peak: a hip lifted off the mat
    slackens the rectus femoris and lets the knee bend further, the compensation the
    prone test exists to prevent.  ``deep_flexion_underread`` (the value unreliable
    but comparable) from :data:`rom.protocols.knee_flexion.DEEP_FLEXION_DEG`, as standing.

    ``lying_pose_unverified`` (invalidating) on every value until a person checks it: the
    pose model learnt mostly from upright people, and on synthetic prone clips
    (``make_set --prone``) it misplaced the knee or ankle so that 4 of 12 values were 6.5-10
    deg low with nothing in the picture to show it (lengths, visibility and view all
    normal).  Checking the points on the key frame and saving them
    (:func:`rom.correction.corrected_measurement`) removes it.

Secondary values
    ``heel_to_hip_cm`` (with a scale) — heel landmark to hip joint centre at the peak;
    ``hip_off_line_deg`` — how far the thigh leaves the trunk's line at the peak, degrees,
    unsigned (lying face down, which side of the line is the front cannot be read
    reliably from a side view's nose and toes, so only the size is reported);
    ``knee_angle_landmarks_deg`` — the angle at the knee landmark itself, as standing.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from rom.measurement import TrialResult
from rom.protocols import knee_flexion
from rom.protocols.assessment import finish, value_at
from rom.protocols.body import (
    hip_flexion_signal,
    knee_flexion_signal,
    trunk_inclination_deg,
)
from rom.protocols.prepare import PreparedTrack, finite_median
from rom.protocols.spec import TestSpec
from rom.vocabulary import Side, TestName

TEST: TestName = "knee-flexion-prone"
#: Largest tilt of the trunk line from horizontal over the held peak for a person lying
#: prone, degrees.  Lying on a mat the trunk is within a few degrees of horizontal; 30
#: leaves room for a camera roll of up to 10 deg, a raised chest (resting on the forearms)
#: and the model's shoulder jitter, and is far from anyone standing (within ~20 deg of
#: vertical in a quad stretch).
LYING_MAX_DEG = 30.0
#: Largest angle between the thigh and the trunk's line at the peak before the hip counts
#: as lifted, degrees.  The prone test keeps the hip flat (0 deg); 20 deg is beyond the
#: model's jitter of a hip angle on a clean side view (a few degrees) and marks a hip
#: clearly off the mat.
HIP_OFF_LINE_MAX_DEG = 20.0


def measure(prep: PreparedTrack, side: Side | None, height_cm: float | None) -> TrialResult:
    """Measure prone knee flexion (see module docstring)."""
    side = side or knee_flexion.moving_leg(prep)
    a, scale = knee_flexion.assess_knee_bend(prep, side, TEST, height_cm)
    if a.peak is not None:
        i = a.peak.index
        held = slice(a.peak.start, a.peak.stop)
        trunk_from_horizontal = 90.0 - finite_median(np.abs(trunk_inclination_deg(prep)[held]))
        if not abs(trunk_from_horizontal) <= LYING_MAX_DEG:
            a.reasons.append("not_lying_prone")
        hip_angle = value_at(hip_flexion_signal(prep, side), i)
        hip_off_line = None if hip_angle is None else abs(hip_angle)
        if hip_off_line is not None and hip_off_line > HIP_OFF_LINE_MAX_DEG:
            a.reasons.append("hip_not_flat")
        a.reasons.append("lying_pose_unverified")
        a.add_secondary("hip_off_line_deg", hip_off_line)
        a.add_secondary("knee_angle_landmarks_deg", value_at(knee_flexion_signal(prep, side), i))
    return finish(prep, a, {"test": TEST, "scale_source": scale.source, "height_cm": height_cm})


SPEC = TestSpec(
    name=TEST,
    # The same included angle as the standing test, measured the way goniometry measures
    # knee flexion (prone or supine): the standing test's MDC and its source apply.
    mdc=replace(knee_flexion.SPEC.mdc, test=TEST),
    unit="deg",
    higher_is_better=True,
    chains=knee_flexion.SPEC.chains,
    valid_range=knee_flexion.SPEC.valid_range,
    measure=measure,
)
