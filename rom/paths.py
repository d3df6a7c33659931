"""Where rom keeps its files on the user's machine.

Both locations can be moved with an environment variable, which the tests and CI use
to stay out of the user's home directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "rom"


def cache_dir() -> Path:
    """Re-creatable files: pose models and cached pose tracks (``$ROM_CACHE_DIR``)."""
    path = Path(os.environ.get("ROM_CACHE_DIR") or platformdirs.user_cache_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Files that must not be lost: the database and stored videos (``$ROM_DATA_DIR``)."""
    path = Path(os.environ.get("ROM_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def model_dir() -> Path:
    """Pose model bundles (``$ROM_MODEL_DIR``, default ``cache_dir() / "models"``).

    Kept apart from :func:`cache_dir` so tests can isolate the track cache while sharing
    the model that set-up provisioned.
    """
    override = os.environ.get("ROM_MODEL_DIR")
    path = Path(override) if override else cache_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path
