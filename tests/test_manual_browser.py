"""Measure a big-toe extension on a photo (issue 14, items 3-4) in headless Chromium: a photo
made here with PIL shows a known angle, the three points are clicked on it, the value shown
is that angle (±2°) and it is saved into the session without a video.  Screenshots go to
``test-artifacts/manual-*.png``."""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.dashboard_server import running_dashboard
from tests.test_browser import _artifacts, _chromium, _settle, require_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHOTO_SIZE = (800, 500)
EXTENSION_DEG = 35.0
SHAFT, MTP = (150.0, 350.0), (450.0, 350.0)
HALLUX = (MTP[0] + 220.0 * math.cos(math.radians(EXTENSION_DEG)),
          MTP[1] - 220.0 * math.sin(math.radians(EXTENSION_DEG)))


def _foot_photo(path: Path) -> None:
    """A side view of a "foot": the first metatarsal level, the hallux bent up 35 deg."""
    image = Image.new("RGB", PHOTO_SIZE, (214, 200, 180))
    draw = ImageDraw.Draw(image)
    draw.line([SHAFT, MTP], fill=(120, 80, 60), width=28)
    draw.line([MTP, HALLUX], fill=(120, 80, 60), width=22)
    for x, y in (SHAFT, MTP, HALLUX):
        draw.ellipse([x - 6, y - 6, x + 6, y + 6], fill=(0, 0, 0))
    image.save(path, format="JPEG", quality=92)


@pytest.fixture
def dashboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """The running app with one person in its database: ``(url, data dir)``."""
    require_browser()
    from rom.store import Store

    work = tmp_path / "app"
    work.mkdir()
    monkeypatch.setenv("ROM_DATA_DIR", str(work / "data"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)
    with Store() as store:
        store.add_person("Ana Runner")
    try:
        with running_dashboard("app.py", work,
                               args=("--browser.gatherUsageStats", "false")) as url:
            yield url, work / "data"
    finally:
        shutil.copy(work / "streamlit.log", _artifacts() / "manual-streamlit.log")


def _mark(page: object, widget: object, n: int, point: tuple[float, float]) -> None:
    """Click point ``n`` at ``point`` (photo pixels) and wait until the app has drawn it.

    The click goes through the locator, so it lands on the photo once the photo has stopped
    moving; a click the page drops while a rerun replaces the widget is made again, as a
    user who sees no mark would."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        _settle(page)
        box = widget.bounding_box()  # type: ignore[attr-defined]
        assert box is not None
        scale = box["width"] / PHOTO_SIZE[0]
        widget.click(position={"x": point[0] * scale, "y": point[1] * scale})  # type: ignore[attr-defined]
        try:
            page.get_by_test_id(f"rom-manual-point-{n}").wait_for(timeout=20_000)  # type: ignore[attr-defined]
        except PlaywrightTimeout:  # the click was dropped: no mark drawn
            continue
        _settle(page)
        return
    raise AssertionError(f"point {n} was never drawn")


def test_measure_a_big_toe_extension_on_a_photo(dashboard: tuple[str, Path],
                                                tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    from rom.dashboard import manual
    from rom.store import Store

    url, _ = dashboard
    photo = tmp_path / "foot.jpg"
    _foot_photo(photo)
    shots = _artifacts()
    with sync_playwright() as p:
        browser = _chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(url)
        heading = page.get_by_text("Measure by hand on a photo (toe tests)")
        heading.wait_for(timeout=60_000)
        heading.click()
        section = page.get_by_test_id("stExpander").filter(has_text="Measure by hand")
        section.locator('input[type="file"]').set_input_files(str(photo))
        widget = page.get_by_test_id("rom-manual-photo")
        widget.wait_for(timeout=60_000)
        widget.scroll_into_view_if_needed()
        _settle(page)
        for n, point in enumerate((SHAFT, MTP, HALLUX)):
            _mark(page, widget, n, point)
        expect(page.get_by_test_id(f"rom-manual-point-{3}")).to_have_count(0)
        value = section.get_by_test_id("stMetricValue").inner_text()
        number = float(re.sub(r"[^\d.\-−]", "", value).replace("−", "-"))
        assert number == pytest.approx(EXTENSION_DEG, abs=2.0), value
        page.screenshot(path=str(shots / "manual-01-points-marked.png"), full_page=True)

        # Undo takes the last point away; clicking it again gives the value back.
        section.get_by_role("button", name=manual.TEXT["undo"]).click()
        expect(page.get_by_test_id("rom-manual-point-2")).to_have_count(0, timeout=30_000)
        _settle(page)
        _mark(page, widget, 2, HALLUX)

        section.get_by_role("button", name=manual.TEXT["save"]).click()
        page.get_by_text("Saved by hand").filter(
            has_text=manual.PHASES["pre"].lower()).wait_for(timeout=60_000)
        _settle(page)
        # The same points saved as "after" too: the session compares before and after.
        # Each step waits for what the app shows after it: a click made while the previous
        # rerun is still on its way can be taken with the old phase.
        after = section.get_by_role("radio", name=manual.PHASES["post"])
        section.get_by_text(manual.PHASES["post"]).click()
        expect(after).to_be_checked(timeout=30_000)
        _settle(page)
        section.get_by_role("button", name=manual.TEXT["save"]).click()
        page.get_by_text("Saved by hand").filter(
            has_text=manual.PHASES["post"].lower()).wait_for(timeout=60_000)
        page.get_by_text("4 · Before and after in this session").wait_for(timeout=30_000)
        table = page.locator('[data-testid="stTable"]', has_text="Real change?")
        assert "Big-toe extension" in table.inner_text()
        page.get_by_text("4 · Before and after in this session").scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(shots / "manual-02-saved.png"))

        # The saved session with its photo trial draws on the next runs: page and History.
        page.reload()
        page.get_by_text("Measure by hand on a photo (toe tests)").wait_for(timeout=60_000)
        _settle(page)
        page.get_by_role("tab", name="History").click()
        _settle(page)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(shots / "manual-03-history.png"), full_page=True)
        assert page.get_by_text("Something went wrong").count() == 0
        assert page.get_by_test_id("stException").count() == 0
        browser.close()

    with Store() as store:
        (person,) = store.list_people()
        (session,) = store.sessions(person.id)
        trials = sorted(store.trials(session.id), key=lambda t: t.phase, reverse=True)
    assert [(t.test, t.phase, t.video_path) for t in trials] == [
        ("big-toe-extension", "pre", None), ("big-toe-extension", "post", None)]
    for trial in trials:
        (record,) = trial.measurements
        assert record.measurement.value == pytest.approx(EXTENSION_DEG, abs=2.0)
        assert record.measurement.provenance["method"] == "manual"
