"""Deleting a person removes every file derived from their videos, and scrubs the WAL.

Each test lists the data and cache folders before and after the deletion: what must go is
gone, what another person still uses stays.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rom import cache, deletion, paths
from rom.cli import main as rom_main
from rom.dashboard import state
from rom.pose import PoseTrack
from rom.store import NewTrial, Store

NAME = "Zebulon Quarrington"  # distinctive, so its bytes are easy to find in a file
ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


@pytest.fixture
def rom_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    data, cached = tmp_path / "data", tmp_path / "cache"
    monkeypatch.setenv("ROM_DATA_DIR", str(data))
    monkeypatch.setenv("ROM_CACHE_DIR", str(cached))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)
    return data, cached


def _listing(*tops: Path) -> set[str]:
    """Every file under the folders, as ``<folder name>/<relative path>``."""
    return {f"{top.name}/{p.relative_to(top)}" for top in tops
            for p in top.rglob("*") if p.is_file()}


def _video(folder: Path, name: str) -> tuple[Path, str]:
    path = folder / name
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42 " + name.encode() * 200)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def _fake_cache_files(sha: str, upload_name: str) -> list[Path]:
    """What analysing a video in the dashboard leaves in the cache, by rom.cache's layout."""
    track = cache.private_parent(cache.track_path(sha, "k" * 64))
    PoseTrack.empty((640, 480)).save(track)
    mp4, png = cache.render_paths(sha, "r" * 24)
    cache.private_parent(mp4).write_bytes(b"annotated video")
    png.write_bytes(b"\x89PNG key frame")
    upload = cache.private_parent(cache.upload_dir(sha) / upload_name)
    upload.write_bytes(b"upload")
    return [track, mp4, png, upload]


def _two_people(tmp_path: Path) -> tuple[Store, int, int, dict[str, list[Path]]]:
    """Zebulon with an own video and one shared with Other; cache files for both videos."""
    own, own_sha = _video(tmp_path, "own.mp4")
    shared, shared_sha = _video(tmp_path, "shared.mp4")
    store = Store()
    zed = store.add_person(NAME, notes="private notes")
    other = store.add_person("Other Runner")
    store.add_session(zed.id, technique="Toe Spreaders", trials=[
        NewTrial("pre", "toe-touch", video_path=own, store_video=True),
        NewTrial("post", "toe-touch", video_path=shared, store_video=True)])
    store.add_session(other.id, trials=[
        NewTrial("pre", "toe-touch", video_path=shared, store_video=True)])
    files = {
        "own": [*_fake_cache_files(own_sha, f"{NAME.replace(' ', '_')}_pre.mp4"),
                cache.keep_recording(_recording(own), "webcam-pre.mp4")],
        "shared": _fake_cache_files(shared_sha, "shared.mp4"),
        "stored_own": [store.video_dir / f"{own_sha}.mp4"],
        "stored_shared": [store.video_dir / f"{shared_sha}.mp4"],
    }
    return store, zed.id, other.id, files


def _recording(content_of: Path) -> Path:
    """A finished webcam recording with the same bytes as ``content_of``."""
    running = paths.cache_dir() / "webcam" / "session-pre-1234.mp4"
    cache.private_parent(running).write_bytes(content_of.read_bytes())
    return running


def test_deleting_a_person_removes_their_files_and_keeps_shared_ones(
    rom_dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    data, cached = rom_dirs
    store, zed, other, files = _two_people(tmp_path)
    legacy = cached / "tracks" / ("0" * 64 + ".npz")  # an older rom's flat layout
    legacy.write_bytes(b"old track")
    before = _listing(data, cached)
    for path in (p for group in files.values() for p in group):
        assert path.is_file(), path
    assert not (cached / "webcam" / "session-pre-1234.mp4").exists()  # filed by content

    done = deletion.delete_person(store, zed)

    after = _listing(data, cached)
    gone = before - after
    own = {f"cache/{p.relative_to(cached)}" for p in files["own"]} | {
        f"data/{p.relative_to(data)}" for p in files["stored_own"]} | {
        f"cache/{legacy.relative_to(cached)}"}
    assert gone == own
    assert after >= {f"cache/{p.relative_to(cached)}" for p in files["shared"]}
    assert after >= {f"data/{p.relative_to(data)}" for p in files["stored_shared"]}
    assert done.store.stored_videos_removed == 1
    assert done.store.unused_video_sha256s == (files["stored_own"][0].name[:64],)
    assert done.cache_files_removed == len(files["own"]) + 1
    # No empty folder named after the video is left either.
    own_sha = done.store.unused_video_sha256s[0]
    assert not [p for p in cached.rglob("*") if own_sha[:16] in p.name]

    # The name is gone from the WAL (truncated) and from the database file's free space.
    db = data / "rom.sqlite3"
    wal = db.with_name("rom.sqlite3-wal")
    assert not wal.exists() or NAME.encode() not in wal.read_bytes()
    assert NAME.encode() not in db.read_bytes()
    assert b"private notes" not in db.read_bytes()
    assert [p.name for p in store.list_people()] == ["Other Runner"]

    # The last user of the shared video goes: everything derived from it goes too.
    deletion.delete_person(store, other)
    store.close()
    leftover = {f for f in _listing(data, cached) if not f.startswith("data/rom.sqlite3")}
    assert leftover == set()


def test_without_a_checkpoint_the_name_would_stay_in_the_wal(
    rom_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack the checkpoint defends against: read the -wal file's bytes."""
    data, _ = rom_dirs
    with Store() as store:
        person = store.add_person(NAME)
        monkeypatch.setattr(Store, "checkpoint", lambda self: True)
        store.delete_person(person.id)
        wal = data / "rom.sqlite3-wal"
        assert NAME.encode() in wal.read_bytes()  # still there without the checkpoint
        monkeypatch.undo()
        assert store.checkpoint() is True
        assert not wal.exists() or NAME.encode() not in wal.read_bytes()


def test_deleting_a_session_forgets_its_videos(rom_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    _, cached = rom_dirs
    store, zed, _, files = _two_people(tmp_path)
    (session,) = store.sessions(zed)
    done = deletion.delete_session(store, session.id)
    store.close()
    assert done.store.stored_videos_removed == 1
    assert not any(p.exists() for p in files["own"] + files["stored_own"])
    assert all(p.exists() for p in files["shared"] + files["stored_shared"])
    assert (cached / "tracks").is_dir()


def test_rom_delete_person_removes_the_cache_files(
    rom_dirs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, zed, _, files = _two_people(tmp_path)
    store.close()
    assert rom_main(["delete-person", str(zed), "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"deleted person {zed}: 1 sessions, 1 stored videos, {len(files['own'])} cached" in out
    assert not any(p.exists() for p in files["own"] + files["stored_own"])
    assert all(p.exists() for p in files["shared"] + files["stored_shared"])


def test_the_dashboards_delete_removes_the_cache_files(
    rom_dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    data, _ = rom_dirs
    store, zed, _, files = _two_people(tmp_path)
    store.close()
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.sidebar.selectbox(key="person_select").select(zed).run()
    at.sidebar.text_input(key=state.DELETE_CONFIRM).input(NAME).run()
    at.sidebar.button(key="delete_person").click().run()
    assert not at.exception
    assert not any(p.exists() for p in files["own"] + files["stored_own"])
    assert all(p.exists() for p in files["shared"] + files["stored_shared"])
    wal = data / "rom.sqlite3-wal"
    assert not wal.exists() or NAME.encode() not in wal.read_bytes()


def test_forget_video_refuses_anything_but_a_digest(rom_dirs: tuple[Path, Path]) -> None:
    _, cached = rom_dirs
    outside = cached.parent / "keep.txt"
    outside.write_text("not rom's")
    for bad in ("..", "../" * 3, "A" * 64, "0" * 63):
        with pytest.raises(ValueError, match="SHA-256"):
            cache.forget_video(bad)
    assert cache.forget_video("0" * 64) == 0
    assert outside.exists()


@pytest.mark.slow
def test_real_analyses_leave_nothing_behind(rom_env: Path) -> None:
    """Two trials analysed and drawn by the real pipeline, saved, the person deleted."""
    from rom.dashboard import services
    from rom.pipeline import AnalysisOptions, analyse_trial, render_trial

    pair = services.sample_pair("ankle-dorsiflexion", "left", ROOT / "sample_videos")
    assert pair is not None
    data, cached = rom_env / "data", rom_env / "cache"
    trials = []
    for clip in pair:
        upload = services.save_upload(f"{NAME} {clip.phase}.mp4", clip.path.read_bytes(),
                                      limit_bytes=10**8)
        analysis = analyse_trial(upload, clip.test, AnalysisOptions(side=clip.side, fps=10))
        rendered = render_trial(analysis)
        assert rendered.error is None and rendered.video is not None
        trials.append(NewTrial(clip.phase, clip.test, clip.side, video_path=upload,
                               store_video=True, measurements=(analysis.measurement,)))
    with Store() as store:
        person = store.add_person(NAME)
        store.add_session(person.id, trials=trials)
        before = _listing(data, cached)
        kinds = {f.split("/")[1] for f in before if f.startswith("cache/")}
        assert kinds == {"tracks", "renders", "uploads"}, before
        assert sum(NAME.replace(" ", "_") in f for f in before) == 2  # uploads keep the name
        done = deletion.delete_person(store, person.id)
    after = _listing(data, cached)
    assert {f for f in after if not f.startswith("data/rom.sqlite3")} == set(), after
    assert len(done.store.unused_video_sha256s) == 2
    assert done.cache_files_removed == len([f for f in before if f.startswith("cache/")])
    assert NAME.encode() not in (data / "rom.sqlite3").read_bytes()


def test_cache_folders_are_owner_only(rom_dirs: tuple[Path, Path]) -> None:
    _, cached = rom_dirs
    sha = "ab" * 32
    assert cache.track_path(sha, "k") == cached / "tracks" / sha / "k.npz"
    assert cache.upload_dir(sha) == cached / "uploads" / sha[:16]
    for path in (cache.track_path(sha, "k"), *cache.render_paths(sha, "r"),
                 cache.upload_dir(sha) / "clip.mp4"):
        cache.private_parent(path)
        for folder in (path.parent, path.parent.parent):
            assert folder.stat().st_mode & 0o777 == 0o700, folder


def test_an_upload_still_in_the_form_is_not_written_back_after_the_delete(
    rom_dirs: tuple[Path, Path]
) -> None:
    """The page reruns after the delete: the upload widget must not save the file again."""
    _, cached = rom_dirs
    clip = ROOT / "sample_videos" / "ankle-dorsiflexion_left_pre.mp4"
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.sidebar.text_input(key="new_person_name").input(NAME)
    at.sidebar.button[0].click().run()
    at.file_uploader(key="upload_pre").set_value(
        (f"{NAME} pre.mp4", clip.read_bytes(), "video/mp4")).run()
    uploads = list((cached / "uploads").rglob("*.mp4"))
    assert [p.name for p in uploads] == [f"{NAME.replace(' ', '_')}_pre.mp4"]
    with Store() as store:  # as if analysed and saved: the person's trial uses the upload
        (person,) = store.list_people()
        store.add_session(person.id, trials=[
            NewTrial("pre", "ankle-dorsiflexion", video_path=uploads[0])])
    at.sidebar.text_input(key=state.DELETE_CONFIRM).input(NAME).run()
    at.sidebar.button(key="delete_person").click().run()
    assert not at.exception
    at.run()
    assert not list((cached / "uploads").rglob("*.mp4"))


def test_a_reader_holding_the_wal_delays_the_scrub_but_not_the_delete(
    rom_dirs: tuple[Path, Path]
) -> None:
    import sqlite3

    data, _ = rom_dirs
    with Store() as store:
        person = store.add_person(NAME)
        reader = sqlite3.connect(data / "rom.sqlite3", isolation_level=None)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM people").fetchone() == (1,)
        store.delete_person(person.id)  # deleted although the WAL cannot be truncated yet
        assert store.list_people() == []
        assert store.checkpoint() is False
        reader.execute("COMMIT")
        reader.close()
        assert store.checkpoint() is True
        wal = data / "rom.sqlite3-wal"
        assert not wal.exists() or NAME.encode() not in wal.read_bytes()
