"""Opening the database: URL choice, SQLite safety settings, schema migrations, retries.

SQLite (the default) is opened in WAL mode with ``synchronous=FULL`` (a committed write
survives a power cut, not only a killed process), foreign keys enforced and a 30 s busy
timeout.  Write transactions start with ``BEGIN IMMEDIATE`` so two writers queue for the
lock at the start instead of failing half-way with "database is locked"; a writer that still
meets a busy database (or, on PostgreSQL, a serialization failure or deadlock) is retried
from the beginning, which is safe because its transaction was rolled back whole.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from rom.errors import StorageError
from rom.paths import data_dir

log = logging.getLogger(__name__)

ENV_DATABASE_URL = "ROM_DATABASE_URL"
DEFAULT_DB_FILENAME = "rom.sqlite3"
BUSY_TIMEOUT_S = 30.0
WRITE_OPTION = "rom_write"  # execution option: begin the transaction as a writer
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The constant is arbitrary; it only has to be the same for every rom process on the server.
PG_MIGRATION_LOCK_KEY = 0x726F6D  # "rom"
MAX_WRITE_ATTEMPTS = 6
DB_FILE_PERMISSIONS = 0o600  # health data: owner only; SQLite gives -wal and -shm the same
SQLITE_FILE_SUFFIXES = ("", "-wal", "-shm", "-journal")
# SQLite reports a full disk as either of these, depending on which write failed.
_SQLITE_FULL_MESSAGES = ("database or disk is full", "disk i/o error")
DISK_FULL_FREE_BYTES = 1 << 20  # less than 1 MiB free: call it full

T = TypeVar("T")


def resolve_url(url: str | None = None) -> str:
    """The database URL to use: ``url``, else ``$ROM_DATABASE_URL``, else the default file.

    The default is ``sqlite:///<data_dir>/rom.sqlite3`` (see :func:`rom.paths.data_dir`).
    """
    if url:
        return url
    from_env = os.environ.get(ENV_DATABASE_URL)
    if from_env:
        return from_env
    return f"sqlite:///{data_dir() / DEFAULT_DB_FILENAME}"


def describe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            "the database URL is not valid (expected sqlite:///FILE or "
            "postgresql://USER@HOST/DB)"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver rom ships with
    return parsed


def create_store_engine(url: str) -> Engine:
    """Create the SQLAlchemy engine for ``url`` with rom's connection settings.

    Raises
    ------
    StorageError
        The URL is invalid, names an unsupported database, or its SQLite folder is missing.
    """
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    # hide_parameters: values (names, notes) never appear in SQLAlchemy logs or errors.
    if backend == "sqlite":
        database = parsed.database or ""
        folder: Path | None = None
        if database and database != ":memory:" and not database.startswith("file:"):
            db_file = Path(database).expanduser().resolve()
            folder = db_file.parent
            if not folder.is_dir():
                raise StorageError(f"the database folder does not exist: {folder}")
            make_private_db_file(db_file)
        engine = create_engine(
            parsed, hide_parameters=True, connect_args={"timeout": BUSY_TIMEOUT_S}
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        if folder is not None:
            event.listen(engine, "handle_error", _disk_full_reporter(folder))
        return engine
    if backend == "postgresql":
        return create_engine(parsed, hide_parameters=True, pool_pre_ping=True)
    raise StorageError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


def make_private_db_file(db_file: Path) -> None:
    """Create the SQLite file owner-only (0600) before SQLite opens it; tighten old ones.

    SQLite creates the file with the process umask (usually 0644, readable by every local
    user) and gives its ``-wal``, ``-shm`` and ``-journal`` files the database file's mode,
    so creating the database file 0600 first keeps all of them private.

    Raises
    ------
    StorageError
        The file cannot be created (the disk is full, or the folder is not writable).
    """
    try:
        fd = os.open(db_file, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, DB_FILE_PERMISSIONS)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageError(disk_full_message(db_file.parent)) from None
        raise StorageError(
            f"the database file cannot be created in {db_file.parent}: {exc.strerror}"
        ) from None
    os.close(fd)
    for suffix in SQLITE_FILE_SUFFIXES:
        path = db_file.with_name(db_file.name + suffix)
        try:
            info = path.stat()
            if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
                os.chmod(path, stat.S_IMODE(info.st_mode) & 0o700)
        except OSError:
            continue  # absent (no -wal yet) or not ours: nothing to tighten


def disk_full_message(folder: Path) -> str:
    """The one-line message for a full disk under ``folder`` (with the free space left)."""
    try:
        free = f" ({shutil.disk_usage(folder).free // 1024} KB free)"
    except OSError:
        free = ""
    return (f"the disk is full: the database in {folder} cannot be written{free}; "
            "free some space on that disk and try again")


def _disk_full_reporter(folder: Path) -> Callable[[ExceptionContext], None]:
    """A ``handle_error`` hook turning SQLite's full-disk errors into a clear StorageError."""

    def report(context: ExceptionContext) -> None:
        message = str(context.original_exception).lower()
        if not any(text_ in message for text_ in _SQLITE_FULL_MESSAGES):
            return
        try:
            free_bytes = shutil.disk_usage(folder).free
        except OSError:
            return
        # Both messages have other causes too (a size cap, a bad disk): only a disk with
        # almost no space left is called full.
        if free_bytes < DISK_FULL_FREE_BYTES:
            raise StorageError(disk_full_message(folder)) from context.original_exception

    return report


def _sqlite_on_connect(
    dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry
) -> None:
    # Take BEGIN away from the sqlite3 driver (it would not begin before SELECT or DDL);
    # _sqlite_on_begin emits it instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def is_retryable(exc: BaseException) -> bool:
    """Whether a failed transaction may simply be run again (lock contention only)."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in ("40001", "40P01", "55P03"):  # serialization failure, deadlock, lock n/a
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database is busy" in message


def storage_error(action: str, exc: BaseException) -> StorageError:
    """A one-line :class:`StorageError` for a database failure, free of row values.

    Only the first line of the driver's message is kept: PostgreSQL puts the offending
    values in a DETAIL line.
    """
    orig = getattr(exc, "orig", None) or exc
    first_line = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return StorageError(f"could not {action}: {first_line}")


def run_with_retries(action: str, work: Callable[[], T]) -> T:
    """Run ``work`` (one whole transaction), retrying it on lock contention.

    Database failures become :class:`StorageError`; ``action`` names what failed
    ("save the session").
    """
    delay_s = 0.05
    for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
        try:
            return work()
        except SQLAlchemyError as exc:
            if attempt < MAX_WRITE_ATTEMPTS and is_retryable(exc):
                log.info("database busy, retrying (attempt %d)", attempt)
                time.sleep(delay_s)
                delay_s *= 2
                continue
            raise storage_error(action, exc) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def alembic_config() -> Config:
    """An Alembic configuration pointing at rom's migrations (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest schema revision this version of rom knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database schema to ``revision`` in one transaction.

    Concurrent callers are serialised (SQLite write lock / PostgreSQL advisory lock), so
    the second one finds the work done.

    Raises
    ------
    StorageError
        The database cannot be reached or migrated, or it was written by a newer rom.
    """
    config = alembic_config()
    scripts = ScriptDirectory.from_config(config)
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        raise storage_error("open the database", exc) from exc
    if current is not None:
        try:
            scripts.get_revision(current)
        except Exception:
            raise StorageError(
                f"the database has schema revision {current}, which this rom does not know; "
                "it was written by a newer rom — upgrade rom to open it"
            ) from None
    target = scripts.get_current_head() if revision == "head" else revision
    if current == target:
        return

    def upgrade() -> None:
        with engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": PG_MIGRATION_LOCK_KEY},
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, revision)

    run_with_retries("migrate the database", upgrade)
    log.info("database schema migrated from %s to %s", current, target)
