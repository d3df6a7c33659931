"""CSV and one-page PDF exports hold the measured numbers, units and verdicts."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import pytest

from rom import report
from rom.compare import Change
from rom.comparison import ComparisonLine
from rom.measurement import Measurement
from rom.render import png_bytes

pypdf = pytest.importorskip("pypdf")


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def _measurement(test: str, side: str, unit: str, value: float, reliable: bool) -> Measurement:
    return Measurement(test=test, side=side, value=value, unit=unit, quality=0.9,
                       reliable=reliable, reasons=(), peak_time_s=1.0, peak_frame=30)


def _line(**kw: object) -> ComparisonLine:
    """A comparison line from flat numbers (pre, post, change, verdict), as the PDF reads it."""
    f: dict[str, Any] = {
        "test": "ankle-dorsiflexion", "side": "left", "unit": "deg", "pre": 35.24, "post": 41.0,
        "change": 5.76, "percent_change": 16.34, "mdc": 4.7, "exceeds_mdc": True, "improved": True,
        "mdc_source": "Powden CJ et al. Man Ther 2015", "pre_reliable": True,
        "post_reliable": True, "notes": (),
    }
    f.update(kw)
    pre = _measurement(f["test"], f["side"], f["unit"], f["pre"], f["pre_reliable"])
    post = _measurement(f["test"], f["side"], f["unit"], f["post"], f["post_reliable"])
    change = Change(f["test"], f["unit"], f["pre"], f["post"], f["change"], f["percent_change"],
                    f["mdc"], f["exceeds_mdc"], f["improved"],
                    f["pre_reliable"] and f["post_reliable"])
    return ComparisonLine(test=f["test"], side=f["side"], unit=f["unit"], pre=pre, post=post,
                          change=change, mdc=f["mdc"], mdc_source=f["mdc_source"],
                          notes=f["notes"])


def test_csv_round_trips_measurements() -> None:
    m = Measurement(
        test="toe-touch", side="right", value=-3.456, unit="cm", quality=0.8, reliable=False,
        reasons=("knees_bent", "no_scale"), peak_time_s=2.5, peak_frame=75,
        secondary={"trunk_flexion_deg": 101.2},
        provenance={"video_sha256": "ab" * 32, "model": "pose_landmarker_full",
                    "rom_version": "0.1.0"},
        uncertainty=0.4567,
    )
    rows = [{**m.to_dict(), "person": "Zoë Ødegaard", "session_id": 7,
             "session_date": "2026-11-25", "technique": "Sock Pull", "phase": "post"}]
    data = report.measurements_csv(rows)
    assert data.startswith("\ufeff".encode())  # spreadsheets then read UTF-8 names right
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(parsed[0]) == list(report.CSV_COLUMNS)
    row = parsed[0]
    assert row["person"] == "Zoë Ødegaard"
    assert float(row["value"]) == pytest.approx(-3.456, abs=1e-3)
    assert row["uncertainty"] == "0.457"
    assert row["unit"] == "cm" and row["reliable"] == "False" and row["phase"] == "post"
    assert row["reasons"] == "knees_bent;no_scale"
    assert row["video_sha256"] == "ab" * 32 and row["model"] == "pose_landmarker_full"
    assert '"trunk_flexion_deg": 101.2' in row["secondary"]


def test_csv_leaves_missing_values_empty() -> None:
    data = report.measurements_csv([{"test": "knee-flexion", "value": None,
                                     "peak_time_s": float("nan")}])
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert row["value"] == "" and row["peak_time_s"] == "" and row["test"] == "knee-flexion"


def test_pdf_is_one_page_with_the_numbers_and_verdicts() -> None:
    image = png_bytes(np.full((960, 540, 3), 120, np.uint8))
    content = report.SessionReport(
        person="Ana Runner", session_date="25 November 2026", technique="Toe Spreaders",
        lines=[
            _line(),
            _line(test="toe-touch", side="right", unit="cm", pre=-5.0, post=-1.0, change=4.0,
                  percent_change=None, mdc=4.5, exceeds_mdc=False, improved=None,
                  post_reliable=False, notes=("Keep the knees straight and repeat.",)),
        ],
        asymmetry=["Ankle dorsiflexion (post): left 41.0°, right 36.0° — difference 5.0°"],
        key_frames=[("Pre · ankle · left: 35.2°", image), ("Post · ankle · left: 41.0°", image)],
    )
    pages, text = _pdf_text(report.session_pdf(content))
    assert pages == 1
    flat = " ".join(text.split())
    for expected in ("Ana Runner", "25 November 2026", "Toe Spreaders", "35.2°", "41.0°",
                     "+5.8°", "+16.3%", "4.7°", "real change", "−5.0 cm", "(unreliable)",
                     "Unreliable", "Keep the knees straight", "Powden", "difference 5.0°"):
        assert expected in flat, expected


def test_pdf_stays_one_page_when_crowded() -> None:
    image = png_bytes(np.full((1920, 1080, 3), 200, np.uint8))
    advice = ("Film from the side, the whole body in frame.",) * 2
    lines = [_line(side=side, test=test, notes=advice)
             for test in ("ankle-dorsiflexion", "knee-flexion", "hip-extension", "hip-flexion",
                          "toe-touch") for side in ("left", "right")]
    content = report.SessionReport(
        person="A" * 80, session_date="1 January 2027", technique="Other", lines=lines,
        asymmetry=["x" * 300] * 5, key_frames=[("frame", image)] * 6,
    )
    pages, _ = _pdf_text(report.session_pdf(content))
    assert pages == 1


def test_pdf_escapes_markup_in_names() -> None:
    content = report.SessionReport(person="<b>Bob & Co</b>", session_date="today",
                                   technique="a < b", lines=[])
    _, text = _pdf_text(report.session_pdf(content))
    flat = " ".join(text.split())
    assert "<b>Bob & Co</b>" in flat and "No measurements in this session." in flat


def test_verdict_words_never_rely_on_colour() -> None:
    assert report._verdict(_line())[0] == "Yes – real change"
    assert report._verdict(_line(improved=False))[0] == "Yes – real loss"
    assert report._verdict(_line(exceeds_mdc=False))[0] == "No – within noise"
    assert report._verdict(_line(exceeds_mdc=None))[0] == "No MDC known"
    assert report._verdict(_line(pre_reliable=False))[0].startswith("Unreliable")


def test_pdf_shows_each_value_with_its_uncertainty() -> None:
    from dataclasses import replace

    line = _line()
    assert line.pre is not None and line.post is not None
    line = replace(line, pre=replace(line.pre, uncertainty=0.42),
                   post=replace(line.post, uncertainty=0.38))
    pages, text = _pdf_text(report.session_pdf(report.SessionReport(
        person="Ana Runner", session_date="25 November 2026", technique="Toe Spreaders",
        lines=[line])))
    flat = " ".join(text.split())
    assert pages == 1
    for expected in ("35.2 ± 0.4°", "41.0 ± 0.4°", "Real change?", "Yes – real change",
                     "± = rom's own uncertainty"):
        assert expected in flat, expected
