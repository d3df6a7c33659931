"""A pinhole camera: placement, projection to pixels and the matching OpenGL matrix.

Camera axes follow OpenCV: ``x`` right, ``y`` down, ``z`` forward (into the scene);
pixels have ``u`` right and ``v`` down from the top-left corner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


def orbit_position(
    sign: float,
    distance_m: float,
    target: NDArray[np.float64],
    yaw_deg: float,
    height_m: float,
) -> NDArray[np.float64]:
    """Camera centre ``distance_m`` from ``target`` (horizontally), on the body's
    ``sign`` side (+1 = the body's left, +X), swung ``yaw_deg`` about the vertical
    through ``target``: 0 = side-on, positive = towards the body's front (-Y)."""
    yaw = math.radians(yaw_deg)
    return np.array(
        [
            sign * distance_m * math.cos(yaw),
            target[1] - distance_m * math.sin(yaw),
            height_m,
        ]
    )


@dataclass(frozen=True)
class Camera:
    """Intrinsics and pose of a camera.

    Attributes
    ----------
    width, height : int
        Image size in pixels.
    focal_px : float
        Focal length in pixels (square pixels, principal point at the image centre).
    rotation : ndarray, shape (3, 3)
        World -> camera rotation (rows are the camera's x, y, z axes in world coordinates).
    position : ndarray, shape (3,)
        Camera centre in world metres.
    """

    width: int
    height: int
    focal_px: float
    rotation: NDArray[np.float64]
    position: NDArray[np.float64]

    @classmethod
    def look_at(
        cls,
        width: int,
        height: int,
        long_side_fov_deg: float,
        position: NDArray[np.float64],
        target: NDArray[np.float64],
        roll_deg: float = 0.0,
    ) -> Camera:
        """Camera at ``position`` aimed at ``target`` with world ``+Z`` up, then rolled.

        ``roll_deg`` turns the camera about its viewing axis; positive turns the image
        content clockwise on screen (see :meth:`plumb_roll_deg` for rom's convention).
        """
        forward = np.asarray(target, float) - np.asarray(position, float)
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        a = math.radians(roll_deg)
        r2 = math.cos(a) * right - math.sin(a) * down
        d2 = math.sin(a) * right + math.cos(a) * down
        focal = 0.5 * max(width, height) / math.tan(math.radians(long_side_fov_deg) / 2)
        return cls(width, height, focal, np.stack([r2, d2, forward]), np.asarray(position, float))

    @property
    def matrix(self) -> NDArray[np.float64]:
        """(3, 3) intrinsic matrix K."""
        return np.array(
            [[self.focal_px, 0, self.width / 2], [0, self.focal_px, self.height / 2], [0, 0, 1]]
        )

    def to_camera(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """(..., 3) world points -> (..., 3) camera coordinates."""
        return np.asarray((np.asarray(points) - self.position) @ self.rotation.T)

    def project(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """(..., 3) world points -> (..., 2) pixel coordinates (u right, v down)."""
        c = self.to_camera(points)
        uv = c[..., :2] / c[..., 2:3] * self.focal_px
        return np.asarray(uv + np.array([self.width / 2, self.height / 2]))

    def plumb_roll_deg(self, at: NDArray[np.float64]) -> float:
        """Roll in rom's convention (rom.calibration): angle from the image's up to the
        projected true up at world point ``at``, clockwise on screen positive."""
        base, top = self.project(np.stack([at, np.asarray(at) + np.array([0.0, 0.0, 0.5])]))
        dx, dy = top - base
        return float(math.degrees(math.atan2(dx, -dy)))

    def gl_mvp(self, near: float = 0.05, far: float = 50.0) -> NDArray[np.float32]:
        """Column-major-ready (4, 4) clip matrix for OpenGL from world coordinates."""
        w, h, f = self.width, self.height, self.focal_px
        proj = np.array(
            [
                [2 * f / w, 0, 0, 0],
                [0, -2 * f / h, 0, 0],
                [0, 0, (far + near) / (far - near), -2 * far * near / (far - near)],
                [0, 0, 1, 0],
            ]
        )
        view = np.eye(4)
        view[:3, :3] = self.rotation
        view[:3, 3] = -self.rotation @ self.position
        return (proj @ view).astype(np.float32)

    def to_json(self) -> dict[str, object]:
        return {
            "width": self.width,
            "height": self.height,
            "focal_px": self.focal_px,
            "camera_matrix": self.matrix.tolist(),
            "rotation_world_to_camera": self.rotation.tolist(),
            "position_m": self.position.tolist(),
        }
