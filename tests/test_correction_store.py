"""A manually adjusted measurement in the store and in bundles: the audit trail survives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rom.calibration import Calibration
from rom.correction import (
    automatic_measurement,
    corrected_measurement,
    correction_context,
    correction_of,
    is_corrected,
)
from rom.measurement import Measurement
from rom.protocols import measure
from rom.store import NewTrial, Store, read_bundle, write_bundle
from tests.test_protocols import lunge, make_track

WHEN = dt.datetime(2026, 12, 2, 2, 30, tzinfo=dt.UTC)


def _corrected() -> Measurement:
    cal = Calibration(roll_source="user")
    track = make_track(lunge(30.0))
    result = measure(track, "ankle-dorsiflexion", calibration=cal)
    context = correction_context(track, result, calibration=cal)
    k = result.measurement.peak_frame
    assert k is not None
    knee = context.points(k)["LEFT_KNEE"]
    assert knee is not None
    return corrected_measurement(context, {"LEFT_KNEE": (knee[0] - 20.0, knee[1] + 3.0)},
                                 clinician="Dr Ärztin", corrected_at=WHEN)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_correction_is_stored_and_round_trips_in_a_bundle(
    store: Store, tmp_path: Path, fmt: str
) -> None:
    corrected = _corrected()
    automatic = automatic_measurement(corrected)
    assert corrected.value is not None and automatic.value is not None
    assert corrected.value < automatic.value - 2.0  # the knee went back: less dorsiflexion
    person = store.add_person("Corrected Person")
    store.add_session(person.id, date=dt.date(2026, 12, 2), trials=[
        NewTrial("pre", "ankle-dorsiflexion", "left", measurements=(corrected,))])
    (point,) = store.history(person.id)
    assert point.measurement == corrected
    record = correction_of(point.measurement)
    assert record is not None
    assert (record.clinician, record.corrected_at) == ("Dr Ärztin", "2026-12-02T02:30:00+00:00")
    assert [m.landmark for m in record.moved] == ["LEFT_KNEE"]
    assert record.moved[0].moved_px == pytest.approx((20.0**2 + 3.0**2) ** 0.5, abs=0.01)
    # "Back to automatic" from the stored record alone.
    assert automatic_measurement(point.measurement) == automatic

    path = tmp_path / f"bundle.{fmt}"
    write_bundle(store.export_bundle(person.id), path)
    store.delete_person(person.id)
    summary = store.import_bundle(read_bundle(path))
    (imported,) = store.history(summary.person_id)
    assert imported.measurement == corrected
    assert is_corrected(imported.measurement)
    assert automatic_measurement(imported.measurement) == automatic


def test_the_report_and_the_history_mark_the_corrected_value(store: Store) -> None:
    pypdf = pytest.importorskip("pypdf")
    import io

    from rom import report

    corrected = _corrected()
    automatic = automatic_measurement(corrected)
    person = store.add_person("Corrected Person")
    session = store.add_session(person.id, date=dt.date(2026, 12, 2), technique="Sock Pull",
                                trials=[
        NewTrial("pre", "ankle-dorsiflexion", "left", measurements=(corrected,)),
        NewTrial("post", "ankle-dorsiflexion", "left", measurements=(automatic,))])
    trials = store.trials(session.id)
    content = report.build_session_report(person, session, trials, key_frames=[])
    record = correction_of(corrected)
    assert record is not None
    px = record.moved[0].moved_px
    assert px is not None
    assert content.method[-1] == (
        f"Manually adjusted: Ankle dorsiflexion, left, {report.REPORT_TEXT['before']}: left knee "
        f"{px:.0f} px moved by Dr Ärztin on 2026-12-02; automatic value 30.0°.")
    reader = pypdf.PdfReader(io.BytesIO(report.session_pdf(content)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "(manually adjusted)" in text
    # The corrected value is the one compared: before = the corrected, after = the automatic.
    (line,) = content.lines
    assert (line.value("pre"), line.value("post")) == (corrected.value, automatic.value)
    # The history's points carry the mark, only on the corrected value.
    points = store.history(person.id)
    assert [(p.phase, is_corrected(p.measurement)) for p in points] == [("pre", True),
                                                                        ("post", False)]
