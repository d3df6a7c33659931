"""Capture like a coach (issue 14, item 5) with Chromium's fake camera: the countdown, then
pre and post recorded from one screen (the phase moves on by itself), and a retake.
Screenshots go to ``test-artifacts/capture-*.png``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_browser import (  # noqa: F401  (app is a fixture)
    CHROMIUM,
    CHROMIUM_ARGS,
    _artifacts,
    _sample_pair,
    app,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_record_pre_then_post_with_the_countdown(app: dict[str, object],  # noqa: F811
                                                 tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

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
        page.get_by_text("Who is being measured?").wait_for(timeout=60_000)
        if page.get_by_role("button", name="Try it with the sample videos").count():
            sidebar = page.locator('[data-testid="stSidebar"]')
            sidebar.get_by_label("Name or pseudonym").fill("Cam Coach")
            sidebar.get_by_role("button", name="Add person").click()
            page.get_by_text("Added Cam Coach.").wait_for()
        page.get_by_text("Record with the webcam").click()
        page.get_by_text("No picture after START?").wait_for(timeout=30_000)

        for n, phase in enumerate(("pre", "post")):
            assert page.get_by_role("radio", name=webcam.TEXT[phase]).is_checked()
            camera = page.frame_locator('iframe[title*="webrtc"]')
            camera.get_by_role("button", name="START").click(timeout=60_000)
            page.wait_for_timeout(1800)  # inside the 3-2-1 countdown
            camera.locator("video").first.screenshot(
                path=str(shots / f"capture-{n + 1}a-{phase}-countdown.png"))
            page.wait_for_timeout(4500)  # the countdown is over: recording
            camera.locator("video").first.screenshot(
                path=str(shots / f"capture-{n + 1}b-{phase}-recording.png"))
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
        assert page.get_by_role("radio", name=webcam.TEXT["pre"]).is_checked()
        assert page.get_by_text("Post clip recorded").count() == 1
        browser.close()

    import cv2
    import numpy as np

    from rom.render import OKABE_ITO, SEGMENT_RGB, hex_to_rgb

    def count(path: Path, rgb: tuple[int, int, int]) -> int:
        frame = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        return int(np.all(np.abs(frame.astype(int) - np.array(rgb)) <= 30, axis=-1).sum())

    yellow = hex_to_rgb(OKABE_ITO["yellow"])
    for n, phase in enumerate(("pre", "post")):
        countdown = shots / f"capture-{n + 1}a-{phase}-countdown.png"
        recording = shots / f"capture-{n + 1}b-{phase}-recording.png"
        # During the countdown the big yellow number and no skeleton; then the skeleton.
        assert count(countdown, SEGMENT_RGB) < 50 < count(countdown, yellow), phase
        assert count(recording, SEGMENT_RGB) > 200, phase
