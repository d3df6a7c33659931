"""The page's side of background analyses (rom.dashboard.results) through AppTest."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rom.dashboard import jobs, results
from rom.dashboard.record import AnalysisRequest
from rom.pipeline import AnalysisOptions
from rom.store import Store

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)


def test_an_unknown_job_in_the_url_is_dropped() -> None:
    Store().add_person("Ana Runner")
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params[results.JOB_PARAM] = jobs.new_job_id()
    at.run()
    assert not at.exception and not at.error
    assert results.JOB_PARAM not in at.query_params


def test_a_reloaded_page_adopts_the_running_job_and_its_person() -> None:
    store = Store()
    store.add_person("Ana Runner")
    bea = store.add_person("Bea Lifter")
    request = AnalysisRequest(person_id=bea.id, test="knee-flexion", side="auto",
                              technique="Foam rolling", videos=(), options=AnalysisOptions())
    release = threading.Event()

    def work(report: jobs.Reporter[AnalysisRequest, object]) -> None:
        report.progress(0, "Pre · before", "tracking", 3, 10)
        release.wait(10)
        report.error("Pre · before: no person was found in “a.mp4”.")

    job_id = results.JOBS.submit(request, 1, work)  # type: ignore[arg-type]
    # A fresh browser session (a reload) with only the URL: the page waits, the job
    # finishes, the page takes it and shows what happened, for Bea.
    threading.Timer(1.0, release.set).start()
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params[results.JOB_PARAM] = job_id
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["Pre · before: no person was found in “a.mp4”."]
    assert at.sidebar.selectbox(key="person_select").value == bea.id
    assert results.JOB_PARAM not in at.query_params
    job = results.JOBS.get(job_id)
    assert job is not None and job.claimed  # taken once: another tab gets nothing
    assert results.JOBS.claim(job_id) is None
