"""What rom writes stays private (owner-only modes), and a full disk is named as such.

Issue 12, items 6 (permissions) and 13 (disk full before the database opens).
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rom import paths
from rom.errors import StorageError
from rom.fileio import atomic_write_bytes
from rom.pose import PoseTrack
from rom.store import NewTrial, Store


@pytest.fixture
def rom_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Fresh data and cache folders that rom itself creates (as on a first run)."""
    data, cache = tmp_path / "home" / "data", tmp_path / "home" / "cache"
    monkeypatch.setenv("ROM_DATA_DIR", str(data))
    monkeypatch.setenv("ROM_CACHE_DIR", str(cache))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)
    monkeypatch.delenv("ROM_MODEL_DIR", raising=False)
    old_umask = os.umask(0o022)  # the usual desktop umask: files 0644 unless rom says otherwise
    yield data, cache
    os.umask(old_umask)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _reachable_by_others(path: Path, top: Path) -> bool:
    """Whether another local user could reach ``path``: every folder from ``top`` down is
    searchable by group or others, and the entry itself grants them access."""
    chain = [path, *[p for p in path.parents if p == top or top in p.parents]]
    return all(_mode(p) & 0o077 for p in chain)


def test_everything_rom_writes_is_owner_only(rom_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    data, cache = rom_dirs
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42 a clip" * 50)
    with Store() as store:  # the default SQLite file in the data folder, WAL on
        person = store.add_person("Zebulon Quarrington", notes="private")
        store.add_session(person.id, date=dt.date(2026, 1, 2), trials=[
            NewTrial("pre", "toe-touch", video_path=clip, store_video=True)])
        db = data / "rom.sqlite3"
        wal, shm = db.with_name("rom.sqlite3-wal"), db.with_name("rom.sqlite3-shm")
        assert wal.exists() and shm.exists()  # checked while open: WAL and SHM exist now
        for path in (db, wal, shm):
            assert _mode(path) == 0o600, f"{path.name} is {oct(_mode(path))}"
    tracks = paths.cache_dir() / "tracks"
    tracks.mkdir(exist_ok=True)
    PoseTrack.empty((640, 480)).save(tracks / "k.npz")
    atomic_write_bytes(paths.cache_dir() / "renders.png", b"\x89PNG")
    paths.model_dir()

    for top in (data, cache):
        assert _mode(top) == 0o700, f"{top} is {oct(_mode(top))}"
        entries = list(top.rglob("*"))
        assert entries, top
        for entry in entries:
            if entry.is_file():
                assert _mode(entry) == 0o600, f"{entry} is {oct(_mode(entry))}"
            assert not _reachable_by_others(entry, top), entry


def test_an_old_world_readable_database_is_tightened(rom_dirs: tuple[Path, Path]) -> None:
    data, _ = rom_dirs
    data.mkdir(parents=True, mode=0o755)
    os.chmod(data, 0o755)
    with Store() as store:
        store.add_person("Ana")
    db = data / "rom.sqlite3"
    os.chmod(db, 0o644)
    os.chmod(data, 0o755)
    with Store() as store:
        assert [p.name for p in store.list_people()] == ["Ana"]
    assert _mode(db) == 0o600
    assert _mode(data) == 0o700


# ---------------------------------------------------------------- a really full disk


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root, as in CI); skipped where mounting is refused."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tiny tmpfs (needs root): {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        while os.write(fd, b"\0" * 512):
            pass
    except OSError:
        pass  # ENOSPC: the disk is full now
    finally:
        os.close(fd)


def test_disk_full_before_the_database_opens_says_so(tiny_disk: Path) -> None:
    _fill(tiny_disk)
    with pytest.raises(StorageError) as caught:
        Store(f"sqlite:///{tiny_disk / 'rom.sqlite3'}")
    message = str(caught.value)
    assert "disk is full" in message and str(tiny_disk) in message
    assert "disk I/O error" not in message and "\n" not in message


def test_disk_full_on_write_says_so_and_loses_nothing(tiny_disk: Path) -> None:
    url = f"sqlite:///{tiny_disk / 'rom.sqlite3'}"
    with Store(url) as store:
        kept = store.add_person("Kept")
        _fill(tiny_disk)
        with pytest.raises(StorageError) as caught:
            store.add_session(kept.id, notes="x" * 90_000)
        assert "disk is full" in str(caught.value) and str(tiny_disk) in str(caught.value)
    (tiny_disk / "filler").unlink()
    with Store(url) as store:
        assert [p.name for p in store.list_people()] == ["Kept"]
        assert store.sessions(kept.id) == []
        assert store.integrity_problems() == []
