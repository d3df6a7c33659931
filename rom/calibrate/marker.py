"""True vertical and scale from rom's printed ArUco marker taped upright on a wall.

The marker
----------
One ArUco marker, :data:`MARKER_DICTIONARY_NAME` id :data:`MARKER_ID`, whose black square
is :data:`MARKER_SIZE_MM` wide on paper (``rom calibrate marker-pdf`` prints it).
OpenCV returns its corners in the marker's own order — top-left, top-right,
bottom-right, bottom-left of the *printed* marker — whatever its rotation on screen.

What it gives
-------------
* **Roll**: the marker's printed up direction is true up when it is taped upright (check
  with a spirit level or a door frame).  Angles follow :mod:`rom.calibration`: clockwise
  on screen from the image's up (``-y``) to true up; a marker whose top leans right gives
  a positive roll.  With the camera pitched, true verticals converge in the image, so the
  marker's vertical sides give the true vertical only in its own column; its horizontal
  sides give the camera's roll, the true vertical in the principal point's column, and
  from the two the roll is carried to the person's column (:func:`roll_at_column`,
  :meth:`MarkerEstimate.at_column`).  Keep the phone's tilt forward/back small all the same.
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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

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

#: 1-sigma error of a corner after :func:`refine_marker_corners`, px.  Measured on markers
#: rendered at 16-40 px per side under rolls of +-10 deg, Gaussian blur sigma 0.8 px, noise
#: and JPEG quality 60 (tests/test_marker_small.py's renderer, 60 frames per size): the
#: roll's RMS error was 0.14 deg at 20 px, 0.08 at 24 px, 0.07 at 32 px (max 0.44, 0.32,
#: 0.27 deg), i.e. ~0.07 px per corner; with blur sigma 1.2 px and JPEG quality 40 the
#: marker is found from 24 px (18 of 60) and always at 32 px, RMS 0.12 and 0.08 deg.  0.2 px keeps a
#: margin for H.264 and real blur.
CORNER_SIGMA_PX = 0.2
#: Below this side length (px) the marker is rejected as too small.  With the roll's 1-sigma
#: error ``CORNER_SIGMA_PX / (sqrt(2) * side)`` rad (four edges averaged, eight corner
#: coordinates), 18 px gives a 95 % bound of 0.9 deg per frame (within the +-1.5 deg that
#: angles to vertical need); below it the detector itself finds the marker in fewer than
#: half of blurred frames (16 px: 25 of 60 found, 20 px: 59 of 60), so a smaller marker is
#: not trusted.
MIN_MARKER_SIDE_PX = 18.0
#: Systematic 1-sigma error of a marker's roll at the person, degrees, once carried to the
#: person's column (:meth:`MarkerEstimate.at_column`): a wall not quite facing the camera,
#: a phone pitched and turned, and the person's column taken as their box's centre.
#: Measured against the true vertical at the shank on 45 synthetic knee-to-wall and lunge
#: clips with a marker (make_set clean seeds 77, 303, 505, 919, 1212, 2468, 3141, the heel
#: set of seed 11, hard seeds 45 and 808; 2026-12-03): RMS 0.66 deg, largest 1.65 deg
#: (before the carrying, with the four sides' roll: RMS 0.83, largest 1.89, 5 beyond
#: 1.5 deg, against 0.15 assumed here then).  With it the 95 % bound is about 1.3 deg,
#: which 43 of the 45 errors stay within.
MARKER_SYSTEMATIC_SIGMA_DEG = 0.65
#: Upscaling factors tried, in order, when the marker is not found at the native size.
DETECTION_UPSCALES = (1, 2, 3)
#: No upscaled search beyond this longer side (px): at 1080p a marker big enough to read is
#: found at the native size, and a 3x search would cost seconds per frame.
MAX_UPSCALED_SIDE_PX = 2600
#: Frames searched upscaled before a clip in which the marker was never found is searched
#: at its own size only (see :func:`marker_frame_results`).
UPSCALED_SEARCH_FRAMES = 6
#: Rolls of frames farther apart than this (robust spread, degrees) mean a marker that
#: moved, a wrong detection or a camera that was turned: the video gets no marker roll.
MAX_ROLL_SPREAD_DEG = 1.5
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
    # Corners are refined by fitting the outer edges (refine_marker_corners), which beats
    # OpenCV's corner refinements on markers of a few pixels per cell.
    parameters.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_NONE
    # Accept markers down to ~1 % of the image's larger side in perimeter (OpenCV: 3 %).
    parameters.minMarkerPerimeterRate = 0.01
    dictionary = cv2.aruco.getPredefinedDictionary(MARKER_DICTIONARY)
    return cv2.aruco.ArucoDetector(dictionary, parameters)


def _detect_at(gray: NDArray[np.uint8], upscale: int) -> NDArray[np.float64] | None:
    image = gray if upscale == 1 else cv2.resize(
        gray, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_CUBIC
    )
    corners, ids, _ = _detector().detectMarkers(image)
    if ids is None:
        return None
    ours = [
        np.asarray(c, dtype=np.float64).reshape(4, 2)
        for c, i in zip(corners, np.asarray(ids).ravel(), strict=True)
        if int(i) == MARKER_ID
    ]
    if not ours:
        return None
    best = max(ours, key=lambda quad: float(cv2.contourArea(quad.astype(np.float32))))
    # Pixel centres: x_small + 0.5 = (x_big + 0.5) / upscale.
    return np.asarray((best + 0.5) / upscale - 0.5)


def _fit_outer_edges(
    image: NDArray[np.float32], quad: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """One pass of :func:`refine_marker_corners`; ``None`` if an edge cannot be fitted."""
    centre = quad.mean(axis=0)
    side = float(np.mean(marker_side_lengths_px(quad)))
    cell = side / marker_cells().shape[0]
    # A few px each way (the detector's corners of a blurred small marker are up to ~3 px
    # inside): inwards the profile may cross the black border into white bits, outwards it
    # must stay in the white margin (not reach the wall or the sheet's arrow), so the
    # outermost dark-to-light crossing is the edge.
    reach = float(np.clip(0.8 * cell, 2.0, 4.0))
    offsets = np.linspace(-reach, reach, int(np.ceil(reach * 12)) + 1)
    lines = []
    for k in range(4):
        a, b = quad[k], quad[(k + 1) % 4]
        along = (b - a) / np.linalg.norm(b - a)
        outward = np.array([along[1], -along[0]])
        if np.dot(outward, (a + b) / 2 - centre) < 0:
            outward = -outward
        fractions = np.linspace(0.15, 0.85, max(8, int(side * 0.7)))  # corners are rounded
        base = a[None, :] + fractions[:, None] * (b - a)[None, :]
        samples = base[:, None, :] + offsets[None, :, None] * outward[None, None, :]
        profiles = cv2.remap(image, samples[..., 0].astype(np.float32),
                             samples[..., 1].astype(np.float32), cv2.INTER_LINEAR)
        edge = []
        for point, profile in zip(base, profiles, strict=True):
            dark, light = float(profile.min()), float(profile[-3:].mean())
            if light - dark < 20.0:
                continue
            middle = (dark + light) / 2
            below = np.nonzero(profile < middle)[0]
            j = int(below[-1])  # outermost dark sample; the crossing is between j and j + 1
            if j + 1 >= len(profile):
                continue
            t = (middle - profile[j]) / (profile[j + 1] - profile[j])
            edge.append(point + (offsets[j] + t * (offsets[j + 1] - offsets[j])) * outward)
        if len(edge) < max(4, len(base) // 2):
            return None
        points = np.asarray(edge)
        mean = points.mean(axis=0)
        direction = np.linalg.svd(points - mean)[2][0]
        lines.append(np.cross([*mean, 1.0], [*(mean + direction), 1.0]))
    refined = []
    for k in range(4):
        corner = np.cross(lines[(k - 1) % 4], lines[k])
        refined.append(corner[:2] / corner[2])
    out = np.asarray(refined)
    if not np.all(np.isfinite(out)) or np.abs(out - quad).max() > max(cell, 2.0):
        return None
    return out


def refine_marker_corners(
    gray: NDArray[np.uint8], corners: ArrayLike
) -> NDArray[np.float64] | None:
    """Sub-pixel corners from straight lines fitted to the marker's four outer edges.

    Across each side, at many points along it, the outermost dark-to-light crossing of the
    grey profile (half-way between the black border and the white margin) is found to a
    fraction of a pixel; a line is fitted through them and the corners are the
    intersections of adjacent lines.  Two passes: the detector's corners of a blurred
    small marker can be 2-3 px inside the true ones.  On small markers (a few px per cell)
    this uses the whole edge instead of a corner's few pixels.

    Parameters
    ----------
    gray : ndarray, shape (H, W), uint8
    corners : array_like, shape (4, 2)
        Approximate corners (top-left, top-right, bottom-right, bottom-left), px.

    Returns
    -------
    ndarray, shape (4, 2), or None
        Refined corners; ``None`` when an edge has too little contrast (a blurred or
        partly hidden marker) or the corners would move by more than a cell.
    """
    quad = np.asarray(corners, dtype=np.float64).reshape(4, 2)
    image = np.asarray(gray, dtype=np.float32)
    for _ in range(2):
        fitted = _fit_outer_edges(image, quad)
        if fitted is None:
            return None
        quad = fitted
    return quad


def _find_marker(
    gray: NDArray[np.uint8], upscales: Sequence[int] = DETECTION_UPSCALES
) -> NDArray[np.float64] | None:
    for upscale in upscales:
        if upscale > 1 and upscale * max(gray.shape[:2]) > MAX_UPSCALED_SIDE_PX:
            break
        found = _detect_at(gray, upscale)
        if found is not None:
            return found
    return None


def detect_marker(gray: NDArray[np.uint8]) -> NDArray[np.float64] | None:
    """Find rom's marker in a grey image, with sub-pixel corners.

    The image is searched at its own size, then upscaled by each of
    :data:`DETECTION_UPSCALES` until the marker is found (small markers' bits are then
    several pixels wide for the detector's thresholds); the corners are refined on the
    original image by :func:`refine_marker_corners` (the detector's own corners are
    returned when the edges cannot be fitted; :func:`inspect_marker` rejects those).

    Parameters
    ----------
    gray : ndarray, shape (H, W), uint8

    Returns
    -------
    ndarray, shape (4, 2), or None
        Pixel corners top-left, top-right, bottom-right, bottom-left of the printed
        marker (the largest one if several are seen); ``None`` if absent.
    """
    found = _find_marker(gray)
    if found is None:
        return None
    refined = refine_marker_corners(gray, found)
    return found if refined is None else refined


def roll_sigma_deg(side_px: float, corner_sigma_px: float = CORNER_SIGMA_PX) -> float:
    """1-sigma error of one frame's marker roll, degrees, from its side length.

    The roll averages four edge directions; each is off by the difference of two corners'
    errors across it over the side length, and each of the eight corner coordinates enters
    once: ``sigma = corner_sigma / (sqrt(2) * side)`` radians.  (One edge alone: ``sqrt(2)``
    times ``corner_sigma / side``, e.g. 2.0 deg for 0.5 px on 20 px.)
    """
    return math.degrees(corner_sigma_px / (math.sqrt(2.0) * side_px))


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
    horizontal, vertical = _side_ups(corners)
    return _mean_roll_deg([*horizontal, *vertical])


def _side_ups(corners: ArrayLike) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """The up directions the two horizontal and the two vertical sides give."""
    tl, tr, br, bl = np.asarray(corners, dtype=np.float64).reshape(4, 2)
    # (x, y) pointing right turns to (y, -x) pointing up in y-down coordinates.
    horizontal = [np.array([r[1], -r[0]]) for r in (tr - tl, br - bl)]
    return horizontal, [tl - bl, tr - br]


def _mean_roll_deg(ups: Sequence[NDArray[np.float64]]) -> float:
    """Roll of the mean of unit up vectors, degrees clockwise from image up."""
    up = np.sum([u / np.linalg.norm(u) for u in ups], axis=0)
    # Clockwise from (0, -1) by angle a is (sin a, -cos a).
    return float(math.degrees(math.atan2(up[0], -up[1])))


def side_rolls_deg(corners: ArrayLike) -> tuple[float, float]:
    """The roll read from an upright marker's horizontal sides alone, and from its
    vertical sides alone, degrees (convention of :func:`roll_from_marker_corners`).

    They differ when the camera is pitched: true verticals then converge towards a
    vanishing point above or below the picture, so the vertical sides give the true
    vertical only in the marker's own column, while the horizontal sides of a marker on
    a wall facing the camera give the camera's roll, which is the true vertical in the
    column of the principal point (:func:`roll_at_column`).

    Parameters
    ----------
    corners : array_like, shape (4, 2)
        Top-left, top-right, bottom-right, bottom-left corners in pixels.

    Returns
    -------
    (horizontal_roll_deg, vertical_roll_deg) : tuple of float
    """
    horizontal, vertical = _side_ups(corners)
    return _mean_roll_deg(horizontal), _mean_roll_deg(vertical)


#: Fewest pixels between the marker's column and the principal point's for the true
#: vertical to be carried from the marker to the person (:func:`roll_at_column`): nearer,
#: the two sides' rolls differ by less than their noise and the four-side roll is kept.
MIN_TRANSFER_BASELINE_PX = 100.0


def roll_at_column(
    horizontal_roll_deg: float,
    vertical_roll_deg: float,
    marker_x_px: float,
    principal_x_px: float,
    x_px: float,
) -> float:
    """The true vertical's roll in image column ``x_px``, from a pitched camera's marker.

    With the camera pitched by ``p`` and rolled by ``r`` (small), a true vertical through
    column ``x`` leans ``r + (x - cx) * tan(p) / f`` in the image (pinhole camera,
    principal point column ``cx``, focal length ``f`` in pixels): linear in the column.
    The marker's horizontal sides give ``r`` (the lean at ``cx``) and its vertical sides
    the lean at its own column, so the lean at any column follows without knowing ``p``
    or ``f``.  On rom's synthetic clean clips the marker hung 200-370 px from the
    principal point with the phone pitched up to 11 deg, and the roll of all four sides
    was off at the person by up to 1.9 deg.

    Parameters
    ----------
    horizontal_roll_deg, vertical_roll_deg : float
        :func:`side_rolls_deg` of the marker, degrees.
    marker_x_px, principal_x_px, x_px : float
        Image columns of the marker's centre, of the principal point and of the place
        where the vertical is wanted (the person), pixels.

    Returns
    -------
    float
        Degrees, convention of :func:`roll_from_marker_corners`.
    """
    baseline = marker_x_px - principal_x_px
    return horizontal_roll_deg + (vertical_roll_deg - horizontal_roll_deg) * (
        (x_px - principal_x_px) / baseline
    )


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
    left_up, right_up = _side_ups(corners)[1]
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
    horizontal_roll_deg, vertical_roll_deg : float
        See :func:`side_rolls_deg`.
    """

    corners_px: NDArray[np.float64]
    roll_deg: float
    cm_per_px: float | None
    side_px: float
    side_ratio: float
    vertical_convergence_deg: float
    horizontal_roll_deg: float
    vertical_roll_deg: float


#: Why the marker gave no roll: reason code -> advice shown to the user.
REJECTION_MESSAGES = {
    "not_found": (
        "rom's marker was not found: print it at 100 %, tape it flat where the camera sees "
        "it, and keep it sharp"
    ),
    "blurred": (
        "the marker's edges are too blurred or partly hidden to measure: keep it in focus, "
        "well lit and uncovered"
    ),
    "too_small": (
        f"the marker is under {MIN_MARKER_SIDE_PX:.0f} px wide in the picture: print it larger "
        "(see the table on the marker sheet) or move the camera closer"
    ),
    "too_few_frames": (
        f"the marker was seen clearly in fewer than {MIN_FRAMES} sampled frames: keep it in "
        "the picture, uncovered and in focus"
    ),
    "inconsistent": (
        f"the marker's angle varied by more than {MAX_ROLL_SPREAD_DEG} deg between frames: "
        "keep the phone still on a stand and the marker fixed"
    ),
}


@dataclass(frozen=True)
class MarkerRejection:
    """Why an image or a video gave no marker roll.

    Attributes
    ----------
    reason : str
        A key of :data:`REJECTION_MESSAGES`.
    message : str
        Plain-language advice, with the measured numbers when there are any.
    """

    reason: str
    message: str

    @classmethod
    def of(cls, reason: str, detail: str = "") -> MarkerRejection:
        text = REJECTION_MESSAGES[reason]
        return cls(reason, f"{text} ({detail})" if detail else text)


def inspect_marker(
    gray: NDArray[np.uint8],
    camera_matrix: ArrayLike | None = None,
    dist_coeffs: ArrayLike | None = None,
    *,
    upscales: Sequence[int] = DETECTION_UPSCALES,
) -> MarkerObservation | MarkerRejection:
    """Detect the marker and measure roll and scale, or say why it is not usable.

    Parameters
    ----------
    gray : ndarray, shape (H, W), uint8
    camera_matrix, dist_coeffs : array_like, optional
        A lens profile; when given, the corners are undistorted before measuring (the
        returned ``corners_px`` stay as detected).
    upscales : sequence of int
        Upscaling factors to search (see :func:`detect_marker`).

    Returns
    -------
    MarkerObservation or MarkerRejection
        Rejected as ``"not_found"``, ``"blurred"`` (edges that cannot be fitted, see
        :func:`refine_marker_corners`) or ``"too_small"`` (a side under
        :data:`MIN_MARKER_SIDE_PX`).
    """
    found = _find_marker(gray, upscales)
    if found is None:
        return MarkerRejection.of("not_found")
    detected = refine_marker_corners(gray, found)
    if detected is None:
        return MarkerRejection.of("blurred")
    corners = detected
    if camera_matrix is not None and dist_coeffs is not None:
        from rom.calibrate.intrinsics import undistort_points

        corners = undistort_points(detected, camera_matrix, dist_coeffs)
    sides = marker_side_lengths_px(corners)
    if sides.min() < MIN_MARKER_SIDE_PX:
        return MarkerRejection.of("too_small", f"{sides.min():.1f} px")
    side_ratio = float(sides.max() / sides.min())
    cm_per_px = cm_per_px_from_marker_corners(corners) if side_ratio <= MAX_SIDE_RATIO else None
    horizontal_roll, vertical_roll = side_rolls_deg(corners)
    return MarkerObservation(
        corners_px=detected,
        roll_deg=roll_from_marker_corners(corners),
        cm_per_px=cm_per_px,
        side_px=float(sides.mean()),
        side_ratio=side_ratio,
        vertical_convergence_deg=vertical_convergence_deg(corners),
        horizontal_roll_deg=horizontal_roll,
        vertical_roll_deg=vertical_roll,
    )


def observe_marker(
    gray: NDArray[np.uint8],
    camera_matrix: ArrayLike | None = None,
    dist_coeffs: ArrayLike | None = None,
) -> MarkerObservation | None:
    """:func:`inspect_marker`, with ``None`` for a missing or too small marker."""
    seen = inspect_marker(gray, camera_matrix, dist_coeffs)
    return seen if isinstance(seen, MarkerObservation) else None


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
    roll_uncertainty_deg : float
        About a 95 % bound (2 sigma) on ``roll_deg``: the larger of the corner-noise sigma
        (:func:`roll_sigma_deg` at the median side) and the frames' robust spread, each over
        the square root of the number of frames, with :data:`MARKER_SYSTEMATIC_SIGMA_DEG`
        added in quadrature.  It assumes the marker is taped truly
        upright (the user's spirit level is not part of it).
    """

    roll_deg: float
    roll_spread_deg: float
    cm_per_px: float | None
    cm_per_px_spread: float | None
    frames_with_marker: int
    frames_sampled: int
    vertical_convergence_deg: float = 0.0
    roll_uncertainty_deg: float = 0.0
    horizontal_roll_deg: float = math.nan
    vertical_roll_deg: float = math.nan
    marker_x_px: float = math.nan
    roll_random_sigma_deg: float = 0.0

    @property
    def camera_pitched(self) -> bool:
        """Whether the vertical sides converge more than :data:`MAX_VERTICAL_CONVERGENCE_DEG`."""
        return abs(self.vertical_convergence_deg) > MAX_VERTICAL_CONVERGENCE_DEG

    def at_column(self, x_px: float, principal_x_px: float) -> MarkerEstimate:
        """This estimate with its roll carried to image column ``x_px`` (:func:`roll_at_column`).

        Unchanged when the marker hangs within :data:`MIN_TRANSFER_BASELINE_PX` of the
        principal point's column or a value is unknown.  The random part of the
        uncertainty grows by the weights the two sides' rolls get (each from two sides,
        not four).
        """
        baseline = self.marker_x_px - principal_x_px
        known = all(math.isfinite(v) for v in (
            self.horizontal_roll_deg, self.vertical_roll_deg, baseline, x_px))
        if not known or abs(baseline) < MIN_TRANSFER_BASELINE_PX:
            return self
        weight = (x_px - principal_x_px) / baseline
        random_sigma = (self.roll_random_sigma_deg * math.sqrt(2.0)
                        * math.hypot(1.0 - weight, weight))
        roll = roll_at_column(self.horizontal_roll_deg, self.vertical_roll_deg,
                              self.marker_x_px, principal_x_px, x_px)
        return replace(
            self, roll_deg=roll, roll_random_sigma_deg=random_sigma,
            roll_uncertainty_deg=_roll_bound_deg(random_sigma),
        )

    def to_calibration(self) -> Calibration:
        return Calibration(
            roll_deg=self.roll_deg,
            roll_source="marker",
            roll_uncertainty_deg=self.roll_uncertainty_deg,
            cm_per_px=self.cm_per_px,
            scale_source="marker" if self.cm_per_px is not None else None,
        )


def _roll_bound_deg(random_sigma_deg: float) -> float:
    """About a 95 % bound (2 sigma) on a marker's roll, degrees: its random 1-sigma part
    and :data:`MARKER_SYSTEMATIC_SIGMA_DEG` in quadrature."""
    return 2.0 * math.hypot(random_sigma_deg, MARKER_SYSTEMATIC_SIGMA_DEG)


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
    spread = _robust_spread(rolls)
    corner_sigma = roll_sigma_deg(float(np.median([o.side_px for o in observations])))
    random_sigma = max(corner_sigma, spread) / math.sqrt(len(observations))
    return MarkerEstimate(
        roll_deg=roll,
        roll_spread_deg=spread,
        cm_per_px=scale,
        cm_per_px_spread=_robust_spread(scales) / scale if scale else None,
        frames_with_marker=len(observations),
        frames_sampled=frames_sampled,
        vertical_convergence_deg=float(
            np.median([o.vertical_convergence_deg for o in observations])
        ),
        roll_uncertainty_deg=_roll_bound_deg(random_sigma),
        horizontal_roll_deg=float(np.median([o.horizontal_roll_deg for o in observations])),
        vertical_roll_deg=float(np.median([o.vertical_roll_deg for o in observations])),
        marker_x_px=float(np.median([o.corners_px[:, 0].mean() for o in observations])),
        roll_random_sigma_deg=random_sigma,
    )


def marker_from_observations(
    seen: Sequence[MarkerObservation | MarkerRejection], *, min_frames: int = MIN_FRAMES
) -> MarkerEstimate | MarkerRejection:
    """Combine per-frame results into an estimate, or the main reason there is none.

    Parameters
    ----------
    seen : sequence of MarkerObservation or MarkerRejection
        One entry per sampled frame (see :func:`inspect_marker`).
    min_frames : int
        Fewest frames with a usable marker (1 for a still image).

    Returns
    -------
    MarkerEstimate or MarkerRejection
        ``"not_found"`` (never detected), ``"too_small"`` or ``"blurred"`` (detected, never
        usable),
        ``"too_few_frames"`` or ``"inconsistent"`` (rolls spread beyond
        :data:`MAX_ROLL_SPREAD_DEG`).

    Raises
    ------
    CalibrationError
        The marker is taped sideways or upside down (see :func:`combine_observations`).
    """
    observations = [o for o in seen if isinstance(o, MarkerObservation)]
    rejections = [o for o in seen if isinstance(o, MarkerRejection)]
    too_small = [o for o in rejections if o.reason == "too_small"]
    if not observations:
        # The most telling reason: seen but too small, seen but blurred, or never seen.
        for reason in ("too_small", "blurred"):
            of_reason = [o for o in rejections if o.reason == reason]
            if of_reason:
                return of_reason[0]
        return MarkerRejection.of("not_found")
    estimate = combine_observations(observations, len(seen), min_frames=min_frames)
    if estimate is None:
        detail = f"{len(observations)} of {len(seen)}"
        if too_small:
            detail += f"; too small in {len(too_small)}"
        return MarkerRejection.of("too_few_frames", detail)
    if estimate.roll_spread_deg > MAX_ROLL_SPREAD_DEG:
        return MarkerRejection.of("inconsistent", f"spread {estimate.roll_spread_deg:.1f} deg")
    return estimate


def marker_frame_results(
    path: str | os.PathLike[str],
    *,
    sample_fps: float = 2.0,
    max_frames: int = 60,
    profile: CameraProfile | None = None,
) -> Iterator[tuple[NDArray[np.uint8], MarkerObservation | MarkerRejection]]:
    """Sample a video (or read one still image) and inspect the marker in each frame.

    Yields
    ------
    (grey frame, MarkerObservation or MarkerRejection)
        Grey frames are upright (:func:`rom.video.iter_frames`).
    """
    from rom.calibrate.sources import iter_gray_frames

    lens: tuple[NDArray[np.float64], NDArray[np.float64]] | tuple[None, None] = (None, None)
    ever_found = False
    frames = iter_gray_frames([path], video_fps=sample_fps, max_video_frames=max_frames)
    for taken, (_, gray) in enumerate(frames):
        if profile is not None and taken == 0:
            fitted = profile.for_image_size(int(gray.shape[1]), int(gray.shape[0]))
            lens = (fitted.camera_matrix, fitted.dist_coeffs)
        # The upscaled search costs ~4x a plain one: once the first frames show no marker at
        # all, the rest of a clip without one is searched at its own size only.
        upscales = DETECTION_UPSCALES if ever_found or taken < UPSCALED_SEARCH_FRAMES else (1,)
        result = inspect_marker(gray, *lens, upscales=upscales)
        ever_found = ever_found or not (
            isinstance(result, MarkerRejection) and result.reason == "not_found"
        )
        yield gray, result


def is_still_image(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is read as one still image rather than a video (by suffix)."""
    from rom.calibrate.sources import IMAGE_SUFFIXES

    return os.fspath(path).lower().endswith(tuple(IMAGE_SUFFIXES))


def find_marker_in_video(
    path: str | os.PathLike[str],
    *,
    sample_fps: float = 2.0,
    max_frames: int = 60,
    profile: CameraProfile | None = None,
) -> MarkerEstimate | MarkerRejection:
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
    MarkerEstimate or MarkerRejection
        The estimate needs the marker in :data:`MIN_FRAMES` sampled frames (one, for a
        still image); otherwise the reason (see :func:`marker_from_observations`).

    Raises
    ------
    rom.errors.VideoError, CalibrationError
        Unreadable input, a profile for another image shape, or a marker that is not
        upright.
    """
    seen = [
        result for _, result in marker_frame_results(
            path, sample_fps=sample_fps, max_frames=max_frames, profile=profile
        )
    ]
    return marker_from_observations(seen, min_frames=1 if is_still_image(path) else MIN_FRAMES)


def marker_estimate_from_video(
    path: str | os.PathLike[str],
    *,
    sample_fps: float = 2.0,
    max_frames: int = 60,
    profile: CameraProfile | None = None,
) -> MarkerEstimate | None:
    """:func:`find_marker_in_video`, with ``None`` instead of the rejection."""
    found = find_marker_in_video(
        path, sample_fps=sample_fps, max_frames=max_frames, profile=profile
    )
    return found if isinstance(found, MarkerEstimate) else None


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
        ``roll_source="marker"``; ``None`` when the marker is not usable.  Use
        :func:`find_marker_in_video` for the reason, the spread across frames and the
        camera-pitch check.
    """
    estimate = marker_estimate_from_video(path, profile=profile)
    if estimate is None:
        return None
    calibration = estimate.to_calibration()
    return profile.apply_to(calibration) if profile is not None else calibration
