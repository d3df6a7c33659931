"""Stored sessions turned into tables and trend points (no Streamlit here).

Inputs are the plain records of :mod:`rom.store.records`.  The session's pre/post and
left/right lines are :func:`rom.comparison.session_comparison`'s, shared with the PDF and
the CLI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rom.store.records import HistoryPoint, PersonInfo, SessionInfo, TrialInfo


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
            reliable=bool(h.measurement.reliable),
        )
        for h in history
    ]


def sessions_table(sessions: Sequence[SessionInfo]) -> list[dict[str, str | int]]:
    """Rows for a sessions table, newest first."""
    return [
        {"Date": s.date.isoformat(), "Technique": s.technique or "–",
         "Details": session_details_text(s) or "–", "Notes": s.notes or "–",
         "Videos": s.trial_count, "Session": f"#{s.id}"}
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
