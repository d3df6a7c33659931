"""The one catalogue of tests: every table about tests reads from the specs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import numpy as np
import pytest

from rom import compare, labels
from rom.calibrate.height import cm_per_px_from_height
from rom.errors import CalibrationError, MeasurementError, StorageError
from rom.landmarks import Landmark
from rom.protocols import (
    CATALOGUE,
    TESTS,
    UNITS,
    ankle_dorsiflexion,
    hip_extension,
    hip_flexion,
    knee_flexion,
    knee_flexion_prone,
    measure,
    toe_touch,
)
from rom.protocols.spec import MinimalDetectableChange, TestSpec
from rom.store import validate
from rom.vocabulary import HEIGHT_RANGE_CM, SIDES, TestName
from tests.test_protocols import make_track, quad_stretch, runners_lunge
from tools.synth import truth

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"
MODULES = (
    ankle_dorsiflexion, knee_flexion, knee_flexion_prone, hip_extension, hip_flexion, toe_touch
)


def test_every_test_has_one_spec_from_its_module() -> None:
    assert tuple(get_args(TestName)) == TESTS
    assert set(CATALOGUE) == {m.SPEC.name for m in MODULES}
    for module in MODULES:
        assert module.SPEC.name == module.TEST
        assert CATALOGUE[module.TEST] is module.SPEC
        assert module.SPEC.measure is module.measure


def test_units_and_labels_agree_with_the_specs() -> None:
    assert {name: spec.unit for name, spec in CATALOGUE.items()} == UNITS
    assert UNITS["toe-touch"] == "cm"
    assert CATALOGUE["toe-touch"].units == ("cm", "fraction_of_height")
    for name, spec in CATALOGUE.items():
        assert labels.test_label(name) == labels.TEST_LABELS[spec.label_key]
        assert spec.filming_tip_key in labels.FILMING_TIPS
        assert all(unit in labels.UNIT_SUFFIX for unit in spec.units), spec.units
    # No words for a test that does not exist.
    assert set(labels.TEST_LABELS) == {s.label_key for s in CATALOGUE.values()}
    assert set(labels.FILMING_TIPS) == {s.filming_tip_key for s in CATALOGUE.values()}


def test_every_mdc_states_its_source() -> None:
    for name, spec in CATALOGUE.items():
        mdc = spec.mdc
        assert (mdc.test, mdc.unit) == (name, spec.unit)
        assert mdc.source.strip()
        if mdc.value is not None:
            assert mdc.value > 0
            assert re.search(r"(19|20)\d\d", mdc.source), mdc.source  # a dated publication
        else:
            assert "not established" in mdc.source


def test_compare_reads_its_tables_from_the_catalogue() -> None:
    assert compare.MinimalDetectableChange is MinimalDetectableChange
    for name, spec in CATALOGUE.items():
        assert compare.MDC95[name] is spec.mdc
        assert compare.HIGHER_IS_BETTER[name] is spec.higher_is_better
    # The direction comes from the spec: less fingertip-to-floor distance is better.
    assert compare.change(10.0, 4.0, "toe-touch").improved is True
    assert compare.change(30.0, 36.0, "ankle-dorsiflexion").improved is True
    assert compare.change(30.0, 24.0, "ankle-dorsiflexion").improved is False
    assert compare.mdc_for("ankle-dorsiflexion", "deg") == CATALOGUE["ankle-dorsiflexion"].mdc.value


def test_valid_ranges_hold_every_sample_clips_true_value() -> None:
    docs = [json.loads(p.read_text()) for p in sorted(SAMPLES.glob("*.json"))]
    assert docs
    for doc in docs:
        low, high = CATALOGUE[doc["test"]].range_for(doc["unit"]) or (np.nan, np.nan)
        assert low <= doc["true_value"] <= high, doc["test"]
    knee = CATALOGUE["knee-flexion"]
    assert knee.range_for("deg") == (-20.0, 180.0) and knee.range_for("cm") is None
    assert CATALOGUE["toe-touch"].range_for("fraction_of_height") is not None


def test_a_malformed_spec_is_refused() -> None:
    good = CATALOGUE["knee-flexion"]
    with pytest.raises(ValueError, match="MDC"):
        TestSpec(**{**vars(good), "mdc": MinimalDetectableChange("toe-touch", 1.0, "cm", "x")})
    with pytest.raises(ValueError, match="range"):
        TestSpec(**{**vars(good), "valid_range": (10.0, -10.0)})


def test_spec_segments_are_the_chains_on_one_side() -> None:
    knee = CATALOGUE["knee-flexion"]
    assert knee.segments("right") == (
        (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    )
    ankle = CATALOGUE["ankle-dorsiflexion"].segments("left")
    assert ankle == ((25, 27), (29, 31))


@pytest.mark.parametrize("side", SIDES)
def test_results_draw_the_specs_segments(side: str) -> None:
    result = measure(make_track(quad_stretch(90.0, side)), "knee-flexion", side=side)
    assert result.segments == CATALOGUE["knee-flexion"].segments(result.measurement.side)
    # Hip extension draws the near side's trunk line and the measured thigh.
    lunge = measure(make_track(runners_lunge(12.0)), "hip-extension")
    near = json.loads(lunge.measurement.provenance["settings"])["trunk_side"]
    spec = CATALOGUE["hip-extension"]
    assert lunge.segments == (spec.segments(near)[0], spec.segments(lunge.measurement.side)[1])


def test_the_live_view_draws_the_specs_chains() -> None:
    from rom.dashboard import live

    assert {name: spec.chains for name, spec in CATALOGUE.items()} == live.LIVE_CHAINS
    xy = np.full((33, 2), np.nan)
    # Knee bent to a right angle: hip above the knee, ankle behind it.
    xy[Landmark.LEFT_HIP], xy[Landmark.LEFT_KNEE], xy[Landmark.LEFT_ANKLE] = (
        (100, 100), (100, 200), (0, 200)
    )
    knee = CATALOGUE["knee-flexion"].segments("left")
    assert live.live_angle_deg(knee, xy) == pytest.approx(90.0)
    # Shank 30 deg from vertical, whichever end is listed first.
    xy[Landmark.LEFT_KNEE] = (200 + 100 * np.tan(np.radians(30.0)), 100)
    xy[Landmark.LEFT_ANKLE] = (200, 200)
    ankle = CATALOGUE["ankle-dorsiflexion"].segments("left")
    assert live.live_angle_deg(ankle, xy) == pytest.approx(30.0)
    assert live.live_angle_deg(((27, 25),), xy) == pytest.approx(30.0)
    # Hip extension's trunk line and thigh meet at the hip: one joint, 20 deg behind.
    xy[Landmark.LEFT_SHOULDER], xy[Landmark.LEFT_HIP] = (100, 0), (100, 100)
    behind = np.radians(20.0)
    xy[Landmark.LEFT_KNEE] = (100 - 100 * np.sin(behind), 100 + 100 * np.cos(behind))
    hip = CATALOGUE["hip-extension"].segments("left")
    assert live.live_angle_deg(hip, xy) == pytest.approx(20.0)
    assert np.isnan(live.live_angle_deg(CATALOGUE["toe-touch"].segments("right"), xy))


def test_the_generators_truth_covers_the_catalogue() -> None:
    # tools/synth/truth.py runs in the generator's venv without rom.protocols: its copy of
    # the test list and units must equal the catalogue's.
    assert truth.TESTS == TESTS
    assert truth.UNITS == UNITS
    rng = np.random.default_rng(3)
    xyz = rng.normal(0.0, 0.3, (6, 33, 3))
    for test in TESTS:
        tips = rng.normal(0.0, 0.3, (6, 2, 3)) if test == "toe-touch" else None
        assert truth.per_frame(xyz, test, "left", tips)["value"].shape == (6,)
    # Hip flexion is hip extension with the other sign.
    extension = truth.per_frame(xyz, "hip-extension", "right")["value"]
    flexion = truth.per_frame(xyz, "hip-flexion", "right")["value"]
    assert np.allclose(flexion, -extension)


def test_one_height_range_everywhere() -> None:
    low, high = HEIGHT_RANGE_CM
    assert (low, high) == (50.0, 272.0)
    track = make_track(quad_stretch(90.0))
    assert measure(track, "knee-flexion", height_cm=high).measurement.value is not None
    for bad in (low - 1.0, high + 1.0):
        with pytest.raises(MeasurementError, match=f"between {low:g} and {high:g} cm"):
            measure(track, "knee-flexion", height_cm=bad)
        with pytest.raises(StorageError, match=f"between {low:g} and {high:g} cm"):
            validate.height_cm(bad)
        with pytest.raises(CalibrationError, match="between"):
            cm_per_px_from_height(np.zeros((33, 2)), bad)
    assert validate.height_cm(high) == high
