"""Compare: pre vs post per test and side, whether the change is real, and left vs right."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import streamlit as st

from rom import labels, norms, report
from rom.compare import no_mdc_reason
from rom.comparison import ComparisonLine, asymmetry_lines, compare_pair
from rom.correction import CORRECTED_LABEL, adjusted_suffix, is_corrected
from rom.dashboard import export, layout, state
from rom.dashboard import trials as dashboard_trials
from rom.dashboard.results import PHASE_COLOURS, PHASE_SYMBOLS
from rom.dashboard.text import literal, literal_rows
from rom.errors import RomError
from rom.i18n import N_, Texts, _
from rom.measurement import Measurement
from rom.protocols import CATALOGUE
from rom.store import Store
from rom.store.records import PersonInfo
from rom.style import CHART_TEXT_HEX, MUTED_HEX, REFERENCE_FILL
from rom.trials import session_lines, summary_comparison
from rom.vocabulary import PHASES

# Verdict kinds, in the order they are decided, with their table sentence and headline word.
_VERDICT_TEXT = {
    "incomplete": (N_("Needs both a before and an after value"), "–"),
    "unreliable": (N_("⚠ Unreliable — film again"), N_("Unreliable")),
    "no_mdc": (N_("No published MDC for this test"), N_("No published MDC")),
    "improved": (N_("✔ Better — real change: yes"), N_("Yes, better")),
    "worse": (N_("✔ Worse — real change: yes"), N_("Yes, worse")),
    "uncertain": (N_("≈ Beyond the MDC but within rom's uncertainty — real change: no"),
                  N_("No, uncertain")),
    "noise": (N_("≈ Within measurement noise — real change: no"), N_("No, noise")),
}


def _verdict_kind(line: ComparisonLine) -> str:
    """What one pre/post line shows: a key of the verdict texts above."""
    if line.value("pre") is None or line.value("post") is None:
        return "incomplete"
    if not line.comparable:
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
    return _(_VERDICT_TEXT[_verdict_kind(line)][0])


def short_verdict(line: ComparisonLine) -> str:
    """One or two words for the headline (the table has the full sentence)."""
    return _(_VERDICT_TEXT[_verdict_kind(line)][1])


#: The verdict card's end of sentence per verdict kind ({mdc} is the MDC with its unit).
_CARD_VERDICT = Texts({
    "incomplete": N_("needs both a before and an after value"),
    "unreliable": N_("unreliable, film again"),
    "no_mdc": "{why}",
    "improved": N_("real change: yes, better (MDC {mdc})"),
    "worse": N_("real change: yes, worse (MDC {mdc})"),
    "uncertain": N_("real change: no, beyond the MDC ({mdc}) but within rom's uncertainty"),
    "noise": N_("real change: no, within measurement noise (MDC {mdc})"),
})

#: What a larger / smaller primary value means, per test, for the change in words.
CHANGE_DIRECTION: dict[str, tuple[str, str]] = {
    "ankle-dorsiflexion": (N_("more dorsiflexion"), N_("less dorsiflexion")),
    "knee-flexion": (N_("more knee bend"), N_("less knee bend")),
    "knee-flexion-prone": (N_("more knee bend"), N_("less knee bend")),
    "hip-extension": (N_("more hip extension"), N_("less hip extension")),
    "hip-flexion": (N_("more hip flexion"), N_("less hip flexion")),
    "toe-touch": (N_("further from the floor"), N_("closer to the floor")),
}

#: The card's words (one table, ready for translation).
CARD_TEXT = Texts({
    "anchor": "rom-verdict",  # codes, not words: never in the catalogue
    "key": "verdict_card_",  # each card's key prefix (its CSS class is st-key-<key>)
    "heading": N_("Your result"),
    "before": N_("Before"),
    "after": N_("After"),
    "knee_to_wall": N_("Knee-to-wall: {value}"),
})


def change_words(line: ComparisonLine) -> str:
    """The change's size and direction in the test's own words, e.g. ``"2.5° more
    dorsiflexion"`` or ``"3.9 cm closer to the floor"``; empty without a change."""
    delta = _absolute(line)
    if delta is None:
        return ""
    if delta == 0:
        return _("no change")
    more, less = CHANGE_DIRECTION.get(line.test, (N_("higher"), N_("lower")))
    return _("{size} {direction}").format(size=labels.format_value(abs(delta), line.unit),
                                         direction=_(more if delta > 0 else less))


def verdict_sentence(line: ComparisonLine) -> str:
    """The verdict card's sentence, e.g. ``"Ankle dorsiflexion · left: 31.5° → 34.0° (+2.5°)
    — real change: no, within measurement noise (MDC 4.7°)"``."""
    name = labels.test_label(line.test).split(" (")[0]
    pre = labels.trusted_value(line.value("pre"), line.unit, line.reliable("pre"))
    post = labels.trusted_value(line.value("post"), line.unit, line.reliable("post"))
    delta = _absolute(line)
    shown = f"{pre} → {post}"
    if delta is not None:
        shown += f" ({labels.format_value(delta, line.unit, signed=True)})"
    ending = _CARD_VERDICT[_verdict_kind(line)].format(
        mdc=labels.format_value(line.mdc, line.unit), why=no_mdc_reason(line.test))
    return _("{test} · {side}: {values} — {verdict}").format(
        test=name, side=labels.side_word(line.side), values=shown, verdict=ending)


def knee_to_wall_text(measurement: Measurement | None) -> str:
    """The weight-bearing lunge's knee-to-wall distance with its reference, or empty."""
    if measurement is None:
        return ""
    distance = measurement.secondary.get(norms.KNEE_TO_WALL)
    if distance is None:
        return ""
    text = CARD_TEXT["knee_to_wall"].format(value=labels.format_value(distance, "cm"))
    band = norms.reference_range(measurement.test, norms.KNEE_TO_WALL)
    sentence = norms.range_sentence(distance, band)
    return _("{distance}, {judged}").format(distance=text, judged=sentence) if sentence else text


def range_text(measurement: Measurement | None) -> str:
    """Where the primary value lies against the published range, or why there is none."""
    if measurement is None or measurement.value is None:
        return ""
    band = norms.reference_range(measurement.test)
    if band is None or band.unit != measurement.unit:
        return norms.NO_RANGE_REASON.get(measurement.test, _("no published range"))
    return norms.range_sentence(measurement.value, band)


def verdict_lines() -> list[ComparisonLine]:
    """One line per test and side analysed in this browser session, the latest pair first."""
    found = state.analyses()
    pairs = sorted({(test, side) for test, side, _phase in found})
    last = st.session_state.get(state.LAST_PAIR)
    if last in pairs:
        pairs.remove(last)
        pairs.insert(0, last)
    lines = []
    statistic = dashboard_trials.chosen_statistic(state.get_store())
    for test, slot_side in pairs:
        pre, post = found.get((test, slot_side, "pre")), found.get((test, slot_side, "post"))
        pre_m = pre.measurement if pre is not None else None
        post_m = post.measurement if post is not None else None
        measured = next(m.side for m in (pre_m, post_m) if m is not None)
        # Several trials in a phase: their mean (or best), the spread in the verdict.
        trials = state.measured_trials(test, slot_side, measured)
        summary = summary_comparison(test, measured, trials, statistic)
        lines.append(summary if summary is not None else compare_pair(test, measured, pre_m,
                                                                      post_m))
    return lines



def asymmetry_threshold_texts(lines: Sequence[ComparisonLine]) -> list[str]:
    """Left vs right against the literature's threshold, per test measured on both sides.

    The quantity compared is the threshold's (the ankle's knee-to-wall distance in cm);
    a test without a published threshold says so.
    """
    texts = []
    for pair in asymmetry_lines(lines):
        name = labels.test_label(pair.test).split(" (")[0]
        threshold = norms.ASYMMETRY_THRESHOLDS.get(pair.test)
        if threshold is None:
            texts.append(_("{test}: no published left/right threshold").format(test=name))
            continue
        if threshold.quantity == "value":
            left, right = pair.left.value, pair.right.value
        else:
            left = pair.left.secondary.get(threshold.quantity)
            right = pair.right.secondary.get(threshold.quantity)
        if left is None or right is None:
            continue
        apart = labels.format_value(abs(left - right), threshold.unit)
        limit = labels.format_value(threshold.limit, threshold.unit)
        beyond = norms.asymmetric(left, right, threshold)
        verdict_words = (_("beyond {limit}: asymmetric") if beyond
                         else _("within {limit}: not asymmetric")).format(limit=limit)
        texts.append(
            _("{test} ({phase}): left {left}, right {right}, {apart} apart, {verdict} "
              "({meaning}; {source})").format(
                test=name, phase=labels.phase_word(pair.phase),
                left=labels.format_value(left, threshold.unit),
                right=labels.format_value(right, threshold.unit), apart=apart,
                verdict=verdict_words, meaning=_(threshold.meaning), source=threshold.source)
            + ("" if pair.reliable else _(" ⚠ a side is unreliable")))
    return texts


def show_verdicts() -> None:
    """The verdict cards, right under the form: one per test and side, stacked on a phone."""
    lines = verdict_lines()
    if not lines:
        return
    st.subheader(CARD_TEXT["heading"], anchor=CARD_TEXT["anchor"])
    for line in lines:
        show_verdict_card(line)
    export.saved_session_download(state.get_store())  # the client's PDF, one click away


def show_verdict_card(line: ComparisonLine) -> None:
    """One bordered card: the sentence, the measured side and each value's reliability."""
    with st.container(border=True, key=f"{CARD_TEXT['key']}{line.test}_{line.side}"):
        st.markdown(f"**{literal(verdict_sentence(line))}**")
        words = change_words(line)
        caption = labels.measured_side(line.side) + (f" · {words}" if words else "")
        st.markdown(f":material/accessibility_new: **{literal(caption)}**")
        cols = st.columns(2)
        for col, measurement, title in ((cols[0], line.pre, CARD_TEXT["before"]),
                                        (cols[1], line.post, CARD_TEXT["after"])):
            with col:
                if measurement is None:
                    st.caption(_("{phase}: not analysed yet").format(phase=title))
                    continue
                value = labels.trusted_value(measurement.value, line.unit,
                                             measurement.reliable,
                                             uncertainty=measurement.uncertainty)
                trust = (_("reliable, quality {quality}").format(
                    quality=f"{measurement.quality:.0%}") if measurement.reliable
                         else _("not exact on its own, so only its change is measured")
                         if measurement.comparable
                         else _("unreliable, do not use this number"))
                if is_corrected(measurement):
                    trust += f", {_(CORRECTED_LABEL)}"
                st.markdown(_("{phase}: **{value}** ({trust})").format(
                    phase=title, value=literal(value), trust=trust))
                for extra in (knee_to_wall_text(measurement), range_text(measurement)):
                    if extra:
                        st.caption(literal(extra))
        note = _trials_note(line)
        if note:
            st.caption(literal(note))


def _trials_note(line: ComparisonLine) -> str:
    """Which trials the card's values summarise (empty with one trial per phase)."""
    found = {slot for test, slot, _phase in state.analyses() if test == line.test}
    for slot in sorted(found):
        by_phase = state.measured_trials(line.test, slot, line.side)
        if any(by_phase.values()):
            return dashboard_trials.card_note(
                line.test, line.unit, by_phase, dashboard_trials.chosen_statistic(
                    state.get_store()))
    return ""


def table_rows(lines: Sequence[ComparisonLine]) -> list[dict[str, str]]:
    return [
        {
            _("Test"): labels.test_label(line.test),
            _("Side"): labels.SIDE_LABELS.get(line.side, line.side),
            _("Before"): labels.trusted_value(line.value("pre"), line.unit, line.reliable("pre"),
                                              marker=" ⚠", uncertainty=line.uncertainty("pre"))
            + adjusted_suffix(line.pre),
            _("After"): labels.trusted_value(line.value("post"), line.unit, line.reliable("post"),
                                             marker=" ⚠", uncertainty=line.uncertainty("post"))
            + adjusted_suffix(line.post),
            _("Change"): labels.trusted_value(_absolute(line), line.unit, line.comparable,
                                              signed=True, marker=" ⚠"),
            _("% change"): labels.format_percent(_percent(line)),
            _("MDC"): labels.format_value(line.mdc, line.unit),
            _("Real change?"): verdict(line),
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
    names = [f"{labels.test_label(line.test).split(' (')[0]} · {labels.side_word(line.side)}"
             for line in lines]
    for line, name in zip(lines, names, strict=True):
        pre, post = line.value("pre"), line.value("post")
        if pre is not None and post is not None:
            scale = labels.display_scale(line.unit)
            fig.add_trace(go.Scatter(x=[pre * scale, post * scale], y=[name, name],
                                     mode="lines", line={"color": MUTED_HEX, "width": 4},
                                     showlegend=False, hoverinfo="skip"))
    for phase in PHASES:
        title = labels.phase_word(phase)
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
    _add_mdc_bands(fig, lines, names)
    _add_reference_band(fig, lines)
    fig.update_layout(height=120 + 70 * len(lines), template="plotly_white",
                      font={"color": CHART_TEXT_HEX},
                      margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"orientation": "h", "y": 1.15}, xaxis_title=_axis_title(lines))
    span = axis_range(lines)
    if span is not None:
        fig.update_xaxes(range=list(span))
    return fig


#: How many MDCs the value axis spans at least, so noise never fills the chart.
AXIS_SPAN_MDCS = 3.0
#: Name of the MDC band's trace (the band of noise around each before value).
MDC_BAND_NAME = N_("MDC band around before")


def axis_range(lines: Sequence[ComparisonLine]) -> tuple[float, float] | None:
    """The value axis (display units) for ``lines`` of one unit: never zoomed to two values.

    It spans at least :data:`AXIS_SPAN_MDCS` times the largest MDC, centred on the values;
    without an MDC it is the test's plausible range (:meth:`TestSpec.range_for`), widened to
    hold every value.  None when no line has a value.
    """
    values = [v * labels.display_scale(line.unit) for line in lines
              for v in (line.value("pre"), line.value("post")) if v is not None]
    if not values:
        return None
    low, high = min(values), max(values)
    mdcs = [line.mdc * labels.display_scale(line.unit) for line in lines if line.mdc]
    if mdcs:
        half = max(AXIS_SPAN_MDCS * max(mdcs), high - low) / 2 + 0.1 * max(mdcs)
        centre = (low + high) / 2
        return centre - half, centre + half
    ranges = [CATALOGUE[line.test].range_for(line.unit) for line in lines
              if line.test in CATALOGUE]
    known = [r for r in ranges if r is not None]
    if not known:
        pad = max(1.0, 0.5 * (high - low))
        return low - pad, high + pad
    scale = labels.display_scale(lines[0].unit)
    return (min(low, min(r[0] for r in known) * scale),
            max(high, max(r[1] for r in known) * scale))


def _add_mdc_bands(fig: go.Figure, lines: Sequence[ComparisonLine], names: list[str]) -> None:
    """A faint bar of ± MDC around each before value: an after value inside it is noise."""
    xs: list[float | None] = []
    ys: list[str | None] = []
    for line, name in zip(lines, names, strict=True):
        pre = line.value("pre")
        if pre is None or line.mdc is None:
            continue
        scale = labels.display_scale(line.unit)
        xs += [(pre - line.mdc) * scale, (pre + line.mdc) * scale, None]
        ys += [name, name, None]
    if xs:
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=_(MDC_BAND_NAME),
                                 line={"color": PHASE_COLOURS["pre"], "width": 18},
                                 opacity=0.18, hoverinfo="skip"))


def _add_reference_band(fig: go.Figure, lines: Sequence[ComparisonLine]) -> None:
    """The published typical range as a shaded band, when every line is one test."""
    tests = {line.test for line in lines}
    if len(tests) != 1:
        return
    band = norms.reference_range(tests.pop())
    if band is None or band.unit != lines[0].unit:
        return
    high = band.high if band.high is not None else band.low + 360.0
    fig.add_vrect(x0=band.low, x1=high, fillcolor=REFERENCE_FILL, opacity=0.25, line_width=0,
                  layer="below",
                  annotation_text=_("typical range: {meaning}").format(meaning=_(band.meaning)),
                  annotation_position="bottom left")


def _axis_title(lines: Sequence[ComparisonLine]) -> str:
    units = {line.unit for line in lines}
    names = {"deg": _("degrees"), "cm": _("centimetres"), "fraction_of_height": _("% of height")}
    return names.get(units.pop(), _("value")) if len(units) == 1 else _("value (° or cm)")


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
    lines = session_lines(trials, dashboard_trials.chosen_statistic(store))
    if not lines:
        return
    st.subheader(_("4 · Before and after in this session"))
    technique = st.session_state.get(state.SESSION_FINGERPRINT, ("", ""))[1]
    st.caption(_("{person} · {technique} · saved to the history automatically").format(
        person=literal(person.name), technique=literal(technique)))
    last = st.session_state.get(state.LAST_PAIR)
    headline = next((line for line in lines if last and line.test == last[0]
                     and (line.side == last[1] or last[1] == "auto")), None)
    if headline is not None:
        show_headline(headline)
    show_lines(lines, key=f"session_{session_id}")


def show_headline(line: ComparisonLine) -> None:
    """The latest test's answer in four numbers a runner can read at a glance."""
    cols = st.columns(4)
    cols[0].metric(CARD_TEXT["before"], labels.trusted_value(line.value("pre"), line.unit,
                                                  line.reliable("pre"),
                                                  uncertainty=line.uncertainty("pre")),
                   border=True)
    cols[1].metric(CARD_TEXT["after"], labels.trusted_value(line.value("post"), line.unit,
                                                 line.reliable("post"),
                                                 uncertainty=line.uncertainty("post")),
                   border=True)
    cols[2].metric(_("Change"), labels.trusted_value(_absolute(line), line.unit, line.comparable,
                                                  signed=True),
                   delta=change_words(line) or None,
                   # An arrow would mislead: for the toe touch, down is better.
                   delta_color="off", delta_arrow="off", border=True)
    cols[3].metric(_("Real change?"), short_verdict(line), border=True,
                   delta=_("MDC {mdc}").format(mdc=labels.format_value(line.mdc, line.unit))
                   if line.mdc is not None else None, delta_color="off", delta_arrow="off",
                   help=_("Real when the change is larger than the minimal detectable change "
                          "(MDC) and than the two values' combined uncertainty (± beside each "
                          "value); smaller changes can be measurement noise."))


def show_lines(lines: Sequence[ComparisonLine], key: str) -> None:
    layout.table_or_cards(literal_rows(table_rows(lines)), key=key)
    # One chart per unit: degrees and centimetres never share an axis.
    for unit in sorted({line.unit for line in lines}):
        same = [line for line in lines if line.unit == unit]
        if any(line.value("pre") is not None and line.value("post") is not None
               for line in same):
            st.plotly_chart(dumbbell_chart(same), key=f"dumbbell_{key}_{unit}")
    notes = list(dict.fromkeys(note for line in lines for note in line.notes))
    if notes:
        st.markdown("**" + _("What the videos tell you") + "**")
        for note in notes:
            st.markdown(f"- {literal(note)}")  # stored reasons are data
    asymmetry = report.asymmetry_texts(lines)
    thresholds = asymmetry_threshold_texts(lines)
    if asymmetry or thresholds:
        st.markdown("**" + _("Left vs right") + "**")
        for text in asymmetry:
            st.markdown(f"- {text}")
        for text in thresholds:
            st.markdown(f"- {literal(text)}")
    sources = sorted({line.mdc_source for line in lines if line.mdc_source})
    st.caption(
        _("MDC = minimal detectable change: a change smaller than this can be measurement "
          "noise. ± = rom's own uncertainty of a value (about 95 %); a change is real only "
          "when it is larger than the MDC and than the two values' combined uncertainty. ")
        + (_("Sources: {sources}.").format(sources="; ".join(sources)) if sources else "")
    )
