"""A throw-away PostgreSQL server for the test session (pytest fixtures).

Use with ``pytest_plugins = ["tests.pg"]`` or ``from tests.pg import *``-free imports of the
fixtures.  The server runs from Debian's ``postgresql`` binaries (``/usr/lib/postgresql/
<version>/bin``, or ``$ROM_PG_BIN``) in a temporary data directory, listening only on a
Unix socket in that directory (``listen_addresses=''``: no TCP at all), with ``trust``
authentication for the user ``test``.  It is stopped and deleted at the end of the session.

``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` user via
``runuser``.  Without the binaries the PostgreSQL tests are skipped locally but FAIL when
``$CI`` is set: CI must test both backends.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_PORT = 5433  # only names the socket file; the socket dir is private to this session
PG_USER = "test"
_database_numbers = itertools.count(1)


def find_pg_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest Debian version first)."""
    override = os.environ.get("ROM_PG_BIN")
    candidates = [override] if override else []
    candidates += ["/usr/lib/postgresql/15/bin"]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        folder = Path(candidate)
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


class PostgresServer:
    """A running throw-away server; :meth:`new_database` gives each test its own database."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="rom-pg-"))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.root, postgres.pw_uid, postgres.pw_gid)
        self.root.chmod(0o700)

    def start(self) -> None:
        self._run([str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-A", "trust",
                   "-U", PG_USER, "--no-sync", "-E", "UTF8"])
        options = (
            f"-p {PG_PORT} -k {self.socket_dir} -c listen_addresses='' "
            "-c fsync=on -c max_connections=50"
        )
        self._run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-o", options,
                   "-l", str(self.root / "server.log"), "-w", "-t", "60", "start"])

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast",
                       "-w", "stop"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return (f"postgresql+psycopg://{PG_USER}@/{database}"
                f"?host={self.socket_dir}&port={PG_PORT}")

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        name = f"rom_test_{os.getpid()}_{next(_database_numbers)}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.split("/")[3].split("?")[0]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), port=PG_PORT, user=PG_USER,
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def _run(self, argv: list[str], check: bool = True) -> None:
        result = subprocess.run(_as_server_user(argv), capture_output=True, text=True,
                                cwd=self.root)
        if check and result.returncode != 0:
            log_file = self.root / "server.log"
            server_log = log_file.read_text()[-2000:] if log_file.exists() else ""
            raise RuntimeError(
                f"{Path(argv[0]).name} failed ({result.returncode}): "
                f"{result.stderr.strip()}\n{server_log}"
            )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (skipped without binaries, failed on CI)."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        message = "PostgreSQL binaries not found (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must run the storage tests on PostgreSQL too")
        pytest.skip(message)
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database for one test."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL, once per backend: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rom.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
