"""The results page's several-trials summary: wording, the mean/best choice and the verdict."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rom.dashboard.trials import TEXT, phase_summaries, summary_line, verdict_line
from rom.measurement import Measurement
from rom.store import NewTrial, Store

KNEE = "knee-flexion"


def _trial(value: float, reliable: bool = True, uncertainty: float | None = 1.0) -> Measurement:
    return Measurement(KNEE, "left", value, "deg", 0.9, reliable, (), None, None,
                       uncertainty=uncertainty)


def test_unreliable_trials_stay_out_of_the_summary() -> None:
    summaries = phase_summaries(KNEE, {"pre": [_trial(100.0), _trial(150.0, reliable=False),
                                               _trial(104.0)]})
    assert summaries["pre"].values == (100.0, 104.0)
    assert (summary_line(summaries["pre"], "deg")
            == "mean 102.0° ± 4.0° (range) of 2 trials, best 104.0°")


def test_verdict_by_mean_and_by_best() -> None:
    trials = {"pre": [_trial(100.0), _trial(101.0), _trial(102.0)],
              "post": [_trial(104.0), _trial(113.0), _trial(134.0)]}
    summaries = phase_summaries(KNEE, trials)
    # Mean change 16 > MDC 10, but the after trials scatter (SD 15.4, SE 8.9): the combined
    # uncertainty (~17.5) is larger than the change, so it is not real.
    by_mean = verdict_line(KNEE, summaries, "mean", "deg")
    assert by_mean is not None and by_mean.endswith(TEXT["real_no"])
    # Best 102 -> 134: +32, beyond the MDC and the combined uncertainty.
    by_best = verdict_line(KNEE, summaries, "best", "deg")
    assert by_best is not None and "+32.0°" in by_best and by_best.endswith(TEXT["real_yes"])
    assert verdict_line(KNEE, {"pre": summaries["pre"]}, "mean", "deg") is None


def _page() -> None:
    from rom.dashboard.trials import show_trials
    from rom.measurement import Measurement

    def trial(value: float) -> Measurement:
        return Measurement("knee-flexion", "left", value, "deg", 0.9, True, (), None, None,
                           uncertainty=1.0)

    show_trials("knee-flexion", "deg",
                {"pre": [trial(100.0), trial(101.0), trial(102.0)],
                 "post": [trial(104.0), trial(113.0), trial(134.0)]}, key="knee")


def test_show_trials_lets_the_user_pick_mean_or_best() -> None:
    at = AppTest.from_function(_page).run()
    assert not at.exception
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("**before**: 100.0°, 101.0°, 102.0° · mean 101.0° ± 1.0° (SD)")
               for t in texts)
    assert any(t.endswith(TEXT["real_no"]) for t in texts)
    at.radio(key="trials_statistic_knee").set_value("best").run()
    assert any(t.startswith(TEXT["best"]) and t.endswith(TEXT["real_yes"])
               for t in (m.value for m in at.markdown))


def test_three_trials_per_phase_round_trip_through_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path))
    pre, post = (100.0, 101.0, 102.0), (104.0, 113.0, 134.0)
    with Store(f"sqlite:///{tmp_path / 'rom.db'}") as store:
        person = store.add_person("Trial Tess")
        session = store.add_session(
            person.id, date=dt.date(2026, 12, 1), technique="Sock Pull",
            trials=[NewTrial(phase, KNEE, "left", measurements=(_trial(v),))
                    for phase, values in (("pre", pre), ("post", post)) for v in values])
        stored = store.trials(session.id)
    by_phase: dict[str, list[Measurement]] = {"pre": [], "post": []}
    for trial in stored:
        by_phase[trial.phase] += [r.measurement for r in trial.measurements]
    summaries = phase_summaries(KNEE, by_phase)
    assert summaries["pre"].values == pre and summaries["post"].values == post
    assert summaries["post"].best == 134.0
