"""Camera roll from the scene's vertical edges (rom.calibrate.vertical)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from rom.calibrate.vertical import estimate_vertical

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"


def _pinhole(roll_deg: float, pitch_deg: float, width: int, height: int, focal_px: float):  # type: ignore[no-untyped-def]
    """World Z up, camera at 1 m looking along +Y, pitched up by ``pitch_deg``, then rolled."""
    base = np.array([[1.0, 0, 0], [0, 0, -1], [0, 1, 0]])
    p, r = math.radians(pitch_deg), math.radians(roll_deg)
    pitch = np.array([[1, 0, 0], [0, math.cos(p), math.sin(p)], [0, -math.sin(p), math.cos(p)]])
    roll = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    rotation = roll @ pitch @ base
    k = np.array([[focal_px, 0, (width - 1) / 2], [0, focal_px, (height - 1) / 2], [0, 0, 1]])
    position = np.array([0.0, 0.0, 1.0])

    def project(points: NDArray[np.float64]) -> NDArray[np.float64]:
        uvw = ((np.asarray(points, dtype=np.float64) - position) @ rotation.T) @ k.T
        return np.asarray(uvw[..., :2] / uvw[..., 2:3])

    # The truth, independent of the estimator: a plumb line on the optical axis, projected.
    on_axis = position + 4.0 * (rotation.T @ np.array([0.0, 0.0, 1.0]))
    up = project(on_axis + np.array([0.0, 0.0, 0.1])) - project(on_axis)
    return project, math.degrees(math.atan2(up[0], -up[1]))


def _room(roll_deg: float, pitch_deg: float, seed: int, width: int = 1280, height: int = 720):  # type: ignore[no-untyped-def]
    """Door frames and cupboard sides (vertical in the world), clutter lines and a person."""
    rng = np.random.default_rng(seed)
    project, truth = _pinhole(roll_deg, pitch_deg, width, height, 900.0)
    image = (rng.normal(180, 3, (height, width, 1)) * np.ones(3)).clip(0, 255).astype(np.uint8)
    for x in (-2.2, -1.4, -0.6, 0.9, 1.7, 2.4):
        depth, wide = rng.uniform(3.5, 5.5), rng.uniform(0.08, 0.4)
        quad = project(np.array([[x, depth, -0.5], [x + wide, depth, -0.5],
                                 [x + wide, depth, 2.4], [x, depth, 2.4]]))
        colour = tuple(int(c) for c in rng.integers(30, 120, 3))
        cv2.fillConvexPoly(image, np.round(quad * 16).astype(np.int32), colour, cv2.LINE_AA, 4)
    for _ in range(15):
        start = rng.uniform([0, 0], [width, height])
        angle, length = rng.uniform(0, math.pi), rng.uniform(30, 300)
        end = start + length * np.array([math.cos(angle), math.sin(angle)])
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.line(image, tuple(int(v) for v in start), tuple(int(v) for v in end), colour, 2,
                 cv2.LINE_AA)
    # The person: legs leaning 6-8 degrees, which are not plumb lines.
    cx = width * 0.45
    cv2.ellipse(image, (int(cx), int(height * 0.35)), (60, 120), 0, 0, 360, (200, 60, 40), -1)
    for dx, lean in ((-25, 30), (25, -40)):
        leg = np.array([[cx + dx - 15, height * 0.45], [cx + dx + 15, height * 0.45],
                        [cx + dx + 15 + lean, height * 0.95], [cx + dx - 15 + lean, height * 0.95]])
        cv2.fillConvexPoly(image, np.round(leg).astype(np.int32), (90, 60, 200))
    box = (cx - 120, height * 0.1, cx + 120, height * 0.98)
    return image, truth, box


@pytest.mark.parametrize("roll_deg", [0.0, 5.0, -5.0, 10.0, -10.0])
@pytest.mark.parametrize("pitch_deg", [0.0, 8.0, -8.0])
def test_roll_from_vertical_edges_within_its_uncertainty(roll_deg: float, pitch_deg: float) -> None:
    image, truth, box = _room(roll_deg, pitch_deg, seed=int(roll_deg * 10 + pitch_deg + 200))
    assert truth == pytest.approx(roll_deg, abs=1e-6)  # the pinhole's roll is rom's roll
    estimate = estimate_vertical([image], person_boxes=[box])
    assert estimate is not None and estimate.method == "vertical_vanishing_point"
    assert abs(estimate.roll_deg - truth) <= estimate.uncertainty_deg
    assert estimate.uncertainty_deg < 1.5  # good enough for angles measured to vertical
    assert estimate.n_lines >= 8


def test_several_frames_agree_and_pitch_converges_the_edges() -> None:
    frames, boxes = [], []
    for seed in range(3):  # same room (seed of the room), clutter differs per frame
        image, truth, box = _room(7.0, 10.0, seed=5)
        noisy = np.clip(image + np.random.default_rng(seed).normal(0, 4, image.shape), 0, 255)
        frames.append(noisy.astype(np.uint8))
        boxes.append(box)
    estimate = estimate_vertical(frames, person_boxes=boxes)
    assert estimate is not None and estimate.n_frames == 3
    assert abs(estimate.roll_deg - truth) <= estimate.uncertainty_deg


def test_blank_wall_gives_no_estimate() -> None:
    assert estimate_vertical([np.full((720, 1280, 3), 128, np.uint8)]) is None
    assert estimate_vertical([]) is None


def test_person_box_count_must_match() -> None:
    with pytest.raises(ValueError):
        estimate_vertical([np.zeros((10, 10, 3), np.uint8)], person_boxes=[])


def _frames(path: Path, n: int) -> list[NDArray[np.uint8]]:
    from rom.video import iter_frames

    return [frame.image for _, frame in zip(range(n), iter_frames(path, fps=1.0), strict=False)]


@pytest.mark.parametrize(
    "name", ["ankle-dorsiflexion_left_pre", "ankle-dorsiflexion_left_post",
             "hip-extension_left_pre", "hip-extension_left_post"]
)
def test_sample_clips_with_furniture_give_their_true_roll(name: str) -> None:
    truth = json.loads((SAMPLES / f"{name}.json").read_text())["camera"]["roll_deg"]
    estimate = estimate_vertical(_frames(SAMPLES / f"{name}.mp4", 6))
    assert estimate is not None
    assert abs(estimate.roll_deg - truth) <= estimate.uncertainty_deg
    assert estimate.uncertainty_deg < 1.5


@pytest.mark.parametrize("name", ["toe-touch_right_pre", "knee-flexion_right_pre"])
def test_sample_clips_with_a_plain_wall_give_none(name: str) -> None:
    # Only the person and the small marker show near-vertical edges: no estimate, rather
    # than a roll taken from the legs.
    assert estimate_vertical(_frames(SAMPLES / f"{name}.mp4", 6)) is None


def test_real_outdoor_clip(sports2d_demo: Path) -> None:
    # Buildings and the concrete box give vertical edges (about +1.2 deg, +-0.6 deg); the
    # truth is unknown, so only what is robust is checked: a small, consistent roll.
    frames = _frames(sports2d_demo, 6)
    estimate = estimate_vertical(frames)
    assert estimate is not None
    assert abs(estimate.roll_deg) < 4.0 and 0.25 < estimate.uncertainty_deg < 3.0
    single = estimate_vertical(frames[:1])
    assert single is not None
    assert abs(single.roll_deg - estimate.roll_deg) <= estimate.uncertainty_deg
