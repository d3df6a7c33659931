"""Stored sessions turned into tables and sentences (no Streamlit here).

Inputs are the plain records of :mod:`rom.store.records`.  The session's pre/post and
left/right lines are :func:`rom.comparison.session_comparison`'s, shared with the PDF and
the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rom import labels
from rom.history import TechniqueEffect
from rom.i18n import N_, Texts, _, ngettext
from rom.store.records import PersonInfo, SessionInfo, TrialInfo

#: The words of the technique summary (see :func:`effect_sentence`).
EFFECT_TEXT = Texts({
    "sentence": N_("{technique} · {test}: {change} on average over {count}, {verdict}"),
    "no_technique": N_("No technique named"),
    "beyond": N_("beyond the MDC ({mdc}) in {k}"),
    "no_mdc": N_("no MDC to judge it by"),
})


def session_label(session: SessionInfo) -> str:
    """``"25 Nov 2026 · Toe Spreaders (#3)"``: date, technique and id (dates can repeat)."""
    technique = session.technique or _("no technique named")
    return f"{session.date:%d %b %Y} · {technique} (#{session.id})"


def sessions_table(sessions: Sequence[SessionInfo]) -> list[dict[str, str | int]]:
    """Rows for a sessions table, newest first."""
    return [
        {_("Date"): s.date.isoformat(), _("Technique"): s.technique or "–",
         _("Details"): session_details_text(s) or "–", _("Notes"): s.notes or "–",
         _("Trials"): s.trial_count, _("Session"): f"#{s.id}"}
        for s in sorted(sessions, key=lambda s: (s.date, s.id), reverse=True)
    ]


def session_details_text(session: SessionInfo) -> str:
    """The technique's details in words, e.g. ``"1.5 min · left"`` (empty when none)."""
    parts: list[str] = []
    if session.technique_duration_s is not None:
        parts.append(_("{minutes} min").format(minutes=f"{session.technique_duration_s / 60.0:g}"))
    if session.technique_side is not None:
        parts.append(_("both sides") if session.technique_side == "both"
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
    sessions = ngettext("{n} session", "{n} sessions", effect.sessions).format(
        n=effect.sessions)
    count = (sessions if effect.pairs == effect.sessions
             else _("{pairs} before/after pairs in {sessions}").format(
                 pairs=effect.pairs, sessions=sessions))
    verdict = (EFFECT_TEXT["no_mdc"] if effect.mdc is None else EFFECT_TEXT["beyond"].format(
        mdc=labels.format_value(effect.mdc, effect.unit), k=effect.beyond_mdc))
    return EFFECT_TEXT["sentence"].format(
        technique=effect.technique or EFFECT_TEXT["no_technique"],
        test=labels.test_label(effect.test).split(" (")[0],
        change=labels.format_value(effect.mean_change, effect.unit, signed=True),
        count=count, verdict=verdict)
