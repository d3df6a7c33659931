"""Measuring a long clip takes little memory (issue 12, item 14).

A 10-minute clip at 30 fps once peaked 518 MB above tracking in the measurement alone
(about 29 KB a frame, the running medians' temporaries); the bound below is a tenth of it.
"""

from __future__ import annotations

import dataclasses
import tracemalloc

import numpy as np

from rom.pose import PoseTrack
from rom.protocols import measure
from tests.test_protocols import lunge, make_track

FRAMES = 18_000  # 10 minutes at 30 fps
#: What the measurement may allocate on top of the track, per frame of the clip: the
#: prepared track keeps two (T, 33, 2) float64 copies (1 KB a frame) and a few like them
#: live while it is made.
BOUND_BYTES_PER_FRAME = 3_000


def _long_track(frames: int) -> PoseTrack:
    """A noisy 10-second lunge repeated to ``frames`` frames (timestamps running on)."""
    short = make_track(lunge(30.0), duration=10.0, noise_px=1.5)
    n = short.timestamps_s.size
    repeats = -(-frames // n)
    per_frame = {
        f.name: np.concatenate([value] * repeats)[:frames]
        for f in dataclasses.fields(PoseTrack)
        if isinstance(value := getattr(short, f.name), np.ndarray) and value.shape[:1] == (n,)
    }
    per_frame["timestamps_s"] = np.arange(frames) / 30.0
    per_frame["frame_indices"] = np.arange(frames)
    return dataclasses.replace(short, **per_frame)


def test_measuring_a_ten_minute_track_stays_within_a_small_memory_bound() -> None:
    track = _long_track(FRAMES)
    assert track.timestamps_s.size == FRAMES
    tracemalloc.start()
    try:
        result = measure(track, "ankle-dorsiflexion", "auto")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < BOUND_BYTES_PER_FRAME * FRAMES, f"peak {peak / 1e6:.0f} MB"
    # The same lunge, measured as in the short clip: memory was not saved at its expense.
    assert result.measurement.value is not None
    assert abs(result.measurement.value - 30.0) < 2.0
