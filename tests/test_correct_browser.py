"""Correct a landmark by hand in headless Chromium (issue 14, item 2): the demo's sample clips
analysed from their cached pose tracks, the first point of the measured chain dragged on the
pre clip's key frame, the value measured again and shown, saved, and marked "manually
adjusted" in the History tab.  And the goniometer on another frame of the clip (item 3): a
right angle clicked, 90° shown and saved with its frame.  Screenshots go to
``test-artifacts/correct-*.png``."""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard_server import running_dashboard
from tests.test_browser import (
    ANALYSIS_TIMEOUT_MS,
    _artifacts,
    _chromium,
    _settle,
    require_browser,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: How far the point is dragged, screen pixels (left, and a little down).
DRAG_PX = (-45.0, 12.0)


def _copy_cached_tracks(cache: Path) -> None:
    """The sample clips' pose tracks from this machine's rom cache, when it has them, so
    the analysis reads them instead of running the pose model (the cache is keyed by the
    video's and the model's digests: a stale copy is simply not used)."""
    from rom import paths
    from rom.dashboard.services import sample_clips
    from rom.fileio import sha256_file

    source = paths.cache_dir() / "tracks"
    for clip in sample_clips():
        found = source / sha256_file(clip.path)
        if found.is_dir():
            shutil.copytree(found, cache / "tracks" / found.name, dirs_exist_ok=True)


@pytest.fixture
def dashboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """The running app, empty, with the sample clips' tracks cached: ``(url, data dir)``."""
    require_browser()
    work = tmp_path / "app"
    work.mkdir()
    _copy_cached_tracks(work / "cache")
    monkeypatch.setenv("ROM_DATA_DIR", str(work / "data"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)
    try:
        with running_dashboard("app.py", work,
                               args=("--browser.gatherUsageStats", "false")) as url:
            yield url, work / "data"
    finally:
        shutil.copy(work / "streamlit.log", _artifacts() / "correct-streamlit.log")


def _drag(page: object, point: object, by: tuple[float, float]) -> None:
    """Press on ``point``, move it by ``by`` screen pixels in steps, and let go."""
    box = point.bounding_box()  # type: ignore[attr-defined]
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    mouse = page.mouse  # type: ignore[attr-defined]
    mouse.move(x, y)
    mouse.down()
    mouse.move(x + by[0] / 2, y + by[1] / 2, steps=5)
    mouse.move(x + by[0], y + by[1], steps=5)
    mouse.up()


def test_drag_a_landmark_and_see_it_manually_adjusted_in_the_history(
    dashboard: tuple[str, Path],
) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    from rom.correction import CORRECTED_LABEL, automatic_measurement, correction_of
    from rom.dashboard import correct, welcome
    from rom.store import Store

    if welcome.demo_test() is None:
        pytest.skip("no sample videos bundled yet")
    url, _ = dashboard
    shots = _artifacts()
    with sync_playwright() as p:
        browser = _chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(url)
        demo = page.get_by_role("button", name="Try it with the sample videos")
        demo.wait_for(timeout=60_000)
        demo.click()
        page.get_by_text("Before and after in this session").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        _settle(page)

        heading = page.get_by_text("Correct landmarks").first
        heading.scroll_into_view_if_needed()
        heading.click()
        section = page.get_by_test_id("stExpander").filter(has_text="Drag a point").first
        frame = section.get_by_test_id("rom-correct-frame")
        frame.wait_for(timeout=60_000)
        frame.scroll_into_view_if_needed()
        _settle(page)
        automatic = section.get_by_test_id("stMetricValue").first.inner_text()
        first_point = section.locator('[data-testid^="rom-correct-point-"]').first
        # A drag the page drops while a rerun replaces the widget is made again, as a user
        # who sees the point jump back would; a rerun under load can take a while.
        moved = section.get_by_text(re.compile(r"^Moved: (left|right) ")).first
        for _ in range(3):
            _settle(page)
            _drag(page, first_point, DRAG_PX)
            try:
                moved.wait_for(timeout=90_000)
                break
            except PlaywrightTimeout:
                continue
        _settle(page)
        corrected = section.get_by_test_id("stMetricValue").nth(1)
        expect(corrected).not_to_have_text(automatic, timeout=30_000)
        assert section.get_by_test_id("stMetricValue").first.inner_text() == automatic
        page.screenshot(path=str(shots / "correct-01-dragged.png"), full_page=True)

        section.get_by_role("button", name=correct.TEXT["save"]).click()
        page.get_by_text("Correction saved").wait_for(timeout=60_000)
        _settle(page)
        expect(page.get_by_text("reliable, quality").filter(
            has_text=CORRECTED_LABEL).first).to_be_visible(timeout=30_000)
        page.screenshot(path=str(shots / "correct-02-saved.png"), full_page=True)

        page.get_by_role("tab", name="History").click()
        mark = page.get_by_text(f"{CORRECTED_LABEL.capitalize()} (points moved by hand)")
        mark.wait_for(timeout=60_000)
        mark.scroll_into_view_if_needed()
        page.wait_for_timeout(800)  # the trend chart draws its text
        page.screenshot(path=str(shots / "correct-03-history.png"), full_page=True)
        assert page.get_by_test_id("stException").count() == 0
        browser.close()

    with Store() as store:
        (person,) = store.list_people()
        points = {p.phase: p.measurement for p in store.history(person.id)}
    record = correction_of(points["pre"])
    assert record is not None and len(record.moved) == 1
    assert record.moved[0].moved_px is not None and record.moved[0].moved_px > 5.0
    assert automatic_measurement(points["pre"]).value != points["pre"].value
    assert correction_of(points["post"]) is None


def _click_point(page: object, widget: object, n: int, at: tuple[float, float]) -> None:
    """Click point ``n`` at ``at`` (pixels from the frame's top left on screen) and wait until
    the app has drawn it; a click dropped while a rerun replaced the widget is made again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        _settle(page)
        widget.click(position={"x": at[0], "y": at[1]})  # type: ignore[attr-defined]
        try:
            page.get_by_test_id(f"rom-frame-point-{n}").wait_for(timeout=30_000)  # type: ignore[attr-defined]
        except PlaywrightTimeout:
            continue
        _settle(page)
        return
    raise AssertionError(f"point {n} was never drawn")


def test_measure_an_angle_by_hand_on_a_video_frame(dashboard: tuple[str, Path]) -> None:
    """Step to another frame of the analysed pre clip, click a right angle on it (the frame
    is drawn to scale, so a right angle on screen is one in the video's pixels), see 90°,
    save it, and find it stored with its frame and points."""
    from playwright.sync_api import expect, sync_playwright

    from rom.dashboard import manual, welcome
    from rom.store import Store

    if welcome.demo_test() is None:
        pytest.skip("no sample videos bundled yet")
    url, _ = dashboard
    shots = _artifacts()
    with sync_playwright() as p:
        browser = _chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(url)
        demo = page.get_by_role("button", name="Try it with the sample videos")
        demo.wait_for(timeout=60_000)
        demo.click()
        page.get_by_text("Before and after in this session").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        _settle(page)

        heading = page.get_by_text("Measure by hand on this clip").first
        heading.scroll_into_view_if_needed()
        heading.click()
        # The innermost expander: the clip's own, not the details section around it.
        section = page.get_by_test_id("stExpander").filter(
            has_text="Step to a frame and click the points").filter(
            has_not_text="Details: videos").first
        frame_input = section.locator('input[type="number"]').first
        frame_input.wait_for(timeout=60_000)
        measured = int(frame_input.input_value())
        chosen = max(0, measured - 10)
        frame_input.fill(str(chosen))
        frame_input.press("Enter")
        _settle(page)
        expect(frame_input).to_have_value(str(chosen), timeout=30_000)
        widget = section.get_by_test_id("rom-frame-measure")
        widget.wait_for(timeout=60_000)
        widget.scroll_into_view_if_needed()
        _settle(page)
        box = widget.bounding_box()
        assert box is not None
        arm = min(box["width"], box["height"]) * 0.4
        # A click lands on whole screen pixels: each end may be off by about a pixel.
        tolerance = 2 * math.degrees(math.atan(1.5 / arm))
        vertex = (box["width"] * 0.5, box["height"] * 0.6)
        for n, point in enumerate(((vertex[0], vertex[1] - arm), vertex,
                                   (vertex[0] + arm, vertex[1]))):
            _click_point(page, widget, n, point)
        page.screenshot(path=str(shots / "correct-04-frame-angle.png"), full_page=True)
        value = section.get_by_test_id("stMetricValue").first
        expect(value).to_have_text(re.compile(r"^\d+(\.\d)?°$"), timeout=30_000)
        shown = float(value.inner_text().rstrip("°"))
        assert shown == pytest.approx(90.0, abs=tolerance)
        section.get_by_role("button", name=manual.TEXT["save"]).click()
        page.get_by_text("Saved by hand: Angle by hand").wait_for(timeout=60_000)
        assert page.get_by_test_id("stException").count() == 0
        browser.close()

    with Store() as store:
        (person,) = store.list_people()
        (session,) = store.sessions(person.id)
        (trial,) = [t for t in store.trials(session.id) if t.test == "hand-angle"]
    reading = trial.measurements[0].measurement
    assert (trial.phase, trial.settings["source"]) == ("pre", "video frame")
    assert reading.peak_frame == chosen and reading.provenance["frame"] == str(chosen)
    assert reading.value == pytest.approx(shown, abs=0.05)  # the value shown is the one saved
    assert len(json.loads(reading.provenance["points_px"])) == 3
