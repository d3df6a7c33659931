"""The store under real abuse: writer processes killed with SIGKILL, writers side by side.

Each child process writes sessions in a loop (four trials with a measurement each) and
prints ``COMMITTED <label>`` only after ``add_session`` has returned.  Afterwards the
database must open, pass its integrity checks, hold every session the child reported, and
hold no partial session (each has exactly four trials and four measurements).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from rom.store import Store

TRIALS_PER_SESSION = 4

CHILD = textwrap.dedent('''
    import sys, time
    import sqlalchemy as sa
    from rom.store import NewTrial, Store

    url, label, count, pause_at, person_id = sys.argv[1:6]
    count, pause_at, person_id = int(count), int(pause_at), int(person_id)
    store = Store(url)
    current = {"i": -1}

    def pause_mid_save(conn, cursor, statement, parameters, context, executemany):
        # Rows of this session are inserted but not committed: announce it and hang,
        # so the parent's SIGKILL lands inside the transaction for certain.
        if current["i"] == pause_at and statement.upper().startswith("INSERT INTO MEASUREMENTS"):
            print(f"MID {label}-{current['i']}", flush=True)
            time.sleep(120)

    sa.event.listen(store.engine, "after_cursor_execute", pause_mid_save)
    measurement = {
        "test": "ankle-dorsiflexion", "side": "left", "value": 35.0, "unit": "deg",
        "quality": 0.9, "reliable": True, "reasons": [], "peak_time_s": 1.5,
        "peak_frame": 45, "secondary": {"knee_to_wall_cm": 8.5},
        "provenance": {"model": "full"},
    }
    for i in range(count):
        current["i"] = i
        trials = [
            NewTrial(phase, "ankle-dorsiflexion", side,
                     measurements=({**measurement, "side": side, "value": 30.0 + i},))
            for phase in ("pre", "post") for side in ("left", "right")
        ]
        store.add_session(person_id, technique=f"{label}-{i}", notes="x" * 2000,
                          trials=trials)
        print(f"COMMITTED {label}-{i}", flush=True)
    print("DONE", flush=True)
''')


@pytest.fixture
def child_script(tmp_path: Path) -> Path:
    path = tmp_path / "writer.py"
    path.write_text(CHILD)
    return path


@pytest.fixture
def person_id(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    with Store(db_url) as store:
        return store.add_person("Crash Test Runner").id


def start_writer(script: Path, url: str, label: str, person: int, *, count: int = 100_000,
                 pause_at: int = -1) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(script), url, label, str(count), str(pause_at), str(person)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
    )


def read_until(process: subprocess.Popen[str], prefix: str, times: int,
               timeout_s: float = 120.0) -> list[str]:
    """Lines the child printed, up to the ``times``-th one starting with ``prefix``."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    seen = 0
    while seen < times:
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the writer did not print {prefix!r} in time: {lines[-3:]}")
        line = process.stdout.readline()
        if not line:
            stderr = process.stderr.read() if process.stderr else ""
            pytest.fail(f"the writer ended early: {stderr[-2000:]}")
        lines.append(line.strip())
        seen += line.startswith(prefix)
    return lines


def kill_and_collect(process: subprocess.Popen[str], lines: list[str]) -> set[str]:
    """SIGKILL the child; return every label it reported as committed."""
    process.send_signal(signal.SIGKILL)
    rest, _ = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    lines = lines + rest.splitlines()
    return {line.split()[1] for line in lines if line.startswith("COMMITTED ")}


def check_database(url: str, person: int, committed: set[str]) -> set[str]:
    """Open the database after the crash and check it; returns the labels stored."""
    with Store(url) as store:
        assert store.integrity_problems() == []
        sessions = store.sessions(person)
        stored = {s.technique or "" for s in sessions}
        assert committed <= stored, f"committed but lost: {sorted(committed - stored)}"
        # Nothing half-written: every stored session is whole.
        assert {s.trial_count for s in sessions} <= {TRIALS_PER_SESSION}
        with store.engine.connect() as connection:
            per_trial = connection.execute(sa.text(
                "SELECT count(m.id) FROM trials t LEFT JOIN measurements m "
                "ON m.trial_id = t.id GROUP BY t.id")).scalars().all()
        assert set(per_trial) <= {1}
        assert len(store.history(person)) == TRIALS_PER_SESSION * len(sessions)
        return stored


def test_sigkill_inside_a_transaction_loses_nothing_committed(
    db_url: str, person_id: int, child_script: Path
) -> None:
    writer = start_writer(child_script, db_url, "mid", person_id, count=50, pause_at=6)
    lines = read_until(writer, "MID ", 1)
    committed = kill_and_collect(writer, lines)
    assert committed == {f"mid-{i}" for i in range(6)}
    stored = check_database(db_url, person_id, committed)
    assert stored == committed  # the interrupted session left no trace at all


@pytest.mark.parametrize("seed", [1, 2])
def test_sigkill_at_random_moments_while_writing(
    db_url: str, person_id: int, child_script: Path, seed: int
) -> None:
    chance = random.Random(seed)
    all_committed: set[str] = set()
    for round_no in range(3):
        writer = start_writer(child_script, db_url, f"r{round_no}", person_id)
        lines = read_until(writer, "COMMITTED ", chance.randint(2, 8))
        time.sleep(chance.uniform(0.0, 0.05))  # land anywhere: mid-insert, mid-commit...
        committed = kill_and_collect(writer, lines)
        all_committed |= committed
        check_database(db_url, person_id, all_committed)


def test_two_writer_processes_at_once_lose_nothing(
    db_url: str, person_id: int, child_script: Path
) -> None:
    writers = [start_writer(child_script, db_url, label, person_id, count=15)
               for label in ("a", "b")]
    outputs = [w.communicate(timeout=300) for w in writers]
    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err[-2000:]
        assert out.splitlines()[-1] == "DONE"
    expected = {f"{label}-{i}" for label in "ab" for i in range(15)}
    assert check_database(db_url, person_id, expected) == expected
