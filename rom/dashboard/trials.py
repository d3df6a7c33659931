"""Several trials per phase on the results page: each trial, the summary and the verdict.

The science is in :mod:`rom.trials`; this module only words and draws it, and keeps the
user's choice of summary (mean of the trials or best trial) in the store
(:data:`STATISTIC_SETTING`), so the verdict cards, the session table and the trials
section all summarise the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from rom import labels
from rom.dashboard import state
from rom.dashboard.text import literal
from rom.errors import RomError
from rom.i18n import N_, Texts, _, ngettext
from rom.measurement import Measurement
from rom.store import Store
from rom.trials import (
    STATISTIC_SETTING,
    STATISTICS,
    PhaseSummary,
    Statistic,
    phase_summaries,
    statistic_from_setting,
    summarised_values,
    trials_change,
)
from rom.vocabulary import PHASES

__all__ = ["STATISTIC_SETTING", "TEXT", "card_note", "chosen_statistic",
           "phase_summaries", "show_trials", "summarised_values", "summary_line",
           "trial_label", "verdict_line"]

#: User-facing words of this module.
TEXT = Texts({
    "heading": N_("Trials"),
    "statistic": N_("Summarise each phase by"),
    "mean": N_("Mean of the trials"),
    "best": N_("Best trial"),
    "real_yes": N_("real change: yes"),
    "real_no": N_("real change: no"),
    "no_summary": N_("Both before and after need at least one reliable trial for a summary."),
    "trial": N_("trial {n}"),
    "card_phase": N_("{phase}: {how} of {n} trials ({values})"),
    "card_one": N_("{phase}: one trial ({values})"),
    "card_mean": N_("mean"),
    "card_best": N_("best"),
    "card_spread": N_("± includes the spread between the trials"),
})


def chosen_statistic(store: Store | None) -> Statistic:
    """The summary the user chose (``"mean"`` until they pick another, or without a store)."""
    if store is None:
        return "mean"
    try:
        stored = store.setting(STATISTIC_SETTING)
    except RomError:
        return "mean"
    return statistic_from_setting(stored)


def trial_label(n: int) -> str:
    """``"trial 2"``: the words for a phase's ``n``-th trial (1-based)."""
    return TEXT["trial"].format(n=n)


def summary_line(summary: PhaseSummary, unit: str) -> str:
    """``mean ± spread (n trials), best X`` in the test's display unit."""
    spread = ("" if summary.spread is None
              else " ± {spread} ({kind})".format(
                  spread=labels.format_value(summary.spread, unit),
                  kind=_("range") if summary.n == 2 else _("SD")))
    return ngettext("mean {mean}{spread} of {n} trial, best {best}",
                    "mean {mean}{spread} of {n} trials, best {best}", summary.n).format(
        mean=labels.format_value(summary.mean, unit), spread=spread, n=summary.n,
        best=labels.format_value(summary.best, unit))


def verdict_line(test: str, summaries: Mapping[str, PhaseSummary], statistic: Statistic,
                 unit: str) -> str | None:
    """The before/after change by ``statistic`` and whether it is real; None without both."""
    if "pre" not in summaries or "post" not in summaries:
        return None
    result = trials_change(summaries["pre"], summaries["post"], statistic, unit=unit)
    verdict = TEXT["real_yes"] if result.real_change else TEXT["real_no"]
    return _("{statistic}: {before} → {after} ({change}) · {verdict}").format(
        statistic=TEXT[statistic], before=labels.format_value(result.pre, unit),
        after=labels.format_value(result.post, unit),
        change=labels.format_value(result.absolute, unit, signed=True), verdict=verdict)


def card_note(test: str, unit: str, trials_by_phase: Mapping[str, Sequence[Measurement]],
              statistic: Statistic) -> str:
    """The verdict card's line on the trials behind its values; empty with one trial each.

    E.g. ``"before: mean of 3 trials (100.0°, 101.0°, 102.0°) · after: mean of 2 trials
    (104.0°, 113.0°) · ± includes the spread between the trials"``.
    """
    if all(len(trials_by_phase.get(phase, ())) <= 1 for phase in PHASES):
        return ""
    summaries = phase_summaries(test, trials_by_phase)
    how = TEXT["card_mean"] if statistic == "mean" else TEXT["card_best"]
    parts = [
        TEXT["card_phase" if summaries[phase].n > 1 else "card_one"].format(
            phase=labels.phase_word(phase), how=how, n=summaries[phase].n,
            values=", ".join(labels.format_value(v, unit) for v in summaries[phase].values))
        for phase in PHASES if phase in summaries
    ]
    return " · ".join([*parts, TEXT["card_spread"]])



def _remember_statistic(store: Store, key: str) -> None:
    # A callback: the choice is the store's before the page is drawn again.
    try:
        store.set_setting(STATISTIC_SETTING, str(st.session_state[key]))
    except RomError as exc:
        state.flash("error", literal(exc))


def show_trials(test: str, unit: str, trials_by_phase: Mapping[str, Sequence[Measurement]],
                key: str, store: Store | None = None) -> None:
    """Each phase's trials, their summary and the verdict by the statistic the user picks.

    With a ``store`` the choice is the store's :data:`STATISTIC_SETTING` (read on every run,
    written when the user picks), so it holds for every test and the next visit.
    """
    st.subheader(TEXT["heading"])
    radio_key = f"trials_statistic_{key}"
    if store is not None:
        st.session_state[radio_key] = chosen_statistic(store)
    statistic = st.radio(
        TEXT["statistic"], STATISTICS, format_func=lambda s: TEXT[s], horizontal=True,
        key=radio_key,
        on_change=_remember_statistic if store is not None else None,
        args=(store, radio_key) if store is not None else None)
    summaries = phase_summaries(test, trials_by_phase)
    for phase, trials in trials_by_phase.items():
        values = ", ".join(labels.format_value(m.value, unit) for m in trials)
        line = summary_line(summaries[phase], unit) if phase in summaries else "–"
        st.markdown(_("**{phase}**: {values} · {summary}").format(
            phase=labels.phase_word(phase), values=values, summary=line))
    verdict = verdict_line(test, summaries, statistic, unit)
    st.markdown(verdict if verdict is not None else TEXT["no_summary"])
