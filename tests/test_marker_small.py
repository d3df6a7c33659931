"""rom's marker at phone resolutions: 18-40 px per side, blurred and compressed."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from rom.calibrate import marker
from rom.calibrate.marker import MarkerEstimate, MarkerRejection


def _render(side_px: float, roll_deg: float, seed: int, *, blur: float = 0.8, jpeg: int = 60,
            width: int = 640, height: int = 360) -> NDArray[np.uint8]:
    """The marker at ``side_px`` turned clockwise by ``roll_deg``, 8x supersampled, blurred,
    noisy and JPEG-compressed, in a 360p frame."""
    rng = np.random.default_rng(seed)
    supersample = 8
    big = marker.marker_image(240, quiet_zone_px=40).astype(np.float32)
    scale = side_px * supersample / 240.0
    centre = np.array([rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height])
    a = math.radians(roll_deg)
    # In y-down pixels this matrix turns clockwise on screen: a positive rom roll.
    turn = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]) * scale
    affine = np.hstack([turn, (centre * supersample - turn @ np.array([159.5, 159.5]))[:, None]])
    fine = cv2.warpAffine(big, affine, (width * supersample, height * supersample),
                          flags=cv2.INTER_LINEAR, borderValue=150)
    image = cv2.GaussianBlur(cv2.resize(fine, (width, height), interpolation=cv2.INTER_AREA),
                             (0, 0), blur) if blur else cv2.resize(
        fine, (width, height), interpolation=cv2.INTER_AREA)
    image = np.clip(image + rng.normal(0, 2.0, image.shape), 0, 255).astype(np.uint8)
    _, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, jpeg])
    return np.asarray(cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE), dtype=np.uint8)


@pytest.mark.parametrize("side_px", [20, 24, 30, 40])
def test_small_marker_roll_within_its_uncertainty(side_px: int) -> None:
    rng = np.random.default_rng(side_px)
    for roll in rng.uniform(-10, 10, 4):
        frames = [_render(side_px, float(roll), seed) for seed in range(int(roll * 100) % 97,
                                                                         int(roll * 100) % 97 + 5)]
        seen = [marker.inspect_marker(f) for f in frames]
        estimate = marker.marker_from_observations(seen)
        assert isinstance(estimate, MarkerEstimate), estimate
        assert estimate.frames_with_marker >= 4
        assert abs(estimate.roll_deg - roll) <= estimate.roll_uncertainty_deg
        assert estimate.roll_uncertainty_deg < 1.5
        one = seen[0]
        assert isinstance(one, marker.MarkerObservation)
        assert abs(one.side_px - side_px) < 1.0
        # One frame: within two sigmas of the corner-noise model.
        assert abs(one.roll_deg - roll) <= 2 * marker.roll_sigma_deg(one.side_px) + 0.3


def test_roll_sigma_from_side_length() -> None:
    # 0.5 px corners on a 20 px side: 2.0 deg per edge, 1.0 deg for the four-edge mean.
    assert marker.roll_sigma_deg(20.0, 0.5) == pytest.approx(math.degrees(0.5 / (2**0.5 * 20)))
    assert marker.roll_sigma_deg(20.0, 0.5) == pytest.approx(1.013, abs=1e-3)
    assert marker.roll_sigma_deg(40.0) == pytest.approx(marker.roll_sigma_deg(20.0) / 2)


def test_twelve_px_marker_is_rejected_as_too_small() -> None:
    sharp = _render(12, 3.0, 0, blur=0.0, jpeg=95)
    seen = marker.inspect_marker(sharp)
    assert isinstance(seen, MarkerRejection) and seen.reason == "too_small"
    assert "px" in seen.message
    combined = marker.marker_from_observations([seen] * 5)
    assert isinstance(combined, MarkerRejection) and combined.reason == "too_small"


def test_rejection_reasons() -> None:
    blank = np.full((360, 640), 150, np.uint8)
    absent = marker.inspect_marker(blank)
    assert isinstance(absent, MarkerRejection) and absent.reason == "not_found"
    good = marker.inspect_marker(_render(30, 2.0, 1))
    assert isinstance(good, marker.MarkerObservation)
    few = marker.marker_from_observations([good, absent, absent, absent])
    assert isinstance(few, MarkerRejection) and few.reason == "too_few_frames"
    moved = [marker.inspect_marker(_render(30, r, 1)) for r in (-4.0, 0.0, 4.0, -4.0, 4.0)]
    inconsistent = marker.marker_from_observations(moved)
    assert isinstance(inconsistent, MarkerRejection) and inconsistent.reason == "inconsistent"
    assert set(marker.REJECTION_MESSAGES) == {"not_found", "blurred", "too_small", "too_few_frames",
                                              "inconsistent"}


def test_small_marker_through_h264(make_video) -> None:  # type: ignore[no-untyped-def]
    """A 22 px marker in a 360p H.264 clip (CRF 28): the video's roll within its bound."""
    roll = -3.0
    frames = [np.repeat(_render(22, roll, seed, jpeg=95)[:, :, None], 3, axis=2)
              for seed in [7] * 20]  # a still camera: the same picture, re-encoded
    path = make_video("small_marker.mp4", frames, fps=10.0, options={"crf": "28"})
    found = marker.find_marker_in_video(path, sample_fps=5.0)
    assert isinstance(found, MarkerEstimate), found
    assert found.frames_with_marker == found.frames_sampled == 10
    assert abs(found.roll_deg - roll) <= found.roll_uncertainty_deg < 1.5
    assert found.to_calibration().roll_uncertainty_deg == found.roll_uncertainty_deg


def test_marker_too_small_in_video_says_so(make_video) -> None:  # type: ignore[no-untyped-def]
    frames = [np.repeat(_render(12, 2.0, 0, blur=0.0, jpeg=95)[:, :, None], 3, axis=2)] * 10
    path = make_video("tiny_marker.mp4", frames, fps=10.0, options={"crf": "12"})
    found = marker.find_marker_in_video(path)
    assert isinstance(found, MarkerRejection)
    assert found.reason == "too_small" and "px" in found.message
