"""Video file → :class:`rom.pose.PoseTrack`: pose tracking with its track cache.

Decoding and inference overlap: a reader thread decodes frames (PyAV releases the GIL
while decoding) into a small bounded queue while the calling thread runs MediaPipe, so
memory stays flat whatever the video's length.

Tracks are cached in ``rom.paths.cache_dir() / "tracks" / <video sha256>`` (see
:mod:`rom.cache`) under a key made of the video's SHA-256, the model's SHA-256, the analysis
settings and the track format, so analysing the same file again is instant.
:meth:`PoseTrack.save` writes atomically, so an interrupted analysis never leaves a broken
cache entry.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import warnings
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from rom import cache
from rom.errors import NoPersonError
from rom.fileio import sha256_bytes, sha256_file
from rom.landmarker import PersonChoice, PersonFollower, PoseDetector, Rows
from rom.pose import TRACK_FORMAT_VERSION, PoseTrack
from rom.swaps import repair_track, rows_of_mirrored_image
from rom.video import DecodeReport, Frame, iter_frames, probe

#: Bump when a change in this pipeline changes the tracks it produces (invalidates caches).
PIPELINE_VERSION = 3  # 2: lying bodies keep their labels; 3: a raised foot is no cue (rom.swaps)

#: Frames are downscaled for inference above this long side (pixels); landmarks are still
#: reported in original pixels. MediaPipe resizes to 224-256 px internally, so larger
#: frames only cost conversion time and memory.
INFERENCE_MAX_SIDE = 1920

#: People reported per frame by MediaPipe (see :class:`rom.landmarker.PoseDetector`).
NUM_POSES = 2

#: Decoder threads: MediaPipe's inference keeps about two cores busy in bursts, and
#: FFmpeg's frame threads competing for them slowed the whole pipeline more than they
#: sped up decoding (measured with benchmarks/throughput.py on a 2-core machine).
DECODER_THREADS = max(1, (os.cpu_count() or 1) - 2)

#: Fewest frames with the person in them for a usable track.
MIN_DETECTED_FRAMES = 5

#: Decoded frames waiting for inference; bounds memory (a 1080p RGB frame is ~6 MB).
QUEUE_FRAMES = 8

ProgressCallback = Callable[[int, int], None]


def _mediapipe_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mediapipe")
    except PackageNotFoundError:
        return "unknown"


def analysis_settings(fps: float | None, person: PersonChoice) -> dict[str, Any]:
    """Settings that change the track; stored in it and part of the cache key."""
    return {
        "fps": fps,
        "person": list(person) if isinstance(person, tuple) else person,
        "num_poses": NUM_POSES,
        "max_side": INFERENCE_MAX_SIDE,
        "pipeline_version": PIPELINE_VERSION,
    }


def cache_key(video_sha256: str, model_sha256: str, settings: dict[str, Any]) -> str:
    """Cache file stem for a (video, model, settings, track format, mediapipe) combination."""
    material = json.dumps(
        {
            "video": video_sha256,
            "model": model_sha256,
            "settings": settings,
            "track_format": TRACK_FORMAT_VERSION,
            "mediapipe": _mediapipe_version(),
        },
        sort_keys=True,
    )
    return sha256_bytes(material.encode())


def track_cache_path(video_sha256: str, key: str) -> Path:
    """The cache file of the track ``key`` (:func:`cache_key`) of the video ``video_sha256``."""
    return cache.track_path(video_sha256, key)


class _Reader:
    """Decode frames in a background thread into a bounded queue."""

    _DONE = object()

    def __init__(
        self,
        path: Path,
        fps: float | None,
        report: DecodeReport,
        only: Container[int] | None = None,
    ) -> None:
        self._only = only
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._stop = threading.Event()
        self._path, self._fps, self._report = path, fps, report
        self._thread = threading.Thread(target=self._run, name="rom-video-reader", daemon=True)

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            frames = iter_frames(
                self._path,
                self._fps,
                max_long_side=INFERENCE_MAX_SIDE,
                report=self._report,
                threads=DECODER_THREADS,
                only=self._only,
            )
            for frame in frames:
                if not self._put(frame):
                    frames.close()
                    return
            self._put(self._DONE)
        except BaseException as exc:  # handed to the consumer, re-raised there
            self._put(exc)

    def __enter__(self) -> _Reader:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # Also on KeyboardInterrupt: stop the reader (it polls the flag while the queue is
        # full) and wait for it, so the file is closed before we return.
        self._stop.set()
        self._thread.join(timeout=10)

    def __iter__(self) -> Iterator[Frame]:
        while True:
            item = self._queue.get()
            if item is self._DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


def track_video(
    path: str | os.PathLike[str],
    *,
    model: str | None = None,
    fps: float | None = None,
    progress: ProgressCallback | None = None,
    use_cache: bool = True,
    person: PersonChoice = None,
) -> PoseTrack:
    """Find one person's pose landmarks in every (kept) frame of a video.

    Parameters
    ----------
    path : path-like
        Video file (MP4/MOV/..., H.264/HEVC/VP9/...).
    model : str, optional
        ``"lite"``, ``"full"`` (default), ``"heavy"`` or a path to a ``.task`` bundle.
    fps : float, optional
        Analyse at most this many frames per second, picked by timestamp; ``None``
        analyses every frame.
    progress : callable(done, total), optional
        Called after each analysed frame; ``total`` is an estimate (0 when unknown).
    use_cache : bool
        Read and write the track cache.
    person : int, (x, y) or None
        Whom to follow when several people are in view (see
        :class:`rom.landmarker.PersonFollower`); default the largest.

    Returns
    -------
    PoseTrack
        ``settings`` holds the analysis settings plus ``video_truncated`` (bool) and
        ``decode_errors`` (int) describing the file's state.

    Raises
    ------
    VideoError
        The file cannot be read as a video.
    ModelError
        No usable pose model.
    NoPersonError
        The person was found in fewer than :data:`MIN_DETECTED_FRAMES` frames.
    """
    from rom.posemodels import resolve_model  # imported late: it pulls in model building

    path = Path(path)
    info = probe(path)  # fails fast, before the model loads, on anything unreadable
    resolved = resolve_model(model)
    video_sha256 = sha256_file(path)
    settings = analysis_settings(fps, person)
    cache_file = track_cache_path(
        video_sha256, cache_key(video_sha256, resolved.sha256, settings)
    )
    if use_cache and cache_file.exists():
        try:
            return PoseTrack.load(cache_file)
        except (OSError, ValueError, KeyError):
            cache_file.unlink(missing_ok=True)  # unreadable entry: analyse afresh

    if fps is not None and info.avg_fps > 0 and fps < info.avg_fps:
        total = round(info.duration_s * fps) or info.frame_count
    else:
        total = info.frame_count

    report = DecodeReport()
    follower = PersonFollower(person)
    times: list[float] = []
    indices: list[int] = []
    frame_size = (info.width, info.height)
    # The reader starts first, so decoding overlaps loading the model.
    with _Reader(path, fps, report) as reader, PoseDetector(
        resolved.path, num_poses=NUM_POSES
    ) as detector:
        for done, frame in enumerate(reader, start=1):
            people = detector.detect(frame.image, frame.time_s, frame.full_size)
            follower.add(people, frame.time_s)
            times.append(frame.time_s)
            indices.append(frame.index)
            frame_size = frame.full_size
            if progress is not None:
                progress(done, max(total, done))
    chosen: list[Rows | None] = follower.finish()
    identity = follower.identity()

    detected = sum(rows is not None for rows in chosen)
    if detected == 0:
        raise NoPersonError(f"{path}: no person was found in any of {len(chosen)} frames")
    if detected < MIN_DETECTED_FRAMES:
        raise NoPersonError(
            f"{path}: a person was found in only {detected} of {len(chosen)} frames "
            f"(at least {MIN_DETECTED_FRAMES} are needed)"
        )
    track = PoseTrack.from_frames(
        list(zip(times, indices, chosen, strict=True)),
        frame_size=frame_size,
        source_sha256=video_sha256,
        model_name=resolved.name,
        model_sha256=resolved.sha256,
        mediapipe_version=_mediapipe_version(),
        settings={
            **settings,
            "video_truncated": report.truncated,
            "decode_errors": report.decode_errors,
        },
        people_count=follower.people_count(),
        identity_confidence=identity.confidence,
        identity_uncertain=identity.uncertain,
    )
    # Undo whole-body left/right label flips once, here, so that every consumer (the
    # measurement, the annotated video, the cache) sees the same, corrected labels.
    track, relabelled = repair_track(track)
    track = replace(track, relabelled=relabelled)
    if use_cache:
        try:
            track.save(cache.private_parent(cache_file))
        except OSError as exc:  # a read-only cache must not lose the analysis
            warnings.warn(f"cannot write the track cache {cache_file}: {exc}", stacklevel=2)
    return track


def detect_frames(
    path: str | os.PathLike[str],
    frame_indices: Sequence[int],
    *,
    model_path: str | os.PathLike[str],
    fps: float | None = None,
    progress: Callable[[int], None] | None = None,
    mirrored: bool = False,
) -> dict[int, list[Rows]]:
    """Every person a model finds in chosen frames of a video, and in no others.

    The frames are decoded as :func:`track_video` decodes them (same ``fps`` subsampling,
    same downscaling, same frame indices); frames not asked for are decoded but neither
    converted nor queued (:func:`rom.video.iter_frames` cannot seek) and decoding stops
    after the last one.
    One VIDEO-mode detector sees the chosen frames in order, so ask for a few frames
    before the ones that matter: its tracking settles on them.

    Parameters
    ----------
    path : path-like
    frame_indices : sequence of int
        :attr:`rom.video.Frame.index` values (as in :attr:`PoseTrack.frame_indices`).
    model_path : path-like
        A ``.task`` bundle.
    fps : float, optional
        The ``fps`` the track was made with (``PoseTrack.settings["fps"]``).
    progress : callable(done), optional
        Called after each detected frame.
    mirrored : bool
        Show the model each frame mirrored left to right, and put the people it finds
        back into the frame's coordinates and labels
        (:func:`rom.swaps.rows_of_mirrored_image`): a second, independent reading.

    Returns
    -------
    dict of int to list of (33, 8) arrays
        Frame index -> the people found (see :meth:`PoseDetector.detect`); frames the
        video did not yield are missing.
    """
    wanted = set(int(i) for i in frame_indices)
    found: dict[int, list[Rows]] = {}
    if not wanted:
        return found
    last = max(wanted)
    with _Reader(Path(path), fps, DecodeReport(), only=wanted) as reader, PoseDetector(
        model_path, num_poses=NUM_POSES
    ) as detector:
        for frame in reader:
            if frame.index > last:
                break
            if frame.index in wanted:
                image = np.ascontiguousarray(frame.image[:, ::-1]) if mirrored else frame.image
                people = detector.detect(image, frame.time_s, frame.full_size)
                if mirrored:
                    width = float(frame.full_size[0])
                    people = [rows_of_mirrored_image(p, width) for p in people]
                found[frame.index] = people
                if progress is not None:
                    progress(len(found))
    return found
