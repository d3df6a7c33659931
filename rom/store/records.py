"""Plain, immutable records that the store hands out (ORM objects never leave the store).

Times are timezone-aware UTC datetimes; dates are ``datetime.date``.  A stored measurement
is handed out as the :class:`rom.measurement.Measurement` it was saved from, wrapped with
its identity and placement (:class:`MeasurementRecord`, :class:`HistoryPoint`); its
``value`` follows the measurement contract in ``docs/ARCHITECTURE.md``: ``None`` when it
could not be measured at all, and a number with ``reliable=False`` must be shown as
unreliable.  JSON has no NaN: a non-finite value in ``secondary`` comes back as ``None``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rom.measurement import Measurement
from rom.store.schema import JsonValue

#: A trial's analysis settings, e.g. ``{"model": "full", "fps": 30}``.
Settings = dict[str, JsonValue]
#: What may be handed to the store as a measurement: the object or its ``to_dict()``.
MeasurementInput = Measurement | Mapping[str, object]


@dataclass(frozen=True)
class PersonInfo:
    """A person (``name`` may be a pseudonym) with a summary of their sessions."""

    id: int
    uid: str
    name: str
    height_cm: float | None
    notes: str | None
    created_at: dt.datetime
    session_count: int = 0
    last_session_date: dt.date | None = None


@dataclass(frozen=True)
class SessionInfo:
    """One visit: the technique done between the pre and the post recordings.

    ``technique_duration_s`` is how long the technique was applied, in seconds, and
    ``technique_side`` the side it was applied to (``"left"``, ``"right"`` or ``"both"``);
    either is None when not recorded (always for sessions saved before revision 0004).
    """

    id: int
    uid: str
    person_id: int
    date: dt.date
    place: str | None
    technique: str | None
    notes: str | None
    created_at: dt.datetime
    trial_count: int = 0
    technique_duration_s: float | None = None
    technique_side: str | None = None


@dataclass(frozen=True)
class MeasurementRecord:
    """A stored measurement: the saved :class:`Measurement` with its row identity.

    Attributes
    ----------
    id, uid : int, str
        The row's id in this database and its identity across export and import.
    trial_id : int
        The trial it was measured in.
    measurement : Measurement
        What was saved (``measurement.to_dict()`` gives back the saved dictionary).
    created_at : datetime
        When it was saved (UTC).
    """

    id: int
    uid: str
    trial_id: int
    measurement: Measurement
    created_at: dt.datetime


@dataclass(frozen=True)
class TrialInfo:
    """One recording of a test in a session, ``phase`` ``"pre"`` or ``"post"``."""

    id: int
    uid: str
    session_id: int
    phase: str
    test: str
    side: str | None
    video_sha256: str | None
    video_path: str | None
    stored_video: Path | None  # the stored copy, when one was kept and still exists
    settings: Settings
    created_at: dt.datetime
    measurements: tuple[MeasurementRecord, ...] = ()


@dataclass(frozen=True)
class HistoryPoint:
    """One measurement of a person placed in time: a point of a progress chart."""

    person_id: int
    session_id: int
    session_uid: str
    date: dt.date
    technique: str | None
    place: str | None
    trial_id: int
    phase: str
    measurement_id: int
    measurement: Measurement
    recorded_at: dt.datetime


@dataclass(frozen=True)
class NewTrial:
    """A trial to save, with the measurements made from it.

    Parameters
    ----------
    phase
        ``"pre"`` or ``"post"`` (before or after the technique).
    test
        The test name, e.g. ``"ankle-dorsiflexion"``.
    side
        ``"left"``, ``"right"``, or None/``"auto"`` when not known before measuring.
    video_path
        The recorded video; its SHA-256 is computed if ``video_sha256`` is not given.
    store_video
        Keep a copy of the video in the data folder (content-addressed, shared by trials).
    settings
        Analysis settings worth keeping (JSON-serialisable), e.g. model and fps.
    measurements
        ``Measurement`` objects or their ``to_dict()`` dictionaries.
    """

    phase: str
    test: str
    side: str | None = None
    video_path: str | Path | None = None
    video_sha256: str | None = None
    store_video: bool = False
    settings: Mapping[str, object] = field(default_factory=dict)
    measurements: tuple[MeasurementInput, ...] = ()


@dataclass(frozen=True)
class DeletionReport:
    """What deleting a person or a session removed from the store, and what it freed.

    Attributes
    ----------
    stored_videos_removed : int
        Stored video copies deleted from the videos folder (copies another trial still
        uses are kept).
    unused_video_sha256s : tuple of str
        SHA-256 of each video a deleted trial used that no remaining trial uses, sorted:
        what the caller may now forget elsewhere (e.g. :func:`rom.cache.forget_videos`).
    """

    stored_videos_removed: int
    unused_video_sha256s: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportSummary:
    """What an import added (rows already present, by uid, are left as they are)."""

    person_id: int
    people_added: int
    sessions_added: int
    trials_added: int
    measurements_added: int

    @property
    def anything_added(self) -> bool:
        return bool(
            self.people_added + self.sessions_added + self.trials_added
            + self.measurements_added
        )
