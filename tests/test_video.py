"""rom.video decodes real files: upright frames, true timestamps, clear errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from rom import video
from rom.errors import VideoError
from rom.video import DecodeReport, iter_frames, probe
from tests.conftest import run_ffmpeg

W, H = 320, 240
MARK = 40  # side of the white corner marker, pixels


def marker_frames(n: int, width: int = W, height: int = H) -> list[np.ndarray]:
    """Dark frames whose grey level encodes the frame number, with a white square in the
    stored top-left corner (to see where rotation puts it)."""
    frames = []
    for i in range(n):
        pixels = np.full((height, width, 3), 20 + 5 * (i % 40), np.uint8)
        pixels[:MARK, :MARK] = 255
        frames.append(pixels)
    return frames


def marker_corner(image: np.ndarray, size: int = MARK) -> str:
    """Which corner of ``image`` holds the white marker (``size`` pixels wide)."""
    h, w = image.shape[:2]
    corners = {
        "top-left": image[:size, :size],
        "top-right": image[:size, w - size:],
        "bottom-left": image[h - size:, :size],
        "bottom-right": image[h - size:, w - size:],
    }
    means = {name: float(block.mean()) for name, block in corners.items()}
    best = max(means, key=means.__getitem__)
    assert means[best] > 200, means
    return best


def ffprobe_pts(path: Path) -> list[float]:
    """Each video frame's pts_time according to ffprobe (an independent reader)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "frame=pts_time", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    return [float(line.strip().strip(",")) for line in out.splitlines() if line.strip()]


def ffmpeg_upright_rgb(path: Path, width: int, height: int) -> np.ndarray:
    """First frame as ffmpeg's own player pipeline shows it (autorotation on)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(height, width, 3)


# --- decoding and metadata -------------------------------------------------------------


def test_h264_probe_and_frames(make_video):
    path = make_video("clip.mp4", marker_frames(30))
    info = probe(path)
    assert (info.width, info.height, info.rotation_deg) == (W, H, 0)
    assert info.codec == "h264"
    assert info.frame_count == 30
    assert info.avg_fps == pytest.approx(30.0)
    assert info.duration_s == pytest.approx(1.0, abs=0.04)

    frames = list(iter_frames(path))
    assert [f.index for f in frames] == list(range(30))
    assert np.allclose([f.time_s for f in frames], np.arange(30) / 30, atol=1e-9)
    for i, frame in enumerate(frames):
        assert frame.image.shape == (H, W, 3) and frame.image.dtype == np.uint8
        assert frame.image.flags.c_contiguous
        assert frame.full_size == (W, H)
        # The grey level identifies the frame: decoding order and content are right.
        assert abs(float(np.median(frame.image[MARK:, MARK:])) - (20 + 5 * i)) <= 3
        assert marker_corner(frame.image) == "top-left"


@pytest.mark.parametrize(
    ("rotate", "corner"),
    [(90, "bottom-left"), (180, "bottom-right"), (270, "top-right")],
)
def test_rotation_metadata_gives_upright_frames(make_video, ffmpeg, tmp_path, rotate, corner):
    stored = make_video("stored.mp4", marker_frames(5))
    rotated = tmp_path / f"rot{rotate}.mp4"
    run_ffmpeg(ffmpeg, "-i", stored, "-c", "copy", "-metadata:s:v", f"rotate={rotate}", rotated)

    info = probe(rotated)
    assert info.rotation_deg == rotate
    upright = (H, W) if rotate in (90, 270) else (W, H)
    assert (info.width, info.height) == upright

    first = next(iter_frames(rotated))
    assert first.image.shape == (upright[1], upright[0], 3)
    assert first.full_size == upright
    assert first.image.flags.c_contiguous
    # The display-matrix angle is counter-clockwise: the stored top-left marker moves to
    # ``corner``; and the pixels equal what ffmpeg itself shows (autorotation).
    assert marker_corner(first.image) == corner
    reference = ffmpeg_upright_rgb(rotated, *upright)
    assert np.abs(first.image.astype(int) - reference.astype(int)).mean() < 1.5


@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv420p10le"])  # 10-bit: iPhone HDR
def test_hevc_in_mov(make_video, pix_fmt):
    source = marker_frames(12)
    path = make_video(
        "clip.mov", source, codec="libx265", pix_fmt=pix_fmt,
        options={"x265-params": "log-level=none"},
    )
    info = probe(path)
    assert info.codec == "hevc"
    assert "mov" in info.container
    frames = list(iter_frames(path))
    assert len(frames) == 12
    for frame, pixels in zip(frames, source, strict=True):
        assert np.abs(frame.image.astype(int) - pixels.astype(int)).mean() < 4
        assert marker_corner(frame.image) == "top-left"


def test_variable_frame_rate_keeps_true_timestamps(make_video):
    times = [0.0, 0.033, 0.05, 0.2, 0.21, 0.5, 0.9, 0.95, 1.0, 1.4]
    path = make_video("vfr.mp4", marker_frames(len(times)), times_s=times)
    frames = list(iter_frames(path))
    decoded = [f.time_s for f in frames]
    assert np.allclose(decoded, times, atol=1.5e-5)  # 1/90000 s time base
    assert np.allclose(decoded, ffprobe_pts(path), atol=1e-6)
    assert np.all(np.diff(decoded) > 0)


def test_timestamps_are_relative_to_the_stream_start(make_video, ffmpeg, tmp_path):
    # MPEG-TS streams start at 1.4 s by default: times must still start at zero.
    mp4 = make_video("clip.mp4", marker_frames(15))
    ts = tmp_path / "clip.ts"
    run_ffmpeg(ffmpeg, "-i", mp4, "-c", "copy", ts)
    container_pts = ffprobe_pts(ts)
    assert container_pts[0] > 1.0  # the premise: a non-zero start
    decoded = [f.time_s for f in iter_frames(ts)]
    assert np.allclose(decoded, np.array(container_pts) - container_pts[0], atol=1e-6)
    assert decoded[0] == 0.0


# --- frame-rate subsampling ------------------------------------------------------------


def test_fps_subsampling_picks_frames_by_time(make_video):
    path = make_video("clip.mp4", marker_frames(90))
    ten = list(iter_frames(path, fps=10))
    assert [f.index for f in ten] == list(range(0, 90, 3))
    assert np.allclose([f.time_s for f in ten], np.arange(30) / 10, atol=1e-9)
    # The kept frame's pixels are that frame's, not a neighbour's.
    for frame in ten:
        expected_grey = 20 + 5 * (frame.index % 40)
        assert abs(float(np.median(frame.image[MARK:, MARK:])) - expected_grey) <= 3

    seven = [f.time_s for f in iter_frames(path, fps=7)]
    assert len(seven) == 21  # targets 0, 1/7, ..., 20/7 s all fall inside 3 s
    gaps = np.diff(seven)
    assert np.all(gaps >= 1 / 7 - 1 / 30 - 1e-9) and np.all(gaps <= 1 / 7 + 1 / 30 + 1e-9)

    assert len(list(iter_frames(path, fps=60))) == 90  # above the video's rate: all


def test_fps_subsampling_of_variable_frame_rate(make_video):
    times = [0.0, 0.033, 0.05, 0.2, 0.21, 0.5, 0.9, 0.95, 1.0, 1.4]
    path = make_video("vfr.mp4", marker_frames(len(times)), times_s=times)
    kept = [round(f.time_s, 3) for f in iter_frames(path, fps=10)]
    # Targets 0, 0.1 -> 0.2 (first at/after), 0.3 -> 0.5, 0.6 -> 0.9, 1.0, 1.1 -> 1.4.
    assert kept == [0.0, 0.2, 0.5, 0.9, 1.0, 1.4]


def _count_conversions(monkeypatch) -> list:
    """The pts of every frame converted to RGB from now on, in order."""
    calls = []
    original = video._to_upright_rgb

    def counting(frame, max_long_side):
        calls.append(frame.pts)
        return original(frame, max_long_side)

    monkeypatch.setattr(video, "_to_upright_rgb", counting)
    return calls


def test_dropped_frames_skip_colour_conversion(make_video, monkeypatch):
    path = make_video("clip.mp4", marker_frames(60))
    calls = _count_conversions(monkeypatch)
    report = DecodeReport()
    kept = list(iter_frames(path, fps=5, report=report))
    assert len(kept) == 10
    assert len(calls) == 10  # only kept frames were converted
    assert report.frames_decoded == 60  # ... though every frame was decoded


def test_only_chosen_frames_are_converted_and_yielded(make_video, monkeypatch):
    path = make_video("clip.mp4", marker_frames(60))
    every = {f.index: f for f in iter_frames(path, fps=10)}
    calls = _count_conversions(monkeypatch)
    # 4 is dropped by the fps subsampling (kept: 0, 3, 6, ...): asking for it yields nothing.
    chosen = list(iter_frames(path, fps=10, only={4, 9, 30, 57}))
    assert [f.index for f in chosen] == [9, 30, 57]
    assert len(calls) == 3  # the other kept frames were not converted
    for frame in chosen:  # same time and pixels as without ``only``
        assert frame.time_s == every[frame.index].time_s
        assert np.array_equal(frame.image, every[frame.index].image)


def test_huge_frames_are_downscaled_but_keep_their_full_size(make_video):
    path = make_video("big.mp4", marker_frames(3, width=2400, height=1200))
    frame = next(iter_frames(path, max_long_side=1920))
    assert frame.image.shape == (960, 1920, 3)
    assert frame.full_size == (2400, 1200)
    assert marker_corner(frame.image, size=MARK * 1920 // 2400) == "top-left"
    assert next(iter_frames(path)).image.shape == (1200, 2400, 3)  # no limit: untouched


# --- bad input -------------------------------------------------------------------------


def assert_one_line_error(excinfo: pytest.ExceptionInfo[VideoError], path: Path, phrase: str):
    message = str(excinfo.value)
    assert "\n" not in message
    assert str(path) in message
    assert phrase in message


@pytest.mark.parametrize("reader", [probe, lambda p: list(iter_frames(p))])
def test_missing_directory_and_empty_files(tmp_path, reader):
    missing = tmp_path / "nope.mp4"
    with pytest.raises(VideoError) as excinfo:
        reader(missing)
    assert_one_line_error(excinfo, missing, "no such file")

    with pytest.raises(VideoError) as excinfo:
        reader(tmp_path)
    assert_one_line_error(excinfo, tmp_path, "not a file")

    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(VideoError) as excinfo:
        reader(empty)
    assert_one_line_error(excinfo, empty, "empty")


@pytest.mark.parametrize("reader", [probe, lambda p: list(iter_frames(p))])
def test_text_file_renamed_mp4(tmp_path, reader):
    fake = tmp_path / "notes.mp4"
    fake.write_text("these are my session notes, not a video\n" * 50)
    with pytest.raises(VideoError) as excinfo:
        reader(fake)
    assert_one_line_error(excinfo, fake, "cannot be read as a video")


def test_audio_only_file_has_no_video_stream(ffmpeg, tmp_path):
    audio = tmp_path / "voice.m4a"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "sine=duration=1", audio)
    with pytest.raises(VideoError) as excinfo:
        probe(audio)
    assert_one_line_error(excinfo, audio, "no video stream")


def test_video_without_frames(make_video, ffmpeg, tmp_path):
    # A fast-start MP4 cut right after its header: a video stream that holds no frames.
    faststart = {"movflags": "+faststart"}
    data = make_video("clip.mp4", marker_frames(30), container_options=faststart).read_bytes()
    header_only = tmp_path / "header_only.mp4"
    header_only.write_bytes(data[: data.index(b"mdat") + 4])
    for reader in (probe, lambda p: list(iter_frames(p))):
        with pytest.raises(VideoError) as excinfo:
            reader(header_only)
        assert_one_line_error(excinfo, header_only, "no decodable frames")

    # A Matroska file with a video track and no frames at all.
    empty_mkv = tmp_path / "empty.mkv"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=1",
               "-frames:v", "0", "-c:v", "libx264", empty_mkv)
    with pytest.raises(VideoError) as excinfo:
        probe(empty_mkv)
    assert_one_line_error(excinfo, empty_mkv, "no frames")


def test_truncated_file_yields_what_decodes_and_says_so(make_video, tmp_path):
    faststart = {"movflags": "+faststart"}
    whole = make_video("whole.mp4", marker_frames(90), container_options=faststart)
    complete = DecodeReport()
    assert len(list(iter_frames(whole, report=complete))) == 90
    assert not complete.truncated

    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    report = DecodeReport()
    frames = list(iter_frames(cut, report=report))
    assert 10 < len(frames) < 90
    assert report.truncated
    # What did decode is intact: frame i still shows grey level i.
    for frame in frames:
        expected_grey = 20 + 5 * (frame.index % 40)
        assert abs(float(np.median(frame.image[MARK:, MARK:])) - expected_grey) <= 3


def test_truncated_file_without_its_index_is_refused(make_video, tmp_path):
    # Without fast-start the MP4 index (moov) is at the end: half a file cannot be read.
    data = make_video("whole.mp4", marker_frames(60)).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoError) as excinfo:
        probe(cut)
    assert_one_line_error(excinfo, cut, "corrupt or truncated")


def test_tiny_frames_are_refused(make_video):
    path = make_video("tiny.mp4", [np.zeros((60, 80, 3), np.uint8)] * 3)
    with pytest.raises(VideoError) as excinfo:
        probe(path)
    assert_one_line_error(excinfo, path, "80x60 pixels")
    with pytest.raises(VideoError):
        list(iter_frames(path))


@pytest.mark.parametrize("fps", [0, -5, float("nan"), float("inf")])
def test_bad_target_fps(make_video, fps):
    path = make_video("clip.mp4", marker_frames(3))
    with pytest.raises(VideoError, match="positive"):
        list(iter_frames(path, fps=fps))
