"""Multi-view reference for real footage: Pose2Sim's calibrated four-camera demo.

Triangulating rom's own MediaPipe tracks of the four views gives, per frame, which views
label the body mirrored (left and right exchanged): the labelling of each view that
reprojects best, with the overall orientation fixed by the triangulated body being
right-handed. A harness for the swap detector on real footage, and for a real side-on
recording when one is available.

Calibration conventions (Pose2Sim's ``read_qca``; ``../shared/notes/real-footage-multiview.md``):
``X_cam = Rx(pi) . M . (X - T)`` with ``M`` the ``r_ij`` rows as written, ``T`` in mm,
intrinsic values over 64 and the principal point relative to the video field of view.
Lens distortion is ignored (under 2 px here, against MediaPipe's 12-21 px).
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from rom.landmarks import Landmark
from rom.swaps import LEFT_RIGHT_PAIRS, MIRRORED

Projection = NDArray[np.float64]  # (3, 4): pixels from homogeneous world metres


def qualisys_projections(qca: Path) -> dict[str, Projection]:
    """Camera serial -> 3x4 projection matrix (world metres, Z up, to pixels)."""
    projections = {}
    flip = np.diag([1.0, -1.0, -1.0])  # Rx(pi)
    for camera in ElementTree.parse(qca).getroot().iter("camera"):
        transform, lens, fov = camera.find("transform"), camera.find("intrinsic"), camera.find(
            "fov_video"
        )
        assert transform is not None and lens is not None and fov is not None

        def value(element: ElementTree.Element, key: str) -> float:
            return float(element.get(key, "nan"))

        rotation = flip @ np.array(
            [[value(transform, f"r{i}{j}") for j in (1, 2, 3)] for i in (1, 2, 3)]
        )
        centre = np.array([value(transform, k) for k in "xyz"]) / 1000.0
        camera_matrix = np.array(
            [
                [value(lens, "focalLengthU") / 64, 0, value(lens, "centerPointU") / 64
                 - value(fov, "left")],
                [0, value(lens, "focalLengthV") / 64, value(lens, "centerPointV") / 64
                 - value(fov, "top")],
                [0, 0, 1],
            ]
        )
        extrinsic = np.hstack([rotation, (-rotation @ centre)[:, None]])
        projections[camera.get("serial", "")] = camera_matrix @ extrinsic
    return projections


def triangulate(projections: list[Projection], xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """Linear (DLT) triangulation of points seen in every view.

    Parameters
    ----------
    projections : list of V (3, 4) arrays
    xy : ndarray, shape (V, N, 2)
        Pixel positions of N points in each view.

    Returns
    -------
    ndarray, shape (N, 3)
        World points in metres.
    """
    rows = []
    for p, points in zip(projections, xy, strict=True):
        rows.append(points[:, 0:1] * p[2] - p[0])
        rows.append(points[:, 1:2] * p[2] - p[1])
    system = np.stack(rows, axis=1)  # (N, 2V, 4)
    _, _, vt = np.linalg.svd(system)
    homogeneous = vt[:, -1]
    return np.asarray(homogeneous[:, :3] / homogeneous[:, 3:4])


def project(p: Projection, points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Pixels of world points (N, 3) -> (N, 2)."""
    h = np.hstack([points, np.ones((len(points), 1))]) @ p.T
    return np.asarray(h[:, :2] / h[:, 2:3])


_SIDED = np.array([i for pair in LEFT_RIGHT_PAIRS for i in pair], dtype=np.intp)


def mirrored_views(
    projections: list[Projection], views_xy: list[NDArray[np.floating]]
) -> NDArray[np.bool_]:
    """Per frame and view, whether that view's labels are mirrored (True = exchanged).

    Each frame tries every combination of labellings of the views but the first (the
    first is fixed; the mirror image of a combination triangulates the same points),
    keeps the one whose triangulation of the sided landmarks reprojects best, and then
    orients it so that the triangulated body is right-handed: the vector from the right
    to the left hip and shoulder, the nose's direction from the ears' midpoint and the
    world's up (+Z) have a negative triple product.

    Parameters
    ----------
    projections : list of V (3, 4) arrays
    views_xy : list of V arrays, shape (T, 33, 2)
        Each view's image landmarks (same frames in every view, all detected).

    Returns
    -------
    ndarray of bool, shape (T, V)
    """
    n_views, n_frames = len(views_xy), len(views_xy[0])
    out = np.zeros((n_frames, n_views), dtype=bool)
    lm = Landmark
    for f in range(n_frames):
        best: tuple[float, tuple[int, ...], NDArray[np.float64]] | None = None
        for rest in itertools.product((0, 1), repeat=n_views - 1):
            bits = (0, *rest)
            xy = np.stack(
                [
                    np.asarray(v[f][MIRRORED] if b else v[f], dtype=np.float64)[_SIDED]
                    for v, b in zip(views_xy, bits, strict=True)
                ]
            )
            points = triangulate(projections, xy)
            error = sum(
                float(np.linalg.norm(project(p, points) - xy[k], axis=1).sum())
                for k, p in enumerate(projections)
            )
            if best is None or error < best[0]:
                best = (error, bits, points)
        assert best is not None
        _, bits, points = best
        world = dict(zip(_SIDED.tolist(), points, strict=True))
        nose = triangulate(
            projections, np.stack([np.asarray(v[f][[lm.NOSE]], np.float64) for v in views_xy])
        )[0]
        left_minus_right = (
            world[lm.LEFT_HIP] + world[lm.LEFT_SHOULDER]
            - world[lm.RIGHT_HIP] - world[lm.RIGHT_SHOULDER]
        )
        forward = nose - (world[lm.LEFT_EAR] + world[lm.RIGHT_EAR]) / 2
        handed = np.linalg.det(np.stack([left_minus_right, forward, np.array([0.0, 0.0, 1.0])]))
        out[f] = np.array(bits, dtype=bool) ^ (handed > 0)
    return out
