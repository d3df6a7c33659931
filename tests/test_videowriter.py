"""The shared H.264 writer: browser-playable MP4, true timestamps, nothing left on failure."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from rom.videowriter import H264Writer


def _frames(n: int, size: tuple[int, int]) -> list[np.ndarray]:
    width, height = size
    return [np.full((height, width, 3), 20 * k, np.uint8) for k in range(n)]


def test_frames_and_timestamps_survive(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "clip.mp4"
    times = [0.0, 0.04, 0.04, 0.2, 0.25]  # a repeated and a late timestamp
    with H264Writer(out, 25.0, (64, 48)) as writer:
        for image, t in zip(_frames(5, (65, 49)), times, strict=True):  # odd: cropped
            writer.write(image, t)
    assert writer.frames_written == 5
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (64, 48)
        decoded = list(container.decode(stream))
    assert len(decoded) == 5
    assert decoded[0].format.name == "yuv420p"
    shown_ms = [round(float(f.time) * 1000) for f in decoded]
    assert shown_ms == [0, 40, 41, 200, 250]  # the repeat moved 1 ms on, the gap kept
    grey = [int(f.to_ndarray(format="rgb24").mean()) for f in decoded]
    assert all(abs(g - 20 * k) <= 3 for k, g in enumerate(grey)), grey


def test_a_failure_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    with pytest.raises(RuntimeError), H264Writer(out, 30.0, (32, 32)) as writer:
        writer.write(_frames(1, (32, 32))[0], 0.0)
        raise RuntimeError("camera unplugged")
    assert list(tmp_path.iterdir()) == []


def test_odd_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="even"):
        H264Writer(tmp_path / "x.mp4", 30.0, (31, 32))
