"""The Host check (issue 12, item 4): a DNS-rebinding page cannot reach the dashboard.

Starts the real server (``streamlit run serve.py``, as ``scripts/demo.sh`` does) on a free
loopback port and sends forged ``Host`` headers: plain HTTP and the WebSocket upgrade that
carries the data are refused; the loopback names are accepted.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from streamlit.web.server import app_discovery

from rom.dashboard import server
from tests.dashboard_server import running_dashboard

ROOT = Path(__file__).resolve().parent.parent
FORGED = ("evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}",
          "localhost.:{port}x", "")


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    work = tmp_path_factory.mktemp("server")
    with running_dashboard("serve.py", work,
                           env={"ROM_ALLOWED_HOSTS": "rom-pc.clinic.lan"}) as base:
        chosen = urlsplit(base).port
        assert chosen is not None
        yield chosen


def _raw(port: int, request: str) -> str:
    """Send ``request`` as is (urllib would rewrite Host) and return the status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request.encode("latin-1"))
        reply = b""
        while b"\r\n" not in reply:
            chunk = conn.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply.split(b"\r\n", 1)[0].decode("latin-1")


def _get(port: int, path: str, host: str) -> int:
    host_line = f"Host: {host}\r\n" if host else ""
    status = _raw(port, f"GET {path} HTTP/1.1\r\n{host_line}Connection: close\r\n\r\n")
    return int(status.split()[1])


def _upgrade(port: int, host: str) -> int:
    origin = f"http://{host}"
    status = _raw(port, (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: streamlit\r\n\r\n"))
    return int(status.split()[1])


@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/_stcore/host-config"])
def test_forged_host_is_refused_over_http(port: int, path: str) -> None:
    for forged in FORGED:
        assert _get(port, path, forged.format(port=port)) in (400, 403), forged


def test_forged_host_cannot_open_the_websocket(port: int) -> None:
    for forged in FORGED[:3]:
        assert _upgrade(port, forged.format(port=port)) == 403, forged


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}",
                                  "[::1]:{port}", "rom-pc.clinic.lan:{port}"])
def test_loopback_and_configured_names_are_served(port: int, host: str) -> None:
    name = host.format(port=port)
    assert _get(port, "/", name) == 200
    assert _get(port, "/_stcore/health", name) == 200
    assert _upgrade(port, name) == 101


def test_host_names_are_parsed_strictly() -> None:
    allowed = server.LOOPBACK_HOSTS
    for good in ("localhost", "127.0.0.1:8501", "[::1]:8501", "[::1]", "Localhost.:1"):
        assert server.host_allowed(good, allowed), good
    for bad in (None, "", "::1", "evil.example", "localhost:80@evil", "localhost:x",
                "[::1]x", "127.0.0.1 evil", "localhost.evil.example"):
        assert not server.host_allowed(bad, allowed), bad
    env = {server.ENV_ALLOWED_HOSTS: " Rom-PC.clinic.lan , 10.0.0.7:8501,, "}
    assert server.configured_hosts(env) == {"rom-pc.clinic.lan", "10.0.0.7"}


def test_streamlit_still_finds_the_launcher_app() -> None:
    """``streamlit run serve.py`` must keep serving through st.App (with the check): fail
    loudly if Streamlit stops recognising the launcher."""
    found = app_discovery.discover_asgi_app(ROOT / "serve.py")
    assert found.is_asgi_app and found.import_string == "serve:app"


def test_the_quick_start_runs_the_checked_launcher() -> None:
    demo = (ROOT / "scripts" / "demo.sh").read_text()
    launch = [line for line in demo.splitlines() if "streamlit run" in line]
    assert launch and all("streamlit run serve.py" in line for line in launch)
