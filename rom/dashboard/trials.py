"""Several trials per phase on the results page: each trial, the summary and the verdict.

The science is in :mod:`rom.trials`; this module only words and draws it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from rom import labels
from rom.measurement import Measurement
from rom.trials import STATISTICS, PhaseSummary, Statistic, summarise_phase, trials_change

#: User-facing words of this module.
TEXT = {
    "heading": "Trials",
    "statistic": "Summarise each phase by",
    "mean": "Mean of the trials",
    "best": "Best trial",
    "before": "before",
    "after": "after",
    "real_yes": "real change: yes",
    "real_no": "real change: no",
    "no_summary": "Both before and after need at least one reliable trial for a summary.",
}
PHASE_WORDS = {"pre": TEXT["before"], "post": TEXT["after"]}


def reliable_values(trials: Sequence[Measurement]) -> tuple[list[float], list[float | None]]:
    """The values and uncertainties of the reliable trials that have a value."""
    kept = [m for m in trials if m.reliable and m.value is not None]
    return [float(m.value) for m in kept if m.value is not None], [m.uncertainty for m in kept]


def phase_summaries(test: str, trials_by_phase: Mapping[str, Sequence[Measurement]]
                    ) -> dict[str, PhaseSummary]:
    """Summary of each phase ("pre"/"post") with at least one reliable trial."""
    summaries = {}
    for phase, trials in trials_by_phase.items():
        values, uncertainties = reliable_values(trials)
        if values:
            summaries[phase] = summarise_phase(test, values, uncertainties)
    return summaries


def summary_line(summary: PhaseSummary, unit: str) -> str:
    """``mean ± spread (n trials), best X`` in the test's display unit."""
    spread = ("" if summary.spread is None
              else f" ± {labels.format_value(summary.spread, unit)}"
              f" ({'range' if summary.n == 2 else 'SD'})")
    return (f"mean {labels.format_value(summary.mean, unit)}{spread} of {summary.n} "
            f"trial{'s' if summary.n != 1 else ''}, best {labels.format_value(summary.best, unit)}")


def verdict_line(test: str, summaries: Mapping[str, PhaseSummary], statistic: Statistic,
                 unit: str) -> str | None:
    """The before/after change by ``statistic`` and whether it is real; None without both."""
    if "pre" not in summaries or "post" not in summaries:
        return None
    result = trials_change(summaries["pre"], summaries["post"], statistic)
    verdict = TEXT["real_yes"] if result.real_change else TEXT["real_no"]
    return (f"{TEXT[statistic]}: {labels.format_value(result.pre, unit)} → "
            f"{labels.format_value(result.post, unit)} "
            f"({labels.format_value(result.absolute, unit, signed=True)}) · {verdict}")


def show_trials(test: str, unit: str, trials_by_phase: Mapping[str, Sequence[Measurement]],
                key: str) -> None:
    """Each phase's trials, their summary and the verdict by the statistic the user picks."""
    st.subheader(TEXT["heading"])
    statistic = st.radio(TEXT["statistic"], STATISTICS, format_func=lambda s: TEXT[s],
                         horizontal=True, key=f"trials_statistic_{key}")
    summaries = phase_summaries(test, trials_by_phase)
    for phase, trials in trials_by_phase.items():
        values = ", ".join(labels.format_value(m.value, unit) for m in trials)
        line = summary_line(summaries[phase], unit) if phase in summaries else "–"
        st.markdown(f"**{PHASE_WORDS.get(phase, phase)}**: {values} · {line}")
    verdict = verdict_line(test, summaries, statistic, unit)
    st.markdown(verdict if verdict is not None else TEXT["no_summary"])
