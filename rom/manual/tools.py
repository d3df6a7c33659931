"""The manual goniometer and ruler: angles and distances from points clicked on an image.

Pure functions on pixel coordinates, no I/O.  Coordinates are image pixels with ``x`` to
the right and ``y`` downwards (as everywhere in rom).  The camera's roll follows
:mod:`rom.calibration`: positive when the image of a true-vertical line leans right at its
top; every "vertical" and "up" here is *true* vertical/up, found by undoing that roll with
:func:`rom.calibration.level_points`.

Conventions
    * :func:`three_point_angle_deg`: the included angle at the marked vertex, ``[0, 180]``
      deg; 180 = the three points in a straight line.
    * :func:`joint_deviation_deg`: how far the distal segment is bent away from the line of
      the proximal segment, deg in ``(-180, 180]``; 0 = in line (a neutral joint),
      positive = the distal end bent **upwards** (towards true up, on the levelled image),
      e.g. big-toe extension on a side view of a foot standing on the floor.
    * :func:`line_from_vertical_deg`: a line's angle to true vertical, deg in ``(-90, 90]``;
      0 = vertical, positive = its upper end to the right of its lower end, 90 = horizontal.
    * :func:`distance_cm`: centimetres through a scale in cm per pixel (from the wall
      marker's calibration or :func:`cm_per_px_from_reference`, a typed reference length).
"""

from __future__ import annotations

import math

import numpy as np

from rom import geometry
from rom.calibration import Calibration, level_points
from rom.errors import MeasurementError

#: One clicked point, image pixels ``(x, y)``, ``x`` right and ``y`` down.
Point = tuple[float, float]


def _check(points: tuple[Point, ...]) -> np.ndarray:
    xy = np.asarray(points, dtype=np.float64)
    if xy.shape != (len(points), 2) or not np.all(np.isfinite(xy)):
        raise MeasurementError("every point needs a finite x and y in pixels")
    return xy


def _check_apart(a: np.ndarray, b: np.ndarray, what: str) -> None:
    if float(geometry.distance(a, b)) == 0.0:
        raise MeasurementError(f"the two points of the {what} are on top of each other")


def three_point_angle_deg(first: Point, vertex: Point, last: Point) -> float:
    """The included angle ``first-vertex-last`` in degrees, ``[0, 180]``.

    Parameters
    ----------
    first, vertex, last : Point
        Image pixels; ``vertex`` is the joint (the goniometer's axis).

    Returns
    -------
    float
        180 when the points are in a straight line, 90 for a right angle.  The same in a
        rolled image: an angle between two lines does not depend on the camera's roll.

    Raises
    ------
    MeasurementError
        A point is not finite or an arm has no length.
    """
    a, v, c = _check((first, vertex, last))
    _check_apart(a, v, "first arm")
    _check_apart(c, v, "second arm")
    return float(geometry.joint_angle_deg(a, v, c))


def joint_deviation_deg(
    proximal: Point,
    vertex: Point,
    distal: Point,
    calibration: Calibration | None = None,
) -> float:
    """Bend of a joint away from straight, signed by true up/down, degrees in ``(-180, 180]``.

    Parameters
    ----------
    proximal : Point
        A point on the proximal segment's shaft (e.g. the first metatarsal).
    vertex : Point
        The joint centre (e.g. the first metatarsophalangeal joint).
    distal : Point
        A point on the distal segment (e.g. the hallux, its tip or the proximal phalanx).
    calibration : Calibration, optional
        Its ``roll_deg`` says where true up is; without it the camera is taken as level.

    Returns
    -------
    float
        0 when the distal segment continues the proximal one in a straight line;
        magnitude ``180 - three_point_angle_deg``; positive when the distal segment points
        above the proximal segment's extended line in true vertical (big-toe extension on
        a side view), negative below it (big-toe flexion).

    Raises
    ------
    MeasurementError
        A point is not finite, an arm has no length, or the proximal segment is vertical
        (then "up" does not say which side is which).
    """
    pts = _check((proximal, vertex, distal))
    roll = calibration if calibration is not None else Calibration()
    p, v, d = level_points(pts, roll)
    _check_apart(p, v, "proximal segment")
    _check_apart(d, v, "distal segment")
    along = v - p
    if abs(along[0]) < 1e-9 * float(np.hypot(*along)):
        raise MeasurementError("the proximal segment is vertical: up and down cannot be told")
    bend = 180.0 - float(geometry.joint_angle_deg(p, v, d))
    # The normal of the proximal segment that points to true up (negative y).
    normal = np.array([-along[1], along[0]])
    if normal[1] > 0:
        normal = -normal
    side = float(np.dot(d - v, normal))
    return bend if side >= 0 else -bend


def line_from_vertical_deg(a: Point, b: Point, calibration: Calibration | None = None) -> float:
    """A line's angle to true vertical, degrees in ``(-90, 90]``.

    Parameters
    ----------
    a, b : Point
        Two points on the line, in either order.
    calibration : Calibration, optional
        Its ``roll_deg`` is undone first; without it the camera is taken as level.

    Returns
    -------
    float
        0 for a truly vertical line; positive when its upper end lies right of its lower
        end on the levelled image; 90 for a horizontal line.

    Raises
    ------
    MeasurementError
        A point is not finite or the two points coincide.
    """
    pts = _check((a, b))
    levelled = level_points(pts, calibration if calibration is not None else Calibration())
    _check_apart(levelled[0], levelled[1], "line")
    lower, upper = sorted(levelled, key=lambda point: -float(point[1]))
    angle = float(geometry.inclination_from_vertical_deg(lower, upper))
    return 90.0 if angle == -90.0 else angle


def cm_per_px_from_reference(a: Point, b: Point, length_cm: float) -> float:
    """The image scale from a reference of known length marked by its two ends, cm per px.

    Parameters
    ----------
    a, b : Point
        The reference's ends (e.g. a ruler's 0 and 30 cm marks), image pixels.
    length_cm : float
        Its true length in cm, > 0.  Valid only in the reference's own depth plane: put
        the reference beside the foot, not behind it.

    Raises
    ------
    MeasurementError
        The length is not positive, or a point is not finite, or the points coincide.
    """
    if not (math.isfinite(length_cm) and length_cm > 0):
        raise MeasurementError(f"the reference length must be positive, got {length_cm} cm")
    pa, pb = _check((a, b))
    _check_apart(pa, pb, "reference")
    return length_cm / float(geometry.distance(pa, pb))


def distance_cm(a: Point, b: Point, cm_per_px: float) -> float:
    """Distance between two points in cm through a scale in cm per pixel.

    Raises
    ------
    MeasurementError
        The scale is not positive or a point is not finite.
    """
    if not (math.isfinite(cm_per_px) and cm_per_px > 0):
        raise MeasurementError(f"the scale must be positive, got {cm_per_px} cm/px")
    pa, pb = _check((a, b))
    return float(geometry.distance(pa, pb)) * cm_per_px
