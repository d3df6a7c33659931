"""Camera roll from a horizontal line (the floor line) or from an angle the user enters.

A floor-wall junction, a skirting board or a step edge is horizontal in the world.  It
shows the camera roll only when it runs *across* the picture at the subject's distance
(on the wall the camera faces): a floor edge receding away from the camera is tilted by
perspective, not by roll.  The two points are therefore picked by the user; no automatic
line finder is offered, because telling a receding edge from a level one cannot be done
reliably from one image.

Angles follow :mod:`rom.calibration`: clockwise on screen from image up to true up.  A
level line that appears to fall to the right (right end lower on screen) means a positive
roll, the same camera tilt that makes a plumb line lean right.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from rom.calibration import Calibration
from rom.errors import CalibrationError

#: A "horizontal" line steeper than this is not the floor line (or the phone is sideways).
MAX_FLOOR_ROLL_DEG = 30.0
#: Two points closer than this (px) give an angle dominated by clicking error.
MIN_POINT_DISTANCE_PX = 50.0


def roll_from_horizontal_line(point_a: ArrayLike, point_b: ArrayLike) -> float:
    """Roll implied by two image points on a line that is level in the world.

    Parameters
    ----------
    point_a, point_b : array_like, shape (2,)
        Pixel coordinates (x right, y down), in either order.

    Returns
    -------
    float
        Roll in degrees, clockwise on screen (see module docstring).

    Raises
    ------
    CalibrationError
        Points too close together, not finite, or a line steeper than
        :data:`MAX_FLOOR_ROLL_DEG`.
    """
    a = np.asarray(point_a, dtype=np.float64).reshape(2)
    b = np.asarray(point_b, dtype=np.float64).reshape(2)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise CalibrationError("floor line points must be finite pixel coordinates")
    direction = b - a
    if float(np.hypot(*direction)) < MIN_POINT_DISTANCE_PX:
        raise CalibrationError(
            f"the two floor line points must be at least {MIN_POINT_DISTANCE_PX:.0f} px apart"
        )
    if direction[0] < 0:
        direction = -direction  # left-to-right, so the angle is the line's slope
    # Image right turned clockwise on screen by a is (cos a, sin a) in y-down coordinates.
    roll = math.degrees(math.atan2(direction[1], direction[0]))
    if abs(roll) > MAX_FLOOR_ROLL_DEG:
        raise CalibrationError(
            f"the floor line is {roll:.0f}° off horizontal; pick two points on a level edge "
            "that runs across the picture"
        )
    return roll


def calibration_from_floor_line(point_a: ArrayLike, point_b: ArrayLike) -> Calibration:
    """A :class:`Calibration` with the roll of a level line (``roll_source="floor"``)."""
    return Calibration(roll_deg=roll_from_horizontal_line(point_a, point_b), roll_source="floor")


def calibration_from_user_angle(roll_deg: float) -> Calibration:
    """A :class:`Calibration` with a roll the user measured (e.g. with a level app).

    Parameters
    ----------
    roll_deg : float
        Clockwise-on-screen roll in degrees (see :mod:`rom.calibration`).

    Raises
    ------
    CalibrationError
        Not a finite angle within ±:data:`MAX_FLOOR_ROLL_DEG`.
    """
    if not math.isfinite(roll_deg) or abs(roll_deg) > MAX_FLOOR_ROLL_DEG:
        raise CalibrationError(
            f"camera roll must be between -{MAX_FLOOR_ROLL_DEG:.0f}° and "
            f"{MAX_FLOOR_ROLL_DEG:.0f}°, not {roll_deg}"
        )
    return Calibration(roll_deg=float(roll_deg), roll_source="user")
