"""Results: run the analysis with a progress bar, then show each video's measurement.

For each analysed video: the value (or why it is unreliable and what to do about it),
the annotated video, the value-over-time chart with the peak marked and the key frame.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from rom import labels, pipeline
from rom.calibration import Calibration
from rom.dashboard import services, state
from rom.dashboard.record import AnalysisRequest
from rom.errors import NoPersonError, RomError
from rom.measurement import Measurement
from rom.style import OKABE_ITO, PHASE_COLOURS

PHASE_TITLES = {"pre": "Pre · before", "post": "Post · after"}
PHASE_SYMBOLS = {"pre": "circle", "post": "diamond"}
#: HTML id of the results' heading (the page scrolls there after an analysis).
RESULTS_ANCHOR = "rom-results"


def _friendly(exc: Exception, path: Path, name: str) -> str:
    """The error's one line, naming the upload rather than the cache path."""
    return str(exc).replace(str(path), f"“{name}”")


def run_analysis(request: AnalysisRequest) -> list[services.AnalysedVideo]:
    """Analyse the request's videos with progress bars; errors are shown, not raised."""
    done: list[services.AnalysedVideo] = []
    for video in request.videos:
        title = PHASE_TITLES[video.phase]
        bar = st.progress(0.0, text=f"{title}: finding the body in “{video.name}”…")

        def on_progress(i: int, total: int, bar: Any = bar, title: str = title) -> None:
            fraction = min(1.0, i / total) if total else 0.0
            bar.progress(fraction, text=f"{title}: finding the body… frame {i} of {total or '?'}")

        try:
            analysis = pipeline.analyse_trial(video.path, request.test, request.options,
                                              on_progress)
        except RomError as exc:
            bar.empty()
            advice = (" Film from the side with the whole body in frame, in good light."
                      if isinstance(exc, NoPersonError) else "")
            st.error(f"{title}: {_friendly(exc, video.path, video.name)}.{advice}")
            continue
        bar.progress(0.0, text=f"{title}: drawing the annotated video…")

        def on_render(i: int, total: int, bar: Any = bar, title: str = title) -> None:
            fraction = min(1.0, i / total) if total else 0.0
            bar.progress(fraction, text=f"{title}: drawing the annotated video…")

        truth = (services.SampleTruth(video.true_value, video.true_unit)
                 if video.true_value is not None else None)
        done.append(services.AnalysedVideo(
            phase=video.phase, video_name=video.name, analysis=analysis,
            rendered=pipeline.render_trial(analysis, progress=on_render), truth=truth,
        ))
        bar.empty()
    return done


# -- showing one analysis -------------------------------------------------------------------


def value_text(measurement: Measurement) -> str:
    """The value as shown, ``± uncertainty`` when known, ``(unreliable)`` when it must not
    be trusted."""
    return labels.trusted_value(measurement.value, measurement.unit, measurement.reliable,
                                uncertainty=measurement.uncertainty)


def quality_box(measurement: Measurement) -> None:
    """The quality verdict with each reason in plain words and what to do about it."""
    advice = labels.reason_texts(measurement.reasons)
    if measurement.reliable:
        text = f"**Reliable** · quality {measurement.quality:.0%}"
        if advice:
            # Advisory reasons: the number stands, but the person should know these.
            text += "\n\nWorth knowing:\n" + "\n".join(f"- {a}" for a in advice)
        st.success(text, icon=":material/check_circle:")
    else:
        head = ("**Could not be measured.**" if measurement.value is None
                else "**Unreliable — do not use this number.**")
        body = "\n".join(f"- {a}" for a in advice)
        body = body or "- Film from the side, the whole body in frame."
        st.warning(f"{head} What to do:\n{body}", icon=":material/warning:")


def value_chart(analysis: services.AnalysedVideo) -> go.Figure:
    """Value over time, the raw signal faint behind it and the peak marked."""
    result, m = analysis.result, analysis.measurement
    scale = labels.display_scale(m.unit)
    colour = PHASE_COLOURS.get(analysis.phase, OKABE_ITO["blue"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=result.time_s, y=np.asarray(result.raw_values) * scale,
                             mode="lines", name="raw", line={"color": "#BBBBBB", "width": 1}))
    fig.add_trace(go.Scatter(x=result.time_s, y=np.asarray(result.values) * scale, mode="lines",
                             name="smoothed", line={"color": colour, "width": 3}))
    if m.peak_time_s is not None and m.value is not None and math.isfinite(m.value):
        fig.add_trace(go.Scatter(
            x=[m.peak_time_s], y=[m.value * scale], mode="markers+text", name="peak",
            marker={"color": OKABE_ITO["reddish_purple"], "size": 14, "symbol": "star",
                    "line": {"color": "black", "width": 1}},
            text=[labels.trusted_value(m.value, m.unit, m.reliable, marker=" ⚠")],
            textposition="top center", cliponaxis=False,
        ))
    unit = labels.UNIT_SUFFIX.get(m.unit, m.unit).strip()
    fig.update_layout(
        height=260, margin={"l": 10, "r": 10, "t": 36, "b": 10}, showlegend=False,
        xaxis_title="time (s)", yaxis_title=f"{labels.test_label(m.test).split(' (')[0]} ({unit})",
        template="plotly_white",
    )
    return fig


def show_analysis(analysis: services.AnalysedVideo, key: str) -> None:
    m = analysis.measurement
    st.metric(f"{PHASE_TITLES[analysis.phase]} · {m.side} side", value_text(m))
    quality_box(m)
    if analysis.rendered_video is not None and analysis.rendered_video.exists():
        st.video(str(analysis.rendered_video))
    elif analysis.render_error:
        st.caption(analysis.render_error)
    st.plotly_chart(value_chart(analysis), key=f"chart_{key}")
    if analysis.key_frame_png:
        peak = f" at {m.peak_time_s:.1f} s" if m.peak_time_s is not None else ""
        st.image(analysis.key_frame_png, caption=f"Key frame at the peak{peak}", width=380)
    camera = calibration_text(analysis.calibration, m)
    st.caption(f"Video: {analysis.video_name} · {camera}")
    truth = truth_text(analysis)
    if truth:
        st.caption(truth)


def truth_text(analysis: services.AnalysedVideo) -> str:
    """For a synthetic sample clip: the value the body was posed at, and rom's error."""
    known = analysis.truth
    m = analysis.measurement
    if known is None:
        return ""
    true_value, unit = known.value, known.unit
    text = (f":material/science: Sample clip: the synthetic body was posed at "
            f"{labels.format_value(true_value, unit)}")
    if m.value is not None and unit == m.unit:
        text += (f"; rom is off by {labels.format_value(m.value - true_value, unit, signed=True)}"
                 " on this clip")
    return text + "."


SCALE_WORDS = {"height": "the stated height", "marker": "the marker",
               "checkerboard": "the checkerboard", "calibration": "the calibration"}


def calibration_text(
    calibration: Calibration | None, measurement: Measurement | None = None
) -> str:
    """Where the camera's tilt and the scale came from, in words.

    The scale named is the one the measurement used (``measurement.calibration``: the
    protocol may prefer the stated height to the marker); a measurement that does not
    say (an older record, or none given) names the calibration's own.
    """
    if calibration is None or calibration.roll_source == "none":
        tilt = "camera assumed level"
    else:
        tilt = f"camera tilt {calibration.roll_deg:+.1f}° (from the {calibration.roll_source})"
    used = measurement.calibration if measurement is not None else None
    known = used is not None
    if used is not None:
        source = used.scale_source
    else:
        source = calibration.scale_source if calibration is not None else None
    if source is not None:
        tilt += f"; scale from {SCALE_WORDS.get(source, 'the ' + source)}"
    elif known and measurement is not None and measurement.unit in ("cm", "fraction_of_height"):
        tilt += "; no scale in centimetres"
    return tilt


def show_pair(test: str, side: str) -> None:
    """Pre and post of one test and side, side by side."""
    found = state.analyses()
    pre, post = found.get((test, side, "pre")), found.get((test, side, "post"))
    if pre is None and post is None:
        return
    st.subheader(f"3 · Results: {labels.test_label(test)}", anchor=RESULTS_ANCHOR)
    cols = st.columns(2, gap="large")
    for col, analysis, phase in ((cols[0], pre, "pre"), (cols[1], post, "post")):
        with col:
            if analysis is None:
                st.info(f"No {phase} video analysed yet.")
            else:
                show_analysis(analysis, key=f"{test}_{side}_{phase}")
