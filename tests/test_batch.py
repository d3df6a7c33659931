"""``rom batch``: clip names and manifests, resuming by video hash, the whole run.

The end-to-end run copies the bundled sample clips (named ``TEST_SIDE_PHASE.mp4``, so they
belong to the default person, the folder's name) and a corrupt file into a folder and
analyses them with 2 worker processes into a fresh SQLite store.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rom import batch
from rom.batch import BatchClip, parse_clip_name, plan_batch, read_manifest, run_batch
from rom.cli import main
from rom.errors import RomError
from rom.fileio import sha256_file
from rom.measurement import Measurement
from rom.pipeline import AnalysisOptions
from rom.store import Store
from rom.store.records import NewTrial

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"


def test_a_clip_name_is_read_from_the_right() -> None:
    clip = parse_clip_name(Path("/d/ana_maria_knee-flexion_LEFT_pre.mp4"), None)
    assert (clip.person, clip.test, clip.side, clip.phase) == (
        "ana_maria", "knee-flexion", "left", "pre")
    sample = parse_clip_name(Path("toe-touch_auto_post.mov"), "day 1")
    assert (sample.person, sample.test, sample.side, sample.phase) == (
        "day 1", "toe-touch", "auto", "post")
    for bad, words in (("ana_knee-flexion_left_during.mp4", "phase"),
                       ("ana_squat_left_pre.mp4", "unknown test"),
                       ("ana_knee-flexion_up_pre.mp4", "side"),
                       ("holiday.mp4", "NAME_TEST_SIDE_PHASE")):
        with pytest.raises(RomError, match=words):
            parse_clip_name(Path(bad), "x")
    with pytest.raises(RomError, match="no person"):
        parse_clip_name(Path("knee-flexion_left_pre.mp4"), None)


def test_a_folder_lists_its_videos_and_rejects_odd_names(tmp_path: Path) -> None:
    for name in ("bo_hip-extension_right_post.MP4", "notes.txt", "holiday.mov",
                 "ana_knee-flexion_left_pre.mp4"):
        (tmp_path / name).write_bytes(b"x")
    plan = plan_batch(tmp_path)
    assert [(c.video.name, c.person) for c in plan.clips] == [
        ("ana_knee-flexion_left_pre.mp4", "ana"), ("bo_hip-extension_right_post.MP4", "bo")]
    (rejected,) = plan.rejected
    assert rejected.clip == "holiday.mov" and rejected.status == batch.FAILED
    with pytest.raises(RomError, match="no such folder"):
        plan_batch(tmp_path / "missing")


def test_a_manifest_gives_paths_heights_and_sessions(tmp_path: Path) -> None:
    manifest = tmp_path / "day.csv"
    manifest.write_text(
        "video,person,test,side,phase,height_cm,session\n"
        "clips/a.mp4,Ana,knee-flexion,left,pre,168,morning\n"
        f"{tmp_path / 'b.mov'},Bo,toe-touch,,post,,\n"
    )
    ana, bo = read_manifest(manifest).clips
    assert ana == BatchClip(tmp_path / "clips" / "a.mp4", "Ana", "knee-flexion", "left", "pre",
                            168.0, "morning")
    assert bo == BatchClip(tmp_path / "b.mov", "Bo", "toe-touch", "auto", "post", None, None)

    manifest.write_text("video,person,test,side\na.mp4,Ana,knee-flexion,left\n")
    with pytest.raises(RomError, match="missing: phase"):
        read_manifest(manifest)
    manifest.write_text("video,person,test,side,phase,height_cm\n"
                        "a.mp4,Ana,squat,left,pre,\na.mp4,Ana,toe-touch,left,pre,tall\n")
    with pytest.raises(RomError, match=r"line 2: unknown test 'squat'.*line 3: height_cm"):
        read_manifest(manifest)


def test_user_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("video\nx.mp4\n")
    assert main(["batch", str(bad), "--db", f"sqlite:///{tmp_path / 'r.db'}"]) == 2
    assert "the manifest needs the columns" in capsys.readouterr().err


def test_stored_clips_are_skipped_by_their_hash(tmp_path: Path) -> None:
    """Resuming: a clip already stored for that person, test, side and phase is not run."""
    video = tmp_path / "ana_knee-flexion_auto_pre.mp4"
    shutil.copy(SAMPLES / "knee-flexion_right_pre.mp4", video)
    renamed = tmp_path / "ana_knee-flexion_auto_post.mp4"  # same video, other phase
    shutil.copy(video, renamed)
    measurement = Measurement(test="knee-flexion", side="right", value=115.0, unit="deg",
                              quality=0.9, reliable=True, reasons=(), peak_time_s=1.0,
                              peak_frame=30)
    with Store(f"sqlite:///{tmp_path / 'r.db'}") as store:
        person = store.add_person("Ana")
        store.add_session(person.id, trials=[NewTrial(
            phase="pre", test="knee-flexion", side="right", video_path=video,
            video_sha256=sha256_file(video), measurements=(measurement,))])
        plan = batch.BatchPlan((parse_clip_name(video, None),), ())
        (outcome,) = run_batch(plan, store, AnalysisOptions(), workers=2)
        assert (outcome.status, outcome.person, outcome.detail) == (
            batch.SKIPPED, "ana", "already stored")
        left = parse_clip_name(video, None)
        left_plan = batch.BatchPlan((BatchClip(left.video, "ANA", left.test, "left",
                                               left.phase),), ())
        assert not batch._Filing(store).already_stored(
            person.id, sha256_file(video), left_plan.clips[0])
        post = parse_clip_name(renamed, None)
        assert not batch._Filing(store).already_stored(person.id, sha256_file(renamed), post)


@pytest.mark.slow
def test_batch_of_the_sample_clips_stores_then_resumes(
    rom_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = rom_env / "screening"
    folder.mkdir()
    samples = sorted(SAMPLES.glob("*.mp4"))
    assert len(samples) == 8
    for clip in samples:
        shutil.copy(clip, folder / clip.name)
    (folder / "hip-flexion_left_pre.mp4").write_bytes(b"\x00\x01 not a video" * 100)
    db = f"sqlite:///{rom_env / 'rom.db'}"
    args = ["batch", str(folder), "--workers", "2", "--fps", "10", "--db", db]

    assert main(args) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert lines[0].split()[:8] == ["clip", "person", "test", "side", "phase", "value",
                                    "reliable", "status"]
    assert lines[-1] == "8 stored, 0 skipped (already stored), 1 failed"
    corrupt = next(line for line in lines if line.startswith("hip-flexion_left_pre.mp4"))
    assert "failed: " in corrupt and "cannot be read as a video" in corrupt
    with Store(db) as store:
        person = store.find_person("screening")
        (session,) = store.sessions(person.id)
        trials = store.trials(session.id)
        assert sorted((t.test, t.phase) for t in trials) == sorted(
            tuple(p.stem.split("_")[::2]) for p in samples)
        assert sum(len(t.measurements) for t in trials) == 8

    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["stored"], report["skipped"], report["failed"]) == (0, 8, 1)
    with Store(db) as store:
        assert len(store.sessions(store.find_person("screening").id)) == 1


def test_a_clip_of_an_ambiguous_person_fails_alone(tmp_path: Path) -> None:
    video = tmp_path / "ana_knee-flexion_left_pre.mp4"
    shutil.copy(SAMPLES / "knee-flexion_right_pre.mp4", video)
    with Store(f"sqlite:///{tmp_path / 'r.db'}") as store:
        store.add_person("Ana")
        store.add_person("ana")
        missing = BatchClip(tmp_path / "gone.mp4", "Bo", "toe-touch", "auto", "post")
        plan = batch.BatchPlan((parse_clip_name(video, None), missing), ())
        ambiguous, gone = run_batch(plan, store, AnalysisOptions())
        assert ambiguous.status == gone.status == batch.FAILED
        assert "2 people are called 'ana'" in ambiguous.detail
        assert gone.detail.startswith("cannot read the file")
        assert [p.name for p in store.list_people()] == ["Ana", "ana"]  # nobody added
