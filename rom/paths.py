"""Where rom keeps its files on the user's machine, and where it finds its sample videos.

Every location can be moved with an environment variable, which the tests and CI use
to stay out of the user's home directory. They hold health data, so rom creates them
owner-only (0700): other local users can neither list nor open anything inside.
"""

from __future__ import annotations

import json
import os
import stat
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import platformdirs

APP_NAME = "rom"
DISTRIBUTION_NAME = "rom"
SAMPLE_DIR_NAME = "sample_videos"
#: Why :func:`sample_dir` found nothing, for messages shown to the user.
NO_SAMPLE_DIR_MESSAGE = (
    "no sample videos: set $ROM_SAMPLE_DIR to a folder of clips (an editable install, "
    f"`pip install -e .`, finds the checkout's {SAMPLE_DIR_NAME}/ by itself)"
)

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


def source_checkout(distribution: str = DISTRIBUTION_NAME) -> Path | None:
    """The source directory an editable install of ``distribution`` was made from.

    pip records it in the installed distribution's ``direct_url.json`` (PEP 610) as a
    ``file://`` URL with ``dir_info.editable`` true.  ``None`` for a regular (wheel)
    install, a non-local URL, or when the distribution is not installed at all.
    """
    # Every match on sys.path, not just the first: run from the checkout, its own
    # ``rom.egg-info`` (left by the editable build, without direct_url.json) comes first.
    for found in metadata.distributions(name=distribution):
        source = editable_source_dir(found.read_text("direct_url.json"))
        if source is not None:
            return source
    return None


def editable_source_dir(direct_url_json: str | None) -> Path | None:
    """The local directory of an editable install, parsed from ``direct_url.json`` text.

    ``None`` when the text is missing or malformed, the install is not editable, or the
    URL is not a ``file://`` URL.
    """
    if not direct_url_json:
        return None
    try:
        record = json.loads(direct_url_json)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    dir_info = record.get("dir_info")
    url = record.get("url")
    if not isinstance(dir_info, dict) or dir_info.get("editable") is not True:
        return None
    if not isinstance(url, str):
        return None
    parsed = urlparse(url)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    return Path(url2pathname(parsed.path))  # url2pathname also undoes %-escapes


def sample_dir() -> Path | None:
    """The folder of sample videos the dashboard offers, or ``None`` when there is none.

    ``$ROM_SAMPLE_DIR`` when set (returned as given); else the ``sample_videos/`` folder of
    the source checkout rom is installed from in editable mode (:func:`source_checkout`),
    when it exists.  A regular wheel install carries no samples: ``None``, and
    :data:`NO_SAMPLE_DIR_MESSAGE` says how to provide them.
    """
    override = os.environ.get("ROM_SAMPLE_DIR")
    if override:
        return Path(override)
    checkout = source_checkout()
    if checkout is None:
        return None
    folder = checkout / SAMPLE_DIR_NAME
    return folder if folder.is_dir() else None
