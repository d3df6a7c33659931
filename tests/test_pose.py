"""PoseTrack persistence: the optional per-frame identity arrays and older track files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rom.landmarks import NUM_LANDMARKS
from rom.pose import PoseTrack


def small_track(**fields: object) -> PoseTrack:
    rng = np.random.default_rng(0)
    frames = [
        (0.1 * i, i, None if i == 2 else rng.random((NUM_LANDMARKS, 8)).astype(np.float32))
        for i in range(5)
    ]
    return PoseTrack.from_frames(frames, frame_size=(640, 480), model_name="m", **fields)


def test_identity_arrays_round_trip(tmp_path: Path) -> None:
    track = small_track(
        people_count=np.array([1, 2, 0, 2, 1], np.int16),
        identity_confidence=np.array([0.9, 0.2, np.nan, 0.8, 1.0], np.float32),
        identity_uncertain=np.array([False, True, False, False, False]),
    )
    loaded = PoseTrack.load(track.save(tmp_path / "t.npz"))
    assert loaded.people_count is not None and loaded.people_count.dtype == np.int16
    assert loaded.people_count.tolist() == [1, 2, 0, 2, 1]
    assert loaded.identity_confidence is not None
    np.testing.assert_array_equal(loaded.identity_confidence, track.identity_confidence)
    assert loaded.identity_uncertain is not None
    assert loaded.identity_uncertain.tolist() == [False, True, False, False, False]
    np.testing.assert_array_equal(loaded.image_xy, track.image_xy)


def test_tracks_without_them_save_and_load_as_none(tmp_path: Path) -> None:
    loaded = PoseTrack.load(small_track().save(tmp_path / "t.npz"))
    assert loaded.people_count is None
    assert loaded.identity_confidence is None and loaded.identity_uncertain is None


def test_a_format_1_file_still_loads(tmp_path: Path) -> None:
    track = small_track()
    meta = {
        "format_version": 1, "frame_size": [640, 480], "source_sha256": "", "model_name": "m",
        "model_sha256": "", "mediapipe_version": "", "settings": {},
    }
    path = tmp_path / "old.npz"
    np.savez_compressed(
        path, image_xy=track.image_xy, image_z=track.image_z, visibility=track.visibility,
        presence=track.presence, world_xyz=track.world_xyz, timestamps_s=track.timestamps_s,
        frame_indices=track.frame_indices, detected=track.detected,
        meta=np.array(json.dumps(meta)),
    )
    loaded = PoseTrack.load(path)
    assert loaded.people_count is None and loaded.detected.tolist() == track.detected.tolist()
    meta["format_version"] = 99
    np.savez_compressed(path, **{**dict(np.load(path)), "meta": np.array(json.dumps(meta))})
    with pytest.raises(ValueError, match="unsupported pose track format 99"):
        PoseTrack.load(path)


def test_identity_arrays_must_have_one_value_per_frame() -> None:
    with pytest.raises(ValueError, match=r"people_count has shape \(4,\), expected \(5,\)"):
        small_track(people_count=np.zeros(4, np.int16))
