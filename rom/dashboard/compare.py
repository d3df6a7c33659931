"""Compare: pre vs post per test and side, whether the change is real, and left vs right."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import streamlit as st

from rom import labels, report
from rom.comparison import ComparisonLine, session_comparison
from rom.dashboard import state
from rom.dashboard.results import PHASE_COLOURS, PHASE_SYMBOLS
from rom.dashboard.text import literal, literal_rows
from rom.errors import RomError
from rom.store import Store
from rom.store.records import PersonInfo
from rom.vocabulary import PHASES

# Verdict kinds, in the order they are decided, with their table sentence and headline word.
_VERDICT_TEXT = {
    "incomplete": ("Needs both pre and post", "–"),
    "unreliable": ("⚠ Unreliable — film again", "Unreliable"),
    "no_mdc": ("No MDC known for this test", "Unknown"),
    "improved": ("✔ Real improvement", "Yes, better"),
    "worse": ("✔ Real change (worse)", "Yes, worse"),
    "uncertain": ("≈ Beyond the MDC but within rom's uncertainty — real change: no",
                  "No, uncertain"),
    "noise": ("≈ Within measurement noise", "No, noise"),
}


def _verdict_kind(line: ComparisonLine) -> str:
    """What one pre/post line shows: a key of the verdict texts above."""
    if line.value("pre") is None or line.value("post") is None:
        return "incomplete"
    if not line.both_reliable:
        return "unreliable"
    if line.exceeds_mdc is None:
        return "no_mdc"
    if line.real_change:
        return "improved" if line.improved else "worse"
    if line.exceeds_mdc:  # but not the two values' combined uncertainty
        return "uncertain"
    return "noise"


def verdict(line: ComparisonLine) -> str:
    """Plain words (with a symbol, never colour alone) for one pre/post line."""
    return _VERDICT_TEXT[_verdict_kind(line)][0]


def short_verdict(line: ComparisonLine) -> str:
    """One or two words for the headline (the table has the full sentence)."""
    return _VERDICT_TEXT[_verdict_kind(line)][1]


def table_rows(lines: Sequence[ComparisonLine]) -> list[dict[str, str]]:
    return [
        {
            "Test": labels.test_label(line.test),
            "Side": line.side.capitalize(),
            "Pre": labels.trusted_value(line.value("pre"), line.unit, line.reliable("pre"),
                                        marker=" ⚠", uncertainty=line.uncertainty("pre")),
            "Post": labels.trusted_value(line.value("post"), line.unit, line.reliable("post"),
                                         marker=" ⚠", uncertainty=line.uncertainty("post")),
            "Change": labels.trusted_value(_absolute(line), line.unit, line.both_reliable,
                                           signed=True, marker=" ⚠"),
            "% change": labels.format_percent(_percent(line)),
            "MDC": labels.format_value(line.mdc, line.unit),
            "Beyond MDC?": verdict(line),
        }
        for line in lines
    ]


def _absolute(line: ComparisonLine) -> float | None:
    return None if line.change is None else line.change.absolute


def _percent(line: ComparisonLine) -> float | None:
    return None if line.change is None else line.change.percent


def dumbbell_chart(lines: Sequence[ComparisonLine]) -> go.Figure:
    """Pre → post per test and side: a circle, a diamond and the line between them."""
    fig = go.Figure()
    names = [f"{labels.test_label(line.test).split(' (')[0]} · {line.side}" for line in lines]
    for line, name in zip(lines, names, strict=True):
        pre, post = line.value("pre"), line.value("post")
        if pre is not None and post is not None:
            scale = labels.display_scale(line.unit)
            fig.add_trace(go.Scatter(x=[pre * scale, post * scale], y=[name, name],
                                     mode="lines", line={"color": "#9CA3AF", "width": 4},
                                     showlegend=False, hoverinfo="skip"))
    titles = {"pre": "pre (before)", "post": "post (after)"}
    for phase in PHASES:
        title = titles[phase]
        xs, ys, texts, fills = [], [], [], []
        for line, name in zip(lines, names, strict=True):
            value = line.value(phase)
            reliable = line.reliable(phase)
            if value is not None:
                xs.append(value * labels.display_scale(line.unit))
                ys.append(name)
                texts.append(labels.trusted_value(value, line.unit, reliable, marker=" ⚠"))
                # Hollow = unreliable, as in the history's trend charts.
                fills.append(PHASE_COLOURS[phase] if reliable else "white")
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="markers+text", name=title, text=texts,
            textposition="top center", cliponaxis=False,
            marker={"size": 16, "color": fills, "symbol": PHASE_SYMBOLS[phase],
                    "line": {"color": PHASE_COLOURS[phase], "width": 2}},
        ))
    fig.update_layout(height=120 + 70 * len(lines), template="plotly_white",
                      margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"orientation": "h", "y": 1.15}, xaxis_title=_axis_title(lines))
    return fig


def _axis_title(lines: Sequence[ComparisonLine]) -> str:
    units = {line.unit for line in lines}
    names = {"deg": "degrees", "cm": "centimetres", "fraction_of_height": "% of height"}
    return names.get(units.pop(), "value") if len(units) == 1 else "value (° or cm)"


def show_session(store: Store, person: PersonInfo) -> None:
    """The comparison section for the session being recorded now."""
    session_id = st.session_state.get(state.SESSION_ID)
    if session_id is None:
        return
    try:
        trials = store.trials(int(session_id))
    except RomError:
        st.session_state.pop(state.SESSION_ID, None)
        return
    lines = session_comparison(trials)
    if not lines:
        return
    st.subheader("4 · Pre vs post in this session")
    technique = st.session_state.get(state.SESSION_FINGERPRINT, ("", ""))[1]
    st.caption(f"{literal(person.name)} · {literal(technique)} · saved to the history "
               "automatically")
    last = st.session_state.get(state.LAST_PAIR)
    headline = next((line for line in lines if last and line.test == last[0]
                     and (line.side == last[1] or last[1] == "auto")), None)
    if headline is not None:
        show_headline(headline)
    show_lines(lines, key=f"session_{session_id}")


def show_headline(line: ComparisonLine) -> None:
    """The latest test's answer in four numbers a runner can read at a glance."""
    cols = st.columns(4)
    cols[0].metric("Before", labels.trusted_value(line.value("pre"), line.unit,
                                                  line.reliable("pre"),
                                                  uncertainty=line.uncertainty("pre")),
                   border=True)
    cols[1].metric("After", labels.trusted_value(line.value("post"), line.unit,
                                                 line.reliable("post"),
                                                 uncertainty=line.uncertainty("post")),
                   border=True)
    percent = _percent(line)
    cols[2].metric("Change", labels.trusted_value(_absolute(line), line.unit, line.both_reliable,
                                                  signed=True),
                   delta=labels.format_percent(percent) if percent is not None else None,
                   # An arrow would mislead: for the toe touch, down is better.
                   delta_color="off", delta_arrow="off", border=True)
    cols[3].metric("Real change?", short_verdict(line), border=True,
                   delta=f"MDC {labels.format_value(line.mdc, line.unit)}"
                   if line.mdc is not None else None, delta_color="off", delta_arrow="off",
                   help="Real when the change is larger than the minimal detectable change "
                   "(MDC) and than the two values' combined uncertainty (± beside each "
                   "value); smaller changes can be measurement noise.")


def show_lines(lines: Sequence[ComparisonLine], key: str) -> None:
    st.table(literal_rows(table_rows(lines)), hide_index=True)
    # One chart per unit: degrees and centimetres never share an axis.
    for unit in sorted({line.unit for line in lines}):
        same = [line for line in lines if line.unit == unit]
        if any(line.value("pre") is not None and line.value("post") is not None
               for line in same):
            st.plotly_chart(dumbbell_chart(same), key=f"dumbbell_{key}_{unit}")
    notes = list(dict.fromkeys(note for line in lines for note in line.notes))
    if notes:
        st.markdown("**What the videos tell you**")
        for note in notes:
            st.markdown(f"- {literal(note)}")  # stored reasons are data
    asymmetry = report.asymmetry_texts(lines)
    if asymmetry:
        st.markdown("**Left vs right**")
        for text in asymmetry:
            st.markdown(f"- {text}")
    sources = sorted({line.mdc_source for line in lines if line.mdc_source})
    st.caption(
        "MDC = minimal detectable change: a change smaller than this can be measurement noise. "
        "± = rom's own uncertainty of a value (about 95 %); a change is real only when it is "
        "larger than the MDC and than the two values' combined uncertainty. "
        + ("Sources: " + "; ".join(sources) + "." if sources else "")
    )
