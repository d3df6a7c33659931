"""Pre/post change, MDC decisions and asymmetry with hand-computed answers."""

from __future__ import annotations

import math

import pytest

from rom.compare import MDC95, asymmetry, change, compare_measurements, mdc_for
from rom.errors import MeasurementError
from rom.measurement import Measurement
from rom.protocols import TESTS


def test_every_test_has_an_mdc_entry_with_a_source() -> None:
    assert set(MDC95) == set(TESTS)
    for entry in MDC95.values():
        assert entry.source
        assert entry.value is None or entry.value > 0


def test_change_beyond_mdc_improves_ankle() -> None:
    c = change(30.0, 36.0, "ankle-dorsiflexion")
    assert c.absolute == pytest.approx(6.0)
    assert c.percent == pytest.approx(20.0)
    assert c.mdc == pytest.approx(4.7)
    assert c.exceeds_mdc is True
    assert c.improved is True


def test_change_within_mdc_is_not_a_change() -> None:
    c = change(30.0, 34.0, "ankle-dorsiflexion")
    assert c.exceeds_mdc is False
    assert c.improved is None


def test_toe_touch_lower_is_better() -> None:
    better = change(10.0, 2.0, "toe-touch", "cm")
    assert better.absolute == pytest.approx(-8.0)
    assert better.percent == pytest.approx(-80.0)
    assert better.improved is True
    worse = change(-2.0, 5.0, "toe-touch", "cm")
    assert worse.percent == pytest.approx(350.0)  # relative to |pre|
    assert worse.improved is False


def test_no_mdc_in_other_units_or_unestablished_tests() -> None:
    assert mdc_for("toe-touch", "fraction_of_height") is None
    c = change(10.0, 25.0, "hip-extension")
    assert c.mdc is None and c.exceeds_mdc is None and c.improved is None
    assert change(0.0, 5.0, "knee-flexion").percent is None


def test_compare_measurements_checks_compatibility() -> None:
    def m(
        value: float | None, unit: str = "deg", test: str = "knee-flexion", reliable: bool = True
    ) -> Measurement:
        return Measurement(test, "left", value, unit, 0.9, reliable, (), 1.0, 30)

    c = compare_measurements(m(120.0), m(132.0, reliable=False))
    assert c.absolute == pytest.approx(12.0) and c.exceeds_mdc is True and not c.reliable
    with pytest.raises(MeasurementError):
        compare_measurements(m(1.0), m(2.0, test="hip-flexion"))
    with pytest.raises(MeasurementError):
        compare_measurements(m(1.0), m(2.0, unit="cm"))
    with pytest.raises(MeasurementError):
        compare_measurements(m(None), m(2.0))


def test_asymmetry() -> None:
    a = asymmetry(40.0, 32.0, "ankle-dorsiflexion")
    assert a.difference == pytest.approx(8.0)
    assert a.percent == pytest.approx(20.0)  # 8 / 40
    assert a.exceeds_mdc is True
    assert asymmetry(0.0, 0.0, "knee-flexion").percent is None
    assert asymmetry(33.0, 31.0, "ankle-dorsiflexion").exceeds_mdc is False


def test_bad_input() -> None:
    with pytest.raises(MeasurementError):
        change(1.0, 2.0, "elbow")
    with pytest.raises(MeasurementError):
        change(float("nan"), 2.0, "knee-flexion")


def test_a_change_is_real_only_beyond_the_mdc_and_the_values_uncertainty() -> None:
    from rom.compare import combined_uncertainty

    # 6 deg > MDC 4.7 and > sqrt(3**2 + 4**2) = 5: real.
    c = change(30.0, 36.0, "ankle-dorsiflexion", pre_uncertainty=3.0, post_uncertainty=4.0)
    assert c.uncertainty == pytest.approx(5.0) and c.exceeds_uncertainty is True
    assert c.exceeds_mdc is True and c.real_change is True and c.improved is True
    # 6 deg > MDC 4.7 but < sqrt(5**2 + 5**2) = 7.07: not real, so neither better nor worse.
    wide = change(30.0, 36.0, "ankle-dorsiflexion", pre_uncertainty=5.0, post_uncertainty=5.0)
    assert wide.uncertainty == pytest.approx(math.sqrt(50.0))
    assert wide.exceeds_mdc is True and wide.exceeds_uncertainty is False
    assert wide.real_change is False and wide.improved is None
    assert wide.to_dict()["real_change"] is False
    # Within the MDC nothing is real, however small the uncertainty.
    assert change(30.0, 34.0, "ankle-dorsiflexion", pre_uncertainty=0.1,
                  post_uncertainty=0.1).real_change is False
    # Without an MDC there is no verdict; without uncertainties the MDC alone decides.
    assert change(10.0, 25.0, "hip-extension", pre_uncertainty=1.0,
                  post_uncertainty=1.0).real_change is None
    old = change(30.0, 36.0, "ankle-dorsiflexion")
    assert old.uncertainty is None and old.exceeds_uncertainty is None
    assert old.real_change is True and old.improved is True
    # An unknown one counts as zero (a lower bound); none known is None.
    assert combined_uncertainty(None, 0.3) == pytest.approx(0.3)
    assert combined_uncertainty(None, None) is None
    assert combined_uncertainty(0.3, 0.4) == pytest.approx(0.5)


def test_compare_measurements_uses_their_uncertainties() -> None:
    def m(value: float, u: float | None) -> Measurement:
        return Measurement("knee-flexion", "left", value, "deg", 0.9, True, (), 1.0, 30,
                           uncertainty=u)

    c = compare_measurements(m(120.0, 6.0), m(132.0, 10.0))  # 12 > MDC 10 and > 11.66
    assert c.uncertainty == pytest.approx(math.hypot(6.0, 10.0))
    assert c.exceeds_mdc is True and c.exceeds_uncertainty is True and c.real_change is True
    c = compare_measurements(m(120.0, 8.0), m(132.0, 10.0))  # 12 < sqrt(164) = 12.8
    assert c.exceeds_uncertainty is False and c.real_change is False and c.improved is None
