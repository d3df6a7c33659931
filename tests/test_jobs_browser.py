"""The analysis survives the page (issue 14, item 6), in headless Chromium.

A reload in the middle of an analysis finds it again through the URL's job id and shows
(and saves) its result; two browser tabs analysing at once both finish and both save.
Screenshots go to ``test-artifacts/jobs-*.png``.
"""

from __future__ import annotations

import re

import pytest

from tests.test_browser import (  # noqa: F401  (app is a fixture)
    ANALYSIS_TIMEOUT_MS,
    _artifacts,
    _chromium,
    _settle,
    app,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RESULTS = "Before and after in this session"
TRACKING = "finding the body"


def _sessions_on_record(page: object) -> int:
    sidebar = page.locator('[data-testid="stSidebar"]')  # type: ignore[attr-defined]
    line = sidebar.get_by_text(re.compile(r"\d+ sessions? on record")).inner_text()
    return int(re.search(r"(\d+) sessions? on record", line).group(1))  # type: ignore[union-attr]


def _analyse_samples(page: object, test_label: str) -> None:
    """Pick a sample test for the selected person and press Analyse."""
    option = page.get_by_role("option", name=test_label)  # type: ignore[attr-defined]
    # The drop-down closes when the page scrolls or reruns just after it opened (the result
    # above still settling); open it again until the option shows.
    for _ in range(5):
        _settle(page)
        page.get_by_role("combobox", name="Test").click()  # type: ignore[attr-defined]
        try:
            option.wait_for(timeout=3000)
            break
        except Exception:  # playwright's TimeoutError
            continue
    option.click()
    page.get_by_text("Use the sample videos").click()  # type: ignore[attr-defined]
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Analyse before and after").click()  # type: ignore[attr-defined]


def test_reload_mid_analysis_then_two_tabs_at_once(app: dict[str, object]) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    from rom.dashboard import welcome
    from rom.labels import test_label

    if welcome.demo_test() is None:
        pytest.skip("no sample videos bundled yet")
    shots = _artifacts()
    with sync_playwright() as p:
        browser = _chromium(p)
        first = browser.new_page(viewport={"width": 1400, "height": 1000})
        first.goto(str(app["url"]))
        first.get_by_role("button", name="Try it with the sample videos").click(timeout=60_000)
        first.get_by_text(TRACKING).first.wait_for(timeout=60_000)
        assert "job=" in first.url, first.url
        first.screenshot(path=str(shots / "jobs-01-running.png"))

        # Reload mid-analysis: the page finds the job again and the result arrives.
        first.reload()
        first.get_by_text(RESULTS).wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        first.wait_for_timeout(1500)
        first.screenshot(path=str(shots / "jobs-02-after-reload.png"))
        assert _sessions_on_record(first) == 1  # and it was saved
        assert "job=" not in first.url

        # Two tabs (two browser sessions) analysing at once: both finish and both save.
        second = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        second.goto(str(app["url"]))
        second.get_by_role("combobox", name="Test").wait_for(timeout=60_000)
        _analyse_samples(first, test_label("knee-flexion"))
        _analyse_samples(second, test_label("hip-extension"))
        for page in (first, second):
            page.get_by_text(TRACKING).first.wait_for(timeout=60_000)
        second.screenshot(path=str(shots / "jobs-03-two-tabs-running.png"))
        for n, (page, test) in enumerate(((first, "knee-flexion"), (second, "hip-extension"))):
            page.get_by_text(f"Results: {test_label(test)}").wait_for(
                timeout=ANALYSIS_TIMEOUT_MS)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(shots / f"jobs-04-tab-{n + 1}-done.png"))
        first.reload()
        first.get_by_role("combobox", name="Test").wait_for(timeout=60_000)
        first.wait_for_timeout(1500)
        assert _sessions_on_record(first) == 3
        assert first.get_by_text("Could not be measured").count() == 0
        browser.close()
