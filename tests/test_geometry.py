"""Geometry on constructed points with known angles, and invariance properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rom import geometry
from rom.calibration import Calibration, level_points, rotate_points


def polar(angle_deg: float, length: float = 1.0) -> np.ndarray:
    """Image vector at ``angle_deg`` clockwise on screen from image-up (x right, y down)."""
    a = np.radians(angle_deg)
    return np.array([np.sin(a), -np.cos(a)]) * length


@pytest.mark.parametrize("angle", [0.0, 1e-4, 35.0, 90.0, 135.0, 179.9, 180.0])
def test_joint_angle_known(angle: float) -> None:
    vertex = np.array([100.0, 200.0])
    a = vertex + polar(0.0, 50.0)
    c = vertex + polar(angle, 80.0)
    assert geometry.joint_angle_deg(a, vertex, c) == pytest.approx(angle, abs=1e-9)


def test_joint_angle_degenerate_is_nan() -> None:
    p = np.array([1.0, 1.0])
    assert np.isnan(geometry.joint_angle_deg(p, p, [2.0, 2.0]))
    assert np.isnan(geometry.joint_angle_deg([np.nan, 0.0], p, [2.0, 2.0]))


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_inclination_sign_follows_facing(facing: float) -> None:
    ankle = np.array([500.0, 800.0])
    # Knee 35 deg forward of vertical in the facing direction.
    knee = ankle + np.array([facing * np.sin(np.radians(35)), -np.cos(np.radians(35))]) * 170
    assert geometry.inclination_from_vertical_deg(ankle, knee, facing) == pytest.approx(35.0)
    assert geometry.inclination_from_vertical_deg(ankle, knee, -facing) == pytest.approx(-35.0)


def test_hip_flexion_signs() -> None:
    hip = np.array([0.0, 0.0])
    shoulder = hip + polar(0.0, 200)  # upright trunk
    knee_front = hip + polar(180.0 - 30.0, 180)  # 30 deg in front (facing +x)
    knee_back = hip + polar(180.0 + 20.0, 180)  # 20 deg behind
    assert geometry.hip_flexion_deg(shoulder, hip, knee_front) == pytest.approx(30.0)
    assert geometry.hip_flexion_deg(shoulder, hip, knee_back) == pytest.approx(-20.0)
    assert geometry.thigh_from_vertical_deg(hip, knee_back) == pytest.approx(-20.0)
    # Forward bend: trunk horizontal in front, thigh vertical -> 90 deg flexion.
    assert geometry.hip_flexion_deg(
        hip + polar(90.0, 200), hip, hip + polar(180.0, 180)
    ) == pytest.approx(90.0)


def test_vectorised_over_frames() -> None:
    angles = np.linspace(10, 170, 7)
    vertex = np.zeros((7, 2))
    a = np.tile(polar(0.0), (7, 1))
    c = np.stack([polar(x) for x in angles])
    np.testing.assert_allclose(geometry.joint_angle_deg(a, vertex, c), angles, atol=1e-9)


def test_stature_from_eye_height() -> None:
    # Eye 168 cm above the floor at 4 px/cm -> stature 168/0.936 cm.
    assert geometry.stature_px(eye_y=100.0, floor_y=100.0 + 168 * 4) == pytest.approx(
        168 * 4 / 0.936
    )


def test_fingertip_extends_the_hand_beyond_the_knuckle() -> None:
    # A straight hand pointing 30 deg forward of straight down: wrist to knuckle 9 cm,
    # index finger 9 * 1.05 cm, at 4 px/cm.  The tip lies on the same line, further on.
    wrist = np.array([300.0, 400.0])
    direction = polar(180.0 - 30.0)
    knuckle = wrist + 9.0 * 4 * direction
    tip = geometry.fingertip_from_knuckle(wrist, knuckle, finger_to_palm_ratio=1.05)
    np.testing.assert_allclose(tip, wrist + (9.0 + 9.45) * 4 * direction, atol=1e-9)
    # Default ratio, over frames, NaN where a landmark is missing.
    wrists = np.stack([wrist, [np.nan, np.nan]])
    knuckles = np.stack([knuckle, knuckle])
    tips = geometry.fingertip_from_knuckle(wrists, knuckles)
    expected = knuckle + geometry.INDEX_FINGER_TO_PALM_RATIO * (knuckle - wrist)
    np.testing.assert_allclose(tips[0], expected)
    assert np.isnan(tips[1]).all()


def test_fingertip_one_hand_length_along_the_knuckle_direction() -> None:
    # The model's knuckle is only 5 px from the wrist (a badly sized hand), but its
    # direction, 30 deg forward of straight down, is kept; the hand is 80 px long.
    wrist = np.array([300.0, 400.0])
    direction = polar(180.0 - 30.0)
    tip = geometry.fingertip_from_hand_length(wrist, wrist + 5.0 * direction, 80.0)
    np.testing.assert_allclose(tip, wrist + 80.0 * direction, atol=1e-9)
    # Per frame lengths; a knuckle on the wrist has no direction -> NaN.
    tips = geometry.fingertip_from_hand_length(
        np.stack([wrist, wrist]), np.stack([wrist + direction, wrist]), np.array([40.0, 40.0])
    )
    np.testing.assert_allclose(tips[0], wrist + 40.0 * direction, atol=1e-9)
    assert np.isnan(tips[1]).all()


def _standing(eye_y: float, foot_ys: tuple[float, float, float, float]) -> np.ndarray:
    xy = np.full((33, 2), np.nan)
    xy[2] = (100.0, eye_y)  # left eye
    xy[5] = (96.0, eye_y + 2.0)  # right eye, 2 px lower
    for index, y in zip((29, 30, 31, 32), foot_ys, strict=True):  # heels, toe tips
        xy[index] = (110.0, y)
    return xy


def test_standing_stature_from_landmarks() -> None:
    xy = _standing(200.0, (880.0, 884.0, 890.0, 886.0))
    eye = 201.0  # mean of both eyes
    assert geometry.eye_level_y(xy) == pytest.approx(eye)
    assert geometry.floor_level_y(xy) == pytest.approx(890.0)  # lowest foot point
    assert geometry.standing_stature_px(xy) == pytest.approx((890.0 - eye) / 0.936)
    # One eye and some foot points missing; a second frame with no feet at all.
    partial = xy.copy()
    partial[5] = np.nan
    partial[31] = np.nan
    frames = np.stack([partial, _standing(200.0, (np.nan,) * 4)])
    np.testing.assert_allclose(
        geometry.standing_stature_px(frames), [(886.0 - 200.0) / 0.936, np.nan]
    )


def test_cm_per_px_from_stature() -> None:
    assert geometry.cm_per_px_from_stature(175.0, 700.0) == pytest.approx(0.25)
    assert np.isnan(geometry.cm_per_px_from_stature(175.0, -10.0))
    assert np.isnan(geometry.cm_per_px_from_stature(175.0, float("nan")))


coords = st.floats(-500, 500, allow_nan=False)
angles_st = st.floats(-180, 180, allow_nan=False)


def _well_formed(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> bool:
    return bool(np.linalg.norm(a - b) > 5 and np.linalg.norm(c - b) > 5)


@settings(max_examples=200, deadline=None)
@given(
    pts=st.lists(st.tuples(coords, coords), min_size=3, max_size=3),
    rotation=angles_st,
    scale=st.floats(0.2, 5.0),
    shift=st.tuples(coords, coords),
)
def test_joint_angle_invariant_to_rotation_scale_translation(pts, rotation, scale, shift) -> None:
    a, b, c = (np.array(p) for p in pts)
    if not _well_formed(a, b, c):
        return
    before = geometry.joint_angle_deg(a, b, c)
    moved = rotate_points(
        np.stack([a, b, c]) * scale + np.array(shift), rotation, centre=(3.0, -7.0)
    )
    after = geometry.joint_angle_deg(moved[0], moved[1], moved[2])
    assert after == pytest.approx(before, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    pts=st.lists(st.tuples(coords, coords), min_size=3, max_size=3),
    rotation=angles_st,
    scale=st.floats(0.2, 5.0),
)
def test_signed_hip_angle_invariant_to_rotation_and_scale(pts, rotation, scale) -> None:
    s, h, k = (np.array(p) for p in pts)
    if not _well_formed(s, h, k):
        return
    before = geometry.hip_flexion_deg(s, h, k)
    moved = rotate_points(np.stack([s, h, k]) * scale, rotation)
    after = geometry.hip_flexion_deg(moved[0], moved[1], moved[2])
    diff = (after - before + 180) % 360 - 180
    assert diff == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    tilt=st.floats(-80, 80),
    roll=st.floats(-45, 45),
    facing=st.sampled_from([1.0, -1.0]),
    centre=st.tuples(coords, coords),
)
def test_roll_is_undone_exactly_by_level_points(tilt, roll, facing, centre) -> None:
    ankle = np.array([400.0, 700.0])
    knee = ankle + np.array([facing * np.sin(np.radians(tilt)), -np.cos(np.radians(tilt))]) * 170
    # What a camera rolled by ``roll`` records: the scene turned clockwise on screen by roll.
    seen = rotate_points(np.stack([ankle, knee]), roll, centre)
    cal = Calibration(roll_deg=roll, roll_source="user")
    levelled = level_points(seen, cal, centre)
    assert geometry.inclination_from_vertical_deg(
        levelled[0], levelled[1], facing
    ) == pytest.approx(tilt, abs=1e-6)
    np.testing.assert_allclose(levelled, np.stack([ankle, knee]), atol=1e-6)
    # Re-applying the roll gives back what the camera saw.
    np.testing.assert_allclose(rotate_points(levelled, roll, centre), seen, atol=1e-6)
    # Unlevelled, the inclination is off by exactly the roll (sign set by the facing).
    raw = geometry.inclination_from_vertical_deg(seen[0], seen[1], facing)
    assert raw == pytest.approx(tilt + facing * roll, abs=1e-6)


def test_hip_flexion_with_the_trunk_line_from_another_hip() -> None:
    # Trunk line leaning back by atan(0.1) (its lower end forward), thigh hanging straight
    # down from another hip: the thigh is that angle behind the extended trunk line.
    shoulder, trunk_hip = np.array([0.0, -100.0]), np.array([10.0, 0.0])
    hip, knee = np.array([50.0, 0.0]), np.array([50.0, 100.0])
    expected = -np.degrees(np.arctan(0.1))
    assert geometry.hip_flexion_deg(shoulder, hip, knee, trunk_hip=trunk_hip) == pytest.approx(
        expected
    )
    mirror = np.array([-1.0, 1.0])  # the same person facing image-left
    assert geometry.hip_flexion_deg(
        shoulder * mirror, hip * mirror, knee * mirror, facing=-1.0, trunk_hip=trunk_hip * mirror
    ) == pytest.approx(expected)
    assert geometry.hip_flexion_deg(shoulder, trunk_hip, trunk_hip + knee - hip) == pytest.approx(
        expected
    )


def test_included_angle_from_lengths_known_triangles() -> None:
    # 3-4-5: the right angle is opposite the 5; equilateral: 60 degrees.
    assert geometry.included_angle_from_lengths_deg(5.0, 3.0, 4.0) == pytest.approx(90.0)
    assert geometry.included_angle_from_lengths_deg(1.0, 1.0, 1.0) == pytest.approx(60.0)
    # A straight limb plus noise (c > a + b) is straight; a folded one is 0.
    assert geometry.included_angle_from_lengths_deg(7.2, 3.0, 4.0) == pytest.approx(180.0)
    assert geometry.included_angle_from_lengths_deg(0.5, 3.0, 4.0) == pytest.approx(0.0)
    assert np.isnan(geometry.included_angle_from_lengths_deg(np.nan, 3.0, 4.0))
    assert np.isnan(geometry.included_angle_from_lengths_deg(1.0, 0.0, 4.0))
