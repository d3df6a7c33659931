"""Several trials per phase: summary (mean, spread, best) and a verdict using the spread."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest

from rom.compare import MDC95
from rom.errors import MeasurementError
from rom.measurement import Measurement
from rom.protocols.uncertainty import Z95
from rom.trials import (
    phase_measurement,
    summarise_phase,
    summarised_points,
    summary_comparison,
    summary_measurement,
    trials_change,
)

KNEE = "knee-flexion"
TOE = "toe-touch"


def test_three_trials_mean_sd_best() -> None:
    s = summarise_phase(KNEE, [120.0, 124.0, 128.0], [2.0, 2.0, 2.0])
    assert s.n == 3
    assert s.mean == pytest.approx(124.0)
    assert s.sd == pytest.approx(4.0)
    assert s.spread == pytest.approx(4.0)
    assert s.best == 128.0 and s.best_index == 2
    assert s.standard_error == pytest.approx(4.0 / math.sqrt(3))
    assert s.uncertainty == pytest.approx(math.hypot(2.0, Z95 * 4.0 / math.sqrt(3)))


def test_two_trials_spread_is_the_range() -> None:
    s = summarise_phase(KNEE, [100.0, 106.0])
    assert s.spread == pytest.approx(6.0)
    assert s.sd == pytest.approx(6.0 / math.sqrt(2))
    # SE of the mean of two = range / 2; the video term is unknown (0).
    assert s.uncertainty == pytest.approx(Z95 * 3.0)


def test_one_trial_has_no_spread_and_keeps_its_uncertainty() -> None:
    s = summarise_phase(KNEE, [110.0], [3.0])
    assert s.sd is None and s.spread is None and s.standard_error == 0.0
    assert s.uncertainty == pytest.approx(3.0)
    assert summarise_phase(KNEE, [110.0]).uncertainty is None


def test_best_follows_the_direction_of_better() -> None:
    # Fingertip-to-floor: the smallest distance is the best trial.
    s = summarise_phase(TOE, [5.0, -2.0, 3.0])
    assert s.best == -2.0 and s.best_index == 1
    assert s.value("best") == -2.0
    assert s.value("mean") == pytest.approx(2.0)


def test_video_uncertainty_is_root_mean_square_of_known() -> None:
    s = summarise_phase(KNEE, [100.0, 100.0, 100.0], [3.0, 4.0, None])
    assert s.uncertainty == pytest.approx(math.sqrt((9 + 16) / 2))


def test_spread_keeps_a_change_beyond_the_mdc_from_being_real() -> None:
    mdc = MDC95[KNEE].value
    assert mdc is not None
    # Means differ by 1.5 MDC, but the trials scatter by 2 MDC (SD): SE is large.
    step = 1.5 * mdc
    scatter = 2.0 * mdc
    pre = summarise_phase(KNEE, [100.0 - scatter, 100.0, 100.0 + scatter])
    post = summarise_phase(KNEE, [100.0 + step - scatter, 100.0 + step, 100.0 + step + scatter])
    result = trials_change(pre, post, "mean")
    assert result.absolute == pytest.approx(step)
    assert result.exceeds_mdc is True
    expected_u = math.hypot(Z95 * scatter / math.sqrt(3), Z95 * scatter / math.sqrt(3))
    assert result.uncertainty == pytest.approx(expected_u)
    assert result.real_change is False and result.improved is None


def test_consistent_trials_make_the_same_change_real() -> None:
    mdc = MDC95[KNEE].value
    assert mdc is not None
    step = 1.5 * mdc
    pre = summarise_phase(KNEE, [99.0, 100.0, 101.0])
    post = summarise_phase(KNEE, [99.0 + step, 100.0 + step, 101.0 + step])
    result = trials_change(pre, post, "mean")
    assert result.real_change is True and result.improved is True


def test_best_statistic_compares_the_best_trials() -> None:
    pre = summarise_phase(TOE, [10.0, 8.0, 9.0])
    post = summarise_phase(TOE, [4.0, 1.0, 3.0])
    result = trials_change(pre, post, "best")
    assert (result.pre, result.post) == (8.0, 1.0)
    assert result.absolute == pytest.approx(-7.0)
    # Spread SD 1 (pre) and 1.53 (post): SEs 0.58, 0.88, combined ~2.1 < 7 > MDC 4.5.
    assert result.real_change is True and result.improved is True


@pytest.mark.parametrize(
    ("values", "uncertainties"),
    [([], None), ([1.0, math.nan], None), ([1.0, 2.0], [1.0])],
)
def test_invalid_trials_are_refused(
    values: list[float], uncertainties: list[float | None] | None
) -> None:
    with pytest.raises(MeasurementError):
        summarise_phase(KNEE, values, uncertainties)


def test_different_tests_are_not_compared() -> None:
    with pytest.raises(MeasurementError):
        trials_change(summarise_phase(KNEE, [1.0]), summarise_phase(TOE, [1.0]))


def _m(value: float, *, reliable: bool = True, uncertainty: float | None = 1.0,
       test: str = KNEE, unit: str = "deg", secondary: dict[str, float] | None = None,
       quality: float = 0.9) -> Measurement:
    return Measurement(test, "left", value, unit, quality, reliable, (), 1.0, 3,
                       secondary=secondary or {}, uncertainty=uncertainty)


def test_one_trial_per_phase_has_no_summary_line() -> None:
    assert summary_comparison(KNEE, "left", {"pre": [_m(100.0)], "post": [_m(110.0)]}) is None
    assert summary_comparison(KNEE, "left", {"pre": [_m(100.0)]}) is None


def test_the_summary_line_compares_the_means_with_the_spread_in_its_uncertainty() -> None:
    trials = {"pre": [_m(100.0), _m(101.0), _m(102.0)],
              "post": [_m(104.0), _m(113.0), _m(134.0)]}
    line = summary_comparison(KNEE, "left", trials, "mean")
    assert line is not None and line.change is not None
    assert line.value("pre") == pytest.approx(101.0)
    assert line.value("post") == pytest.approx(117.0)
    post = summarise_phase(KNEE, [104.0, 113.0, 134.0], [1.0, 1.0, 1.0])
    assert line.uncertainty("post") == pytest.approx(post.uncertainty)
    assert line.post is not None and line.post.peak_frame is None  # no single frame
    # +16° is beyond the MDC, but not beyond the after trials' spread: not a real change.
    assert line.change.absolute == pytest.approx(16.0)
    assert line.exceeds_mdc is True and line.real_change is False
    best = summary_comparison(KNEE, "left", trials, "best")
    assert best is not None and best.change is not None
    assert (best.value("pre"), best.value("post")) == (102.0, 134.0)
    assert best.post is not None and best.post.peak_frame == 3  # the best trial itself
    assert best.real_change is True and best.improved is True


def test_unreliable_trials_stay_out_and_an_all_unreliable_phase_shows_as_unreliable() -> None:
    trials = {"pre": [_m(100.0), _m(160.0, reliable=False), _m(104.0)],
              "post": [_m(90.0, reliable=False), _m(95.0, reliable=False)]}
    line = summary_comparison(KNEE, "left", trials, "mean")
    assert line is not None
    assert line.value("pre") == pytest.approx(102.0)
    assert line.value("post") == 90.0 and not line.reliable("post")
    assert line.change is not None and not line.change.reliable


def test_the_mean_trial_averages_secondary_values_and_keeps_the_lowest_quality() -> None:
    kept = [_m(30.0, secondary={"knee_beyond_toe_cm": 10.0}, quality=0.9),
            _m(32.0, secondary={"knee_beyond_toe_cm": 12.0}, quality=0.7)]
    summary = summarise_phase(KNEE, [30.0, 32.0], [1.0, 1.0])
    mean = summary_measurement(kept, summary, "mean")
    assert mean.value == pytest.approx(31.0)
    assert mean.secondary == {"knee_beyond_toe_cm": pytest.approx(11.0)}
    assert mean.quality == pytest.approx(0.7)
    assert mean.uncertainty == pytest.approx(summary.uncertainty)


def test_a_reach_as_a_fraction_of_height_is_compared_without_an_mdc() -> None:
    def reach(value: float) -> Measurement:
        return _m(value, test=TOE, unit="fraction_of_height")

    line = summary_comparison(TOE, "left", {"pre": [reach(0.10), reach(0.12)],
                                            "post": [reach(0.05), reach(0.06)]})
    assert line is not None and line.unit == "fraction_of_height"
    assert line.mdc is None and line.exceeds_mdc is None
    pre, post = summarise_phase(TOE, [10.0, 12.0]), summarise_phase(TOE, [5.0, 6.0])
    assert trials_change(pre, post, unit="fraction_of_height").mdc is None
    # In centimetres (the default: the test's own unit) its MDC applies.
    assert trials_change(pre, post).mdc == trials_change(pre, post, unit="cm").mdc
    assert trials_change(pre, post).mdc == MDC95[TOE].value


@dataclasses.dataclass(frozen=True)
class _Point:
    session_id: int
    technique: str | None
    phase: str
    measurement: Measurement
    recorded_at: dt.datetime


def test_a_phase_is_measured_as_the_card_shows_it() -> None:
    assert phase_measurement([_m(100.0)]).value == 100.0
    assert phase_measurement([_m(100.0), _m(160.0, reliable=False)]).value == 100.0
    assert phase_measurement([_m(90.0, reliable=False), _m(95.0, reliable=False)]).value == 90.0
    assert phase_measurement([_m(100.0), _m(101.0), _m(102.0)]).value == pytest.approx(101.0)
    assert phase_measurement([_m(100.0), _m(101.0), _m(102.0)], "best").value == 102.0


def test_history_counts_several_trials_as_the_verdict_card_does() -> None:
    from rom.history import session_changes

    when = dt.datetime(2026, 12, 1, 9, 0)
    points = [_Point(1, "Sock Pull", phase, _m(value), when + dt.timedelta(minutes=i))
              for i, (phase, value) in enumerate(
                  [("pre", 100.0), ("pre", 101.0), ("pre", 102.0),
                   ("post", 104.0), ("post", 113.0), ("post", 134.0)])]
    points.append(_Point(2, "Sock Pull", "pre", _m(90.0), when + dt.timedelta(days=1)))
    summarised = summarised_points(points)
    assert [(p.session_id, p.phase) for p in summarised] == [(1, "pre"), (1, "post"),
                                                              (2, "pre")]
    assert [p.measurement.value for p in summarised] == [pytest.approx(101.0),
                                                          pytest.approx(117.0), 90.0]
    assert summarised[2] is points[-1]  # one trial: the point itself
    (change,) = session_changes(summarised)
    line = summary_comparison(KNEE, "left", {"pre": [p.measurement for p in points[:3]],
                                             "post": [p.measurement for p in points[3:6]]})
    assert line is not None and line.change is not None
    assert change.change.absolute == pytest.approx(line.change.absolute) == pytest.approx(16.0)
    # By "best" the history follows the best trials, 102 -> 134.
    (best,) = session_changes(summarised_points(points, "best"))
    assert best.change.absolute == pytest.approx(32.0)


def test_deep_bends_are_summarised_for_the_change_and_other_doubts_are_not() -> None:
    deep = ("deep_flexion_underread",)
    trials = {"pre": [dataclasses.replace(_m(v), reliable=False, reasons=deep)
                      for v in (118.0, 120.0)],
              "post": [dataclasses.replace(_m(v), reliable=False, reasons=deep)
                       for v in (130.0, 132.0)]
              + [dataclasses.replace(_m(90.0), reliable=False, reasons=("views_disagree",))]}
    line = summary_comparison(KNEE, "left", trials, "mean")
    assert line is not None and line.change is not None and line.change.reliable
    assert line.value("pre") == pytest.approx(119.0)
    assert line.value("post") == pytest.approx(131.0)  # the doubtful 90 left out
    assert line.change.absolute == pytest.approx(12.0)
