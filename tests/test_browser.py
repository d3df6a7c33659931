"""The real dashboard in headless Chromium: upload the sample videos, read the results.

Starts ``streamlit run app.py`` on a free local port with a temporary database and cache,
drives it with Playwright (Debian's ``/usr/bin/chromium``; never ``playwright install``)
and saves screenshots into ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ANALYSIS_TIMEOUT_MS = 180_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """The running app: ``{"url": ..., "cache": Path of its ROM_CACHE_DIR}``."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    pytest.importorskip("playwright")
    work = tmp_path_factory.mktemp("app")
    env = {**os.environ, "ROM_DATA_DIR": str(work / "data"), "ROM_CACHE_DIR": str(work / "cache")}
    env.pop("ROM_DATABASE_URL", None)
    port = _free_port()
    log = (work / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log_text = (work / "streamlit.log").read_text()
                raise RuntimeError(f"streamlit did not start:\n{log_text}")
            time.sleep(0.3)
        yield {"url": url, "cache": work / "cache"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.copy(work / "streamlit.log", _artifacts() / "streamlit.log")


def _artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _sample_pair(test: str) -> tuple[Path, Path, dict, dict]:
    from rom.dashboard.services import sample_pair

    pair = sample_pair(test, "auto")
    if pair is None:
        pytest.skip(f"no sample videos of {test} yet")
    pre, post = pair
    meta = [json.loads(c.path.with_suffix(".json").read_text()) for c in pair]
    return pre.path, post.path, meta[0], meta[1]


def _numbers(text: str) -> list[float]:
    return [float(x.replace("−", "-")) for x in re.findall(r"[−-]?\d+(?:\.\d+)?", text)]


def _chromium(playwright: object) -> object:
    return playwright.chromium.launch(  # type: ignore[attr-defined]
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
    )


def _wait_uploaded(page: object, name: str) -> None:
    """Wait until the uploader shows the file's chip (the upload reached the server)."""
    chip = page.locator(f'[data-testid="stFileChip"][aria-label^="{name},"]')  # type: ignore[attr-defined]
    chip.first.wait_for(timeout=60_000)
    assert chip.first.get_attribute("aria-invalid") != "true", f"{name} was refused"
    page.wait_for_timeout(800)  # type: ignore[attr-defined]


def test_upload_samples_and_read_the_results(app: dict[str, object], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import sync_playwright

    from rom.analyze import analyze_video
    from rom.calibrate import calibration_for_video
    from rom.dashboard.labels import format_value
    from rom.measure import measure

    test = os.environ.get("ROM_BROWSER_TEST", "ankle-dorsiflexion")
    pre_path, post_path, pre_meta, post_meta = _sample_pair(test)
    shots = _artifacts()
    bogus = tmp_path / "holiday-notes.mp4"
    bogus.write_text("this is not a video")

    with sync_playwright() as p:
        browser = _chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 3400}, accept_downloads=True)
        page.goto(str(app["url"]))
        page.get_by_text("Who is being measured?").wait_for(timeout=60_000)
        page.screenshot(path=str(shots / "01-first-visit.png"))

        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_label("Name or pseudonym").fill("Ana Runner")
        sidebar.get_by_role("button", name="Add person").click()
        page.get_by_text("Added Ana Runner.").wait_for()

        # Choose the test: Streamlit's selectbox is a combobox with a listbox of options.
        from rom.dashboard.labels import test_label

        page.get_by_role("combobox", name="Test").click()
        page.get_by_role("option", name=test_label(test)).click()
        if pre_meta.get("side") in ("left", "right"):
            page.get_by_role("radiogroup", name="Side").get_by_text(
                pre_meta["side"].capitalize(), exact=True).click()

        # A bad upload gets a friendly message and the page stays usable.
        uploads = page.locator('input[type="file"]')
        uploads.nth(0).set_input_files(str(bogus))
        page.get_by_text("“holiday-notes.mp4” cannot be used").wait_for(timeout=30_000)
        page.screenshot(path=str(shots / "02-bad-upload.png"))

        # Remove it with the chip's delete button: the message goes, the page carries on.
        page.get_by_role("button", name=f"Remove {bogus.name}").click()
        page.get_by_text("cannot be used").wait_for(state="detached", timeout=30_000)
        uploads.nth(0).set_input_files(str(pre_path))
        _wait_uploaded(page, pre_path.name)
        uploads.nth(1).set_input_files(str(post_path))
        _wait_uploaded(page, post_path.name)
        assert page.get_by_text("cannot be used").count() == 0

        page.get_by_role("button", name="Analyse pre and post").click()
        page.get_by_text("Pre vs post in this session").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        page.wait_for_timeout(2500)  # let videos, charts and images load
        page.screenshot(path=str(shots / "03-results.png"))

        # The shown numbers are the pipeline's numbers for these clips.
        # Same cache as the app: the pose tracks are read back, not recomputed.
        monkeypatch.setenv("ROM_CACHE_DIR", str(app["cache"]))
        side = pre_meta.get("side", "auto")
        expected = []
        for path in (pre_path, post_path):
            track = analyze_video(path)
            calibration = calibration_for_video(path, track.frame_size)
            expected.append(measure(track, test, side, calibration=calibration).measurement)
        metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        shown = metrics[:2]  # the pre and post results; the session headline follows
        for text, m, meta in zip(shown, expected, (pre_meta, post_meta), strict=True):
            assert text.startswith(format_value(m.value, m.unit)), (text, m)
            assert ("unreliable" in text) == (not m.reliable)
            if m.reliable and m.value is not None and meta.get("unit") == m.unit:
                # A sanity bound, not the accuracy benchmark: the right clip's number.
                assert abs(m.value - float(meta["true_value"])) < 10.0, (m.value, meta)

        # The annotated videos play in Chromium (H.264 in MP4).
        states = page.evaluate(
            "Array.from(document.querySelectorAll('video')).map(v => "
            "({ready: v.readyState, error: v.error && v.error.code, duration: v.duration}))"
        )
        assert len(states) == 2, states
        assert all(s["error"] is None and s["ready"] >= 1 for s in states), states
        assert page.locator('[data-testid="stImage"] img').count() >= 2  # key frames

        # The headline repeats them as before / after.
        assert metrics[2:4] == [format_value(m.value, m.unit) for m in expected], metrics
        table = page.locator('[data-testid="stTable"]').first.inner_text()
        for m in expected:
            assert format_value(m.value, m.unit) in table, (table, m)
        if expected[0].value is not None and expected[1].value is not None:
            change = format_value(expected[1].value - expected[0].value, expected[0].unit,
                                  signed=True)
            assert change in table, (table, change)

        page.get_by_role("tab", name="History").click()
        page.get_by_text("Trends for Ana Runner").wait_for()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shots / "04-history.png"))

        page.get_by_role("tab", name="Export").click()
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download the PDF report").click()
        pdf_path = shots / "session-report.pdf"
        download_info.value.save_as(str(pdf_path))
        page.screenshot(path=str(shots / "05-export.png"))
        browser.close()

    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(pdf_path))
    assert len(reader.pages) == 1
    assert "Ana Runner" in reader.pages[0].extract_text()


def test_webcam_draws_the_skeleton_live_and_records_a_clip(
    app: dict[str, object], tmp_path: Path
) -> None:
    """Chromium's fake camera plays a sample clip; the live view shows the overlay."""
    from playwright.sync_api import sync_playwright

    from rom.render import SEGMENT_RGB

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
        page.get_by_text("Record with the webcam").click()
        camera = page.frame_locator('iframe[title*="webrtc"]')
        camera.get_by_role("button", name="START").click(timeout=60_000)
        page.wait_for_timeout(6000)
        live = camera.locator("video").first
        live.screenshot(path=str(shots / "06-webcam-live.png"))
        page.screenshot(path=str(shots / "06-webcam-page.png"))
        camera.get_by_role("button", name="STOP").click()
        page.get_by_text("Pre clip recorded").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        states = page.evaluate(
            "Array.from(document.querySelectorAll('video')).map(v => "
            "({ready: v.readyState, error: v.error && v.error.code}))"
        )
        browser.close()

    import cv2
    import numpy as np

    frame = cv2.cvtColor(cv2.imread(str(shots / "06-webcam-live.png")), cv2.COLOR_BGR2RGB)
    close = np.all(np.abs(frame.astype(int) - np.array(SEGMENT_RGB)) <= 30, axis=-1)
    assert close.sum() > 200, "the measured segment is not drawn on the live view"
    assert states and all(s["error"] is None and s["ready"] >= 1 for s in states), states
