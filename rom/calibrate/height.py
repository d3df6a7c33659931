"""Image scale from the person's stated height and a standing frame's landmarks.

MediaPipe has no landmark on the top of the head or on the sole, so the stature cannot
be measured end to end.  Instead the vertical distance from eye level to ankle level is
measured and divided by the fraction of stature it spans in standard anthropometry:
Drillis & Contini (1966) segment proportions as tabulated by Winter, *Biomechanics and
Motor Control of Human Movement* (4th ed., 2009, Fig. 4.1) put eye level at
:data:`EYE_LEVEL_FRACTION` and the ankle (malleolus) at :data:`ANKLE_LEVEL_FRACTION` of
standing height.  Individual proportions vary by a few percent, and MediaPipe's eye and
ankle points sit near, not exactly on, those anatomical levels, so expect the scale to be
good to roughly ±3 %.  The person must stand upright with straight knees and the head
level, side-on or facing the camera.

Because the person is measured in their own plane, this scale (unlike a wall marker's)
needs no assumption about where they stand.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rom.calibration import Calibration, level_points
from rom.errors import CalibrationError
from rom.landmarks import Landmark

#: Eye level as a fraction of standing height (Drillis & Contini via Winter 2009, Fig. 4.1).
EYE_LEVEL_FRACTION = 0.936
#: Ankle (lateral malleolus) level as a fraction of standing height (same source).
ANKLE_LEVEL_FRACTION = 0.039
#: Statures outside this range (cm) are typing mistakes, not people.
HEIGHT_RANGE_CM = (50.0, 250.0)
#: An eye-to-ankle span below this (px) is too small to give a usable scale.
MIN_SPAN_PX = 80.0

_EYES = (Landmark.LEFT_EYE, Landmark.RIGHT_EYE)
_ANKLES = (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE)


def eye_to_ankle_span_px(image_xy: ArrayLike, roll_deg: float = 0.0) -> NDArray[np.float64]:
    """Vertical eye-to-ankle distance of each frame, along true vertical.

    Parameters
    ----------
    image_xy : array_like, shape (33, 2) or (T, 33, 2)
        MediaPipe image landmarks in pixels (x right, y down); NaN where missing.
    roll_deg : float
        Camera roll (see :mod:`rom.calibration`); the points are levelled first.

    Returns
    -------
    ndarray, shape (T,)
        Ankle level minus eye level in pixels (positive for an upright person), each
        level the mean of the left and right points that are present; NaN if a level
        has no point.
    """
    points = np.asarray(image_xy, dtype=np.float64)
    if points.ndim == 2:
        points = points[np.newaxis]
    if points.ndim != 3 or points.shape[1:] != (33, 2):
        raise ValueError(f"landmarks must have shape (33, 2) or (T, 33, 2), not {points.shape}")
    levelled = level_points(points, Calibration(roll_deg=roll_deg))
    with warnings.catch_warnings():
        # An all-NaN level warns 'Mean of empty slice'; NaN is the intended answer there.
        warnings.simplefilter("ignore", category=RuntimeWarning)
        eye_y = np.nanmean(levelled[:, list(_EYES), 1], axis=1)
        ankle_y = np.nanmean(levelled[:, list(_ANKLES), 1], axis=1)
    return np.asarray(ankle_y - eye_y)


def cm_per_px_from_height(image_xy: ArrayLike, height_cm: float, roll_deg: float = 0.0) -> float:
    """Centimetres per pixel at the person's plane from their stated height.

    Parameters
    ----------
    image_xy : array_like, shape (33, 2) or (T, 33, 2)
        Landmarks of one or more frames where the person stands upright; the median
        span over frames is used.
    height_cm : float
        Standing height (stature) in centimetres.
    roll_deg : float
        Camera roll in degrees (see :mod:`rom.calibration`).

    Returns
    -------
    float
        ``height_cm * (EYE_LEVEL_FRACTION - ANKLE_LEVEL_FRACTION) / span_px``.

    Raises
    ------
    CalibrationError
        Implausible height, no frame with eyes and ankles, or a span too small or
        negative (the person is not standing upright in view).
    """
    low, high = HEIGHT_RANGE_CM
    if not (np.isfinite(height_cm) and low <= height_cm <= high):
        raise CalibrationError(
            f"height must be between {low:.0f} and {high:.0f} cm, not {height_cm}"
        )
    spans = eye_to_ankle_span_px(image_xy, roll_deg)
    spans = spans[np.isfinite(spans)]
    if spans.size == 0:
        raise CalibrationError("no standing frame shows both the eyes and the ankles")
    span_px = float(np.median(spans))
    if span_px < MIN_SPAN_PX:
        raise CalibrationError(
            f"eyes to ankles span only {span_px:.0f} px: the person must stand upright and "
            "fill more of the picture for a height-based scale"
        )
    return height_cm * (EYE_LEVEL_FRACTION - ANKLE_LEVEL_FRACTION) / span_px


def with_height_scale(
    calibration: Calibration, image_xy: ArrayLike, height_cm: float
) -> Calibration:
    """``calibration`` with its scale taken from the person's height (``scale_source="height"``).

    The calibration's roll levels the landmarks first; see :func:`cm_per_px_from_height`.
    """
    cm_per_px = cm_per_px_from_height(image_xy, height_cm, calibration.roll_deg)
    return dataclasses.replace(calibration, cm_per_px=cm_per_px, scale_source="height")
