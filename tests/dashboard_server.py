"""The real dashboard for a test: ``streamlit run`` on a free loopback port, stopped after.

Used by the browser tests and the server's Host-check tests, so every one of them starts
the server the same way ``scripts/demo.sh`` does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Seconds the server may take to answer its health check.
START_TIMEOUT_S = 60.0


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_dashboard(
    script: str, work: Path, *, env: Mapping[str, str] | None = None, args: Sequence[str] = ()
) -> Iterator[str]:
    """Run ``streamlit run ROOT/script`` until the block ends; yield its base URL.

    Parameters
    ----------
    script : str
        ``"serve.py"`` (the launcher with its Host check) or ``"app.py"``.
    work : Path
        Holds the server's ``data`` and ``cache`` folders (``ROM_DATA_DIR``,
        ``ROM_CACHE_DIR``; ``ROM_DATABASE_URL`` unset) and its output, ``streamlit.log``,
        quoted in the error when the server does not start.
    env : mapping, optional
        More environment variables for the server.
    args : sequence of str
        More ``streamlit run`` options.
    """
    server_env = {**os.environ, "ROM_DATA_DIR": str(work / "data"),
                  "ROM_CACHE_DIR": str(work / "cache"), **(env or {})}
    server_env.pop("ROM_DATABASE_URL", None)
    port = free_port()
    log_path = work / "streamlit.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / script),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(port), *args],
            cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
