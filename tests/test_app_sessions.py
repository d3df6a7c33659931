"""Dated, noted sessions on the page: the date from the video, the details, "New session"."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rom import pipeline
from rom.dashboard import sessions
from rom.store import Store
from tests.test_app import _add_person, _app, _fake_analysis
from tests.test_app import _isolated as _isolated  # its own data and cache, every test

RECORDED = "2026-11-03T12:15:00.000000Z"  # midday UTC: the same calendar day in any zone


def _clip(path: Path, creation_time: str | None) -> Path:
    """A tiny MP4, with the container tag a phone writes when ``creation_time`` is given."""
    tag = ["-metadata", f"creation_time={creation_time}"] if creation_time else []
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=gray:s=128x128:d=0.2:r=25", "-pix_fmt", "yuv420p", *tag, str(path)],
                   check=True)
    return path


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("2026-11-03T08:15:00.000000Z", dt.datetime(2026, 11, 3, 8, 15, tzinfo=dt.UTC)),
        ("2026-11-03T08:15:00+02:00",
         dt.datetime(2026, 11, 3, 6, 15, tzinfo=dt.UTC)),
        ("2026-11-03 08:15:00", dt.datetime(2026, 11, 3, 8, 15, tzinfo=dt.UTC)),
        ("1970-01-01T00:00:00.000000Z", None),  # a camera without a clock
        ("1904-01-01T00:00:00Z", None),  # QuickTime's zero
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_creation_time_tags_are_read(tag: str | None, expected: dt.datetime | None) -> None:
    assert sessions.parse_creation_time(tag) == expected


def test_the_recording_date_comes_from_the_video(tmp_path: Path) -> None:
    tagged = _clip(tmp_path / "tagged.mp4", RECORDED)
    untagged = _clip(tmp_path / "untagged.mp4", None)
    assert sessions.video_recorded_at(tagged) == dt.datetime(2026, 11, 3, 12, 15, tzinfo=dt.UTC)
    assert sessions.video_recorded_at(untagged) is None
    assert sessions.video_recorded_at(tmp_path / "missing.mp4") is None
    assert sessions.recorded_date([untagged, tagged]) == dt.date(2026, 11, 3)
    assert sessions.recorded_date([untagged]) is None


def test_a_video_from_a_wrong_clock_dates_the_session_today(tmp_path: Path) -> None:
    at = _add_person(_app())
    clip = _clip(tmp_path / "future.mp4", "2099-01-01T12:00:00Z").read_bytes()
    at.file_uploader(key="upload_pre").set_value(("pre.mp4", clip, "video/mp4")).run()
    assert not at.exception, at.exception
    assert at.date_input(key="session_date").value == dt.date.today()


def test_a_dated_noted_session_and_a_new_one(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def analyse(video: Path, test: str, options: pipeline.AnalysisOptions,
                progress: object = None) -> pipeline.TrialAnalysis:
        return _fake_analysis(video, test, options, {"left": (), "right": ()}, None)

    monkeypatch.setattr(pipeline, "analyse_trial", analyse)
    monkeypatch.setattr(pipeline, "render_trial",
                        lambda analysis, progress=None: pipeline.RenderedTrial(error="no video"))
    at = _add_person(_app())
    assert at.date_input(key="session_date").value == dt.date.today()  # no video yet
    clip = _clip(tmp_path / "clip.mp4", RECORDED).read_bytes()
    at.selectbox(key="test").set_value("knee-flexion").run()
    for phase in ("pre", "post"):
        at.file_uploader(key=f"upload_{phase}").set_value(
            (f"{phase}.mp4", clip, "video/mp4")).run()
    assert not at.error, [e.value for e in at.error]
    # Filled from the videos' recording time.
    assert at.date_input(key="session_date").value == dt.date(2026, 11, 3)
    at.number_input(key="technique_minutes").set_value(1.5).run()
    at.selectbox(key="technique_side").set_value("left").run()
    at.text_area(key="session_notes").input("sore calf").run()
    at.radio(key="side").set_value("left").run()
    at.button(key="analyse").click().run()
    assert not at.exception, at.exception

    store = Store()
    (person,) = [p for p in store.list_people() if p.name == "Ana Runner"]
    (first,) = store.sessions(person.id)
    assert (first.date, first.notes, first.technique_duration_s, first.technique_side,
            first.trial_count) == (dt.date(2026, 11, 3), "sore calf", 90.0, "left", 2)

    # Edited after saving: the saved session follows, no second session appears.
    at.date_input(key="session_date").set_value(dt.date(2026, 11, 2)).run()
    (edited,) = store.sessions(person.id)
    assert (edited.id, edited.date) == (first.id, dt.date(2026, 11, 2))
    # A user-chosen date is kept, even though the videos say otherwise.
    assert at.date_input(key="session_date").value == dt.date(2026, 11, 2)

    at.button(key="new_session").click().run()
    assert not at.exception, at.exception
    assert at.text_area(key="session_notes").value == ""
    assert at.number_input(key="technique_minutes").value is None
    assert at.date_input(key="session_date").value == dt.date(2026, 11, 3)  # videos again
    at.date_input(key="session_date").set_value(dt.date(2026, 11, 10)).run()
    at.button(key="analyse").click().run()
    assert not at.exception, at.exception
    dated = sorted((s.date, s.notes, s.technique_duration_s) for s in store.sessions(person.id))
    assert dated == [(dt.date(2026, 11, 2), "sore calf", 90.0), (dt.date(2026, 11, 10), None,
                                                                  None)]
    # The history tab: what the technique did over the two sessions (the fake is 20° twice).
    history = " ".join(str(m.value) for m in at.markdown)
    assert "Knee flexion: +0.0° on average over 2 sessions, beyond the MDC" in history
    assert "in 0" in history
    store.close()


def test_a_second_person_of_the_same_name_is_refused() -> None:
    from rom.dashboard import record

    at = _add_person(_app(), name="Ana Runner")
    at.sidebar.selectbox(key="person_select").set_value(record.NEW_PERSON).run()
    at = _add_person(at, name="  ana   RUNNER ", height=None)
    assert not at.exception
    warnings = [str(w.value) for w in at.sidebar.warning]
    assert any("“Ana Runner” is already on record" in w for w in warnings), warnings
    store = Store()
    assert [p.name for p in store.list_people()] == ["Ana Runner"]
    store.close()
    # Told apart, it is accepted.
    at = _add_person(at, name="Ana Runner 1990", height=None)
    assert not at.sidebar.warning
    assert at.sidebar.selectbox(key="person_select").value != record.NEW_PERSON
    assert record.name_key(" Ana\tRunner ") == "ana runner"


def test_the_person_is_in_the_address_and_comes_back_after_a_reload() -> None:
    from rom.dashboard import record
    from tests.test_app import APP

    at = _add_person(_app(), name="Ana Runner")
    at = _add_person(_choose_new(at), name="Ben Walker", height=None)
    store = Store()
    uids = {p.name: p.uid for p in store.list_people()}
    ids = {p.name: p.id for p in store.list_people()}
    store.close()
    # By uid: never a name, nor a row number another database would give someone else.
    assert at.query_params[record.PERSON_PARAM] == uids["Ben Walker"]

    reloaded = AppTest.from_file(APP, default_timeout=120)
    reloaded.query_params[record.PERSON_PARAM] = uids["Ana Runner"]
    reloaded.run()
    assert not reloaded.exception
    assert reloaded.sidebar.selectbox(key="person_select").value == ids["Ana Runner"]
    # An id nobody has is ignored: the first person on record, as without an address.
    for stale_id in ("00000000-0000-0000-0000-000000000000", str(ids["Ben Walker"])):
        stale = AppTest.from_file(APP, default_timeout=120)
        stale.query_params[record.PERSON_PARAM] = stale_id
        stale.run()
        assert not stale.exception
        assert stale.sidebar.selectbox(key="person_select").value == ids["Ana Runner"]
        assert stale.query_params[record.PERSON_PARAM] == uids["Ana Runner"]


def _analyse_fake(at: AppTest, test: str) -> AppTest:
    at.selectbox(key="test").set_value(test).run()
    at.radio(key="side").set_value("left").run()
    at.button(key="analyse").click().run()
    assert not at.exception, at.exception
    return at


def test_a_reload_goes_on_with_the_session_in_the_address(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rom.dashboard import record
    from tests.test_app import APP

    def analyse(video: Path, test: str, options: pipeline.AnalysisOptions,
                progress: object = None) -> pipeline.TrialAnalysis:
        return _fake_analysis(video, test, options, {"left": (), "right": ()}, None)

    monkeypatch.setattr(pipeline, "analyse_trial", analyse)
    monkeypatch.setattr(pipeline, "render_trial",
                        lambda analysis, progress=None: pipeline.RenderedTrial(error="no video"))
    clip = _clip(tmp_path / "clip.mp4", RECORDED).read_bytes()
    at = _add_person(_app())
    at.selectbox(key="technique").set_value("Sock Pull").run()
    at.text_area(key="session_notes").input("sore calf").run()
    for phase in ("pre", "post"):
        at.file_uploader(key=f"upload_{phase}").set_value(
            (f"{phase}.mp4", clip, "video/mp4")).run()
    at = _analyse_fake(at, "knee-flexion")
    store = Store()
    (person,) = store.list_people()
    (saved,) = store.sessions(person.id)
    assert at.query_params[record.SESSION_PARAM] == saved.uid

    def reload(session_uid: str) -> AppTest:
        page = AppTest.from_file(APP, default_timeout=120)
        page.query_params[record.PERSON_PARAM] = person.uid
        page.query_params[record.SESSION_PARAM] = session_uid
        page.run()
        assert not page.exception, page.exception
        return page

    page = reload(saved.uid)
    # The session's technique and details are back in the form, its results on the page.
    assert page.selectbox(key="technique").value == "Sock Pull"
    assert page.text_area(key="session_notes").value == "sore calf"
    assert page.date_input(key="session_date").value == dt.date(2026, 11, 3)
    assert "4 · Before and after in this session" in [h.value for h in page.subheader]
    assert page.query_params[record.SESSION_PARAM] == saved.uid
    # Another test in the reloaded page joins the same session; the first test's trials stay.
    for phase in ("pre", "post"):
        page.file_uploader(key=f"upload_{phase}").set_value(
            (f"{phase}.mp4", clip, "video/mp4")).run()
    page = _analyse_fake(page, "hip-extension")
    (continued,) = store.sessions(person.id)
    tests = sorted((t.test, t.phase) for t in store.trials(continued.id))
    assert tests == [("hip-extension", "post"), ("hip-extension", "pre"),
                     ("knee-flexion", "post"), ("knee-flexion", "pre")]
    assert (continued.notes, continued.technique) == ("sore calf", "Sock Pull")
    assert page.query_params[record.SESSION_PARAM] == continued.uid
    # "New session" is not undone by the address read on the reload.
    page.button(key="new_session").click().run()
    assert not page.exception
    assert record.SESSION_PARAM not in page.query_params
    assert page.text_area(key="session_notes").value == ""

    # Deleted (the earlier save is gone), unknown: dropped without a word.
    for gone in (saved.uid, "not-a-session"):
        stale = reload(gone)
        assert not stale.error and not stale.warning
        assert record.SESSION_PARAM not in stale.query_params
        assert "4 · Before and after in this session" not in [h.value for h in stale.subheader]
        assert stale.text_area(key="session_notes").value == ""

    # Another person's session is not theirs: switching person also updates the address.
    other = store.add_person("Ben Walker")
    page = reload(continued.uid)
    page.sidebar.selectbox(key="person_select").set_value(other.id).run()
    assert not page.exception
    assert page.query_params[record.PERSON_PARAM] == other.uid
    assert record.SESSION_PARAM not in page.query_params
    foreign = AppTest.from_file(APP, default_timeout=120)
    foreign.query_params[record.PERSON_PARAM] = other.uid
    foreign.query_params[record.SESSION_PARAM] = continued.uid
    foreign.run()
    assert not foreign.exception
    assert record.SESSION_PARAM not in foreign.query_params
    assert len(store.sessions(person.id)) == 1 and not store.sessions(other.id)
    store.close()


def _choose_new(at: AppTest) -> AppTest:
    from rom.dashboard import record

    at.sidebar.selectbox(key="person_select").set_value(record.NEW_PERSON).run()
    return at
