"""History: a person's sessions over time and the trend of each test."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from rom import deletion, labels
from rom.correction import CORRECTED_LABEL
from rom.dashboard import state, summary
from rom.dashboard.results import PHASE_COLOURS, PHASE_SYMBOLS
from rom.dashboard.text import literal, literal_rows, plot_literal
from rom.errors import RomError
from rom.history import session_changes, technique_effects
from rom.norms import include_in_trend
from rom.store import Store
from rom.store.records import HistoryPoint, PersonInfo
from rom.vocabulary import PHASES

INCLUDE_UNRELIABLE = "Include values flagged unreliable"
INCLUDE_UNRELIABLE_HELP = ("Values rom could not measure reliably are kept out of the trends and "
                           "the technique averages unless you tick this; they are shown hollow.")


def trend_chart(points: list[summary.TrendPoint], unit: str) -> go.Figure:
    """Pre and post values per session; hollow markers are unreliable measurements."""
    scale = labels.display_scale(unit)
    fig = go.Figure()
    for phase in PHASES:
        mine = [p for p in points if p.phase == phase]
        if not mine:
            continue
        fig.add_trace(go.Scatter(
            # Session labels hold the typed technique; Plotly draws tags in its labels.
            x=[plot_literal(p.session_label) for p in mine],
            y=[p.value * scale if p.value is not None else None for p in mine],
            mode="lines+markers+text", name="pre (before)" if phase == "pre" else "post (after)",
            line={"color": PHASE_COLOURS[phase], "width": 2,
                  "dash": "dot" if phase == "pre" else "solid"},
            marker={"size": 12, "color": [PHASE_COLOURS[phase] if p.reliable else "white"
                                          for p in mine],
                    "symbol": PHASE_SYMBOLS[phase],
                    "line": {"color": PHASE_COLOURS[phase], "width": 2}},
            # The value beside each marker; an unreliable one is never shown bare.
            text=[labels.trusted_value(p.value, p.unit, p.reliable, marker=" ⚠ unreliable")
                  + (f" ✎ {CORRECTED_LABEL}" if p.adjusted else "") for p in mine],
            textposition="middle right", cliponaxis=False,
            hovertemplate="%{x}<br>%{text}<extra></extra>",
        ))
    suffix = labels.UNIT_SUFFIX.get(unit, unit).strip()
    name = labels.test_label(points[0].test).split(" (")[0] if points else ""
    fig.update_layout(height=340, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      template="plotly_white", yaxis_title=f"{name} ({suffix})",
                      legend={"orientation": "h", "y": 1.12})
    fig.update_xaxes(type="category")
    return fig


def show(store: Store, person: PersonInfo | None) -> None:
    if person is None:
        st.info("Choose a person in the sidebar to see their history.")
        return
    sessions = store.sessions(person.id)
    if not sessions:
        st.info(f"No sessions saved for {literal(person.name)} yet. Analyse a pre and a post "
                "video on the first tab; results are saved automatically.")
        return
    # Unreliable values stay out of the trends unless the user asks for them (issue 13).
    opt_in = st.checkbox(INCLUDE_UNRELIABLE, key="trend_include_unreliable",
                         help=INCLUDE_UNRELIABLE_HELP)
    history = [point for point in store.history(person.id)
               if include_in_trend(point.measurement, opt_in)]
    points = summary.trend_points(history, sessions)
    _technique_effects(history)
    st.subheader(f"Trends for {literal(person.name)}")
    pairs = sorted({(p.test, p.side) for p in points})
    if not pairs:
        st.info("The saved sessions hold no measurements yet.")
    for test, side in pairs:
        mine = [p for p in points if (p.test, p.side) == (test, side)]
        st.markdown(f"**{labels.test_label(test)} · {literal(side)} side**")
        st.plotly_chart(trend_chart(mine, mine[0].unit), key=f"trend_{test}_{side}")
        adjusted = [p for p in mine if p.adjusted]
        if adjusted:
            st.caption(f"✎ {CORRECTED_LABEL.capitalize()} (points moved by hand): " + "; ".join(
                f"{literal(p.session_label)} · {p.phase}: {labels.format_value(p.value, p.unit)}"
                for p in adjusted))
    if len(sessions) == 1:
        st.caption("One session so far: each new pre/post session adds a point to these "
                   "trends.")
    if any(not p.reliable for p in points):
        st.caption("Hollow markers are unreliable measurements (see the session's advice).")

    st.subheader("Sessions")
    st.table(literal_rows(summary.sessions_table(sessions)), hide_index=True)
    with st.expander("Delete a session"):
        choice = st.selectbox("Session", [s.id for s in sessions], key="delete_session_pick",
                              format_func=lambda i: summary.session_label(
                                  next(s for s in sessions if s.id == i)))
        if st.button("Delete this session", key="delete_session"):
            try:
                deletion.delete_session(store, int(choice))
            except RomError as exc:
                st.error(literal(exc))
            else:
                if st.session_state.get(state.SESSION_ID) == choice:
                    st.session_state.pop(state.SESSION_ID, None)
                state.flash("info", "The session was deleted.")
                st.rerun()


def _technique_effects(history: list[HistoryPoint]) -> None:
    """Which technique works for this person: each one's average immediate change."""
    effects = technique_effects(session_changes(history))
    if not effects:
        return
    st.subheader("What each technique did")
    for effect in effects:
        st.markdown(f"- {literal(summary.effect_sentence(effect))}")
    st.caption("The change from before to after within each session, averaged over the "
               "sessions with reliable before and after values of the same test and side.")
