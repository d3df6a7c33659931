"""The hard synthetic set's pure parts (issue 10): its draws, its camera and its conditions.

No rendering here (that needs the generator's venv): these check that the hard draws
stay in the stated ranges and are seeded, that an ideal clip has no hard condition (so
the committed samples keep their bytes), that the camera swings about the aim point as
documented, and that every clip's conditions can be read back from its truth JSON.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tools.synth import truth
from tools.synth.camera import Camera, orbit_position
from tools.synth.clip import HARD_FIELDS, LIGHTS, ClipSpec
from tools.synth.make_samples import specs as sample_specs
from tools.synth.make_set import (
    HARD_COMMANDS,
    RESOLUTIONS,
    TOE_TOUCH_COMMANDS,
    TOE_TOUCH_STEP_M,
    draw_hard,
)

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"
TESTS = ("ankle-dorsiflexion", "knee-flexion", "hip-extension", "toe-touch")


def _hard_set(seed: int, n: int = 40) -> list[ClipSpec]:
    rng = np.random.default_rng(seed)
    return [draw_hard(rng, i, TESTS[i % 4]) for i in range(n)]


def test_hard_draws_stay_in_the_stated_ranges() -> None:
    sizes = {s for wh in RESOLUTIONS for s in (wh, wh[::-1])}
    for spec in _hard_set(1):
        assert abs(spec.yaw_deg) <= 25.0
        assert abs(spec.roll_deg) <= 10.0
        assert 18 <= spec.crf <= 35
        assert (spec.width, spec.height) in sizes
        assert spec.light in LIGHTS
        assert spec.noise_sigma == 0.0 or 2.0 <= spec.noise_sigma <= 12.0
        if spec.second_person:  # the passer-by needs room between the person and the wall
            assert spec.wall_gap_m >= 1.5
        if spec.test == "toe-touch":
            assert spec.marker
            lo, hi = TOE_TOUCH_COMMANDS[1 if spec.step_height_m else 0]
            assert spec.step_height_m in (0.0, TOE_TOUCH_STEP_M)
        else:
            lo, hi = HARD_COMMANDS[spec.test]
            assert spec.step_height_m == 0.0
        assert lo <= spec.peak_command_deg <= hi


def test_hard_draws_mix_every_condition() -> None:
    specs = _hard_set(1)
    assert {s.light for s in specs} == set(LIGHTS)
    assert {s.yaw_deg > 0 for s in specs} == {True, False}  # both directions
    assert any(s.second_person for s in specs) and any(s.frame_margin < 0.02 for s in specs)
    assert any(s.height > s.width for s in specs) and any(s.width > s.height for s in specs)
    kinds = {truth.body_kind(s.phenotype.as_dict()) for s in specs}
    assert kinds == {"typical", "heavy", "older", "heavy+older"}
    assert [s.test for s in specs[:4]] == list(TESTS)


def test_hard_draws_are_seeded() -> None:
    assert _hard_set(1, 8) == _hard_set(1, 8)
    assert [s.peak_command_deg for s in _hard_set(1, 8)] != [
        s.peak_command_deg for s in _hard_set(2, 8)
    ]


def test_ideal_clips_have_no_hard_condition() -> None:
    for spec, _what in sample_specs():
        assert spec.hard_conditions() == {}
    spec = replace(sample_specs()[0][0], yaw_deg=12.0, light="dim")
    assert spec.hard_conditions() == {"yaw_deg": 12.0, "light": "dim"}
    assert set(spec.hard_conditions()) <= set(HARD_FIELDS)


def test_orbit_position_swings_about_the_aim_point() -> None:
    target = np.array([0.0, 0.3, 0.9])
    side_on = orbit_position(1.0, 3.0, target, 0.0, 1.1)
    np.testing.assert_array_equal(side_on, [3.0, 0.3, 1.1])  # exact: samples unchanged
    for sign in (1.0, -1.0):
        for yaw in (-25.0, 10.0, 90.0):
            p = orbit_position(sign, 3.0, target, yaw, 1.1)
            assert math.hypot(p[0], p[1] - target[1]) == pytest.approx(3.0)
            assert p[2] == 1.1
            # Positive yaw moves the camera towards the body's front (-Y).
            assert np.sign(target[1] - p[1]) == np.sign(yaw)
    front = orbit_position(-1.0, 3.0, target, 90.0, 1.1)
    np.testing.assert_allclose(front, [0.0, 0.3 - 3.0, 1.1], atol=1e-12)


def test_yaw_shows_the_shoulders_apart() -> None:
    """Side-on, shoulders on the viewing axis project to one point; swung by yaw, they
    separate by about the shoulder width times sin(yaw) (the side-on ratio rom checks)."""
    target = np.array([0.0, 0.0, 1.0])
    shoulders = np.array([[0.2, 0.0, 1.0], [-0.2, 0.0, 1.0]])  # +X = the body's left
    seps = []
    for yaw in (0.0, 10.0, 20.0):
        cam = Camera.look_at(1280, 720, 66.0, orbit_position(1.0, 3.0, target, yaw, 1.0), target)
        uv = cam.project(shoulders)
        seps.append(float(np.linalg.norm(uv[0] - uv[1])) / cam.focal_px * 3.0)
    assert seps[0] == pytest.approx(0.0, abs=1e-9)
    assert seps[1] == pytest.approx(0.4 * math.sin(math.radians(10.0)), rel=0.05)
    assert seps[2] == pytest.approx(0.4 * math.sin(math.radians(20.0)), rel=0.05)


def test_body_kind_thresholds() -> None:
    assert truth.body_kind({"weight": 0.5, "age": 2 / 3}) == "typical"
    assert truth.body_kind({"weight": truth.HEAVY_WEIGHT, "age": 0.7}) == "heavy"
    assert truth.body_kind({"weight": 0.5, "age": truth.OLDER_AGE}) == "older"
    assert truth.body_kind({"weight": 0.9, "age": 0.9}) == "heavy+older"
    assert truth.body_kind({}) == "typical"


def test_conditions_of_a_sample_are_the_ideal_ones() -> None:
    doc = json.loads((SAMPLES / "hip-extension_left_pre.json").read_text())
    assert "conditions" not in doc  # the samples predate the hard set and stay as they were
    c = truth.conditions(doc)
    assert c == {
        "yaw_deg": 0.0,
        "roll_deg": 3.0,
        "resolution": "1280x720",
        "orientation": "landscape",
        "crf": 23,
        "light": "even",
        "noise_sigma": 0.0,
        "close_camera": False,
        "second_person": False,
        "step_height_m": 0.0,
        "heel_lift_deg": 0.0,
        "marker": True,
        "body": "typical",
    }


def test_conditions_written_by_the_generator_are_read_back() -> None:
    given = {"yaw_deg": -14.0, "light": "backlit", "second_person": True}
    assert truth.conditions({"conditions": given, "width": 640, "height": 360}) == given
    derived = truth.conditions(
        {
            "width": 360,
            "height": 640,
            "marker": None,
            "spec": {
                "yaw_deg": 7.5,
                "frame_margin": 0.005,
                "crf": 31,
                "phenotype": {"weight": 0.85, "age": 0.9},
            },
        }
    )
    assert derived["yaw_deg"] == 7.5 and derived["close_camera"] is True
    assert derived["resolution"] == "360x640" and derived["orientation"] == "portrait"
    assert derived["crf"] == 31 and derived["body"] == "heavy+older"
    assert derived["marker"] is False
