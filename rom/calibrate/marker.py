"""True vertical and scale from rom's printed ArUco marker taped upright on a wall.

The marker
----------
One ArUco marker, :data:`MARKER_DICTIONARY_NAME` id :data:`MARKER_ID`, whose black square
is :data:`MARKER_SIZE_MM` wide on paper (``calibration/make_marker_pdf.py`` prints it).
OpenCV returns its corners in the marker's own order — top-left, top-right,
bottom-right, bottom-left of the *printed* marker — whatever its rotation on screen.

What it gives
-------------
* **Roll**: the marker's printed up direction is true up when it is taped upright (check
  with a spirit level or a door frame).  Angles follow :mod:`rom.calibration`: clockwise
  on screen from the image's up (``-y``) to true up; a marker whose top leans right gives
  a positive roll.  With the camera pitched, true verticals converge in the image, so the
  roll is exact only near the marker; keep the phone's tilt forward/back small.
* **Scale**: :data:`MARKER_SIZE_MM` over the marker's side in pixels gives centimetres
  per pixel **at the wall's distance from the camera**.  It is the scale of the person's
  plane only if the person stands close to that wall (the wall must face the camera);
  someone a distance ``d`` in front of a wall at distance ``D`` from the camera appears
  ``D / (D - d)`` times larger than the marker's scale says.  A marker seen at an angle
  (sides differing by more than :data:`MAX_SIDE_RATIO`) gives no scale at all.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import ArrayLike, NDArray

from rom.calibrate.profile import CameraProfile
from rom.calibration import Calibration
from rom.errors import CalibrationError

#: ArUco dictionary of the printed marker: 4x4 bits is the coarsest grid, so each bit is
#: largest on paper and survives blur and distance best.
MARKER_DICTIONARY_NAME = "DICT_4X4_50"
MARKER_DICTIONARY = cv2.aruco.DICT_4X4_50
#: Marker id within the dictionary.
MARKER_ID = 0
#: Side of the printed black square (outer edge of the marker's black border), mm.
MARKER_SIZE_MM = 150.0
#: Width of the black border around the bit grid, in cells (OpenCV's default).
MARKER_BORDER_BITS = 1

#: Below this side length (px) a corner error of ~0.3 px tilts an edge by more than 0.5°.
MIN_MARKER_SIDE_PX = 40.0
#: Longest over shortest side above this means the marker is not facing the camera.
MAX_SIDE_RATIO = 1.08
#: A roll beyond this is a marker taped sideways or upside down, not a tilted phone.
MAX_PLAUSIBLE_ROLL_DEG = 30.0
#: Vertical sides converging more than this (degrees) mean a camera pitched so far that the
#: marker's roll is off by about as much one marker width away.
MAX_VERTICAL_CONVERGENCE_DEG = 1.0
#: Fewest frames with the marker for a video estimate.
MIN_FRAMES = 3


def marker_cells() -> NDArray[np.bool_]:
    """The printed marker as a grid of cells, ``True`` where black.

    Returns
    -------
    ndarray, shape (n, n), bool
        ``n`` = marker bits + 2 * :data:`MARKER_BORDER_BITS` (6 for a 4x4 marker); row 0 is
        the top of the marker as printed.
    """
    dictionary = cv2.aruco.getPredefinedDictionary(MARKER_DICTIONARY)
    n = int(dictionary.markerSize) + 2 * MARKER_BORDER_BITS
    image = cv2.aruco.generateImageMarker(dictionary, MARKER_ID, n, borderBits=MARKER_BORDER_BITS)
    return np.asarray(image) < 128


def marker_image(side_px: int, quiet_zone_px: int = 0) -> NDArray[np.uint8]:
    """Render the marker as a grey image (black square of ``side_px``, white margin).

    Returns
    -------
    ndarray, shape (side_px + 2 * quiet_zone_px,) * 2, uint8
    """
    cells = marker_cells()
    white = np.where(cells, 0, 255).astype(np.uint8)
    square = cv2.resize(white, (side_px, side_px), interpolation=cv2.INTER_NEAREST)
    return np.pad(square, quiet_zone_px, constant_values=255)


def _detector() -> cv2.aruco.ArucoDetector:
    parameters = cv2.aruco.DetectorParameters()
    # Sub-pixel corners: the roll comes from edge directions, so corner precision is all.
    parameters.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    dictionary = cv2.aruco.getPredefinedDictionary(MARKER_DICTIONARY)
    return cv2.aruco.ArucoDetector(dictionary, parameters)


def detect_marker(gray: NDArray[np.uint8]) -> NDArray[np.float64] | None:
    """Find rom's marker in a grey image.

    Parameters
    ----------
    gray : ndarray, shape (H, W), uint8

    Returns
    -------
    ndarray, shape (4, 2), or None
        Pixel corners top-left, top-right, bottom-right, bottom-left of the printed
        marker (the largest one if several are seen); ``None`` if absent.
    """
    corners, ids, _ = _detector().detectMarkers(gray)
    if ids is None:
        return None
    ours = [
        np.asarray(c, dtype=np.float64).reshape(4, 2)
        for c, i in zip(corners, np.asarray(ids).ravel(), strict=True)
        if int(i) == MARKER_ID
    ]
    if not ours:
        return None
    return max(ours, key=lambda quad: float(cv2.contourArea(quad.astype(np.float32))))


def marker_side_lengths_px(corners: ArrayLike) -> NDArray[np.float64]:
    """Lengths of the marker's four sides (top, right, bottom, left) in pixels.

    Parameters
    ----------
    corners : array_like, shape (4, 2)
        Top-left, top-right, bottom-right, bottom-left corners in pixels.

    Returns
    -------
    ndarray, shape (4,)
    """
    quad = np.asarray(corners, dtype=np.float64).reshape(4, 2)
    return np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)


def roll_from_marker_corners(corners: ArrayLike) -> float:
    """Camera roll from an upright marker's corners.

    All four sides vote: the two vertical sides point up directly and the two horizontal
    sides point up once turned 90° counter-clockwise on screen; the unit vectors are
    averaged so that perspective convergence of opposite sides cancels to first order.

    Parameters
    ----------
    corners : array_like, shape (4, 2)
        Top-left, top-right, bottom-right, bottom-left corners in pixels (x right, y down).

    Returns
    -------
    float
        Roll in degrees in (-180, 180], clockwise on screen from image up to the marker's
        up (see :mod:`rom.calibration`).
    """
    tl, tr, br, bl = np.asarray(corners, dtype=np.float64).reshape(4, 2)
    ups = [tl - bl, tr - br]
    for rightward in (tr - tl, br - bl):
        # (x, y) pointing right turns to (y, -x) pointing up in y-down coordinates.
        ups.append(np.array([rightward[1], -rightward[0]]))
    up = np.sum([u / np.linalg.norm(u) for u in ups], axis=0)
    # Clockwise from (0, -1) by angle a is (sin a, -cos a).
    return float(math.degrees(math.atan2(up[0], -up[1])))


def vertical_convergence_deg(corners: ArrayLike) -> float:
    """Angle between the marker's two vertical sides: how much the camera is pitched.

    With the camera tilted forward or back, true verticals converge towards a vanishing
    point and no single roll is right for the whole picture: the roll measured at the
    marker is off, elsewhere, by roughly this angle per marker width of distance.

    Parameters
    ----------
    corners : array_like, shape (4, 2)
        Top-left, top-right, bottom-right, bottom-left corners in pixels.

    Returns
    -------
    float
        Degrees; positive when the sides spread apart upwards (camera tilted down towards
        the floor), negative when they spread apart downwards, 0 for a level camera.
    """
    tl, tr, br, bl = np.asarray(corners, dtype=np.float64).reshape(4, 2)
    left_up, right_up = tl - bl, tr - br
    left_deg = math.degrees(math.atan2(left_up[0], -left_up[1]))
    right_deg = math.degrees(math.atan2(right_up[0], -right_up[1]))
    return right_deg - left_deg


def cm_per_px_from_marker_corners(
    corners: ArrayLike, marker_size_mm: float = MARKER_SIZE_MM
) -> float:
    """Scale at the marker's plane: printed size over mean side length.

    Returns
    -------
    float
        Centimetres per pixel.
    """
    mean_side_px = float(np.mean(marker_side_lengths_px(corners)))
    return marker_size_mm / 10.0 / mean_side_px


@dataclass(frozen=True)
class MarkerObservation:
    """What one image says about roll and scale.

    Attributes
    ----------
    corners_px : ndarray, shape (4, 2)
    roll_deg : float
        See :func:`roll_from_marker_corners`.
    cm_per_px : float or None
        ``None`` when the marker is not facing the camera (see :data:`MAX_SIDE_RATIO`).
    side_px : float
        Mean side length in pixels.
    side_ratio : float
        Longest over shortest side (1 for a marker squarely facing the camera).
    vertical_convergence_deg : float
        See :func:`vertical_convergence_deg`.
    """

    corners_px: NDArray[np.float64]
    roll_deg: float
    cm_per_px: float | None
    side_px: float
    side_ratio: float
    vertical_convergence_deg: float


def observe_marker(
    gray: NDArray[np.uint8],
    camera_matrix: ArrayLike | None = None,
    dist_coeffs: ArrayLike | None = None,
) -> MarkerObservation | None:
    """Detect the marker and measure roll and scale, or ``None`` if not usable.

    The marker is unusable when absent or smaller than :data:`MIN_MARKER_SIDE_PX`.

    Parameters
    ----------
    gray : ndarray, shape (H, W), uint8
    camera_matrix, dist_coeffs : array_like, optional
        A lens profile; when given, the corners are undistorted before measuring (the
        returned ``corners_px`` stay as detected).
    """
    detected = detect_marker(gray)
    if detected is None:
        return None
    corners = detected
    if camera_matrix is not None and dist_coeffs is not None:
        from rom.calibrate.intrinsics import undistort_points

        corners = undistort_points(detected, camera_matrix, dist_coeffs)
    sides = marker_side_lengths_px(corners)
    if sides.min() < MIN_MARKER_SIDE_PX:
        return None
    side_ratio = float(sides.max() / sides.min())
    cm_per_px = cm_per_px_from_marker_corners(corners) if side_ratio <= MAX_SIDE_RATIO else None
    return MarkerObservation(
        corners_px=detected,
        roll_deg=roll_from_marker_corners(corners),
        cm_per_px=cm_per_px,
        side_px=float(sides.mean()),
        side_ratio=side_ratio,
        vertical_convergence_deg=vertical_convergence_deg(corners),
    )


@dataclass(frozen=True)
class MarkerEstimate:
    """Roll and scale combined over several frames.

    Attributes
    ----------
    roll_deg : float
        Median of the per-frame rolls, degrees (convention of :mod:`rom.calibration`).
    roll_spread_deg : float
        Robust spread of the per-frame rolls (1.4826 x median absolute deviation), degrees.
    cm_per_px : float or None
        Median per-frame scale, centimetres per pixel at the wall; ``None`` if no frame
        saw the marker squarely.
    cm_per_px_spread : float or None
        Robust relative spread of the scale (fraction, e.g. 0.01 = 1 %).
    frames_with_marker : int
    frames_sampled : int
    vertical_convergence_deg : float
        Median of :func:`vertical_convergence_deg`; beyond
        :data:`MAX_VERTICAL_CONVERGENCE_DEG` the camera is pitched enough that the roll
        holds only near the marker.
    """

    roll_deg: float
    roll_spread_deg: float
    cm_per_px: float | None
    cm_per_px_spread: float | None
    frames_with_marker: int
    frames_sampled: int
    vertical_convergence_deg: float = 0.0

    @property
    def camera_pitched(self) -> bool:
        """Whether the vertical sides converge more than :data:`MAX_VERTICAL_CONVERGENCE_DEG`."""
        return abs(self.vertical_convergence_deg) > MAX_VERTICAL_CONVERGENCE_DEG

    def to_calibration(self) -> Calibration:
        return Calibration(
            roll_deg=self.roll_deg,
            roll_source="marker",
            cm_per_px=self.cm_per_px,
            scale_source="marker" if self.cm_per_px is not None else None,
        )


def _robust_spread(values: NDArray[np.float64]) -> float:
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def combine_observations(
    observations: list[MarkerObservation], frames_sampled: int, *, min_frames: int = 1
) -> MarkerEstimate | None:
    """Median roll and scale over observations; ``None`` if fewer than ``min_frames``.

    Raises
    ------
    CalibrationError
        The median roll is beyond :data:`MAX_PLAUSIBLE_ROLL_DEG`: the marker is taped
        sideways or upside down.
    """
    if len(observations) < min_frames or not observations:
        return None
    rolls = np.array([o.roll_deg for o in observations])
    roll = float(np.median(rolls))
    if abs(roll) > MAX_PLAUSIBLE_ROLL_DEG:
        raise CalibrationError(
            f"the marker appears rotated by {roll:.0f}°: tape it upright, the printed "
            "arrow pointing up"
        )
    scales = np.array([o.cm_per_px for o in observations if o.cm_per_px is not None])
    scale = float(np.median(scales)) if scales.size else None
    return MarkerEstimate(
        roll_deg=roll,
        roll_spread_deg=_robust_spread(rolls),
        cm_per_px=scale,
        cm_per_px_spread=_robust_spread(scales) / scale if scale else None,
        frames_with_marker=len(observations),
        frames_sampled=frames_sampled,
        vertical_convergence_deg=float(
            np.median([o.vertical_convergence_deg for o in observations])
        ),
    )


def marker_estimate_from_images(
    images: Iterable[NDArray[np.uint8]],
    *,
    min_frames: int = 1,
    camera_matrix: ArrayLike | None = None,
    dist_coeffs: ArrayLike | None = None,
) -> MarkerEstimate | None:
    """Combine the marker over grey or RGB images; ``None`` if seen too rarely.

    ``camera_matrix``/``dist_coeffs`` are an optional lens profile (see
    :func:`observe_marker`).
    """
    from rom.calibrate.sources import to_gray

    observations: list[MarkerObservation] = []
    sampled = 0
    for image in images:
        sampled += 1
        observation = observe_marker(to_gray(image), camera_matrix, dist_coeffs)
        if observation is not None:
            observations.append(observation)
    return combine_observations(observations, sampled, min_frames=min_frames)


def marker_estimate_from_video(
    path: str | os.PathLike[str],
    *,
    sample_fps: float = 2.0,
    max_frames: int = 60,
    profile: CameraProfile | None = None,
) -> MarkerEstimate | None:
    """Sample a video (or read one still image) and combine the marker over the frames.

    Parameters
    ----------
    path : path-like
        A video (decoded upright through :func:`rom.video.iter_frames`) or an image.
    sample_fps : float
        Frames per second examined.
    max_frames : int
        At most this many frames are examined.
    profile : CameraProfile, optional
        Lens profile of the camera; the marker's corners are then undistorted.

    Returns
    -------
    MarkerEstimate or None
        ``None`` when the marker is in fewer than :data:`MIN_FRAMES` sampled frames (one,
        for a still image).

    Raises
    ------
    rom.errors.VideoError, CalibrationError
        Unreadable input, a profile for another image shape, or a marker that is not
        upright.
    """
    from rom.calibrate.sources import IMAGE_SUFFIXES, iter_gray_frames

    is_image = os.fspath(path).lower().endswith(tuple(IMAGE_SUFFIXES))
    observations: list[MarkerObservation] = []
    sampled = 0
    lens: tuple[NDArray[np.float64], NDArray[np.float64]] | tuple[None, None] = (None, None)
    for _, gray in iter_gray_frames([path], video_fps=sample_fps, max_video_frames=max_frames):
        if profile is not None and sampled == 0:
            fitted = profile.for_image_size(int(gray.shape[1]), int(gray.shape[0]))
            lens = (fitted.camera_matrix, fitted.dist_coeffs)
        sampled += 1
        observation = observe_marker(gray, *lens)
        if observation is not None:
            observations.append(observation)
    return combine_observations(observations, sampled, min_frames=1 if is_image else MIN_FRAMES)


def calibration_from_video(
    path: str | os.PathLike[str], profile: CameraProfile | None = None
) -> Calibration | None:
    """Roll (and scale, when the marker faces the camera) from rom's marker in a video.

    Parameters
    ----------
    path : path-like
    profile : CameraProfile, optional
        Lens profile; used to undistort the marker and carried into the result.

    Returns
    -------
    Calibration or None
        ``roll_source="marker"``; ``None`` when the marker is not found often enough.
        Use :func:`marker_estimate_from_video` for the spread across frames and the
        camera-pitch check.
    """
    estimate = marker_estimate_from_video(path, profile=profile)
    if estimate is None:
        return None
    calibration = estimate.to_calibration()
    return profile.apply_to(calibration) if profile is not None else calibration
