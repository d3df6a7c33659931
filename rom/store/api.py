"""The :class:`Store`: rom's memory of people, sessions, trials and measurements.

Every public write is one database transaction (all of it is saved or none of it), retried
whole if another writer holds the lock.  Reads return plain records from
:mod:`rom.store.records`.  Log messages name rows by id only: never a name or a note.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, case, delete, func, select, text
from sqlalchemy.orm import Session, selectinload, sessionmaker

from rom.errors import StorageError
from rom.measurement import MEASUREMENT_FIELDS
from rom.paths import data_dir
from rom.store import validate, videos
from rom.store.engine import (
    WRITE_OPTION,
    create_store_engine,
    describe_url,
    migrate,
    resolve_url,
    run_with_retries,
)
from rom.store.models import MeasurementRow, PersonRow, SessionRow, TrialRow, utc_now
from rom.store.records import (
    HistoryPoint,
    ImportSummary,
    MeasurementInfo,
    NewTrial,
    PersonInfo,
    SessionInfo,
    TrialInfo,
)

log = logging.getLogger(__name__)

BUNDLE_FORMAT = "rom-person-bundle"
BUNDLE_SCHEMA_VERSION = 1

T = TypeVar("T")
_UNSET: Any = object()
_PHASE_ORDER = case((TrialRow.phase == "pre", 0), else_=1)


class Store:
    """rom's database: SQLite by default, PostgreSQL by URL.

    Parameters
    ----------
    url
        A SQLAlchemy database URL.  None means ``$ROM_DATABASE_URL`` if set, else the
        SQLite file ``rom.paths.data_dir() / "rom.sqlite3"``.
    video_dir
        Where stored copies of videos go; default ``rom.paths.data_dir() / "videos"``.

    The schema is upgraded to the newest revision on opening.

    Raises
    ------
    StorageError
        The database cannot be opened or migrated.
    """

    def __init__(self, url: str | None = None, *, video_dir: Path | None = None) -> None:
        self.url = resolve_url(url)
        self.engine: Engine = create_store_engine(self.url)
        self.video_dir = video_dir if video_dir is not None else data_dir() / "videos"
        try:
            migrate(self.engine)
        except BaseException:
            self.engine.dispose()
            raise
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        log.debug("store opened (%s)", self.backend)

    # ------------------------------------------------------------------ plumbing
    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def __repr__(self) -> str:
        return f"Store({describe_url(self.url)!r})"

    def close(self) -> None:
        """Close the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _write(self, action: str, work: Callable[[Session], T]) -> T:
        def transaction() -> T:
            with self._writer() as session, session.begin():
                return work(session)

        return run_with_retries(action, transaction)

    def _read(self, action: str, work: Callable[[Session], T]) -> T:
        def transaction() -> T:
            with self._reader() as session, session.begin():
                return work(session)

        return run_with_retries(action, transaction)

    # ------------------------------------------------------------------ people
    def add_person(
        self, name: str, *, height_cm: float | None = None, notes: str | None = None
    ) -> PersonInfo:
        """Add a person (``name`` may be a pseudonym); returns the stored record."""
        fields = {
            "name": validate.text(name, "a name or pseudonym"),
            "height_cm": validate.height_cm(height_cm),
            "notes": validate.text(notes, "notes", required=False, max_len=100_000),
        }

        def work(session: Session) -> PersonInfo:
            # Rows are built inside the transaction: a retried attempt needs fresh ones.
            row = PersonRow(**fields)
            session.add(row)
            session.flush()
            return _person_info(row)

        person = self._write("add the person", work)
        log.info("person %d added", person.id)
        return person

    def update_person(
        self,
        person_id: int,
        *,
        name: str = _UNSET,
        height_cm: float | None = _UNSET,
        notes: str | None = _UNSET,
    ) -> PersonInfo:
        """Change a person's name, height or notes (arguments not given stay as they are)."""
        changes: dict[str, Any] = {}
        if name is not _UNSET:
            changes["name"] = validate.text(name, "a name or pseudonym")
        if height_cm is not _UNSET:
            changes["height_cm"] = validate.height_cm(height_cm)
        if notes is not _UNSET:
            changes["notes"] = validate.text(notes, "notes", required=False, max_len=100_000)

        def work(session: Session) -> PersonInfo:
            row = _get(session, PersonRow, person_id, "person")
            for key, value in changes.items():
                setattr(row, key, value)
            session.flush()
            return _person_info(row)

        person = self._write("update the person", work)
        log.info("person %d updated", person_id)
        return person

    def get_person(self, person_id: int) -> PersonInfo:
        """One person by id (raises :class:`StorageError` if there is none)."""
        return self._read(
            "read the person", lambda s: _person_info(_get(s, PersonRow, person_id, "person"))
        )

    def list_people(self) -> list[PersonInfo]:
        """Everyone, by name, with their number of sessions and latest session date."""

        def work(session: Session) -> list[PersonInfo]:
            stmt = (
                select(PersonRow, func.count(SessionRow.id), func.max(SessionRow.date))
                .outerjoin(SessionRow, SessionRow.person_id == PersonRow.id)
                .group_by(PersonRow.id)
                .order_by(func.lower(PersonRow.name), PersonRow.id)
            )
            return [
                _person_info(row, session_count=count, last_session_date=last)
                for row, count, last in session.execute(stmt)
            ]

        return self._read("list people", work)

    def find_person(self, ref: str | int) -> PersonInfo:
        """The person meant by ``ref``: an id, a uid, or a name (case-insensitive).

        Raises
        ------
        StorageError
            Nobody matches, or several people share that name.
        """

        def work(session: Session) -> PersonInfo:
            key = str(ref).strip()
            if key.isdigit():
                row = session.get(PersonRow, int(key))
                if row is not None:
                    return _person_info(row)
            rows = session.scalars(
                select(PersonRow).where(
                    (PersonRow.uid == key) | (func.lower(PersonRow.name) == key.lower())
                ).order_by(PersonRow.id)
            ).all()
            if not rows:
                raise StorageError(f"no person {key!r} (see `rom people`)")
            if len(rows) > 1:
                ids = ", ".join(str(r.id) for r in rows)
                raise StorageError(f"{len(rows)} people are called {key!r}; use an id ({ids})")
            return _person_info(rows[0])

        return self._read("find the person", work)

    def delete_person(self, person_id: int) -> int:
        """Delete a person with all their sessions, trials, measurements and stored videos.

        Returns
        -------
        int
            The number of stored video files removed (copies still used by another
            person's trial are kept).
        """

        def work(session: Session) -> list[str]:
            _get(session, PersonRow, person_id, "person")
            names = session.scalars(
                select(TrialRow.stored_video)
                .join(SessionRow, TrialRow.session_id == SessionRow.id)
                .where(SessionRow.person_id == person_id, TrialRow.stored_video.is_not(None))
                .distinct()
            ).all()
            # The database cascades to sessions, trials and measurements.
            session.execute(delete(PersonRow).where(PersonRow.id == person_id))
            return [n for n in names if n is not None]

        names = self._write("delete the person", work)
        removed = self._remove_unreferenced(names)
        log.info("person %d deleted (%d stored videos removed)", person_id, removed)
        return removed

    # ------------------------------------------------------------------ sessions & trials
    def add_session(
        self,
        person_id: int,
        *,
        date: dt.date | None = None,
        place: str | None = None,
        technique: str | None = None,
        notes: str | None = None,
        trials: Sequence[NewTrial] = (),
    ) -> SessionInfo:
        """Save a session, with its trials and their measurements, in one transaction.

        ``date`` defaults to today.  ``technique`` is what was done between the pre and
        post recordings, e.g. ``"Toe Spreaders"``.
        """
        fields = {
            "date": _as_date(date) if date is not None else dt.date.today(),
            "place": validate.text(place, "place", required=False),
            "technique": validate.text(technique, "technique", required=False),
            "notes": validate.text(notes, "notes", required=False, max_len=100_000),
        }
        prepared = [self._prepare_trial(trial) for trial in trials]

        def work(session: Session) -> SessionInfo:
            _get(session, PersonRow, person_id, "person")
            session_row = SessionRow(person_id=person_id, **fields)
            session_row.trials = [_fresh_trial(row) for row, _ in prepared]
            session.add(session_row)
            session.flush()
            return _session_info(session_row, trial_count=len(prepared))

        result = self._finish_video_write(
            "save the session", work, [(t, source) for t, source in prepared]
        )
        log.info("session %d saved (%d trials)", result.id, len(prepared))
        return result

    def add_trial(self, session_id: int, trial: NewTrial) -> TrialInfo:
        """Add one trial (and its measurements) to an existing session, in one transaction."""
        row, source = self._prepare_trial(trial)

        def work(session: Session) -> TrialInfo:
            _get(session, SessionRow, session_id, "session")
            fresh = _fresh_trial(row)
            fresh.session_id = session_id
            session.add(fresh)
            session.flush()
            return self._trial_info(fresh)

        result = self._finish_video_write("save the trial", work, [(row, source)])
        log.info("trial %d saved in session %d", result.id, session_id)
        return result

    def add_measurement(self, trial_id: int, measurement: Any) -> MeasurementInfo:
        """Add a measurement (a ``Measurement`` or its ``to_dict()``) to a trial."""
        fields = validate.measurement(measurement)

        def work(session: Session) -> MeasurementInfo:
            _get(session, TrialRow, trial_id, "trial")
            row = MeasurementRow(trial_id=trial_id, **fields)
            session.add(row)
            session.flush()
            return _measurement_info(row)

        result = self._write("save the measurement", work)
        log.info("measurement %d saved in trial %d", result.id, trial_id)
        return result

    def delete_session(self, session_id: int) -> int:
        """Delete one session with its trials, measurements and unused stored videos."""

        def work(session: Session) -> list[str]:
            _get(session, SessionRow, session_id, "session")
            names = session.scalars(
                select(TrialRow.stored_video).where(
                    TrialRow.session_id == session_id, TrialRow.stored_video.is_not(None)
                )
            ).all()
            session.execute(delete(SessionRow).where(SessionRow.id == session_id))
            return [n for n in names if n is not None]

        removed = self._remove_unreferenced(self._write("delete the session", work))
        log.info("session %d deleted (%d stored videos removed)", session_id, removed)
        return removed

    def sessions(self, person_id: int) -> list[SessionInfo]:
        """A person's sessions, oldest first, with their number of trials."""

        def work(session: Session) -> list[SessionInfo]:
            _get(session, PersonRow, person_id, "person")
            stmt = (
                select(SessionRow, func.count(TrialRow.id))
                .outerjoin(TrialRow, TrialRow.session_id == SessionRow.id)
                .where(SessionRow.person_id == person_id)
                .group_by(SessionRow.id)
                .order_by(SessionRow.date, SessionRow.id)
            )
            return [_session_info(row, trial_count=n) for row, n in session.execute(stmt)]

        return self._read("list sessions", work)

    def trials(self, session_id: int) -> list[TrialInfo]:
        """A session's trials (pre before post) with their measurements."""

        def work(session: Session) -> list[TrialInfo]:
            _get(session, SessionRow, session_id, "session")
            rows = session.scalars(
                select(TrialRow)
                .where(TrialRow.session_id == session_id)
                .options(selectinload(TrialRow.measurements))
                .order_by(_PHASE_ORDER, TrialRow.id)
            ).all()
            return [self._trial_info(row) for row in rows]

        return self._read("list trials", work)

    def history(
        self, person_id: int, *, test: str | None = None, side: str | None = None
    ) -> list[HistoryPoint]:
        """Every measurement of a person in time order, optionally of one test and side.

        Ordered by session date, then session, then phase (pre before post).
        """

        def work(session: Session) -> list[HistoryPoint]:
            _get(session, PersonRow, person_id, "person")
            stmt = (
                select(MeasurementRow, TrialRow, SessionRow)
                .join(TrialRow, MeasurementRow.trial_id == TrialRow.id)
                .join(SessionRow, TrialRow.session_id == SessionRow.id)
                .where(SessionRow.person_id == person_id)
                .order_by(
                    SessionRow.date, SessionRow.id, _PHASE_ORDER, TrialRow.id, MeasurementRow.id
                )
            )
            if test is not None:
                stmt = stmt.where(MeasurementRow.test == test)
            if side is not None:
                stmt = stmt.where(MeasurementRow.side == side)
            return [
                _history_point(m, t, s) for m, t, s in session.execute(stmt)
            ]

        return self._read("read the history", work)

    # ------------------------------------------------------------------ videos
    def video_path(self, sha256: str) -> Path | None:
        """The stored copy of the video with this digest, if there is one."""
        if not videos.is_sha256(sha256):
            return None
        matches = sorted(self.video_dir.glob(f"{sha256}*")) if self.video_dir.is_dir() else []
        return matches[0] if matches else None

    def prune_videos(self) -> int:
        """Delete stored video copies that no trial refers to; returns how many."""
        if not self.video_dir.is_dir():
            return 0
        names = [p.name for p in self.video_dir.iterdir() if videos.is_sha256(p.name[:64])]
        return self._remove_unreferenced(names)

    def _prepare_trial(self, trial: NewTrial) -> tuple[TrialRow, Path | None]:
        """Validate a new trial and hash its video (outside any transaction)."""
        if not isinstance(trial, NewTrial):
            raise StorageError("trials must be given as rom.store.NewTrial")
        source = Path(trial.video_path) if trial.video_path is not None else None
        sha256 = trial.video_sha256
        if sha256 is not None and not videos.is_sha256(sha256):
            raise StorageError("video_sha256 must be 64 lower-case hex digits")
        if source is not None and sha256 is None:
            sha256 = videos.sha256_file(source)
        if trial.store_video and source is None:
            raise StorageError("store_video needs the trial's video_path")
        row = TrialRow(
            phase=validate.phase(trial.phase),
            test=validate.text(trial.test, "test", max_len=64),
            side=validate.trial_side(trial.side),
            video_sha256=sha256,
            video_path=str(source) if source is not None else None,
            stored_video=None,
            settings=validate.json_object(trial.settings, "settings"),
        )
        row.measurements = [MeasurementRow(**validate.measurement(m)) for m in trial.measurements]
        return row, (source if trial.store_video else None)

    def _finish_video_write(
        self,
        action: str,
        work: Callable[[Session], T],
        trials: list[tuple[TrialRow, Path | None]],
    ) -> T:
        """Copy the videos to keep, run the transaction, and tidy up copies if it fails."""
        copied: list[str] = []
        try:
            for row, source in trials:
                if source is not None and row.video_sha256 is not None:
                    row.stored_video = videos.store_copy(source, self.video_dir, row.video_sha256)
                    copied.append(row.stored_video)
            result = self._write(action, work)
        except BaseException:
            self._remove_unreferenced(copied)
            raise
        # A concurrent delete may have removed a shared copy just before we committed.
        for row, source in trials:
            stored = row.stored_video
            missing = stored is not None and not (self.video_dir / stored).is_file()
            if source is not None and missing:
                videos.store_copy(source, self.video_dir, row.video_sha256 or "")
        return result

    def _remove_unreferenced(self, names: Iterable[str]) -> int:
        wanted = sorted(set(names))
        if not wanted:
            return 0

        def work(session: Session) -> set[str]:
            used = session.scalars(
                select(TrialRow.stored_video).where(TrialRow.stored_video.in_(wanted))
            ).all()
            return {n for n in used if n is not None}

        used = self._read("check stored videos", work)
        return sum(videos.remove_copy(self.video_dir, n) for n in wanted if n not in used)

    def _trial_info(self, row: TrialRow) -> TrialInfo:
        stored = None
        if row.stored_video is not None and (self.video_dir / row.stored_video).is_file():
            stored = self.video_dir / row.stored_video
        return TrialInfo(
            id=row.id,
            uid=row.uid,
            session_id=row.session_id,
            phase=row.phase,
            test=row.test,
            side=row.side,
            video_sha256=row.video_sha256,
            video_path=row.video_path,
            stored_video=stored,
            settings=dict(row.settings or {}),
            created_at=_utc(row.created_at),
            measurements=tuple(_measurement_info(m) for m in row.measurements),
        )

    # ------------------------------------------------------------------ checks
    def integrity_problems(self) -> list[str]:
        """Problems found by the database's own consistency checks (empty when sound).

        SQLite: ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``.  PostgreSQL
        enforces foreign keys itself; there only an orphan-row count is checked.
        """

        def work(session: Session) -> list[str]:
            problems: list[str] = []
            if self.backend == "sqlite":
                result = [r[0] for r in session.execute(text("PRAGMA integrity_check"))]
                if result != ["ok"]:
                    problems.extend(str(r) for r in result)
                fk = session.execute(text("PRAGMA foreign_key_check")).all()
                problems.extend(f"foreign key broken: {tuple(r)}" for r in fk)
            orphans = session.scalar(
                select(func.count(MeasurementRow.id)).where(
                    ~MeasurementRow.trial_id.in_(select(TrialRow.id))
                )
            )
            if orphans:
                problems.append(f"{orphans} measurements without a trial")
            return problems

        return self._read("check the database", work)

    # ------------------------------------------------------------------ bundles
    def export_bundle(self, person_id: int) -> dict[str, Any]:
        """A person's whole history as one JSON-ready dictionary (schema-versioned).

        Stored video files are referenced by digest, not embedded.
        """

        def work(session: Session) -> dict[str, Any]:
            person = _get(session, PersonRow, person_id, "person")
            rows = session.scalars(
                select(SessionRow)
                .where(SessionRow.person_id == person_id)
                .options(selectinload(SessionRow.trials).selectinload(TrialRow.measurements))
                .order_by(SessionRow.date, SessionRow.id)
            ).all()
            return {
                "format": BUNDLE_FORMAT,
                "schema_version": BUNDLE_SCHEMA_VERSION,
                "exported_at": utc_now().isoformat(),
                "person": {
                    "uid": person.uid,
                    "name": person.name,
                    "height_cm": person.height_cm,
                    "notes": person.notes,
                    "created_at": _utc(person.created_at).isoformat(),
                },
                "sessions": [_session_dict(row) for row in rows],
            }

        bundle = self._read("export the person", work)
        log.info("person %d exported (%d sessions)", person_id, len(bundle["sessions"]))
        return bundle

    def import_bundle(self, bundle: dict[str, Any]) -> ImportSummary:
        """Add a person's history from :meth:`export_bundle` output, in one transaction.

        Rows are matched by uid: what is already here is left unchanged, so importing the
        same bundle twice adds nothing the second time.

        Raises
        ------
        StorageError
            The bundle is not a rom bundle, is from a newer rom, or is malformed; nothing
            is written then.
        """
        person_data, sessions = _check_bundle(bundle)

        def work(session: Session) -> ImportSummary:
            counts = {"people": 0, "sessions": 0, "trials": 0, "measurements": 0}
            person = session.scalar(select(PersonRow).where(PersonRow.uid == person_data["uid"]))
            if person is None:
                person = PersonRow(**person_data)
                session.add(person)
                session.flush()
                counts["people"] += 1
            for session_data in sessions:
                self._import_session(session, person, session_data, counts)
            session.flush()
            return ImportSummary(
                person_id=person.id,
                people_added=counts["people"],
                sessions_added=counts["sessions"],
                trials_added=counts["trials"],
                measurements_added=counts["measurements"],
            )

        summary = self._write("import the bundle", work)
        log.info(
            "import into person %d: %d people, %d sessions, %d trials, %d measurements added",
            summary.person_id, summary.people_added, summary.sessions_added,
            summary.trials_added, summary.measurements_added,
        )
        return summary

    def _import_session(
        self,
        session: Session,
        person: PersonRow,
        data: dict[str, Any],
        counts: dict[str, int],
    ) -> None:
        session_fields = {key: value for key, value in data.items() if key != "trials"}
        row = session.scalar(select(SessionRow).where(SessionRow.uid == data["uid"]))
        if row is None:
            row = SessionRow(person_id=person.id, **session_fields)
            session.add(row)
            session.flush()
            counts["sessions"] += 1
        elif row.person_id != person.id:
            raise StorageError("the bundle's session belongs to another person here")
        for trial_data in data["trials"]:
            trial_fields = {k: v for k, v in trial_data.items() if k != "measurements"}
            trial = session.scalar(select(TrialRow).where(TrialRow.uid == trial_data["uid"]))
            if trial is None:
                name = trial_fields["stored_video"]
                if name is not None and not (self.video_dir / name).is_file():
                    trial_fields["stored_video"] = None  # the copy did not travel along
                trial = TrialRow(session_id=row.id, **trial_fields)
                session.add(trial)
                session.flush()
                counts["trials"] += 1
            elif trial.session_id != row.id:
                raise StorageError("the bundle's trial belongs to another session here")
            for measurement_data in trial_data["measurements"]:
                exists = session.scalar(
                    select(MeasurementRow.id).where(MeasurementRow.uid == measurement_data["uid"])
                )
                if exists is None:
                    session.add(MeasurementRow(trial_id=trial.id, **measurement_data))
                    counts["measurements"] += 1


# ---------------------------------------------------------------------- helpers


def _get(session: Session, model: type[T], row_id: int, what: str) -> T:
    row = session.get(model, row_id)
    if row is None:
        raise StorageError(f"there is no {what} with id {row_id}")
    return row


def _utc(moment: dt.datetime) -> dt.datetime:
    # SQLite gives back naive datetimes; everything is stored in UTC.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise StorageError(f"a date must look like 2026-11-25, got {value!r}")


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, str):
        try:
            return _utc(dt.datetime.fromisoformat(value))
        except ValueError:
            pass
    raise StorageError(f"a time must be an ISO 8601 timestamp, got {value!r}")


def _person_info(
    row: PersonRow, *, session_count: int = 0, last_session_date: dt.date | None = None
) -> PersonInfo:
    return PersonInfo(
        id=row.id,
        uid=row.uid,
        name=row.name,
        height_cm=row.height_cm,
        notes=row.notes,
        created_at=_utc(row.created_at),
        session_count=session_count,
        last_session_date=last_session_date,
    )


def _session_info(row: SessionRow, *, trial_count: int = 0) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        uid=row.uid,
        person_id=row.person_id,
        date=row.date,
        place=row.place,
        technique=row.technique,
        notes=row.notes,
        created_at=_utc(row.created_at),
        trial_count=trial_count,
    )


def _measurement_info(row: MeasurementRow) -> MeasurementInfo:
    return MeasurementInfo(
        id=row.id,
        uid=row.uid,
        trial_id=row.trial_id,
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
        created_at=_utc(row.created_at),
    )


def _history_point(m: MeasurementRow, t: TrialRow, s: SessionRow) -> HistoryPoint:
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
        test=m.test,
        side=m.side,
        value=m.value,
        unit=m.unit,
        quality=m.quality,
        reliable=m.reliable,
        reasons=tuple(m.reasons or ()),
        peak_time_s=m.peak_time_s,
        secondary=dict(m.secondary or {}),
        provenance=dict(m.provenance or {}),
        recorded_at=_utc(m.created_at),
    )


def _fresh_trial(template: TrialRow) -> TrialRow:
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
    trial.measurements = [
        MeasurementRow(**{name: getattr(m, name) for name in MEASUREMENT_FIELDS})
        for m in template.measurements
    ]
    return trial


def _session_dict(row: SessionRow) -> dict[str, Any]:
    return {
        "uid": row.uid,
        "date": row.date.isoformat(),
        "place": row.place,
        "technique": row.technique,
        "notes": row.notes,
        "created_at": _utc(row.created_at).isoformat(),
        "trials": [
            {
                "uid": t.uid,
                "phase": t.phase,
                "test": t.test,
                "side": t.side,
                "video_sha256": t.video_sha256,
                "video_path": t.video_path,
                "stored_video": t.stored_video,
                "settings": dict(t.settings or {}),
                "created_at": _utc(t.created_at).isoformat(),
                "measurements": [
                    {"uid": m.uid, **_measurement_info(m).to_dict(),
                     "created_at": _utc(m.created_at).isoformat()}
                    for m in sorted(t.measurements, key=lambda m: m.id)
                ],
            }
            for t in sorted(row.trials, key=lambda t: (t.phase != "pre", t.id))
        ],
    }


def _check_bundle(bundle: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate a bundle and turn it into column dictionaries (raises StorageError)."""
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
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
        person_data = {
            "uid": _uid(person["uid"]),
            "name": validate.text(person["name"], "a name or pseudonym"),
            "height_cm": validate.height_cm(person.get("height_cm")),
            "notes": validate.text(person.get("notes"), "notes", required=False,
                                   max_len=100_000),
            "created_at": _as_datetime(person.get("created_at") or utc_now().isoformat()),
        }
        sessions = [_check_session(s) for s in bundle.get("sessions") or []]
    except (KeyError, TypeError, AttributeError) as exc:
        raise StorageError(f"the bundle is malformed (missing or wrong {exc})") from None
    return person_data, sessions


def _check_session(data: dict[str, Any]) -> dict[str, Any]:
    now = utc_now().isoformat()
    trials = []
    for t in data.get("trials") or []:
        measurements = []
        for m in t.get("measurements") or []:
            fields = validate.measurement(m)
            fields["uid"] = _uid(m["uid"])
            fields["created_at"] = _as_datetime(m.get("created_at") or now)
            measurements.append(fields)
        sha = t.get("video_sha256")
        if sha is not None and not videos.is_sha256(sha):
            raise StorageError("the bundle has an invalid video_sha256")
        stored = t.get("stored_video")
        if stored is not None and not (isinstance(stored, str) and videos.is_sha256(stored[:64])):
            stored = None
        trials.append({
            "uid": _uid(t["uid"]),
            "phase": validate.phase(t["phase"]),
            "test": validate.text(t["test"], "test", max_len=64),
            "side": validate.trial_side(t.get("side")),
            "video_sha256": sha,
            "video_path": validate.text(t.get("video_path"), "video_path", required=False,
                                        max_len=4096),
            "stored_video": stored,
            "settings": validate.json_object(t.get("settings"), "settings"),
            "created_at": _as_datetime(t.get("created_at") or now),
            "measurements": measurements,
        })
    return {
        "uid": _uid(data["uid"]),
        "date": _as_date(data["date"]),
        "place": validate.text(data.get("place"), "place", required=False),
        "technique": validate.text(data.get("technique"), "technique", required=False),
        "notes": validate.text(data.get("notes"), "notes", required=False, max_len=100_000),
        "created_at": _as_datetime(data.get("created_at") or now),
        "trials": trials,
    }


def _uid(value: Any) -> str:
    if not isinstance(value, str) or not 8 <= len(value) <= 36:
        raise StorageError("the bundle has a missing or invalid uid")
    return value
