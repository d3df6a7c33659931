"""Per-client state on the page: switching person starts afresh; deleting asks for the name."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rom import labels, pipeline
from rom.dashboard import jobs, record, results, state
from rom.protocols import TESTS
from rom.store import Store
from tests.test_app import _add_person, _app, _fake_analysis
from tests.test_app import _isolated as _isolated  # its own data and cache, every test
from tests.test_app_sessions import RECORDED, _clip


def _person_id(name: str) -> int:
    with Store() as store:
        (found,) = [p.id for p in store.list_people() if p.name == name]
    return int(found)


def _uploaders(at: AppTest) -> dict[str, object]:
    return {u.key: u.value for u in at.file_uploader if u.key.startswith("upload_")}


def test_another_person_gets_a_fresh_form_and_none_of_the_results(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def analyse(video: Path, test: str, options: pipeline.AnalysisOptions,
                progress: object = None) -> pipeline.TrialAnalysis:
        return _fake_analysis(video, test, options, {"left": (), "right": ()}, None)

    monkeypatch.setattr(pipeline, "analyse_trial", analyse)
    monkeypatch.setattr(pipeline, "render_trial",
                        lambda analysis, progress=None: pipeline.RenderedTrial(error="no video"))
    at = _add_person(_app(), name="Ana Runner")
    clip = _clip(tmp_path / "clip.mp4", RECORDED).read_bytes()
    other_test = next(t for t in TESTS if t != TESTS[0])
    at.selectbox(key="test").set_value(other_test).run()
    for phase in ("pre", "post"):
        at.file_uploader(key=f"upload_{phase}").set_value(
            (f"ana {phase}.mp4", clip, "video/mp4")).run()
    at.selectbox(key="technique").set_value(labels.TECHNIQUES[1]).run()
    at.text_area(key=state.SESSION_NOTES).input("Ana's sore calf").run()
    at.radio(key="side").set_value("left").run()
    at.button(key="analyse").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.session_state[state.ANALYSES]) == 2  # Ana's pre and post

    at.sidebar.button(key="add_another_person").click().run()
    _add_person(at, name="Ben Two")
    assert not at.exception
    # Nothing of Ana's: no uploads, no results, the form's first choices, no notes.
    assert _uploaders(at) == {"upload_pre_2": [], "upload_post_2": []}  # 1-3 clips each
    assert at.session_state[state.ANALYSES] == {}
    assert state.LAST_PAIR not in at.session_state and state.SESSION_ID not in at.session_state
    assert at.selectbox(key="test").value == TESTS[0]
    assert at.radio(key="side").value == "auto"
    assert at.selectbox(key="technique").value == labels.TECHNIQUES[0]
    assert at.text_area(key=state.SESSION_NOTES).value == ""
    assert at.date_input(key=state.SESSION_DATE).value == dt.date.today()  # no video yet
    assert not [t for t in at.table if "Beyond MDC?" in t.value.columns]
    # Analysing now has nothing to analyse: Ana's clips cannot become Ben's trial.
    at.button(key="analyse").click().run()
    assert any("Add a video first" in w.value for w in at.warning)
    store = Store()
    ana, ben = _person_id("Ana Runner"), _person_id("Ben Two")
    assert len(store.sessions(ana)) == 1 and store.sessions(ben) == []

    # Back to Ana: a fresh form again (her session is in the history, not in the form).
    at.sidebar.selectbox(key="person_select").select(ana).run()
    assert not at.exception
    assert _uploaders(at) == {"upload_pre_3": [], "upload_post_3": []}
    assert at.session_state[state.ANALYSES] == {}
    store.close()


def test_switching_person_cancels_the_analysis_running_for_the_previous_one() -> None:
    at = _add_person(_app(), name="Ana Runner")
    at.sidebar.button(key="add_another_person").click().run()
    _add_person(at, name="Ben Two")
    ana, ben = _person_id("Ana Runner"), _person_id("Ben Two")
    at.sidebar.selectbox(key="person_select").select(ana).run()
    release = threading.Event()

    def work(report: jobs.Reporter[record.AnalysisRequest, object]) -> None:
        while not release.wait(0.01):
            report.progress(0, "Pre · before", "tracking", 0, 0)

    request = record.AnalysisRequest(person_id=ana, test=TESTS[0], side="auto",
                                     technique=labels.TECHNIQUES[0], videos=(),
                                     options=pipeline.AnalysisOptions())
    job_id = results.JOBS.submit(request, 1, work)  # type: ignore[arg-type]
    try:
        at.session_state[results.JOB] = job_id  # as if Analyse was pressed for Ana
        at.sidebar.selectbox(key="person_select").select(ben).run()
        assert not at.exception
        assert results.JOBS.is_cancelled(job_id)
        assert results.JOB not in at.session_state
        assert at.sidebar.selectbox(key="person_select").value == ben
    finally:
        release.set()


def test_an_analysis_of_the_person_shown_keeps_running() -> None:
    at = _add_person(_app(), name="Ana Runner")
    ana = _person_id("Ana Runner")
    release = threading.Event()

    def work(report: jobs.Reporter[record.AnalysisRequest, object]) -> None:
        release.wait(5)

    request = record.AnalysisRequest(person_id=ana, test=TESTS[0], side="auto",
                                     technique=labels.TECHNIQUES[0], videos=(),
                                     options=pipeline.AnalysisOptions())
    job_id = results.JOBS.submit(request, 1, work)  # type: ignore[arg-type]
    try:
        at.session_state[results.JOB] = job_id
        release.set()  # finishes with no results: the page takes it and carries on
        at.run()
        assert not at.exception
        assert not results.JOBS.is_cancelled(job_id)
        job = results.JOBS.get(job_id)
        assert job is not None and job.claimed  # taken by this person's page
    finally:
        release.set()


def test_deleting_asks_for_the_name_and_then_selects_a_real_person() -> None:
    at = _add_person(_app(), name="Ana Runner")
    at.sidebar.button(key="add_another_person").click().run()
    _add_person(at, name="Ben Two")
    ana, ben = _person_id("Ana Runner"), _person_id("Ben Two")
    at.sidebar.selectbox(key="person_select").select(ana).run()
    assert at.sidebar.button(key="delete_person").disabled  # nothing typed
    at.session_state[state.DELETE_OPEN] = True  # the user opened the delete box
    at.sidebar.text_input(key=state.DELETE_CONFIRM).input("Ben Two").run()
    assert at.sidebar.button(key="delete_person").disabled  # another person's name
    at.sidebar.text_input(key=state.DELETE_CONFIRM).input("Ana Runne").run()
    assert at.sidebar.button(key="delete_person").disabled
    at.sidebar.text_input(key=state.DELETE_CONFIRM).input("  ana   RUNNER ").run()
    assert not at.sidebar.button(key="delete_person").disabled  # case and spaces ignored
    at.sidebar.button(key="delete_person").click().run()
    assert not at.exception
    assert "The person and their data were deleted." in [i.value for i in at.info]
    select = at.sidebar.selectbox(key="person_select")
    assert select.options == ["Ben Two", record.NEW_PERSON] and select.value == ben
    assert at.session_state[state.PERSON_ID] == ben
    # The confirmation is closed and empty: Ben's delete needs his own name.
    assert at.session_state[state.DELETE_OPEN] is False
    assert at.sidebar.text_input(key=state.DELETE_CONFIRM).value == ""
    assert at.sidebar.button(key="delete_person").disabled
    with Store() as store:
        assert [p.name for p in store.list_people()] == ["Ben Two"]


def test_after_a_delete_a_real_person_comes_before_the_demo() -> None:
    from rom.dashboard import welcome

    with Store() as store:
        welcome.demo_person(store)
        ana = store.add_person("Ana Runner").id
        zed = store.add_person("Zed Last").id
    at = _app()
    at.sidebar.selectbox(key="person_select").select(zed).run()
    at.sidebar.text_input(key=state.DELETE_CONFIRM).input("zed last").run()
    at.sidebar.button(key="delete_person").click().run()
    assert not at.exception
    assert at.sidebar.selectbox(key="person_select").value == ana
