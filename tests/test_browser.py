"""The real dashboard in headless Chromium: the first visit's demo, uploads, the results.

Starts ``streamlit run app.py`` on a free local port with a temporary database and cache,
drives it with Playwright (Debian's ``/usr/bin/chromium``; never ``playwright install``)
and saves screenshots into ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard_server import running_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ANALYSIS_TIMEOUT_MS = 180_000
ANA_HEIGHT_CM = 172


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """The running app: ``{"url": ..., "cache": Path of its ROM_CACHE_DIR}``."""
    require_browser()
    work = tmp_path_factory.mktemp("app")
    try:
        with running_dashboard("app.py", work,
                               args=("--browser.gatherUsageStats", "false")) as url:
            yield {"url": url, "cache": work / "cache"}
    finally:
        shutil.copy(work / "streamlit.log", _artifacts() / "streamlit.log")


def require_browser() -> None:
    """Skip, visibly, where Debian's chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    pytest.importorskip("playwright")


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


def _settle(page: object) -> None:
    """Wait until the app has finished the rerun a click started."""
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)  # type: ignore[attr-defined]


def _wait_uploaded(page: object, name: str) -> None:
    """Wait until the uploader shows the file's chip (the upload reached the server)."""
    chip = page.locator(f'[data-testid="stFileChip"][aria-label^="{name},"]')  # type: ignore[attr-defined]
    chip.first.wait_for(timeout=60_000)
    assert chip.first.get_attribute("aria-invalid") != "true", f"{name} was refused"
    page.wait_for_timeout(800)  # type: ignore[attr-defined]


def _expected(test: str, paths: tuple[Path, Path], side: str, cache: Path,
              monkeypatch: pytest.MonkeyPatch, height_cm: float | None = None) -> list[object]:
    """The pipeline's measurements of the clips, from the app's own track cache."""
    from rom.pipeline import AnalysisOptions, analyse_trial

    monkeypatch.setenv("ROM_CACHE_DIR", str(cache))  # read back, not recomputed
    options = AnalysisOptions(side=side, height_cm=height_cm)
    return [analyse_trial(path, test, options).measurement for path in paths]


def _check_results(page: object, test: str, expected: list[object],
                   metas: tuple[dict, dict] | None) -> None:
    """Results, headline and table on the page show the pipeline's values for the clips.

    ``metas``: the sample clips' truth, when they were analysed as samples (not uploaded).
    """
    from rom.labels import format_value, test_label, trusted_value

    page.get_by_text(f"3 · Results: {test_label(test)}").wait_for()  # type: ignore[attr-defined]
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()  # type: ignore[attr-defined]
    shown = metrics[:2]  # the pre and post results; the session headline follows
    for text, m in zip(shown, expected, strict=True):
        # Shown with its uncertainty (issue 11: "± u" beside each value).
        assert text == trusted_value(m.value, m.unit, m.reliable,  # type: ignore[attr-defined]
                                     uncertainty=m.uncertainty), (text, m)  # type: ignore[attr-defined]
    for meta in metas or ():
        # The sample's known truth is printed beside rom's number.
        truth = format_value(float(meta["true_value"]), str(meta["unit"]))
        assert page.get_by_text(f"body was posed at {truth}").count() == 1, truth  # type: ignore[attr-defined]
    assert metrics[2:4] == [trusted_value(m.value, m.unit, m.reliable,  # type: ignore[attr-defined]
                                          uncertainty=m.uncertainty)  # type: ignore[attr-defined]
                            for m in expected], metrics
    table = page.locator('[data-testid="stTable"]', has_text="Real change?").inner_text()  # type: ignore[attr-defined]
    assert test_label(test) in table
    pre, post = expected
    if pre.value is not None and post.value is not None:  # type: ignore[attr-defined]
        change = format_value(post.value - pre.value, pre.unit, signed=True)  # type: ignore[attr-defined]
        assert change in table, (table, change)
    # The annotated videos play in Chromium (H.264 in MP4), and the key frames are there.
    states = page.evaluate(  # type: ignore[attr-defined]
        "Array.from(document.querySelectorAll('video')).map(v => "
        "({ready: v.readyState, error: v.error && v.error.code}))"
    )
    assert len(states) == 2, states
    assert all(s["error"] is None and s["ready"] >= 1 for s in states), states
    assert page.locator('[data-testid="stImage"] img').count() >= 2  # type: ignore[attr-defined]


def test_first_visit_demo_then_a_real_person(app: dict[str, object], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """From an empty database: the welcome, the one-click demo, then a real person's upload."""
    from playwright.sync_api import sync_playwright

    from rom.dashboard import welcome
    from rom.labels import test_label

    demo_test = welcome.demo_test()
    if demo_test is None:
        pytest.skip("no sample videos bundled yet")
    test = os.environ.get("ROM_BROWSER_TEST", "knee-flexion")
    demo_pre, demo_post, demo_pre_meta, demo_post_meta = _sample_pair(demo_test)
    pre_path, post_path, pre_meta, _ = _sample_pair(test)
    shots = _artifacts()
    bogus = tmp_path / "holiday-notes.mp4"
    bogus.write_text("this is not a video")

    with sync_playwright() as p:
        browser = _chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.goto(str(app["url"]))
        demo_button = page.get_by_role("button", name="Try it with the sample videos")
        demo_button.wait_for(timeout=60_000)
        page.get_by_text("stay on this computer").first.wait_for()
        page.wait_for_timeout(500)
        page.screenshot(path=str(shots / "01-first-visit.png"))

        # One click: the demo person, the sample clips, the analysis, the comparison.
        demo_button.click()
        page.get_by_text("Before and after in this session").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        page.wait_for_timeout(2500)  # let videos, charts and images load
        page.screenshot(path=str(shots / "02-demo-landing.png"))  # where the runner lands
        page.set_viewport_size({"width": 1400, "height": 3600})  # the whole page at once
        page.wait_for_timeout(1000)
        page.screenshot(path=str(shots / "03-demo-results.png"))
        expected = _expected(demo_test, (demo_pre, demo_post), demo_pre_meta["side"],
                             Path(str(app["cache"])), monkeypatch)
        _check_results(page, demo_test, expected, (demo_pre_meta, demo_post_meta))
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert page.get_by_text(f"“{welcome.DEMO_PERSON_NAME}” is a synthetic body").count() == 1

        page.get_by_role("tab", name="History").click()
        page.get_by_text(f"Trends for {welcome.DEMO_PERSON_NAME}").wait_for()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shots / "04-demo-history.png"))
        page.get_by_role("tab", name="Before / after session").click()

        # A real person is one click away.
        sidebar.get_by_role("button", name="Add another person").click()
        sidebar.get_by_label("Name or pseudonym").fill("Ana Runner")
        sidebar.get_by_label("Height in cm (optional)", exact=True).fill(str(ANA_HEIGHT_CM))
        sidebar.get_by_role("button", name="Add person").click()
        page.get_by_text("Added Ana Runner.").wait_for()

        page.get_by_role("combobox", name="Test").click()
        page.get_by_role("option", name=test_label(test)).click()
        # The demo's sample source and technique are not carried over to a real person.
        assert page.get_by_role("radio", name="Upload my videos").is_checked()
        if pre_meta.get("side") in ("left", "right"):
            page.get_by_role("radiogroup", name="Side").get_by_text(
                pre_meta["side"].capitalize(), exact=True).click()
        _settle(page)  # an upload sent during a rerun would be lost with the old widget

        # A bad upload gets a friendly message and the page stays usable.
        uploads = page.locator('input[type="file"]')
        uploads.nth(0).set_input_files(str(bogus))
        page.get_by_text("“holiday-notes.mp4” cannot be used").wait_for(timeout=30_000)
        page.screenshot(path=str(shots / "05-bad-upload.png"))

        # Remove it with the chip's delete button: the message goes, the page carries on.
        page.get_by_role("button", name=f"Remove {bogus.name}").click()
        page.get_by_text("cannot be used").wait_for(state="detached", timeout=30_000)
        uploads.nth(0).set_input_files(str(pre_path))
        _wait_uploaded(page, pre_path.name)
        uploads.nth(1).set_input_files(str(post_path))
        _wait_uploaded(page, post_path.name)
        assert page.get_by_text("cannot be used").count() == 0

        page.get_by_role("button", name="Analyse before and after").click()
        page.get_by_text("Before and after in this session").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        page.wait_for_timeout(2500)
        page.screenshot(path=str(shots / f"06-results-{test}.png"))
        expected = _expected(test, (pre_path, post_path), pre_meta.get("side", "auto"),
                             Path(str(app["cache"])), monkeypatch, height_cm=ANA_HEIGHT_CM)
        _check_results(page, test, expected, None)
        from rom.labels import TECHNIQUES

        assert page.get_by_text(f"Ana Runner · {TECHNIQUES[0]} · saved").count() == 1

        page.get_by_role("tab", name="Export").click()
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download the PDF report").click()
        pdf_path = shots / "session-report.pdf"
        download_info.value.save_as(str(pdf_path))
        page.screenshot(path=str(shots / "07-export.png"))

        # The demo person is deleted like anyone else.
        page.get_by_role("combobox", name="Who is being measured?").click()
        page.get_by_role("option", name=welcome.DEMO_PERSON_NAME).click()
        sidebar.get_by_text("Delete this person").click()
        confirm = sidebar.get_by_label("to confirm")
        confirm.fill(welcome.DEMO_PERSON_NAME)
        confirm.press("Enter")
        sidebar.get_by_role("button", name="Delete permanently").click()
        page.get_by_text("The person and their data were deleted.").wait_for()
        page.wait_for_timeout(500)
        # The confirmation is closed: Ana's delete starts from a closed, empty box.
        assert not sidebar.get_by_role("button", name="Delete permanently").is_visible()
        page.get_by_role("combobox", name="Who is being measured?").click()
        names = page.get_by_role("option").all_inner_texts()
        assert welcome.DEMO_PERSON_NAME not in " ".join(names) and "Ana Runner" in names, names
        page.keyboard.press("Escape")
        browser.close()

    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(pdf_path))
    assert len(reader.pages) == 1
    assert "Ana Runner" in reader.pages[0].extract_text()


def _segment_pixels(png: Path) -> int:
    """Pixels of a screenshot within 30 levels of the measured segment's colour."""
    import cv2
    import numpy as np

    from rom.render import SEGMENT_RGB

    frame = cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB)
    return int(np.all(np.abs(frame.astype(int) - np.array(SEGMENT_RGB)) <= 30, axis=-1).sum())


def test_webcam_draws_the_skeleton_live_and_records_a_clip(
    app: dict[str, object], tmp_path: Path
) -> None:
    """Chromium's fake camera plays a sample clip; the live view shows the overlay."""
    from playwright.sync_api import sync_playwright

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
        # A fresh database shows the welcome, else the form: wait for one of them (the
        # sidebar comes first, when neither may be drawn yet).
        welcome = page.get_by_role("button", name="Try it with the sample videos")
        welcome.or_(page.get_by_text("Record with the webcam")).first.wait_for(timeout=60_000)
        if welcome.count():
            # The welcome: add somebody to get to the form.
            sidebar = page.locator('[data-testid="stSidebar"]')
            sidebar.get_by_label("Name or pseudonym").fill("Cam Era")
            sidebar.get_by_role("button", name="Add person").click()
            page.get_by_text("Added Cam Era.").wait_for()
        page.get_by_text("Record with the webcam").click()
        camera = page.frame_locator('iframe[title*="webrtc"]')
        camera.get_by_role("button", name="START").click(timeout=60_000)
        # The live overlay comes once the stream and the pose model run: look until it is
        # drawn (on a loaded machine that takes a while), at most a minute.
        live = camera.locator("video").first
        drawn = 0
        for _ in range(20):
            page.wait_for_timeout(3000)
            live.screenshot(path=str(shots / "08-webcam-live.png"))
            drawn = _segment_pixels(shots / "08-webcam-live.png")
            if drawn > 200:
                break
        page.screenshot(path=str(shots / "08-webcam-page.png"))
        camera.get_by_role("button", name="STOP").click()
        page.get_by_text("Before clip recorded").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        states = page.evaluate(
            "Array.from(document.querySelectorAll('video')).map(v => "
            "({ready: v.readyState, error: v.error && v.error.code}))"
        )
        browser.close()

    assert drawn > 200, "the measured segment is not drawn on the live view"
    assert states and all(s["error"] is None and s["ready"] >= 1 for s in states), states
