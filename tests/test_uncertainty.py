"""Each value's uncertainty: the pure parts against hand-computed answers, then the protocols.

The synthetic stick figures of ``tests/test_protocols.py`` hold their pose exactly, so the
held peak adds (almost) nothing and the calibration's part can be checked on its own.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rom.calibration import Calibration
from rom.measurement import CalibrationUsed, Measurement
from rom.protocols import measure
from rom.protocols import uncertainty as unc
from rom.signal import Peak, robust_peak
from tests.test_protocols import (
    PX_PER_CM,
    STICK_STATURE_CM,
    lunge,
    make_track,
    runners_lunge,
    toe_touch,
    unit,
)

FPS = 30.0


def test_a_still_hold_with_frame_noise_is_known_to_the_standard_error() -> None:
    # Smoothed level flat at 40 deg, raw frames alternating 40 +- 1 deg: hold 0, RMS 1.
    t = np.arange(10) / FPS  # 0.3 s
    smooth = np.full(10, 40.0)
    raw = 40.0 + np.array([1.0, -1.0] * 5)
    peak = Peak(value=40.0, index=4, start=0, stop=10)
    # n = 10 frames, but a 6 Hz low-pass holds only 2 * 6 * 0.3 = 3.6 independent values.
    expected = 1.96 * 1.0 / math.sqrt(3.6)
    assert unc.held_peak_uncertainty(t, smooth, raw, peak, cutoff_hz=6.0) == pytest.approx(
        expected)
    # A low cut-off cannot make fewer than one independent value; a high one no more than n.
    assert unc.held_peak_uncertainty(t, smooth, raw, peak, cutoff_hz=0.1) == pytest.approx(1.96)
    assert unc.held_peak_uncertainty(t, smooth, raw, peak, cutoff_hz=100.0) == pytest.approx(
        1.96 / math.sqrt(10))


def test_a_drifting_hold_counts_its_movement_and_the_raw_offset() -> None:
    t = np.array([0.0, 0.1, 0.2, 0.3])
    values = np.array([10.0, 11.0, 12.0, 13.0])  # held level 10 (the window's minimum)
    peak = Peak(value=10.0, index=3, start=0, stop=4)
    hold = math.sqrt(1.25)  # standard deviation of 10, 11, 12, 13
    frames = math.sqrt((0 + 1 + 4 + 9) / 4 / 3.6)  # RMS from the level over n_eff = 3.6
    expected = 1.96 * math.hypot(hold, frames)
    assert unc.held_peak_uncertainty(t, values, values.copy(), peak) == pytest.approx(expected)
    assert expected == pytest.approx(2.9218, abs=1e-4)
    # Only the window counts: a wild signal outside it changes nothing.
    longer_t = np.arange(8) / 10.0
    longer = np.array([10.0, 11.0, 12.0, 13.0, 90.0, -50.0, np.nan, 7.0])
    assert unc.held_peak_uncertainty(longer_t, longer, longer, peak) == pytest.approx(expected)


def test_nothing_finite_in_the_window_is_unknown() -> None:
    nan = np.full(4, np.nan)
    peak = Peak(value=1.0, index=0, start=0, stop=4)
    assert math.isnan(unc.held_peak_uncertainty(np.arange(4.0), nan, nan, peak))


def test_a_held_peak_found_by_robust_peak_of_a_clean_plateau_is_certain() -> None:
    t = np.arange(90) / FPS
    values = np.where((t > 1.0) & (t < 2.0), 35.0, 5.0)
    peak = robust_peak(t, values, 0.3)
    assert peak is not None and peak.value == 35.0
    assert unc.held_peak_uncertainty(t, values, values, peak) == pytest.approx(0.0, abs=1e-12)


def test_roll_error_is_the_calibrations_bound_or_the_assumed_worst() -> None:
    assert unc.roll_error_deg(Calibration(roll_source="marker", roll_uncertainty_deg=0.3)) == 0.3
    assert unc.roll_error_deg(Calibration(roll_source="user")) == 1.0  # typed: +-1 deg
    assert unc.roll_error_deg(Calibration()) == unc.ASSUMED_MAX_ROLL_DEG == 10.0
    assert unc.roll_error_deg(Calibration(roll_source="scene")) == 10.0  # no stated accuracy


def test_scale_uncertainty_by_unit_and_source() -> None:
    assert unc.scale_relative_uncertainty("deg", "marker") == 0.0
    assert unc.scale_relative_uncertainty("cm", "marker") == 0.02
    assert unc.scale_relative_uncertainty("cm", "height") == 0.03
    assert unc.scale_relative_uncertainty("cm", "checkerboard") == 0.03
    assert unc.scale_relative_uncertainty("fraction_of_height", None) == 0.03


def test_the_parts_add_in_quadrature() -> None:
    # 20 cm with the marker's 2 % (0.4 cm), a 0.3 cm peak and a 0.4 cm tilt.
    u = unc.value_uncertainty(20.0, "cm", 0.3, tilt=0.4, scale_source="marker")
    assert u == pytest.approx(math.sqrt(0.3**2 + 0.4**2 + 0.4**2))
    assert unc.value_uncertainty(-20.0, "cm", 0.3, tilt=0.4, scale_source="marker") == u
    assert unc.value_uncertainty(35.0, "deg", 0.3, tilt=0.4) == pytest.approx(0.5)
    assert unc.combined(3.0, 4.0) == 5.0 and unc.combined() == 0.0
    assert math.isnan(unc.combined(1.0, math.nan))


# -- the protocols fill it in ------------------------------------------------------------


def test_an_angle_to_vertical_carries_the_rolls_bound() -> None:
    marker = Calibration(roll_source="marker", roll_uncertainty_deg=0.3, marker_rejection=None)
    m = measure(make_track(lunge(35.0)), "ankle-dorsiflexion", calibration=marker).measurement
    assert m.value == pytest.approx(35.0, abs=0.1)
    assert m.uncertainty == pytest.approx(0.3, abs=0.02)  # the figure holds still
    assert m.calibration == CalibrationUsed(roll_deg=0.0, roll_source="marker",
                                            roll_uncertainty_deg=0.3)
    # Unknown roll: the value is invalid, and as uncertain as a phone may lean.
    level = measure(make_track(lunge(35.0)), "ankle-dorsiflexion").measurement
    assert "tilt_unknown" in level.reasons
    assert level.uncertainty == pytest.approx(10.0, abs=0.05)
    assert level.calibration == CalibrationUsed()


def test_frame_noise_widens_the_uncertainty_by_the_held_peaks_spread() -> None:
    marker = Calibration(roll_source="marker", roll_uncertainty_deg=0.3)
    result = measure(make_track(lunge(35.0), noise_px=1.5), "ankle-dorsiflexion",
                     calibration=marker)
    m = result.measurement
    peak = robust_peak(result.time_s, result.values, 0.3)
    assert peak is not None and m.value == pytest.approx(peak.value, abs=0.01)
    spread = unc.held_peak_uncertainty(result.time_s, result.values, result.raw_values, peak)
    assert spread > 0.05
    assert m.uncertainty == pytest.approx(math.hypot(spread, 0.3), abs=0.01)


def test_an_angle_between_segments_does_not_depend_on_the_roll() -> None:
    m = measure(make_track(runners_lunge(18.0)), "hip-extension").measurement
    assert m.value == pytest.approx(18.0, abs=0.2)
    assert m.uncertainty is not None and m.uncertainty < 0.05  # unknown roll, still certain
    assert (m.calibration is not None and m.calibration.cm_per_px is None
            and m.calibration.scale_source is None)  # this test uses no scale


def test_toe_touch_adds_its_tilt_sensitivity_and_the_scale() -> None:
    cal = Calibration(roll_source="user", cm_per_px=1 / PX_PER_CM, scale_source="marker")
    m = measure(make_track(toe_touch(100.0, reach_cm=12.0)), "toe-touch",
                calibration=cal).measurement
    assert m.value == pytest.approx(12.0, abs=0.1)
    # The fingertip is 5 cm in front of the shoulder; the foot's median x (heel -5 cm, toe
    # +15 cm) is 5 cm in front of the ankle; the typed roll is good to 1 deg.
    shoulder_f = 50.0 * unit(100.0)[0]
    tilt_cm = (shoulder_f + 5.0 - 5.0) * math.sin(math.radians(1.0))
    scale_cm = 0.02 * 12.0
    # The hand hangs straight down: 5 % of a hand length (0.108 * 0.94 of the stature) is
    # the spread of hand lengths between people (toe_touch.fingertip_model_uncertainty_px).
    hand_cm = 0.05 * 0.108 * 0.94 * STICK_STATURE_CM
    assert m.uncertainty == pytest.approx(math.hypot(tilt_cm, scale_cm, hand_cm), abs=0.05)
    assert m.calibration == CalibrationUsed(roll_source="user", roll_uncertainty_deg=1.0,
                                            cm_per_px=0.25, scale_source="marker")


def test_measurements_round_trip_their_new_fields_and_old_dicts_read_none() -> None:
    used = CalibrationUsed(roll_deg=1.5, roll_source="scene", roll_uncertainty_deg=0.8,
                           cm_per_px=0.31, scale_source="height", marker_rejection="too_small")
    m = Measurement("toe-touch", "right", 7.5, "cm", 0.9, True, (), 2.0, 60,
                    uncertainty=0.4, calibration=used)
    data = m.to_dict()
    assert data["uncertainty"] == 0.4 and data["calibration"]["marker_rejection"] == "too_small"
    assert Measurement.from_dict(data) == m
    del data["uncertainty"], data["calibration"]
    old = Measurement.from_dict(data)
    assert (old.uncertainty, old.calibration) == (None, None)


@pytest.mark.parametrize(
    ("u", "unit", "expected"),
    [
        (4.99, "deg", False),
        (5.01, "deg", True),
        (2.9, "cm", False),
        (3.1, "cm", True),
        (0.017, "fraction_of_height", False),  # 2.9 cm of a 170 cm adult
        (0.019, "fraction_of_height", True),  # 3.2 cm
        (None, "deg", False),  # unknown: the reason that left it unknown speaks
        (math.nan, "cm", False),
        (50.0, "px", False),  # no promise in that unit
    ],
)
def test_exceeds_tolerance(u: float | None, unit: str, expected: bool) -> None:
    assert unc.exceeds_tolerance(u, unit) is expected
