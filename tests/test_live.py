"""Capture like a coach (issue 14, item 5): countdown, running peak, phase sequence."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from rom.dashboard import live, webcam


def test_countdown_shows_three_two_one_then_records() -> None:
    shown = [live.countdown_number(t) for t in (0.0, 0.5, 0.99, 1.0, 1.7, 2.0, 2.99, 3.0, 9.0)]
    assert shown == [3, 3, 3, 2, 2, 1, 1, None, None]
    assert live.countdown_number(0.2, countdown_s=0.0) is None
    assert live.countdown_number(-1.0) == 3  # a clock that stepped back shows the start


def test_running_peak_holds_the_largest_angle_and_skips_gaps() -> None:
    peak = math.nan
    for angle in (math.nan, 10.0, 25.0, math.nan, 18.0):
        peak = live.running_peak(peak, angle)
    assert peak == 25.0
    assert math.isnan(live.running_peak(math.nan, math.nan))


def test_recorder_counts_down_before_recording(tmp_path: Path) -> None:
    recorder = live.LiveRecorder(tmp_path / "model.task", tmp_path / "clip.mp4")
    image = np.zeros((72, 128, 3), dtype=np.uint8)
    out = recorder.process(image, 100.0)
    # The countdown is drawn, nothing is recorded and no pose model is needed yet.
    assert out.any() and not image.any()
    assert recorder.process(image, 102.5).any()
    assert recorder.frames_recorded == 0
    assert recorder.finish() is None


def test_phases_are_recorded_in_sequence() -> None:
    assert webcam.next_phase(set()) == "pre"
    assert webcam.next_phase({"pre"}) == "post"
    assert webcam.next_phase({"post"}) == "pre"  # a retaken pre comes back first
    assert webcam.next_phase({"pre", "post"}) == "post"
