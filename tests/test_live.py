"""Capture like a coach (issue 14, item 5): the countdown, the running peak, the phase
order, and the live recorder on a sample clip's frames."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rom.dashboard import live, webcam
from rom.render import OKABE_ITO, hex_to_rgb


def test_countdown_shows_three_two_one_then_records() -> None:
    shown = [live.countdown_number(t) for t in (0.0, 0.5, 0.99, 1.0, 1.7, 2.0, 2.99, 3.0, 9.0)]
    assert shown == [3, 3, 3, 2, 2, 1, 1, None, None]
    assert [live.countdown_number(t, 5.0) for t in (0.0, 4.5, 5.0)] == [5, 1, None]
    assert live.countdown_number(0.0, countdown_s=0.0) is None  # no countdown at all
    assert live.countdown_number(-1.0) == 3  # a clock that stepped back shows the start


def test_running_peak_holds_the_largest_angle_and_skips_gaps() -> None:
    peak = math.nan
    held = []
    for angle in (math.nan, 10.0, 25.0, math.nan, 18.0, -3.0):
        peak = live.running_peak(peak, angle)
        held.append(peak)
    assert held[0] != held[0]  # NaN until a first angle
    assert held[1:] == [10.0, 25.0, 25.0, 25.0, 25.0]


def test_before_then_after_then_done_and_a_retake_comes_back_first() -> None:
    assert webcam.next_phase(set()) == "pre"
    assert webcam.next_phase({"pre"}) == "post"
    assert webcam.next_phase({"post"}) == "pre"  # before retaken while after is kept
    assert webcam.next_phase({"pre", "post"}) is None


def test_the_camera_is_asked_for_720p_without_requiring_it() -> None:
    # An exact (or min) constraint makes getUserMedia fail on a camera that cannot give it.
    assert webcam.VIDEO_CONSTRAINTS == {"width": {"ideal": 1280}, "height": {"ideal": 720}}


def _yellow_pixels(image: np.ndarray) -> int:
    yellow = np.array(hex_to_rgb(OKABE_ITO["yellow"]))
    return int(np.all(np.abs(image.astype(int) - yellow) <= 40, axis=-1).sum())


def test_recorder_counts_down_then_records_and_holds_the_peak(tmp_path: Path, pose_model) -> None:  # type: ignore[no-untyped-def]
    from rom.dashboard.services import sample_pair
    from rom.video import iter_frames

    pair = sample_pair("ankle-dorsiflexion", "auto")
    if pair is None:
        pytest.skip("no sample videos of the ankle test")
    clip = pair[0].path
    truth = json.loads(clip.with_suffix(".json").read_text())
    frames = list(iter_frames(clip, fps=10.0))
    recorder = live.LiveRecorder(Path(pose_model.path), tmp_path / "clip.mp4")
    recorder.configure("ankle-dorsiflexion", truth["side"])

    # The first camera frame starts the 3-s countdown: a big number drawn, nothing recorded.
    first = frames[0].image
    counting = recorder.process(first, 100.0)
    assert _yellow_pixels(counting) > 20 * _yellow_pixels(first) + 500
    assert recorder.process(first, 102.9) is not first
    assert recorder.frames_recorded == 0

    # After it, every frame is recorded and the running angle's peak is kept.
    angles = []
    for frame in frames:
        recorder.process(frame.image, 103.0 + frame.time_s)
        angles.append(recorder.last_angle_deg)
    assert recorder.frames_recorded == len(frames)
    assert recorder.frame_size == (truth["width"], truth["height"])
    # The clip bends the shin forward to its true peak and back: the live preview's peak is
    # near the true one and stays on after the shin came back.
    assert recorder.peak_angle_deg == pytest.approx(truth["true_value"], abs=5.0)
    assert recorder.peak_angle_deg == np.nanmax(angles)
    assert angles[-1] < recorder.peak_angle_deg - 15.0

    path = recorder.finish()
    assert path == tmp_path / "clip.mp4" and path.stat().st_size > 0
    assert recorder.duration_s == pytest.approx(frames[-1].time_s, abs=1e-6)
    assert recorder.process(first, 200.0) is first  # finished: frames pass untouched


def test_stopped_during_the_countdown_records_nothing(tmp_path: Path, pose_model) -> None:  # type: ignore[no-untyped-def]
    recorder = live.LiveRecorder(Path(pose_model.path), tmp_path / "clip.mp4")
    image = np.zeros((72, 128, 3), dtype=np.uint8)
    assert recorder.process(image, 5.0).any() and not image.any()
    assert recorder.finish() is None
    assert not (tmp_path / "clip.mp4").exists()


def test_a_frame_of_another_size_is_scaled_into_the_recording(tmp_path: Path, pose_model) -> None:  # type: ignore[no-untyped-def]
    from rom.video import iter_frames

    recorder = live.LiveRecorder(Path(pose_model.path), tmp_path / "clip.mp4")
    recorder.countdown_s = 0.0
    recorder.process(np.zeros((360, 640, 3), dtype=np.uint8), 0.0)
    # WebRTC raised the resolution: left half black, right half white.
    bigger = np.zeros((720, 1280, 3), dtype=np.uint8)
    bigger[:, 640:] = 255
    recorder.process(bigger, 0.5)
    path = recorder.finish()
    assert path is not None and recorder.frame_size == (640, 360)
    frames = list(iter_frames(path))
    assert [f.image.shape for f in frames] == [(360, 640, 3)] * 2
    second = frames[1].image.astype(int)
    # Scaled, not cropped: the right half is white (a cropped corner would be all black).
    assert second[200:, 340:].mean() > 200 and second[200:, :300].mean() < 50
