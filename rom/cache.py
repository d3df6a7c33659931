"""The cache folder's layout: every file rom derives from a video is found from its SHA-256.

::

    cache_dir()/
        tracks/<video sha256>/<track key>.npz           pose tracks (rom.tracking)
        renders/<video sha256>/<render key>.mp4|.png     annotated video, key frame (rom.pipeline)
        renders/<video sha256>/<render key>.json         what the key frame shows (test, side…)
        uploads/<video sha256[:16]>/<file name>          dashboard uploads, with their names
        webcam/<video sha256[:16]>/<file name>           webcam recordings, once finished

So :func:`forget_video` can remove everything the cache holds about one video when the
last person who used it is deleted.  Older roms laid ``tracks/`` and ``renders/`` out
flat (``tracks/<key>.npz``); those entries cannot be traced to a video, so they are never
read again (a cache miss re-analyses) and :func:`forget_legacy_entries` removes them.

The cache is re-creatable: removing a file here costs at most a re-analysis.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
from collections.abc import Iterable
from pathlib import Path

from rom.fileio import atomic_write_bytes, sha256_file
from rom.paths import cache_dir, ensure_private_dir

log = logging.getLogger(__name__)

TRACKS = "tracks"
RENDERS = "renders"
UPLOADS = "uploads"
WEBCAM = "webcam"

#: Hex digits of the video's SHA-256 naming an upload's or a recording's folder (short, as
#: the folder sits in paths the user may see; 64 bits make a collision implausible).
SHORT_DIGEST = 16

_HEX = frozenset("0123456789abcdef")


def _checked_sha256(video_sha256: str) -> str:
    if len(video_sha256) != 64 or not set(video_sha256) <= _HEX:
        raise ValueError(f"not a lower-case hex SHA-256: {video_sha256!r}")
    return video_sha256


def track_path(video_sha256: str, key: str) -> Path:
    """Where the pose track with cache ``key`` of the video ``video_sha256`` is kept."""
    return cache_dir() / TRACKS / _checked_sha256(video_sha256) / f"{key}.npz"


def render_paths(video_sha256: str, key: str) -> tuple[Path, Path]:
    """The annotated video (``.mp4``) and key frame (``.png``) paths of render ``key``."""
    folder = cache_dir() / RENDERS / _checked_sha256(video_sha256)
    return folder / f"{key}.mp4", folder / f"{key}.png"


def note_key_frame(png_path: Path, test: str, side: str, peak_frame: int | None,
                   value: float | None) -> None:
    """Record beside a cached key frame which measurement it shows (``<render key>.json``).

    The render key hashes the pose track's settings, which the store does not keep in a
    form that reproduces it; with this note a report finds a stored trial's key frame from
    the trial's video digest and measurement alone (:func:`stored_key_frame`).
    """
    note = {"test": test, "side": side, "peak_frame": peak_frame, "value": value}
    atomic_write_bytes(png_path.with_suffix(".json"), json.dumps(note, sort_keys=True).encode())


def stored_key_frame(video_sha256: str, test: str, side: str, peak_frame: int | None,
                     value: float | None) -> bytes | None:
    """The PNG of the cached key frame showing this measurement, None when none is stored.

    Matches the notes of :func:`note_key_frame` in ``renders/<video sha256>/`` on test,
    side, peak frame and value (a frame of another measurement of the same video is never
    taken); the newest matching render wins.
    """
    try:
        folder = cache_dir() / RENDERS / _checked_sha256(video_sha256)
    except ValueError:
        return None
    if not folder.is_dir():
        return None
    matches: list[tuple[float, Path]] = []
    for note_path in folder.glob("*.json"):
        png_path = note_path.with_suffix(".png")
        try:
            note = json.loads(note_path.read_text())
            stamp = png_path.stat().st_mtime
        except (OSError, ValueError):
            continue
        if not isinstance(note, dict):
            continue
        if (note.get("test") == test and note.get("side") == side
                and note.get("peak_frame") == peak_frame and _same_value(note.get("value"), value)):
            matches.append((stamp, png_path))
    for _stamp, png_path in sorted(matches, reverse=True):
        try:
            return png_path.read_bytes()
        except OSError:
            continue
    return None


def _same_value(noted: object, value: float | None) -> bool:
    if noted is None or value is None:
        return noted is None and value is None
    if not isinstance(noted, (int, float)):
        return False
    return math.isclose(float(noted), value, rel_tol=1e-9, abs_tol=1e-9)


def upload_dir(video_sha256: str) -> Path:
    """The folder an uploaded video with this content is kept in (not created)."""
    return cache_dir() / UPLOADS / _checked_sha256(video_sha256)[:SHORT_DIGEST]


def recording_dir(video_sha256: str) -> Path:
    """The folder a finished webcam recording with this content is kept in (not created)."""
    return cache_dir() / WEBCAM / _checked_sha256(video_sha256)[:SHORT_DIGEST]


def private_parent(path: Path) -> Path:
    """Create ``path``'s folder owner-only, and each folder above it in the cache; returns it.

    (``mkdir(parents=True)`` would give the folders above the umask's mode, e.g. 0755.)
    """
    top = cache_dir()
    folders = [path.parent, *path.parent.parents]
    inside = [f for f in folders if f == top or top in f.parents]
    for folder in reversed(inside or [path.parent]):
        ensure_private_dir(folder)
    return path


def keep_recording(path: Path, name: str) -> Path:
    """Move a finished webcam recording to its content's folder; returns the new path.

    A recording is written under a session-specific name while it runs (its content is not
    known yet); filed by content afterwards, :func:`forget_video` finds it.
    """
    target = private_parent(recording_dir(sha256_file(path)) / name)
    path.replace(target)
    return target


def _video_folders(video_sha256: str) -> list[Path]:
    return [
        cache_dir() / TRACKS / video_sha256,
        cache_dir() / RENDERS / video_sha256,
        upload_dir(video_sha256),
        recording_dir(video_sha256),
    ]


def forget_video(video_sha256: str) -> int:
    """Remove every cache file derived from the video ``video_sha256``; returns how many.

    Its pose tracks, annotated videos and key frames, its upload (with the file name it
    was uploaded under) and its webcam recording.  Nothing outside the cache is touched.

    Raises
    ------
    ValueError
        ``video_sha256`` is not a lower-case hex SHA-256.
    """
    removed = 0
    for folder in _video_folders(_checked_sha256(video_sha256)):
        if not folder.is_dir() or folder.is_symlink():
            continue
        removed += sum(1 for entry in folder.rglob("*") if not entry.is_dir())
        shutil.rmtree(folder)
    return removed


def forget_legacy_entries() -> int:
    """Remove track and render files of the flat layout of older roms; returns how many.

    They cannot be traced to a video, so whenever a person is deleted they go too: one
    of them may be that person's.  Costs at most re-analysing other people's videos once.
    """
    removed = 0
    for kind in (TRACKS, RENDERS):
        folder = cache_dir() / kind
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if entry.is_file() or entry.is_symlink():
                entry.unlink(missing_ok=True)
                removed += 1
    return removed


def forget_videos(video_sha256s: Iterable[str]) -> int:
    """:func:`forget_video` for each digest, plus :func:`forget_legacy_entries`.

    What the front ends call after deleting a person or a session, with the digests of the
    videos no remaining trial uses (:attr:`rom.store.DeletionReport.unused_video_sha256s`).
    Returns the number of files removed.
    """
    removed = sum(forget_video(sha) for sha in sorted(set(video_sha256s)))
    removed += forget_legacy_entries()
    if removed:
        log.info("%d cache files removed", removed)
    return removed
