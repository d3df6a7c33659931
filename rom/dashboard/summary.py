"""Stored sessions turned into tables and trend points (no Streamlit here).

Inputs are the plain records of :mod:`rom.store.records`.  The session's pre/post and
left/right lines are :func:`rom.comparison.session_comparison`'s, shared with the PDF and
the CLI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rom import labels
from rom.correction import is_corrected
from rom.history import TechniqueEffect
from rom.store.records import HistoryPoint, PersonInfo, SessionInfo, TrialInfo

#: The words of the technique summary (see :func:`effect_sentence`).
EFFECT_TEXT = {
    "sentence": "{technique} · {test}: {change} on average over {count}, {verdict}",
    "no_technique": "No technique named",
    "sessions": "{n} session{s}",
    "pairs": "{pairs} before/after pairs in {n} session{s}",
    "beyond": "beyond the MDC ({mdc}) in {k}",
    "no_mdc": "no MDC to judge it by",
}


@dataclass(frozen=True)
class TrendPoint:
    """One stored measurement placed on a person's timeline."""

    session_id: int
    session_label: str
    date: dt.date
    technique: str | None
    phase: str
    test: str
    side: str
    value: float | None
    unit: str
    reliable: bool
    adjusted: bool = False  # the value's points were moved by hand (rom.correction)


def session_label(session: SessionInfo) -> str:
    """``"25 Nov 2026 · Toe Spreaders (#3)"``: date, technique and id (dates can repeat)."""
    technique = session.technique or "no technique named"
    return f"{session.date:%d %b %Y} · {technique} (#{session.id})"


def trend_points(history: Iterable[HistoryPoint],
                 sessions: Sequence[SessionInfo]) -> list[TrendPoint]:
    """History points (``store.history``) as trend points, in the store's time order."""
    by_id = {s.id: s for s in sessions}
    return [
        TrendPoint(
            session_id=h.session_id,
            session_label=session_label(by_id[h.session_id]) if h.session_id in by_id
            else f"{h.date:%d %b %Y} (#{h.session_id})",
            date=h.date, technique=h.technique, phase=h.phase, test=h.measurement.test,
            side=h.measurement.side, value=h.measurement.value, unit=h.measurement.unit,
            reliable=bool(h.measurement.reliable), adjusted=is_corrected(h.measurement),
        )
        for h in history
    ]


def sessions_table(sessions: Sequence[SessionInfo]) -> list[dict[str, str | int]]:
    """Rows for a sessions table, newest first."""
    return [
        {"Date": s.date.isoformat(), "Technique": s.technique or "–",
         "Details": session_details_text(s) or "–", "Notes": s.notes or "–",
         "Trials": s.trial_count, "Session": f"#{s.id}"}
        for s in sorted(sessions, key=lambda s: (s.date, s.id), reverse=True)
    ]


def session_details_text(session: SessionInfo) -> str:
    """The technique's details in words, e.g. ``"1.5 min · left"`` (empty when none)."""
    parts: list[str] = []
    if session.technique_duration_s is not None:
        parts.append(f"{session.technique_duration_s / 60.0:g} min")
    if session.technique_side is not None:
        parts.append("both sides" if session.technique_side == "both"
                     else session.technique_side)
    return " · ".join(parts)


def measurement_rows(
    person: PersonInfo,
    sessions: Sequence[SessionInfo],
    trials_by_session: Mapping[int, Sequence[TrialInfo]],
) -> list[dict[str, object]]:
    """Rows for :func:`rom.report.measurements_csv`, one per stored measurement."""
    rows: list[dict[str, object]] = []
    for s in sessions:
        for trial in trials_by_session.get(s.id, ()):
            for record in trial.measurements:
                rows.append({
                    **record.measurement.to_dict(), "person": person.name, "session_id": s.id,
                    "session_date": s.date.isoformat(), "technique": s.technique or "",
                    "phase": trial.phase,
                })
    return rows


def effect_sentence(effect: TechniqueEffect) -> str:
    """``"Sock Pull · Ankle dorsiflexion: +3.1° on average over 4 sessions, beyond the MDC
    (4.7°) in 3"``: one technique's average immediate change in words."""
    plural = "s" if effect.sessions != 1 else ""
    count = (EFFECT_TEXT["sessions"].format(n=effect.sessions, s=plural)
             if effect.pairs == effect.sessions
             else EFFECT_TEXT["pairs"].format(pairs=effect.pairs, n=effect.sessions, s=plural))
    verdict = (EFFECT_TEXT["no_mdc"] if effect.mdc is None else EFFECT_TEXT["beyond"].format(
        mdc=labels.format_value(effect.mdc, effect.unit), k=effect.beyond_mdc))
    return EFFECT_TEXT["sentence"].format(
        technique=effect.technique or EFFECT_TEXT["no_technique"],
        test=labels.test_label(effect.test).split(" (")[0],
        change=labels.format_value(effect.mean_change, effect.unit, signed=True),
        count=count, verdict=verdict)
