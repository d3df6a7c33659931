"""The Anny body model, posed by a small set of sagittal joint angles.

World frame of everything in :mod:`tools.synth`
-----------------------------------------------
Metres; ``+Z`` up (the floor is ``z = 0`` once a pose is anchored), ``-Y`` is the
direction the body faces (forward), ``+X`` is the body's left.  The sagittal plane is
the ``Y-Z`` plane.

Pose parameters
---------------
A pose is a vector of :data:`PARAMS` in degrees.  Signs are clinical: positive hip =
flexion, knee = flexion, ankle = dorsiflexion, spine/pelvis = forward bend, shoulder
flexion = arm forward/up, shoulder lowering = from Anny's A-pose towards the side.
These are the *commands* given to the rig; the true joint angles are always measured
afterwards from the posed joint centres (Anny's rest pose has slightly bent knees).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from torch import Tensor
else:  # torch is imported lazily: the light modules must load without it
    Tensor = Any

REPO = Path(__file__).resolve().parents[2]
#: Anny's and Warp's caches (~790 MB after the first body build): the checkout's ignored
#: ``.cache/``, or ``$ROM_SYNTH_CACHE`` so that several checkouts share one build.
CACHE = Path(os.environ.get("ROM_SYNTH_CACHE") or REPO / ".cache")

PARAMS: tuple[str, ...] = (
    "pelvis_pitch",
    "spine_flex",
    "hip_flex_L",
    "hip_flex_R",
    "hip_abd_L",
    "hip_abd_R",
    "knee_flex_L",
    "knee_flex_R",
    "ankle_dorsi_L",
    "ankle_dorsi_R",
    "shoulder_flex_L",
    "shoulder_flex_R",
    "shoulder_lower_L",
    "shoulder_lower_R",
    "elbow_flex_L",
    "elbow_flex_R",
    "neck_flex",
)
P = {name: i for i, name in enumerate(PARAMS)}

#: MediaPipe landmark index -> where it comes from on the body model.
#: ("bone", label) = bone head (joint centre); ("kp", label) = Anny COCO keypoint;
#: MediaPipe's hand points are knuckles, not tips: pinky and index = the fingers' first
#: knuckle (MCP, the head of ``finger5-1`` / ``finger2-1``), thumb = its second knuckle.
#: The true index *fingertip* (toe-touch's clinical point) is :meth:`Body.fingertips`.
MP_SOURCES: dict[int, tuple[str, str]] = {
    0: ("kp", "nose"),
    1: ("kp", "left_eye"),
    2: ("kp", "left_eye"),
    3: ("kp", "left_eye"),
    4: ("kp", "right_eye"),
    5: ("kp", "right_eye"),
    6: ("kp", "right_eye"),
    7: ("kp", "left_ear"),
    8: ("kp", "right_ear"),
    9: ("kp", "nose"),
    10: ("kp", "nose"),
    11: ("bone", "upperarm01.L"),
    12: ("bone", "upperarm01.R"),
    13: ("bone", "lowerarm01.L"),
    14: ("bone", "lowerarm01.R"),
    15: ("bone", "wrist.L"),
    16: ("bone", "wrist.R"),
    17: ("bone", "finger5-1.L"),
    18: ("bone", "finger5-1.R"),
    19: ("bone", "finger2-1.L"),
    20: ("bone", "finger2-1.R"),
    21: ("bone", "finger1-3.L"),
    22: ("bone", "finger1-3.R"),
    23: ("bone", "upperleg01.L"),
    24: ("bone", "upperleg01.R"),
    25: ("bone", "lowerleg01.L"),
    26: ("bone", "lowerleg01.R"),
    27: ("bone", "foot.L"),
    28: ("bone", "foot.R"),
    29: ("kp", "left_heel"),
    30: ("kp", "right_heel"),
    31: ("kp", "left_big_toe"),
    32: ("kp", "right_big_toe"),
}


def configure_caches() -> None:
    """Keep Anny's and Warp's caches in :data:`CACHE` (the ignored ``.cache/`` by default)."""
    os.environ.setdefault("ANNY_CACHE_DIR", str(CACHE / "anny"))
    import warp as wp

    wp.config.kernel_cache_dir = str(CACHE / "warp")
    wp.config.quiet = True


@dataclass(frozen=True)
class Phenotype:
    """Anny's phenotype parameters, each in [0, 1] (0.5 = average; age 2/3 ~ adult)."""

    gender: float = 0.5  # 0 female .. 1 male
    age: float = 2 / 3
    muscle: float = 0.5
    weight: float = 0.5
    height: float = 0.5
    proportions: float = 0.5

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.__dict__.items()}


def _rot(axis: int, deg: Tensor) -> Tensor:
    """(T,) degrees -> (T, 3, 3) rotation about world axis 0/1/2 (torch)."""
    import torch

    a = torch.deg2rad(deg)
    c, s = torch.cos(a), torch.sin(a)
    o, z = torch.ones_like(a), torch.zeros_like(a)
    if axis == 0:
        rows = [o, z, z, z, c, -s, z, s, c]
    elif axis == 1:
        rows = [c, z, s, z, o, z, -s, z, c]
    else:
        rows = [c, -s, z, s, c, z, z, z, o]
    return torch.stack(rows, dim=-1).reshape(*a.shape, 3, 3)


class Body:
    """One Anny body with a fixed phenotype: forward kinematics, skinning, landmarks."""

    def __init__(self, phenotype: Phenotype | None = None) -> None:
        configure_caches()
        import anny
        import torch

        self.torch = torch
        self.phenotype = phenotype or Phenotype()
        self.model = anny.Anny()
        m = self.model
        self.labels: list[str] = list(m.bone_labels)
        self.bone = {name: i for i, name in enumerate(self.labels)}
        with torch.no_grad():
            params = m._parse_parameter_kwargs(
                self.phenotype.as_dict(), m.phenotype_labels, 0.5, "phenotype_kwargs"
            )
            zeros = torch.zeros((1, 0), dtype=m.dtype)
            coeffs = m._get_phenotype_blendshape_coefficients(
                params,
                torch.zeros((1, len(m.local_change_labels)), dtype=m.dtype)
                if m.local_change_labels
                else zeros,
                zeros,
            )
            self.rest = m.get_rest_model(coeffs)
        self.faces = m.get_triangular_faces().cpu().numpy().astype(np.int32)
        self.rest_vertices = self.rest["rest_vertices"][0].cpu().numpy()
        kp = anny.KeypointsRegressor.coco(m)
        self.kp_labels: list[str] = list(kp.labels)
        self.kp_weights = kp.regression_weights.cpu().numpy()  # (K, V)
        weights = m.vertex_bone_weights.cpu().numpy()
        indices = m.vertex_bone_indices.cpu().numpy()
        self.vertex_bone = indices[np.arange(len(indices)), np.argmax(weights, axis=1)]
        self.fingertip_vertex = {s: self._fingertip(s) for s in "LR"}
        self.rest_height_m = float(self.rest_vertices[:, 2].max() - self.rest_vertices[:, 2].min())

    def _fingertip(self, side: str) -> int:
        """Index-finger tip: the vertex of the distal phalanx farthest along the finger."""
        heads = self.rest["rest_bone_heads"][0].cpu().numpy()
        head = heads[self.bone[f"finger2-3.{side}"]]
        direction = head - heads[self.bone[f"finger2-2.{side}"]]
        direction /= np.linalg.norm(direction)
        candidates = np.flatnonzero(self.vertex_bone == self.bone[f"finger2-3.{side}"])
        along = (self.rest_vertices[candidates] - head) @ direction
        return int(candidates[np.argmax(along)])

    # -- posing ---------------------------------------------------------------------------

    def delta_transforms(self, pose_deg: Tensor) -> Tensor:
        """(T, len(PARAMS)) degrees (torch) -> (T, J, 4, 4) local-ref delta transforms."""
        torch = self.torch
        t = pose_deg.shape[0]
        dtype = self.model.dtype
        eye = torch.eye(4, dtype=dtype).expand(t, len(self.labels), 4, 4).clone()
        pose_deg = pose_deg.to(dtype)

        def put(bone: str, rot: Tensor) -> None:
            eye[:, self.bone[bone], :3, :3] = rot

        col = lambda name: pose_deg[:, P[name]]  # noqa: E731
        put("root", _rot(0, col("pelvis_pitch")))
        spine = col("spine_flex") / 4.0
        for b in ("spine04", "spine03", "spine02", "spine01"):
            put(b, _rot(0, spine))
        put("neck01", _rot(0, col("neck_flex")))
        for s, sign in (("L", 1.0), ("R", -1.0)):
            put(
                f"upperleg01.{s}",
                _rot(0, -col(f"hip_flex_{s}")) @ _rot(1, -sign * col(f"hip_abd_{s}")),
            )
            put(f"lowerleg01.{s}", _rot(0, col(f"knee_flex_{s}")))
            put(f"foot.{s}", _rot(0, -col(f"ankle_dorsi_{s}")))
            put(
                f"upperarm01.{s}",
                _rot(0, -col(f"shoulder_flex_{s}")) @ _rot(1, sign * col(f"shoulder_lower_{s}")),
            )
            put(f"lowerarm01.{s}", _rot(0, -col(f"elbow_flex_{s}")))
        return eye

    def bone_poses(self, pose_deg: Tensor) -> Tensor:
        """Forward kinematics only (differentiable): (T, J, 4, 4) world bone poses."""
        delta = self.delta_transforms(pose_deg)
        _, poses = self.model.get_bone_transforms(delta, self.rest["rest_bone_poses"])
        return poses

    def joint(self, poses: Tensor, name: str) -> Tensor:
        """(T, 3) world position of bone ``name``'s head from :meth:`bone_poses` output."""
        return poses[:, self.bone[name], :3, 3]

    def skin(self, pose_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pose and skin: (T, V, 3) vertices and (T, J, 3) joint centres, un-anchored."""
        torch = self.torch
        with torch.no_grad():
            pose = torch.as_tensor(pose_deg, dtype=self.model.dtype)
            delta = self.delta_transforms(pose)
            transforms, poses = self.model.get_bone_transforms(delta, self.rest["rest_bone_poses"])
            rest = self.rest["rest_vertices"].expand(len(pose), -1, -1)
            verts = self.model.get_skinned_vertices(bone_transforms=transforms, rest_vertices=rest)
        return verts.cpu().numpy(), poses[:, :, :3, 3].cpu().numpy()

    def landmarks(self, vertices: np.ndarray, joints: np.ndarray) -> np.ndarray:
        """(T, 33, 3) MediaPipe-ordered landmark positions from skinned vertices and joints."""
        kps = np.einsum("kv,tvd->tkd", self.kp_weights, vertices)
        out = np.empty((len(vertices), 33, 3))
        for index, (kind, label) in MP_SOURCES.items():
            if kind == "bone":
                out[:, index] = joints[:, self.bone[label]]
            else:
                out[:, index] = kps[:, self.kp_labels.index(label)]
        return out

    def fingertips(self, vertices: np.ndarray) -> np.ndarray:
        """(T, 2, 3) index fingertips (surface vertex at the tip), left then right."""
        return np.stack([vertices[:, self.fingertip_vertex[s]] for s in "LR"], axis=1)


def deg_schedule(times: np.ndarray, keys: list[tuple[float, float]]) -> np.ndarray:
    """Smooth (cosine-eased) piecewise interpolation of ``(time_s, value)`` key points."""
    ts = np.array([k[0] for k in keys])
    vs = np.array([k[1] for k in keys])
    out = np.empty_like(times, dtype=np.float64)
    for i, t in enumerate(times):
        j = int(np.clip(np.searchsorted(ts, t) - 1, 0, len(ts) - 2))
        u = float(np.clip((t - ts[j]) / max(ts[j + 1] - ts[j], 1e-9), 0.0, 1.0))
        u = 0.5 - 0.5 * math.cos(math.pi * u)
        out[i] = vs[j] + (vs[j + 1] - vs[j]) * u
    return out
