"""The session PDF takes key frames from the stored renders and carries the clinic header.

Rendered to PNG (pypdfium2) to check that the key frame is really drawn on the page, not
only named in its text.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from rom import cache, cli, report
from rom.measurement import CalibrationUsed, Measurement
from rom.store import NewTrial, Store

pdfium = pytest.importorskip("pypdfium2")
pypdf = pytest.importorskip("pypdf")

NAME = "Maren Quist"
PRE_SHA = "ab" * 32
POST_SHA = "ef" * 32
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
#: A colour no other part of the report uses: where it shows, the key frame is drawn.
MARK_RGB = (255, 0, 255)


def _m(side: str, value: float, sha: str, peak_frame: int = 40,
       knee_to_wall_cm: float | None = None) -> Measurement:
    secondary = {} if knee_to_wall_cm is None else {"knee_beyond_toe_cm": knee_to_wall_cm}
    return Measurement(
        test="ankle-dorsiflexion", side=side, value=value, unit="deg", quality=0.9,
        reliable=True, reasons=(), peak_time_s=1.3, peak_frame=peak_frame, secondary=secondary,
        provenance={"video_sha256": sha, "model": "pose_landmarker_full"},
        calibration=CalibrationUsed(roll_deg=0.0, roll_source="floor",
                                    roll_uncertainty_deg=1.0, cm_per_px=0.2,
                                    scale_source="height"),
    )


def _png(rgb: tuple[int, int, int], size: tuple[int, int] = (240, 320)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def _store_key_frame(sha: str, key: str, m: Measurement, png: bytes) -> None:
    """Put a key frame into the render cache as rom.pipeline.render_trial files it."""
    _video, png_path = cache.render_paths(sha, key)
    cache.private_parent(png_path)
    png_path.write_bytes(png)
    cache.note_key_frame(png_path, m.test, m.side, m.peak_frame, m.value)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)
    return tmp_path


def test_stored_key_frame_matches_only_its_own_measurement(env: Path) -> None:
    m = _m("left", 31.5, PRE_SHA)
    _store_key_frame(PRE_SHA, "k1", m, _png(MARK_RGB))
    assert cache.stored_key_frame(PRE_SHA, m.test, "left", 40, 31.5) == _png(MARK_RGB)
    # Another value, side, peak or video of the same test is not this frame.
    assert cache.stored_key_frame(PRE_SHA, m.test, "left", 40, 33.0) is None
    assert cache.stored_key_frame(PRE_SHA, m.test, "right", 40, 31.5) is None
    assert cache.stored_key_frame(PRE_SHA, m.test, "left", 41, 31.5) is None
    assert cache.stored_key_frame(POST_SHA, m.test, "left", 40, 31.5) is None
    assert cache.stored_key_frame("not-a-digest", m.test, "left", 40, 31.5) is None


def test_forgetting_a_video_removes_its_key_frame_notes(env: Path) -> None:
    m = _m("left", 31.5, PRE_SHA)
    _store_key_frame(PRE_SHA, "k1", m, _png(MARK_RGB))
    assert cache.forget_video(PRE_SHA) == 2  # the PNG and its note
    assert cache.stored_key_frame(PRE_SHA, m.test, "left", 40, 31.5) is None


@pytest.fixture
def stored(env: Path) -> dict[str, Any]:
    """A session: left ankle before (key frame stored) and after (no key frame stored)."""
    pre = _m("left", 31.5, PRE_SHA, knee_to_wall_cm=8.0)
    post = _m("left", 38.0, POST_SHA, knee_to_wall_cm=10.5)
    with Store() as store:
        person = store.add_person(NAME, height_cm=168.0)
        store.add_session(person.id, date=dt.date(2026, 9, 1), technique="Older", trials=[
            NewTrial("pre", "ankle-dorsiflexion", "left", video_sha256=POST_SHA,
                     measurements=(_m("left", 20.0, POST_SHA),))])
        # A later session is not in the trend of this report.
        store.add_session(person.id, date=dt.date(2026, 12, 24), technique="Later", trials=[
            NewTrial("pre", "ankle-dorsiflexion", "left", video_sha256=POST_SHA,
                     measurements=(_m("left", 50.0, POST_SHA, peak_frame=7),))])
        session = store.add_session(
            person.id, date=dt.date(2026, 11, 30), technique="Sock Pull", trials=[
                NewTrial("pre", "ankle-dorsiflexion", "left", video_sha256=PRE_SHA,
                         measurements=(pre,)),
                NewTrial("post", "ankle-dorsiflexion", "left", video_sha256=POST_SHA,
                         measurements=(post,)),
            ])
        store.set_setting(report.CLINIC_SETTING, "Harbour Physio")
        store.set_setting(report.CLINICIAN_SETTING, "Dr. Ines Falk")
    _store_key_frame(PRE_SHA, "k1", pre, _png(MARK_RGB))
    return {"person": person, "session": session}


def _page_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def _magenta_pixels(pdf: bytes, save_as: str | None = None) -> int:
    """Pixels of :data:`MARK_RGB` on the page rendered at 1.5x (saved as an artefact)."""
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=1.5).to_pil().convert("RGB")
    if save_as is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        image.save(ARTIFACTS / save_as)
    pixels = np.asarray(image).astype(int)
    close = np.abs(pixels - np.array(MARK_RGB)).sum(axis=2) < 30
    return int(close.sum())


def test_rom_report_prints_header_key_frame_and_method(
    stored: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "report.pdf"
    latest = stored["session"].id
    assert cli.main(["report", NAME, "--session", str(latest), "--out", str(out)]) == 0
    pdf = out.read_bytes()
    text = _page_text(pdf)
    for expected in ("Clinic: Harbour Physio", "Clinician: Dr. Ines Falk", NAME,
                     "30 November 2026", "Sock Pull", "31.5°", "38.0°", "+6.5°",
                     "Yes – real change",  # 6.5° beyond the WBLT's MDC of 4.7°
                     "Key frames at the peak", "Before · Ankle dorsiflexion · left: 31.5°",
                     "After · Ankle dorsiflexion · left: 38.0°: key frame not available",
                     # 10.5 cm lies in 12 ± 2.8 cm (the last value is the one judged)
                     "Typical ranges", "Ankle dorsiflexion, left, knee-to-wall: before 8.0 cm, "
                     "after 10.5 cm — within the typical range (healthy adults, 12 ± 2.8 cm",
                     "Method", "pose_landmarker_full", "camera tilt from the floor line",
                     "distances from the person's stated height", "Powden",
                     "Over the previous sessions", "Ankle dorsiflexion · left (°)",
                     "01 Sep", "30 Nov"):
        assert expected in text, expected
    # The stored key frame (a 240x320 magenta PNG) is drawn on the page: at 1.5x render
    # scale and up to 62 mm high it covers thousands of pixels, the rest of the page none.
    assert _magenta_pixels(pdf, "report13-session-pdf.png") > 5000
    assert "24 Dec" not in text  # the later session
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images) == 1


def test_the_dashboard_export_makes_the_same_pdf(stored: dict[str, Any], tmp_path: Path) -> None:
    from rom.dashboard import export

    out = tmp_path / "cli.pdf"
    assert cli.main(["report", NAME, "--session", str(stored["session"].id),
                     "--out", str(out)]) == 0
    with Store() as store:
        content = export.session_report(store, stored["person"], stored["session"])
    assert [caption for caption, _png_bytes in content.key_frames] == [
        "Before · Ankle dorsiflexion · left: 31.5°"]
    assert content.clinic == "Harbour Physio"
    (trend,) = content.trends
    assert trend.dates == (dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    assert trend.before == (20.0, 31.5) and trend.after == (None, 38.0)
    assert _page_text(report.session_pdf(content)) == _page_text(out.read_bytes())


def test_no_stored_frame_and_no_header_says_so(env: Path) -> None:
    with Store() as store:
        person = store.add_person("Bo Lind")
        session = store.add_session(person.id, date=dt.date(2026, 11, 2), trials=[
            NewTrial("pre", "ankle-dorsiflexion", "right", video_sha256=POST_SHA,
                     measurements=(_m("right", 30.0, POST_SHA),))])
        content = report.build_session_report(person, session, store.trials(session.id))
    pdf = report.session_pdf(content)
    text = _page_text(pdf)
    assert "Before · Ankle dorsiflexion · right: 30.0°: key frame not available" in text
    assert "Clinic:" not in text and "Clinician:" not in text
    # No knee-to-wall distance: no range to judge against, so no range line for it.
    assert "knee-to-wall:" not in text
    assert _magenta_pixels(pdf) == 0


# -- the dashboard: header form, newest session by default, the PDF under the verdicts -------

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _export_app() -> Any:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120).run()
    at.sidebar.text_input(key="new_person_name").input(NAME)
    at.sidebar.button[0].click().run()
    return at


def test_export_tab_defaults_to_the_newest_session(env: Path) -> None:
    from rom.dashboard import export

    at = _export_app()
    with Store() as store:
        person = store.find_person(NAME)
        first = store.add_session(person.id, date=dt.date(2026, 10, 1), technique="A")
    at.run()
    assert at.selectbox(key=export.EXPORT_SESSION).value == first.id
    with Store() as store:
        second = store.add_session(person.id, date=dt.date(2026, 11, 1), technique="B")
    at.run()
    # The choice made before the newer session was saved does not stick.
    assert at.selectbox(key=export.EXPORT_SESSION).value == second.id
    # A session chosen by hand stays chosen while no newer one appears.
    at.selectbox(key=export.EXPORT_SESSION).set_value(first.id).run()
    at.run()
    assert at.selectbox(key=export.EXPORT_SESSION).value == first.id
    assert not at.exception


def test_clinic_header_is_saved_once_in_the_store(env: Path) -> None:
    at = _export_app()
    (clinic,) = [t for t in at.text_input if t.label == "Clinic"]
    (clinician,) = [t for t in at.text_input if t.label == "Clinician"]
    clinic.input("Harbour Physio")
    clinician.input("Dr. Ines Falk")
    (save,) = [b for b in at.button if b.label == "Save the header"]
    save.click().run()
    assert not at.exception
    assert "The report header is saved." in [str(s.value) for s in at.success]
    with Store() as store:
        assert store.setting(report.CLINIC_SETTING) == "Harbour Physio"
        assert store.setting(report.CLINICIAN_SETTING) == "Dr. Ines Falk"
    (clinic,) = [t for t in at.text_input if t.label == "Clinic"]
    assert clinic.value == "Harbour Physio"  # shown again on the next visit


def _saved_download_page() -> None:
    import streamlit as st

    from rom.dashboard import export, state

    st.session_state[state.SESSION_ID] = int(st.query_params["session"])
    export.saved_session_download(state.get_store())


def test_the_saved_session_report_is_one_click_away(stored: dict[str, Any]) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_saved_download_page, default_timeout=60)
    at.query_params["session"] = str(stored["session"].id)
    at.run()
    assert not at.exception
    (button,) = at.get("download_button")
    assert button.proto.label == "Download the report"
    assert button.proto.type == "primary"


def test_after_analysing_the_report_of_the_saved_session_is_under_the_verdicts(
    env: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The analysis (faked, as in tests/test_app.py) saves a session; its PDF is one click."""
    from rom import pipeline
    from rom.calibration import Calibration
    from tests.test_app import _blank_video_bytes, _fake_analysis

    calibration = Calibration(roll_deg=0.0, roll_source="none")
    verdicts: dict[str, tuple[str, ...]] = {"left": (), "right": ()}
    monkeypatch.setattr(
        pipeline, "analyse_trial",
        lambda video, test, options, progress=None: _fake_analysis(
            video, test, options, verdicts, calibration))
    monkeypatch.setattr(pipeline, "render_trial",
                        lambda analysis, progress=None: pipeline.RenderedTrial(error="no video"))
    at = _export_app()
    at.selectbox(key="test").set_value("knee-flexion").run()
    for phase in ("pre", "post"):
        at.file_uploader(key=f"upload_{phase}").set_value(
            (f"{phase}.mp4", _blank_video_bytes(), "video/mp4")).run()
    at.radio(key="side").set_value("left").run()
    at.button(key="analyse").click().run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    # Under the verdict cards, besides the export tab's own "Download the PDF report".
    assert "Download the report" in labels and "Download the PDF report" in labels
    with Store() as store:
        (session,) = store.sessions(store.find_person(NAME).id)
        assert session.trial_count == 2
