"""Prone knee flexion on stick-figure tracks lying on screen (the figure turned 90 deg).

A figure from :mod:`tests.test_protocols` drawn with a 90 deg roll and measured with a
camera taken as level lies horizontally in the levelled image: the trunk is horizontal,
as lying face down on a mat.
"""

from __future__ import annotations

import numpy as np
import pytest

from rom.calibration import Calibration
from rom.correction import corrected_measurement, correction_context
from rom.labels import REASON_TEXT
from rom.landmarks import sided
from rom.measurement import INVALIDATING_REASONS
from rom.protocols import CATALOGUE, measure
from rom.protocols.knee_flexion_prone import HIP_OFF_LINE_MAX_DEG
from rom.swaps import MIRRORED, find_left_right_swaps
from tests.test_protocols import (
    PX_PER_CM,
    THIGH,
    Body,
    leg_from_hip,
    make_track,
    quad_stretch,
)

LEVEL = Calibration(roll_source="user")
LYING = 90.0  # the figure's roll on screen


def test_prone_knee_flexion_is_measured_lying_and_needs_a_check_by_hand() -> None:
    track = make_track(quad_stretch(80.0), roll_deg=LYING)
    result = measure(track, "knee-flexion-prone", calibration=LEVEL)
    m = result.measurement
    assert m.value == pytest.approx(80.0, abs=0.5)
    assert m.side == "left"
    assert m.secondary["hip_off_line_deg"] == pytest.approx(5.0, abs=0.5)
    # The only doubt is the pose model's on a lying body, until a person checks the points.
    assert [r for r in m.reasons if r in INVALIDATING_REASONS] == ["lying_pose_unverified"]
    assert not m.reliable and REASON_TEXT["lying_pose_unverified"]
    checked = corrected_measurement(correction_context(track, result, calibration=LEVEL), {},
                                    clinician="A. Physio")
    assert checked.value == pytest.approx(m.value, abs=0.01)
    assert "lying_pose_unverified" not in checked.reasons and checked.reliable


def test_standing_clip_is_not_the_prone_test() -> None:
    m = measure(make_track(quad_stretch(80.0)), "knee-flexion-prone",
                calibration=LEVEL).measurement
    assert m.value == pytest.approx(80.0, abs=0.5)
    assert "not_lying_prone" in m.reasons and not m.reliable
    assert REASON_TEXT["not_lying_prone"]
    # ... while the standing test takes it.
    standing = measure(make_track(quad_stretch(80.0)), "knee-flexion",
                       calibration=LEVEL).measurement
    assert standing.reliable, standing.reasons


def test_lifted_hip_is_reported_but_keeps_the_value() -> None:
    def lifted(p: float) -> Body:
        stance = quad_stretch(0.0)(0.0).right
        bent = leg_from_hip(stance.hip, 35.0 * p, 5.0 + p * 115.0)  # thigh 35 deg off line
        return Body(left=bent, right=stance)

    m = measure(make_track(lifted, roll_deg=LYING), "knee-flexion-prone",
                calibration=LEVEL).measurement
    assert m.secondary["hip_off_line_deg"] == pytest.approx(35.0, abs=0.5)
    assert m.secondary["hip_off_line_deg"] > HIP_OFF_LINE_MAX_DEG
    assert "hip_not_flat" in m.reasons and REASON_TEXT["hip_not_flat"]
    assert "hip_not_flat" not in INVALIDATING_REASONS  # advisory: the number stays
    assert m.value == pytest.approx(120.0, abs=0.5)


def test_bone_lengths_come_from_the_frames_lying_straight() -> None:
    # The knee point pulled 10 px towards the hip whenever the knee is bent: most frames of
    # this 4 s clip.  Lengths taken over every frame would be the pulled ones; the frames
    # lying with straight legs give the true thigh, so the angle from the bones holds.
    pulled = 10.0

    def pull_knee(i: int, t: float, row: np.ndarray) -> None:
        hip, knee = row[sided("left", "HIP"), :2], row[sided("left", "KNEE"), :2]
        ankle = row[sided("left", "ANKLE"), :2]
        bend = np.degrees(np.arccos(np.dot(knee - hip, ankle - knee)
                                    / np.linalg.norm(knee - hip) / np.linalg.norm(ankle - knee)))
        if bend > 30.0:
            thigh = (knee - hip) / np.linalg.norm(knee - hip)
            row[sided("left", "KNEE"), :2] = knee - pulled * thigh

    track = make_track(quad_stretch(80.0), roll_deg=LYING, duration=4.0, edit=pull_knee)
    m = measure(track, "knee-flexion-prone", calibration=LEVEL).measurement
    assert pulled / (THIGH * PX_PER_CM) > 0.05  # the pull is not negligible
    assert m.value == pytest.approx(80.0, abs=1.0)


def test_prone_test_is_in_the_catalogue_with_the_standing_tests_mdc() -> None:
    prone, standing = CATALOGUE["knee-flexion-prone"], CATALOGUE["knee-flexion"]
    assert prone.unit == "deg" and prone.higher_is_better
    assert prone.mdc.value == standing.mdc.value and prone.mdc.test == "knee-flexion-prone"


@pytest.mark.parametrize("mirrored", [False, True])
def test_labels_of_a_body_lying_down_are_kept_and_mirrored_ones_repaired(mirrored: bool) -> None:
    # The feet's handedness needs the body's up: lying, that is along the floor (towards
    # the head), not the image's up, or every correctly labelled frame looks mirrored.
    track = make_track(quad_stretch(80.0), roll_deg=LYING)
    # The stick figure faces image-right with its left side nearer the camera, a mirror
    # image of a real body (the protocol tests do not care); negated depth makes it a
    # right-handed body: lying face down, head at image-right, right side nearer.
    xy, z, vis = track.image_xy.copy(), -track.image_z, track.visibility.copy()
    if mirrored:
        xy, z, vis = xy[:, MIRRORED], z[:, MIRRORED], vis[:, MIRRORED]
    swapped = find_left_right_swaps(xy, z, vis, track.timestamps_s)
    assert swapped.all() if mirrored else not swapped.any()
