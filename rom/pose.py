"""The pose track: every frame's 33 MediaPipe landmarks for one person in one video.

Coordinate conventions
----------------------
* **Image landmarks** are in pixels of the *upright* frame (rotation metadata already
  applied): ``x`` grows to the right, ``y`` grows downwards, origin at the top-left
  corner of the top-left pixel.
* **World landmarks** are MediaPipe's metric estimate in metres, origin at the centre of
  the hips, ``x`` to the image's right, ``y`` downwards, ``z`` away from the camera.
* Frames where no person was found hold ``NaN`` in every landmark array and ``False`` in
  :attr:`PoseTrack.detected`.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rom.fileio import atomic_write_bytes
from rom.landmarks import NUM_LANDMARKS

#: Version of the saved track layout; part of the track cache key (bump on a layout change).
#: Version 2 added the optional per-frame ``people_count``, ``identity_confidence`` and
#: ``identity_uncertain``; version 3 the optional ``relabelled`` (whole-body left/right
#: flips undone, :func:`rom.swaps.repair_track`); older files still load (those fields
#: are then None).
TRACK_FORMAT_VERSION = 3
_READABLE_VERSIONS = (1, 2, 3)
#: Optional per-frame arrays: saved when present, None when absent (older tracks).
_OPTIONAL_ARRAYS = ("people_count", "identity_confidence", "identity_uncertain", "relabelled")


@dataclass(frozen=True, eq=False)
class PoseTrack:
    """One person's landmarks over time.

    Attributes
    ----------
    image_xy : ndarray, shape (T, 33, 2), float32
        Landmark positions in pixels of the upright frame.
    image_z : ndarray, shape (T, 33), float32
        MediaPipe's relative depth, in the same scale as ``x`` pixels; smaller is nearer.
    visibility : ndarray, shape (T, 33), float32
        Probability in [0, 1] that the landmark is visible (not occluded).
    presence : ndarray, shape (T, 33), float32
        Probability in [0, 1] that the landmark is inside the frame.
    world_xyz : ndarray, shape (T, 33, 3), float32
        World landmarks in metres (hip-centred, see module docstring).
    timestamps_s : ndarray, shape (T,), float64
        Presentation time of each analysed frame in seconds from the stream's start;
        strictly increasing.
    frame_indices : ndarray, shape (T,), int64
        Index of each analysed frame among all decoded frames of the video.
    detected : ndarray, shape (T,), bool
        Whether the tracked person was found in the frame.
    frame_size : tuple of int
        ``(width, height)`` of the upright frame in pixels.
    source_sha256 : str
        SHA-256 of the source video file.
    model_name : str
        Pose model used, e.g. ``"pose_landmarker_full"``.
    model_sha256 : str
        SHA-256 of the model bundle.
    mediapipe_version : str
    settings : dict
        Analysis settings that influence the result (e.g. ``{"fps": 30.0}``).
    people_count : ndarray, shape (T,), int16, or None
        How many distinct people MediaPipe reported in each frame, the tracked one
        included (at most the detector's ``num_poses``; a person's duplicate skeleton is
        not counted, see :func:`rom.landmarker.count_people`). None for tracks made
        before it was recorded.
    identity_confidence : ndarray, shape (T,), float32, or None
        Confidence in [0, 1] that the frame's landmarks belong to the same person as the
        rest of the track (see :func:`rom.landmarker.identity_check`); NaN where not
        detected. None when not recorded.
    identity_uncertain : ndarray, shape (T,), bool, or None
        Detected frames where the tracked person may be somebody else (low confidence,
        or another person so close that the two could be confused). None when not
        recorded.
    relabelled : ndarray, shape (T,), bool, or None
        Frames in which the pose model had labelled the whole body mirrored (left for
        right) and rom exchanged the labels back (:func:`rom.swaps.repair_track`); the
        landmark arrays above are already corrected.  None when not recorded.
    """

    image_xy: NDArray[np.float32]
    image_z: NDArray[np.float32]
    visibility: NDArray[np.float32]
    presence: NDArray[np.float32]
    world_xyz: NDArray[np.float32]
    timestamps_s: NDArray[np.float64]
    frame_indices: NDArray[np.int64]
    detected: NDArray[np.bool_]
    frame_size: tuple[int, int]
    source_sha256: str = ""
    model_name: str = ""
    model_sha256: str = ""
    mediapipe_version: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    people_count: NDArray[np.int16] | None = None
    identity_confidence: NDArray[np.float32] | None = None
    identity_uncertain: NDArray[np.bool_] | None = None
    relabelled: NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        n = len(self.timestamps_s)
        expected = {
            "image_xy": (n, NUM_LANDMARKS, 2),
            "image_z": (n, NUM_LANDMARKS),
            "visibility": (n, NUM_LANDMARKS),
            "presence": (n, NUM_LANDMARKS),
            "world_xyz": (n, NUM_LANDMARKS, 3),
            "frame_indices": (n,),
            "detected": (n,),
        }
        for name in _OPTIONAL_ARRAYS:
            if getattr(self, name) is not None:
                expected[name] = (n,)
        for name, shape in expected.items():
            actual = getattr(self, name).shape
            if actual != shape:
                raise ValueError(f"PoseTrack.{name} has shape {actual}, expected {shape}")

    def __len__(self) -> int:
        return len(self.timestamps_s)

    @property
    def fps(self) -> float:
        """Median analysed frame rate in frames per second (0 for fewer than 2 frames)."""
        if len(self) < 2:
            return 0.0
        return float(1.0 / np.median(np.diff(self.timestamps_s)))

    @classmethod
    def empty(cls, frame_size: tuple[int, int], **meta: Any) -> PoseTrack:
        """A track with no frames (useful as a starting point and in tests)."""
        return cls.from_frames([], frame_size=frame_size, **meta)

    @classmethod
    def from_frames(
        cls,
        frames: list[tuple[float, int, NDArray[np.float32] | None]],
        frame_size: tuple[int, int],
        **meta: Any,
    ) -> PoseTrack:
        """Build a track from per-frame rows.

        Parameters
        ----------
        frames : list of (timestamp_s, frame_index, landmarks)
            ``landmarks`` is ``None`` when no person was found, else an array of shape
            (33, 8): pixel x, pixel y, image z, visibility, presence, world x, y, z.
        frame_size : (width, height)
        **meta
            Remaining :class:`PoseTrack` fields (``source_sha256``, ``model_name``, ...).
        """
        n = len(frames)
        rows = np.full((n, NUM_LANDMARKS, 8), np.nan, dtype=np.float32)
        detected = np.zeros(n, dtype=bool)
        for i, (_, _, lm) in enumerate(frames):
            if lm is not None:
                rows[i] = lm
                detected[i] = True
        return cls(
            image_xy=rows[:, :, 0:2].copy(),
            image_z=rows[:, :, 2].copy(),
            visibility=rows[:, :, 3].copy(),
            presence=rows[:, :, 4].copy(),
            world_xyz=rows[:, :, 5:8].copy(),
            timestamps_s=np.array([f[0] for f in frames], dtype=np.float64),
            frame_indices=np.array([f[1] for f in frames], dtype=np.int64),
            detected=detected,
            frame_size=frame_size,
            **meta,
        )

    # -- persistence -------------------------------------------------------------------

    def _meta(self) -> dict[str, Any]:
        return {
            "format_version": TRACK_FORMAT_VERSION,
            "frame_size": list(self.frame_size),
            "source_sha256": self.source_sha256,
            "model_name": self.model_name,
            "model_sha256": self.model_sha256,
            "mediapipe_version": self.mediapipe_version,
            "settings": self.settings,
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the track to a compressed ``.npz`` file, atomically.

        The file is written beside ``path`` and renamed into place, so a crash never
        leaves a half-written track behind.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        optional = {
            name: getattr(self, name)
            for name in _OPTIONAL_ARRAYS
            if getattr(self, name) is not None
        }
        np.savez_compressed(
            buffer,
            **optional,
            image_xy=self.image_xy,
            image_z=self.image_z,
            visibility=self.visibility,
            presence=self.presence,
            world_xyz=self.world_xyz,
            timestamps_s=self.timestamps_s,
            frame_indices=self.frame_indices,
            detected=self.detected,
            meta=np.array(json.dumps(self._meta())),
        )
        atomic_write_bytes(path, buffer.getvalue())
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PoseTrack:
        """Read a track written by :meth:`save` (this format or an older readable one)."""
        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format_version") not in _READABLE_VERSIONS:
                raise ValueError(
                    f"{path}: unsupported pose track format {meta.get('format_version')}"
                )
            return cls(
                image_xy=data["image_xy"],
                image_z=data["image_z"],
                visibility=data["visibility"],
                presence=data["presence"],
                world_xyz=data["world_xyz"],
                timestamps_s=data["timestamps_s"],
                frame_indices=data["frame_indices"],
                detected=data["detected"],
                frame_size=(int(meta["frame_size"][0]), int(meta["frame_size"][1])),
                source_sha256=meta["source_sha256"],
                model_name=meta["model_name"],
                model_sha256=meta["model_sha256"],
                mediapipe_version=meta["mediapipe_version"],
                settings=meta["settings"],
                **{name: data[name] for name in _OPTIONAL_ARRAYS if name in data},
            )
