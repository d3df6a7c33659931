"""A person's history as bundle data: built from the stored rows, checked before import.

:func:`person_bundle` shapes the rows of one person into :class:`rom.store.schema.PersonBundle`
(what :meth:`rom.store.Store.export_bundle` returns); :func:`check_bundle` validates
bundle data of unknown origin and turns it into the column values of new rows.  Files
(JSON, CSV) are :mod:`rom.store.bundle_file`'s business.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from rom.errors import StorageError
from rom.measurement import Measurement
from rom.store import validate, videos
from rom.store.mappers import measurement_columns, measurement_from_row, settings_of
from rom.store.models import PersonRow, SessionRow, TrialRow, as_utc, utc_now
from rom.store.schema import (
    BUNDLE_FORMAT,
    BUNDLE_SCHEMA_VERSION,
    JsonValue,
    MeasurementData,
    PersonBundle,
    SessionData,
    TrialData,
)

#: What rom's uids look like (random UUIDs as text); letters, digits and ``-``/``_`` only.
_UID = re.compile(r"[A-Za-z0-9_-]{8,36}")
#: After the digest, a stored copy's name has at most a short suffix (``.mp4``).
_STORED_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,8})?")


class PersonColumns(TypedDict):
    uid: str
    name: str | None
    height_cm: float | None
    notes: str | None
    created_at: dt.datetime


class SessionColumns(TypedDict):
    uid: str
    date: dt.date
    place: str | None
    technique: str | None
    notes: str | None
    technique_duration_s: float | None
    technique_side: str | None
    created_at: dt.datetime


class TrialColumns(TypedDict):
    uid: str
    phase: str
    test: str | None
    side: str | None
    video_sha256: str | None
    video_path: str | None
    stored_video: str | None
    settings: dict[str, JsonValue]
    created_at: dt.datetime


@dataclass(frozen=True)
class CheckedMeasurement:
    uid: str
    created_at: dt.datetime
    measurement: Measurement


@dataclass(frozen=True)
class CheckedTrial:
    columns: TrialColumns
    measurements: tuple[CheckedMeasurement, ...]


@dataclass(frozen=True)
class CheckedSession:
    columns: SessionColumns
    trials: tuple[CheckedTrial, ...]


@dataclass(frozen=True)
class CheckedBundle:
    """A validated bundle: the column values of every row it holds."""

    person: PersonColumns
    sessions: tuple[CheckedSession, ...]


# ---------------------------------------------------------------------- building


def person_bundle(person: PersonRow, sessions: Sequence[SessionRow]) -> PersonBundle:
    """A person's rows (sessions with trials and measurements loaded) as bundle data."""
    return PersonBundle(
        format=BUNDLE_FORMAT,
        schema_version=BUNDLE_SCHEMA_VERSION,
        exported_at=utc_now().isoformat(),
        person={
            "uid": person.uid,
            "name": person.name,
            "height_cm": person.height_cm,
            "notes": person.notes,
            "created_at": as_utc(person.created_at).isoformat(),
        },
        sessions=[_session_data(row) for row in sessions],
    )


def _session_data(row: SessionRow) -> SessionData:
    return SessionData(
        uid=row.uid,
        date=row.date.isoformat(),
        place=row.place,
        technique=row.technique,
        notes=row.notes,
        technique_duration_s=row.technique_duration_s,
        technique_side=row.technique_side,
        created_at=as_utc(row.created_at).isoformat(),
        trials=[_trial_data(t)
                for t in sorted(row.trials, key=lambda t: (t.phase != "pre", t.id))],
    )


def _trial_data(t: TrialRow) -> TrialData:
    return TrialData(
        uid=t.uid,
        phase=t.phase,
        test=t.test,
        side=t.side,
        video_sha256=t.video_sha256,
        video_path=t.video_path,
        stored_video=t.stored_video,
        settings=settings_of(t),
        created_at=as_utc(t.created_at).isoformat(),
        measurements=[
            MeasurementData(uid=m.uid, **measurement_columns(measurement_from_row(m)),
                            created_at=as_utc(m.created_at).isoformat())
            for m in sorted(t.measurements, key=lambda m: m.id)
        ],
    )


# ---------------------------------------------------------------------- checking


def check_bundle(bundle: object) -> CheckedBundle:
    """Validate bundle data and turn it into column values.

    Raises
    ------
    StorageError
        It is not a rom bundle, is from a newer rom, or is malformed.
    """
    if not isinstance(bundle, Mapping) or bundle.get("format") != BUNDLE_FORMAT:
        raise StorageError("this is not a rom person bundle")
    version = bundle.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise StorageError("the bundle has no valid schema_version")
    if version > BUNDLE_SCHEMA_VERSION:
        raise StorageError(
            f"the bundle has schema version {version}; this rom reads up to "
            f"{BUNDLE_SCHEMA_VERSION} — upgrade rom"
        )
    try:
        person = bundle["person"]
        if not isinstance(person, Mapping):
            raise TypeError("person")
        person_columns = PersonColumns(
            uid=_uid(person["uid"]),
            name=validate.text(person["name"], "a name or pseudonym"),
            height_cm=validate.height_cm(person.get("height_cm")),
            notes=validate.notes(person.get("notes")),
            created_at=validate.timestamp(person.get("created_at") or utc_now().isoformat()),
        )
        sessions = tuple(_check_session(s) for s in _items(bundle.get("sessions")))
    except (KeyError, TypeError, AttributeError) as exc:
        raise StorageError(f"the bundle is malformed (missing or wrong {exc})") from None
    checked = CheckedBundle(person=person_columns, sessions=sessions)
    _refuse_repeated_uids(checked)
    return checked


def _refuse_repeated_uids(bundle: CheckedBundle) -> None:
    """Each row of a bundle has its own uid: a repeated one would silently merge two rows."""
    seen = {bundle.person["uid"]}
    uids = [s.columns["uid"] for s in bundle.sessions]
    uids += [t.columns["uid"] for s in bundle.sessions for t in s.trials]
    uids += [m.uid for s in bundle.sessions for t in s.trials for m in t.measurements]
    for uid in uids:
        if uid in seen:
            raise StorageError(f"the bundle uses the uid {uid} for more than one row")
        seen.add(uid)


def _check_session(data: Mapping[str, object]) -> CheckedSession:
    now = utc_now().isoformat()
    trials = []
    for t in _items(data.get("trials")):
        measurements = []
        for m in _items(t.get("measurements")):
            measurement = validate.measurement(m)
            measurements.append(CheckedMeasurement(
                uid=_uid(m["uid"]),
                created_at=validate.timestamp(m.get("created_at") or now),
                measurement=measurement,
            ))
        sha = t.get("video_sha256")
        if sha is not None and not (isinstance(sha, str) and videos.is_sha256(sha)):
            raise StorageError("the bundle has an invalid video_sha256")
        stored = t.get("stored_video")
        # Exactly one of our copies' names: never a path that leaves the videos folder.
        if not (isinstance(stored, str) and _is_stored_name(stored)):
            stored = None
        trials.append(CheckedTrial(
            columns=TrialColumns(
                uid=_uid(t["uid"]),
                phase=validate.phase(t["phase"]),
                test=validate.text(t["test"], "test", max_len=64),
                side=validate.trial_side(t.get("side")),
                video_sha256=sha,
                video_path=validate.text(t.get("video_path"), "video_path", required=False,
                                         max_len=4096),
                stored_video=stored,
                settings=validate.json_object(t.get("settings"), "settings"),
                created_at=validate.timestamp(t.get("created_at") or now),
            ),
            measurements=tuple(measurements),
        ))
    return CheckedSession(
        columns=SessionColumns(
            uid=_uid(data["uid"]),
            date=validate.date(data["date"]),
            place=validate.text(data.get("place"), "place", required=False),
            technique=validate.text(data.get("technique"), "technique", required=False),
            notes=validate.notes(data.get("notes")),
            technique_duration_s=validate.technique_duration_s(
                data.get("technique_duration_s")),
            technique_side=validate.technique_side(data.get("technique_side")),
            created_at=validate.timestamp(data.get("created_at") or now),
        ),
        trials=tuple(trials),
    )


def _items(value: object) -> list[Mapping[str, object]]:
    """The entries of a bundle list (None for none); anything else is malformed."""
    if not value:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise TypeError("list of entries")
    return value


def _is_stored_name(name: str) -> bool:
    """Whether ``name`` is a stored copy's file name: digest plus an optional safe suffix."""
    return videos.is_sha256(name[:64]) and bool(_STORED_SUFFIX.fullmatch(name[64:]))


def _uid(value: object) -> str:
    if not (isinstance(value, str) and _UID.fullmatch(value)):
        raise StorageError("the bundle has a missing or invalid uid")
    return value
