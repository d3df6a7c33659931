"""File helpers: crash-safe writes (readers see the old file or the whole new one) and hashes.

Every file rom writes that something else later reads (pose tracks, camera profiles,
store bundles, stored video copies, model bundles) goes through :func:`atomic_output`:
the bytes go to a temporary file beside the target, are flushed and fsync'ed, and the
temporary file is renamed over the target with :func:`os.replace`. On any exception
(including ``KeyboardInterrupt``) the temporary file is removed and the target is left
exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

HASH_CHUNK_BYTES = 1 << 20  # 1 MiB: flat memory for videos and model files alike


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data`` (64 lower-case hex digits)."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of the file at ``path``, read in 1 MiB chunks; ``OSError`` if unreadable."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def atomic_output(
    path: str | os.PathLike[str], *, permissions: int | None = None
) -> Iterator[IO[bytes]]:
    """Open a binary temporary file beside ``path``; on a clean exit it replaces ``path``.

    Parameters
    ----------
    path
        The target file. Its folder must exist (callers decide whether a missing
        folder is an error or something to create).
    permissions
        Mode bits for the finished file (e.g. ``0o644``). ``None`` keeps the temporary
        file's owner-only ``0o600``, the right default for health data.

    Yields
    ------
    IO[bytes]
        The open temporary file. ``handle.name`` is its path, for checks that must read
        the finished bytes (after ``handle.flush()``) before they are committed; raising
        inside the ``with`` block discards them.
    """
    target = Path(path)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed or removed
        mode="wb", dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
    )
    tmp_path = Path(handle.name)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if permissions is not None:
            os.chmod(tmp_path, permissions)
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_bytes(
    path: str | os.PathLike[str], data: bytes, *, permissions: int | None = None
) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_output`)."""
    with atomic_output(path, permissions=permissions) as handle:
        handle.write(data)


def atomic_write_text(
    path: str | os.PathLike[str], text: str, *, permissions: int | None = None
) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically, newlines untranslated."""
    atomic_write_bytes(path, text.encode("utf-8"), permissions=permissions)


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink inside ``folder`` durable; a no-op where unsupported."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
