"""Peak-window refinement (rom.refine): window, anchors, pose choice and splice on
constructed tracks with known answers; one slow run on a sample clip with both models."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rom.landmarks import NUM_LANDMARKS, Landmark
from rom.pose import PoseTrack
from rom.refine import (
    AUTO,
    anchor_rows,
    choose_pose,
    labelled_like,
    landmark_rows,
    parse_model_spec,
    peak_window,
    refine_choice,
    refinement_for,
    splice,
)
from rom.swaps import MIRRORED, rows_of_mirrored_image

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"


def test_model_spec_names_the_tracking_and_the_refining_model() -> None:
    assert parse_model_spec("full+heavy") == ("full", "heavy")
    assert parse_model_spec("heavy") == ("heavy", None)
    assert parse_model_spec(None) == (None, None)
    for bad in ("full+", "+heavy", "lite+full+heavy"):
        with pytest.raises(ValueError):
            parse_model_spec(bad)


def test_auto_refines_only_the_default_tests_with_the_default_model_when_provisioned() -> None:
    def yes(spec: str) -> bool:
        return True

    def no(spec: str) -> bool:
        return False

    assert refinement_for("hip-extension", None, AUTO, available=yes) == "heavy"
    assert refinement_for("hip-extension", "full", AUTO, available=yes) == "heavy"
    assert refinement_for("hip-extension", None, AUTO, available=no) is None
    assert refinement_for("hip-extension", "lite", AUTO, available=yes) is None
    assert refinement_for("knee-flexion", None, AUTO, available=yes) is None
    # An explicit choice is taken as it is, available or not.
    assert refinement_for("knee-flexion", "full", "heavy", available=no) == "heavy"
    assert refinement_for("hip-extension", None, None, available=yes) is None
    assert refine_choice("none") is None and refine_choice("heavy") == "heavy"


def _hold_signal() -> tuple[np.ndarray, np.ndarray]:
    """0.1 s frames: rest at 0, a spike to 40 at 0.5 s, up 2-3 s to 40, held to 4 s, down
    to 0 at 5 s, rest to 6 s."""
    t = np.arange(61) * 0.1
    v = np.clip(np.minimum(40 * (t - 2), 40 - 40 * (t - 4)), 0, 40)
    v[5] = 40.0  # another moment at the peak level, but not next to the peak
    return t, v


def test_peak_window_is_the_held_peak_and_a_margin_either_side() -> None:
    t, v = _hold_signal()
    # Within 25 % of the excursion (40): values >= 30, i.e. 2.8 s to 4.2 s; +-1 s.
    assert peak_window(t, v, 35) == (18, 53)
    assert peak_window(t, v, 35, margin_s=0.0) == (28, 43)
    assert peak_window(t, -v, 35) == (18, 53)  # a minimum (e.g. lowest fingertip)


def test_peak_window_skips_unmeasured_frames_and_stays_inside_the_clip() -> None:
    t, v = _hold_signal()
    v[[27, 30, 31]] = np.nan  # a dropout inside the hold, one just outside it
    assert peak_window(t, v, 35, margin_s=0.0) == (28, 43)
    assert peak_window(t, v, 35, margin_s=3.0) == (0, 61)


def test_anchors_every_tenth_of_a_second_to_the_window_end_after_a_warm_up() -> None:
    t = np.arange(90) / 30.0
    warmup, anchors = anchor_rows(t, 30, 60, rate_fps=10.0, warmup_s=0.5)
    assert anchors.tolist() == [*range(30, 60, 3), 59]
    assert warmup.tolist() == [15, 18, 21, 24, 27]
    warmup, anchors = anchor_rows(t, 30, 60, rate_fps=None, warmup_s=0.1)
    assert anchors.tolist() == list(range(30, 60))
    assert warmup.tolist() == [27, 28, 29]


def _person(x0: float = 300.0) -> np.ndarray:
    """(33, 8) rows of a standing person: left landmarks 20 px right of the right ones."""
    rows = np.zeros((NUM_LANDMARKS, 8), dtype=np.float32)
    rows[:, 0] = x0 + 3.0 * np.arange(NUM_LANDMARKS)
    rows[:, 1] = 100.0 + 15.0 * np.arange(NUM_LANDMARKS)
    for lm in Landmark:
        if "LEFT" in lm.name:
            rows[lm, 0] += 20.0
    rows[:, 3:5] = 0.9
    return rows


def test_choose_pose_takes_the_same_person_in_the_reference_labelling() -> None:
    reference = _person()
    same_mirrored = (reference + np.float32(1.0))[MIRRORED]  # 1 px off, labels exchanged
    stranger = _person(x0=1500.0)
    chosen = choose_pose(reference, [stranger, same_mirrored])
    assert chosen is not None
    np.testing.assert_allclose(chosen, reference + 1.0)
    assert choose_pose(reference, [stranger]) is None
    assert choose_pose(reference, []) is None


def test_overlapping_limbs_take_the_labels_whose_visibility_matches() -> None:
    # Seen from the side the legs overlap: position cannot tell the labels apart, but the
    # near side is the well-seen one for either reading.
    reference = _person()
    for lm in Landmark:
        if "LEFT" in lm.name:
            reference[lm, 0] -= 20.0  # left on top of right
            reference[lm, 3] = 0.95
        elif "RIGHT" in lm.name:
            reference[lm, 3] = 0.3
    exchanged = reference[MIRRORED] + np.float32(0.5)
    np.testing.assert_allclose(labelled_like(reference, exchanged), reference + 0.5)
    np.testing.assert_allclose(labelled_like(reference, reference + 0.5), reference + 0.5)


def test_a_pose_found_in_the_mirrored_frame_is_put_back() -> None:
    rows = _person()
    rows[:, 5] = np.linspace(-0.3, 0.3, NUM_LANDMARKS)  # world x, metres
    width = 1280.0
    # What a model shows for the mirror image: x mirrored, world x negated, labels exchanged.
    seen = rows[MIRRORED].copy()
    seen[:, 0] = width - seen[:, 0]
    seen[:, 5] = -seen[:, 5]
    np.testing.assert_allclose(rows_of_mirrored_image(seen, width), rows)


def _still_track(n: int = 11, undetected: tuple[int, ...] = ()) -> PoseTrack:
    rows = [None if i in undetected else _person() for i in range(n)]
    return PoseTrack.from_frames(
        [(0.1 * i, i, r) for i, r in enumerate(rows)], frame_size=(1920, 1080),
        model_name="pose_landmarker_full", model_sha256="f" * 64, settings={"fps": None},
    )


def test_splice_interpolates_the_correction_between_anchors_only_in_the_window() -> None:
    track = _still_track(undetected=(4, 8))
    fast = landmark_rows(track)
    at2, at6, at8 = _person(310.0), _person(320.0), _person(330.0)
    at6[:, 3] = 1.0
    refined = splice(track, {2: at2, 6: at6, 8: at8}, 2, 9,
                     model_name="pose_landmarker_heavy", model_sha256="a" * 64)
    rows = landmark_rows(refined)
    x_shift = rows[:, 0, 0] - fast[:, 0, 0]
    # Anchors take the accurate pose (8 also where the fast model found nobody);
    # between 2 (+10 px) and 6 (+20 px) the shift is interpolated; 4 stays undetected.
    np.testing.assert_allclose(x_shift[[2, 3, 5, 6]], [10.0, 12.5, 17.5, 20.0], atol=1e-4)
    np.testing.assert_allclose(rows[8], at8)
    assert refined.detected.tolist() == [i != 4 for i in range(11)]
    # Outside the window, and after the last anchor with both poses (6), unchanged.
    for i in (0, 1, 7, 9, 10):
        np.testing.assert_array_equal(rows[i], fast[i])
    # Visibility moved toward the anchor's 1.0, but never above 1.
    assert 0.9 < refined.visibility[5, 0] <= 1.0 and refined.visibility[6, 0] == 1.0
    assert refined.model_name == "pose_landmarker_full+pose_landmarker_heavy"
    assert refined.model_sha256 not in (track.model_sha256, "a" * 64)
    meta = refined.settings["refine"]
    assert meta["model"] == "pose_landmarker_heavy" and meta["anchor_rows"] == [2, 6, 8]
    assert meta["window_rows"] == [2, 9] and meta["base_model"] == "pose_landmarker_full"
    assert refined.settings["fps"] is None  # the fast track's settings are kept
    np.testing.assert_array_equal(track.image_xy, fast[..., 0:2])  # input untouched


@pytest.mark.slow
def test_refining_a_sample_clip_splices_heavy_poses_around_the_peak(rom_env: Path) -> None:
    from rom.errors import ModelError
    from rom.pipeline import AnalysisOptions, analyse_trial
    from rom.posemodels import resolve_model

    try:
        resolve_model("heavy", allow_download=False)
    except ModelError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provision the heavy model: {exc}")
        pytest.skip(f"the heavy model is not provisioned: {exc}")
    video = SAMPLES / "hip-extension_left_pre.mp4"
    options = AnalysisOptions(side="left", use_marker=False, refine=None)
    plain = analyse_trial(video, "hip-extension", options)
    refined = analyse_trial(video, "hip-extension", AnalysisOptions(
        side="left", use_marker=False, refine="heavy"))

    meta = refined.track.settings["refine"]
    assert meta["model"] == "pose_landmarker_heavy"
    assert refined.track.model_name == "pose_landmarker_full+pose_landmarker_heavy"
    assert refined.measurement.provenance["model"] == refined.track.model_name
    start, stop = meta["window_rows"]
    anchors = meta["anchor_rows"]
    assert len(anchors) >= 10 and start == anchors[0] and anchors[-1] == stop - 1
    peak = plain.measurement.peak_frame
    assert peak is not None and start <= peak < stop
    before, inside = landmark_rows(plain.track), landmark_rows(refined.track)
    outside = np.r_[0:start, stop:len(plain.track)]
    np.testing.assert_array_equal(inside[outside], before[outside])
    moved = np.nanmedian(np.abs(inside[anchors, :, 0:2] - before[anchors, :, 0:2]))
    assert moved > 0.1  # the heavy model's poses, not the full model's
    assert refined.measurement.peak_frame is not None
    assert start <= refined.measurement.peak_frame < stop
    assert refined.measurement.value != plain.measurement.value


@pytest.mark.slow
def test_a_toe_touch_is_read_again_on_the_mirrored_frames(rom_env: Path) -> None:
    from rom.pipeline import AnalysisOptions, analyse_trial

    video = SAMPLES / "toe-touch_right_pre.mp4"
    analysis = analyse_trial(video, "toe-touch", AnalysisOptions(side="right", height_cm=175.0))
    m = analysis.measurement
    first, second = m.secondary["reading_as_filmed_cm"], m.secondary["reading_mirrored_cm"]
    assert first != second  # a second, independent reading of the same moment
    assert m.value == pytest.approx((first + second) / 2, abs=0.01)
    assert m.uncertainty is not None and m.uncertainty >= abs(first - second) - 0.01
    assert abs(first - second) < 10.0  # the same moment, the same person
