"""Alignment maths of the side-by-side review (rom.dashboard.review)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rom.dashboard import review


def test_movement_start_is_a_fifth_of_the_way_to_the_peak() -> None:
    t = np.arange(0, 3.0, 0.1)
    # Rests at 10 for 1 s, rises 10 per second to 30 at 3 s: 20 % of the way is 14, at 1.4 s.
    y = np.where(t < 1.0, 10.0, 10.0 + 10.0 * (t - 1.0))
    assert review.movement_start_s(t, y, peak_value=30.0) == pytest.approx(1.4)
    # A movement downwards (e.g. the toe touch's distance) counts the same way.
    assert review.movement_start_s(t, -y, peak_value=-30.0) == pytest.approx(1.4)
    # NaN samples are skipped; the starting level ignores them.
    y_gappy = y.copy()
    y_gappy[[0, 15]] = math.nan
    assert review.movement_start_s(t, y_gappy, peak_value=30.0) == pytest.approx(1.4)


def test_movement_start_without_a_movement_is_the_first_sample() -> None:
    t = np.arange(0.5, 2.0, 0.5)
    assert review.movement_start_s(t, np.full(3, 5.0), peak_value=5.0) == 0.5
    assert review.movement_start_s(t, np.full(3, 5.0), peak_value=math.nan) == 0.5
    assert review.movement_start_s(t, np.full(3, math.nan), peak_value=1.0) == 0.5


def test_timeline_covers_both_videos_around_their_anchors() -> None:
    line = review.timeline((1.0, 2.5), (4.0, 3.0))
    assert (line.start_s, line.end_s) == (-2.5, 3.0)
    # Shared t = 0 is each video's anchor; outside a video it holds its first/last frame.
    assert review.video_time_s(line, 0, 0.0, 4.0) == 1.0
    assert review.video_time_s(line, 1, 0.0, 3.0) == 2.5
    assert review.video_time_s(line, 0, -2.0, 4.0) == 0.0
    assert review.video_time_s(line, 1, 1.0, 3.0) == 3.0


def test_frame_index_of_a_time() -> None:
    assert review.frame_index(0.0, 30.0, 90) == 0
    assert review.frame_index(1.0, 30.0, 90) == 30  # exactly on a frame's start
    assert review.frame_index(1.0 / 30.0 * 7, 30.0, 90) == 7  # float error does not drop one
    assert review.frame_index(0.0499, 30.0, 90) == 1
    assert review.frame_index(10.0, 30.0, 90) == 89
    assert review.frame_index(-1.0, 30.0, 90) == 0


def test_aligned_frames_stay_a_constant_number_apart_when_stepping() -> None:
    fps = 30.0
    line = review.timeline((12 / fps, 40 / fps), (3.0, 3.0))
    for step in range(-10, 10):
        t = step / fps
        pre = review.frame_index(review.video_time_s(line, 0, t, 3.0), fps, 90)
        post = review.frame_index(review.video_time_s(line, 1, t, 3.0), fps, 90)
        assert post - pre == 28, (step, pre, post)
