"""Manual correction of landmarks (rom.correction) on synthetic tracks with known angles."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import replace

import numpy as np
import pytest

from rom.calibration import Calibration, rotate_points
from rom.correction import (
    CORRECTED_METHOD,
    automatic_measurement,
    corrected_measurement,
    correction_context,
    correction_of,
    is_corrected,
    reapplied_correction,
)
from rom.errors import MeasurementError
from rom.measurement import Measurement, TrialResult
from rom.protocols import measure
from tests.test_protocols import (
    ANKLE_U,
    FLOOR_Y,
    FRAME,
    ORIGIN_X,
    PX_PER_CM,
    SHANK,
    lunge,
    make_track,
    quad_stretch,
    unit,
)

WHEN = dt.datetime(2026, 12, 2, 3, 4, 5, tzinfo=dt.UTC)


def _image_px(f_cm: float, u_cm: float, roll_deg: float = 0.0) -> tuple[float, float]:
    """A sagittal point of the stick figure (facing right) in image pixels."""
    x, y = ORIGIN_X + f_cm * PX_PER_CM, FLOOR_Y - u_cm * PX_PER_CM
    rx, ry = rotate_points([x, y], roll_deg, centre=(FRAME[0] / 2, FRAME[1] / 2))
    return float(rx), float(ry)


@pytest.mark.parametrize("roll", [0.0, 6.0])
def test_moving_the_knee_gives_the_known_tibial_inclination(roll: float) -> None:
    cal = Calibration(roll_deg=roll, roll_source="user")
    track = make_track(lunge(35.0), roll_deg=roll)
    result = measure(track, "ankle-dorsiflexion", calibration=cal)
    assert result.measurement.value == pytest.approx(35.0, abs=0.1)
    context = correction_context(track, result, calibration=cal)
    assert context.landmarks == ("LEFT_KNEE", "LEFT_ANKLE", "LEFT_HEEL", "LEFT_FOOT_INDEX")
    k = result.measurement.peak_frame
    assert k is not None
    # The points shown are where the model put them (the figure's knee, image pixels).
    ankle = np.array([30.0, ANKLE_U])
    knee_35 = ankle + SHANK * unit(35.0)
    shown = context.points(k)["LEFT_KNEE"]
    assert shown is not None
    assert shown == pytest.approx(_image_px(*knee_35, roll), abs=0.05)
    # The clinician puts the knee where a 25 deg shank would have it.
    knee_25 = _image_px(*(ankle + SHANK * unit(25.0)), roll)
    corrected = corrected_measurement(context, {"LEFT_KNEE": knee_25}, clinician=" Dr A ",
                                      corrected_at=WHEN)
    assert corrected.value == pytest.approx(25.0, abs=0.05)
    assert corrected.provenance["method"] == CORRECTED_METHOD
    assert is_corrected(corrected) and not is_corrected(result.measurement)
    record = correction_of(corrected)
    assert record is not None
    assert record.clinician == "Dr A"
    assert record.corrected_at == "2026-12-02T03:04:05+00:00"
    assert record.frame == k
    (move,) = record.moved
    assert move.landmark == "LEFT_KNEE"
    # The knee moved along a 43 cm radius by 10 deg: the chord 2 r sin(5 deg), in pixels.
    chord_px = 2 * SHANK * PX_PER_CM * math.sin(math.radians(5.0))
    assert move.moved_px == pytest.approx(chord_px, abs=0.1)
    assert record.original == result.measurement
    assert automatic_measurement(corrected) == result.measurement
    # The rest of the automatic record stands: side, unit, reasons.
    assert (corrected.side, corrected.unit, corrected.reasons) == ("left", "deg", ())


def test_points_left_in_place_give_the_automatic_value_and_no_moves() -> None:
    track = make_track(lunge(30.0))
    cal = Calibration(roll_source="user")
    result = measure(track, "ankle-dorsiflexion", calibration=cal)
    context = correction_context(track, result, calibration=cal)
    k = result.measurement.peak_frame
    assert k is not None
    same = {name: p for name, p in context.points(k).items() if p is not None}
    corrected = corrected_measurement(context, same, corrected_at=WHEN)
    assert corrected.value == pytest.approx(result.measurement.value, abs=0.01)
    record = correction_of(corrected)
    assert record is not None and record.moved == ()


def test_knee_flexion_follows_the_hip_to_ankle_distance() -> None:
    # Knee flexion is taken from the bones: moving the ankle changes the value, and the
    # landmark angle at the knee is the one secondary that the knee's point changes.
    track = make_track(quad_stretch(90.0))
    result = measure(track, "knee-flexion")
    m = result.measurement
    assert m.value == pytest.approx(90.0, abs=0.5)
    context = correction_context(track, result)
    assert context.landmarks == ("LEFT_HIP", "LEFT_KNEE", "LEFT_ANKLE")
    k = m.peak_frame
    assert k is not None
    points = context.points(k)
    knee, ankle = np.array(points["LEFT_KNEE"]), np.array(points["LEFT_ANKLE"])
    # The ankle turned about the knee by 20 deg one way or the other: 70 or 110 deg.
    a = math.radians(20.0)
    turn = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    values = sorted(
        corrected_measurement(context, {"LEFT_ANKLE": tuple(knee + r @ (ankle - knee))}).value
        or math.nan
        for r in (turn, turn.T)
    )
    assert values == pytest.approx([70.0, 110.0], abs=0.5)
    # The knee's own point changes the landmark angle, not the value from the bones.
    moved_knee = corrected_measurement(context, {"LEFT_KNEE": tuple(knee + np.array([8.0, 0.0]))})
    assert moved_knee.value == pytest.approx(m.value, abs=0.5)


def test_a_stored_correction_round_trips_through_to_dict() -> None:
    track = make_track(lunge(30.0))
    cal = Calibration(roll_source="user")
    result = measure(track, "ankle-dorsiflexion", calibration=cal)
    context = correction_context(track, result, calibration=cal)
    k = result.measurement.peak_frame
    assert k is not None
    knee = context.points(k)["LEFT_KNEE"]
    assert knee is not None
    corrected = corrected_measurement(context, {"LEFT_KNEE": (knee[0] - 12.0, knee[1])},
                                      corrected_at=WHEN)
    again = Measurement.from_dict(json.loads(json.dumps(corrected.to_dict())))
    assert again == corrected
    assert automatic_measurement(again) == result.measurement
    # Correcting a corrected value starts from the same automatic one.
    stacked = TrialResult(again, result.time_s, result.values, result.raw_values,
                          result.segments)
    assert correction_context(track, stacked, calibration=cal).original == result.measurement


def test_only_the_measured_chain_may_move() -> None:
    track = make_track(lunge(30.0))
    cal = Calibration(roll_source="user")
    result = measure(track, "ankle-dorsiflexion", calibration=cal)
    context = correction_context(track, result, calibration=cal)
    with pytest.raises(MeasurementError, match="LEFT_HIP"):
        corrected_measurement(context, {"LEFT_HIP": (1.0, 2.0)})
    with pytest.raises(MeasurementError, match="finite"):
        corrected_measurement(context, {"LEFT_KNEE": (math.nan, 2.0)})


def test_a_correction_is_applied_again_to_a_new_analysis_of_the_same_video() -> None:
    cal = Calibration(roll_source="user")
    track = make_track(lunge(35.0))
    result = measure(track, "ankle-dorsiflexion", "left", calibration=cal)
    k = result.measurement.peak_frame
    assert k is not None
    knee_25 = _image_px(*(np.array([30.0, ANKLE_U]) + SHANK * unit(25.0)))
    corrected = corrected_measurement(correction_context(track, result, calibration=cal),
                                      {"LEFT_KNEE": knee_25}, clinician="Dr A",
                                      corrected_at=WHEN)
    # The same video tracked again from its 6th frame on: track index k - 5 is video frame k.
    again = replace(track, frame_indices=track.frame_indices + 5)
    new_result = measure(again, "ankle-dorsiflexion", "left", calibration=cal)
    kept = reapplied_correction(corrected, track, correction_context(again, new_result,
                                                                     calibration=cal))
    assert kept.peak_frame == k - 5 and kept.peak_time_s == pytest.approx(again.timestamps_s[k - 5])
    assert kept.value == pytest.approx(25.0, abs=0.05)  # the ankle stands still: same shank
    record = correction_of(kept)
    assert record is not None and (record.clinician, record.corrected_at) == (
        "Dr A", "2026-12-02T03:04:05+00:00")
    assert record.original == new_result.measurement
    assert [m.landmark for m in record.moved] == ["LEFT_KNEE"]


def test_a_correction_that_no_longer_applies_says_why() -> None:
    cal = Calibration(roll_source="user")
    track = make_track(lunge(35.0))
    result = measure(track, "ankle-dorsiflexion", "left", calibration=cal)
    knee_25 = _image_px(*(np.array([30.0, ANKLE_U]) + SHANK * unit(25.0)))
    corrected = corrected_measurement(correction_context(track, result, calibration=cal),
                                      {"LEFT_KNEE": knee_25})

    def reapplied(new_track: object, side: str = "left") -> Measurement:
        new = measure(new_track, "ankle-dorsiflexion", side, calibration=cal)  # type: ignore[arg-type]
        return reapplied_correction(
            corrected, track, correction_context(new_track, new, calibration=cal))  # type: ignore[arg-type]

    with pytest.raises(MeasurementError, match="another video"):
        reapplied(replace(track, source_sha256="ef" * 32))
    with pytest.raises(MeasurementError, match="moved the left leg's points and the right leg"):
        reapplied(track, "right")
    with pytest.raises(MeasurementError, match="is not in the new analysis"):
        reapplied(replace(track, frame_indices=track.frame_indices + 1000))
    with pytest.raises(MeasurementError, match="not adjusted by hand"):
        reapplied_correction(result.measurement, track,
                             correction_context(track, result, calibration=cal))
