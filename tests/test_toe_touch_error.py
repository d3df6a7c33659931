"""benchmarks/toe_touch_error.py splits toe-touch's error on the true landmarks correctly."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from rom.landmarks import sided
from tools.synth import groundtruth
from tools.synth.groundtruth import GroundTruth

REPO = Path(__file__).resolve().parent.parent
CLIPS = [c for c in groundtruth.find(REPO / "sample_videos") if c.test == "toe-touch"]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "toe_touch_error", REPO / "benchmarks" / "toe_touch_error.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("clip", CLIPS, ids=[c.path.stem for c in CLIPS])
def test_parts_add_up_and_the_floor_part_is_the_foot_landmarks_lift(clip: GroundTruth) -> None:
    parts = _tool().error_parts(clip)
    assert parts["error"] == pytest.approx(parts["rom"] - clip.true_value, abs=1e-9)
    # Side-on, level camera: the three parts are (nearly) independent.
    assert abs(parts["rest"]) < 0.1
    # rom's floor line is the foot's lowest heel/toe landmark, which sits above the sole:
    # rom reads low by at most that lift (less, as the hand's floor point is nearer the
    # camera and so lower in the image than the foot's).
    foot = [sided(clip.side, "HEEL"), sided(clip.side, "FOOT_INDEX")]
    lift_cm = 100 * float(np.min(clip.landmarks_3d_m[0, foot, 2]))
    assert -lift_cm <= parts["floor"] < -0.3
    # With the true scale at the person, side-on, the scale part is small.
    assert abs(parts["scale"]) < 0.3
