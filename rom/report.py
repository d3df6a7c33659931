"""Exports for a client file: a CSV of measurements and a one-page PDF session report.

Both are built in memory and returned as ``bytes`` so the dashboard can offer them for
download and the CLI can write them to disk; nothing here touches the database, and no
video code is loaded (colours come from :mod:`rom.style`).  The PDF's content is a
:class:`SessionReport`, made by :func:`build_session_report` from the stored trials of
one session through :func:`rom.trials.session_lines`; its key frames are the
cached renders of the trials' videos (:func:`stored_key_frames`, the only file reading
here), so the dashboard and ``rom report`` print the same document.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepInFrame,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from rom import cache, norms, trend
from rom.compare import mdc_for
from rom.comparison import (
    AsymmetryLine,
    ComparisonLine,
    asymmetry_lines,
)
from rom.correction import adjusted_suffix, automatic_measurement, correction_of
from rom.csvsafe import neutralise_cell
from rom.errors import MeasurementError
from rom.i18n import N_, Texts, _
from rom.labels import (
    UNIT_SUFFIX,
    display_scale,
    format_percent,
    format_value,
    phase_word,
    test_label,
    trusted_value,
)
from rom.pdftext import paragraph_markup
from rom.style import (
    ACCENT_HEX,
    GOOD_HEX,
    INK_HEX,
    MUTED_HEX,
    PHASE_COLOURS,
    RULE_HEX,
    WARN_HEX,
    ZEBRA_HEX,
)
from rom.trials import Statistic, session_lines, summarised_points
from rom.version import __version__
from rom.vocabulary import PHASES

if TYPE_CHECKING:  # only the records' shape; the store package loads SQLAlchemy
    from rom.store.records import HistoryPoint, PersonInfo, SessionInfo, TrialInfo

#: Columns of the measurements CSV, in order.  Values are stored units (see ``unit``);
#: ``uncertainty`` is the value's ± (about 95 %) in the same unit, empty when unknown.
CSV_COLUMNS: tuple[str, ...] = (
    "person",
    "session_id",
    "session_date",
    "technique",
    "phase",
    "test",
    "side",
    "value",
    "uncertainty",
    "unit",
    "reliable",
    "quality",
    "reasons",
    "peak_time_s",
    "secondary",
    "video_sha256",
    "model",
    "rom_version",
)


def _csv_cell(value: Any) -> str:
    """One CSV cell: numbers stay numbers, text is defused against formula injection."""
    if value is None:
        return ""
    if isinstance(value, numbers.Integral):  # bool too: True/False
        return str(value)
    if isinstance(value, numbers.Real):
        # Three decimals suit degrees and centimetres; the CSV keeps more than is shown.
        number = float(value)
        return f"{number:.3f}" if math.isfinite(number) else ""
    if isinstance(value, (list, tuple)):
        text = ";".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True)
    else:
        text = str(value)
    return neutralise_cell(text)


def measurements_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """CSV (UTF-8 with BOM, so spreadsheet programs read ``°`` right) of measurement rows.

    Parameters
    ----------
    rows : iterable of mappings
        Each holds some of :data:`CSV_COLUMNS`; a ``provenance`` mapping (as in
        ``Measurement.to_dict()``) fills ``video_sha256``, ``model`` and ``rom_version``.
        Missing columns are left empty, unknown keys are ignored.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        merged: dict[str, Any] = dict(row)
        provenance = merged.get("provenance") or {}
        for key in ("video_sha256", "model", "rom_version"):
            merged.setdefault(key, provenance.get(key))
        writer.writerow([_csv_cell(merged.get(column)) for column in CSV_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class TrendSeries:
    """One test and side over the person's sessions up to the reported one.

    ``before``/``after`` hold the comparable values (:func:`rom.norms.include_in_trend`) in
    stored units (``unit``), one per date, None where that phase has none.
    """

    test: str
    side: str
    unit: str
    dates: tuple[dt.date, ...]
    before: tuple[float | None, ...]
    after: tuple[float | None, ...]


#: Sessions shown in a trend chart at most (the latest ones).
TREND_SESSIONS = 8


def trend_series(history: Sequence[HistoryPoint], lines: Sequence[ComparisonLine],
                 session_id: int, until: dt.date) -> list[TrendSeries]:
    """Each reported test and side over the sessions up to ``until`` (the report's date).

    The values of the dashboard's history chart (:func:`rom.trend.session_values`),
    comparable ones only (no opt-in); a series needs two sessions or more to be a trend.  Sessions
    dated after the reported one are left out; ``session_id`` (the reported one) is always in.
    """
    shown = [point for point in history
             if point.session_id == session_id or point.date <= until]
    series = []
    for test, side in sorted({(line.test, line.side) for line in lines}):
        unit = trend.latest_unit(shown, test, side)
        if unit is None:
            continue
        values = trend.session_values(shown, test, side, unit=unit)[-TREND_SESSIONS:]
        if len(values) < 2:
            continue
        series.append(TrendSeries(
            test=test, side=side, unit=unit, dates=tuple(v.date for v in values),
            before=tuple(v.before for v in values), after=tuple(v.after for v in values),
        ))
    return series


@dataclass(frozen=True)
class SessionReport:
    """Everything the one-page PDF shows about one session."""

    person: str
    session_date: str
    technique: str
    lines: Sequence[ComparisonLine]
    asymmetry: Sequence[str] = ()
    key_frames: Sequence[tuple[str, bytes]] = field(default_factory=tuple)
    title: str = field(default_factory=lambda: _("Range-of-motion session report"))
    clinic: str = ""
    clinician: str = ""
    #: Captions of the trials whose key frame is not stored (each printed "not available").
    missing_key_frames: Sequence[str] = ()
    #: How the values were measured: model, calibration (see :func:`method_lines`).
    method: Sequence[str] = ()
    #: Each value against the published typical range (see :func:`reference_texts`).
    ranges: Sequence[str] = ()
    #: The reported tests over the previous sessions (see :func:`trend_series`).
    trends: Sequence[TrendSeries] = ()


#: Store settings (:meth:`rom.store.Store.setting`) of the report's header, set once.
CLINIC_SETTING = "report.clinic"
CLINICIAN_SETTING = "report.clinician"

#: The report's fixed words (one table, ready for translation).
REPORT_TEXT: Mapping[str, str] = Texts({
    "no_key_frame": N_("key frame not available"),
    "key_frames": N_("Key frames at the peak"),
    "method": N_("Method"),
    "clinic": N_("Clinic"),
    "clinician": N_("Clinician"),
    "before": N_("Before"),
    "after": N_("After"),
    "ranges": N_("Typical ranges"),
    "trends": N_("Over the previous sessions"),
    "comparison": N_("Before and after"),
})

#: How each scale source reads in the method section.
_SCALE_WORDS: Mapping[str, str] = Texts({
    "marker": N_("from the printed marker in the video"),
    "height": N_("from the person's stated height"),
})
_ROLL_WORDS: Mapping[str, str] = Texts({
    "none": N_("camera assumed level"),
    "user": N_("camera tilt entered by the user"),
    "marker": N_("camera tilt from the printed marker"),
    "floor": N_("camera tilt from the floor line"),
    "scene": N_("camera tilt from the scene's verticals"),
})


def key_frame_caption(phase: str, test: str, side: str, value: float | None, unit: str,
                      reliable: bool) -> str:
    """``"Before · Ankle dorsiflexion · left: 31.5°"``: what a key frame shows."""
    when = REPORT_TEXT["before"] if phase == "pre" else REPORT_TEXT["after"]
    return _("{phase} · {test} · {side}: {value}").format(
        phase=when, test=test_label(test).split(" (")[0], side=side,
        value=trusted_value(value, unit, reliable))


def stored_key_frames(
    trials: Sequence[TrialInfo],
) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The cached key frame of each trial's measurement, and the captions of those missing.

    A key frame is found by the trial's video digest and the measurement it shows
    (:func:`rom.cache.stored_key_frame`); a trial without a stored one is listed in the
    second element, so the report can say "key frame not available".
    """
    found: list[tuple[str, bytes]] = []
    missing: list[str] = []
    order: dict[str, int] = {phase: i for i, phase in enumerate(PHASES)}
    for trial in sorted(trials, key=lambda t: (t.test, t.side or "", order.get(t.phase, 9))):
        for record in trial.measurements:
            m = record.measurement
            caption = key_frame_caption(trial.phase, m.test, m.side, m.value, m.unit,
                                        m.reliable) + adjusted_suffix(m)
            sha = trial.video_sha256 or m.provenance.get("video_sha256")
            # A corrected value's frame is the automatic one's (drawn with the model's points).
            try:
                shown = automatic_measurement(m)
            except MeasurementError:  # an unreadable record from an import
                shown = m
            png = (cache.stored_key_frame(sha, m.test, m.side, shown.peak_frame, shown.value)
                   if sha else None)
            if png is None:
                missing.append(caption)
            else:
                found.append((caption, png))
    return found, missing


def reference_texts(lines: Sequence[ComparisonLine]) -> list[str]:
    """Each test's before and after values against its published range (:mod:`rom.norms`).

    E.g. ``"Ankle dorsiflexion, left, knee-to-wall: before 10.0 cm, after 12.5 cm —
    within the typical range (…)"``; a test without a range says why, once.
    """
    texts: list[str] = []
    no_range: dict[str, str] = {}
    for line in lines:
        name = test_label(line.test).split(" (")[0]
        bands = [band for (test, _q), band in norms.REFERENCE_RANGES.items()
                 if test == line.test]
        if not bands:
            no_range[name] = norms.NO_RANGE_REASON.get(line.test, _("no published range"))
        for band in bands:
            values = []
            latest: float | None = None
            for phase, measurement in (("pre", line.pre), ("post", line.post)):
                if measurement is None:
                    continue
                value = (measurement.value if band.quantity == "value"
                         else measurement.secondary.get(band.quantity))
                if value is None:
                    continue
                when = REPORT_TEXT["before" if phase == "pre" else "after"].lower()
                values.append(_("{phase} {value}").format(
                    phase=when, value=format_value(value, band.unit)))
                latest = value
            if latest is None:
                continue
            quantity = _(", knee-to-wall") if band.quantity == norms.KNEE_TO_WALL else ""
            texts.append(_("{test}, {side}{quantity}: {values} — {judged}").format(
                test=name, side=line.side, quantity=quantity, values=", ".join(values),
                judged=norms.range_sentence(latest, band)))
    texts.extend(_("{test}: {reason}").format(test=name, reason=reason)
                 for name, reason in no_range.items())
    return texts


def method_lines(trials: Sequence[TrialInfo]) -> list[str]:
    """How the session's values were measured: the pose model and the calibration used."""
    models = sorted({r.measurement.provenance.get("model", "") for t in trials
                     for r in t.measurements} - {""})
    scales = sorted({_SCALE_WORDS.get(c.scale_source, c.scale_source)
                     for t in trials for r in t.measurements
                     if (c := r.measurement.calibration) is not None and c.scale_source})
    rolls = sorted({_ROLL_WORDS.get(c.roll_source, c.roll_source)
                    for t in trials for r in t.measurements
                    if (c := r.measurement.calibration) is not None})
    lines = [_("Pose model: MediaPipe pose landmarker ({models}).").format(
        models=", ".join(models) or _("not recorded"))]
    calibration = "; ".join(rolls + [_("distances {source}").format(source=w) for w in scales])
    lines.append(_("Calibration: {calibration}.").format(
        calibration=calibration or _("not recorded")))
    lines.extend(correction_lines(trials))
    return lines


def correction_lines(trials: Sequence[TrialInfo]) -> list[str]:
    """One line per value whose points were moved by hand: what moved, by whom, when, and
    the automatic value it replaced (the audit record of :mod:`rom.correction`)."""
    lines = []
    for trial in trials:
        for record in trial.measurements:
            m = record.measurement
            try:
                correction = correction_of(m)
            except MeasurementError:
                correction = None
            if correction is None:
                continue
            when = REPORT_TEXT["before"] if trial.phase == "pre" else REPORT_TEXT["after"]
            moves = ", ".join(
                p.landmark.replace("_", " ").lower()
                + (f" {p.moved_px:.0f} px" if p.moved_px is not None else "")
                for p in correction.moved) or _("no point")
            who = (_(" by {clinician}").format(clinician=correction.clinician)
                   if correction.clinician else "")
            original = correction.original
            lines.append(_(
                "Manually adjusted: {test}, {side}, {phase}: {moves} moved{who} on {date}; "
                "automatic value {value}.").format(
                test=test_label(m.test).split(" (")[0], side=m.side, phase=when, moves=moves,
                who=who, date=correction.corrected_at[:10],
                value=format_value(original.value, original.unit)))
    return lines


def asymmetry_text(line: AsymmetryLine) -> str:
    """One left-vs-right sentence, e.g. ``"… left 40.0°, right 32.0° — difference 8.0° …"``."""
    result = line.asymmetry
    if result.exceeds_mdc is None:
        judged = _("no MDC known to judge it")
    elif result.exceeds_mdc:
        judged = _("larger than the MDC: a real difference between the sides")
    else:
        judged = _("within the MDC: no clear difference between the sides")
    percent = ("" if result.percent is None
               else f" ({format_percent(result.percent, signed=False)})")
    text = _("{test} ({phase}): left {left}, right {right} — difference {difference}"
             "{percent}; {judged}").format(
        test=test_label(line.test), phase=phase_word(line.phase),
        left=format_value(result.left, line.unit), right=format_value(result.right, line.unit),
        difference=format_value(abs(result.difference), line.unit), percent=percent,
        judged=judged)
    if not line.reliable:
        text += _(" (at least one side is unreliable)")
    return text


def asymmetry_texts(lines: Sequence[ComparisonLine]) -> list[str]:
    """:func:`asymmetry_text` of each test measured on both sides of a session."""
    return [asymmetry_text(line) for line in asymmetry_lines(lines)]


def build_session_report(
    person: PersonInfo, session: SessionInfo, trials: Sequence[TrialInfo],
    key_frames: Sequence[tuple[str, bytes]] | None = None, *, clinic: str = "",
    clinician: str = "", history: Sequence[HistoryPoint] = (),
    statistic: Statistic = "mean",
) -> SessionReport:
    """The PDF's content for one stored session: the same for the dashboard and the CLI.

    Parameters
    ----------
    person, session : records of the store
    trials : the session's trials (``Store.trials(session.id)``)
    key_frames : (caption, PNG bytes) pairs, optional
        Annotated frames at the peaks; None (the default) takes the stored renders
        (:func:`stored_key_frames`).
    clinic, clinician : str
        The header (:data:`CLINIC_SETTING`, :data:`CLINICIAN_SETTING` of the store).
    history : the person's measurements in time (``Store.history(person.id)``), optional
        For the small trend charts (:func:`trend_series`).
    statistic : ``"mean"`` or ``"best"``
        How a phase with several trials is summarised, as on the verdict card
        (:data:`rom.trials.STATISTIC_SETTING`).
    """
    lines = session_lines(trials, statistic)
    history = summarised_points(history, statistic)
    missing: list[str] = []
    if key_frames is None:
        key_frames, missing = stored_key_frames(trials)
    return SessionReport(
        person=person.name, session_date=session.date.strftime("%d %B %Y"),
        technique=session.technique or "", lines=lines,
        asymmetry=asymmetry_texts(lines), key_frames=tuple(key_frames),
        clinic=clinic, clinician=clinician, missing_key_frames=tuple(missing),
        method=tuple(method_lines(trials)), ranges=tuple(reference_texts(lines)),
        trends=tuple(trend_series(history, lines, session.id, session.date)),
    )


_INK = colors.HexColor(INK_HEX)
_MUTED = colors.HexColor(MUTED_HEX)
_ACCENT = colors.HexColor(ACCENT_HEX)
_GOOD = colors.HexColor(GOOD_HEX)
_WARN = colors.HexColor(WARN_HEX)


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=18, textColor=_INK,
                                alignment=0, spaceAfter=2 * mm),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=12, textColor=_ACCENT,
                             spaceBefore=3 * mm, spaceAfter=1.5 * mm),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontSize=9, leading=12,
                               textColor=_INK),
        "cell": ParagraphStyle("cell", parent=base["BodyText"], fontSize=8.5, leading=10.5,
                               textColor=_INK),
        "small": ParagraphStyle("small", parent=base["BodyText"], fontSize=7.5, leading=9.5,
                                textColor=_MUTED),
    }


def _verdict(line: ComparisonLine) -> tuple[str, colors.Color]:
    """Words (never colour alone) for whether the change is beyond measurement noise."""
    if not line.comparable:
        return _("Unreliable – re-film"), _WARN
    if line.exceeds_mdc is None:
        return _("No MDC known"), _MUTED
    if line.real_change:
        if line.improved is False:
            return _("Yes – real loss"), _WARN
        return _("Yes – real change"), _GOOD
    if line.exceeds_mdc:  # beyond the MDC, but not beyond the two values' uncertainty
        return _("No – within rom's uncertainty"), _MUTED
    return _("No – within noise"), _MUTED


def _value_cell(value: float | None, unit: str, reliable: bool,
                uncertainty: float | None = None) -> str:
    """A value with ``± uncertainty`` when known, marked when unreliable."""
    text = format_value(value, unit, uncertainty=uncertainty)
    return text if reliable or text == "–" else _("{value} (unreliable)").format(value=text)


def _change_cell(text: str, line: ComparisonLine) -> str:
    """A change is only as trustworthy as both its ends."""
    return (text if line.comparable or text == "–"
            else _("{value} (unreliable)").format(value=text))


def session_pdf(report: SessionReport) -> bytes:
    """A one-page A4 PDF of the session: pre/post table, MDC verdicts, asymmetry, key frames.

    The content is shrunk to fit if it would overflow, so the result is always one page.
    """
    s = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
        bottomMargin=14 * mm, title=report.title, author="rom", subject=report.person,
    )
    story: list[Any] = []
    header_parts = [_("<b>{label}:</b> {value}").format(label=REPORT_TEXT[key], value=_esc(text))
                    for key, text in (("clinic", report.clinic),
                                      ("clinician", report.clinician)) if text]
    if header_parts:
        story.append(Paragraph(" &nbsp;&nbsp; ".join(header_parts), s["body"]))
    story += [
        Paragraph(report.title, s["title"]),
        Paragraph(
            _("<b>Person:</b> {person} &nbsp;&nbsp; <b>Date:</b> {date} &nbsp;&nbsp; "
              "<b>Technique between before and after:</b> {technique}").format(
                person=_esc(report.person), date=_esc(report.session_date),
                technique=_esc(report.technique or "–")),
            s["body"],
        ),
        Paragraph(REPORT_TEXT["comparison"], s["h2"]),
    ]

    header = [_("Test"), _("Side"), REPORT_TEXT["before"], REPORT_TEXT["after"], _("Change"),
              _("% change"), _("MDC"), _("Real change?")]
    data: list[list[Any]] = [header]
    verdict_colours: list[tuple[int, colors.Color]] = []
    for i, line in enumerate(report.lines, start=1):
        verdict, colour = _verdict(line)
        change = line.change
        verdict_colours.append((i, colour))
        data.append([
            Paragraph(_esc(test_label(line.test)), s["cell"]),
            line.side.capitalize(),
            *(Paragraph(_esc(_value_cell(line.value(phase), line.unit, line.reliable(phase),
                                         line.uncertainty(phase))
                             + adjusted_suffix(line.phase(phase))),
                        s["cell"]) for phase in PHASES),
            Paragraph(_esc(_change_cell(format_value(change.absolute if change else None,
                                                     line.unit, signed=True), line)), s["cell"]),
            Paragraph(_esc(_change_cell(format_percent(change.percent if change else None),
                                        line)), s["cell"]),
            format_value(line.mdc, line.unit),
            Paragraph(f"<b>{_esc(verdict)}</b>", s["cell"]),
        ])
    empty = len(data) == 1
    if empty:
        data.append([Paragraph(_("No measurements in this session."), s["cell"])] + [""] * 7)
    widths = [48 * mm, 13 * mm, 22 * mm, 22 * mm, 18 * mm, 16 * mm, 15 * mm, 26 * mm]
    table = Table(data, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("BACKGROUND", (0, 0), (-1, 0), _ACCENT),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor(ZEBRA_HEX)]),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor(RULE_HEX)),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if empty:
        style.append(("SPAN", (0, 1), (-1, 1)))
    for row, colour in verdict_colours:
        style.append(("LINEBEFORE", (7, row), (7, row), 3, colour))
    table.setStyle(TableStyle(style))
    story.append(table)

    if report.asymmetry:
        story.append(Paragraph(_("Left vs right"), s["h2"]))
        story.extend(Paragraph(_esc(text), s["body"]) for text in report.asymmetry)

    if report.ranges:
        story.append(Paragraph(REPORT_TEXT["ranges"], s["h2"]))
        story.extend(Paragraph(_esc(text), s["body"]) for text in report.ranges)

    notes = [(line, note) for line in report.lines for note in line.notes]
    if notes:
        story.append(Paragraph(_("What to improve when filming"), s["h2"]))
        story.extend(
            Paragraph(_("<b>{test}, {side}:</b> {note}").format(
                test=_esc(test_label(line.test)), side=line.side, note=_esc(note)), s["body"])
            for line, note in notes[:8]
        )

    if report.trends:
        story.append(Paragraph(REPORT_TEXT["trends"], s["h2"]))
        story.append(_trend_row(report.trends))

    if report.key_frames or report.missing_key_frames:
        story.append(Paragraph(REPORT_TEXT["key_frames"], s["h2"]))
    if report.key_frames:
        story.append(_key_frame_row(report.key_frames, s))
    if report.missing_key_frames:
        story.append(Paragraph(
            "; ".join(_esc(_("{caption}: {missing}").format(
                caption=caption, missing=REPORT_TEXT["no_key_frame"]))
                      for caption in report.missing_key_frames), s["small"]))

    if report.method:
        story.append(Paragraph(REPORT_TEXT["method"], s["h2"]))
        story.extend(Paragraph(_esc(text), s["small"]) for text in report.method)

    sources = sorted({line.mdc_source for line in report.lines if line.mdc_source})
    story.append(Spacer(1, 3 * mm))
    story.append(Paragraph(
        _("MDC = minimal detectable change (95% confidence): a change smaller than this may "
          "be measurement noise. ± = rom's own uncertainty of a value (about 95%); a change is "
          "real only when larger than the MDC and than both values' combined uncertainty. "
          "Sources: {sources}.").format(
            sources=_esc("; ".join(sources)) if sources else "–"),
        s["small"],
    ))
    story.append(Paragraph(
        _("Measured from video with MediaPipe pose landmarks by rom {version}, on this "
          "computer; no data left the machine. Not a medical diagnosis.").format(
            version=__version__),
        s["small"],
    ))

    frame_w = A4[0] - doc.leftMargin - doc.rightMargin
    frame_h = A4[1] - doc.topMargin - doc.bottomMargin
    doc.build([KeepInFrame(frame_w, frame_h, story, mode="shrink")])
    return buffer.getvalue()


def _trend_chart(series: TrendSeries, width: float, height: float) -> Drawing:
    """A small line chart of one test and side: before and after per session date."""
    scale = display_scale(series.unit)
    drawing = Drawing(width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y = 28, 30
    chart.width, chart.height = width - 36, height - 52
    chart.data = [tuple(None if v is None else v * scale for v in values)
                  for values in (series.before, series.after)]
    chart.categoryAxis.categoryNames = [d.strftime("%d %b") for d in series.dates]
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.fillColor = _INK
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.labels.fillColor = _INK
    # An axis that does not zoom to the values (the history chart's): noise must not look
    # like a trend.
    limits = trend.axis_limits([v for values in (series.before, series.after) for v in values
                                if v is not None], series.unit, mdc_for(series.test, series.unit))
    if limits is not None:
        chart.valueAxis.valueMin, chart.valueAxis.valueMax = (v * scale for v in limits)
    for i, phase in enumerate(PHASES):
        chart.lines[i].strokeColor = colors.HexColor(PHASE_COLOURS[phase])
        chart.lines[i].strokeWidth = 1.2
        chart.lines[i].symbol = makeMarker("FilledCircle" if phase == "pre" else "FilledDiamond",
                                           size=4, fillColor=colors.HexColor(PHASE_COLOURS[phase]))
    drawing.add(chart)
    unit = UNIT_SUFFIX.get(series.unit, series.unit).strip()
    title = f"{test_label(series.test).split(' (')[0]} · {series.side} ({unit})"
    drawing.add(String(chart.x, height - 10, title, fontName="Helvetica-Bold", fontSize=7,
                       fillColor=_INK))
    legend = Legend()
    legend.x, legend.y = chart.x, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontSize = 6
    legend.deltax = 50
    legend.colorNamePairs = [(colors.HexColor(PHASE_COLOURS[phase]), REPORT_TEXT[word])
                             for phase, word in (("pre", "before"), ("post", "after"))]
    drawing.add(legend)
    return drawing


def _trend_row(trends: Sequence[TrendSeries]) -> Table:
    """Up to three trend charts side by side."""
    shown = list(trends)[:3]
    cell_w = (A4[0] - 30 * mm) / 3
    cells = [_trend_chart(series, cell_w - 2 * mm, 40 * mm) for series in shown]
    table = Table([cells], colWidths=[cell_w] * len(shown), hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _key_frame_row(key_frames: Sequence[tuple[str, bytes]], s: dict[str, ParagraphStyle]) -> Table:
    """Up to four key-frame images side by side, each with its caption below."""
    shown = list(key_frames)[:4]
    cell_w = (A4[0] - 30 * mm) / max(len(shown), 1)
    max_h = 62 * mm
    cells = []
    for caption, png in shown:
        image = Image(io.BytesIO(png))
        ratio = min((cell_w - 4 * mm) / image.imageWidth, max_h / image.imageHeight)
        image.drawWidth, image.drawHeight = image.imageWidth * ratio, image.imageHeight * ratio
        cells.append([image, Paragraph(_esc(caption), s["small"])])
    table = Table([cells], colWidths=[cell_w] * len(shown))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    return table


def _esc(text: str) -> str:
    """Text for reportlab's mini-markup: escaped, RTL in visual order, a font per script."""
    return paragraph_markup(text)
