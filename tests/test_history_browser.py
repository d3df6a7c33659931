"""The History tab's time chart in the real browser, at desktop and phone widths.

A stored person with two dated sessions of the ankle test on both legs (no videos, so no
analysis runs): the tab draws left and right against the date, the MDC bands and the
left/right difference with its 1.5 cm threshold.  Screenshots go into ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard_server import running_dashboard
from tests.test_browser import _artifacts, _chromium, _settle, require_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NAME = "Hana Trend"


def _stored_person(data_dir: Path) -> None:
    from rom import norms
    from rom.measurement import Measurement
    from rom.store import Store
    from rom.store.records import NewTrial

    def ankle(side: str, value: float, knee_to_wall_cm: float) -> Measurement:
        return Measurement(test="ankle-dorsiflexion", side=side, value=value, unit="deg",
                           quality=0.9, reliable=True, reasons=(), peak_time_s=1.0,
                           peak_frame=30, secondary={norms.KNEE_TO_WALL: knee_to_wall_cm})

    store = Store(f"sqlite:///{data_dir / 'rom.sqlite3'}")
    person = store.add_person(NAME, height_cm=168.0)
    for day, technique, values in (
            (3, "Sock Pull", {"left": ((30.0, 9.0), (36.0, 11.0)),
                              "right": ((28.0, 8.0), (31.0, 9.0))}),
            (17, "Toe Spreaders", {"left": ((33.0, 10.0), (34.0, 10.5)),
                                   "right": ((29.0, 10.0), (35.0, 10.0))})):
        store.add_session(person.id, date=dt.date(2026, 11, day), technique=technique, trials=[
            NewTrial(phase, "ankle-dorsiflexion", side, measurements=(ankle(side, *pair),))
            for side, pairs in values.items()
            for phase, pair in zip(("pre", "post"), pairs, strict=True)])
    store.close()


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_browser()
    work = tmp_path_factory.mktemp("history")
    (work / "data").mkdir()
    _stored_person(work / "data")
    with running_dashboard("serve.py", work) as base:
        yield base


@pytest.mark.parametrize(("width", "height", "label"), [(1400, 1000, "desktop"),
                                                        (390, 844, "phone")])
def test_the_history_chart_shows_both_sides_over_time(url: str, width: int, height: int,
                                                       label: str) -> None:
    from playwright.sync_api import sync_playwright

    shots = _artifacts()
    with sync_playwright() as playwright:
        browser = _chromium(playwright)
        page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
        page.goto(url)
        page.get_by_text("rom · range of motion").first.wait_for(timeout=60_000)
        _settle(page)
        collapse = page.locator('[data-testid="stSidebarCollapseButton"] button')
        if width < 640 and collapse.count():
            # On a phone the open sidebar covers the page (a known polish item of issue 13);
            # the tab's click below waits until nothing covers it.
            collapse.first.click()
        page.get_by_role("tab", name="History").click()
        page.get_by_text(f"Trends for {NAME}").wait_for(timeout=60_000)
        chart = page.locator(".st-key-trend_ankle-dorsiflexion .js-plotly-plot")
        # What the chart shows: both sides before and after, and the asymmetry's threshold.
        for text in ("left · before", "left · after", "right · before", "right · after",
                     "left–right difference · after", "published threshold 1.5 cm"):
            chart.get_by_text(text).first.wait_for(timeout=60_000)
        chart.scroll_into_view_if_needed()
        _settle(page)
        chart.screenshot(path=str(shots / f"history13-trend-{label}.png"))
        page.screenshot(path=str(shots / f"history13-tab-{label}.png"), full_page=True)
        # The time axis is marked at the two sessions' dates: 3 and 17 November.
        texts = chart.locator("text").all_text_contents()
        assert "03 Nov 2026" in texts and "17 Nov 2026" in texts, texts
        page.get_by_text("Left/right threshold 1.5 cm: 68 % of healthy adults").wait_for()
        box = chart.bounding_box()
        assert box is not None and box["width"] <= width
        browser.close()  # type: ignore[attr-defined]
