"""No tracebacks on the page (issue 12, item 3): a failure shows one friendly line.

The details (exception, traceback, paths) go to the owner-only local log instead.
"""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rom.dashboard import failsafe, welcome

ROOT = Path(__file__).resolve().parent.parent
SECRET = "/srv/secret/path/leaky_module.py"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)


def _all_text(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("error", "exception", "markdown", "caption", "info", "warning", "text", "code"):
        parts.extend(str(getattr(element, "value", "")) for element in getattr(at, kind))
    return "\n".join(parts)


def test_a_failing_section_shows_a_friendly_line_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_section(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"boom in {SECRET}")

    monkeypatch.setattr(welcome, "show", broken_section)  # the first visit draws the welcome
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()

    assert not at.exception  # nothing reached Streamlit's own exception display
    errors = [str(e.value) for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Something went wrong")
    reference = errors[0].rsplit("reference ", 1)[1].rstrip(").")
    page = _all_text(at)
    for leak in (SECRET, "Traceback", "RuntimeError", "boom", str(ROOT)):
        assert leak not in page

    log = failsafe.log_file()
    logged = log.read_text(encoding="utf-8")
    assert reference in logged and "Traceback" in logged and SECRET in logged
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


def test_streamlit_hides_error_details() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
