"""Several trials of one test in one phase: their summary and a verdict that uses their spread.

Clinicians repeat a mobility test (typically 3 times) and record either the *mean* or the
*best* trial.  :func:`summarise_phase` summarises the trials of one phase (before or after)
of one test and side; :func:`trials_change` turns two summaries into a
:class:`rom.compare.Change` whose uncertainty includes the between-trial spread, so that a
change is real only if it exceeds the MDC95 *and* the combined uncertainty of the two
phases (:attr:`rom.compare.Change.real_change`).

Uncertainty of a phase (about a 95 % half-width, in the test's unit):
``sqrt(u_video**2 + (Z95 * SE)**2)`` where ``SE = SD / sqrt(n)`` is the standard error of
the phase's mean (0 for one trial) and ``u_video`` is the root-mean-square of the trials'
own uncertainties (:attr:`rom.measurement.Measurement.uncertainty`).  The video's error is
not divided by ``sqrt(n)``: much of it (camera roll, image scale) is shared by the trials
of one recording set-up, so averaging does not remove it.  The same phase uncertainty is
used for the best trial: picking the best of a noisy set does not make it more certain.

Pure functions, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar, cast

from rom.compare import HIGHER_IS_BETTER, Change, change
from rom.comparison import ComparisonLine, compare_pair, session_comparison
from rom.errors import MeasurementError
from rom.measurement import Measurement
from rom.protocols.uncertainty import Z95, combined
from rom.vocabulary import PHASES

if TYPE_CHECKING:  # only the records' shape; the store package loads SQLAlchemy
    from rom.store.records import TrialInfo

#: Which value of a phase represents it: the trials' mean or the best trial.
Statistic = Literal["mean", "best"]
STATISTICS: tuple[Statistic, ...] = ("mean", "best")


@dataclass(frozen=True)
class PhaseSummary:
    """The trials of one test, side and phase, summarised.

    Attributes
    ----------
    test : str
        One of :data:`rom.protocols.TESTS`.
    values : tuple of float
        The trials' values in the test's unit (degrees, or cm for toe-touch), in order.
    mean : float
    sd : float or None
        Sample standard deviation (``ddof=1``); None for a single trial.
    spread : float or None
        What to show as the trials' spread: the SD for 3 or more trials, the range
        (``max - min``) for 2, None for 1.
    best : float
        The best trial in the test's direction of "better" (largest, or smallest when
        smaller is better, as for fingertip-to-floor).
    best_index : int
        Position of :attr:`best` in :attr:`values`.
    standard_error : float
        ``sd / sqrt(n)``, the standard error of the mean; 0 for one trial.
    uncertainty : float or None
        The phase's uncertainty, about a 95 % half-width (see the module docstring); None
        when there is a single trial and its own uncertainty is unknown.
    """

    test: str
    values: tuple[float, ...]
    mean: float
    sd: float | None
    spread: float | None
    best: float
    best_index: int
    standard_error: float
    uncertainty: float | None

    @property
    def n(self) -> int:
        """Number of trials."""
        return len(self.values)

    def value(self, statistic: Statistic) -> float:
        """The phase's representative value: :attr:`mean` or :attr:`best`."""
        if statistic == "mean":
            return self.mean
        if statistic == "best":
            return self.best
        raise ValueError(f"statistic must be one of {STATISTICS}, not {statistic!r}")


def summarise_phase(
    test: str,
    values: Sequence[float],
    uncertainties: Sequence[float | None] | None = None,
) -> PhaseSummary:
    """Summarise the trials ``values`` of ``test`` in one phase.

    Parameters
    ----------
    test : str
        Decides which direction is "better" (:data:`rom.compare.HIGHER_IS_BETTER`).
    values : sequence of float
        One value per trial, in the test's unit; at least one, all finite.
    uncertainties : sequence of float or None, optional
        Each trial's own uncertainty (about 95 %, same unit); None entries are unknown and
        left out of the root-mean-square.

    Raises
    ------
    MeasurementError
        Unknown test, no trials, a non-finite value, or ``uncertainties`` of another length.
    """
    if test not in HIGHER_IS_BETTER:
        raise MeasurementError(f"unknown test {test!r}")
    trial_values = tuple(float(v) for v in values)
    if not trial_values:
        raise MeasurementError("a phase needs at least one trial")
    if not all(math.isfinite(v) for v in trial_values):
        raise MeasurementError("trial values must be finite numbers")
    given = list(uncertainties) if uncertainties is not None else [None] * len(trial_values)
    if len(given) != len(trial_values):
        raise MeasurementError("one uncertainty per trial is needed")
    n = len(trial_values)
    mean = math.fsum(trial_values) / n
    sd = (
        math.sqrt(math.fsum((v - mean) ** 2 for v in trial_values) / (n - 1)) if n > 1 else None
    )
    spread = None if sd is None else (sd if n >= 3 else max(trial_values) - min(trial_values))
    pick = max if HIGHER_IS_BETTER[test] else min
    best_index = trial_values.index(pick(trial_values))
    standard_error = 0.0 if sd is None else sd / math.sqrt(n)
    known = [u for u in given if u is not None]
    video = math.sqrt(math.fsum(u * u for u in known) / len(known)) if known else None
    # One trial of unknown uncertainty stays unknown; otherwise the spread alone is a bound.
    single_unknown = video is None and n == 1
    uncertainty = None if single_unknown else combined(video or 0.0, Z95 * standard_error)
    return PhaseSummary(test, trial_values, mean, sd, spread, trial_values[best_index],
                        best_index, standard_error, uncertainty)


def trials_change(
    pre: PhaseSummary,
    post: PhaseSummary,
    statistic: Statistic = "mean",
    *,
    reliable: bool = True,
    unit: str | None = None,
) -> Change:
    """Change from the ``pre`` phase to the ``post`` phase of one test, by ``statistic``.

    The change is that of the two phases' means (or best trials); each phase's
    :attr:`PhaseSummary.uncertainty`, which includes its between-trial spread, enters the
    combined uncertainty, so the spread can keep a change from being called real.
    ``unit`` is the trials' unit (default the test's own, as in :func:`rom.compare.change`):
    a toe-touch reach in ``"fraction_of_height"`` has no MDC.

    Raises
    ------
    MeasurementError
        The summaries are of different tests.
    """
    if pre.test != post.test:
        raise MeasurementError(f"cannot compare {pre.test} with {post.test}")
    return change(
        pre.value(statistic), post.value(statistic), pre.test, unit, reliable=reliable,
        pre_uncertainty=pre.uncertainty, post_uncertainty=post.uncertainty,
    )


def summarised_trials(trials: Sequence[Measurement]) -> list[Measurement]:
    """The trials a phase summary is made of: comparable (reliable, or sharing a known bias,
    :attr:`rom.measurement.Measurement.comparable`), with a value, in one unit.

    The unit is that of the first such trial (a toe-touch reach is in cm with a marker in
    view, as a fraction of height without); trials in another unit are left out.
    """
    kept = [m for m in trials if m.comparable]
    return [m for m in kept if m.unit == kept[0].unit] if kept else []


def summarised_values(trials: Sequence[Measurement]) -> tuple[list[float], list[float | None]]:
    """The values and uncertainties of :func:`summarised_trials`."""
    kept = summarised_trials(trials)
    return [float(m.value) for m in kept if m.value is not None], [m.uncertainty for m in kept]


def phase_summaries(test: str, trials_by_phase: Mapping[str, Sequence[Measurement]]
                    ) -> dict[str, PhaseSummary]:
    """Summary of each phase (``"pre"``/``"post"``) with at least one comparable trial
    (:func:`summarised_trials`)."""
    summaries = {}
    for phase, trials in trials_by_phase.items():
        values, uncertainties = summarised_values(trials)
        if values:
            summaries[phase] = summarise_phase(test, values, uncertainties)
    return summaries


def summary_measurement(trials: Sequence[Measurement], summary: PhaseSummary,
                        statistic: Statistic) -> Measurement:
    """One measurement standing for a phase's trials, as the verdict compares it.

    ``trials`` are the phase's :func:`summarised_trials`, the ones ``summary`` was made of.
    By ``"best"`` it is the best trial; by ``"mean"`` the first trial with the mean value,
    each secondary value averaged over the trials that have it, the lowest quality and no
    peak frame (no single frame shows a mean).  Either way its uncertainty is the phase's
    (:attr:`PhaseSummary.uncertainty`, the between-trial spread included).
    """
    if statistic == "best":
        return replace(trials[summary.best_index], uncertainty=summary.uncertainty)
    keys = dict.fromkeys(k for m in trials for k in m.secondary)
    secondary = {}
    for key in keys:
        known = [float(v) for m in trials if (v := m.secondary.get(key)) is not None
                 and math.isfinite(v)]
        if known:
            secondary[key] = math.fsum(known) / len(known)
    return replace(trials[0], value=summary.mean, uncertainty=summary.uncertainty,
                   quality=min(m.quality for m in trials), secondary=secondary,
                   peak_time_s=None, peak_frame=None)


def phase_measurement(trials: Sequence[Measurement], statistic: Statistic = "mean"
                      ) -> Measurement:
    """The one measurement standing for a phase's ``trials`` (at least one), as the verdict
    card shows it: :func:`summary_measurement` of the comparable trials
    (:func:`summarised_trials`) when there are two or more, else the only comparable one,
    else the first trial (not comparable, as the card shows it, :func:`summary_comparison`)."""
    kept = summarised_trials(trials)
    if len(kept) < 2:
        return kept[0] if kept else trials[0]
    values, uncertainties = summarised_values(kept)
    return summary_measurement(kept, summarise_phase(kept[0].test, values, uncertainties),
                               statistic)


class _SessionPoint(Protocol):
    @property
    def session_id(self) -> int: ...
    @property
    def phase(self) -> str: ...
    @property
    def measurement(self) -> Measurement: ...


_P = TypeVar("_P", bound=_SessionPoint)


def summarised_points(points: Iterable[_P], statistic: Statistic = "mean") -> list[_P]:
    """A person's history with each session's trials of one test, side and phase as one
    point, so that trends, technique averages and the report's trend agree with the verdict
    card (:func:`phase_measurement`).

    ``points`` are dataclasses such as :class:`rom.store.HistoryPoint`; a group's last point
    carries the summary measurement (its session, date and recording time); groups of one
    point are returned unchanged, in the order of their first points.
    """
    groups: dict[tuple[int, str, str, str], list[_P]] = {}
    for point in points:
        m = point.measurement
        groups.setdefault((point.session_id, m.test, m.side, point.phase), []).append(point)
    result: list[_P] = []
    for group in groups.values():
        if len(group) == 1:
            result.append(group[0])
            continue
        summary = phase_measurement([g.measurement for g in group], statistic)
        result.append(replace(group[-1], measurement=summary))  # type: ignore[type-var]
    return result


def summary_comparison(
    test: str,
    side: str,
    trials_by_phase: Mapping[str, Sequence[Measurement]],
    statistic: Statistic = "mean",
) -> ComparisonLine | None:
    """The before/after line of one test and side when a phase has several trials.

    Each phase with a comparable trial is represented by :func:`summary_measurement`; a
    phase without one by its first trial (unreliable, as it is shown).  The change is
    :func:`trials_change`, so the trials' spread is in its uncertainty.  None when no phase
    has more than one trial: the one-trial line is :func:`rom.comparison.compare_pair`'s.
    """
    if all(len(trials_by_phase.get(phase, ())) <= 1 for phase in PHASES):
        return None
    summaries = phase_summaries(test, trials_by_phase)
    shown: dict[str, Measurement | None] = {}
    for phase in PHASES:
        trials = list(trials_by_phase.get(phase, ()))
        if phase in summaries:
            shown[phase] = summary_measurement(summarised_trials(trials), summaries[phase],
                                               statistic)
        else:
            shown[phase] = trials[0] if trials else None
    line = compare_pair(test, side, shown["pre"], shown["post"])
    pre, post = shown["pre"], shown["post"]
    if (line.change is None or "pre" not in summaries or "post" not in summaries
            or pre is None or post is None or pre.unit != post.unit):
        return line
    return replace(line, change=trials_change(summaries["pre"], summaries["post"], statistic,
                                              unit=pre.unit))


#: The store setting (``Store.setting``) holding the user's choice of summary, one of
#: :data:`STATISTICS`; the verdict card, the session table, the history and the PDF use it.
STATISTIC_SETTING = "trials.statistic"


def statistic_from_setting(stored: str | None) -> Statistic:
    """The stored choice of summary; ``"mean"`` until the user picks another."""
    return cast(Statistic, stored) if stored in STATISTICS else "mean"


def session_lines(trials: Sequence[TrialInfo], statistic: Statistic = "mean"
                  ) -> list[ComparisonLine]:
    """A stored session's before/after lines (:func:`rom.comparison.session_comparison`),
    each test and side with several trials in a phase summarised by ``statistic``
    (:func:`summary_comparison`); the others as they are."""
    by_pair: dict[tuple[str, str], dict[str, list[Measurement]]] = {}
    for trial in sorted(trials, key=lambda t: t.id):
        for record in trial.measurements:
            m = record.measurement
            by_pair.setdefault((m.test, m.side), {}).setdefault(trial.phase, []).append(m)
    result = []
    for line in session_comparison(trials):
        summary = summary_comparison(line.test, line.side,
                                     by_pair.get((line.test, line.side), {}), statistic)
        result.append(summary if summary is not None else line)
    return result
