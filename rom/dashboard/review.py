"""Side-by-side review: the before and after annotated videos played in sync.

One play/pause, one scrubber, ±1 frame and ±0.1 s steps, speed 0.25×–1×, and the two
angle charts with a cursor that follows the playhead (a click on the chart seeks).  The
videos are aligned on a shared timeline at the start of the movement or at the peak (the
user's choice): shared time ``t = 0`` is each video's anchor, so a video plays at
``anchor_s + t`` seconds of its own clock.

The alignment maths are pure functions here (tested); the widget is an
``st.components.v2`` component whose JavaScript lives in ``assets/review.js`` (bundled, no
external assets).  The videos reach the browser as data URLs inside the page's own
WebSocket messages: nothing is served from a file path.
"""

from __future__ import annotations

import base64
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import streamlit as st
from numpy.typing import ArrayLike

from rom import labels
from rom.dashboard import services
from rom.i18n import N_, Texts

ASSETS = Path(__file__).resolve().parent / "assets"
#: How far from its starting level to the peak the value must have gone for the movement to
#: have started (a fraction of the way).
START_FRACTION = 0.2
#: The starting level is the median of this many first seconds.
BASELINE_S = 0.3
ALIGN_CHOICES = Texts({"start": N_("Start of the movement"), "peak": N_("The peak")})
TEXT = Texts({
    "heading": N_("Review before and after side by side"),
    "align": N_("Align the videos at"),
    "caption": (N_("One play button for both videos; step with ±1 frame or ±0.1 s. The chart's "
                   "line follows the playhead; click the chart to jump there.")),
    "missing": N_("Side-by-side review needs both annotated videos."),
})
#: The words inside the widget (its buttons, their tips, the frame captions).
WIDGET_WORDS = Texts({
    "play": N_("Play"), "pause": N_("Pause"), "play_both": N_("play or pause both"),
    "frame": N_("frame"), "back_frame": N_("back one frame"),
    "forward_frame": N_("forward one frame"), "back_step": N_("back 0.1 s"),
    "forward_step": N_("forward 0.1 s"), "position": N_("position"), "speed": N_("speed"),
})

_component = st.components.v2.component(
    "rom_review", js=(ASSETS / "review.js").read_text(encoding="utf-8"))
#: The widget's styles, put inside it by its script (the component's own ``css`` did not
#: reach the shadow root in Streamlit 1.67).
_CSS = (ASSETS / "review.css").read_text(encoding="utf-8")


def movement_start_s(time_s: ArrayLike, values: ArrayLike, peak_value: float,
                     fraction: float = START_FRACTION, baseline_s: float = BASELINE_S) -> float:
    """When the movement starts: the first time the value has gone ``fraction`` of the way
    from its starting level to ``peak_value``.

    Parameters
    ----------
    time_s : array_like, shape (T,)
        Sample times in seconds, increasing.
    values : array_like, shape (T,)
        The measured value over time (any unit; NaN where not measured).
    peak_value : float
        The measurement's value at its peak (same unit); the movement may go up or down.
    fraction : float
        Share of the way from the starting level (median of the first ``baseline_s``
        seconds) to the peak.
    baseline_s : float

    Returns
    -------
    float
        Seconds; the first finite sample's time when the signal never gets that far or the
        peak equals the starting level.
    """
    t = np.asarray(time_s, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(y) & np.isfinite(t)
    if not finite.any():
        return float(t[0]) if t.size else 0.0
    t, y = t[finite], y[finite]
    baseline = float(np.median(y[t <= t[0] + baseline_s]))
    span = peak_value - baseline
    if not math.isfinite(span) or span == 0.0:
        return float(t[0])
    travelled = (y - baseline) / span
    moved = np.flatnonzero(travelled >= fraction)
    return float(t[moved[0]]) if moved.size else float(t[0])


@dataclass(frozen=True)
class Timeline:
    """The shared timeline of two aligned videos, in seconds of shared time.

    Shared ``t`` is ``anchor_s[i] + t`` in video ``i``; ``start_s``/``end_s`` bound ``t`` to
    where at least one video has a frame.
    """

    anchors_s: tuple[float, float]
    start_s: float
    end_s: float


def timeline(anchors_s: tuple[float, float], durations_s: tuple[float, float]) -> Timeline:
    """The shared timeline for videos of ``durations_s`` aligned at ``anchors_s``."""
    start = -max(anchors_s)
    end = max(d - a for a, d in zip(anchors_s, durations_s, strict=True))
    return Timeline(anchors_s=anchors_s, start_s=start, end_s=end)


def video_time_s(line: Timeline, which: int, t_s: float, duration_s: float) -> float:
    """Video ``which``'s own time at shared time ``t_s``, held at its first/last frame."""
    return min(max(line.anchors_s[which] + t_s, 0.0), duration_s)


def frame_index(time_s: float, fps: float, n_frames: int) -> int:
    """The frame shown at ``time_s`` (frame ``i`` spans ``[i/fps, (i+1)/fps)``)."""
    return int(min(max(math.floor(time_s * fps + 1e-6), 0), max(n_frames - 1, 0)))


def anchors(analysis: services.AnalysedVideo) -> dict[str, float]:
    """The video's anchor times in seconds: ``{"start": ..., "peak": ...}``."""
    result, m = analysis.result, analysis.measurement
    t = np.asarray(result.time_s, dtype=np.float64)
    peak = m.peak_time_s if m.peak_time_s is not None else float(t[-1]) if t.size else 0.0
    value = m.value if m.value is not None else math.nan
    return {"start": movement_start_s(t, result.values, value), "peak": float(peak)}


@dataclass(frozen=True)
class ReviewVideo:
    """One video as the widget gets it (times in seconds of the video's own clock)."""

    src: str  # a data: URL of the annotated MP4
    fps: float
    frames: int
    duration: float
    anchor: float  # where shared time 0 is
    times: list[float]
    values: list[float | None]  # in display units; None where not measured
    label: str


def review_video(analysis: services.AnalysedVideo, align: str) -> ReviewVideo | None:
    """The widget's data for one analysed video aligned at ``align`` (``"start"``/``"peak"``);
    ``None`` without an annotated video."""
    path = analysis.rendered_video
    if path is None or not path.exists():
        return None
    m, result = analysis.measurement, analysis.result
    fps = float(analysis.track.fps or 30.0)
    scale = labels.display_scale(m.unit)
    values = [float(v) * scale if math.isfinite(v) else None for v in result.values]
    src = "data:video/mp4;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    n_frames = len(result.time_s)
    return ReviewVideo(src=src, fps=fps, frames=n_frames, duration=n_frames / fps,
                       anchor=anchors(analysis)[align],
                       times=[float(x) for x in result.time_s], values=values,
                       label=analysis.phase)


def show_side_by_side(pre: services.AnalysedVideo, post: services.AnalysedVideo,
                      key: str) -> None:
    """The synchronised review of one pair (both must have annotated videos)."""
    st.markdown(f"##### {TEXT['heading']}")
    align = st.radio(TEXT["align"], tuple(ALIGN_CHOICES), format_func=ALIGN_CHOICES.get,
                     horizontal=True, key=f"review_align_{key}")
    pre_video, post_video = review_video(pre, align), review_video(post, align)
    if pre_video is None or post_video is None:
        st.caption(TEXT["missing"])
        return
    unit = labels.UNIT_SUFFIX.get(pre.measurement.unit, pre.measurement.unit).strip()
    line = timeline((pre_video.anchor, post_video.anchor),
                    (pre_video.duration, post_video.duration))
    _component(key=f"review_{key}",
               data={"videos": [asdict(pre_video), asdict(post_video)], "unit": unit, "css": _CSS,
                     "words": dict(WIDGET_WORDS),
                     "start": line.start_s, "end": line.end_s})
    st.caption(TEXT["caption"])
