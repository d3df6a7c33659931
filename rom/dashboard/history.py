"""History: a person's sessions over time and the trend of each test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import cast

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from rom import deletion, labels, norms, trend
from rom.correction import CORRECTED_LABEL, is_corrected
from rom.dashboard import layout, state, summary
from rom.dashboard import trials as dashboard_trials
from rom.dashboard.results import PHASE_SYMBOLS
from rom.dashboard.text import literal, literal_rows, plot_literal
from rom.errors import RomError
from rom.history import session_changes, technique_effects
from rom.i18n import N_, Texts, _
from rom.norms import include_in_trend
from rom.store import Store
from rom.store.records import HistoryPoint, PersonInfo
from rom.style import CHART_TEXT_HEX, MUTED_HEX, OKABE_ITO, REFERENCE_FILL, WARN_HEX
from rom.trials import summarised_points
from rom.vocabulary import PHASES

INCLUDE_UNRELIABLE = N_("Include values flagged unreliable")
INCLUDE_UNRELIABLE_HELP = N_("Values rom could not measure reliably are kept out of the trends and "
                             "the technique averages unless you tick this; they are shown hollow.")

#: The History tab's chart words (one table, ready for translation).
HISTORY_TEXT: Mapping[str, str] = Texts({
    "trace": N_("{side} · {phase}"),
    "mdc_band": N_("MDC band · {side} (± {mdc} around the first before)"),
    "range": N_("typical range: {meaning}"),
    "asymmetry": N_("left–right difference · {phase}"),
    "threshold": N_("published threshold {limit}"),
    "threshold_note": N_("Left/right threshold {limit}: {meaning} ({source})."),
    "range_note": N_("Typical range: {meaning} ({source})."),
    "mdc_line": N_("MDC {mdc} (no published left/right threshold)"),
    "value_axis": N_("{test} ({unit})"),
    "asymmetry_axis": N_("Left–right {quantity} ({unit})"),
    "knee_to_wall": N_("knee-to-wall"),
    "difference": N_("difference"),
    "hover": "%{customdata}<br>%{text}<extra></extra>",
    "no_technique": N_("No technique named"),
    "tests": N_("Tests"),
    "techniques": N_("Techniques"),
    "no_values": N_("No values of these tests with these techniques to show."),
})

#: Each side's colour on the history chart (Okabe–Ito, 3:1 or more on white); before and
#: after are told apart by shape and line (circle and dotted, diamond and solid), as in
#: the session's before/after chart.
SIDE_COLOURS: dict[str, str] = {"left": OKABE_ITO["blue"], "right": OKABE_ITO["black"]}
_DASHES = {"pre": "dot", "post": "solid"}
_SIZES = {"pre": 10, "post": 13}
#: The time axis is ticked at each session's date up to this many sessions.
MAX_DATE_TICKS = 8


def _session_text(session_id: int, date: dt.date, session_labels: Mapping[int, str]) -> str:
    """The session's label for a hover (its date and id when no label is given)."""
    label = session_labels.get(session_id, f"{date:%d %b %Y} (#{session_id})")
    # Session labels hold the typed technique; Plotly draws tags in its hover labels.
    return plot_literal(label)


def history_figure(data: trend.Trend,
                   session_labels: Mapping[int, str] | None = None) -> go.Figure:
    """One test over time: left and right against the session date, and their difference.

    The top panel has each side's before and after values per session (after: solid line,
    diamonds; hollow markers are unreliable values: comparable ones such as deep knee
    flexion, and the others only when opted in), the ± MDC
    band around each side's first before value (values inside it are indistinguishable
    from that baseline) and the published typical range shaded.  The bottom panel, when
    both sides were measured in a session, has ``|left - right|`` per session and phase
    with the published left/right threshold (or the MDC when none is published).

    Parameters
    ----------
    data : rom.trend.Trend
        From :func:`rom.trend.trend_for`; values in stored units, shown in display units
        (:func:`rom.labels.display_scale`).
    session_labels : mapping of session id to label, optional
        Shown when hovering a point (e.g. :func:`rom.dashboard.summary.session_label`).

    Returns
    -------
    plotly.graph_objects.Figure
        Pure: no Streamlit, nothing read or written.
    """
    session_labels = session_labels or {}
    scale = labels.display_scale(data.unit)
    rows = 2 if data.asymmetry else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[0.68, 0.32][:rows])
    dates = sorted({v.date for _side, values in data.sides for v in values})
    for side, values in data.sides:
        colour = SIDE_COLOURS.get(side, OKABE_ITO["blue"])
        for phase in PHASES:
            shown = [v for v in values if v.value(phase) is not None]
            if not shown:
                continue
            fig.add_trace(go.Scatter(
                x=[v.date for v in shown],
                y=[cast(float, v.value(phase)) * scale for v in shown],
                mode="lines+markers",
                name=HISTORY_TEXT["trace"].format(side=labels.side_word(side),
                                                  phase=labels.phase_word(phase)),
                line={"color": colour, "width": 2 if phase == "post" else 1.5,
                      "dash": _DASHES[phase]},
                marker={"size": _SIZES[phase], "symbol": PHASE_SYMBOLS[phase],
                        "color": [colour if v.reliable(phase) else "white" for v in shown],
                        "line": {"color": colour, "width": 2}},
                # The value in words for the hover; an unreliable one is never shown bare.
                text=[labels.trusted_value(v.value(phase), data.unit, v.reliable(phase),
                                           marker=_(" ⚠ unreliable")) for v in shown],
                customdata=[_session_text(v.session_id, v.date, session_labels) for v in shown],
                hovertemplate=HISTORY_TEXT["hover"],
            ), row=1, col=1)
        _add_mdc_band(fig, data, side, values, dates, colour)
    known = [cast(float, v.value(phase)) for _side, values in data.sides for v in values
             for phase in PHASES if v.value(phase) is not None]
    limits = trend.axis_limits(known, data.unit, data.mdc)
    if limits is not None:
        fig.update_yaxes(range=[limits[0] * scale, limits[1] * scale], row=1, col=1)
    if data.reference is not None and limits is not None:
        band = data.reference
        top = band.high if band.high is not None else max(band.low, limits[1])
        fig.add_hrect(y0=band.low * scale, y1=top * scale, fillcolor=REFERENCE_FILL,
                      opacity=0.2, line_width=0, layer="below",
                      annotation_text=HISTORY_TEXT["range"].format(meaning=_(band.meaning)),
                      annotation_position="top left", row=1, col=1)
    suffix = labels.UNIT_SUFFIX.get(data.unit, data.unit).strip()
    name = labels.test_label(data.test).split(" (")[0]
    fig.update_yaxes(title_text=HISTORY_TEXT["value_axis"].format(test=name, unit=suffix),
                     row=1, col=1)
    if data.asymmetry:
        _add_asymmetry(fig, data, session_labels)
    # Ticks at the sessions' dates while they fit; Plotly's own ticks beyond that.
    ticks = {"tickvals": dates} if len(dates) <= MAX_DATE_TICKS else {}
    fig.update_xaxes(type="date", tickformat="%d %b %Y", **ticks)
    fig.update_layout(height=420 + 180 * (rows - 1), template="plotly_white",
                      font={"color": CHART_TEXT_HEX},
                      margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"})
    return fig


def chart_notes(data: trend.Trend) -> list[str]:
    """The sources of the chart's typical range and left/right threshold, in words."""
    notes = []
    if data.reference is not None:
        notes.append(HISTORY_TEXT["range_note"].format(meaning=_(data.reference.meaning),
                                                       source=data.reference.source))
    if data.threshold is not None and data.asymmetry:
        notes.append(HISTORY_TEXT["threshold_note"].format(
            limit=labels.format_value(data.threshold.limit, data.threshold.unit),
            meaning=_(data.threshold.meaning), source=data.threshold.source))
    return notes


def _add_mdc_band(fig: go.Figure, data: trend.Trend, side: str,
                  values: Sequence[trend.SessionValue], dates: Sequence[dt.date],
                  colour: str) -> None:
    """± MDC around the side's first before value (its first value when none), all along."""
    if data.mdc is None or not dates:
        return
    first = next((v.value(phase) for v in values for phase in PHASES
                  if v.value(phase) is not None), None)
    baseline = next((v.before for v in values if v.before is not None), first)
    if baseline is None:
        return
    scale = labels.display_scale(data.unit)
    low, high = (baseline - data.mdc) * scale, (baseline + data.mdc) * scale
    start, end = dates[0], dates[-1]
    fig.add_trace(go.Scatter(
        x=[start, end, end, start, start], y=[low, low, high, high, low], mode="lines",
        fill="toself", fillcolor=colour, opacity=0.12, line={"width": 0},
        name=HISTORY_TEXT["mdc_band"].format(side=labels.side_word(side),
                                             mdc=labels.format_value(data.mdc, data.unit)),
        hoverinfo="skip",
    ), row=1, col=1)


def _add_asymmetry(fig: go.Figure, data: trend.Trend, session_labels: Mapping[int, str]) -> None:
    """The bottom panel: ``|left - right|`` per session and phase, and the threshold line."""
    scale = labels.display_scale(data.asymmetry_unit)
    for phase in PHASES:
        shown = [a for a in data.asymmetry if a.phase == phase]
        if not shown:
            continue
        fig.add_trace(go.Scatter(
            x=[a.date for a in shown], y=[a.difference * scale for a in shown],
            mode="lines+markers",
            name=HISTORY_TEXT["asymmetry"].format(phase=labels.phase_word(phase)),
            line={"color": MUTED_HEX, "width": 1.5, "dash": _DASHES[phase]},
            marker={"size": _SIZES[phase] - 2, "symbol": PHASE_SYMBOLS[phase],
                    "color": [MUTED_HEX if a.reliable else "white" for a in shown],
                    "line": {"color": MUTED_HEX, "width": 2}},
            text=[labels.trusted_value(a.difference, data.asymmetry_unit, a.reliable,
                                       marker=_(" ⚠ unreliable")) for a in shown],
            customdata=[_session_text(a.session_id, a.date, session_labels) for a in shown],
            hovertemplate=HISTORY_TEXT["hover"],
        ), row=2, col=1)
    if data.threshold is not None:
        line = data.threshold.limit
        note = HISTORY_TEXT["threshold"].format(
            limit=labels.format_value(line, data.threshold.unit))
    elif data.mdc is not None:
        line = data.mdc
        note = HISTORY_TEXT["mdc_line"].format(mdc=labels.format_value(data.mdc, data.unit))
    else:
        line, note = None, ""
    largest = max(a.difference for a in data.asymmetry)
    top = max(largest, line or 0.0) * 1.3 or 1.0
    if line is not None:
        fig.add_hline(y=line * scale, line_dash="dash", line_color=WARN_HEX, line_width=1.5,
                      annotation_text=note, annotation_position="top left", row=2, col=1)
    quantity = (HISTORY_TEXT["knee_to_wall"] if data.asymmetry_quantity == norms.KNEE_TO_WALL
                else HISTORY_TEXT["difference"])
    suffix = labels.UNIT_SUFFIX.get(data.asymmetry_unit, data.asymmetry_unit).strip()
    fig.update_yaxes(range=[0.0, top * scale], row=2, col=1,
                     title_text=HISTORY_TEXT["asymmetry_axis"].format(quantity=quantity,
                                                                      unit=suffix))


def show(store: Store, person: PersonInfo | None) -> None:
    if person is None:
        st.info(_("Choose a person in the sidebar to see their history."))
        return
    sessions = store.sessions(person.id)
    if not sessions:
        st.info(_("No sessions saved for {person} yet. Analyse a before and an after video on "
                  "the first tab; results are saved automatically.").format(
            person=literal(person.name)))
        return
    # Values that are not comparable stay out of the trends unless the user asks for them
    # (issue 13).
    opt_in = st.checkbox(_(INCLUDE_UNRELIABLE), key="trend_include_unreliable",
                         help=_(INCLUDE_UNRELIABLE_HELP))
    # Several trials of a phase count as the verdict card shows them (mean or best).
    history = summarised_points([point for point in store.history(person.id)
                                 if include_in_trend(point.measurement, opt_in)],
                                dashboard_trials.chosen_statistic(store))
    session_labels = {s.id: summary.session_label(s) for s in sessions}
    chosen = _filters(history, person.id)
    if chosen is None:
        st.info(_("The saved sessions hold no measurements yet."))
    else:
        # The filters apply to everything below them: the techniques' averages and the trends.
        tests, techniques = chosen
        filtered = [p for p in history
                    if p.measurement.test in tests and p.technique in techniques]
        _technique_effects(filtered)
        st.subheader(_("Trends for {person}").format(person=literal(person.name)))
        _trends(filtered, tests, session_labels, opt_in)
    adjusted = [p for p in history if is_corrected(p.measurement)]
    if adjusted:
        st.caption(_("✎ {adjusted} (points moved by hand): ").format(
            adjusted=_(CORRECTED_LABEL).capitalize()) + "; ".join(
            f"{literal(session_labels.get(p.session_id, str(p.date)))} · "
            f"{labels.test_label(p.measurement.test)} · {labels.side_word(p.measurement.side)} · "
            f"{labels.phase_word(p.phase)}: "
            f"{labels.format_value(p.measurement.value, p.measurement.unit)}"
            for p in adjusted))
    if len(sessions) == 1:
        st.caption(_("One session so far: each new before/after session adds a point to these "
                     "trends."))

    st.subheader(_("Sessions"))
    layout.table_or_cards(literal_rows(summary.sessions_table(sessions)), key="sessions")
    with st.expander(_("Delete a session")):
        choice = st.selectbox(_("Session"), [s.id for s in sessions], key="delete_session_pick",
                              format_func=lambda i: summary.session_label(
                                  next(s for s in sessions if s.id == i)))
        if st.button(_("Delete this session"), key="delete_session"):
            try:
                deletion.delete_session(store, int(choice))
            except RomError as exc:
                st.error(literal(exc))
            else:
                if st.session_state.get(state.SESSION_ID) == choice:
                    st.session_state.pop(state.SESSION_ID, None)
                state.flash("info", _("The session was deleted."))
                st.rerun()


def _filters(history: Sequence[HistoryPoint],
             person_id: int) -> tuple[list[str], set[str | None]] | None:
    """The tab's test and technique filters: the tests and the techniques chosen (None in
    them: sessions with no technique named); None when the history has no measurements."""
    tests = trend.trend_tests(history)
    if not tests:
        return None
    # "" stands for sessions with no technique named (a typed technique is never empty).
    techniques = [t or "" for t in trend.trend_techniques(history)]
    cols = st.columns(2)
    chosen_tests = cols[0].multiselect(
        HISTORY_TEXT["tests"], tests, default=tests, key=f"trend_tests_{person_id}",
        format_func=lambda t: labels.test_label(t).split(" (")[0])
    chosen = cols[1].multiselect(
        HISTORY_TEXT["techniques"], techniques, default=techniques,
        key=f"trend_techniques_{person_id}",
        format_func=lambda t: t or HISTORY_TEXT["no_technique"])
    return chosen_tests, {t or None for t in chosen}


def _trends(history: list[HistoryPoint], tests: Sequence[str],
            session_labels: Mapping[int, str], opt_in: bool) -> None:
    """One time chart per test of ``tests`` (``history`` already filtered)."""
    shown = [data for test in tests if (data := trend.trend_for(history, test, opt_in=opt_in))]
    for data in shown:
        st.markdown(f"**{labels.test_label(data.test)}**")
        st.plotly_chart(history_figure(data, session_labels), key=f"trend_{data.test}")
        for note in chart_notes(data):
            st.caption(literal(note))
    if not shown:
        st.info(HISTORY_TEXT["no_values"])
    if any(not v.reliable(phase) for data in shown for _side, values in data.sides
           for v in values for phase in PHASES):
        st.caption(_("Hollow markers are unreliable measurements (see the session's advice)."))


def _technique_effects(history: list[HistoryPoint]) -> None:
    """Which technique works for this person: each one's average immediate change."""
    effects = technique_effects(session_changes(history))
    if not effects:
        return
    st.subheader(_("What each technique did"))
    for effect in effects:
        st.markdown(f"- {literal(summary.effect_sentence(effect))}")
    st.caption(_("The change from before to after within each session, averaged over the "
                 "sessions with reliable before and after values of the same test and side."))
