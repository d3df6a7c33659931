"""True vertical from the scene: the vanishing point of vertical edges (door frames, corners).

When neither rom's marker nor the user gives the camera roll, the room often does: door
frames, wall corners, shelves and cupboard sides are vertical in the world.  In the image
they are straight segments that all pass through one point, the *vertical vanishing point*
(at infinity, i.e. parallel, when the phone is not pitched; converging upwards when it is
pitched up, downwards when pitched down).  The projection of the world vertical through the
principal point is the line from the principal point to that vanishing point, so its angle
is the camera roll there, whatever the pitch.

Method
------
1. Segments are found with OpenCV's line segment detector on each frame; those within
   :data:`MAX_TILT_FROM_IMAGE_VERTICAL_DEG` of the image's vertical, at least
   :data:`MIN_SEGMENT_FRACTION` of the image height long and outside the person's box are
   kept.
2. The vanishing point is found by RANSAC over pairs of segments (the hypothesis with the
   largest total inlier length, an inlier pointing within :data:`INLIER_ANGLE_DEG` of it),
   then refined by weighted least squares on the inliers' homogeneous lines.
3. The per-frame roll is the angle of the vanishing point seen from the principal point;
   its 1-sigma error is the standard deviation over a bootstrap of the inlier segments.
4. Over frames the median roll is taken.  Frames of one static scene see the *same* lines,
   so their errors are not independent: the combined sigma is the larger of the median
   per-frame sigma and the spread between frames, never divided by the number of frames.

The floor–wall line is **not** used: it is horizontal in the world, but it shows the roll
only if the wall is parallel to the image plane, which cannot be checked from one line (a
receding floor edge is tilted by perspective, not by roll).  :mod:`rom.calibrate.floor`
takes it from the user instead.

Angles follow :mod:`rom.calibration`: ``roll_deg`` is clockwise on screen from the image's
up (``-y``) to true up; a plumb line whose top leans right gives a positive roll.

Everything here is pure (numpy/OpenCV on arrays, no file access).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

#: Segments leaning more than this from the image's vertical are not candidate verticals
#: (rolls beyond it are a phone held sideways, which the decoder's rotation handles).
MAX_TILT_FROM_IMAGE_VERTICAL_DEG = 20.0
#: Shortest segment kept, as a fraction of the image height: short edges give noisy angles.
MIN_SEGMENT_FRACTION = 0.06
#: A segment is an inlier when it points within this angle of the vanishing point.
INLIER_ANGLE_DEG = 1.0
#: Fewest inlier segments (in one frame) for an estimate.
MIN_LINES = 4
#: Inliers must spread across at least this fraction of the image width: lines bunched on
#: one object (a single box edge and its shadow) say little about the vanishing point.
MIN_HORIZONTAL_SPREAD = 0.15
#: With several frames, a segment must reappear (midpoint within
#: :data:`STATIC_MATCH_PX`, direction within :data:`STATIC_MATCH_DEG`) in at least this share
#: of the other frames: the room stays put while the person moves, so limbs drop out.
STATIC_SHARE = 0.5
STATIC_MATCH_PX = 4.0
STATIC_MATCH_DEG = 1.0
#: RANSAC hypotheses per frame.
RANSAC_ITERATIONS = 300
#: Bootstrap resamples for the per-frame sigma.
BOOTSTRAP_SAMPLES = 100
#: Floor of the 1-sigma error: walls and furniture are built vertical to about this.
MODEL_SIGMA_DEG = 0.25
#: ``uncertainty_deg`` is this many sigmas (about a 95 % bound for a normal error).
COVERAGE_SIGMAS = 2.0
#: Longer image side above this is downscaled before segment detection (speed only).
MAX_DETECTION_SIDE_PX = 1280


@dataclass(frozen=True)
class VerticalEstimate:
    """Camera roll estimated from the scene.

    Attributes
    ----------
    roll_deg : float
        Clockwise on screen from image up to true up, degrees, at the principal point
        (see :mod:`rom.calibration`).
    uncertainty_deg : float
        About a 95 % bound (:data:`COVERAGE_SIGMAS` x the 1-sigma error) on ``roll_deg``.
    n_lines : int
        Inlier segments (vertical edges) in the frame that gave the median roll.
    method : str
        ``"vertical_vanishing_point"``.
    n_frames : int
        Frames that gave an estimate.
    """

    roll_deg: float
    uncertainty_deg: float
    n_lines: int
    method: str = "vertical_vanishing_point"
    n_frames: int = 1


@dataclass(frozen=True)
class _FrameFit:
    roll_deg: float
    sigma_deg: float
    n_lines: int


def to_gray(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Grey version of an RGB/BGR ``(H, W, 3)`` or grey ``(H, W)`` uint8 image."""
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 3:
        # Channel order barely matters for black-on-white targets; treat as RGB.
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
    raise ValueError(f"expected an (H, W) or (H, W, 3) image, not shape {image.shape}")


def detect_vertical_segments(
    image: NDArray[np.uint8],
    person_box: tuple[float, float, float, float] | None = None,
) -> NDArray[np.float64]:
    """Near-vertical line segments of one image.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) RGB or (H, W), uint8
    person_box : (x0, y0, x1, y1), optional
        Pixel box of the person; segments whose midpoint falls inside are dropped (limbs
        and the trunk are not plumb lines).

    Returns
    -------
    ndarray, shape (N, 4)
        ``x1, y1, x2, y2`` in pixels of ``image``, ``y1 < y2`` (first point on top).
    """
    gray = to_gray(image)
    height, width = gray.shape
    scale = min(1.0, MAX_DETECTION_SIDE_PX / max(height, width))
    small = gray if scale == 1.0 else cv2.resize(gray, None, fx=scale, fy=scale,
                                                 interpolation=cv2.INTER_AREA)
    found = cv2.createLineSegmentDetector().detect(small)[0]
    if found is None:
        return np.zeros((0, 4))
    seg = np.asarray(found, dtype=np.float64).reshape(-1, 4) / scale
    dx, dy = seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]
    length = np.hypot(dx, dy)
    tilt = np.degrees(np.arctan2(np.abs(dx), np.abs(dy)))
    keep = (tilt <= MAX_TILT_FROM_IMAGE_VERTICAL_DEG) & (length >= MIN_SEGMENT_FRACTION * height)
    if person_box is not None:
        x0, y0, x1, y1 = person_box
        mx, my = (seg[:, 0] + seg[:, 2]) / 2, (seg[:, 1] + seg[:, 3]) / 2
        keep &= ~((mx >= x0) & (mx <= x1) & (my >= y0) & (my <= y1))
    seg = seg[keep]
    flip = seg[:, 1] > seg[:, 3]
    seg[flip] = seg[flip][:, [2, 3, 0, 1]]
    return seg


def _static_segments(per_frame: list[NDArray[np.float64]]) -> list[NDArray[np.float64]]:
    """Keep, in each frame, the segments that reappear in most other frames.

    A segment reappears when another frame has one within :data:`STATIC_MATCH_DEG` of its
    direction whose midpoint lies within :data:`STATIC_MATCH_PX` of its line and within
    half its length along it (the detector may split one edge differently each frame).
    """
    if len(per_frame) < 3:
        return per_frame
    kept = []
    for k, seg in enumerate(per_frame):
        mids = (seg[:, 0:2] + seg[:, 2:4]) / 2
        direction = seg[:, 2:4] - seg[:, 0:2]
        length = np.linalg.norm(direction, axis=1)
        unit = direction / np.maximum(length, 1e-9)[:, None]
        angles = np.degrees(np.arctan2(direction[:, 0], direction[:, 1]))
        hits = np.zeros(len(seg))
        for m, other in enumerate(per_frame):
            if m == k or len(other) == 0:
                continue
            offset = (other[None, :, 0:2] + other[None, :, 2:4]) / 2 - mids[:, None, :]
            along = np.abs(np.einsum("ijk,ik->ij", offset, unit))
            across = np.abs(offset[..., 0] * unit[:, None, 1] - offset[..., 1] * unit[:, None, 0])
            other_angles = np.degrees(np.arctan2(other[:, 2] - other[:, 0],
                                                 other[:, 3] - other[:, 1]))
            same = (
                (across < STATIC_MATCH_PX)
                & (along < length[:, None] / 2)
                & (np.abs(angles[:, None] - other_angles[None, :]) < STATIC_MATCH_DEG)
            )
            hits += same.any(axis=1)
        kept.append(seg[hits >= STATIC_SHARE * (len(per_frame) - 1)])
    return kept


def _lines(seg: NDArray[np.float64]) -> NDArray[np.float64]:
    """Homogeneous lines ``(a, b, c)`` with ``(a, b)`` a unit normal."""
    p = np.column_stack([seg[:, 0], seg[:, 1], np.ones(len(seg))])
    q = np.column_stack([seg[:, 2], seg[:, 3], np.ones(len(seg))])
    lines = np.cross(p, q)
    return np.asarray(lines / np.hypot(lines[:, 0], lines[:, 1])[:, None])


def _angle_errors_deg(seg: NDArray[np.float64], vp: NDArray[np.float64]) -> NDArray[np.float64]:
    """Angle between each segment and the direction from its midpoint to ``vp``."""
    mid = np.column_stack([(seg[:, 0] + seg[:, 2]) / 2, (seg[:, 1] + seg[:, 3]) / 2])
    towards = vp[:2][None, :] - vp[2] * mid
    direction = seg[:, 2:4] - seg[:, 0:2]
    cross = direction[:, 0] * towards[:, 1] - direction[:, 1] * towards[:, 0]
    norms = np.linalg.norm(direction, axis=1) * np.linalg.norm(towards, axis=1)
    return np.asarray(np.degrees(np.arcsin(np.clip(np.abs(cross) / np.maximum(norms, 1e-12),
                                                   0.0, 1.0))))


def _fit_vp(lines: NDArray[np.float64], weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """Least-squares point closest to all lines (homogeneous, unit norm)."""
    _, _, vt = np.linalg.svd(lines * np.sqrt(weights)[:, None])
    return np.asarray(vt[-1])


def _roll_of_vp(vp: NDArray[np.float64], centre: NDArray[np.float64]) -> float:
    up = vp[:2] - vp[2] * centre
    if up[1] > 0:  # the vanishing point is below: true up points away from it
        up = -up
    # Clockwise from (0, -1) by angle a is (sin a, -cos a) in y-down coordinates.
    return math.degrees(math.atan2(up[0], -up[1]))


def _fit_frame(
    seg: NDArray[np.float64], centre_px: NDArray[np.float64], scale_px: float,
    rng: np.random.Generator,
) -> _FrameFit | None:
    if len(seg) < MIN_LINES:
        return None
    # Centred, scaled coordinates keep the homogeneous algebra well conditioned.
    norm = (seg - np.tile(centre_px, 2)) / scale_px
    lines = _lines(norm)
    length = np.hypot(norm[:, 2] - norm[:, 0], norm[:, 3] - norm[:, 1])
    best_score, best_inliers = 0.0, np.zeros(len(seg), dtype=bool)
    for _ in range(RANSAC_ITERATIONS):
        i, j = rng.choice(len(seg), size=2, replace=False)
        vp = np.cross(lines[i], lines[j])
        if not np.all(np.isfinite(vp)) or np.linalg.norm(vp) < 1e-12:
            continue
        inliers = _angle_errors_deg(norm, vp) < INLIER_ANGLE_DEG
        score = float(length[inliers].sum())
        if score > best_score:
            best_score, best_inliers = score, inliers
    if best_inliers.sum() < MIN_LINES:
        return None
    mid_x = (norm[best_inliers, 0] + norm[best_inliers, 2]) / 2
    if float(mid_x.max() - mid_x.min()) * scale_px < MIN_HORIZONTAL_SPREAD * 2 * centre_px[0]:
        return None
    inlier_lines, inlier_length = lines[best_inliers], length[best_inliers]
    vp = _fit_vp(inlier_lines, inlier_length)
    origin = np.zeros(2)
    roll = _roll_of_vp(vp, origin)
    n = len(inlier_lines)
    rolls = []
    for _ in range(BOOTSTRAP_SAMPLES):
        pick = rng.integers(0, n, size=n)
        rolls.append(_roll_of_vp(_fit_vp(inlier_lines[pick], inlier_length[pick]), origin))
    sigma = float(np.std(rolls))
    return _FrameFit(roll_deg=roll, sigma_deg=sigma, n_lines=n)


def estimate_vertical(
    images: Sequence[NDArray[np.uint8]],
    *,
    person_boxes: Sequence[tuple[float, float, float, float] | None] | None = None,
    principal_point: tuple[float, float] | None = None,
    seed: int = 0,
) -> VerticalEstimate | None:
    """Camera roll from the vertical edges of a scene seen in one or more frames.

    Parameters
    ----------
    images : sequence of ndarray, shape (H, W, 3) RGB or (H, W), uint8
        Frames of one video (same size); a few frames spread over the clip are enough.
    person_boxes : sequence of (x0, y0, x1, y1) or None, optional
        One pixel box per image (or ``None``) around the person, masked out.
    principal_point : (cx, cy), optional
        Pixels; the image centre by default.
    seed : int
        Seed of the RANSAC and bootstrap draws (the result is deterministic).

    Returns
    -------
    VerticalEstimate or None
        ``None`` when no frame shows at least :data:`MIN_LINES` consistent vertical
        edges spread across the picture (a plain wall, outdoors): the roll is then
        unknown and the caller keeps "not levelled".
    """
    if person_boxes is not None and len(person_boxes) != len(images):
        raise ValueError("person_boxes needs one entry per image")
    rng = np.random.default_rng(seed)
    segments = _static_segments([
        detect_vertical_segments(image, person_boxes[k] if person_boxes is not None else None)
        for k, image in enumerate(images)
    ])
    fits: list[_FrameFit] = []
    for image, seg in zip(images, segments, strict=True):
        height, width = image.shape[:2]
        centre = np.array(principal_point if principal_point is not None
                          else ((width - 1) / 2.0, (height - 1) / 2.0))
        fit = _fit_frame(seg, centre, float(max(height, width)), rng)
        if fit is not None:
            fits.append(fit)
    if not fits:
        return None
    rolls = np.array([f.roll_deg for f in fits])
    median_index = int(np.argsort(rolls)[len(rolls) // 2])
    between = 1.4826 * float(np.median(np.abs(rolls - np.median(rolls)))) if len(fits) > 2 else 0.0
    within = float(np.median([f.sigma_deg for f in fits]))
    sigma = math.hypot(max(within, between), MODEL_SIGMA_DEG)
    return VerticalEstimate(
        roll_deg=float(np.median(rolls)),
        uncertainty_deg=COVERAGE_SIGMAS * sigma,
        n_lines=fits[median_index].n_lines,
        n_frames=len(fits),
    )
