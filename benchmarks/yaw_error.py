"""How far a camera off side-on (yaw) biases each test, on the true landmarks (issue 10).

    .venv/bin/python benchmarks/yaw_error.py [--poses /work/cache-synth/yaw_poses.npz]
                                             [--write benchmarks/yaw_map.md]

No video: bodies are posed through each test by the generator (``tools.synth.yaw_poses``,
run in ``.venv-synth`` when ``--poses`` does not exist yet), their true 3D landmarks are
projected with cameras swung 0, +-5, ..., +-30 deg about the vertical through the framing
aim point (positive = towards the person's front), and rom measures each test on those
true 2D landmarks with the true roll (level) and, for toe-touch, the true scale at the
measured hip -- the ``geometry`` mode of ``benchmarks/accuracy.py``.  So the errors are
rom's definitions plus the projection alone; ``|d|`` is the error's change from yaw 0
(the projection's own share).  rom's side-on ratio (shoulder separation / torso length,
``rom.protocols.body.side_on_ratio``) is taken over the measured moment +-0.25 s.

Printed: per test and yaw, |error| mean and max, |d| mean and max, and the side-on ratio
(mean, min and max over the cases); then, per test, from every view on a 2.5 deg grid:
the largest side-on threshold that admits no view with ``|d|`` over ``--admit`` (2 deg;
2 cm for toe-touch), the yaw range that threshold keeps in each direction, and the share
of the side-on (yaw 0) views it would reject.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rom.protocols import measure  # noqa: E402
from rom.protocols.body import side_on_ratio  # noqa: E402
from rom.protocols.prepare import prepare  # noqa: E402
from tools.synth.camera import Camera, orbit_position  # noqa: E402
from tools.synth.groundtruth import GroundTruth  # noqa: E402

YAWS = (-30, -25, -20, -15, -10, -5, 0, 5, 10, 15, 20, 25, 30)
#: The finer grid the side-on thresholds are read from (every view on it counts).
GRID = tuple(float(y) for y in np.arange(-30.0, 30.01, 2.5))
DEFAULT_POSES = Path("/work/cache-synth/yaw_poses.npz")


def make_poses(out: Path) -> None:
    python = REPO / ".venv-synth" / "bin" / "python"
    if not python.exists():
        sys.exit(f"error: {out} is missing and making it needs the generator venv (.venv-synth)")
    subprocess.run(
        [str(python), "-m", "tools.synth.yaw_poses", "--out", str(out)], cwd=REPO, check=True
    )


def view(case: dict[str, object], arrays: dict[str, np.ndarray], k: int, yaw: float) -> GroundTruth:
    """The case seen from a camera swung ``yaw`` degrees: a GroundTruth with true 2D points."""
    width, height = int(case["width"]), int(case["height"])  # type: ignore[call-overload]
    target = np.asarray(case["target"], dtype=np.float64)
    sign = 1.0 if case["side"] == "left" else -1.0
    position = orbit_position(
        sign,
        float(case["distance_m"]),
        target,
        yaw,
        float(case["camera_height_m"]),  # type: ignore[arg-type]
    )
    camera = Camera.look_at(width, height, float(case["long_side_fov_deg"]), position, target)  # type: ignore[arg-type]
    landmarks = arrays[f"landmarks_{k}"].astype(np.float64)
    fingertips = arrays[f"fingertips_{k}"].astype(np.float64)
    peak = int(case["peak"])  # type: ignore[call-overload]
    hip = landmarks[peak, 23 if sign > 0 else 24]
    hip_depth = float(camera.to_camera(hip)[2])
    doc = {
        "test": case["test"],
        "side": case["side"],
        "true_value": case["true_value"],
        "unit": "cm" if case["test"] == "toe-touch" else "deg",
        "width": width,
        "height": height,
        "camera": {
            **camera.to_json(),
            "roll_deg": camera.plumb_roll_deg(np.array([0.0, 0.0, 0.9])),
            "cm_per_px_at_measured_hip": 100 * hip_depth / camera.focal_px,
        },
    }
    return GroundTruth(
        path=Path(f"yaw{yaw:+.0f}_{k}.json"),
        doc=doc,
        landmarks_2d_px=camera.project(landmarks),
        landmarks_3d_m=landmarks,
        fingertips_2d_px=camera.project(fingertips),
        fingertips_3d_m=fingertips,
        values=arrays[f"values_{k}"],
        time_s=arrays[f"times_{k}"],
    )


def measure_view(clip: GroundTruth) -> tuple[float, float]:
    """rom's error (measured - true) and side-on ratio on one view's true landmarks."""
    scale = "subject" if clip.test == "toe-touch" else None
    calibration = clip.calibration(scale)
    track = clip.pose_track()
    m = measure(track, clip.test, side=clip.side, calibration=calibration).measurement
    error = float("nan") if m.value is None else float(m.value) - clip.true_value
    ratio = float("nan")
    if m.peak_frame is not None:
        fps = 1.0 / float(np.median(np.diff(clip.time_s)))
        half = max(1, round(0.25 * fps))
        window = slice(max(0, m.peak_frame - half), m.peak_frame + half + 1)
        ratio = side_on_ratio(prepare(track, calibration), window)
    return error, ratio


def threshold_verdict(
    test: str, unit: str, by_yaw: dict[float, list[tuple[float, float, float]]], admit: float
) -> str:
    """The largest side-on ratio threshold that admits no grid view over ``admit``."""
    views = [(yaw, d, r) for yaw in GRID for (_e, d, r) in by_yaw[yaw]]
    bad = [r for _y, d, r in views if not abs(d) <= admit]
    threshold = min(bad) if bad else float("inf")
    kept = [y for y, _d, r in views if r < threshold]
    side_on = [r for y, _d, r in views if y == 0.0]
    rejected = sum(r >= threshold for r in side_on) / len(side_on)
    if not bad:
        return f"- {test}: every view within {admit:g} {unit} up to 30 deg either way"
    return (
        f"- {test}: side-on ratio < {threshold:.3f} admits no view over {admit:g} {unit}; "
        f"it keeps yaw from {min(kept):+.1f} to {max(kept):+.1f} deg (some views only) and "
        f"rejects {rejected:.0%} of the side-on (yaw 0) views"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poses", type=Path, default=DEFAULT_POSES)
    parser.add_argument("--write", type=Path, help="also write the table (markdown) here")
    parser.add_argument("--admit", type=float, default=2.0, help="admitted |d| (deg or cm)")
    args = parser.parse_args()
    if not args.poses.exists():
        make_poses(args.poses)
    with np.load(args.poses) as data:
        arrays = {k: data[k] for k in data.files}
    cases = json.loads(str(arrays["meta"]))
    # rows[test][yaw] -> list of (error, change from yaw 0, ratio), one per case
    rows: dict[str, dict[float, list[tuple[float, float, float]]]] = {}
    for k, case in enumerate(cases):
        base, _ = measure_view(view(case, arrays, k, 0.0))
        for yaw in sorted(set(GRID) | {float(y) for y in YAWS}):
            err, ratio = measure_view(view(case, arrays, k, yaw))
            rows.setdefault(str(case["test"]), {}).setdefault(yaw, []).append(
                (err, err - base, ratio)
            )
    lines = [
        "| test | yaw (deg) | abs error mean | abs error max | abs change from yaw 0 mean | "
        "abs change max | side-on ratio mean | ratio min | ratio max |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for test, by_yaw in rows.items():
        unit = "cm" if test == "toe-touch" else "deg"
        for yaw in YAWS:
            vals = np.array(by_yaw[float(yaw)])
            err, delta, ratio = np.abs(vals[:, 0]), np.abs(vals[:, 1]), vals[:, 2]
            lines.append(
                f"| {test} | {yaw:+d} | {np.nanmean(err):.2f} | {np.nanmax(err):.2f} | "
                f"{np.nanmean(delta):.2f} | {np.nanmax(delta):.2f} | {np.nanmean(ratio):.3f} | "
                f"{np.nanmin(ratio):.3f} | {np.nanmax(ratio):.3f} |"
            )
        verdicts.append(threshold_verdict(test, unit, by_yaw, args.admit))
    n_cases = {t: len(by[0]) for t, by in rows.items()}
    text = "\n".join(
        [
            "# Yaw -> projection error on true landmarks (issue 10, item 5)",
            "",
            "Made by `benchmarks/yaw_error.py` (bodies from `tools.synth.yaw_poses`; cases per "
            "test: " + ", ".join(f"{t} {n}" for t, n in n_cases.items()) + ").  Yaw > 0 = "
            "camera swung towards the person's front.  Errors are rom's measurement on the "
            "true 2D landmarks minus the true (3D, sagittal) value, in deg (toe-touch in cm).",
            "",
            *lines,
            "",
            *verdicts,
            "",
        ]
    )
    print(text)
    if args.write:
        args.write.write_text(text)


if __name__ == "__main__":
    main()
