"""What the page does with an error nobody expected: a friendly line, details in a local log.

The browser never sees a traceback (``client.showErrorDetails = "none"`` in
``.streamlit/config.toml`` and :func:`report_unexpected` here): it could show server paths,
code and data. The full details go to ``cache_dir() / "logs" / "dashboard.log"``, owner-only,
tagged with a short reference that the page shows so the two can be matched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

from rom.paths import cache_dir, ensure_private_dir

LOG_NAME = "rom.dashboard.failures"
LOG_FILE_PERMISSIONS = 0o600

_log = logging.getLogger(LOG_NAME)


def log_file() -> Path:
    """The dashboard's local error log (``cache_dir() / "logs" / "dashboard.log"``)."""
    return ensure_private_dir(cache_dir() / "logs") / "dashboard.log"


def _attach_file_handler() -> None:
    """Log to :func:`log_file` (created 0600), once per file."""
    path = log_file()
    for handler in _log.handlers:
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == path:
            return
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, LOG_FILE_PERMISSIONS))
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    _log.addHandler(handler)
    _log.setLevel(logging.ERROR)


def report_unexpected(exc: BaseException) -> str:
    """Log ``exc`` with its traceback to the local log; return the reference to show.

    Returns
    -------
    str
        Eight hex digits naming this failure in the log.
    """
    reference = secrets.token_hex(4)
    # No log file (disk full, read-only folder): the message still reaches the server's
    # console through logging's last-resort handler.
    with contextlib.suppress(OSError):
        _attach_file_handler()
    _log.error("unexpected error on the page (reference %s)", reference, exc_info=exc)
    return reference
