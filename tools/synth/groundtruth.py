"""Read a synthetic clip's ground-truth JSON and turn it into rom's types.

Light on purpose (numpy + rom only, no torch): used by ``tests/test_ground_truth.py`` and
``benchmarks/accuracy.py`` in rom's own venv.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rom.calibration import Calibration
from rom.pose import PoseTrack

#: Keys every clip's JSON has at the top level.
REQUIRED_KEYS = ("test", "side", "true_value", "unit")


@dataclass(frozen=True)
class GroundTruth:
    """One clip's truth.

    Attributes
    ----------
    path : Path
        The JSON file; the video is ``path.with_suffix(".mp4")``.
    doc : dict
        The parsed JSON.
    landmarks_2d_px : ndarray, shape (T, 33, 2)
        True landmark positions projected to pixels (x right, y down).
    landmarks_3d_m : ndarray, shape (T, 33, 3)
        True landmark positions in the synth world frame (metres, +Z up, -Y forward).
    fingertips_2d_px, fingertips_3d_m : ndarray, shape (T, 2, 2) and (T, 2, 3)
        True index fingertips (left, right); landmarks 19/20 are the knuckles, as in
        MediaPipe.
    values : ndarray, shape (T,)
        True per-frame value of the test's measurement.
    time_s : ndarray, shape (T,)
    """

    path: Path
    doc: dict[str, Any]
    landmarks_2d_px: NDArray[np.float64]
    landmarks_3d_m: NDArray[np.float64]
    fingertips_2d_px: NDArray[np.float64]
    fingertips_3d_m: NDArray[np.float64]
    values: NDArray[np.float64]
    time_s: NDArray[np.float64]

    @property
    def video(self) -> Path:
        return self.path.with_suffix(".mp4")

    @property
    def test(self) -> str:
        return str(self.doc["test"])

    @property
    def side(self) -> str:
        return str(self.doc["side"])

    @property
    def true_value(self) -> float:
        return float(self.doc["true_value"])

    @property
    def roll_deg(self) -> float:
        return float(self.doc["camera"]["roll_deg"])

    def calibration(self, scale: str | None = None) -> Calibration:
        """The true calibration: roll, and a scale from ``"marker"`` (the wall's, as a
        marker would give) or ``"subject"`` (exact at the measured hip), or none."""
        cm_per_px = None
        if scale == "marker" and self.doc.get("marker"):
            cm_per_px = float(self.doc["marker"]["cm_per_px_at_marker"])
        elif scale == "subject":
            cm_per_px = float(self.doc["camera"]["cm_per_px_at_measured_hip"])
        return Calibration(
            roll_deg=self.roll_deg,
            roll_source="user",
            roll_uncertainty_deg=0.0,  # the truth
            cm_per_px=cm_per_px,
            scale_source="marker" if cm_per_px else None,
        )

    def project(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """(..., 3) world points -> (..., 2) pixels with the clip's true camera."""
        cam = self.doc["camera"]
        rotation = np.asarray(cam["rotation_world_to_camera"])
        c = (np.asarray(points) - np.asarray(cam["position_m"])) @ rotation.T
        k = np.asarray(cam["camera_matrix"])
        return np.asarray(c[..., :2] / c[..., 2:3] * k[0, 0] + k[:2, 2])

    def depth_m(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """(...,) distance of world points along the camera's viewing axis, metres."""
        cam = self.doc["camera"]
        rotation = np.asarray(cam["rotation_world_to_camera"])
        return np.asarray(
            ((np.asarray(points) - np.asarray(cam["position_m"])) @ rotation.T)[..., 2]
        )

    def pose_track(self) -> PoseTrack:
        """A PoseTrack holding the true 2D landmarks, every landmark fully visible.

        ``image_z`` is the true camera depth in pixels-equivalent (smaller = nearer), so
        rom's nearer-side logic sees what MediaPipe would report.
        """
        n = len(self.time_s)
        cam = self.doc["camera"]
        rotation = np.asarray(cam["rotation_world_to_camera"])
        position = np.asarray(cam["position_m"])
        depth = (self.landmarks_3d_m - position) @ rotation.T
        hip_depth = depth[:, 23:25, 2].mean(axis=1, keepdims=True)
        z_px = (depth[..., 2] - hip_depth) * float(cam["focal_px"]) / hip_depth
        # World landmarks as MediaPipe gives them: metres, hip-centred, camera axes.
        world = depth - depth[:, 23:25].mean(axis=1, keepdims=True)
        rows: list[tuple[float, int, NDArray[np.float32] | None]] = []
        for i in range(n):
            lm = np.zeros((33, 8), dtype=np.float32)
            lm[:, 0:2] = self.landmarks_2d_px[i]
            lm[:, 2] = z_px[i]
            lm[:, 3] = 1.0
            lm[:, 4] = 1.0
            lm[:, 5:8] = world[i]
            rows.append((float(self.time_s[i]), i, lm))
        return PoseTrack.from_frames(
            rows,
            frame_size=(int(self.doc["width"]), int(self.doc["height"])),
            model_name="ground_truth",
            source_sha256="",
        )


def load(path: str | Path) -> GroundTruth:
    """Read one clip's JSON (``*.json`` beside its ``*.mp4``)."""
    path = Path(path)
    doc = json.loads(path.read_text())
    frames = doc["frames"]
    return GroundTruth(
        path=path,
        doc=doc,
        landmarks_2d_px=np.asarray(frames["landmarks_2d_px"], dtype=np.float64),
        landmarks_3d_m=np.asarray(frames["landmarks_3d_m"], dtype=np.float64),
        fingertips_2d_px=np.asarray(frames["index_fingertip_2d_px"], dtype=np.float64),
        fingertips_3d_m=np.asarray(frames["index_fingertip_3d_m"], dtype=np.float64),
        values=np.asarray(frames["value"], dtype=np.float64),
        time_s=np.asarray(frames["time_s"], dtype=np.float64),
    )


def find(folder: str | Path) -> list[GroundTruth]:
    """Every clip with a JSON and a video in ``folder`` (not recursive), sorted by name."""
    out = []
    for p in sorted(Path(folder).glob("*.json")):
        if p.with_suffix(".mp4").exists():
            out.append(load(p))
    return out
