"""``rom analyze``: summaries, JSON, saved tracks, measurements, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rom.cli import main
from rom.pose import PoseTrack
from tests.conftest import run_ffmpeg, write_video


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_single_error_line(code: int, out: str, err: str, phrase: str) -> None:
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert phrase in lines[0]
    assert "Traceback" not in err


@pytest.fixture
def gradient_clip(tmp_path: Path) -> Path:
    ramp = np.linspace(0, 255, 320, dtype=np.float32)
    frames = [np.repeat(((ramp + 8 * i) % 256).astype(np.uint8)[None, :, None], 240, 0)
              .repeat(3, 2) for i in range(20)]
    return write_video(tmp_path / "gradient.mp4", frames)


# --- bad input: one line, exit code 2 --------------------------------------------------


def test_errors_are_one_line_with_exit_code_2(rom_env, capsys, tmp_path, gradient_clip):
    missing = tmp_path / "missing.mp4"
    assert_single_error_line(*run_cli(capsys, "analyze", missing), "no such file")

    fake = tmp_path / "notes.mp4"
    fake.write_text("not a video\n" * 100)
    assert_single_error_line(*run_cli(capsys, "analyze", fake), "cannot be read as a video")

    empty = tmp_path / "empty.mp4"
    empty.touch()
    assert_single_error_line(*run_cli(capsys, "analyze", empty), "empty")

    assert_single_error_line(*run_cli(capsys, "analyze", gradient_clip), "no person")

    bad_model = tmp_path / "model.task"
    bad_model.write_bytes(b"not a model")
    code, out, err = run_cli(capsys, "analyze", gradient_clip, "--model", bad_model)
    assert_single_error_line(code, out, err, str(bad_model))


def test_truncated_clip_without_index(rom_env, capsys, make_video):
    frames = [np.full((240, 320, 3), 60, np.uint8)] * 60
    data = make_video("whole.mp4", frames).read_bytes()
    cut = rom_env / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    assert_single_error_line(*run_cli(capsys, "analyze", cut), "corrupt or truncated")


def test_bad_options_are_refused_by_the_parser(rom_env, capsys, demo_clip):
    for option in (["--fps", "0"], ["--fps", "abc"], ["--test", "squat"],
                   ["--side", "middle"], ["--height-cm", "-3"], ["--person", "x"]):
        with pytest.raises(SystemExit) as excinfo:
            main(["analyze", str(demo_clip), *option])
        assert excinfo.value.code == 2
        assert "error:" in capsys.readouterr().err


def test_in_a_real_process_no_traceback_and_no_mediapipe_noise(rom_env, gradient_clip):
    # MediaPipe's C++ core logs dozens of lines to fd 2; the user must see one line.
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, "-m", "rom.cli", "analyze", str(gradient_clip)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: {gradient_clip}: no person was found in any of 20 frames"
    ]


# --- results ---------------------------------------------------------------------------


def test_summary_json_and_saved_track(rom_env, capsys, demo_clip):
    out_path = rom_env / "out" / "track.npz"
    code, out, err = run_cli(capsys, "analyze", demo_clip, "--fps", "10", "--out", out_path)
    assert code == 0
    assert err == ""  # no progress bar when stderr is not a terminal
    assert f"video     {demo_clip} (1768x994)" in out
    assert "frames    25 analysed, 10.0 fps, 2.40 s" in out
    track = PoseTrack.load(out_path)
    detected = int(track.detected.sum())
    assert f"person    found in {detected} of 25 frames" in out
    assert f"track     saved to {out_path}" in out

    code, out, err = run_cli(capsys, "analyze", demo_clip, "--fps", "10", "--json")
    assert code == 0
    payload = json.loads(out)  # exactly one JSON document
    assert payload["frames"] == 25
    assert payload["detected_frames"] == detected
    assert payload["detected_share"] == pytest.approx(detected / 25)
    assert payload["fps"] == pytest.approx(10.0)
    assert payload["frame_size"] == [1768, 994]
    assert payload["model"] == track.model_name
    assert payload["video_sha256"] == track.source_sha256
    assert payload["video_truncated"] is False


def test_no_cache_option(rom_env, capsys, demo_clip):
    code, _, _ = run_cli(capsys, "analyze", demo_clip, "--fps", "5", "--no-cache")
    assert code == 0
    assert not list((rom_env / "cache").rglob("*.npz"))
    code, _, _ = run_cli(capsys, "analyze", demo_clip, "--fps", "5")
    assert code == 0
    assert len(list((rom_env / "cache" / "tracks").glob("*/*.npz"))) == 1


def test_truncated_clip_is_analysed_with_a_warning(rom_env, capsys, demo_clip):
    data = demo_clip.read_bytes()
    cut = rom_env / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    code, out, err = run_cli(capsys, "analyze", cut, "--fps", "10", "--json")
    assert code == 0
    assert json.loads(out)["video_truncated"] is True
    assert err.startswith("warning: the video looks truncated")


def test_measurement_json(rom_env, capsys, demo_clip):
    code, out, err = run_cli(
        capsys, "analyze", demo_clip, "--fps", "10", "--test", "knee-flexion", "--side",
        "left", "--roll-deg", "2", "--json",
    )
    assert code == 0, err
    payload = json.loads(out)
    for key in ("test", "side", "value", "unit", "quality", "reasons", "peak_time_s"):
        assert key in payload
    assert payload["test"] == "knee-flexion"
    assert payload["side"] == "left"
    assert payload["unit"] == "deg"
    assert 0.0 <= payload["quality"] <= 1.0
    assert payload["track"]["frames"] == 25
    settings = json.loads(payload["provenance"]["settings"])
    assert settings["calibration"]["roll_deg"] == 2.0
    # The roll used travels typed too, with the typed roll's +-1 deg, and the value its ±.
    assert payload["calibration"]["roll_deg"] == 2.0
    assert payload["calibration"]["roll_source"] == "user"
    assert payload["calibration"]["roll_uncertainty_deg"] == 1.0
    assert payload["value"] is None or payload["uncertainty"] >= 0.0


def test_measurement_text_and_calibration_errors(rom_env, capsys, demo_clip, tmp_path):
    code, out, err = run_cli(capsys, "analyze", demo_clip, "--fps", "10", "--test",
                             "hip-flexion")
    assert code == 0, err
    assert "hip-flexion (" in out

    missing_profile = tmp_path / "phone.json"
    assert_single_error_line(
        *run_cli(capsys, "analyze", demo_clip, "--test", "hip-flexion", "--camera",
                 missing_profile),
        "no such camera profile",
    )
    assert_single_error_line(
        *run_cli(capsys, "analyze", demo_clip, "--test", "hip-flexion", "--roll-deg", "80"),
        "camera roll",
    )


@pytest.mark.slow
def test_hevc_portrait_mov_end_to_end(rom_env, capsys, demo_clip, ffmpeg, tmp_path):
    # What an iPhone records: HEVC in a .mov, stored sideways with a display rotation.
    sideways = tmp_path / "sideways.mov"
    run_ffmpeg(ffmpeg, "-i", demo_clip, "-t", "1.5", "-vf", "transpose=clock", "-c:v",
               "libx265", "-x265-params", "log-level=none", "-preset", "ultrafast",
               "-crf", "20", sideways)
    portrait = tmp_path / "portrait.mov"
    run_ffmpeg(ffmpeg, "-i", sideways, "-c", "copy", "-metadata:s:v", "rotate=90", portrait)
    code, out, err = run_cli(capsys, "analyze", portrait, "--fps", "10", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["frame_size"] == [1768, 994]
    assert payload["frames"] == 15
    assert payload["detected_frames"] >= 12


def test_test_choices_match_the_protocols():
    from rom.commands.analyze import TESTS
    from rom.protocols import TESTS as PROTOCOL_TESTS

    assert tuple(TESTS) == tuple(PROTOCOL_TESTS)
