"""Where rom keeps its files on the user's machine.

Both locations can be moved with an environment variable, which the tests and CI use
to stay out of the user's home directory. They hold health data, so rom creates them
owner-only (0700): other local users can neither list nor open anything inside.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs

APP_NAME = "rom"
PRIVATE_DIR_PERMISSIONS = 0o700


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) owner-only, and tighten it if it is ours.

    A folder that belongs to another user is left as it is (rom cannot change it).
    """
    path.mkdir(mode=PRIVATE_DIR_PERMISSIONS, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, PRIVATE_DIR_PERMISSIONS)
    return path


def cache_dir() -> Path:
    """Re-creatable files: pose models and cached pose tracks (``$ROM_CACHE_DIR``)."""
    path = Path(os.environ.get("ROM_CACHE_DIR") or platformdirs.user_cache_dir(APP_NAME))
    return ensure_private_dir(path)


def data_dir() -> Path:
    """Files that must not be lost: the database and stored videos (``$ROM_DATA_DIR``)."""
    path = Path(os.environ.get("ROM_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))
    return ensure_private_dir(path)


def model_dir() -> Path:
    """Pose model bundles (``$ROM_MODEL_DIR``, default ``cache_dir() / "models"``).

    Kept apart from :func:`cache_dir` so tests can isolate the track cache while sharing
    the model that set-up provisioned.
    """
    override = os.environ.get("ROM_MODEL_DIR")
    path = Path(override) if override else cache_dir() / "models"
    return ensure_private_dir(path)
