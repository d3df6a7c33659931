"""The toe tests: manual-only catalogue entries, never offered for video analysis."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from rom import compare, labels
from rom.comparison import compare_pair
from rom.errors import MeasurementError, RomError
from rom.manual import joint_deviation_deg, three_point_angle_deg
from rom.protocols import (
    CATALOGUE,
    MANUAL_CATALOGUE,
    MANUAL_TESTS,
    TESTS,
    measure,
    spec_for,
    toe_extension,
    toe_flexion,
    toe_spread,
)
from rom.protocols.spec import MinimalDetectableChange, TestSpec
from rom.store.validate import value_in_range
from tests.test_protocols import lunge, make_track

MODULES = (toe_extension, toe_flexion, toe_spread)


def test_the_toe_tests_are_manual_only_specs_of_their_modules() -> None:
    assert MANUAL_TESTS == ("big-toe-extension", "big-toe-flexion", "toe-spread")
    for module in MODULES:
        spec = MANUAL_CATALOGUE[module.TEST]
        assert spec is module.SPEC and spec_for(module.TEST) is spec
        assert spec.manual_only and spec.chains == ()
        assert labels.test_label(spec.name) == labels.MANUAL_TEST_LABELS[spec.label_key]
        assert spec.name in labels.PHOTO_TIPS
        assert spec.mdc.value is None and "not established" in spec.mdc.source
    assert not any(spec.manual_only for spec in CATALOGUE.values())
    assert spec_for("knee-flexion") is CATALOGUE["knee-flexion"]
    assert spec_for("shoulder-flexion") is None
    assert MANUAL_CATALOGUE["toe-spread"].units == ("deg", "cm")


def test_no_video_path_offers_a_toe_test() -> None:
    from rom.batch import parse_clip_name
    from rom.commands.analyze import TESTS as CLI_TESTS
    from rom.dashboard.record import tests_offered

    for test in MANUAL_TESTS:
        assert test not in TESTS and test not in tests_offered() and test not in CLI_TESTS
        with pytest.raises(MeasurementError, match="measured by hand"):
            measure(make_track(lunge(30.0)), test)
        with pytest.raises(RomError, match="unknown test"):
            parse_clip_name(Path(f"ana_{test}_left_pre.mp4"), None)


def test_the_protocol_of_a_manual_test_refuses() -> None:
    with pytest.raises(MeasurementError, match="by hand"):
        toe_extension.SPEC.measure(None, None, None)  # type: ignore[arg-type]


def test_a_manual_spec_with_landmark_chains_is_refused() -> None:
    good = toe_extension.SPEC
    with pytest.raises(ValueError, match="no landmark chains"):
        TestSpec(**{**vars(good), "chains": (("KNEE", "ANKLE"),)})
    with pytest.raises(ValueError, match="MDC"):
        TestSpec(**{**vars(good), "mdc": MinimalDetectableChange("toe-spread", None, "deg", "x")})


def test_big_toe_extension_and_flexion_from_marked_points() -> None:
    # Side view of a right foot, toes towards +x: metatarsal horizontal, hallux 55 deg up.
    shaft, mtp = (100.0, 400.0), (260.0, 400.0)
    up = (mtp[0] + 50 * math.cos(math.radians(55)), mtp[1] - 50 * math.sin(math.radians(55)))
    extension = joint_deviation_deg(shaft, mtp, up)
    assert extension == pytest.approx(55.0)
    assert value_in_range("big-toe-extension", "deg", extension) == pytest.approx(55.0)
    down = (mtp[0] + 50 * math.cos(math.radians(-35)), mtp[1] - 50 * math.sin(math.radians(-35)))
    flexion = -joint_deviation_deg(shaft, mtp, down)  # flexion is positive downwards
    assert flexion == pytest.approx(35.0)
    spread = three_point_angle_deg((40.0, 0.0), (100.0, 200.0), (160.0, 0.0))
    assert spread == pytest.approx(2 * math.degrees(math.atan2(60.0, 200.0)))


def test_stored_toe_values_are_range_checked() -> None:
    with pytest.raises(Exception, match="outside the plausible range"):
        value_in_range("big-toe-extension", "deg", 200.0)
    with pytest.raises(Exception, match="outside the plausible range"):
        value_in_range("toe-spread", "cm", 40.0)
    assert value_in_range("toe-spread", "cm", 9.5) == 9.5


def test_a_toe_test_compares_before_and_after_without_an_mdc() -> None:
    result = compare.change(40.0, 52.0, "big-toe-extension")
    assert (result.unit, result.absolute, result.mdc) == ("deg", 12.0, None)
    assert result.real_change is None  # no MDC: rom does not call it real
    assert compare.mdc_for("big-toe-extension", "deg") is None
    with pytest.raises(MeasurementError, match="unknown test"):
        compare.change(1.0, 2.0, "shoulder-flexion")


def test_compare_pair_gives_a_toe_test_its_change() -> None:
    from rom.measurement import Measurement

    def value(v: float) -> Measurement:
        return Measurement(test="big-toe-extension", side="right", value=v, unit="deg",
                           quality=1.0, reliable=True, reasons=(),
                           peak_time_s=None, peak_frame=None)

    line = compare_pair("big-toe-extension", "right", value(40.0), value(47.0))
    assert line.change is not None and line.change.absolute == pytest.approx(7.0)
    assert line.mdc is None and line.mdc_source == ""


def test_a_manual_toe_value_is_stored_and_in_the_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)
    from rom.manual import manual_measurement
    from rom.store import NewTrial, Store

    mtp = (300.0, 420.0)
    hallux = (mtp[0] + 60 * math.cos(math.radians(52)), mtp[1] - 60 * math.sin(math.radians(52)))
    m = manual_measurement("big-toe-extension", "right", [(120.0, 420.0), mtp, hallux])
    with Store(f"sqlite:///{tmp_path / 'rom.db'}") as store:
        person = store.add_person("Toe (pseudonym)")
        store.add_session(person.id, date=dt.date(2026, 12, 1), technique="Toe Spreaders",
                          trials=[NewTrial("pre", "big-toe-extension", "right",
                                           measurements=(m,))])
        (point,) = store.history(person.id, test="big-toe-extension", side="right")
    assert point.measurement.value == pytest.approx(52.0)
    assert point.measurement.provenance["method"] == "manual"
