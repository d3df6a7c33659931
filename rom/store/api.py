"""The :class:`Store`: rom's memory of people, sessions, trials and measurements.

Every public write is one database transaction (all of it is saved or none of it), retried
whole if another writer holds the lock.  Reads return plain records from
:mod:`rom.store.records`.  Log messages name rows by id only: never a name or a note.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

from sqlalchemy import Delete, Engine, Select, case, delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from rom.errors import StorageError
from rom.paths import data_dir
from rom.store import validate, videos
from rom.store.bundle import CheckedSession, check_bundle, person_bundle
from rom.store.engine import (
    BUSY_TIMEOUT_S,
    WRITE_OPTION,
    create_store_engine,
    describe_url,
    migrate,
    resolve_url,
    run_with_retries,
)
from rom.store.mappers import (
    fresh_trial,
    history_point,
    measurement_columns,
    measurement_record,
    new_measurement_row,
    person_info,
    session_info,
    trial_info,
)
from rom.store.models import MeasurementRow, PersonRow, SessionRow, SettingRow, TrialRow
from rom.store.records import (
    DeletionReport,
    HistoryPoint,
    ImportSummary,
    MeasurementInput,
    MeasurementRecord,
    NewTrial,
    PersonInfo,
    SessionInfo,
    TrialInfo,
)
from rom.store.schema import PersonBundle

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Unset(enum.Enum):
    """The type of :data:`_UNSET`: "this argument was not given"."""

    UNSET = enum.auto()


_UNSET: Final = _Unset.UNSET
#: How long the WAL checkpoint after a delete waits for other connections' readers.
_CHECKPOINT_WAIT_MS = 2_000
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
        checked_name = validate.text(name, "a name or pseudonym")
        checked_height = validate.height_cm(height_cm)
        checked_notes = validate.notes(notes)

        def work(session: Session) -> PersonInfo:
            # Rows are built inside the transaction: a retried attempt needs fresh ones.
            row = PersonRow(name=checked_name, height_cm=checked_height, notes=checked_notes)
            session.add(row)
            session.flush()
            return person_info(row)

        person = self._write("add the person", work)
        log.info("person %d added", person.id)
        return person

    def update_person(
        self,
        person_id: int,
        *,
        name: str | _Unset = _UNSET,
        height_cm: float | _Unset | None = _UNSET,
        notes: str | _Unset | None = _UNSET,
    ) -> PersonInfo:
        """Change a person's name, height or notes (arguments not given stay as they are)."""
        changes: dict[str, str | float | None] = {}
        if name is not _UNSET:
            changes["name"] = validate.text(name, "a name or pseudonym")
        if height_cm is not _UNSET:
            changes["height_cm"] = validate.height_cm(height_cm)
        if notes is not _UNSET:
            changes["notes"] = validate.notes(notes)

        def work(session: Session) -> PersonInfo:
            return person_info(_update(session, PersonRow, person_id, "person", changes))

        person = self._write("update the person", work)
        log.info("person %d updated", person_id)
        return person

    def get_person(self, person_id: int) -> PersonInfo:
        """One person by id (raises :class:`StorageError` if there is none)."""
        return self._read(
            "read the person", lambda s: person_info(_get(s, PersonRow, person_id, "person"))
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
                person_info(row, session_count=count, last_session_date=last)
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
                    return person_info(row)
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
            return person_info(rows[0])

        return self._read("find the person", work)

    def delete_person(self, person_id: int) -> DeletionReport:
        """Delete a person with all their sessions, trials, measurements and stored videos.

        On SQLite the deleted rows are overwritten (``secure_delete``) and the WAL is
        checkpointed and truncated, so the person's name is gone from the database files.

        Returns
        -------
        DeletionReport
            The stored video copies removed (copies still used by another person's trial
            are kept) and the digests of the videos no remaining trial uses, for the
            caller to forget elsewhere (the store knows nothing of rom's cache).
        """

        def work(session: Session) -> _Deleted:
            _get(session, PersonRow, person_id, "person")
            trials = (
                select(TrialRow.stored_video, TrialRow.video_sha256)
                .join(SessionRow, TrialRow.session_id == SessionRow.id)
                .where(SessionRow.person_id == person_id)
            )
            # The database cascades to sessions, trials and measurements.
            return _delete_rows(session, trials, delete(PersonRow).where(PersonRow.id == person_id))

        report = self._finish_delete(self._write("delete the person", work))
        log.info("person %d deleted (%d stored videos removed)", person_id,
                 report.stored_videos_removed)
        return report

    # ------------------------------------------------------------------ sessions & trials
    def add_session(
        self,
        person_id: int,
        *,
        date: dt.date | None = None,
        place: str | None = None,
        technique: str | None = None,
        notes: str | None = None,
        technique_duration_s: float | None = None,
        technique_side: str | None = None,
        trials: Sequence[NewTrial] = (),
    ) -> SessionInfo:
        """Save a session, with its trials and their measurements, in one transaction.

        ``date`` defaults to today.  ``technique`` is what was done between the pre and
        post recordings, e.g. ``"Toe Spreaders"``; ``technique_duration_s`` how long it was
        applied (seconds) and ``technique_side`` to which side (``"left"``, ``"right"``,
        ``"both"``).
        """
        checked_date = validate.date(date) if date is not None else dt.date.today()
        checked_place = validate.text(place, "place", required=False)
        checked_technique = validate.text(technique, "technique", required=False)
        checked_notes = validate.notes(notes)
        checked_duration = validate.technique_duration_s(technique_duration_s)
        checked_side = validate.technique_side(technique_side)
        prepared = [self._prepare_trial(trial) for trial in trials]

        def work(session: Session) -> SessionInfo:
            _get(session, PersonRow, person_id, "person")
            session_row = SessionRow(
                person_id=person_id, date=checked_date, place=checked_place,
                technique=checked_technique, notes=checked_notes,
                technique_duration_s=checked_duration, technique_side=checked_side,
            )
            session_row.trials = [fresh_trial(row) for row, _ in prepared]
            session.add(session_row)
            session.flush()
            return session_info(session_row, trial_count=len(prepared))

        result = self._finish_video_write(
            "save the session", work, [(t, source) for t, source in prepared]
        )
        log.info("session %d saved (%d trials)", result.id, len(prepared))
        return result

    def update_session(
        self,
        session_id: int,
        *,
        date: dt.date | _Unset = _UNSET,
        place: str | _Unset | None = _UNSET,
        technique: str | _Unset | None = _UNSET,
        notes: str | _Unset | None = _UNSET,
        technique_duration_s: float | _Unset | None = _UNSET,
        technique_side: str | _Unset | None = _UNSET,
    ) -> SessionInfo:
        """Change a session's date, place, technique, notes or technique details.

        Arguments not given stay as they are; None clears an optional one.
        """
        changes: dict[str, dt.date | str | float | None] = {}
        if date is not _UNSET:
            changes["date"] = validate.date(date)
        if place is not _UNSET:
            changes["place"] = validate.text(place, "place", required=False)
        if technique is not _UNSET:
            changes["technique"] = validate.text(technique, "technique", required=False)
        if notes is not _UNSET:
            changes["notes"] = validate.notes(notes)
        if technique_duration_s is not _UNSET:
            changes["technique_duration_s"] = validate.technique_duration_s(
                technique_duration_s)
        if technique_side is not _UNSET:
            changes["technique_side"] = validate.technique_side(technique_side)

        def work(session: Session) -> SessionInfo:
            row = _update(session, SessionRow, session_id, "session", changes)
            count = session.scalar(
                select(func.count(TrialRow.id)).where(TrialRow.session_id == session_id))
            return session_info(row, trial_count=int(count or 0))

        result = self._write("update the session", work)
        log.info("session %d updated", session_id)
        return result

    def get_session(self, session_id: int) -> SessionInfo:
        """One session by id, with its number of trials (raises StorageError if none)."""

        def work(session: Session) -> SessionInfo:
            row = _get(session, SessionRow, session_id, "session")
            count = session.scalar(
                select(func.count(TrialRow.id)).where(TrialRow.session_id == session_id))
            return session_info(row, trial_count=int(count or 0))

        return self._read("read the session", work)

    # ------------------------------------------------------------------ settings
    def setting(self, key: str) -> str | None:
        """A store-wide setting (e.g. ``"report.clinic"``), None when never set."""
        checked = validate.setting_key(key)

        def work(session: Session) -> str | None:
            row = session.get(SettingRow, checked)
            return None if row is None else row.value

        return self._read("read a setting", work)

    def set_setting(self, key: str, value: str | None) -> None:
        """Set (or, with None or empty text, clear) a store-wide setting."""
        checked = validate.setting_key(key)
        checked_value = validate.text(value, checked, required=False, max_len=2000)

        def work(session: Session) -> None:
            row = session.get(SettingRow, checked)
            if checked_value is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(SettingRow(key=checked, value=checked_value))
            else:
                row.value = checked_value

        self._write("save a setting", work)
        log.info("setting %s saved", checked)

    def add_trial(self, session_id: int, trial: NewTrial) -> TrialInfo:
        """Add one trial (and its measurements) to an existing session, in one transaction."""
        row, source = self._prepare_trial(trial)

        def work(session: Session) -> TrialInfo:
            _get(session, SessionRow, session_id, "session")
            fresh = fresh_trial(row)
            fresh.session_id = session_id
            session.add(fresh)
            session.flush()
            return self._trial_info(fresh)

        result = self._finish_video_write("save the trial", work, [(row, source)])
        log.info("trial %d saved in session %d", result.id, session_id)
        return result

    def add_measurement(self, trial_id: int, measurement: MeasurementInput) -> MeasurementRecord:
        """Add a measurement (a ``Measurement`` or its ``to_dict()``) to a trial."""
        checked = validate.measurement(measurement)

        def work(session: Session) -> MeasurementRecord:
            _get(session, TrialRow, trial_id, "trial")
            row = new_measurement_row(checked)
            row.trial_id = trial_id
            session.add(row)
            session.flush()
            return measurement_record(row)

        result = self._write("save the measurement", work)
        log.info("measurement %d saved in trial %d", result.id, trial_id)
        return result

    def delete_session(self, session_id: int) -> DeletionReport:
        """Delete one session with its trials, measurements and unused stored videos.

        As :meth:`delete_person`: rows overwritten and the WAL truncated on SQLite.
        """

        def work(session: Session) -> _Deleted:
            _get(session, SessionRow, session_id, "session")
            trials = select(TrialRow.stored_video, TrialRow.video_sha256).where(
                TrialRow.session_id == session_id
            )
            return _delete_rows(
                session, trials, delete(SessionRow).where(SessionRow.id == session_id)
            )

        report = self._finish_delete(self._write("delete the session", work))
        log.info("session %d deleted (%d stored videos removed)", session_id,
                 report.stored_videos_removed)
        return report

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
            return [session_info(row, trial_count=n) for row, n in session.execute(stmt)]

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
            return [history_point(m, t, s) for m, t, s in session.execute(stmt)]

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
            video_path=(validate.clean_text(str(source), "the video's path")
                        if source is not None else None),
            stored_video=None,
            settings=validate.json_object(trial.settings, "settings"),
        )
        row.measurements = [new_measurement_row(validate.measurement(m))
                            for m in trial.measurements]
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

    def _finish_delete(self, deleted: _Deleted) -> DeletionReport:
        """After a delete's commit: remove unused stored copies, scrub the WAL, report."""
        removed = self._remove_unreferenced(deleted.stored_videos)
        self.checkpoint()
        return DeletionReport(removed, deleted.unused_video_sha256s)

    def checkpoint(self) -> bool:
        """Copy SQLite's WAL into the database file and truncate it to 0 bytes.

        Until then the WAL still holds what was deleted.  Nothing to do on PostgreSQL.
        Returns False when a reader in another connection kept part of the WAL (it is
        then truncated at the next checkpoint SQLite runs by itself).
        """
        if self.backend != "sqlite":
            return True
        try:
            raw = self.engine.raw_connection()
            try:
                cursor = raw.cursor()
                try:
                    # The connections run without the driver's implicit transactions, and
                    # a checkpoint must run outside one.  It waits for readers to finish,
                    # but not the full busy timeout: a reader left open (a second program)
                    # must not hold up the delete.
                    cursor.execute(f"PRAGMA busy_timeout = {_CHECKPOINT_WAIT_MS}")
                    busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                finally:
                    cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                    cursor.close()
            finally:
                raw.close()
        except (sqlite3.Error, SQLAlchemyError) as exc:
            # What was deleted is committed; a failed scrub must not read as a failed delete.
            log.warning("the WAL could not be checkpointed: %s", type(exc).__name__)
            return False
        if busy:
            log.warning("the WAL could not be truncated: another connection is reading")
        return not busy

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
        return trial_info(row, stored)

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
    def export_bundle(self, person_id: int) -> PersonBundle:
        """A person's whole history as one JSON-ready dictionary (schema-versioned).

        Stored video files are referenced by digest, not embedded.
        """

        def work(session: Session) -> PersonBundle:
            person = _get(session, PersonRow, person_id, "person")
            rows = session.scalars(
                select(SessionRow)
                .where(SessionRow.person_id == person_id)
                .options(selectinload(SessionRow.trials).selectinload(TrialRow.measurements))
                .order_by(SessionRow.date, SessionRow.id)
            ).all()
            return person_bundle(person, rows)

        bundle = self._read("export the person", work)
        log.info("person %d exported (%d sessions)", person_id, len(bundle["sessions"]))
        return bundle

    def import_bundle(self, bundle: Mapping[str, object]) -> ImportSummary:
        """Add a person's history from :meth:`export_bundle` output, in one transaction.

        Rows are matched by uid: what is already here is left unchanged, so importing the
        same bundle twice adds nothing the second time.

        Raises
        ------
        StorageError
            The bundle is not a rom bundle, is from a newer rom, or is malformed; nothing
            is written then.
        """
        checked = check_bundle(bundle)

        def work(session: Session) -> ImportSummary:
            counts = {"people": 0, "sessions": 0, "trials": 0, "measurements": 0}
            person = session.scalar(
                select(PersonRow).where(PersonRow.uid == checked.person["uid"]))
            if person is None:
                person = PersonRow(**checked.person)
                session.add(person)
                session.flush()
                counts["people"] += 1
            for session_data in checked.sessions:
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
        data: CheckedSession,
        counts: dict[str, int],
    ) -> None:
        row = session.scalar(select(SessionRow).where(SessionRow.uid == data.columns["uid"]))
        if row is None:
            row = SessionRow(person_id=person.id, **data.columns)
            session.add(row)
            session.flush()
            counts["sessions"] += 1
        elif row.person_id != person.id:
            raise StorageError("the bundle's session belongs to another person here")
        for trial_data in data.trials:
            trial_fields = dict(trial_data.columns)
            trial = session.scalar(select(TrialRow).where(TrialRow.uid == trial_fields["uid"]))
            if trial is None:
                name = trial_data.columns["stored_video"]
                if name is not None and not (self.video_dir / name).is_file():
                    trial_fields["stored_video"] = None  # the copy did not travel along
                trial = TrialRow(session_id=row.id, **trial_fields)
                session.add(trial)
                session.flush()
                counts["trials"] += 1
            elif trial.session_id != row.id:
                raise StorageError("the bundle's trial belongs to another session here")
            for entry in trial_data.measurements:
                owner = session.scalar(
                    select(MeasurementRow.trial_id).where(MeasurementRow.uid == entry.uid)
                )
                if owner is not None and owner != trial.id:
                    raise StorageError(
                        "the bundle's measurement belongs to another trial here")
                if owner is None:
                    session.add(MeasurementRow(
                        trial_id=trial.id, uid=entry.uid, created_at=entry.created_at,
                        **measurement_columns(entry.measurement),
                    ))
                    counts["measurements"] += 1


# ---------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _Deleted:
    """What a delete transaction left for the clean-up after its commit."""

    stored_videos: list[str]
    unused_video_sha256s: tuple[str, ...]


def _delete_rows(session: Session, trials: Select[str | None, str | None],
                 deletion: Delete) -> _Deleted:
    """Run ``deletion`` and say which stored copies and video digests it may have freed.

    ``trials`` selects ``(stored_video, video_sha256)`` of the trials the deletion removes.
    """
    if session.get_bind().dialect.name == "sqlite":
        # Overwrite the deleted rows' bytes, so the name does not linger in free space of
        # the database file (a connection setting; harmless for later writes).
        session.execute(text("PRAGMA secure_delete = ON"))
    rows = session.execute(trials).all()
    session.execute(deletion)
    digests = sorted({sha for _, sha in rows if sha is not None})
    still_used = set(session.scalars(
        select(TrialRow.video_sha256).where(TrialRow.video_sha256.in_(digests)).distinct()
    ).all()) if digests else set()
    return _Deleted(
        stored_videos=sorted({name for name, _ in rows if name is not None}),
        unused_video_sha256s=tuple(sha for sha in digests if sha not in still_used),
    )



def _get(session: Session, model: type[T], row_id: int, what: str) -> T:
    row = session.get(model, row_id)
    if row is None:
        raise StorageError(f"there is no {what} with id {row_id}")
    return row


def _update(session: Session, model: type[T], row_id: int, what: str,
            changes: Mapping[str, object]) -> T:
    """The row ``row_id`` of ``model`` with ``changes`` (column name to validated value)
    set and flushed."""
    row = _get(session, model, row_id, what)
    for key, value in changes.items():
        setattr(row, key, value)
    session.flush()
    return row
