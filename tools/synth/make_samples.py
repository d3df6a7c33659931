"""Regenerate the committed sample clips in ``sample_videos/`` (4 tests x pre/post).

Run from the repository root with the generator's venv::

    .venv-synth/bin/python -m tools.synth.make_samples [--only NAME ...]

Each pre/post pair keeps the body, camera and room and changes only the range of the
movement, as a re-test after a mobilisation technique would.  The README is rewritten
from the clips' JSON so that it always states the true values.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tools.synth.body import REPO, Phenotype
from tools.synth.clip import ClipSpec, generate

OUT = REPO / "sample_videos"

_FEMALE = Phenotype(gender=0.15, age=0.62, weight=0.45, height=0.45)
_MALE_TALL = Phenotype(gender=0.9, age=0.7, muscle=0.6, height=0.7)
_AVERAGE = Phenotype(gender=0.6, age=2 / 3)
_OLDER_HEAVY = Phenotype(gender=0.35, age=0.85, weight=0.7, height=0.4)

#: As near as the whole movement allows (the camera backs off until it fits), and the
#: person 0.3 m from the wall, so that the 150 mm marker is over rom's 40 px minimum.
_NEAR = {"camera_distance_m": 2.3, "wall_gap_m": 0.3}

#: (test, side, body, pre command, post command, extra spec fields, what it shows)
PAIRS: list[tuple[str, str, Phenotype, float, float, dict[str, Any], str]] = [
    (
        "ankle-dorsiflexion",
        "left",
        _FEMALE,
        29.0,
        33.0,
        {"clutter": True, "marker": True, "seed": 11, "camera_height_m": 0.8, **_NEAR},
        "knee-to-wall lunge, left foot forward and flat, knee to the wall; cluttered room",
    ),
    (
        "knee-flexion",
        "right",
        _MALE_TALL,
        118.0,
        124.0,
        {"width": 720, "height": 1280, "marker": True, "seed": 22, "camera_height_m": 1.1, **_NEAR},
        "standing quad stretch, right heel pulled up by the right hand; portrait phone",
    ),
    (
        "hip-extension",
        "left",
        _AVERAGE,
        23.0,
        28.0,
        {"clutter": True, "marker": True, "seed": 33, "roll_deg": 3.0, **_NEAR},
        "runner's lunge, left leg behind; phone rolled ~3 deg; cluttered room",
    ),
    (
        "toe-touch",
        "right",
        _OLDER_HEAVY,
        92.0,
        98.0,
        {
            "marker": True,
            "seed": 44,
            "camera_distance_m": 2.5,
            "wall_gap_m": 0.25,
            "fps": 60.0,
            "duration_s": 4.0,
            "camera_height_m": 0.9,
        },
        "standing forward bend, ArUco marker on the wall (person 0.25 m in front of it); 60 fps",
    ),
]


def specs() -> list[tuple[ClipSpec, str]]:
    out = []
    for test, side, body, pre, post, extra, what in PAIRS:
        for session, cmd in (("pre", pre), ("post", post)):
            name = f"{test}_{side}_{session}"
            out.append(
                (
                    ClipSpec(
                        name=name,
                        test=test,
                        side=side,
                        peak_command_deg=cmd,
                        phenotype=body,
                        session=session,
                        pair=f"{test}_{side}",
                        **extra,
                    ),
                    what,
                )
            )
    return out


def write_readme(out: Path) -> None:
    rows = []
    docs = {p.stem: json.loads(p.read_text()) for p in sorted(out.glob("*.json"))}
    for spec, what in specs():
        d = docs.get(spec.name)
        if d is None:
            continue
        change = ""
        if spec.session == "post" and f"{spec.pair}_pre" in docs:
            delta = d["true_value"] - docs[f"{spec.pair}_pre"]["true_value"]
            change = f"{delta:+.2f}"
        size_kb = (out / f"{spec.name}.mp4").stat().st_size // 1024
        rows.append(
            f"| `{spec.name}.mp4` | {d['test']} | {d['side']} | {d['session']} | "
            f"{d['true_value']:.2f} {d['unit']} | {change} | "
            f"{d['width']}x{d['height']} @ {d['fps']:g} fps, {d['frame_count']} frames | "
            f"roll {d['camera']['roll_deg']:+.1f} deg | {size_kb} KB | {what} |"
        )
    text = (
        """# Sample videos with exact ground truth

Synthetic side-view clips of rom's tests, made by `tools/synth` (an Anny parametric body
posed through each movement, rendered headless with moderngl, encoded H.264 yuv420p).
Regenerate them (same bodies, motions, cameras and truth) with the generator's own venv,
which must stay apart from rom's (it needs torch):

    python3 -m venv .venv-synth
    .venv-synth/bin/pip install torch==2.13.0          # first, so pip takes the CPU build
    .venv-synth/bin/pip install -r tools/synth/requirements.txt
    .venv-synth/bin/python -m tools.synth.make_samples

Anny's and Warp's caches go to `.cache/` (git-ignored; the first body build takes ~1-2 min
and ~790 MB), or to `$ROM_SYNTH_CACHE` so that several checkouts share one build.  A
larger, varied benchmark set (both sides, bodies, camera height, distance and roll,
30/60 fps, portrait/landscape, clutter, marker) is rendered on demand into
`.cache/synth/`, and rom is scored on it, with

    .venv/bin/python benchmarks/accuracy.py --generate 16

A hard set (issue 10: is "reliable" reliable?) draws single clips under phone-like
conditions: camera yaw 0-25 deg off side-on either way, roll +-10 deg, 360p-1080p
landscape or portrait, H.264 CRF 18-35, even / dim / backlit / warm light, sensor noise,
heavy and older bodies, a close camera (the body near the frame edges), a second person
walking through behind, and movement ranges across each test's clinical range (knee
90-150 deg, ankle 20-50 deg, hip extension 0-30 deg, fingertip-to-floor -10 to +25 cm,
on a step below 0).  A fresh `--seed` gives a fresh set; rom's verdicts are scored with

    .venv-synth/bin/python -m tools.synth.make_set --hard 24 --seed 1 --out DIR
    .venv/bin/python benchmarks/reliability.py --dirs DIR     # --json for machines

Its JSON adds `conditions` (`yaw_deg`, `roll_deg`, `resolution`, `orientation`, `crf`,
`light`, `noise_sigma`, `close_camera`, `second_person`, `step_height_m`, `marker`,
`body`), and `spec` lists the hard fields it uses.  `benchmarks/yaw_error.py` maps camera
yaw to rom's error on the true landmarks (no video; `benchmarks/yaw_map.md`).

Each `<name>.json` beside a clip holds the truth: `test`, `side`, `true_value` and `unit`
(the value at the measured moment, `peak_frame` / `peak_time_s`), `true_secondary`, the
camera (intrinsics, pose, `roll_deg` in rom's convention, scale at the measured hip),
the marker's corners when there is one, and per frame (`frames`) the true value and all
33 MediaPipe-ordered landmarks in 3D (metres, world frame in `world_frame`) and projected to
pixels (`landmarks_2d_px`).  True values are computed from the posed body's joint
centres in the sagittal plane (`definitions` in the JSON), never from the rig's commands.

The marker (rom's ArUco marker, `rom.calibrate.marker`) is on the back wall.  The person
stands `spec.wall_gap_m` in front of the wall, so the marker's scale is that of the wall,
not of the person: `camera.cm_per_px_at_measured_hip` and `marker.cm_per_px_at_marker`
give both.

| clip | test | side | session | true value | post - pre | format | camera | size | what |
|---|---|---|---|---|---|---|---|---|---|
"""
        + "\n".join(rows)
        + """

These are renders of a body model, not people: skin, clothes and motion are simplified,
and MediaPipe's error on them is not its error on real footage.  Use them to demo rom and
to check its geometry end to end; `benchmarks/accuracy.py` reports the errors.
"""
    )
    (out / "README.md").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="clip names to regenerate")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    for spec, _ in specs():
        if args.only and spec.name not in args.only:
            continue
        path = generate(spec, args.out)
        d = json.loads(path.read_text())
        print(
            f"{spec.name}: true {d['true_value']} {d['unit']} at frame {d['peak_frame']} "
            f"({d['render_seconds']} s)",
            flush=True,
        )
    write_readme(args.out)


if __name__ == "__main__":
    main()
