"""Lens intrinsics from photographs (or a video) of a printed checkerboard.

The board is described by its count of *inner* corners ``(cols, rows)`` (where four
squares meet) and its square size in millimetres.  Corner finding and the calibration
itself are OpenCV's (``findChessboardCornersSB``, ``calibrateCamera``); this module adds
the checks that make the result trustworthy on real photographs:

* every detected grid is checked against a plane-to-image homography, because
  OpenCV 5.1's ``findChessboardCornersSB`` occasionally returns a corner set that is not
  a grid at all (seen on real photographs, not reproducible from run to run);
* corner order is made consistently right-handed, because a detector may enumerate the
  same board mirrored, which no camera pose can explain;
* views that the fitted camera does not reproject well are dropped and the calibration
  is redone, and too few usable views is refused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import ArrayLike, NDArray

from rom.errors import CalibrationError

#: Fewest board views accepted for a calibration (OpenCV's guidance is 10 or more).
MIN_VIEWS = 5
#: A view whose reprojection RMS exceeds this many pixels *and* 3x the median is dropped.
OUTLIER_VIEW_RMS_PX = 1.0
#: A detected grid must fit a homography this well, as a fraction of the square's size.
GRID_FIT_TOLERANCE = 0.15


def parse_board_size(text: str) -> tuple[int, int]:
    """Parse ``"COLSxROWS"`` (inner corners, e.g. ``"4x7"``) into ``(cols, rows)``.

    Raises
    ------
    CalibrationError
        The text is not two integers of at least 2 joined by ``x``.
    """
    parts = text.lower().replace("×", "x").split("x")
    try:
        cols, rows = (int(p) for p in parts)
    except ValueError:
        raise CalibrationError(
            f"checkerboard size must look like COLSxROWS (inner corners, e.g. 9x6), not {text!r}"
        ) from None
    if cols < 2 or rows < 2:
        raise CalibrationError(f"a checkerboard needs at least 2x2 inner corners, not {text!r}")
    return cols, rows


def board_object_points(cols: int, rows: int, square_mm: float) -> NDArray[np.float32]:
    """Corner positions on the flat board in millimetres, row by row.

    Returns
    -------
    ndarray, shape (cols * rows, 3), float32
        ``(x, y, 0)`` with ``x`` along a row (``cols`` corners) and ``y`` across rows.
    """
    grid = np.mgrid[0:cols, 0:rows].T.reshape(-1, 2).astype(np.float32)
    points = np.zeros((cols * rows, 3), dtype=np.float32)
    points[:, :2] = grid * np.float32(square_mm)
    return points


def _right_handed(corners: NDArray[np.float32], cols: int, rows: int) -> NDArray[np.float32]:
    """Reverse each row when the grid is enumerated mirrored (left-handed on screen).

    The object grid runs ``+x`` along a row and ``+y`` across rows, a right-handed pair in
    y-down image coordinates; a board seen from its printed side keeps that handedness.
    """
    grid = corners.reshape(rows, cols, 2)
    along_row = grid[0, -1] - grid[0, 0]
    across_rows = grid[-1, 0] - grid[0, 0]
    if along_row[0] * across_rows[1] - along_row[1] * across_rows[0] < 0:
        grid = grid[:, ::-1]
    return np.ascontiguousarray(grid.reshape(-1, 2), dtype=np.float32)


def grid_fit_error(corners: ArrayLike, cols: int, rows: int) -> float:
    """Worst distance of a corner from a homography fitted to the whole grid.

    Parameters
    ----------
    corners : array_like, shape (cols * rows, 2)
        Detected corners in pixels, row by row.

    Returns
    -------
    float
        Largest residual as a fraction of the median spacing between neighbouring corners
        (0 for a perfect projective grid; lens distortion adds a few hundredths).
    """
    image_xy = np.asarray(corners, dtype=np.float64).reshape(-1, 2)
    board_xy = board_object_points(cols, rows, 1.0)[:, :2].astype(np.float64)
    homography, _ = cv2.findHomography(board_xy, image_xy, 0)
    if homography is None:
        return float("inf")
    projected = cv2.perspectiveTransform(board_xy.reshape(-1, 1, 2), homography).reshape(-1, 2)
    residual = np.linalg.norm(projected - image_xy, axis=1)
    grid = image_xy.reshape(rows, cols, 2)
    spacing = np.concatenate(
        [
            np.linalg.norm(np.diff(grid, axis=1), axis=2).ravel(),
            np.linalg.norm(np.diff(grid, axis=0), axis=2).ravel(),
        ]
    )
    median_spacing = float(np.median(spacing))
    if median_spacing <= 0:
        return float("inf")
    return float(residual.max() / median_spacing)


def find_board_corners(gray: NDArray[np.uint8], cols: int, rows: int) -> NDArray[np.float32] | None:
    """Find the inner corners of a ``cols`` x ``rows`` checkerboard in a grey image.

    Parameters
    ----------
    gray : ndarray, shape (H, W), uint8
    cols, rows : int
        Inner corners along a row and across rows.

    Returns
    -------
    ndarray, shape (cols * rows, 2), float32, or None
        Sub-pixel corner positions in pixels, row by row, right-handed (see
        :func:`_right_handed`); ``None`` when no board passes the grid check.
    """
    pattern = (cols, rows)
    candidates: list[NDArray[np.float32]] = []
    sb_flags = cv2.CALIB_CB_NORMALIZE_IMAGE | cv2.CALIB_CB_EXHAUSTIVE
    # The sector-based detector is the more accurate; its rare non-grid results are caught
    # by the grid check, and a second try usually succeeds because the failure is sporadic.
    for _ in range(2):
        found, corners = cv2.findChessboardCornersSB(gray, pattern, flags=sb_flags)
        if found:
            candidates.append(np.asarray(corners, dtype=np.float32).reshape(-1, 2))
            if grid_fit_error(candidates[-1], cols, rows) <= GRID_FIT_TOLERANCE:
                return _right_handed(candidates[-1], cols, rows)
    classic_flags = cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE
    found, corners = cv2.findChessboardCorners(gray, pattern, flags=classic_flags)
    if found:
        corners = np.asarray(corners, dtype=np.float32).reshape(-1, 1, 2)
        spacing = np.median(np.linalg.norm(np.diff(corners.reshape(rows, cols, 2), axis=1), axis=2))
        half_window = int(np.clip(spacing / 4, 2, 11))
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 50, 0.01)
        corners = cv2.cornerSubPix(gray, corners, (half_window, half_window), (-1, -1), criteria)
        flat = np.asarray(corners, dtype=np.float32).reshape(-1, 2)
        if grid_fit_error(flat, cols, rows) <= GRID_FIT_TOLERANCE:
            return _right_handed(flat, cols, rows)
    return None


@dataclass(frozen=True)
class BoardView:
    """One image in which the board was found.

    Attributes
    ----------
    source : str
        Where the image came from, e.g. ``"img03.jpg"`` or ``"clip.mp4#frame=120"``.
    corners_px : ndarray, shape (N, 2), float32
        Inner corners in pixels, row by row.
    """

    source: str
    corners_px: NDArray[np.float32]


@dataclass(frozen=True, eq=False)
class IntrinsicsResult:
    """A lens calibration and how well it fits.

    Attributes
    ----------
    camera_matrix : ndarray, shape (3, 3)
        ``[[fx, 0, cx], [0, fy, cy], [0, 0, 1]]`` in pixels.
    dist_coeffs : ndarray, shape (5,)
        OpenCV ``(k1, k2, p1, p2, k3)``.
    image_size : tuple of int
        ``(width, height)`` of the calibrated images in pixels.
    rms_px : float
        Root-mean-square reprojection error over all used corners, in pixels.
    views_used : tuple of str
        Sources of the views in the final fit.
    per_view_rms_px : tuple of float
        Reprojection RMS of each used view, in pixels.
    views_rejected : dict of str to str
        Sources dropped as outliers, with the reason.
    intrinsics_std : ndarray, shape (4,)
        Standard deviations of ``(fx, fy, cx, cy)`` estimated by OpenCV, in pixels.
    """

    camera_matrix: NDArray[np.float64]
    dist_coeffs: NDArray[np.float64]
    image_size: tuple[int, int]
    rms_px: float
    views_used: tuple[str, ...]
    per_view_rms_px: tuple[float, ...]
    views_rejected: dict[str, str] = field(default_factory=dict)
    intrinsics_std: NDArray[np.float64] = field(default_factory=lambda: np.full(4, np.nan))

    @property
    def n_views(self) -> int:
        return len(self.views_used)


def calibrate_intrinsics(
    views: list[BoardView],
    image_size: tuple[int, int],
    cols: int,
    rows: int,
    square_mm: float,
    *,
    min_views: int = MIN_VIEWS,
) -> IntrinsicsResult:
    """Fit a pinhole camera with radial/tangential distortion to board views.

    Views that reproject worse than :data:`OUTLIER_VIEW_RMS_PX` and three times the
    median view are dropped one at a time (worst first) and the fit is redone.

    Parameters
    ----------
    views : list of BoardView
    image_size : (width, height)
    cols, rows : int
        Inner corners along a row and across rows.
    square_mm : float
        Printed square side in millimetres (only sets the units of the board poses; the
        intrinsics do not depend on it).

    Raises
    ------
    CalibrationError
        Fewer than ``min_views`` usable views.
    """
    if not (np.isfinite(square_mm) and square_mm > 0):
        raise CalibrationError(f"square size must be a positive number of mm, not {square_mm}")
    object_points = board_object_points(cols, rows, square_mm)
    active = list(views)
    rejected: dict[str, str] = {}
    while True:
        if len(active) < min_views:
            raise CalibrationError(
                f"only {len(active)} usable view(s) of the {cols}x{rows} board; at least "
                f"{min_views} are needed (photograph the whole board from varied angles)"
            )
        rms, camera_matrix, dist_coeffs, _, _, std_intrinsics, _, per_view = (
            cv2.calibrateCameraExtended(
                [object_points] * len(active),
                [v.corners_px.reshape(-1, 1, 2) for v in active],
                image_size,
                np.eye(3),  # output only: no CALIB_USE_INTRINSIC_GUESS
                np.zeros(5),
            )
        )
        per_view = np.asarray(per_view, dtype=np.float64).ravel()
        worst = int(np.argmax(per_view))
        threshold = max(OUTLIER_VIEW_RMS_PX, 3.0 * float(np.median(per_view)))
        if per_view[worst] <= threshold or len(active) <= min_views:
            if per_view[worst] > threshold:
                raise CalibrationError(
                    f"the board views disagree (view {active[worst].source} reprojects with "
                    f"{per_view[worst]:.1f} px error) and too few remain without it"
                )
            break
        rejected[active[worst].source] = f"reprojection error {per_view[worst]:.2f} px"
        del active[worst]
    return IntrinsicsResult(
        camera_matrix=np.asarray(camera_matrix, dtype=np.float64),
        dist_coeffs=np.asarray(dist_coeffs, dtype=np.float64).ravel(),
        image_size=(int(image_size[0]), int(image_size[1])),
        rms_px=float(rms),
        views_used=tuple(v.source for v in active),
        per_view_rms_px=tuple(float(e) for e in per_view),
        views_rejected=rejected,
        intrinsics_std=np.asarray(std_intrinsics, dtype=np.float64).ravel()[:4],
    )


def undistort_points(
    xy: ArrayLike, camera_matrix: ArrayLike, dist_coeffs: ArrayLike
) -> NDArray[np.float64]:
    """Remove lens distortion from pixel positions, staying in pixels.

    Parameters
    ----------
    xy : array_like, shape (..., 2)
        Distorted pixel coordinates (x right, y down). NaN rows stay NaN.
    camera_matrix : array_like, shape (3, 3)
    dist_coeffs : array_like, shape (N,)

    Returns
    -------
    ndarray, shape (..., 2)
        Where an ideal pinhole camera with the same ``camera_matrix`` would have imaged
        each point.
    """
    points = np.asarray(xy, dtype=np.float64)
    if points.shape[-1] != 2:
        raise ValueError(f"points must have shape (..., 2), not {points.shape}")
    flat = points.reshape(-1, 2)
    out = np.full_like(flat, np.nan)
    finite = np.all(np.isfinite(flat), axis=1)
    if finite.any():
        k = np.asarray(camera_matrix, dtype=np.float64)
        d = np.asarray(dist_coeffs, dtype=np.float64).ravel()
        # P=K maps the normalised undistorted rays back into this camera's pixels; OpenCV's
        # default of 5 iterations leaves pixels of error on strongly distorted edges.
        criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-9)
        undistorted = cv2.undistortPoints(
            flat[finite].reshape(-1, 1, 2), k, d, R=None, P=k, criteria=criteria
        )
        out[finite] = undistorted.reshape(-1, 2)
    return out.reshape(points.shape)


def calibrate_from_files(
    paths: list[str | os.PathLike[str]],
    cols: int,
    rows: int,
    square_mm: float,
    *,
    min_views: int = MIN_VIEWS,
    video_fps: float = 2.0,
) -> tuple[IntrinsicsResult, tuple[str, ...]]:
    """Find the board in images and/or videos and calibrate.

    Parameters
    ----------
    paths : list of path-like
        Still images and videos of the board (see :mod:`rom.calibrate.sources`).
    cols, rows : int
        Inner corners along a row and across rows.
    square_mm : float
    video_fps : float
        Frames per second sampled from videos.

    Returns
    -------
    result : IntrinsicsResult
    without_board : tuple of str
        Sources in which no board was found.

    Raises
    ------
    CalibrationError
        An unreadable image, images of different sizes, or too few views with the board.
    rom.errors.VideoError
        An unreadable video.
    """
    from rom.calibrate.sources import iter_gray_frames

    views: list[BoardView] = []
    without_board: list[str] = []
    image_size: tuple[int, int] | None = None
    for source, gray in iter_gray_frames(list(paths), video_fps=video_fps):
        size = (int(gray.shape[1]), int(gray.shape[0]))
        if image_size is None:
            image_size = size
        elif size != image_size:
            raise CalibrationError(
                f"{source} is {size[0]}x{size[1]} but earlier images are "
                f"{image_size[0]}x{image_size[1]}: calibrate one camera setting at a time"
            )
        corners = find_board_corners(gray, cols, rows)
        if corners is None:
            without_board.append(source)
        else:
            views.append(BoardView(source, corners))
    if image_size is None:
        raise CalibrationError("no images or video frames to calibrate from")
    if len(views) < min_views:
        raise CalibrationError(
            f"the {cols}x{rows} board (inner corners) was found in {len(views)} of "
            f"{len(views) + len(without_board)} images; at least {min_views} are needed "
            "(check the corner count: squares minus one in each direction)"
        )
    return calibrate_intrinsics(
        views, image_size, cols, rows, square_mm, min_views=min_views
    ), tuple(without_board)
