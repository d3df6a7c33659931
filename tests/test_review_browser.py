"""Side-by-side review (issue 14, item 1) in headless Chromium: both videos play and step
in sync (the two shown frame indices stay the same distance apart).  Screenshots go to
``test-artifacts/review-*.png``."""

from __future__ import annotations

import re

import pytest

from tests.test_browser import (  # noqa: F401  (app is a fixture)
    ANALYSIS_TIMEOUT_MS,
    _artifacts,
    _chromium,
    app,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _frames(page: object) -> tuple[int, int]:
    shown = []
    for phase in ("pre", "post"):
        text = page.get_by_test_id(f"rom-review-frame-{phase}").inner_text()  # type: ignore[attr-defined]
        shown.append(int(re.search(r"frame (\d+)", text).group(1)))  # type: ignore[union-attr]
    return shown[0], shown[1]


def test_both_videos_play_and_step_in_sync(app: dict[str, object]) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    from rom.dashboard import review, welcome

    if welcome.demo_test() is None:
        pytest.skip("no sample videos bundled yet")
    shots = _artifacts()
    with sync_playwright() as p:
        browser = _chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(str(app["url"]))
        page.get_by_role("button", name="Try it with the sample videos").click(timeout=60_000)
        page.get_by_text("Before and after in this session").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        widget = page.get_by_test_id("rom-review-chart")
        widget.wait_for(timeout=60_000)
        widget.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        start_pre, start_post = _frames(page)
        apart = start_post - start_pre
        page.screenshot(path=str(shots / "review-01-aligned-at-start.png"))

        plus_frame = page.get_by_role("button", name="+1 frame")
        for n in range(1, 6):
            plus_frame.click()
            assert _frames(page) == (start_pre + n, start_post + n)
        page.get_by_role("button", name="−1 frame").click()
        assert _frames(page) == (start_pre + 4, start_post + 4)
        page.get_by_role("button", name="+0.1 s").click()
        pre, post = _frames(page)
        assert pre > start_pre + 4 and post - pre == apart

        page.get_by_label("speed").select_option("0.5")
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_timeout(1500)
        page.get_by_role("button", name="Pause").click()
        pre_after_play, post_after_play = _frames(page)
        assert pre_after_play > pre and post_after_play - pre_after_play == apart
        page.screenshot(path=str(shots / "review-02-after-play.png"))

        # A click on the chart seeks both videos to the same shared moment.
        box = widget.bounding_box()
        assert box is not None
        clock = page.get_by_test_id("rom-review-clock")
        before = clock.inner_text()
        page.mouse.click(box["x"] + box["width"] * 0.05, box["y"] + box["height"] / 2)
        sought_pre, sought_post = _frames(page)
        assert clock.inner_text() != before
        # Near the timeline's start the video whose movement starts earlier holds its first
        # frame; both went back.
        assert sought_pre < pre_after_play and sought_post < post_after_play
        assert abs(sought_post - sought_pre) <= abs(apart)

        # Aligned at the peak instead: the distance between the shown frames changes to the
        # peaks' distance, and both still step together.
        page.get_by_text(review.ALIGN_CHOICES["peak"], exact=True).click()
        expect(clock).to_have_text("+0.00 s", timeout=60_000)  # rebuilt at the new anchor
        page.wait_for_timeout(1000)
        peak_pre, peak_post = _frames(page)
        page.get_by_role("button", name="+1 frame").click()
        assert _frames(page) == (peak_pre + 1, peak_post + 1)
        page.screenshot(path=str(shots / "review-03-aligned-at-peak.png"))
        browser.close()
