"""The whole walk of issue 13 in a real browser, at desktop (1280×800) and phone (390×844).

Sample demo → the verdict in the first screen → New session, dated a week ago by typing
into the date input, the sample clips analysed again → the History chart at both dates →
the Export tab's PDF of the latest session (the demo's, today), downloaded, rendered to
PNG and its text checked.  Screenshots and the PDF go to ``test-artifacts/``.

Both widths share one track cache, so only the first walk runs the pose model.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.dashboard_server import running_dashboard
from tests.test_browser import _artifacts, _chromium, _settle, require_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANALYSIS_TIMEOUT_MS = 240_000  # two cores shared with other work
FIRST_DAY = dt.date.today()  # the demo's session: the sample clips carry no recording time
SECOND_DAY = FIRST_DAY - dt.timedelta(days=7)


@pytest.fixture(scope="module")
def track_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One track cache for both widths."""
    require_browser()
    from rom.dashboard import welcome

    if welcome.demo_test() is None:
        pytest.skip("no sample videos bundled")
    return tmp_path_factory.mktemp("walk-cache")


@pytest.fixture
def app_url(track_cache: Path, tmp_path: Path) -> Iterator[str]:
    """A fresh database (so the welcome page) per walk."""
    try:
        with running_dashboard("app.py", tmp_path, env={"ROM_CACHE_DIR": str(track_cache)},
                               args=("--browser.gatherUsageStats", "false")) as url:
            yield url
    finally:
        if (tmp_path / "streamlit.log").exists():
            shutil.copy(tmp_path / "streamlit.log", _artifacts() / "streamlit-walk.log")


@pytest.mark.parametrize(("label", "width", "height"), [("desktop", 1280, 800),
                                                         ("phone", 390, 844)])
def test_the_walk_from_the_demo_to_the_report(app_url: str, label: str, width: int,
                                              height: int) -> None:
    from playwright.sync_api import expect, sync_playwright

    from rom import labels
    from rom.dashboard import compare, welcome

    pdfium = pytest.importorskip("pypdfium2")
    test = welcome.demo_test()
    assert test is not None
    shots = _artifacts()
    with sync_playwright() as p:
        browser = _chromium(p)
        page = browser.new_page(viewport={"width": width, "height": height},  # type: ignore[attr-defined]
                                accept_downloads=True)
        page.goto(app_url)

        # 1. The sample demo: the verdict's sentence in the first screen, no scrolling.
        page.get_by_role("button", name="Try it with the sample videos").click(timeout=60_000)
        card = page.locator(f"[class*='st-key-{compare.CARD_TEXT['key']}']").first
        card.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        _settle(page)
        sentence = card.locator('[data-testid="stMarkdownContainer"]').first
        page.wait_for_function(  # the page scrolls to the verdict once it is drawn
            "el => { const r = el.getBoundingClientRect();"
            f" return r.top >= 0 && r.bottom <= {height}; }}",
            arg=sentence.element_handle(), timeout=30_000)
        box = sentence.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
        text = sentence.inner_text()
        assert "real change:" in text or "unreliable" in text or "no published" in text, text
        page.screenshot(path=str(shots / f"walk-{label}-1-verdict.png"))

        # 2. A second session: New session, its date typed as a user does, then the sample
        # clips again.
        page.get_by_role("button", name="New session").click()
        page.get_by_text("A new session was started.").wait_for(timeout=60_000)
        card.wait_for(state="detached", timeout=60_000)
        _settle(page)
        page.get_by_text("Session: date, notes, technique details").click()
        # Streamlit's date field is three segments (year/month/day, as displayed): click
        # the year and type the digits; each full segment moves on to the next.
        date_field = page.get_by_test_id("stDateInput").filter(has_text="Session date")
        date_field.get_by_role("spinbutton", name="year").click()
        page.keyboard.type(f"{SECOND_DAY:%Y%m%d}")
        page.keyboard.press("Tab")
        page.wait_for_function(  # the value the field holds, as the form will send it
            "([el, want]) => el.value === want",
            arg=[date_field.locator('input[type="date"]').element_handle(),
                 SECOND_DAY.isoformat()], timeout=30_000)
        _settle(page)
        page.screenshot(path=str(shots / f"walk-{label}-2-dated.png"))
        page.get_by_role("button", name="Analyse before and after").click()
        card.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        _settle(page)
        page.screenshot(path=str(shots / f"walk-{label}-3-second-session.png"))

        # 3. History: both sides' before and after on one time chart, at both dates.
        page.get_by_role("tab", name="History").click()
        page.get_by_text(f"Trends for {welcome.DEMO_PERSON_NAME}").wait_for(timeout=60_000)
        _settle(page)
        chart = page.locator(f".st-key-trend_{test} .js-plotly-plot")
        expect(chart).to_have_count(1, timeout=60_000)  # the last run's chart is gone
        for trace in ("left · before", "left · after"):
            chart.get_by_text(trace).first.wait_for(timeout=60_000)
        chart.scroll_into_view_if_needed()
        _settle(page)
        chart.screenshot(path=str(shots / f"walk-{label}-4-history.png"))
        ticks = chart.locator("text").all_text_contents()
        for day in (FIRST_DAY, SECOND_DAY):
            assert f"{day:%d %b %Y}" in ticks, ticks
        chart_box = chart.bounding_box()
        assert chart_box is not None and chart_box["x"] + chart_box["width"] <= width + 1

        # 4. Export: the PDF of the latest session, the one the tab offers first.
        page.get_by_role("tab", name="Export").click()
        page.get_by_text("Session report (PDF)").wait_for(timeout=60_000)
        expect(page.get_by_role("combobox", name="Session", exact=True)).to_have_value(
            re.compile(f"^{FIRST_DAY:%d %b %Y}"))
        _settle(page)
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="Download the PDF report").click()
        pdf = shots / f"walk-{label}-report.pdf"
        download.value.save_as(str(pdf))
        browser.close()  # type: ignore[attr-defined]

    document = pdfium.PdfDocument(str(pdf))
    text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    text = " ".join(text.split())
    # The latest session's report: its person, date and test, and the earlier session
    # (the typed date) in its chart over the previous sessions.
    assert welcome.DEMO_PERSON_NAME in text, text
    assert f"Date: {FIRST_DAY:%d %B %Y}" in text, text
    assert f"Over the previous sessions {SECOND_DAY:%d %b} {FIRST_DAY:%d %b}" in text, text
    assert labels.test_label(test).split(" (")[0] in text, text
    image = document[0].render(scale=1.5).to_pil()
    image.save(shots / f"walk-{label}-5-report.png")
    # A printed page: well over a few percent of its pixels are not white.
    grey = np.asarray(image.convert("L"))
    inked = int(np.count_nonzero(grey < 200))
    assert inked > 0.01 * grey.size, inked
