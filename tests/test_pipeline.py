"""rom.pipeline: the options reach the tracker, the calibration and the measurement.

Fast: the pose track is the sample clip's true track (its ground truth, no MediaPipe) and
the wall-marker search is replaced by a fixed finding, so each option's effect is exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rom import pipeline
from rom.calibrate import CameraProfile, save_camera_profile
from rom.calibrate import scene as scene_module
from rom.calibrate.intrinsics import IntrinsicsResult
from rom.calibrate.marker import MarkerEstimate
from rom.calibration import Calibration
from rom.errors import CalibrationError, MeasurementError
from rom.pipeline import AnalysisOptions, analyse_trial, remeasure
from rom.pose import PoseTrack
from rom.protocols import measure
from tools.synth import groundtruth

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
CLIP = groundtruth.load(SAMPLES / "knee-flexion_right_pre.json")

#: What the (replaced) marker search "finds" on the wall.
MARKER = Calibration(roll_deg=3.0, roll_source="marker", cm_per_px=0.25, scale_source="marker")


@pytest.fixture
def tracked(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """``track_video`` returns the sample clip's true track; each call's arguments are kept."""
    calls: list[dict[str, object]] = []
    tracks: dict[Path, PoseTrack] = {}

    def fake_track_video(path: Path, **kwargs: object) -> PoseTrack:
        calls.append({"path": path, **kwargs})
        if path not in tracks:
            tracks[path] = groundtruth.load(path.with_suffix(".json")).pose_track()
        return tracks[path]

    monkeypatch.setattr(pipeline, "track_video", fake_track_video)
    # A true track has no frames of its own to read again (see test_mirrored_reading_*).
    monkeypatch.setattr(pipeline, "MIRRORED_READING_TESTS", frozenset())
    return calls


@pytest.fixture
def marker_search(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The marker is always found (as :data:`MARKER`); the profile it was given is recorded."""
    profiles: list[object] = []

    def frames(path: object, profile: object = None) -> Iterator[tuple[np.ndarray, str]]:
        profiles.append(profile)
        yield np.zeros((8, 8), np.uint8), "a marker was seen"

    def found(seen: object, min_frames: int = 3) -> MarkerEstimate:
        return MarkerEstimate(
            roll_deg=MARKER.roll_deg, roll_spread_deg=0.0, cm_per_px=MARKER.cm_per_px,
            cm_per_px_spread=0.0, frames_with_marker=5, frames_sampled=5,
        )

    monkeypatch.setattr(scene_module, "marker_frame_results", frames)
    monkeypatch.setattr(scene_module, "marker_from_observations", found)
    return profiles


def test_the_options_reach_the_tracker(tracked: list[dict[str, object]],
                                       marker_search: list[object]) -> None:
    options = AnalysisOptions(model="lite", fps=12.0, person=(640.0, 360.0), use_cache=False)
    analysis = analyse_trial(CLIP.video, "knee-flexion", options)
    (call,) = tracked
    assert call["person"] == (640.0, 360.0)
    assert (call["model"], call["fps"], call["use_cache"]) == ("lite", 12.0, False)
    assert analysis.video == CLIP.video and analysis.test == "knee-flexion"
    assert analysis.options is options


def test_a_typed_roll_beats_the_marker(tracked: list[dict[str, object]],
                                       marker_search: list[object]) -> None:
    by_marker = analyse_trial(CLIP.video, "knee-flexion", AnalysisOptions())
    assert (by_marker.calibration.roll_deg, by_marker.calibration.roll_source) == (3.0, "marker")

    typed = analyse_trial(CLIP.video, "knee-flexion", AnalysisOptions(roll_deg=-2.0))
    assert (typed.calibration.roll_deg, typed.calibration.roll_source) == (-2.0, "user")
    # The marker's scale still stands: only its roll was overridden.
    assert (typed.calibration.cm_per_px, typed.calibration.scale_source) == (0.25, "marker")
    # The measurement is the one measure() gives with that calibration.
    expected = measure(typed.track, "knee-flexion", calibration=typed.calibration)
    assert typed.measurement.value == expected.measurement.value

    off = analyse_trial(CLIP.video, "knee-flexion", AnalysisOptions(use_marker=False))
    assert off.calibration.roll_source == "none" and off.calibration.cm_per_px is None


def test_a_lens_profile_is_used(tracked: list[dict[str, object]],
                                marker_search: list[object], tmp_path: Path) -> None:
    width, height = CLIP.pose_track().frame_size
    matrix = np.array([[900.0, 0.0, width / 2], [0.0, 900.0, height / 2], [0.0, 0.0, 1.0]])
    lens = IntrinsicsResult(camera_matrix=matrix, dist_coeffs=np.array([0.1, -0.05, 0, 0, 0]),
                            image_size=(width, height), rms_px=0.3,
                            views_used=("a.png", "b.png"), per_view_rms_px=(0.3, 0.3))
    path = save_camera_profile(lens, tmp_path / "phone.json", cols=9, rows=6, square_mm=25.0)

    options = AnalysisOptions().with_camera_file(path)
    analysis = analyse_trial(CLIP.video, "knee-flexion", options)
    assert analysis.calibration.camera_matrix is not None
    np.testing.assert_allclose(analysis.calibration.camera_matrix, matrix)
    np.testing.assert_allclose(analysis.calibration.dist_coeffs, [0.1, -0.05, 0, 0, 0])
    (given,) = marker_search  # the marker search saw the lens too
    assert isinstance(given, CameraProfile)
    np.testing.assert_allclose(given.camera_matrix, matrix)


def test_remeasure_keeps_the_track_and_reuses_the_calibration(
    tracked: list[dict[str, object]], marker_search: list[object]
) -> None:
    first = analyse_trial(CLIP.video, "knee-flexion", AnalysisOptions(side="right"))
    again = remeasure(first, replace(first.options, side="left"))
    assert len(tracked) == 1 and len(marker_search) == 1  # neither tracked nor searched again
    assert again.track is first.track and again.calibration is first.calibration
    assert (first.measurement.side, again.measurement.side) == ("right", "left")

    rolled = remeasure(first, replace(first.options, roll_deg=1.5))
    assert rolled.calibration.roll_deg == 1.5 and len(tracked) == 1
    with pytest.raises(ValueError, match="tracked again"):
        remeasure(first, replace(first.options, fps=5.0))


def test_the_measurement_says_which_scale_the_protocol_used(
        tracked: list[dict[str, object]], marker_search: list[object]) -> None:
    # Was pipeline.scale_used (parsing the provenance JSON); the choice is now typed.
    toe_touch = SAMPLES / "toe-touch_right_pre.mp4"
    reach = analyse_trial(toe_touch, "toe-touch", AnalysisOptions(use_marker=False,
                                                                  height_cm=172.0))
    used = reach.measurement.calibration
    assert used is not None and used.scale_source == "height"
    settings = json.loads(reach.measurement.provenance["settings"])
    assert used.cm_per_px == pytest.approx(settings["cm_per_px"])
    assert (used.roll_source, used.roll_deg) == (reach.calibration.roll_source,
                                                 reach.calibration.roll_deg)
    # The marker's scale, with no height to check it against, is the one used.
    walled = analyse_trial(toe_touch, "toe-touch", AnalysisOptions())
    assert walled.measurement.calibration is not None
    assert (walled.measurement.calibration.scale_source,
            walled.measurement.calibration.cm_per_px) == ("marker", MARKER.cm_per_px)
    assert walled.measurement.calibration.roll_deg == MARKER.roll_deg


@pytest.mark.parametrize(
    ("changes", "error"),
    [({"side": "up"}, MeasurementError), ({"fps": 0.0}, MeasurementError),
     ({"person": -1}, MeasurementError), ({"person": (1.0, float("nan"))}, MeasurementError),
     ({"roll_deg": 80.0}, CalibrationError)],
)
def test_impossible_options_fail_on_construction(changes: dict[str, object],
                                                 error: type[Exception]) -> None:
    with pytest.raises(error):
        AnalysisOptions(**changes)  # type: ignore[arg-type]


def test_a_mirrored_reading_is_taken_in_and_survives_a_remeasure(
    tracked: list[dict[str, object]], marker_search: list[object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pipeline, "MIRRORED_READING_TESTS", frozenset({"knee-flexion"}))
    asked: list[dict[str, object]] = []

    def fake_refine_track(video: Path, track: PoseTrack, result: object,
                          **kwargs: object) -> PoseTrack:
        asked.append(kwargs)
        # The "mirrored" reading: the ankle 30 px further forward at every frame.
        moved = track.image_xy.copy()
        moved[:, 28, 0] += 30.0
        return replace(track, image_xy=moved)

    monkeypatch.setattr(pipeline, "refine_track", fake_refine_track)
    options = AnalysisOptions(side="right", refine=None)
    analysis = analyse_trial(CLIP.video, "knee-flexion", options)
    assert asked and asked[0]["mirrored"] is True and asked[0]["model"] == "full"
    m = analysis.measurement
    first, second = m.secondary["reading_as_filmed_deg"], m.secondary["reading_mirrored_deg"]
    assert abs(first - second) > 1.0
    assert m.value == pytest.approx((first + second) / 2, abs=0.01)
    plain = measure(analysis.track, "knee-flexion", "right", calibration=analysis.calibration)
    assert first == pytest.approx(plain.measurement.value)
    assert m.uncertainty is not None and m.uncertainty >= abs(first - second) - 0.01
    again = remeasure(analysis, replace(options, height_cm=180.0))
    assert again.measurement.secondary["reading_mirrored_deg"] == pytest.approx(second)
