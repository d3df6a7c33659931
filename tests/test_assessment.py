"""The one peak step every protocol shares (rom.protocols.assessment)."""

from __future__ import annotations

import numpy as np
import pytest

from rom import geometry
from rom.calibration import Calibration
from rom.protocols.assessment import Signal, assess, find_peak, finish
from rom.protocols.body import hip_flexion_signal, knee_flexion_signal, landmark_indices
from rom.protocols.prepare import prepare
from rom.protocols.scale import Scale
from tests.test_protocols import make_track, quad_stretch, toe_touch

LEVEL = Calibration(roll_source="user")


def _knee_signal(prep, reasons: tuple[str, ...] = ()) -> Signal:  # type: ignore[no-untyped-def]
    return Signal(
        test="knee-flexion",
        side="left",
        unit="deg",
        values=knee_flexion_signal(prep, "left"),
        raw_values=knee_flexion_signal(prep, "left", raw=True),
        required=tuple(landmark_indices("left", ("HIP", "KNEE", "ANKLE"))),
        segments=((23, 25, 27),),
        reasons=reasons,
    )


def test_find_peak_returns_the_held_peak_and_leaves_its_input_alone() -> None:
    prep = prepare(make_track(quad_stretch(80.0)), LEVEL)
    values = knee_flexion_signal(prep, "left")
    before = values.copy()
    found = find_peak(prep, values, landmark_indices("left", ("HIP", "KNEE", "ANKLE")))
    assert found.peak is not None and found.peak.value == pytest.approx(80.0, abs=0.1)
    assert found.reasons == ()
    assert set(found.quality_factors) == {"visibility", "side_on", "coverage"}
    np.testing.assert_array_equal(values, before)


def test_find_peak_without_a_person_or_frames() -> None:
    track = make_track(quad_stretch(80.0))
    gone = track.__class__(**{**vars(track), "detected": np.zeros_like(track.detected)})
    prep = prepare(gone)
    found = find_peak(prep, knee_flexion_signal(prep, "left"), [23, 25, 27])
    assert (found.peak, found.reasons) == (None, ("no_person",))


def test_a_known_reason_explains_a_missing_value() -> None:
    prep = prepare(make_track(quad_stretch(80.0)))
    empty = np.full(len(prep.time_s), np.nan)
    assert find_peak(prep, empty, [23, 25, 27]).reasons == ("too_few_frames",)
    explained = find_peak(prep, empty, [23, 25, 27], known_reasons=("no_height_reference",))
    assert explained.reasons == ()


def test_assess_orders_the_reasons_and_reports_each_once() -> None:
    prep = prepare(make_track(quad_stretch(80.0)))  # roll unknown
    mismatch = Scale(0.25, "height", ("scale_plane_mismatch",), 150.0)
    a = assess(prep, _knee_signal(prep, ("no_scale",)), check_roll=True, scale=mismatch)
    assert a.reasons == ["no_scale", "not_levelled", "scale_plane_mismatch"]
    assert a.scale is mismatch and a.index == a.peak.index  # type: ignore[union-attr]
    assert a.value == pytest.approx(80.0, abs=0.1)
    # A reason the signal already gave is not repeated; no roll check unless asked.
    again = assess(prep, _knee_signal(prep, ("scale_plane_mismatch",)), scale=mismatch)
    assert again.reasons == ["scale_plane_mismatch"]
    levelled = assess(prepare(make_track(quad_stretch(80.0)), LEVEL), _knee_signal(prep),
                      check_roll=True)
    assert levelled.reasons == []


def test_finish_rounds_and_judges_the_assessment() -> None:
    prep = prepare(make_track(quad_stretch(80.0)), LEVEL)
    a = assess(prep, _knee_signal(prep))
    a.add_secondary("heel_to_hip_cm", 12.3456)
    a.add_secondary("missing_cm", float("nan"))
    m = finish(prep, a, {"test": "knee-flexion"}).measurement
    assert m.value == round(a.value, 2)  # type: ignore[arg-type]
    assert m.reliable and m.reasons == () and m.secondary == {"heel_to_hip_cm": 12.35}
    assert m.peak_frame == a.index and m.peak_time_s == pytest.approx(prep.time_s[a.index])
    a.reasons.append("heel_lift")  # invalidating
    bad = finish(prep, a, {}).measurement
    assert not bad.reliable and bad.quality <= 0.3


@pytest.mark.parametrize("trunk_side", [None, "left", "right"])
def test_hip_flexion_signal_is_geometrys_hip_flexion(trunk_side: str | None) -> None:
    # Straight legs, trunk bent 60 deg forward: the thigh is 60 deg in front of the trunk line.
    prep = prepare(make_track(toe_touch(60.0, reach_cm=20.0)), LEVEL)
    flexion = hip_flexion_signal(prep, "right", trunk_side=trunk_side)  # type: ignore[arg-type]
    assert np.nanmax(flexion) == pytest.approx(60.0, abs=0.1)
    assert np.nanmin(flexion) == pytest.approx(0.0, abs=0.1)  # upright before the bend
    shoulder = prep.mid("SHOULDER") if trunk_side is None else prep.point("SHOULDER", trunk_side)
    trunk_hip = prep.mid("HIP") if trunk_side is None else prep.point("HIP", trunk_side)
    expected = geometry.hip_flexion_deg(
        shoulder, prep.point("HIP", "right"), prep.point("KNEE", "right"), prep.facing,
        trunk_hip=trunk_hip,
    )
    np.testing.assert_array_equal(flexion, expected)


def _result(value: float, uncertainty: float, unit: str = "cm", quality: float = 0.9):  # type: ignore[no-untyped-def]
    from rom.measurement import Measurement, TrialResult

    m = Measurement("toe-touch", "left", value, unit, quality, True, ("scale_plane_mismatch",),
                    2.0, 60, uncertainty=uncertainty)
    t = np.arange(3.0)
    return TrialResult(m, t, t, t, ())


def test_a_second_reading_gives_the_mean_and_widens_the_uncertainty() -> None:
    from rom.protocols.assessment import with_second_reading

    agreeing = with_second_reading(_result(10.0, 1.0), 11.0).measurement
    assert agreeing.value == pytest.approx(10.5)
    assert agreeing.uncertainty == pytest.approx(np.hypot(1.0, 1.0), abs=0.01)
    assert agreeing.reliable and agreeing.reasons == ("scale_plane_mismatch",)
    assert agreeing.secondary == {"reading_as_filmed_cm": 10.0, "reading_mirrored_cm": 11.0}
    # precision factor 1 - 0.5 (u / 3 cm)^2 replaces the old one in the quality
    expected = 0.9 * (1 - 0.5 * (2**0.5 / 3) ** 2) / (1 - 0.5 * (1 / 3) ** 2)
    assert agreeing.quality == pytest.approx(expected, abs=0.002)
    apart = with_second_reading(_result(10.0, 1.0), 14.0).measurement  # sqrt(1 + 16) > 3 cm
    assert apart.value == pytest.approx(12.0) and not apart.reliable
    assert apart.reasons[-1] == "too_uncertain" and apart.quality <= 0.3
    unchanged = _result(10.0, 1.0)
    assert with_second_reading(unchanged, None) is unchanged
    assert with_second_reading(unchanged, float("nan")) is unchanged
