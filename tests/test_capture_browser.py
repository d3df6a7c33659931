"""Capture like a coach (issue 14, item 5) in Chromium with its fake camera.

The fake camera plays a 1280×720 sample clip.  On one screen: the 3-2-1 countdown, the
before clip recorded with the skeleton and the held peak drawn live, then the after clip,
then a retake of the before clip; and, in a browser with no camera, the clear message.
Screenshots go to ``test-artifacts/capture-*.png``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from rom import labels
from rom.render import OKABE_ITO, SEGMENT_RGB, hex_to_rgb
from tests.test_browser import (  # noqa: F401  (app is a fixture)
    CHROMIUM,
    CHROMIUM_ARGS,
    _artifacts,
    _sample_pair,
    app,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Longest wait for one state of the live view (a loaded 2-core machine is slow).
LIVE_TIMEOUT_S = 90.0
PAGE_TIMEOUT_MS = 90_000


class _Shot:
    """One screenshot of the live video, as RGB pixels."""

    def __init__(self, png: bytes) -> None:
        self.png = png
        bgr = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
        self.rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(int)

    def count(self, hex_or_rgb: str | tuple[int, int, int], tolerance: int = 30,
              region: tuple[slice, slice] = (slice(None), slice(None))) -> int:
        rgb = hex_to_rgb(OKABE_ITO[hex_or_rgb]) if isinstance(hex_or_rgb, str) else hex_or_rgb
        pixels = self.rgb[region]
        return int(np.all(np.abs(pixels - np.array(rgb)) <= tolerance, axis=-1).sum())

    def counting_down(self) -> bool:
        # The big yellow number (thousands of pixels; the recording's yellow angle line is a
        # few hundred) and no skeleton yet.
        return self.count("yellow", 40) > 1500 and self.count(SEGMENT_RGB) < 50

    def recording(self) -> bool:
        # The measured segment drawn, and the held peak in the top-right corner.
        height, width = self.rgb.shape[:2]
        top_right = (slice(0, height // 6), slice(width * 3 // 5, width))
        return self.count(SEGMENT_RGB) > 200 and self.count("vermillion", 40, top_right) > 30


def _wait_for(video: object, wanted: Callable[[_Shot], bool]) -> _Shot:
    """The first screenshot of ``video`` showing what ``wanted`` looks for."""
    deadline = time.monotonic() + LIVE_TIMEOUT_S
    while time.monotonic() < deadline:
        shot = _Shot(video.screenshot())  # type: ignore[attr-defined]
        if wanted(shot):
            return shot
    raise AssertionError(f"the live view never showed {wanted.__name__}")


def _size(caption: str) -> tuple[int, int]:
    """``(width, height)`` from a clip's caption, e.g. "… (2.9 s, 1280×720)"."""
    found = re.search(r"(\d+)×(\d+)\)", caption)
    assert found is not None, caption
    return int(found[1]), int(found[2])


def _record_one(page: object, name: str, shots: Path) -> bool:
    """START, see the countdown (if caught) and the live overlay, STOP; True if counted."""
    camera = page.frame_locator('iframe[title*="webrtc"]')  # type: ignore[attr-defined]
    camera.get_by_role("button", name="START").click(timeout=PAGE_TIMEOUT_MS)
    video = camera.locator("video").first
    first = _wait_for(video, lambda s: s.counting_down() or s.recording())
    counted = first.counting_down()
    if counted:
        (shots / f"capture-{name}-countdown.png").write_bytes(first.png)
    (shots / f"capture-{name}-live.png").write_bytes(_wait_for(video, _Shot.recording).png)
    camera.get_by_role("button", name="STOP").click()
    return counted


def test_record_before_then_after_with_the_countdown_and_retake(
    app: dict[str, object], tmp_path: Path  # noqa: F811
) -> None:
    from playwright.sync_api import sync_playwright

    from rom.dashboard import webcam

    pre_path, _, _, _ = _sample_pair("ankle-dorsiflexion")
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is needed to make the fake camera's y4m file")
    y4m = tmp_path / "camera.y4m"
    # The sample's own 1280×720, at 15 frames/s to keep the raw file small.
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(pre_path), "-r", "15",
                    "-pix_fmt", "yuv420p", str(y4m)], check=True)
    shots = _artifacts()

    def step(n: int, phase: str) -> str:
        return f"Recording {n} of 2: {webcam.TEXT[phase]}"

    def recorded(phase: str) -> object:
        word = labels.phase_word(phase).capitalize()
        return page.get_by_text(f"{word} clip recorded (")

    counted: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            *CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={y4m}"])
        context = browser.new_context(viewport={"width": 1400, "height": 2400},
                                      permissions=["camera"])
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        page = context.new_page()
        page.goto(str(app["url"]))
        # A fresh database shows the welcome, else the form: wait for one of them, not for
        # the sidebar (it comes first, and then neither may be drawn yet).
        welcome = page.get_by_role("button", name="Try it with the sample videos")
        welcome.or_(page.get_by_text("Record with the webcam")).first.wait_for()
        if welcome.count():
            sidebar = page.locator('[data-testid="stSidebar"]')
            sidebar.get_by_label("Name or pseudonym").fill("Cam Coach")
            sidebar.get_by_role("button", name="Add person").click()
            page.get_by_text("Added Cam Coach.").wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_text("Record with the webcam").click()

        # Before, then after, from the same screen: no phase to choose.
        page.get_by_text(step(1, "pre")).wait_for(timeout=PAGE_TIMEOUT_MS)
        assert page.get_by_role("radio", name=webcam.TEXT["pre"]).count() == 0
        if _record_one(page, "1-before", shots):
            counted.append("before")
        recorded("pre").wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_text(step(2, "post")).wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_text(webcam.TEXT["next"]).wait_for()
        page.screenshot(path=str(shots / "capture-2-after-is-next.png"))
        if _record_one(page, "3-after", shots):
            counted.append("after")
        recorded("post").wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_text(webcam.TEXT["both"]).wait_for(timeout=PAGE_TIMEOUT_MS)
        page.screenshot(path=str(shots / "capture-4-both-recorded.png"))
        # The camera offers 1280×720; the caption says what WebRTC delivered, with the
        # warning under 720 lines (a loaded machine's Chromium sends less than it films).
        sizes = [_size(str(recorded(phase).inner_text())) for phase in ("pre", "post")]
        assert all(w / h == pytest.approx(16 / 9, abs=0.02) and h <= 720 for w, h in sizes)
        small = page.get_by_text("rom's wall marker may not be found")
        assert small.count() == sum(h < 720 for _, h in sizes), sizes

        # Retake the before clip: it goes, the recorder is back on before, the after stays;
        # recorded again, both are there once more.
        page.get_by_role("button", name=webcam.TEXT["retake"].format(phase="before")).click()
        recorded("pre").wait_for(state="detached", timeout=PAGE_TIMEOUT_MS)
        page.get_by_text(step(1, "pre")).wait_for(timeout=PAGE_TIMEOUT_MS)
        assert recorded("post").count() == 1
        if _record_one(page, "5-retake", shots):
            counted.append("retake")
        recorded("pre").wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_text(webcam.TEXT["both"]).wait_for(timeout=PAGE_TIMEOUT_MS)
        # Streamlit keeps the last run's video element on the page while it redraws, so wait
        # until only the two clips are left and both have loaded (a timeout fails the test).
        clips = "Array.from(document.querySelectorAll('[data-testid=\"stVideo\"]'))"
        page.wait_for_function(
            f"{clips}.length === 2 && {clips}.every(v => v.readyState >= 1 || v.error)",
            timeout=PAGE_TIMEOUT_MS)
        videos = page.evaluate(
            f"{clips}.map(v => ({{ready: v.readyState, error: v.error && v.error.code}}))")
        browser.close()

        # A browser with no camera at all: the recorder says so in words.
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream"])
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(str(app["url"]))
        page.get_by_text("Who is being measured?").wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_text("Record with the webcam").click()
        camera = page.frame_locator('iframe[title*="webrtc"]')
        camera.get_by_role("button", name="START").click(timeout=PAGE_TIMEOUT_MS)
        # The browser's own words in the recorder, ours on the page and in its device dialog.
        camera.get_by_text("Requested device not found").wait_for()
        page.get_by_text(webcam.TEXT["no_camera"]).wait_for()
        camera.get_by_role("button", name="SELECT DEVICE").click()
        camera.get_by_text(webcam.TRANSLATIONS["device_not_available"]).wait_for()
        page.screenshot(path=str(shots / "capture-6-no-camera.png"))
        browser.close()

    # A screenshot can take over a second on a busy machine, so the 3-s countdown must be
    # caught in at least one of the three recordings.
    assert counted, "the 3-2-1 countdown was never seen"
    assert len(videos) == 2 and all(v["error"] is None for v in videos), videos
