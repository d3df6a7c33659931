"""Image scale from the person's stated height and a standing frame's landmarks.

MediaPipe has no landmark on the top of the head, so the stature cannot be measured end
to end.  Instead the vertical distance from eye level to the floor (the lowest heel or toe
landmark) is measured and divided by the fraction of stature eye level sits at
(Drillis & Contini 1966, via Winter 2009, Fig. 4.1: 0.936).  The computation itself is
:func:`rom.geometry.standing_stature_px`, the one implementation shared with the
protocols' ``height_cm`` scale, so both give the same number for the same frame.
Individual proportions vary by a few percent, and MediaPipe's eye and foot points sit near,
not exactly on, those anatomical levels (the foot landmarks a little above the sole), so
expect the scale to be good to roughly +-3 %.  The person must stand upright with straight
knees and the head level, side-on or facing the camera.

Because the person is measured in their own plane, this scale (unlike a wall marker's)
needs no assumption about where they stand.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rom import geometry
from rom.calibration import Calibration, level_points
from rom.errors import CalibrationError
from rom.vocabulary import HEIGHT_RANGE_CM

#: Eye level as a fraction of standing height (the same constant as the protocols use).
EYE_LEVEL_FRACTION = geometry.EYE_HEIGHT_FRACTION_OF_STATURE
#: A stature below this (px) is too small to give a usable scale.
MIN_SPAN_PX = 80.0


def stature_px_per_frame(image_xy: ArrayLike, roll_deg: float = 0.0) -> NDArray[np.float64]:
    """Standing height in pixels of each frame, along true vertical.

    Parameters
    ----------
    image_xy : array_like, shape (33, 2) or (T, 33, 2)
        MediaPipe image landmarks in pixels (x right, y down); NaN where missing.
    roll_deg : float
        Camera roll (see :mod:`rom.calibration`); the points are levelled first.

    Returns
    -------
    ndarray, shape (T,)
        :func:`rom.geometry.standing_stature_px` of each frame (positive for an upright
        person); NaN where the eyes or the feet are missing.
    """
    points = np.asarray(image_xy, dtype=np.float64)
    if points.ndim == 2:
        points = points[np.newaxis]
    if points.ndim != 3 or points.shape[1:] != (33, 2):
        raise ValueError(f"landmarks must have shape (33, 2) or (T, 33, 2), not {points.shape}")
    levelled = level_points(points, Calibration(roll_deg=roll_deg))
    return np.asarray(geometry.standing_stature_px(levelled))


def cm_per_px_from_height(image_xy: ArrayLike, height_cm: float, roll_deg: float = 0.0) -> float:
    """Centimetres per pixel at the person's plane from their stated height.

    Parameters
    ----------
    image_xy : array_like, shape (33, 2) or (T, 33, 2)
        Landmarks of one or more frames where the person stands upright; the median
        stature over frames is used.
    height_cm : float
        Standing height (stature) in centimetres.
    roll_deg : float
        Camera roll in degrees (see :mod:`rom.calibration`).

    Returns
    -------
    float
        ``height_cm / stature_px`` (:func:`rom.geometry.cm_per_px_from_stature`).

    Raises
    ------
    CalibrationError
        Implausible height, no frame with eyes and feet, or a stature too small or
        negative (the person is not standing upright in view).
    """
    low, high = HEIGHT_RANGE_CM
    if not (np.isfinite(height_cm) and low <= height_cm <= high):
        raise CalibrationError(
            f"height must be between {low:.0f} and {high:.0f} cm, not {height_cm}"
        )
    statures = stature_px_per_frame(image_xy, roll_deg)
    statures = statures[np.isfinite(statures)]
    if statures.size == 0:
        raise CalibrationError("no standing frame shows both the eyes and the feet")
    stature = float(np.median(statures))
    if stature < MIN_SPAN_PX:
        raise CalibrationError(
            f"the person spans only {stature:.0f} px from head to floor: they must stand "
            "upright and fill more of the picture for a height-based scale"
        )
    return geometry.cm_per_px_from_stature(height_cm, stature)


def with_height_scale(
    calibration: Calibration, image_xy: ArrayLike, height_cm: float
) -> Calibration:
    """``calibration`` with its scale taken from the person's height (``scale_source="height"``).

    The calibration's roll levels the landmarks first; see :func:`cm_per_px_from_height`.
    """
    cm_per_px = cm_per_px_from_height(image_xy, height_cm, calibration.roll_deg)
    return dataclasses.replace(calibration, cm_per_px=cm_per_px, scale_source="height")
