"""ORM rows <-> the plain records of :mod:`rom.store.records`: the one place that knows both.

:func:`measurement_columns` and :func:`measurement_from_row` are the whole mapping between
a :class:`rom.measurement.Measurement` and a ``measurements`` row; every other part of the
store goes through them.  A new measurement field is one line in each of the two, plus its
key in :class:`rom.store.schema.MeasurementFields`, its column in :mod:`rom.store.models`
with an Alembic revision, and its check in :func:`rom.store.validate.measurement`
(``tests/test_store.py`` fails until all of them know it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rom.measurement import CalibrationUsed, Measurement
from rom.store.models import MeasurementRow, PersonRow, SessionRow, TrialRow, as_utc
from rom.store.records import (
    HistoryPoint,
    MeasurementRecord,
    PersonInfo,
    SessionInfo,
    Settings,
    TrialInfo,
)
from rom.store.schema import CalibrationFields, MeasurementFields


def calibration_fields(calibration: CalibrationUsed | None) -> CalibrationFields | None:
    """The JSON column of a measurement's calibration (None stays None).

    The calibration is one JSON column rather than six: it is read and written only as a
    whole (never queried by its parts), and its keys are checked on the way in
    (:func:`rom.store.validate.calibration`) and typed on the way out
    (:class:`rom.store.schema.CalibrationFields`, :class:`CalibrationUsed`).
    """
    if calibration is None:
        return None
    return CalibrationFields(
        roll_deg=calibration.roll_deg,
        roll_source=calibration.roll_source,
        roll_uncertainty_deg=calibration.roll_uncertainty_deg,
        cm_per_px=calibration.cm_per_px,
        scale_source=calibration.scale_source,
        marker_rejection=calibration.marker_rejection,
    )


def calibration_from_fields(fields: CalibrationFields | None) -> CalibrationUsed | None:
    """Inverse of :func:`calibration_fields`."""
    return None if fields is None else CalibrationUsed.from_dict(fields)


def measurement_columns(measurement: Measurement) -> MeasurementFields:
    """The row columns of a (checked) measurement; shares nothing mutable with it."""
    return MeasurementFields(
        test=measurement.test,
        side=measurement.side,
        value=measurement.value,
        unit=measurement.unit,
        quality=measurement.quality,
        reliable=measurement.reliable,
        reasons=list(measurement.reasons),
        peak_time_s=measurement.peak_time_s,
        peak_frame=measurement.peak_frame,
        secondary=dict(measurement.secondary),
        provenance=dict(measurement.provenance),
        uncertainty=measurement.uncertainty,
        calibration=calibration_fields(measurement.calibration),
    )


def measurement_from_row(row: MeasurementRow) -> Measurement:
    """The :class:`Measurement` a row was saved from."""
    return Measurement(
        test=row.test,
        side=row.side,
        value=row.value,
        unit=row.unit,
        quality=row.quality,
        reliable=row.reliable,
        reasons=tuple(row.reasons or ()),
        peak_time_s=row.peak_time_s,
        peak_frame=row.peak_frame,
        secondary=dict(row.secondary or {}),
        provenance=dict(row.provenance or {}),
        uncertainty=row.uncertainty,
        calibration=calibration_from_fields(row.calibration),
    )


def new_measurement_row(measurement: Measurement) -> MeasurementRow:
    """A fresh, unsaved row holding ``measurement``."""
    return MeasurementRow(**measurement_columns(measurement))


def person_info(
    row: PersonRow, *, session_count: int = 0, last_session_date: dt.date | None = None
) -> PersonInfo:
    """A person's record, with the session summary the query counted."""
    return PersonInfo(
        id=row.id,
        uid=row.uid,
        name=row.name,
        height_cm=row.height_cm,
        notes=row.notes,
        created_at=as_utc(row.created_at),
        session_count=session_count,
        last_session_date=last_session_date,
    )


def session_info(row: SessionRow, *, trial_count: int = 0) -> SessionInfo:
    """A session's record, with the number of trials the query counted."""
    return SessionInfo(
        id=row.id,
        uid=row.uid,
        person_id=row.person_id,
        date=row.date,
        place=row.place,
        technique=row.technique,
        notes=row.notes,
        created_at=as_utc(row.created_at),
        trial_count=trial_count,
        technique_duration_s=row.technique_duration_s,
        technique_side=row.technique_side,
    )


def measurement_record(row: MeasurementRow) -> MeasurementRecord:
    """A stored measurement's record: the saved Measurement with its row identity."""
    return MeasurementRecord(
        id=row.id,
        uid=row.uid,
        trial_id=row.trial_id,
        measurement=measurement_from_row(row),
        created_at=as_utc(row.created_at),
    )


def trial_info(row: TrialRow, stored_video: Path | None) -> TrialInfo:
    """The trial's record; ``stored_video`` is its kept copy if that file still exists."""
    return TrialInfo(
        id=row.id,
        uid=row.uid,
        session_id=row.session_id,
        phase=row.phase,
        test=row.test,
        side=row.side,
        video_sha256=row.video_sha256,
        video_path=row.video_path,
        stored_video=stored_video,
        settings=settings_of(row),
        created_at=as_utc(row.created_at),
        measurements=tuple(measurement_record(m) for m in row.measurements),
    )


def settings_of(row: TrialRow) -> Settings:
    """A copy of a trial's stored analysis settings."""
    return dict(row.settings or {})


def history_point(m: MeasurementRow, t: TrialRow, s: SessionRow) -> HistoryPoint:
    """A measurement placed in time by its trial (phase) and session (date, technique)."""
    return HistoryPoint(
        person_id=s.person_id,
        session_id=s.id,
        session_uid=s.uid,
        date=s.date,
        technique=s.technique,
        place=s.place,
        trial_id=t.id,
        phase=t.phase,
        measurement_id=m.id,
        measurement=measurement_from_row(m),
        recorded_at=as_utc(m.created_at),
    )


def fresh_trial(template: TrialRow) -> TrialRow:
    """A new ORM row with the template's values (a retried transaction needs fresh rows)."""
    trial = TrialRow(
        phase=template.phase,
        test=template.test,
        side=template.side,
        video_sha256=template.video_sha256,
        video_path=template.video_path,
        stored_video=template.stored_video,
        settings=dict(template.settings),
    )
    trial.measurements = [new_measurement_row(measurement_from_row(m))
                          for m in template.measurements]
    return trial
