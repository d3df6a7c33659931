"""Generate a varied benchmark set of pre/post clip pairs into an ignored cache.

    .venv-synth/bin/python -m tools.synth.make_set --pairs 8 [--out .cache/synth] [--seed 1]

Each pair draws a test, side, body (sex, age, height, weight from Anny's phenotype),
camera height and distance, a roll of a few degrees, 30 or 60 fps, portrait or
landscape, a cluttered room or not and the wall marker or not (always for toe-touch),
then renders a pre clip and a post clip with a few degrees (or centimetres) more range.
The draws are seeded: the same ``--seed`` gives the same set.  Existing clips are kept.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from tools.synth.body import REPO, Phenotype
from tools.synth.clip import ClipSpec, generate

#: Rig command ranges at the peak for the pre clip, and the post clip's extra range.
COMMANDS = {
    "ankle-dorsiflexion": ((22.0, 36.0), (2.0, 6.0)),
    "knee-flexion": ((110.0, 128.0), (3.0, 7.0)),
    "hip-extension": ((18.0, 30.0), (3.0, 6.0)),
    "toe-touch": ((82.0, 96.0), (3.0, 6.0)),
}


def draw_pair(rng: np.random.Generator, index: int, test: str | None = None) -> list[ClipSpec]:
    test = test or str(rng.choice(list(COMMANDS)))
    (lo, hi), (dlo, dhi) = COMMANDS[test]
    pre = float(rng.uniform(lo, hi))
    post = pre + float(rng.uniform(dlo, dhi))
    side = str(rng.choice(["left", "right"]))
    body = Phenotype(
        gender=float(rng.uniform(0.0, 1.0)),
        age=float(rng.uniform(0.55, 0.95)),
        muscle=float(rng.uniform(0.3, 0.7)),
        weight=float(rng.uniform(0.25, 0.8)),
        height=float(rng.uniform(0.2, 0.8)),
        proportions=float(rng.uniform(0.3, 0.7)),
    )
    portrait = bool(rng.random() < 0.3)
    marker = test == "toe-touch" or bool(rng.random() < 0.5)
    common = ClipSpec(
        name="",
        peak_command_deg=0.0,
        test=test,
        side=side,
        phenotype=body,
        fps=float(rng.choice([30.0, 60.0])),
        duration_s=float(rng.uniform(3.2, 4.2)),
        width=720 if portrait else 1280,
        height=1280 if portrait else 720,
        camera_distance_m=float(rng.uniform(2.4, 3.6)),
        camera_height_m=float(rng.uniform(0.5, 1.4)),
        roll_deg=float(rng.uniform(-5.0, 5.0)),
        wall_gap_m=float(rng.uniform(0.25, 0.6)),
        clutter=bool(rng.random() < 0.5),
        marker=marker,
        seed=int(rng.integers(1 << 30)),
        pair=f"set{index:03d}_{test}_{side}",
    )
    return [
        replace(
            common,
            name=f"set{index:03d}_{test}_{side}_{session}",
            peak_command_deg=cmd,
            session=session,
        )
        for session, cmd in (("pre", pre), ("post", post))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--out", type=Path, default=REPO / ".cache" / "synth")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="index of the first pair")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    tests = list(COMMANDS)
    for i in range(args.start + args.pairs):
        specs = draw_pair(rng, i, tests[i % len(tests)])  # cycle the tests: balanced sets
        if i < args.start:
            continue
        for spec in specs:
            if (args.out / f"{spec.name}.json").exists():
                continue
            path = generate(spec, args.out)
            d = json.loads(path.read_text())
            print(
                f"{spec.name}: true {d['true_value']} {d['unit']} ({d['render_seconds']} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
