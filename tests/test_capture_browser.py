"""Capture like a coach (issue 14, item 5) with Chromium's fake camera: the countdown, then
pre and post recorded from one screen (the phase moves on by itself), and a retake.
Screenshots go to ``test-artifacts/capture-*.png``."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from rom.render import OKABE_ITO, SEGMENT_RGB, hex_to_rgb
from tests.test_browser import (  # noqa: F401  (app is a fixture)
    CHROMIUM,
    CHROMIUM_ARGS,
    _artifacts,
    _sample_pair,
    app,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


YELLOW = hex_to_rgb(OKABE_ITO["yellow"])


class _Frame:
    def __init__(self, png: bytes) -> None:
        self.png = png
        rgb = cv2.cvtColor(cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR),
                           cv2.COLOR_BGR2RGB)
        self.rgb = rgb.astype(int)

    def save(self, path: Path) -> None:
        path.write_bytes(self.png)


def _count(frame: _Frame, rgb: tuple[int, int, int], tolerance: int = 30) -> int:
    return int(np.all(np.abs(frame.rgb - np.array(rgb)) <= tolerance, axis=-1).sum())


def _is_countdown(frame: _Frame) -> bool:
    # The big yellow number, and no skeleton yet.
    return _count(frame, YELLOW, 45) > 50 and _count(frame, SEGMENT_RGB) < 50


def _is_skeleton(frame: _Frame) -> bool:
    return _count(frame, SEGMENT_RGB) > 200


def _wait_for_frame(video: object, wanted: Callable[[_Frame], bool],
                    timeout_s: float = 40.0) -> _Frame:
    """The first screenshot of ``video`` that shows what ``wanted`` looks for."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        frame = _Frame(video.screenshot())  # type: ignore[attr-defined]
        if wanted(frame):
            return frame
    raise AssertionError("the live view never showed it")


def test_record_pre_then_post_with_the_countdown(app: dict[str, object],  # noqa: F811
                                                 tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    from rom.dashboard import webcam

    pre_path, _, _, _ = _sample_pair("ankle-dorsiflexion")
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is needed to make the fake camera's y4m file")
    y4m = tmp_path / "camera.y4m"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(pre_path), "-vf", "scale=640:360",
                    "-pix_fmt", "yuv420p", str(y4m)], check=True)
    shots = _artifacts()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            *CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={y4m}"])
        context = browser.new_context(viewport={"width": 1400, "height": 2400},
                                      permissions=["camera"])
        page = context.new_page()
        page.goto(str(app["url"]))
        # This module's dashboard starts with an empty database: the welcome, then a person.
        page.get_by_role("button", name="Try it with the sample videos").wait_for(
            timeout=60_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_label("Name or pseudonym").fill("Cam Coach")
        sidebar.get_by_role("button", name="Add person").click()
        page.get_by_text("Added Cam Coach.").wait_for(timeout=60_000)
        page.get_by_text("Record with the webcam").click(timeout=90_000)
        page.get_by_text("No picture after START?").wait_for(timeout=30_000)

        # A screenshot can take longer than a second on a busy machine, so the 3-s countdown
        # must be caught in at least one of the two recordings.
        counted_down: list[str] = []
        for n, phase in enumerate(("pre", "post")):
            expect(page.get_by_role("radio", name=webcam.TEXT[phase])).to_be_checked(timeout=30_000)
            camera = page.frame_locator('iframe[title*="webrtc"]')
            camera.get_by_role("button", name="START").click(timeout=60_000)
            live = camera.locator("video").first
            # The 3-2-1 countdown comes first (the big yellow number, no skeleton), then the
            # recording with the skeleton drawn.
            first = _wait_for_frame(live, lambda f: _is_countdown(f) or _is_skeleton(f))
            if _is_countdown(first):
                counted_down.append(phase)
                first.save(shots / f"capture-{n + 1}a-{phase}-countdown.png")
            recording = _wait_for_frame(live, _is_skeleton)
            recording.save(shots / f"capture-{n + 1}b-{phase}-recording.png")
            page.wait_for_timeout(1500)
            camera.get_by_role("button", name="STOP").click()
            page.get_by_text(f"{phase.capitalize()} clip recorded").wait_for(timeout=60_000)
            page.wait_for_timeout(1500)
            if phase == "pre":  # the page moved on to post by itself
                page.get_by_text(webcam.TEXT["next"]).wait_for(timeout=30_000)
        page.screenshot(path=str(shots / "capture-3-both-recorded.png"))
        assert page.get_by_text("Pre clip recorded").count() == 1

        # Retake the pre clip: it goes, and the recorder is back on pre.
        page.get_by_role("button", name=webcam.TEXT["retake"].format(phase="pre")).click()
        page.get_by_text("Pre clip recorded").wait_for(state="detached", timeout=30_000)
        expect(page.get_by_role("radio", name=webcam.TEXT["pre"])).to_be_checked(timeout=30_000)
        assert page.get_by_text("Post clip recorded").count() == 1
        browser.close()
    assert counted_down, "the 3-2-1 countdown was never seen"
