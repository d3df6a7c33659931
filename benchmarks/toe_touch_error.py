"""Where toe-touch's error comes from, on the true landmarks (issue 11, item 4).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/toe_touch_error.py DIR [DIR ...]

For every toe-touch clip in the folders, rom measures the clip's true 2D landmarks (true
roll, the true scale at the measured hip) and the error at the true measured moment is split
into three parts, each swapping ONE of rom's pieces into the exact image-space definition
(true fingertip, floor point straight below it, scale at the fingertip's depth):

* ``tip``: rom's fingertip (wrist -> index knuckle extended to a hand length from the
  stature, :func:`rom.geometry.fingertip_from_hand_length`) instead of the true one;
* ``floor``: rom's floor line (``floor_y_px``: the measured foot's lowest heel/toe
  landmark while standing) instead of the floor below the fingertip;
* ``scale``: rom's cm per pixel instead of the one at the fingertip's depth.

All in cm, positive = rom reads higher above the floor than the truth.  The parts add up
to the whole error up to their cross terms (printed as ``rest``).  No video, no tracking.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rom import geometry  # noqa: E402
from rom.calibration import Calibration, level_points  # noqa: E402
from rom.landmarks import sided  # noqa: E402
from rom.protocols import measure  # noqa: E402
from tools.synth import groundtruth  # noqa: E402
from tools.synth.groundtruth import GroundTruth  # noqa: E402

HEADER = f"{'clip':34s} {'true':>6s} {'rom':>6s} {'error':>6s} {'tip':>6s} {'floor':>6s} " \
    f"{'scale':>6s} {'rest':>6s}"


def error_parts(clip: GroundTruth) -> dict[str, float]:
    """The toe-touch error at ``clip``'s measured moment and its parts, cm (see module)."""
    side_index = 0 if clip.side == "left" else 1
    peak = int(clip.doc["peak_frame"])
    centre = (clip.doc["width"] / 2, clip.doc["height"] / 2)
    cal = Calibration(roll_deg=clip.roll_deg)

    def levelled(points: np.ndarray) -> np.ndarray:
        return np.asarray(level_points(points, cal, centre=centre))

    result = measure(
        clip.pose_track(), "toe-touch", side=clip.side, calibration=clip.calibration("subject")
    )
    m = result.measurement
    # rom keeps its floor line, scale and stature in the provenance's settings.
    prov = json.loads(str(m.provenance["settings"]))
    tip_3d = clip.fingertips_3d_m[peak, side_index]
    true_tip = levelled(clip.fingertips_2d_px[peak, side_index])
    true_floor_y = float(levelled(clip.project(tip_3d * np.array([1.0, 1.0, 0.0])))[1])
    true_scale = 100.0 * float(clip.depth_m(tip_3d)) / float(clip.doc["camera"]["focal_px"])
    xy = levelled(clip.landmarks_2d_px[peak])
    hand_px = (
        geometry.HAND_LENGTH_FRACTION_OF_STATURE
        * geometry.INDEX_TIP_FRACTION_OF_HAND_LENGTH
        * float(prov["standing_stature_px"])
    )
    rom_tip = geometry.fingertip_from_hand_length(
        xy[sided(clip.side, "WRIST")], xy[sided(clip.side, "INDEX")], hand_px
    )
    rom_floor_y, rom_scale = float(prov["floor_y_px"]), float(prov["cm_per_px"])

    def value(tip_y: float, floor_y: float, scale: float) -> float:
        return (floor_y - tip_y) * scale

    exact = value(float(true_tip[1]), true_floor_y, true_scale)
    rom_value = float(m.value) if m.value is not None else float("nan")
    error = rom_value - clip.true_value
    tip = value(float(rom_tip[1]), true_floor_y, true_scale) - exact
    floor = value(float(true_tip[1]), rom_floor_y, true_scale) - exact
    scale = value(float(true_tip[1]), true_floor_y, rom_scale) - exact
    return {
        "true": clip.true_value,
        "rom": rom_value,
        "error": error,
        "tip": tip,
        "floor": floor,
        "scale": scale,
        "rest": error - tip - floor - scale,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    args = parser.parse_args(argv)
    rows = [
        (clip.path.stem, error_parts(clip))
        for folder in args.dirs
        for clip in groundtruth.find(folder)
        if clip.test == "toe-touch"
    ]
    print(HEADER)
    for name, parts in rows:
        print(f"{name:34s} " + " ".join(f"{parts[k]:+6.2f}" for k in parts))
    if rows:
        keys = ("error", "tip", "floor", "scale", "rest")
        means = {k: float(np.nanmean([p[k] for _, p in rows])) for k in keys}
        print(f"{'mean (' + str(len(rows)) + ' clips)':34s} {'':6s} {'':6s} "
              + " ".join(f"{means[k]:+6.2f}" for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
