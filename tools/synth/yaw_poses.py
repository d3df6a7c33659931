"""Pose bodies through each test, without rendering, for the yaw -> projection error map.

    .venv-synth/bin/python -m tools.synth.yaw_poses --out /work/cache-synth/yaw_poses.npz

For each test, a few bodies (typical, heavy, older) are posed through the movement at
peak commands that span the test's clinical range (the hard set's,
:data:`tools.synth.make_set.HARD_COMMANDS`); the side-on camera is framed as a clip's
would be.  The file holds, per case, the true 3D landmarks and fingertips, the true
per-frame values and the side-on framing (aim point, distance, height, image size),
so that ``benchmarks/yaw_error.py`` (rom's venv, no torch) can swing the camera and
measure.  ``meta`` is a JSON list describing the cases, in order.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tools.synth.body import Phenotype
from tools.synth.clip import ClipSpec, frame_camera, simulate
from tools.synth.make_set import HARD_COMMANDS, TOE_TOUCH_COMMANDS

BODIES = {
    "typical": Phenotype(gender=0.5, age=0.7),
    "heavy": Phenotype(gender=0.7, age=0.7, weight=0.9),
    "older": Phenotype(gender=0.3, age=0.95, weight=0.6, height=0.4),
}


def commands(test: str, n: int = 3) -> list[float]:
    """``n`` peak commands evenly across the test's hard-set range (toe-touch on the floor)."""
    lo, hi = HARD_COMMANDS[test] if test in HARD_COMMANDS else TOE_TOUCH_COMMANDS[0]
    return [float(c) for c in np.linspace(lo, hi, n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--commands", type=int, default=3, help="peak commands per test")
    args = parser.parse_args()
    arrays: dict[str, np.ndarray] = {}
    meta: list[dict[str, object]] = []
    tests = ("ankle-dorsiflexion", "knee-flexion", "hip-extension", "toe-touch")
    for test in tests:
        for body_name, phenotype in BODIES.items():
            for command in commands(test, args.commands):
                spec = ClipSpec(
                    name="", test=test, side="left", peak_command_deg=command, phenotype=phenotype
                )
                sim = simulate(spec)
                _camera, distance, target = frame_camera(spec, sim.verts, 1.0)
                k = len(meta)
                arrays[f"landmarks_{k}"] = sim.landmarks.astype(np.float32)
                arrays[f"fingertips_{k}"] = sim.fingertips.astype(np.float32)
                arrays[f"values_{k}"] = sim.values["value"]
                arrays[f"times_{k}"] = sim.times
                meta.append(
                    {
                        "test": test,
                        "side": spec.side,
                        "body": body_name,
                        "command": command,
                        "peak": sim.peak,
                        "true_value": float(sim.values["value"][sim.peak]),
                        "target": target.tolist(),
                        "distance_m": distance,
                        "camera_height_m": spec.camera_height_m,
                        "width": spec.width,
                        "height": spec.height,
                        "long_side_fov_deg": spec.long_side_fov_deg,
                    }
                )
                print(f"{test} {body_name} {command:.1f}: true {meta[-1]['true_value']:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, meta=np.array(json.dumps(meta)), **arrays)


if __name__ == "__main__":
    main()
