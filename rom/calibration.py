"""What rom knows about the camera and the scene: true vertical, scale and lens.

This module holds the :class:`Calibration` value that measurements consume and the pure
functions that apply it to landmarks.  Estimating a calibration from images (markers,
checkerboards, the floor line, the person's height) lives in :mod:`rom.calibrate`.

Angle convention for camera roll
--------------------------------
Image coordinates have ``x`` to the right and ``y`` downwards.  ``roll_deg`` is the angle
from the image's up direction (``-y``) to the *true* up direction (against gravity),
measured **clockwise as seen on screen**.  A phone tilted so that a plumb line appears
leaning to the right (its top end right of its bottom end) has a positive roll.
:func:`level_points` rotates points by ``-roll_deg`` so that true vertical becomes the
image's vertical; angles measured against vertical are then true-vertical angles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Accuracy (about 95 %) of a camera roll the user typed in without saying how good it
#: is, degrees: phone level apps read to about 0.1 deg, but a phone is rarely held
#: exactly as it was when measured, so 1 deg.
USER_ROLL_UNCERTAINTY_DEG = 1.0


@dataclass(frozen=True, eq=False)
class Calibration:
    """Camera roll, image scale and (optionally) lens intrinsics for one video.

    Attributes
    ----------
    roll_deg : float
        Camera roll in degrees (see module docstring); 0 means the camera is level.
    roll_source : str
        Where the roll came from: ``"none"`` (assumed level), ``"user"`` (typed, e.g. from a
        level app), ``"marker"``, ``"floor"`` (a level line the user picked) or ``"scene"``
        (vertical edges of the room, :mod:`rom.calibrate.vertical`).
    roll_uncertainty_deg : float or None
        About a 95 % bound on ``roll_deg`` in degrees; ``None`` when not known (the roll
        is assumed level, or was given without a stated accuracy).
    cm_per_px : float or None
        Scale at the subject's plane in centimetres per pixel; ``None`` when unknown.
    scale_source : str or None
        ``"marker"`` or ``"height"`` (the person's stated height), or ``None``.
    camera_matrix : ndarray, shape (3, 3), or None
        Pinhole intrinsics in pixels of the upright frame.
    dist_coeffs : ndarray, shape (N,), or None
        OpenCV distortion coefficients ``(k1, k2, p1, p2[, k3, ...])``.
    marker_rejection : str or None
        Why rom's marker, seen in the video, was not used: a
        :class:`rom.calibrate.marker.MarkerRejection` reason (``"too_small"``,
        ``"blurred"``, ``"too_few_frames"``, ``"inconsistent"``); None when it was used,
        not looked for, or simply not in view.
    """

    roll_deg: float = 0.0
    roll_source: str = "none"
    roll_uncertainty_deg: float | None = None
    cm_per_px: float | None = None
    scale_source: str | None = None
    camera_matrix: NDArray[np.float64] | None = None
    dist_coeffs: NDArray[np.float64] | None = None
    marker_rejection: str | None = None

    def roll_bound_deg(self) -> float | None:
        """How far the roll may be off (about 95 %), degrees; None when it is not known.

        ``roll_uncertainty_deg`` when given; a roll the user typed without an accuracy
        counts as :data:`USER_ROLL_UNCERTAINTY_DEG`; a roll only assumed level, or from
        a measurement that did not say how good it is, has no bound.
        """
        if self.roll_source == "none":
            return None
        if self.roll_uncertainty_deg is not None:
            return self.roll_uncertainty_deg
        return USER_ROLL_UNCERTAINTY_DEG if self.roll_source == "user" else None

    @property
    def has_scale(self) -> bool:
        return self.cm_per_px is not None


def rotate_points(
    points: ArrayLike, angle_deg: float, centre: ArrayLike = (0.0, 0.0)
) -> NDArray[np.float64]:
    """Rotate image points clockwise on screen by ``angle_deg`` about ``centre``.

    Parameters
    ----------
    points : array_like, shape (..., 2)
        Pixel coordinates (x right, y down).
    angle_deg : float
        Clockwise-on-screen rotation in degrees (negative turns counter-clockwise).
    centre : array_like, shape (2,)

    Returns
    -------
    ndarray, shape (..., 2)
    """
    p = np.asarray(points, dtype=np.float64)
    c = np.asarray(centre, dtype=np.float64)
    a = np.deg2rad(angle_deg)
    # In y-down coordinates the ordinary rotation matrix turns clockwise on screen.
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return np.asarray((p - c) @ rot.T + c)


def level_points(
    points: ArrayLike, calibration: Calibration, centre: ArrayLike = (0.0, 0.0)
) -> NDArray[np.float64]:
    """Undo the camera roll so that true vertical is the image's ``y`` axis.

    Parameters
    ----------
    points : array_like, shape (..., 2)
        Pixel coordinates (x right, y down).
    calibration : Calibration
    centre : array_like, shape (2,)
        Pivot of the rotation (irrelevant to angles; the frame centre keeps points on screen).
    """
    return rotate_points(points, -calibration.roll_deg, centre)
