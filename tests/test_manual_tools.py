"""The manual goniometer and ruler against angles and lengths built to be known."""

from __future__ import annotations

import json
import math

import pytest

from rom.calibration import Calibration, rotate_points
from rom.errors import MeasurementError
from rom.manual import (
    Point,
    cm_per_px_from_reference,
    distance_cm,
    joint_deviation_deg,
    line_from_vertical_deg,
    three_point_angle_deg,
)


def polar(origin: Point, length: float, deg_up_from_right: float) -> Point:
    """A point ``length`` px from ``origin``, ``deg`` counter-clockwise on screen from +x."""
    a = math.radians(deg_up_from_right)
    return (origin[0] + length * math.cos(a), origin[1] - length * math.sin(a))


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, 135.0, 180.0])
def test_three_points_give_the_included_angle(angle: float) -> None:
    vertex = (200.0, 300.0)
    first = polar(vertex, 120.0, 10.0)
    last = polar(vertex, 80.0, 10.0 + angle)
    assert three_point_angle_deg(first, vertex, last) == pytest.approx(angle, abs=1e-9)


@pytest.mark.parametrize("facing_right", [True, False])
@pytest.mark.parametrize("bend", [-25.0, 0.0, 40.0, 70.0])
def test_joint_deviation_is_signed_by_true_up(bend: float, facing_right: bool) -> None:
    # A foot on the floor, toes towards +x (or -x): the metatarsal runs horizontally from
    # the heel side to the MTP joint; the hallux bent up by ``bend`` is extension.
    mtp = (400.0, 500.0)
    heading = 0.0 if facing_right else 180.0
    shaft = polar(mtp, 150.0, heading + 180.0)
    tilt = bend if facing_right else -bend
    hallux = polar(mtp, 60.0, heading + tilt)
    assert joint_deviation_deg(shaft, mtp, hallux) == pytest.approx(bend, abs=1e-9)


def test_joint_deviation_undoes_the_camera_roll() -> None:
    mtp, shaft, hallux = (400.0, 500.0), (250.0, 500.0), polar((400.0, 500.0), 60.0, 50.0)
    roll = Calibration(roll_deg=12.0, roll_source="marker")
    rolled = [tuple(p) for p in rotate_points([shaft, mtp, hallux], 12.0, (320.0, 240.0))]
    assert joint_deviation_deg(rolled[0], rolled[1], rolled[2], roll) == pytest.approx(50.0)
    # Seen in a rolled image the included angle is unchanged.
    assert three_point_angle_deg(*rolled) == pytest.approx(130.0)


def test_a_vertical_proximal_segment_has_no_up() -> None:
    with pytest.raises(MeasurementError, match="vertical"):
        joint_deviation_deg((0.0, 0.0), (0.0, 100.0), (50.0, 150.0))


@pytest.mark.parametrize("tilt", [-60.0, -10.0, 0.0, 25.0, 89.0])
def test_a_line_to_true_vertical(tilt: float) -> None:
    bottom = (300.0, 400.0)
    top = polar(bottom, 200.0, 90.0 - tilt)  # leaning right by ``tilt``
    assert line_from_vertical_deg(bottom, top) == pytest.approx(tilt, abs=1e-9)
    assert line_from_vertical_deg(top, bottom) == pytest.approx(tilt, abs=1e-9)


def test_a_horizontal_line_is_90_and_a_roll_is_undone() -> None:
    assert line_from_vertical_deg((0.0, 10.0), (100.0, 10.0)) == pytest.approx(90.0)
    # A plumb line photographed with the camera rolled by 7 deg leans 7 deg right.
    plumb = rotate_points([(100.0, 400.0), (100.0, 100.0)], 7.0, (0.0, 0.0))
    seen = line_from_vertical_deg(tuple(plumb[0]), tuple(plumb[1]))
    assert seen == pytest.approx(7.0)
    rolled = Calibration(roll_deg=7.0, roll_source="user")
    assert line_from_vertical_deg(tuple(plumb[0]), tuple(plumb[1]), rolled) == pytest.approx(0.0)


def test_the_ruler_with_a_typed_reference_and_a_marker_scale() -> None:
    scale = cm_per_px_from_reference((10.0, 10.0), (310.0, 410.0), 25.0)  # 500 px = 25 cm
    assert scale == pytest.approx(0.05)
    assert distance_cm((0.0, 0.0), (60.0, 80.0), scale) == pytest.approx(5.0)
    assert distance_cm((0.0, 0.0), (0.0, 200.0), 0.1) == pytest.approx(20.0)


def test_impossible_inputs_are_refused() -> None:
    with pytest.raises(MeasurementError, match="reference length"):
        cm_per_px_from_reference((0.0, 0.0), (1.0, 0.0), 0.0)
    with pytest.raises(MeasurementError, match="on top of each other"):
        cm_per_px_from_reference((5.0, 5.0), (5.0, 5.0), 10.0)
    with pytest.raises(MeasurementError, match="scale"):
        distance_cm((0.0, 0.0), (1.0, 0.0), -1.0)
    with pytest.raises(MeasurementError, match="finite"):
        three_point_angle_deg((0.0, math.nan), (0.0, 0.0), (1.0, 0.0))
    with pytest.raises(MeasurementError, match="on top of each other"):
        three_point_angle_deg((0.0, 0.0), (0.0, 0.0), (1.0, 0.0))


def test_a_big_toe_extension_from_points_is_a_stored_kind_of_measurement() -> None:
    from rom.manual import MANUAL_METHOD, manual_measurement
    from rom.measurement import Measurement

    mtp = (300.0, 420.0)
    points = [(120.0, 420.0), mtp, polar(mtp, 70.0, 48.0)]
    m = manual_measurement("big-toe-extension", "left", points)
    assert (m.test, m.side, m.unit) == ("big-toe-extension", "left", "deg")
    assert m.value == pytest.approx(48.0)
    assert m.reliable and m.provenance["method"] == MANUAL_METHOD
    assert Measurement.from_dict(m.to_dict()) == m
    # Read as flexion, a toe bent up is negative, and past the flexion range a mis-click.
    slightly_up = [points[0], mtp, polar(mtp, 70.0, 30.0)]
    assert manual_measurement("big-toe-flexion", "left", slightly_up).value == pytest.approx(-30.0)
    with pytest.raises(MeasurementError, match="plausible"):
        manual_measurement("big-toe-flexion", "left", points)


def test_toe_spread_as_an_angle_or_a_width() -> None:
    from rom.manual import manual_measurement

    vertex = (200.0, 300.0)
    points = [polar(vertex, 150.0, 110.0), vertex, polar(vertex, 120.0, 70.0)]
    angle = manual_measurement("toe-spread", "right", points)
    assert (angle.unit, angle.value) == ("deg", pytest.approx(40.0))
    across = [(100.0, 50.0), (300.0, 50.0)]
    width = manual_measurement("toe-spread", "right", across, cm_per_px=0.05)
    assert (width.unit, width.value) == ("cm", pytest.approx(10.0))
    with pytest.raises(MeasurementError, match="scale"):
        manual_measurement("toe-spread", "right", across)
    with pytest.raises(MeasurementError, match="plausible"):
        manual_measurement("toe-spread", "right", [(0.0, 0.0), (2000.0, 0.0)], cm_per_px=0.05)
    with pytest.raises(MeasurementError, match="not measured by hand"):
        manual_measurement("knee-flexion", "right", points)
    with pytest.raises(MeasurementError, match="3 points"):
        manual_measurement("big-toe-extension", "right", points[:2])


def test_hand_readings_on_a_frame_are_measurements_with_their_points() -> None:
    from rom.manual import hand_reading

    vertex = (200.0, 300.0)
    angle = hand_reading("angle", "left", [polar(vertex, 90.0, 20.0), vertex,
                                           polar(vertex, 60.0, 20.0 + 115.0)],
                         frame=45, time_s=1.5)
    assert (angle.test, angle.unit, angle.reliable) == ("hand-angle", "deg", True)
    assert angle.value == pytest.approx(115.0, abs=1e-9)
    assert (angle.peak_frame, angle.peak_time_s) == (45, 1.5)
    assert angle.provenance["method"] == "manual" and angle.provenance["frame"] == "45"
    assert angle.provenance["source"] == "video frame"
    assert json.loads(angle.provenance["points_px"])[1] == [200.0, 300.0]

    # A line 10 deg right of true vertical, filmed with the camera rolled +6 deg: it shows
    # leaning 16 deg; the calibrated roll takes the 6 deg back out.
    lower = (300.0, 500.0)
    upper = polar(lower, 200.0, 90.0 - 16.0)
    rolled = Calibration(roll_deg=6.0, roll_source="marker")
    vertical = hand_reading("vertical", "right", [lower, upper], rolled)
    assert vertical.value == pytest.approx(10.0, abs=1e-9) and vertical.reliable
    unknown = hand_reading("vertical", "right", [lower, upper])  # no roll known: as seen
    assert unknown.value == pytest.approx(16.0, abs=1e-9)
    assert unknown.reasons == ("tilt_unknown",) and not unknown.reliable

    # 200 px at the marker's 0.25 cm/px is 50 cm; through a typed reference (8.56 cm over
    # 100 px) the same 200 px are 17.12 cm.
    ends = [(100.0, 100.0), (300.0, 100.0)]
    marker = Calibration(cm_per_px=0.25, scale_source="marker")
    by_marker = hand_reading("distance", "left", ends, marker)
    assert by_marker.value == pytest.approx(50.0) and by_marker.unit == "cm"
    assert by_marker.provenance["scale"] == "marker"
    by_reference = hand_reading("distance", "left", [*ends, (0.0, 400.0), (100.0, 400.0)],
                                marker, reference_cm=8.56)
    assert by_reference.value == pytest.approx(17.12) and by_reference.provenance["scale"] == (
        "reference")
    with pytest.raises(MeasurementError, match="needs a scale"):
        hand_reading("distance", "left", ends, Calibration())
    with pytest.raises(MeasurementError, match="needs 3 points, got 2"):
        hand_reading("angle", "left", ends)
