"""User text reaches the page as typed (issue 12, item 1), checked in the real browser.

A person named ``[click me](http://127.0.0.1:9/x) ![p](http://127.0.0.1:9/p.png) **bold**``
(added through the sidebar, and restored with notes, a session technique and a stored
reason of the same kind), and an upload whose file name is Markdown: no link to port 9
appears, the browser never asks for the image, nothing turns bold, and the text is shown
literally.  Starts ``streamlit run serve.py`` and drives Debian's headless Chromium as
tests/test_security_browser.py does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard_server import running_dashboard
from tests.test_browser import _chromium, _settle, require_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
ATTACK = "[click me](http://127.0.0.1:9/x) ![p](http://127.0.0.1:9/p.png) **bold**"
STORED = "[stored](http://127.0.0.1:9/s) ![q](http://127.0.0.1:9/q.png) **bold**"
TECHNIQUE = "**Sock** [pull](http://127.0.0.1:9/t) <b>x</b>"
REASON = "**bold** ![r](http://127.0.0.1:9/r.png)"
#: A file name holds no "/", but "http:host" is a URL to a browser all the same.
ATTACK_FILE = "**bold** [click me](http:127.0.0.1:9) ![p](http:127.0.0.1:9).mp4"
TRAP_HOST = "127.0.0.1:9"


def _stored_person(data_dir: Path) -> None:
    """A person with Markdown everywhere, as an imported bundle could bring one."""
    from rom.measurement import Measurement
    from rom.store import Store
    from rom.store.records import NewTrial

    store = Store(f"sqlite:///{data_dir / 'rom.sqlite3'}")
    person = store.add_person(STORED, height_cm=170.0, notes=ATTACK)
    m = Measurement(test="knee-flexion", side="right", value=118.0, unit="deg", quality=0.9,
                    reliable=True, reasons=(REASON,), peak_time_s=1.0, peak_frame=30)
    store.add_session(person.id, technique=TECHNIQUE, place=ATTACK,
                      trials=[NewTrial(phase="pre", test="knee-flexion", side="right",
                                       measurements=(m,))])
    store.close()


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_browser()
    work = tmp_path_factory.mktemp("literal")
    (work / "data").mkdir()
    _stored_person(work / "data")
    with running_dashboard("serve.py", work) as base:
        yield base


#: Links (HTML and SVG) and images to the trap host, bold text, and the page's visible text
#: without the invisible word joiners :func:`rom.dashboard.text.literal` adds.
_INSPECT_JS = """(trap) => ({
  links: Array.from(document.querySelectorAll('a')).map(
      a => a.getAttribute('href') || a.getAttribute('xlink:href') || '')
    .filter(h => h.includes(trap) || h.startsWith('http:127')),
  images: Array.from(document.querySelectorAll('img')).map(i => i.getAttribute('src') || '')
    .filter(s => s.includes(trap) || s.startsWith('http:127')),
  bold: Array.from(document.querySelectorAll('strong, b')).map(b => b.textContent)
    .filter(t => t.includes('bold') || t.includes('Sock') || t === 'x'),
  text: document.body.innerText.replaceAll('\\u2060', ''),
})"""


def _inspect(page: object) -> dict[str, object]:
    return page.evaluate(_INSPECT_JS, TRAP_HOST)  # type: ignore[attr-defined, no-any-return]


def test_names_files_techniques_and_reasons_are_shown_as_typed(url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    upload = tmp_path / ATTACK_FILE
    upload.write_bytes(b"not a video at all")
    requested: list[str] = []
    seen: list[dict[str, object]] = []
    with sync_playwright() as playwright:
        browser = _chromium(playwright)
        page = browser.new_page()  # type: ignore[attr-defined]
        page.on("request", lambda request: requested.append(request.url))
        page.goto(url)
        page.get_by_text("rom · range of motion").first.wait_for(timeout=60_000)
        _settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')

        # The stored person: history (trend chart, sessions table) and export.  Twice, the
        # second time slower: a loaded machine may draw a tab after the first look.
        for pause_ms in (0, 1500):
            for tab in page.get_by_role("tab").all():
                tab.click()
                _settle(page)
                page.wait_for_timeout(pause_ms)
                seen.append(_inspect(page))

        # A person added through the sidebar, then a Markdown file name uploaded.
        sidebar.get_by_role("button", name="Add another person").click()
        _settle(page)
        sidebar.get_by_label("Name or pseudonym").fill(ATTACK)
        sidebar.get_by_role("button", name="Add person").click()
        page.get_by_text("Added ").first.wait_for(timeout=30_000)
        _settle(page)
        seen.append(_inspect(page))
        page.get_by_role("tab").first.click()
        page.locator('input[type="file"]').nth(0).set_input_files(str(upload))
        page.get_by_text("cannot be used").first.wait_for(timeout=30_000)
        _settle(page)
        seen.append(_inspect(page))
        for tab in page.get_by_role("tab").all():
            tab.click()
            _settle(page)
            seen.append(_inspect(page))
        page.wait_for_timeout(1000)  # any image request would have been made by now
        browser.close()  # type: ignore[attr-defined]

    assert any(url in u for u in requested)  # the recording worked
    trapped = sorted({u for u in requested if TRAP_HOST in u or u.startswith("http:127")})
    assert trapped == [], f"the page fetched: {trapped}"
    for state in seen:
        assert state["links"] == [] and state["images"] == [], state
        assert state["bold"] == [], state
    texts = " ".join(str(state["text"]) for state in seen)
    for literal_text in (f"Added {ATTACK}.", f"Trends for {STORED}",
                         f"“{ATTACK_FILE}” cannot be used", TECHNIQUE):
        assert literal_text in texts, literal_text
