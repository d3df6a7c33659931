"""Results: run the analysis with a progress bar, then show each video's measurement.

For each analysed video: the value (or why it is unreliable and what to do about it),
the annotated video, the value-over-time chart with the peak marked, the key frame, and
where the true vertical came from.  When the other leg did the test's movement
(``other_leg_moved``), the pair offers to measure that leg instead: the clips are measured
again from their pose tracks (:func:`rom.pipeline.remeasure`), not tracked again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from rom import labels, pipeline
from rom.calibration import Calibration
from rom.correction import CORRECTED_LABEL, is_corrected
from rom.dashboard import correct, failsafe, jobs, manual, review, services, state
from rom.dashboard import trials as dashboard_trials
from rom.dashboard.record import AnalysisRequest
from rom.dashboard.text import literal
from rom.errors import NoPersonError, RomError
from rom.i18n import N_, Texts, _, ngettext
from rom.measurement import Measurement
from rom.style import CHART_TEXT_HEX, OKABE_ITO, PHASE_COLOURS
from rom.vocabulary import SIDES, Side, other_side

PHASE_TITLES = Texts({"pre": N_("Before"), "post": N_("After")})
#: Each phase in a sentence ("in the before and after clips").
PHASE_SYMBOLS = {"pre": "circle", "post": "diamond"}
#: HTML id of the results' heading (the page scrolls there after an analysis).
RESULTS_ANCHOR = "rom-results"
#: Title of the expander holding each clip's video, chart and key frame.
DETAILS_TITLE = N_("Details: videos, charts and key frames")


def _friendly(exc: Exception, path: Path, name: str) -> str:
    """The error's one line, naming the upload rather than the cache path."""
    return str(exc).replace(str(path), f"“{name}”")


#: The process-wide registry of analyses running in the background (see rom.dashboard.jobs).
JOBS: jobs.JobRegistry[AnalysisRequest, services.AnalysedVideo] = jobs.JobRegistry(
    on_crash=lambda exc: _(FAILURE_TEXT).format(reference=failsafe.report_unexpected(exc)))
#: Session-state key of this browser session's running analysis (its job id).
JOB = "_analysis_job"
#: Query parameter holding the job id, so a reloaded page finds its analysis again.
JOB_PARAM = "job"
FAILURE_TEXT: str = N_("The analysis stopped unexpectedly. The details are in rom's log on this "
                       "computer (reference {reference}).")
#: How long one page run waits for the job between two redraws of its progress, seconds.
POLL_S = 0.5


@dataclass(frozen=True)
class FinishedAnalysis:
    """A background analysis taken by this page run: what was asked and what came out."""

    request: AnalysisRequest
    analyses: tuple[services.AnalysedVideo, ...]


def _analyse(request: AnalysisRequest,
             report: jobs.Reporter[AnalysisRequest, services.AnalysedVideo]) -> None:
    """The worker: analyse and draw each video of the request (runs in a thread, no ``st``)."""
    several = {v.phase for v in request.videos if v.trial > 1}
    for item, video in enumerate(request.videos):
        title = PHASE_TITLES[video.phase]
        if video.phase in several:
            title += f" · {dashboard_trials.trial_label(video.trial)}"
        report.progress(item, title, "tracking", 0, 0)

        def on_progress(i: int, total: int, item: int = item, title: str = title) -> None:
            report.progress(item, title, "tracking", i, total)

        def on_render(i: int, total: int, item: int = item, title: str = title) -> None:
            report.progress(item, title, "drawing", i, total)

        try:
            analysis = pipeline.analyse_trial(video.path, request.test, request.options,
                                              on_progress)
        except RomError as exc:
            advice = (_(" Film from the side with the whole body in frame, in good light.")
                      if isinstance(exc, NoPersonError) else "")
            report.error(_("{clip}: {error}.{advice}").format(
                clip=title, error=literal(_friendly(exc, video.path, video.name)),
                advice=advice))
            continue
        truth = (services.SampleTruth(video.true_value, video.true_unit)
                 if video.true_value is not None else None)
        report.result(services.AnalysedVideo(
            phase=video.phase, video_name=video.name, analysis=analysis,
            rendered=pipeline.render_trial(analysis, progress=on_render), truth=truth,
            trial=video.trial,
        ))


def start_analysis(request: AnalysisRequest) -> str:
    """Start analysing the request's videos in the background; returns the job id.

    The id goes into this session's state and the page's URL (``?job=``), so that a rerun or
    a reload finds the job; an analysis this session was still running is cancelled.
    """
    previous = st.session_state.get(JOB)
    if isinstance(previous, str):
        JOBS.cancel(previous)
    job_id = JOBS.submit(request, len(request.videos), lambda report: _analyse(request, report))
    st.session_state[JOB] = job_id
    st.query_params[JOB_PARAM] = job_id
    return job_id


def adopt_analysis() -> None:
    """After a reload: take over the job named in the URL, and its person.

    Called before the person sidebar is drawn, so that the person the analysis belongs to is
    chosen again.  An unknown id (the server restarted, or the job was forgotten) is dropped.
    """
    job_id = st.query_params.get(JOB_PARAM)
    if job_id is None or st.session_state.get(JOB) == job_id:
        return
    job = JOBS.get(job_id) if jobs.is_job_id(job_id) else None
    if job is None or job.claimed:
        del st.query_params[JOB_PARAM]
        return
    st.session_state[JOB] = job_id
    st.session_state[state.PERSON_ID] = job.context.person_id


def drop_analysis_of_another(person_id: int) -> None:
    """Cancel and forget this session's analysis when it was started for another person.

    Called once the person is chosen: a trial of one client must never come back into
    another client's session.
    """
    job_id = st.session_state.get(JOB)
    if not isinstance(job_id, str):
        return
    job = JOBS.get(job_id)
    if job is not None and job.context.person_id == person_id:
        return
    JOBS.cancel(job_id)
    _forget_job()


def _forget_job() -> None:
    st.session_state.pop(JOB, None)
    if JOB_PARAM in st.query_params:
        del st.query_params[JOB_PARAM]


def collect_analysis() -> FinishedAnalysis | None:
    """This session's finished analysis, taken once (its errors are shown); ``None`` while
    there is none or it is still running (then its progress bar is drawn here and kept up to
    date by :func:`wait_for_analysis`)."""
    job_id = st.session_state.get(JOB)
    if not isinstance(job_id, str):
        return None
    job = JOBS.get(job_id)
    if job is None:
        _forget_job()
        return None
    if not job.finished:
        st.session_state[_BAR] = (st.progress(jobs.fraction(job), text=jobs.progress_text(job)),
                                  job_id)
        return None
    taken = JOBS.claim(job_id)
    _forget_job()
    if taken is None:
        return None  # another tab of the same URL took it
    for message in taken.errors:
        st.error(message)
    if taken.failure:
        st.error(taken.failure)
    if taken.status == "cancelled":
        return None
    return FinishedAnalysis(taken.context, taken.results)


_BAR = "_analysis_bar"  # this run's progress bar and its job (set by collect_analysis)


def wait_for_analysis() -> None:
    """At the end of the page: follow the running analysis on its bar, then rerun the page
    so that :func:`collect_analysis` takes it.

    Any click or reload interrupts the wait (Streamlit stops the run at the next bar update);
    the worker goes on and the next run waits again.
    """
    held = st.session_state.pop(_BAR, None)
    if held is None:
        return
    bar, job_id = held
    version = -1
    while True:
        job = JOBS.wait(job_id, version, POLL_S)
        if job is None:
            return
        if job.finished:
            st.rerun()
        if job.version != version:
            version = job.version
            bar.progress(jobs.fraction(job), text=jobs.progress_text(job))


# -- showing one analysis -------------------------------------------------------------------


def value_text(measurement: Measurement) -> str:
    """The value as shown, ``± uncertainty`` when known, ``(unreliable)`` when it must not
    be trusted."""
    return labels.trusted_value(measurement.value, measurement.unit, measurement.reliable,
                                uncertainty=measurement.uncertainty)


def quality_box(measurement: Measurement) -> None:
    """The quality verdict with each reason in plain words and what to do about it."""
    # Stored or imported reason codes are data: an unknown one is shown as typed.
    advice = [literal(text) for text in labels.reason_texts(measurement.reasons)]
    if measurement.reliable:
        text = _("**Reliable** · quality {quality}").format(quality=f"{measurement.quality:.0%}")
        if advice:
            # Advisory reasons: the number stands, but the person should know these.
            text += "\n\n" + _("Worth knowing:") + "\n" + "\n".join(f"- {a}" for a in advice)
        st.success(text, icon=":material/check_circle:")
    else:
        head = (_("**Could not be measured.**") if measurement.value is None
                else _("**Not exact on its own — use only its change, not the number.**")
                if measurement.comparable
                else _("**Unreliable — do not use this number.**"))
        body = "\n".join(f"- {a}" for a in advice)
        body = body or "- " + _("Film from the side, the whole body in frame.")
        st.warning(_("{verdict} What to do:").format(verdict=head) + "\n" + body,
                   icon=":material/warning:")


def value_chart(analysis: services.AnalysedVideo) -> go.Figure:
    """Value over time, the raw signal faint behind it and the peak marked."""
    result, m = analysis.result, analysis.measurement
    scale = labels.display_scale(m.unit)
    colour = PHASE_COLOURS.get(analysis.phase, OKABE_ITO["blue"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=result.time_s, y=np.asarray(result.raw_values) * scale,
                             mode="lines", name=_("raw"), line={"color": "#BBBBBB", "width": 1}))
    fig.add_trace(go.Scatter(x=result.time_s, y=np.asarray(result.values) * scale, mode="lines",
                             name=_("smoothed"), line={"color": colour, "width": 3}))
    if m.peak_time_s is not None and m.value is not None and math.isfinite(m.value):
        fig.add_trace(go.Scatter(
            x=[m.peak_time_s], y=[m.value * scale], mode="markers+text", name=_("peak"),
            marker={"color": OKABE_ITO["reddish_purple"], "size": 14, "symbol": "star",
                    "line": {"color": "black", "width": 1}},
            text=[labels.trusted_value(m.value, m.unit, m.reliable, marker=" ⚠")],
            textposition="top center", cliponaxis=False,
        ))
    unit = labels.UNIT_SUFFIX.get(m.unit, m.unit).strip()
    fig.update_layout(
        height=260, margin={"l": 10, "r": 10, "t": 36, "b": 10}, showlegend=False,
        xaxis_title=_("time (s)"),
        yaxis_title=f"{labels.test_label(m.test).split(' (')[0]} ({unit})",
        template="plotly_white", font={"color": CHART_TEXT_HEX},
    )
    return fig


def show_analysis(analysis: services.AnalysedVideo, key: str, *, trial: str = "") -> None:
    """One clip's value, quality, video, chart and key frame (``trial``: e.g. "trial 2")."""
    m = analysis.measurement
    title = PHASE_TITLES[analysis.phase] + (f" · {trial}" if trial else "")
    st.metric(_("{clip} · {side} side").format(clip=title, side=labels.side_word(m.side)),
              value_text(m))
    if is_corrected(m):
        st.caption(f":material/edit: {_(CORRECTED_LABEL)}")
    quality_box(m)
    if analysis.rendered_video is not None and analysis.rendered_video.exists():
        st.video(str(analysis.rendered_video))
    elif analysis.render_error:
        st.caption(literal(analysis.render_error))
    st.plotly_chart(value_chart(analysis), key=f"chart_{key}")
    if analysis.key_frame_png:
        peak = (_(" at {time} s").format(time=f"{m.peak_time_s:.1f}")
                if m.peak_time_s is not None else "")
        st.image(analysis.key_frame_png,
                 caption=_("Key frame at the peak{at} · {side}").format(
                     at=peak, side=labels.measured_side(m.side)),
                 width=380)
    correct.show(analysis, key)  # move the measured points by hand
    manual.show_on_frame(analysis, key)  # the goniometer and ruler on any frame
    camera = calibration_text(analysis.calibration, m)
    st.caption(_("Video: {file} · {camera}").format(file=literal(analysis.video_name),
                                                    camera=camera))
    st.caption(f":material/straighten: {vertical_text(analysis.calibration)}")
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
    text = _(":material/science: Sample clip: the synthetic body was posed at {value}").format(
        value=labels.format_value(true_value, unit))
    if m.value is not None and unit == m.unit:
        text += _("; rom is off by {error} on this clip").format(
            error=labels.format_value(m.value - true_value, unit, signed=True))
    return text + "."


SCALE_WORDS = Texts({"height": N_("the stated height"), "marker": N_("the marker"),
                     "checkerboard": N_("the checkerboard"), "calibration": N_("the calibration")})


def calibration_text(
    calibration: Calibration | None, measurement: Measurement | None = None
) -> str:
    """Where the camera's tilt and the scale came from, in words.

    The scale named is the one the measurement used (``measurement.calibration``: the
    protocol may prefer the stated height to the marker); a measurement that does not
    say (an older record, or none given) names the calibration's own.
    """
    if calibration is None or calibration.roll_source == "none":
        tilt = _("camera assumed level")
    else:
        tilt = _("camera tilt {tilt}° (from the {source})").format(
            tilt=f"{calibration.roll_deg:+.1f}", source=calibration.roll_source)
    used = measurement.calibration if measurement is not None else None
    known = used is not None
    if used is not None:
        source = used.scale_source
    else:
        source = calibration.scale_source if calibration is not None else None
    if source is not None:
        tilt += _("; scale from {source}").format(
            source=SCALE_WORDS.get(source) or _("the {source}").format(source=source))
    elif known and measurement is not None and measurement.unit in ("cm", "fraction_of_height"):
        tilt += _("; no scale in centimetres")
    return tilt


#: Where the true vertical came from (``Calibration.roll_source``), in words.
ROLL_SOURCE_WORDS = Texts({
    "marker": N_("rom's marker"),
    "user": N_("your typed roll"),
    "scene": N_("the room's edges"),
    "floor": N_("the floor line you marked"),
})


def vertical_text(calibration: Calibration | None) -> str:
    """Where the true vertical came from, how well it is known, and why a marker was not used.

    E.g. ``"Vertical from rom's marker, known to ±0.3° (camera tilt -0.3°)."`` or
    ``"Vertical unknown: the camera is assumed level, ..."``.  The bound is
    ``Calibration.roll_bound_deg()`` in degrees (about 95 %; a typed roll counts as ±1°);
    the tilt is ``roll_deg``, clockwise on screen (see :mod:`rom.calibration`).  When rom's
    marker was seen but not used (``marker_rejection``), its reason follows in words
    (:data:`rom.labels.REASON_TEXT`).
    """
    if calibration is None or calibration.roll_source == "none":
        text = _("Vertical unknown: the camera is assumed level, so angles to vertical are "
                 "off by however much the phone leaned.")
    else:
        source = ROLL_SOURCE_WORDS.get(calibration.roll_source,
                                       literal(calibration.roll_source))
        bound = calibration.roll_bound_deg()
        known = (_("known to ±{bound}°").format(bound=f"{bound:.1f}")
                 if bound is not None and math.isfinite(bound) else _("accuracy unknown"))
        text = _("Vertical from {source}, {known} (camera tilt {tilt}°).").format(
            source=source, known=known, tilt=f"{calibration.roll_deg:+.1f}")
    rejection = calibration.marker_rejection if calibration is not None else None
    if rejection:
        (why,) = labels.reason_texts([f"marker_{rejection}"])
        text += _(" The marker was not used: {why}").format(why=literal(why))
    return text


def show_pair(test: str, side: str) -> None:
    """Pre and post of one test and side, side by side, with a switch-side offer."""
    found = state.analyses()
    pre, post = found.get((test, side, "pre")), found.get((test, side, "post"))
    if pre is None and post is None:
        return
    st.subheader(_("3 · Results: {test}").format(test=labels.test_label(test)),
                 anchor=RESULTS_ANCHOR)
    switched = st.session_state.pop(state.SIDE_SWITCHED, None)
    if switched:
        st.success(switched, icon=":material/swap_horiz:")
    for kind, text in st.session_state.get(state.CORRECTION_NOTES, {}).get((test, side), ()):
        (st.warning if kind == "warning" else st.info)(text, icon=":material/edit:")
    for offer in side_switch_offers(test, side):
        show_side_switch(offer)
    by_phase = {phase: state.phase_trials(test, side, phase) for phase in ("pre", "post")}
    several = any(len(trials) > 1 for trials in by_phase.values())
    if several:  # each trial, the phase summary and the verdict by mean or best
        first = next(a.measurement for a in (pre, post) if a is not None)
        measured = state.measured_trials(test, side, first.side)
        dashboard_trials.show_trials(
            test, first.unit, {phase: trials for phase, trials in measured.items() if trials},
            key=f"{test}_{side}", store=state.get_store())
    # The verdict cards above say the answer; the evidence follows, one click to fold away.
    with st.expander(_(DETAILS_TITLE), expanded=True):
        cols = st.columns(2, gap="large")
        for col, analysis, phase in ((cols[0], pre, "pre"), (cols[1], post, "post")):
            with col:
                if analysis is None:
                    st.info(_("No {phase} video analysed yet.").format(
                        phase=labels.phase_word(phase)))
                    continue
                numbered = several and len(by_phase[phase]) > 1
                for number, trial in enumerate(by_phase[phase], start=1):
                    if number > 1:
                        st.divider()
                    show_analysis(trial, key=f"{test}_{side}_{phase}"
                                  + (f"_{number}" if number > 1 else ""),
                                  trial=dashboard_trials.trial_label(trial.trial)
                                  if numbered else "")
        if pre is not None and post is not None:
            review.show_side_by_side(pre, post, key=f"{test}_{side}")


# -- switching to the other leg ------------------------------------------------------------

#: The reason code that offers the switch: the other leg did the test's movement.
WRONG_LEG = "other_leg_moved"


@dataclass(frozen=True)
class SideSwitch:
    """An offer to measure the other leg in the clips of one result pair.

    Attributes
    ----------
    test : str
    slot_side : str
        The side the pair was analysed with (``"auto"``, ``"left"`` or ``"right"``): with
        ``test`` it keys the pair in :func:`rom.dashboard.state.analyses`.
    measured : str
        The leg that was measured and barely moved (``"left"`` or ``"right"``).
    other : str
        The leg that did the movement, measured on request.
    phases : tuple of str
        The phases (``"pre"``, ``"post"``) whose clip says so.
    """

    test: str
    slot_side: str
    measured: str
    other: str
    phases: tuple[str, ...]


def side_switch_offers(test: str, slot_side: str) -> list[SideSwitch]:
    """The pair's clips that measured the leg that did not move, grouped by that leg."""
    found = state.analyses()
    by_leg: dict[str, list[str]] = {}
    for phase in ("pre", "post"):
        analysis = found.get((test, slot_side, phase))
        if analysis is None:
            continue
        m = analysis.measurement
        if WRONG_LEG in m.reasons and m.side in SIDES:
            by_leg.setdefault(m.side, []).append(phase)
    return [SideSwitch(test, slot_side, leg, other_side(cast(Side, leg)), tuple(phases))
            for leg, phases in by_leg.items()]


def show_side_switch(offer: SideSwitch) -> None:
    """The "switch side?" hint with its one-click re-measurement."""
    clips = _(" and ").join(labels.phase_word(p) for p in offer.phases)
    st.info(ngettext(
        "**Switch side?** In the {phases} clip the {other} leg did the movement of this test "
        "and the {measured} leg, which was measured, barely moved. Measure the {other} leg "
        "instead: rom measures the same clip again without finding the body again.",
        "**Switch side?** In the {phases} clips the {other} leg did the movement of this test "
        "and the {measured} leg, which was measured, barely moved. Measure the {other} leg "
        "instead: rom measures the same clips again without finding the body again.",
        len(offer.phases)).format(phases=clips, other=labels.side_word(offer.other),
                                 measured=labels.side_word(offer.measured)),
        icon=":material/swap_horiz:")
    st.button(_("Measure the {side} leg instead").format(side=labels.side_word(offer.other)),
              type="primary",
              icon=":material/swap_horiz:", on_click=_request_switch, args=(offer,),
              key=f"switch_{offer.test}_{offer.slot_side}_{offer.measured}")


def _request_switch(offer: SideSwitch) -> None:
    # A callback runs before the next script run: the switch is done by the page before the
    # form is drawn, so the form's side can follow it (see take_side_switch).
    st.session_state[state.SIDE_SWITCH] = offer


def take_side_switch() -> SideSwitch | None:
    """The switch requested by the last click, if any (taken once)."""
    offer = st.session_state.pop(state.SIDE_SWITCH, None)
    return offer if isinstance(offer, SideSwitch) else None


def switch_side(offer: SideSwitch) -> list[str]:
    """Measure the offer's clips on the other leg, from their pose tracks; returns the phases done.

    Each analysis is replaced in :func:`rom.dashboard.state.analyses` by
    :func:`rom.pipeline.remeasure` with ``side=offer.other`` (same track, same calibration)
    and its pictures are drawn again.  When afterwards every clip of a pair analysed for one
    leg measures the other leg, the pair moves to that leg's place (so it is saved and
    shown once, as that leg) and the form's side follows, so that *Analyse* measures the
    leg that moved next time.  Errors are shown, not raised.
    """
    found = state.analyses()
    done: list[str] = []
    notes: list[tuple[str, str]] = []  # the manual corrections this drops
    for phase in offer.phases:
        slot = (offer.test, offer.slot_side, phase)
        before = found.get(slot)
        if before is None or before.measurement.side != offer.measured:
            continue  # already switched, or analysed again since the offer was made
        title = PHASE_TITLES[phase]
        bar = st.progress(0.0, text=_("{clip}: measuring the {side} leg…").format(
            clip=title, side=labels.side_word(offer.other)))
        try:
            analysis = pipeline.remeasure(
                before.analysis, replace(before.analysis.options, side=offer.other))
        except RomError as exc:
            bar.empty()
            st.error(_("{clip}: the {side} leg could not be measured: {error}").format(
                clip=title, side=labels.side_word(offer.other), error=literal(exc)))
            continue

        def on_render(i: int, total: int, bar: Any = bar, title: str = title) -> None:
            fraction = min(1.0, i / total) if total else 0.0
            bar.progress(fraction, text=_("{clip}: drawing the annotated video…").format(
                clip=title))

        trials = state.phase_trials(*slot)
        several = len(trials) > 1
        videos = {trial.video_name for trial in trials}
        notes += _drop_hand_readings(offer, phase, videos)
        if is_corrected(before.measurement):  # its points are the other leg's
            notes.append(("warning", correct.dropped_note(before, several, _leg_why(offer))))
        found[slot] = replace(before, analysis=analysis,
                              rendered=pipeline.render_trial(analysis, progress=on_render))
        notes += _switch_extra_trials(slot, offer)
        bar.empty()
        done.append(phase)
    if done:
        st.session_state[state.SIDE_SWITCHED] = side_switch_summary(offer, done)
        correct.set_notes((offer.test, offer.slot_side), notes)
        if offer.slot_side in SIDES:
            _move_pair_if_whole(offer.test, offer.slot_side, offer.other)
    return done


def _drop_hand_readings(offer: SideSwitch, phase: str, videos: set[str]) -> list[tuple[str, str]]:
    """Remove the hand readings taken on a frame of the ``phase`` clips ``videos`` (filed
    under the leg measured until now) and return a warning note for each.

    A hand reading takes its side from the clip it was taken on, not from the points a
    person clicked; after the switch nobody knows which leg those points are on, so it is
    neither kept under the old leg (which the clip no longer measures) nor moved to the
    new one (it may be the old leg's angle): the physio is told and measures again.
    """
    readings = state.manual_measurements()
    notes = []
    for key in manual.frame_readings_of(readings, phase, offer.measured, videos):
        reading = readings.pop(key)
        notes.append(("warning", _(
            "Your hand reading “{tool}” on the {clip} clip ({value}, filed under the {measured} "
            "leg) was removed: the {other} leg is measured now, and which leg its points are "
            "on is not known. Measure it again on the clip if you need it.").format(
                tool=labels.test_label(reading.test), clip=labels.phase_word(phase),
                value=labels.format_value(reading.value, reading.unit),
                measured=labels.side_word(offer.measured),
                other=labels.side_word(offer.other))))
    return notes


def _leg_why(offer: SideSwitch) -> str:
    return _("it moved the {measured} leg's points, and the {other} leg is measured now").format(
        measured=labels.side_word(offer.measured), other=labels.side_word(offer.other))


def _switch_extra_trials(slot: tuple[str, str, str],
                         offer: SideSwitch) -> list[tuple[str, str]]:
    """The phase's further trials follow its first to the other leg (errors: dropped, said);
    returns the notes on the manual corrections this drops."""
    switched = []
    notes = []
    for number, extra in enumerate(state.extra_trials().get(slot, ()), start=2):
        if extra.measurement.side != offer.measured:
            switched.append(extra)
            continue
        try:
            analysis = pipeline.remeasure(extra.analysis,
                                          replace(extra.analysis.options, side=offer.other))
        except RomError as exc:
            st.error(_("{clip}: the {side} leg could not be measured: {error}").format(
                clip=f"{PHASE_TITLES[slot[2]]} · {dashboard_trials.trial_label(number)}",
                side=labels.side_word(offer.other), error=literal(exc)))
            continue
        if is_corrected(extra.measurement):
            notes.append(("warning", correct.dropped_note(extra, True, _leg_why(offer))))
        switched.append(replace(extra, analysis=analysis,
                                rendered=pipeline.render_trial(analysis)))
    if switched:
        state.extra_trials()[slot] = tuple(switched)
    else:
        state.extra_trials().pop(slot, None)
    return notes


def _move_pair_if_whole(test: str, from_side: str, to_side: str) -> None:
    found = state.analyses()
    pair = {phase: found.get((test, from_side, phase)) for phase in ("pre", "post")}
    present = [a for a in pair.values() if a is not None]
    if not present or any(a.measurement.side != to_side for a in present):
        return  # a mixed pair stays where it was asked for
    for phase, analysis in pair.items():
        found.pop((test, from_side, phase), None)
        if analysis is not None:
            found[(test, to_side, phase)] = analysis
    state.move_extra_trials(test, from_side, to_side)
    notes = st.session_state.get(state.CORRECTION_NOTES, {})
    if (test, from_side) in notes:
        notes[(test, to_side)] = notes.pop((test, from_side))
    st.session_state[state.LAST_PAIR] = (test, to_side)
    st.session_state["side"] = to_side  # the form is drawn after this, so it may be set


def side_switch_summary(offer: SideSwitch, done: Sequence[str]) -> str:
    """One line for the page after a switch."""
    clips = _(" and ").join(labels.phase_word(p) for p in done)
    return ngettext("Measured the {side} leg in the {phases} clip (from the stored pose track).",
                    "Measured the {side} leg in the {phases} clips (from the stored pose track).",
                    len(done)).format(side=labels.side_word(offer.other), phases=clips)
