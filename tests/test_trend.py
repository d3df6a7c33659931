"""A test over time (rom.trend) and the History tab's chart built from it, on known numbers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from rom import norms, trend
from rom.dashboard import history as history_tab
from rom.measurement import Measurement
from rom.store.records import HistoryPoint

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def point(session: int, day: int, phase: str, side: str, value: float | None, *,
          test: str = "ankle-dorsiflexion", technique: str | None = "Sock Pull",
          knee_to_wall: float | None = None, reliable: bool = True,
          minutes: int = 0) -> HistoryPoint:
    unit = "cm" if test == "toe-touch" else "deg"
    secondary = {} if knee_to_wall is None else {norms.KNEE_TO_WALL: knee_to_wall}
    m = Measurement(test=test, side=side, value=value, unit=unit, quality=0.9,
                    reliable=reliable, reasons=(), peak_time_s=1.0, peak_frame=30,
                    secondary=secondary)
    return HistoryPoint(
        person_id=1, session_id=session, session_uid=f"s{session}",
        date=dt.date(2026, 11, day), technique=technique, place=None, trial_id=0,
        phase=phase, measurement_id=0, measurement=m,
        recorded_at=T0 + dt.timedelta(days=day, minutes=minutes))


def ankle_history() -> list[HistoryPoint]:
    """Three sessions of the ankle, both legs; session 2 is dated before session 1."""
    return [
        point(1, 10, "pre", "left", 30.0, knee_to_wall=8.0),
        point(1, 10, "post", "left", 36.0, knee_to_wall=10.0),
        point(1, 10, "pre", "right", 28.0, knee_to_wall=6.0),
        point(1, 10, "post", "right", 31.0, knee_to_wall=7.0),
        point(2, 3, "pre", "left", 29.0, technique="Toe Spreaders", knee_to_wall=7.5),
        # Re-measured after: the later one (33.0) counts.
        point(2, 3, "post", "left", 20.0, technique="Toe Spreaders"),
        point(2, 3, "post", "left", 33.0, technique="Toe Spreaders", minutes=5),
        # An unreliable right-leg value: out of the trend unless opted in.
        point(3, 20, "pre", "right", 45.0, reliable=False, knee_to_wall=12.0),
        point(3, 20, "pre", "left", 34.0, knee_to_wall=9.0),
    ]


def test_each_side_has_its_sessions_in_date_order() -> None:
    left = trend.session_values(ankle_history(), "ankle-dorsiflexion", "left")
    assert [(v.session_id, v.date.day, v.before, v.after) for v in left] == [
        (2, 3, 29.0, 33.0), (1, 10, 30.0, 36.0), (3, 20, 34.0, None)]
    assert [v.technique for v in left] == ["Toe Spreaders", "Sock Pull", "Sock Pull"]
    right = trend.session_values(ankle_history(), "ankle-dorsiflexion", "right")
    assert [(v.session_id, v.before, v.after) for v in right] == [(1, 28.0, 31.0)]
    opted = trend.session_values(ankle_history(), "ankle-dorsiflexion", "right", opt_in=True)
    assert [(v.session_id, v.before, v.before_reliable) for v in opted] == [
        (1, 28.0, True), (3, 45.0, False)]
    # The knee-to-wall distance, where it was recorded (session 2's after was not).
    distances = trend.session_values(ankle_history(), "ankle-dorsiflexion", "left",
                                     quantity=norms.KNEE_TO_WALL)
    assert [(v.session_id, v.before, v.after) for v in distances] == [
        (2, 7.5, None), (1, 8.0, 10.0), (3, 9.0, None)]


def test_the_ankle_trend_judges_asymmetry_in_knee_to_wall_centimetres() -> None:
    data = trend.trend_for(ankle_history(), "ankle-dorsiflexion")
    assert data is not None
    assert (data.unit, data.mdc, data.reference) == ("deg", 4.7, None)  # no tibial range
    assert [side for side, _values in data.sides] == ["left", "right"]
    assert (data.asymmetry_quantity, data.asymmetry_unit) == (norms.KNEE_TO_WALL, "cm")
    assert data.threshold is not None and data.threshold.limit == 1.5
    # Only session 1 has both legs: 8 vs 6 cm before, 10 vs 7 cm after.
    assert [(a.session_id, a.phase, a.difference) for a in data.asymmetry] == [
        (1, "pre", 2.0), (1, "post", 3.0)]
    opted = trend.trend_for(ankle_history(), "ankle-dorsiflexion", opt_in=True)
    assert opted is not None
    assert [(a.session_id, a.phase, a.difference, a.reliable) for a in opted.asymmetry] == [
        (1, "pre", 2.0, True), (1, "post", 3.0, True), (3, "pre", 3.0, False)]


def test_the_technique_filter_keeps_only_its_sessions() -> None:
    data = trend.trend_for(ankle_history(), "ankle-dorsiflexion", techniques={"Toe Spreaders"})
    assert data is not None
    assert [(side, [v.session_id for v in values]) for side, values in data.sides] == [
        ("left", [2])]
    assert data.asymmetry == ()
    assert trend.trend_for(ankle_history(), "ankle-dorsiflexion", techniques=set()) is None
    assert trend.trend_for(ankle_history(), "knee-flexion") is None
    mixed = [*ankle_history(), point(4, 21, "pre", "left", 33.0, technique=None)]
    assert trend.trend_techniques(mixed) == ["Sock Pull", "Toe Spreaders", None]
    only_none = trend.trend_for(mixed, "ankle-dorsiflexion", techniques={None})
    assert only_none is not None and [v.session_id for v in only_none.side("left")] == [4]


def test_knee_flexion_has_its_published_range_and_the_mdc_as_left_right_line() -> None:
    points = [point(1, 5, "pre", "left", 120.0, test="knee-flexion"),
              point(1, 5, "pre", "right", 131.0, test="knee-flexion")]
    data = trend.trend_for(points, "knee-flexion")
    assert data is not None and data.reference is not None
    assert (data.reference.low, data.reference.high) == (141.0 - 5.3, 141.0 + 5.3)
    assert data.threshold is None and data.asymmetry_quantity == "value"
    assert [a.difference for a in data.asymmetry] == [11.0]
    # Without a published left/right threshold the chart draws the MDC (10 deg) instead.
    fig = history_tab.history_figure(data)
    line = next(shape for shape in fig.layout.shapes if shape.yref == "y2")
    assert (line.y0, line.y1) == (10.0, 10.0)
    assert "MDC 10.0° (no published left/right threshold)" in [
        a.text for a in fig.layout.annotations]
    assert history_tab.chart_notes(data)[0].startswith("Typical range: healthy adults")


def test_a_trend_keeps_to_the_unit_of_the_latest_value() -> None:
    # The toe touch in cm (with a scale), once as a fraction of height (without one).
    cm = [point(1, 5, "pre", "left", 12.0, test="toe-touch"),
          point(3, 20, "pre", "left", 9.0, test="toe-touch")]
    older = point(2, 10, "pre", "left", 0.07, test="toe-touch")
    older = dataclasses.replace(older, measurement=dataclasses.replace(
        older.measurement, unit="fraction_of_height"))
    points = [*cm, older]
    assert trend.latest_unit(points, "toe-touch") == "cm"
    data = trend.trend_for(points, "toe-touch")
    assert data is not None and data.unit == "cm"
    assert [v.before for v in data.side("left")] == [12.0, 9.0]
    assert trend.latest_unit(points, "knee-flexion") is None


def test_the_axis_never_zooms_to_the_values() -> None:
    # Two values 1 degree apart: half of 3 MDCs (3 * 4.7) of room on each side.
    assert trend.axis_limits([30.0, 31.0], "deg", 4.7) == pytest.approx((22.95, 38.05))
    # Without an MDC: at least 10 degrees, or 4 cm; a wide spread is kept.
    assert trend.axis_limits([30.0, 31.0], "deg") == (25.0, 36.0)
    assert trend.axis_limits([10.0], "cm") == (8.0, 12.0)
    assert trend.axis_limits([0.0, 40.0], "deg", 4.7) == (-20.0, 60.0)
    assert trend.axis_limits([], "deg") is None


# -- the History tab's chart ------------------------------------------------------------------


def _traces(fig: Any) -> dict[str, Any]:
    return {trace.name: trace for trace in fig.data}


def test_the_history_chart_draws_both_sides_their_mdc_bands_and_the_asymmetry() -> None:
    data = trend.trend_for(ankle_history(), "ankle-dorsiflexion")
    assert data is not None
    fig = history_tab.history_figure(data, {1: "10 Nov 2026 · Sock Pull (#1)"})
    traces = _traces(fig)
    assert sorted(traces) == sorted([
        "left · before", "left · after", "right · before", "right · after",
        "MDC band · left (± 4.7° around the first before)",
        "MDC band · right (± 4.7° around the first before)",
        "left–right difference · before", "left–right difference · after"])
    left_before = traces["left · before"]
    assert [d.day for d in left_before.x] == [3, 10, 20]
    assert list(left_before.y) == [29.0, 30.0, 34.0]
    assert list(traces["left · after"].y) == [33.0, 36.0]
    # After is drawn distinct from before: diamonds on a solid line, circles on a dotted one.
    after, before = traces["right · after"], traces["right · before"]
    assert (after.marker.symbol, after.line.dash) == ("diamond", "solid")
    assert (before.marker.symbol, before.line.dash) == ("circle", "dot")
    # Left and right differ in colour.
    assert after.line.color != traces["left · after"].line.color
    # The band of the left side: +-4.7 deg around its first before value (29.0), from the
    # first session's date to the last one's.
    band = traces["MDC band · left (± 4.7° around the first before)"]
    assert min(band.y) == pytest.approx(24.3) and max(band.y) == pytest.approx(33.7)
    assert {d.day for d in band.x} == {3, 20}
    right_band = traces["MDC band · right (± 4.7° around the first before)"]
    assert (min(right_band.y), max(right_band.y)) == pytest.approx((23.3, 32.7))
    # The asymmetry below: knee-to-wall differences and the 1.5 cm line.
    assert list(traces["left–right difference · before"].y) == [2.0]
    assert list(traces["left–right difference · after"].y) == [3.0]
    assert traces["left–right difference · after"].yaxis == "y2"
    (threshold,) = fig.layout.shapes
    assert (threshold.y0, threshold.y1, threshold.yref) == (1.5, 1.5, "y2")
    assert [a.text for a in fig.layout.annotations] == ["published threshold 1.5 cm"]
    assert history_tab.chart_notes(data) == [
        "Left/right threshold 1.5 cm: 68 % of healthy adults differ by 1.5 cm or less "
        "(normative WBLT asymmetry data; MDC of the difference 1.5 cm (PMC3484905))."]
    assert fig.layout.yaxis2.title.text == "Left–right knee-to-wall (cm)"
    # The time axis is ticked at the three sessions' dates.
    assert [d.day for d in fig.layout.xaxis.tickvals] == [3, 10, 20]
    # The value axis spans the values plus room, not zoomed to them.
    assert tuple(fig.layout.yaxis.range) == pytest.approx((20.95, 43.05))
    # Hovering shows the session's label and the value.
    assert list(traces["right · before"].customdata) == [
        "10 Nov 2026 · Sock Pull (#1)"]
    assert list(traces["right · before"].text) == ["28.0°"]


def test_unreliable_values_show_hollow_and_marked_only_when_opted_in() -> None:
    data = trend.trend_for(ankle_history(), "ankle-dorsiflexion", opt_in=True)
    assert data is not None
    right = _traces(history_tab.history_figure(data))["right · before"]
    assert list(right.y) == [28.0, 45.0]
    assert list(right.marker.color) == [
        history_tab.SIDE_COLOURS["right"], "white"]
    assert list(right.text) == ["28.0°", "45.0° ⚠ unreliable"]


def test_the_typical_range_is_shaded_and_one_side_has_no_asymmetry_panel() -> None:
    points = [point(1, 5, "pre", "left", 120.0, test="knee-flexion"),
              point(1, 5, "post", "left", 126.0, test="knee-flexion"),
              point(2, 12, "pre", "left", 124.0, test="knee-flexion")]
    data = trend.trend_for(points, "knee-flexion")
    assert data is not None
    fig = history_tab.history_figure(data)
    assert sorted(_traces(fig)) == [
        "MDC band · left (± 10.0° around the first before)", "left · after", "left · before"]
    (band,) = fig.layout.shapes
    assert (band.y0, band.y1) == pytest.approx((135.7, 146.3))
    assert "typical range: healthy adults, 141 ± 5.3°" in fig.layout.annotations[0].text
    assert history_tab.chart_notes(data) == [
        "Typical range: healthy adults, 141 ± 5.3° (mean ± SD) (AAOS; similar: Boone & Azen "
        "142.5 ± 5.4°, AMA 150°)."]
    assert "yaxis2" not in fig.layout.to_plotly_json()


def test_session_labels_in_the_chart_are_literal() -> None:
    data = trend.trend_for([point(3, 1, "pre", "right", 110.0, test="knee-flexion")],
                           "knee-flexion")
    assert data is not None
    fig = history_tab.history_figure(data, {3: "01 Nov 2026 · <b>x</b> (#3)"})
    (trace,) = [t for t in fig.data if t.name == "right · before"]
    assert list(trace.customdata) == ["01 Nov 2026 · &lt;b&gt;x&lt;/b&gt; (#3)"]
