"""Generate a varied benchmark set of pre/post clip pairs into an ignored cache.

    .venv-synth/bin/python -m tools.synth.make_set --pairs 8 [--out .cache/synth] [--seed 1]
    .venv-synth/bin/python -m tools.synth.make_set --hard 24 --seed 1 --out DIR
    .venv-synth/bin/python -m tools.synth.make_set --prone 6 --seed 1 --out DIR

Each pair draws a test, side, body (sex, age, height, weight from Anny's phenotype),
camera height and distance, a roll of a few degrees, 30 or 60 fps, portrait or
landscape, a cluttered room or not and the wall marker or not (always for toe-touch),
then renders a pre clip and a post clip with a few degrees (or centimetres) more range.
The draws are seeded: the same ``--seed`` gives the same set.  Existing clips are kept.

``--hard N`` draws N single clips (the four tests in turn) under the hard conditions of
issue 10 instead (see :func:`draw_hard`): yaw 0-25 deg either way, roll +-10 deg,
360p-1080p landscape or portrait, CRF 18-35, dim / backlit / warm light, sensor noise,
heavy and older bodies, a close camera and a passer-by, with peak commands that span
each test's clinical range (:data:`HARD_COMMANDS`).  Every condition is in the truth
JSON's ``"conditions"``.

``--prone N`` draws N pairs of the prone knee flexion (lying face down, camera at mat
height), from a random stream of their own so the other sets' draws do not change.

``--heel-lift N`` draws N knee-to-wall pairs (their own random stream too) whose pre clip
keeps the front heel down and whose post clip lifts it (:data:`HEEL_LIFT_DEG`), to check
that ``heel_lift`` finds real lifts and leaves planted heels alone.
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

#: The prone knee flexion (``--prone``), kept out of :data:`COMMANDS` so that the seeded
#: draws of the other sets stay as they were.
PRONE_COMMANDS = {"knee-flexion-prone": ((105.0, 135.0), (3.0, 7.0))}
#: Camera height for a body lying on the floor: the filming tip's "at mat height", metres.
PRONE_CAMERA_HEIGHT_M = (0.3, 0.7)
#: ``--heel-lift``: the post clip's heel-up pitch of the front foot at the peak, degrees
#: (about 0.5-4 cm of heel rise on an adult foot).
HEEL_LIFT_DEG = (2.0, 13.0)


#: Hard set: peak command ranges that give true values across each test's clinical range
#: (knee flexion 90-150 deg, ankle 20-50 deg, hip extension 0-30 deg, fingertip-to-floor
#: -10 to +25 cm; the true value is measured from the posed body and is written to the
#: JSON).  Toe-touch below the feet needs a step: ``(floor range, step range)``.
HARD_COMMANDS: dict[str, tuple[float, float]] = {
    "ankle-dorsiflexion": (16.0, 47.0),
    "knee-flexion": (82.0, 142.0),
    "hip-extension": (9.0, 40.0),
}
TOE_TOUCH_COMMANDS = ((75.0, 100.0), (100.0, 128.0))
TOE_TOUCH_STEP_M = 0.3

#: Phone video sizes (landscape; portrait swaps them).
RESOLUTIONS = ((640, 360), (854, 480), (1280, 720), (1920, 1080))
HARD_LIGHTS = ("even", "dim", "backlit", "warm")


def draw_hard(rng: np.random.Generator, index: int, test: str) -> ClipSpec:
    """One clip under hard conditions, every condition drawn from ``rng``."""
    side = str(rng.choice(["left", "right"]))
    step = 0.0
    if test == "toe-touch":
        step = TOE_TOUCH_STEP_M if rng.random() < 0.4 else 0.0
        lo, hi = TOE_TOUCH_COMMANDS[1 if step else 0]
    else:
        lo, hi = HARD_COMMANDS[test]
    kind = str(rng.choice(["typical", "heavy", "older", "heavy+older"]))
    body = Phenotype(
        gender=float(rng.uniform(0.0, 1.0)),
        age=float(rng.uniform(0.85, 1.0) if "older" in kind else rng.uniform(0.55, 0.8)),
        muscle=float(rng.uniform(0.3, 0.7)),
        weight=float(rng.uniform(0.8, 1.0) if "heavy" in kind else rng.uniform(0.25, 0.7)),
        height=float(rng.uniform(0.2, 0.8)),
        proportions=float(rng.uniform(0.3, 0.7)),
    )
    w, h = RESOLUTIONS[int(rng.integers(len(RESOLUTIONS)))]
    portrait = bool(rng.random() < 0.35)
    close = bool(rng.random() < 0.25)
    second = bool(rng.random() < 0.3)
    marker = test == "toe-touch" or bool(rng.random() < 0.5)
    noise = float(rng.uniform(2.0, 12.0)) if rng.random() < 0.6 else 0.0
    return ClipSpec(
        name=f"hard{index:03d}_{test}_{side}",
        test=test,
        side=side,
        peak_command_deg=float(rng.uniform(lo, hi)),
        phenotype=body,
        fps=float(rng.choice([30.0, 60.0])),
        duration_s=float(rng.uniform(3.2, 4.2)),
        width=h if portrait else w,
        height=w if portrait else h,
        camera_distance_m=float(rng.uniform(1.1, 1.5) if close else rng.uniform(2.4, 3.8)),
        camera_height_m=float(rng.uniform(0.5, 1.4)),
        roll_deg=float(rng.uniform(-10.0, 10.0)),
        wall_gap_m=float(rng.uniform(1.5, 1.9) if second else rng.uniform(0.25, 0.6)),
        clutter=bool(rng.random() < 0.5),
        marker=marker,
        seed=int(rng.integers(1 << 30)),
        crf=int(rng.integers(18, 36)),
        yaw_deg=float(rng.uniform(0.0, 25.0) * rng.choice([-1.0, 1.0])),
        light=str(rng.choice(HARD_LIGHTS)),
        noise_sigma=noise,
        frame_margin=0.005 if close else 0.04,
        second_person=second,
        step_height_m=step,
    )


def draw_pair(rng: np.random.Generator, index: int, test: str | None = None) -> list[ClipSpec]:
    test = test or str(rng.choice(list(COMMANDS)))
    (lo, hi), (dlo, dhi) = {**COMMANDS, **PRONE_COMMANDS}[test]
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
    parser.add_argument(
        "--hard", type=int, default=0, metavar="N", help="draw N hard single clips instead"
    )
    parser.add_argument(
        "--prone", type=int, default=0, metavar="N",
        help="draw N prone knee-flexion pairs instead (camera at mat height)",
    )
    parser.add_argument(
        "--heel-lift", type=int, default=0, metavar="N",
        help="draw N knee-to-wall pairs instead, the post clip with the front heel lifted",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    tests = list(COMMANDS)
    if args.heel_lift:
        heel_rng = np.random.default_rng([args.seed, 3])
        for i in range(args.start + args.heel_lift):
            pre, post = draw_pair(heel_rng, i, "ankle-dorsiflexion")
            lift = float(heel_rng.uniform(*HEEL_LIFT_DEG))
            if i < args.start:
                continue
            for spec in (pre, replace(post, heel_lift_deg=lift)):
                _render(_renamed(spec, "heel"), args.out)
        return
    if args.prone:
        prone_rng = np.random.default_rng([args.seed, 2])
        for i in range(args.start + args.prone):
            specs = draw_pair(prone_rng, i, "knee-flexion-prone")
            height = float(prone_rng.uniform(*PRONE_CAMERA_HEIGHT_M))
            if i < args.start:
                continue
            for spec in specs:
                _render(replace(_renamed(spec, "prone"), camera_height_m=height), args.out)
        return
    if args.hard:
        hard = [draw_hard(rng, i, tests[i % len(tests)]) for i in range(args.hard)]
        for spec in hard[args.start :]:
            _render(spec, args.out)
        return
    for i in range(args.start + args.pairs):
        specs = draw_pair(rng, i, tests[i % len(tests)])  # cycle the tests: balanced sets
        if i < args.start:
            continue
        for spec in specs:
            _render(spec, args.out)


def _renamed(spec: ClipSpec, prefix: str) -> ClipSpec:
    """``spec`` with ``setNNN`` in its name and pair replaced by ``<prefix>NNN``: the
    special sets' clips keep their own names beside an ordinary set's."""
    return replace(spec, name=spec.name.replace("set", prefix, 1),
                   pair=spec.pair.replace("set", prefix, 1))


def _render(spec: ClipSpec, out: Path) -> None:
    """Render one clip unless it is already there; print its true value."""
    if (out / f"{spec.name}.json").exists():
        return
    path = generate(spec, out)
    d = json.loads(path.read_text())
    extra = f" {d['conditions']}" if "conditions" in d else ""
    print(
        f"{spec.name}: true {d['true_value']} {d['unit']} ({d['render_seconds']} s){extra}",
        flush=True,
    )


if __name__ == "__main__":
    main()
