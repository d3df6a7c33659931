"""Several trials per phase on the page: 1-3 clips each, saved as trials, summarised."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rom import pipeline
from rom.comparison import compare_pair
from rom.dashboard import compare as dashboard_compare
from rom.dashboard import record, state
from rom.dashboard import trials as dashboard_trials
from rom.dashboard.services import AnalysedVideo
from rom.dashboard.text import literal
from rom.measurement import Measurement
from rom.store import Store
from rom.trials import summary_comparison
from tests.test_app import _add_person, _app, _fake_analysis
from tests.test_app import _isolated as _isolated  # its own data and cache, every test
from tests.test_app_sessions import RECORDED, _clip

KNEE = "knee-flexion"
#: The value each uploaded clip measures (by its name), in degrees.
VALUES = {"pre1.mp4": 100.0, "pre2.mp4": 101.0, "pre3.mp4": 102.0,
          "post1.mp4": 104.0, "post2.mp4": 113.0, "post3.mp4": 134.0, "post4.mp4": 150.0}


@pytest.fixture
def by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Analyses without MediaPipe: each clip measures its value in :data:`VALUES`."""

    def analyse(video: Path, test: str, options: pipeline.AnalysisOptions,
                progress: object = None) -> pipeline.TrialAnalysis:
        analysis = _fake_analysis(video, test, options, {"left": (), "right": ()}, None)
        m = dataclasses.replace(analysis.measurement, value=VALUES[video.name],
                                uncertainty=1.0)
        return dataclasses.replace(analysis, result=dataclasses.replace(analysis.result,
                                                                        measurement=m))

    monkeypatch.setattr(pipeline, "analyse_trial", analyse)
    monkeypatch.setattr(pipeline, "render_trial",
                        lambda analysis, progress=None: pipeline.RenderedTrial(error="no video"))


def _upload(at: AppTest, tmp_path: Path, names: dict[str, list[str]]) -> AppTest:
    clip = _clip(tmp_path / "clip.mp4", RECORDED).read_bytes()
    at.selectbox(key="test").set_value(KNEE).run()
    for phase, files in names.items():
        at.file_uploader(key=f"upload_{phase}").set_value(
            [(name, clip, "video/mp4") for name in files]).run()
    return at


def _markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def _stored_trials() -> list[tuple[str, float | None, object]]:
    with Store() as store:
        (person,) = store.list_people()
        (session,) = store.sessions(person.id)
        return [(t.phase, t.measurements[0].measurement.value, t.settings.get("trial"))
                for t in store.trials(session.id)]


def _trials(values: list[float]) -> list[Measurement]:
    return [Measurement(KNEE, "left", v, "deg", 0.9, True, (), None, None, uncertainty=1.0)
            for v in values]


@pytest.mark.usefixtures("by_name")
def test_three_clips_per_phase_are_three_trials_summarised_and_saved(tmp_path: Path) -> None:
    at = _upload(_add_person(_app()), tmp_path,
                 {"pre": ["pre1.mp4", "pre2.mp4", "pre3.mp4"],
                  "post": ["post1.mp4", "post2.mp4", "post3.mp4"]})
    at.button(key="analyse").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]

    # The first trial of each phase where one trial was, the others beside it.
    assert len(at.session_state[state.ANALYSES]) == 2
    extras = at.session_state[state.EXTRA_TRIALS]
    assert {k: [a.measurement.value for a in v] for k, v in extras.items()} == {
        (KNEE, "auto", "pre"): [101.0, 102.0], (KNEE, "auto", "post"): [113.0, 134.0]}
    # Saved as three trials of each phase, in order, numbered.
    assert _stored_trials() == [("pre", 100.0, 1), ("pre", 101.0, 2), ("pre", 102.0, 3),
                                ("post", 104.0, 1), ("post", 113.0, 2), ("post", 134.0, 3)]

    # Each trial and the phase summary; the verdict card compares the means.
    assert dashboard_trials.TEXT["heading"] in [str(s.value) for s in at.subheader]
    text = _markdown(at)
    assert "**before**: 100.0°, 101.0°, 102.0° · mean 101.0° ± 1.0° (SD) of 3 trials" in text
    by_phase = {"pre": _trials([100.0, 101.0, 102.0]), "post": _trials([104.0, 113.0, 134.0])}
    by_mean = summary_comparison(KNEE, "left", by_phase, "mean")
    assert by_mean is not None and by_mean.real_change is False  # the spread: not real
    assert literal(dashboard_compare.verdict_sentence(by_mean)) in text
    assert "101.0° → 117.0° (+16.0°)" in text
    captions = " ".join(str(c.value) for c in at.caption)
    assert literal(dashboard_trials.card_note(KNEE, "deg", by_phase, "mean")) in captions
    # The session table shows the same summary, not the last trial.
    (table,) = [t.value for t in at.table if "Beyond MDC?" in t.value.columns]
    assert table["Pre"].iloc[0].startswith("101.0 ±")
    assert table["Post"].iloc[0].startswith("117.0 ±")

    # The best trial instead: the choice is the store's, and every summary follows it.
    at.radio(key=f"trials_statistic_{KNEE}_auto").set_value("best").run()
    assert not at.exception
    with Store() as store:
        assert store.setting(dashboard_trials.STATISTIC_SETTING) == "best"
    by_best = summary_comparison(KNEE, "left", by_phase, "best")
    assert by_best is not None and by_best.real_change is True
    text = _markdown(at)
    assert literal(dashboard_compare.verdict_sentence(by_best)) in text
    assert "102.0° → 134.0° (+32.0°)" in text
    (table,) = [t.value for t in at.table if "Beyond MDC?" in t.value.columns]
    assert table["Post"].iloc[0].startswith("134.0 ±")


@pytest.mark.usefixtures("by_name")
def test_one_clip_per_phase_looks_as_it_always_did(tmp_path: Path) -> None:
    at = _upload(_add_person(_app()), tmp_path, {"pre": ["pre1.mp4"], "post": ["post2.mp4"]})
    at.button(key="analyse").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state[state.EXTRA_TRIALS] == {}
    assert dashboard_trials.TEXT["heading"] not in [str(s.value) for s in at.subheader]
    found = at.session_state[state.ANALYSES]
    pre, post = found[(KNEE, "auto", "pre")], found[(KNEE, "auto", "post")]
    line = compare_pair(KNEE, "left", pre.measurement, post.measurement)
    assert literal(dashboard_compare.verdict_sentence(line)) in _markdown(at)
    assert _stored_trials() == [("pre", 100.0, None), ("post", 113.0, None)]  # no numbers


@pytest.mark.usefixtures("by_name")
def test_a_fourth_clip_is_refused_with_a_message(tmp_path: Path) -> None:
    at = _upload(_add_person(_app()), tmp_path,
                 {"pre": ["pre1.mp4"], "post": ["post1.mp4", "post2.mp4", "post3.mp4",
                                                 "post4.mp4"]})
    _, message = record.capped_uploads("post", ["post1.mp4", "post2.mp4", "post3.mp4",
                                                "post4.mp4"])
    assert message is not None and "only the first 3" in message
    assert literal(message) in [str(e.value) for e in at.error]
    at.button(key="analyse").click().run()
    values = [a.measurement.value for a in _state_trials(at, "post")]
    assert values == [104.0, 113.0, 134.0]  # post4.mp4 (150°) is not analysed
    assert [v for p, v, _ in _stored_trials() if p == "post"] == [104.0, 113.0, 134.0]


def _state_trials(at: AppTest, phase: str, side: str = "auto") -> list[AnalysedVideo]:
    first = at.session_state[state.ANALYSES][(KNEE, side, phase)]
    return [first, *at.session_state[state.EXTRA_TRIALS].get((KNEE, side, phase), ())]


def test_capped_uploads_keeps_up_to_three() -> None:
    assert record.capped_uploads("pre", []) == ([], None)
    assert record.capped_uploads("pre", ["a", "b", "c"]) == (["a", "b", "c"], None)
    kept, message = record.capped_uploads("pre", ["a", "b", "c", "d"])
    assert kept == ["a", "b", "c"]
    assert message == record.UPLOAD_TEXT["too_many"].format(
        phase="before", count=4, names="“a”, “b”, “c”")


def test_switching_the_leg_measures_every_trial_of_the_pair_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    verdicts = {"left": ("other_leg_moved",), "right": ()}

    def analyse(video: Path, test: str, options: pipeline.AnalysisOptions,
                progress: object = None) -> pipeline.TrialAnalysis:
        return _fake_analysis(video, test, options, verdicts, None)

    def remeasure(analysis: pipeline.TrialAnalysis,
                  options: pipeline.AnalysisOptions) -> pipeline.TrialAnalysis:
        fake = _fake_analysis(analysis.video, analysis.test, options, verdicts, None)
        return dataclasses.replace(fake, track=analysis.track)

    monkeypatch.setattr(pipeline, "analyse_trial", analyse)
    monkeypatch.setattr(pipeline, "remeasure", remeasure)
    monkeypatch.setattr(pipeline, "render_trial",
                        lambda analysis, progress=None: pipeline.RenderedTrial(error="no video"))
    at = _upload(_add_person(_app()), tmp_path,
                 {"pre": ["pre1.mp4", "pre2.mp4"], "post": ["post1.mp4"]})
    at.radio(key="side").set_value("left").run()
    at.button(key="analyse").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [a.measurement.side for a in _state_trials(at, "pre", "left")] == ["left", "left"]

    at.button(key=f"switch_{KNEE}_left_left").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # The pair moved to the right leg with both its before trials, measured again.
    assert (KNEE, "left", "pre") not in at.session_state[state.EXTRA_TRIALS]
    pre = _state_trials(at, "pre", "right")
    assert [(a.measurement.side, a.measurement.value) for a in pre] == [("right", 120.0)] * 2
    assert [(p, v) for p, v, _ in _stored_trials()] == [("pre", 120.0), ("pre", 120.0),
                                                        ("post", 120.0)]


def test_a_clip_that_fails_leaves_the_others_as_the_phases_trials(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by_name: None) -> None:
    from rom.errors import NoPersonError

    measured = pipeline.analyse_trial  # the fixture's fake

    def analyse(video: Path, test: str, options: pipeline.AnalysisOptions,
                progress: object = None) -> pipeline.TrialAnalysis:
        if video.name == "pre1.mp4":
            raise NoPersonError("no person was found")
        return measured(video, test, options, progress)

    monkeypatch.setattr(pipeline, "analyse_trial", analyse)
    at = _upload(_add_person(_app()), tmp_path,
                 {"pre": ["pre1.mp4", "pre2.mp4", "pre3.mp4"], "post": ["post1.mp4"]})
    at.button(key="analyse").click().run()
    assert not at.exception
    (error,) = [str(e.value) for e in at.error]
    assert error.startswith("Pre · before · trial 1: no person was found")
    assert [(a.trial, a.measurement.value) for a in _state_trials(at, "pre")] == [
        (2, 101.0), (3, 102.0)]
    labels = [m.label for m in at.metric]
    assert "Pre · before · trial 2 · left side" in labels
    assert "Pre · before · trial 3 · left side" in labels
    # Saved with the clips' own numbers; the one after clip is not numbered.
    assert _stored_trials() == [("pre", 101.0, 2), ("pre", 102.0, 3), ("post", 104.0, None)]


def test_the_card_note_names_the_trials_behind_the_values() -> None:
    one = {"pre": _trials([100.0]), "post": _trials([104.0])}
    assert dashboard_trials.card_note(KNEE, "deg", one, "mean") == ""
    several = {"pre": _trials([100.0, 102.0]), "post": _trials([104.0])}
    assert dashboard_trials.card_note(KNEE, "deg", several, "best") == (
        "before: best of 2 trials (100.0°, 102.0°) · after: one trial (104.0°) · "
        "± includes the spread between the trials")


def test_a_stored_session_is_summarised_per_test_and_side(
        tmp_path: Path) -> None:
    from rom.comparison import session_comparison
    from rom.store import NewTrial

    with Store(f"sqlite:///{tmp_path / 'rom.db'}") as store:
        person = store.add_person("Trial Tess")
        pairs = [("pre", KNEE, [100.0, 101.0, 102.0]), ("post", KNEE, [104.0, 113.0, 134.0]),
                 ("pre", "ankle-dorsiflexion", [30.0]), ("post", "ankle-dorsiflexion", [32.0])]
        session = store.add_session(person.id, trials=[
            NewTrial(phase, test, "left", measurements=(dataclasses.replace(m, test=test),))
            for phase, test, values in pairs for m in _trials(values)])
        stored = store.trials(session.id)
    lines = session_comparison(stored)
    assert [line.value("post") for line in lines] == [32.0, 134.0]  # the latest trial
    summarised = dashboard_trials.with_trial_summaries(lines, stored, "mean")
    assert summarised[0] == lines[0]  # one trial each: as it was
    assert summarised[1].value("pre") == pytest.approx(101.0)
    assert summarised[1].value("post") == pytest.approx(117.0)
