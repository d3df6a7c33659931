"""The Export tab in a real browser: the PDF downloaded is the session chosen.

A person with two sessions at different dates is put into the database before the server
starts (no analysis needed); the tab offers the newest first, the older one is chosen,
and the downloaded PDF's text must carry the older session's date and the file its name.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from rom.store import Store
from rom.store.records import NewTrial
from tests.dashboard_server import running_dashboard
from tests.test_browser import _artifacts, _chromium, _settle, require_browser
from tests.test_store import measurement

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OLDER = dt.date(2026, 11, 3)
NEWER = dt.date(2026, 11, 17)


def _pdf_text(path: Path) -> str:
    pdfium = pytest.importorskip("pypdfium2")
    document = pdfium.PdfDocument(str(path))
    text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    return " ".join(text.split())


def test_the_pdf_downloaded_is_the_session_chosen(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from rom.dashboard.export import pdf_file_name

    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)
    with Store() as store:
        person = store.add_person("Ana Runner", height_cm=170.0)
        for day, (pre, post) in ((OLDER, (30.0, 36.0)), (NEWER, (33.0, 34.0))):
            store.add_session(person.id, date=day, trials=[
                NewTrial(phase, "ankle-dorsiflexion", "left",
                         measurements=(measurement(value),))
                for phase, value in (("pre", pre), ("post", post))])
        sessions = {s.date: s for s in store.sessions(person.id)}
    older = sessions[OLDER]
    shots = _artifacts()
    with running_dashboard("app.py", tmp_path,
                           args=("--browser.gatherUsageStats", "false")) as url, \
            sync_playwright() as p:
        browser = _chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900},  # type: ignore[attr-defined]
                                accept_downloads=True)
        page.goto(f"{url}/?person={person.uid}")
        page.get_by_role("tab", name="Export").click(timeout=60_000)
        page.get_by_text("Session report (PDF)").wait_for(timeout=60_000)
        chooser = page.get_by_role("combobox", name="Session", exact=True)

        def download_pdf(to: Path) -> str:
            """Click the PDF button once the page is still, save the file, its name."""
            _settle(page)
            with page.expect_download(timeout=60_000) as pending:
                page.get_by_role("button", name="Download the PDF report").click()
            pending.value.save_as(str(to))
            return str(pending.value.suggested_filename)

        expect(chooser).to_have_value(re.compile(f"^{NEWER:%d %b %Y}"))
        # The newest is offered first; its PDF is downloaded once, as a user would.
        newer_pdf = tmp_path / "newer.pdf"
        download_pdf(newer_pdf)
        # Then the older session.
        chooser.click()
        page.get_by_role("option", name=re.compile(f"^{OLDER:%d %b %Y}")).click()
        expect(chooser).to_have_value(re.compile(f"^{OLDER:%d %b %Y}"))
        older_pdf = shots / "export-older-session.pdf"
        suggested = download_pdf(older_pdf)
        browser.close()  # type: ignore[attr-defined]

    assert f"Date: {NEWER:%d %B %Y}" in _pdf_text(newer_pdf)
    text = _pdf_text(older_pdf)
    assert suggested == pdf_file_name(person, older), suggested
    assert f"Date: {OLDER:%d %B %Y}" in text, text
    assert f"Date: {NEWER:%d %B %Y}" not in text, text
