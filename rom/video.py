"""Decode phone videos into upright RGB frames with their true timestamps (PyAV).

What this module guarantees
---------------------------
* **Upright frames.** Phones store portrait video as landscape pixels plus a display
  rotation. PyAV does not apply it: ``frame.rotation`` is the counter-clockwise angle in
  degrees and ``np.rot90(pixels, k=rotation // 90)`` gives what OpenCV and ffmpeg show.
  Every :class:`Frame` image and every size in :class:`VideoInfo` is upright.
* **True timestamps.** ``Frame.time_s`` is the frame's presentation timestamp (PTS) in
  seconds from the stream's start, so variable-frame-rate phone clips keep their real
  timing. Timestamps are made strictly increasing (a repeated PTS is nudged by 1 µs).
* **Flat memory.** Frames are streamed one at a time; nothing is buffered here.
* **Frame-rate subsampling by time.** With ``fps`` set, a frame is kept when its PTS
  reaches the next target time (first frame, then every ``1 / fps`` seconds). Dropped
  frames are still decoded — inter-frame codecs need them as references, so skipping
  non-key frames (``skip_frame = "NONKEY"``) would change the result — but their RGB
  conversion and rotation are skipped, which is most of the per-frame cost after decoding.
* **Clear errors.** Unreadable input raises :class:`rom.errors.VideoError` with a
  one-line message. A file that is truncated or corrupt part-way still yields every frame
  that decodes; :class:`DecodeReport` says so afterwards.
"""

from __future__ import annotations

import math
import os
from collections.abc import Container, Generator, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import numpy as np
from numpy.typing import NDArray

from rom.errors import VideoError

#: File endings of phone and camera videos (lower case, without the dot): offered by the
#: dashboard's uploader and picked up by ``rom batch`` in a folder.
VIDEO_TYPES: tuple[str, ...] = ("mp4", "mov", "m4v", "webm", "mkv", "avi")

#: Smallest accepted short side of the upright frame, in pixels. Below this, a person is
#: far too small for the pose model and any result would be noise.
MIN_SIDE_PX = 96

#: Repeated timestamps are nudged forward by this much (seconds) to stay strictly increasing.
_TIME_NUDGE_S = 1e-6

#: Tolerance (seconds) when comparing a frame's time with the next target time.
_TARGET_TOLERANCE_S = 1e-4


@dataclass(frozen=True)
class VideoInfo:
    """What a video holds, from its container and its first decoded frame.

    Attributes
    ----------
    path : Path
    width, height : int
        Size of the *upright* frame in pixels (rotation metadata applied).
    rotation_deg : int
        Counter-clockwise rotation (0, 90, 180 or 270) applied to the stored pixels to make
        them upright.
    codec : str
        Decoder name, e.g. ``"h264"``, ``"hevc"``, ``"vp9"``.
    duration_s : float
        Duration of the video stream in seconds (0 when the container does not say).
    frame_count : int
        Number of frames: the container's count when it has one, else
        ``round(duration_s * avg_fps)``; an estimate either way.
    avg_fps : float
        Average frame rate in frames per second (meaningless for exact timing of
        variable-frame-rate clips: use the frames' own timestamps).
    container : str
        Container format name as FFmpeg reports it, e.g. ``"mov,mp4,m4a,3gp,3g2,mj2"``.
    """

    path: Path
    width: int
    height: int
    rotation_deg: int
    codec: str
    duration_s: float
    frame_count: int
    avg_fps: float
    container: str


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded, upright video frame.

    Attributes
    ----------
    index : int
        Index of the frame among *all* decoded frames of the video (0-based), also when
        frames are dropped by ``fps`` subsampling.
    time_s : float
        Presentation time in seconds from the stream's start; strictly increasing.
    image : ndarray, shape (H, W, 3), uint8
        C-contiguous RGB pixels of the upright frame (possibly downscaled, see
        ``full_size``).
    full_size : tuple of int
        ``(width, height)`` of the upright frame at the video's own resolution. Differs
        from the image's size only when ``iter_frames(max_long_side=...)`` downscaled it;
        normalised coordinates measured on ``image`` map to original pixels by
        multiplying with ``full_size``.
    """

    index: int
    time_s: float
    image: NDArray[np.uint8]
    full_size: tuple[int, int] = (0, 0)

    def __post_init__(self) -> None:
        if self.full_size == (0, 0):
            height, width = self.image.shape[:2]
            object.__setattr__(self, "full_size", (int(width), int(height)))


@dataclass
class DecodeReport:
    """How decoding went; filled in by :func:`iter_frames` while it runs.

    Attributes
    ----------
    frames_decoded : int
        Frames decoded (kept or dropped by subsampling).
    frames_yielded : int
        Frames handed to the caller.
    decode_errors : int
        Packets the decoder rejected plus frames it flagged as corrupt.
    last_time_s : float or None
        Timestamp of the last decoded frame.
    expected_duration_s : float
        Stream duration the container announced (0 when unknown).
    finished : bool
        True once the whole file has been read.
    messages : list of str
        The decoder's error messages, first few only.
    """

    frames_decoded: int = 0
    frames_yielded: int = 0
    decode_errors: int = 0
    last_time_s: float | None = None
    expected_duration_s: float = 0.0
    frame_period_s: float = 0.0
    finished: bool = False
    messages: list[str] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        """Whether the file looks cut short or damaged (frames missing at the end or
        undecodable packets)."""
        if self.decode_errors > 0:
            return True
        if not self.finished or self.last_time_s is None or self.expected_duration_s <= 0:
            return False
        # A complete stream's last frame starts one frame period before its end; allow
        # a few periods of slack for containers that round their duration.
        slack = max(0.25, 3.0 * self.frame_period_s)
        return self.last_time_s < self.expected_duration_s - slack


def _check_file(path: Path) -> None:
    if not path.exists():
        raise VideoError(f"{path}: no such file")
    if not path.is_file():
        raise VideoError(f"{path}: not a file")
    if not os.access(path, os.R_OK):
        raise VideoError(f"{path}: permission denied")
    if path.stat().st_size == 0:
        raise VideoError(f"{path}: the file is empty")


def _open(path: str | os.PathLike[str]) -> tuple[Path, Any, Any]:
    """Open ``path`` and return (path, container, video stream) or raise VideoError."""
    path = Path(path)
    _check_file(path)
    try:
        container = av.open(str(path), mode="r")
    except av.error.EOFError as exc:
        raise VideoError(f"{path}: the video holds no frames (empty or truncated)") from exc
    except av.error.FFmpegError as exc:
        raise VideoError(
            f"{path}: cannot be read as a video (not a video file, or corrupt or truncated)"
        ) from exc
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path}: the file has no video stream")
    return path, container, container.streams.video[0]


def _stream_duration_s(container: Any, stream: Any) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration / av.time_base)
    return 0.0


def _stream_fps(stream: Any) -> float:
    rate = stream.average_rate or stream.guessed_rate
    return float(rate) if rate else 0.0


def _upright_size(width: int, height: int, rotation_deg: int) -> tuple[int, int]:
    return (height, width) if rotation_deg % 180 else (width, height)


def _check_size(path: Path, width: int, height: int) -> None:
    if min(width, height) < MIN_SIDE_PX:
        raise VideoError(
            f"{path}: the video is only {width}x{height} pixels; rom needs at least "
            f"{MIN_SIDE_PX} pixels on the short side to find a person"
        )


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Describe a video without decoding more than its first frame.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    VideoInfo

    Raises
    ------
    VideoError
        Missing, unreadable, empty, not a video, no video stream, no decodable frame, or
        frames smaller than :data:`MIN_SIDE_PX`.
    """
    path, container, stream = _open(path)
    try:
        first = None
        try:
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    continue  # a damaged packet: try the next one
                if frames:
                    first = frames[0]
                    break
            if first is None:  # frames still buffered in the decoder
                try:
                    flushed = stream.codec_context.decode(None)
                    first = flushed[0] if flushed else None
                except av.error.FFmpegError:
                    first = None
        except av.error.FFmpegError as exc:
            raise VideoError(f"{path}: the video cannot be decoded ({exc})") from exc
        if first is None:
            raise VideoError(f"{path}: the video has no decodable frames")
        rotation = int(first.rotation or 0) % 360
        width, height = _upright_size(first.width, first.height, rotation)
        _check_size(path, width, height)
        duration = _stream_duration_s(container, stream)
        fps = _stream_fps(stream)
        count = int(stream.frames or 0)
        if count <= 0 and duration > 0 and fps > 0:
            count = round(duration * fps)
        return VideoInfo(
            path=path,
            width=width,
            height=height,
            rotation_deg=rotation,
            codec=stream.codec_context.name,
            duration_s=duration,
            frame_count=count,
            avg_fps=fps,
            container=container.format.name,
        )
    finally:
        container.close()


def _to_upright_rgb(
    frame: Any, max_long_side: int | None
) -> tuple[NDArray[np.uint8], tuple[int, int]]:
    """Convert a decoded frame to upright, C-contiguous RGB (optionally downscaled)."""
    rotation = int(frame.rotation or 0) % 360
    full_size = _upright_size(frame.width, frame.height, rotation)
    long_side = max(frame.width, frame.height)
    if max_long_side is not None and long_side > max_long_side:
        # Scale and convert in one swscale pass, cheaper than converting then resizing.
        scale = max_long_side / long_side
        pixels = frame.reformat(
            width=max(1, round(frame.width * scale)),
            height=max(1, round(frame.height * scale)),
            format="rgb24",
        ).to_ndarray()
    else:
        pixels = frame.to_ndarray(format="rgb24")
    if rotation:
        pixels = np.ascontiguousarray(np.rot90(pixels, k=rotation // 90))
    return pixels, full_size


def iter_frames(
    path: str | os.PathLike[str],
    fps: float | None = None,
    *,
    max_long_side: int | None = None,
    report: DecodeReport | None = None,
    threads: int = 0,
    only: Container[int] | None = None,
) -> Generator[Frame, None, None]:
    """Stream the upright RGB frames of a video with their presentation timestamps.

    Parameters
    ----------
    path : path-like
    fps : float, optional
        Target frame rate in frames per second. Frames are kept by timestamp: the first
        frame, then the first frame at or after each multiple of ``1 / fps`` seconds
        after the previously kept target. ``None`` (or a rate at or above the video's)
        keeps every frame.
    max_long_side : int, optional
        Downscale frames whose long side exceeds this many pixels (aspect ratio kept);
        ``Frame.full_size`` still gives the original upright size.
    report : DecodeReport, optional
        Filled in while iterating: counts, decode errors, whether the file is truncated.
    threads : int
        Decoder threads (0 lets FFmpeg choose).
    only : container of int, optional
        Yield only the frames with these :attr:`Frame.index` values (the ``fps``
        subsampling is unchanged); the others are decoded but not converted to RGB, the
        costly step for large frames.  ``None`` yields every kept frame.

    Yields
    ------
    Frame

    Raises
    ------
    VideoError
        Unreadable input, frames below :data:`MIN_SIDE_PX`, or no decodable frame at all.
        A file that breaks part-way ends the iteration early instead; see ``report``.
    """
    if fps is not None and not (math.isfinite(fps) and fps > 0):
        raise VideoError(f"the target frame rate must be a positive number, not {fps}")
    report = report if report is not None else DecodeReport()
    path, container, stream = _open(path)
    try:
        stream.thread_type = "AUTO"  # frame + slice threads: decoding runs in parallel
        stream.codec_context.thread_count = threads
        time_base: Fraction = stream.time_base
        start_s = float(stream.start_time * time_base) if stream.start_time is not None else None
        avg_fps = _stream_fps(stream)
        report.expected_duration_s = _stream_duration_s(container, stream)
        report.frame_period_s = 1.0 / avg_fps if avg_fps > 0 else 0.0
        step_s = 1.0 / fps if fps is not None else 0.0

        next_target_s: float | None = None
        previous_s: float | None = None
        previous_absolute_s: float | None = None
        index = 0
        checked_size = False
        for frame in _decode(container, stream, report):
            # Timestamp: the frame's PTS relative to the stream start, strictly increasing.
            if frame.pts is not None:
                absolute_s = float(frame.pts * time_base)
            elif previous_absolute_s is not None:  # no PTS: assume the nominal frame period
                absolute_s = previous_absolute_s + (report.frame_period_s or _TIME_NUDGE_S)
            else:
                absolute_s = start_s or 0.0
            previous_absolute_s = absolute_s
            if start_s is None:
                start_s = absolute_s
            time_s = absolute_s - start_s
            if previous_s is not None and time_s <= previous_s:
                time_s = previous_s + _TIME_NUDGE_S
            previous_s = time_s
            report.frames_decoded += 1
            report.last_time_s = time_s
            if frame.is_corrupt:
                report.decode_errors += 1

            this_index = index
            index += 1
            if fps is not None:
                if next_target_s is not None and time_s < next_target_s - _TARGET_TOLERANCE_S:
                    continue  # dropped: no colour conversion, no rotation
                # Next target one step after this one; after a gap in a variable-rate clip
                # skip the missed targets rather than keeping a burst of frames.
                next_target_s = (time_s if next_target_s is None else next_target_s) + step_s
                while next_target_s <= time_s + _TARGET_TOLERANCE_S:
                    next_target_s += step_s
            if only is not None and this_index not in only:
                continue  # not asked for: no colour conversion, no rotation

            image, full_size = _to_upright_rgb(frame, max_long_side)
            if not checked_size:
                _check_size(path, *full_size)
                checked_size = True
            report.frames_yielded += 1
            yield Frame(index=this_index, time_s=time_s, image=image, full_size=full_size)
        report.finished = True
    finally:
        container.close()
    if report.frames_decoded == 0:
        raise VideoError(f"{path}: the video has no decodable frames")


def _decode(container: Any, stream: Any, report: DecodeReport) -> Iterator[Any]:
    """Decode every frame of ``stream``, skipping damaged packets and counting them."""

    def note(exc: Exception) -> None:
        report.decode_errors += 1
        if len(report.messages) < 5:
            report.messages.append(str(exc))

    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()  # the flush packet at the end drains the decoder
            except av.error.FFmpegError as exc:
                note(exc)
                continue
            yield from frames
    except av.error.FFmpegError as exc:  # the demuxer itself gave up (damaged container)
        note(exc)
