"""Content-addressed copies of trial videos: ``<videos dir>/<sha256><ext>``.

A copy is written to a temporary file in the same folder, flushed to disk and renamed into
place, so a crash leaves either the whole file or none.  Two trials of the same file share
one copy; the store deletes it when no trial refers to it any more.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from rom import fileio
from rom.errors import StorageError

_CHUNK_BYTES = 1 << 20
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes as 64 lower-case hex digits.

    Raises
    ------
    StorageError
        The file cannot be read.
    """
    try:
        return fileio.sha256_file(path)
    except OSError as exc:
        raise StorageError(f"cannot read the video {path}: {exc.strerror or exc}") from exc


def is_sha256(text: str) -> bool:
    """Whether ``text`` is a lower-case hex SHA-256 digest."""
    return bool(_SHA256_HEX.match(text))


def stored_name(sha256: str, source: Path) -> str:
    """The file name of the stored copy: the digest plus the source's (safe) suffix."""
    suffix = source.suffix.lower()
    return sha256 + (suffix if _SAFE_SUFFIX.match(suffix) else "")


def store_copy(source: Path, video_dir: Path, sha256: str) -> str:
    """Copy ``source`` into ``video_dir`` atomically unless it is already there.

    Returns
    -------
    str
        The stored file's name inside ``video_dir``.

    Raises
    ------
    StorageError
        The copy cannot be written (e.g. the disk is full); nothing partial is left.
    """
    name = stored_name(sha256, source)
    target = video_dir / name
    try:
        video_dir.mkdir(parents=True, exist_ok=True)
        if target.is_file() and target.stat().st_size == source.stat().st_size:
            return name
        with source.open("rb") as src, fileio.atomic_output(target) as out:
            shutil.copyfileobj(src, out, _CHUNK_BYTES)
        fileio.fsync_dir(video_dir)
    except OSError as exc:
        raise StorageError(f"cannot store a copy of the video: {exc.strerror or exc}") from exc
    return name


def remove_copy(video_dir: Path, name: str) -> bool:
    """Delete a stored copy; returns whether a file was removed."""
    path = video_dir / name
    if not is_sha256(name[:64]) or path.parent != video_dir:
        return False  # never follow a name that is not one of ours
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    fileio.fsync_dir(video_dir)
    return True
