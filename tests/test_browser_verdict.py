"""Verdict first in a real browser (issue 13): after the one-click demo the verdict card is in
the first screen, at desktop (1280 px) and phone (390 px) widths; screenshots go to
``test-artifacts/``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard_server import running_dashboard
from tests.test_browser import _artifacts, _chromium, require_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANALYSIS_TIMEOUT_MS = 240_000


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    require_browser()
    try:
        with running_dashboard("app.py", tmp_path,
                               args=("--browser.gatherUsageStats", "false")) as url:
            yield url
    finally:
        if (tmp_path / "streamlit.log").exists():
            shutil.copy(tmp_path / "streamlit.log", _artifacts() / "streamlit-verdict.log")


@pytest.mark.parametrize(("label", "width", "height"), [("desktop", 1280, 800),
                                                         ("phone", 390, 844)])
def test_demo_lands_on_the_verdict(app_url: str, label: str, width: int, height: int) -> None:
    from playwright.sync_api import sync_playwright

    from rom.dashboard import compare, welcome

    if welcome.demo_test() is None:
        pytest.skip("no sample videos bundled yet")
    with sync_playwright() as p:
        browser = _chromium(p)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(app_url)
        demo = page.get_by_role("button", name="Try it with the sample videos")
        demo.wait_for(timeout=60_000)
        # On a phone the sidebar starts closed: it would cover the page and its button.
        page.wait_for_timeout(1000)  # the sidebar's slide, if any
        sidebar = page.get_by_test_id("stSidebar").bounding_box()
        sidebar_shown = sidebar is not None and sidebar["x"] + sidebar["width"] > 1
        assert sidebar_shown == (width >= 640), sidebar
        demo.click()
        heading = page.locator(f"#{compare.CARD_TEXT['anchor']}")
        heading.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        page.wait_for_timeout(3000)  # the smooth scroll and late images
        page.screenshot(path=str(_artifacts() / f"verdict-{label}.png"))
        card = page.locator(f"[class*='st-key-{compare.CARD_TEXT['key']}']").first
        card.wait_for()
        # The card's sentence (the card itself stacks taller than a phone's screen).
        box = card.locator('[data-testid="stMarkdownContainer"]').first.bounding_box()
        assert box is not None
        # The sentence is inside the first screen, left to right and top to bottom.
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
        text = card.inner_text()
        assert "real change:" in text or "unreliable" in text or "no published" in text, text
        assert page.get_by_text("Measured: ").first.is_visible()
        browser.close()
