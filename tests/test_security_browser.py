"""Nothing leaves the machine (issue 12, item 5): every request the page makes, and every
icon, image, stylesheet and font it links, goes to the dashboard's own host and port.

Starts ``streamlit run serve.py`` on a free loopback port and drives it in Debian's headless
Chromium (see tests/test_browser.py), recording every request of the first visit, of adding a
person and of opening each tab.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.dashboard_server import running_dashboard
from tests.test_browser import _chromium, _settle, require_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOCAL_SCHEMES = ("data", "blob", "about")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_browser()
    work = tmp_path_factory.mktemp("offline")
    with running_dashboard("serve.py", work) as base:
        yield base


_LINKED_URLS_JS = """() => Array.from(document.querySelectorAll(
    'link[href], img[src], script[src], iframe[src], source[src], video[src], audio[src]'))
  .map(e => e.href || e.src)
  .concat(Array.from(document.styleSheets).flatMap(s => {
    try { return Array.from(s.cssRules).map(r => r.cssText); } catch (e) { return []; }
  }).flatMap(t => Array.from(t.matchAll(/url\\(["']?([^"')]+)/g)).map(m => m[1])))"""


def test_the_page_makes_no_request_to_another_host(url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    bogus = tmp_path / "notes.mp4"
    bogus.write_bytes(b"not a video at all")

    own = urlsplit(url).netloc
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = _chromium(playwright)
        page = browser.new_page()  # type: ignore[attr-defined]
        page.on("request", lambda request: requested.append(request.url))
        page.on("websocket", lambda socket: requested.append(socket.url))
        page.goto(url)
        page.get_by_text("rom · range of motion").first.wait_for(timeout=60_000)
        _settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_label("Name or pseudonym").fill("Ana Runner")
        sidebar.get_by_role("button", name="Add person").click()
        page.get_by_text("Added Ana Runner.").wait_for()
        _settle(page)
        # An upload goes through the launcher's Host check too (and is refused politely).
        page.locator('input[type="file"]').nth(0).set_input_files(str(bogus))
        page.get_by_text(f"“{bogus.name}” cannot be used").wait_for(timeout=30_000)
        _settle(page)
        for tab in page.get_by_role("tab").all():
            tab.click()
            _settle(page)
        linked = page.evaluate(_LINKED_URLS_JS)
        browser.close()  # type: ignore[attr-defined]

    seen = [u for u in requested + list(linked) if not u.startswith(LOCAL_SCHEMES)]
    assert any(urlsplit(u).netloc == own for u in seen)  # the recording worked
    foreign = sorted({u for u in seen if urlsplit(u).netloc not in ("", own)})
    assert foreign == [], f"requests that leave the machine: {foreign}"
