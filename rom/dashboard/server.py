"""The dashboard's web server: Streamlit's own, with a Host check in front of it.

``streamlit run rom_dashboard.py`` (what ``scripts/demo.sh`` starts) serves ``app.py``
through Streamlit's public ``st.App`` with :class:`HostCheckMiddleware` ahead of every
route. A page on another site that rebinds its DNS name to 127.0.0.1 (DNS rebinding)
reaches the dashboard with its own name in the ``Host`` header; such requests are refused
with HTTP 403 before Streamlit sees them: the page, the health check, static files and the
WebSocket that carries the data alike.

Accepted names: ``localhost``, ``127.0.0.1`` and ``[::1]`` on any port, plus the names
listed in ``$ROM_ALLOWED_HOSTS`` (comma-separated, e.g. ``rom-pc.clinic.lan,10.0.0.7``)
for a dashboard deliberately shared on a clinic's network.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

ENV_ALLOWED_HOSTS = "ROM_ALLOWED_HOSTS"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
PAGE_SCRIPT = Path(__file__).resolve().parents[2] / "app.py"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def configured_hosts(environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    """The extra host names the user allowed in ``$ROM_ALLOWED_HOSTS`` (lower case)."""
    raw = environ.get(ENV_ALLOWED_HOSTS, "")
    return frozenset(name for part in raw.split(",") if (name := _host_name(part.strip())))


def allowed_hosts(environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    """Every host name the dashboard answers to: loopback plus the configured ones."""
    return LOOPBACK_HOSTS | configured_hosts(environ)


def _host_name(host_header: str) -> str:
    """The name in a ``Host`` value without port or IPv6 brackets, lower case; "" if bad.

    ``"LocalHost:8501"`` -> ``"localhost"``, ``"[::1]:8501"`` -> ``"::1"``,
    ``"example.org."`` -> ``"example.org"``.
    """
    value = host_header.strip().lower()
    if not value or any(c.isspace() or c in "/@\\?#" for c in value):
        return ""
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return ""
        return name
    name, colon, port = value.partition(":")
    if colon and not port.isdigit():
        return ""  # a bare IPv6 address or garbage: browsers always bracket IPv6
    return name.rstrip(".")


def host_allowed(host_header: str | None, allowed: Iterable[str] | None = None) -> bool:
    """Whether a request with this ``Host`` header may be answered (``None``: no header)."""
    if host_header is None:
        return False
    name = _host_name(host_header)
    return bool(name) and name in (allowed_hosts() if allowed is None else set(allowed))


class HostCheckMiddleware:
    """ASGI middleware refusing HTTP requests and WebSocket upgrades for unknown hosts.

    Parameters
    ----------
    app
        The application behind it (Streamlit's).
    allowed
        Accepted host names; default :func:`allowed_hosts` read once at start-up.
    """

    def __init__(self, app: ASGIApp, allowed: Iterable[str] | None = None) -> None:
        self.app = app
        self.allowed = frozenset(allowed) if allowed is not None else allowed_hosts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan
            return
        hosts = [value.decode("latin-1") for key, value in scope.get("headers", ())
                 if key.lower() == b"host"]
        if len(hosts) == 1 and host_allowed(hosts[0], self.allowed):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the upgrade with HTTP 403.
            await send({"type": "websocket.close", "code": 1008})
            return
        body = b"Forbidden: unknown Host. rom answers only on localhost (see ROM_ALLOWED_HOSTS).\n"
        await send({"type": "http.response.start", "status": 403, "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})
