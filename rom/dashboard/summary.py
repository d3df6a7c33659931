"""Stored sessions turned into tables, trend points and report lines (no Streamlit here).

Inputs are the plain records of :mod:`rom.store.records`; the pre/post and left/right
statistics come from :mod:`rom.compare`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rom import compare, labels
from rom.measurement import Measurement
from rom.report import ReportLine
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
        {"Date": s.date.isoformat(), "Technique": s.technique or "–", "Videos": s.trial_count,
         "Session": f"#{s.id}"}
        for s in sorted(sessions, key=lambda s: (s.date, s.id), reverse=True)
    ]


def latest_by_pair(
    trials: Iterable[TrialInfo],
) -> dict[tuple[str, str], dict[str, Measurement]]:
    """``{(test, side): {"pre": Measurement, "post": Measurement}}`` of a session.

    When a phase was recorded more than once, the latest measurement counts.
    """
    pairs: dict[tuple[str, str], dict[str, Measurement]] = {}
    for trial in sorted(trials, key=lambda t: t.id):
        for record in trial.measurements:
            m = record.measurement
            pairs.setdefault((m.test, m.side), {})[trial.phase] = m
    return dict(sorted(pairs.items()))


def _advice(measurement: Measurement | None) -> list[str]:
    if measurement is None:
        return []
    return labels.reason_texts(measurement.reasons)


def session_lines(trials: Iterable[TrialInfo]) -> list[ReportLine]:
    """One :class:`ReportLine` per test and side of a session (pre, post, change, MDC)."""
    lines: list[ReportLine] = []
    for (test, side), phases in latest_by_pair(trials).items():
        pre, post = phases.get("pre"), phases.get("post")
        unit = str(next(m for m in (pre, post) if m is not None).unit)
        pre_value = None if pre is None else pre.value
        post_value = None if post is None else post.value
        entry = compare.MDC95.get(test)
        mdc = compare.mdc_for(test, unit) if entry is not None else None
        delta = None
        if pre_value is not None and post_value is not None and entry is not None:
            delta = compare.change(pre_value, post_value, test, unit)
        notes = tuple(dict.fromkeys(_advice(pre) + _advice(post)))  # unique, in order
        lines.append(ReportLine(
            test=test, side=side, unit=unit, pre=pre_value, post=post_value,
            pre_reliable=pre is not None and bool(pre.reliable),
            post_reliable=post is not None and bool(post.reliable),
            change=None if delta is None else delta.absolute,
            percent_change=None if delta is None else delta.percent,
            mdc=mdc,
            exceeds_mdc=None if delta is None else delta.exceeds_mdc,
            improved=None if delta is None else delta.improved,
            mdc_source=entry.source if entry is not None and mdc is not None else "",
            notes=notes,
        ))
    return lines


def asymmetry_texts(lines: Sequence[ReportLine]) -> list[str]:
    """Left-vs-right sentences for tests measured on both sides (post if there, else pre)."""
    texts: list[str] = []
    for test in sorted({line.test for line in lines}):
        sides = {line.side: line for line in lines if line.test == test}
        if not {"left", "right"} <= sides.keys():
            continue
        left, right = sides["left"], sides["right"]
        for phase in ("post", "pre"):
            lv, rv = getattr(left, phase), getattr(right, phase)
            if lv is None or rv is None:
                continue
            reliable = getattr(left, f"{phase}_reliable") and getattr(right, f"{phase}_reliable")
            result = compare.asymmetry(lv, rv, test, left.unit)
            if result.exceeds_mdc is None:
                judged = "no MDC known to judge it"
            elif result.exceeds_mdc:
                judged = "larger than the MDC: a real difference between the sides"
            else:
                judged = "within the MDC: no clear difference between the sides"
            percent = ("" if result.percent is None
                       else f" ({labels.format_percent(result.percent, signed=False)})")
            text = (f"{labels.test_label(test)} ({phase}): left "
                    f"{labels.format_value(lv, left.unit)}, right "
                    f"{labels.format_value(rv, left.unit)} — difference "
                    f"{labels.format_value(abs(result.difference), left.unit)}{percent}; "
                    f"{judged}")
            if not reliable:
                text += " (at least one side is unreliable)"
            texts.append(text)
            break
    return texts


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
