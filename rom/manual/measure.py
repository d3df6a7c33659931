"""A manual-only test's value from the points a person marked: a :class:`Measurement`.

Pure: no I/O.  The value is computed with the conventions of :mod:`rom.manual.tools` and
of each test's module (:mod:`rom.protocols.toe_extension`, ``toe_flexion``,
``toe_spread``), checked against the test's plausible range, and returned as a
:class:`rom.measurement.Measurement` that the store keeps like any other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from rom.calibration import Calibration
from rom.errors import MeasurementError
from rom.manual.tools import (
    Point,
    cm_per_px_from_reference,
    distance_cm,
    joint_deviation_deg,
    line_from_vertical_deg,
    three_point_angle_deg,
)
from rom.measurement import Measurement
from rom.protocols import MANUAL_CATALOGUE
from rom.vocabulary import Side

#: ``provenance["method"]`` of a value measured by hand.
MANUAL_METHOD = "manual"
#: The free readings of the manual goniometer and ruler (on a video frame), by tool: the
#: test name each is stored under.  They belong to no catalogue test, so they have no MDC
#: and no verdict: they are kept and shown before/after as measured.
HAND_READINGS: dict[str, str] = {
    "angle": "hand-angle", "distance": "hand-distance", "vertical": "hand-vertical"}
#: How many points each tool needs (a distance through a typed reference: 2 more, its ends).
TOOL_POINTS: dict[str, int] = {"angle": 3, "distance": 2, "vertical": 2}


def _value_and_unit(
    test: str, points: Sequence[Point], calibration: Calibration | None, cm_per_px: float | None
) -> tuple[float, str]:
    if test in ("big-toe-extension", "big-toe-flexion"):
        if len(points) != 3:
            raise MeasurementError(f"{test} needs 3 points: metatarsal shaft, MTP joint, hallux")
        bend = joint_deviation_deg(points[0], points[1], points[2], calibration)
        # Extension is the bend upwards; flexion the bend downwards (both positive).
        return (bend if test == "big-toe-extension" else -bend), "deg"
    if len(points) == 3:
        return three_point_angle_deg(points[0], points[1], points[2]), "deg"
    if len(points) == 2:
        if cm_per_px is None:
            raise MeasurementError("a forefoot width needs a scale (a marker or a reference)")
        return distance_cm(points[0], points[1], cm_per_px), "cm"
    raise MeasurementError("toe-spread needs 3 points (angle) or 2 points and a scale (width)")


def manual_measurement(
    test: str,
    side: Side,
    points: Sequence[Point],
    calibration: Calibration | None = None,
    cm_per_px: float | None = None,
) -> Measurement:
    """The value of a manual-only test from the marked points.

    Parameters
    ----------
    test : str
        One of :data:`rom.protocols.MANUAL_TESTS`.
    side : {"left", "right"}
        The foot measured.
    points : sequence of Point
        Image pixels, in the order the test's module lists (``POINTS``; for a toe-spread
        width the two ``WIDTH_POINTS``).
    calibration : Calibration, optional
        The camera roll (where true up is) for the big-toe tests.
    cm_per_px : float, optional
        The scale for a toe-spread width, cm per pixel.

    Returns
    -------
    Measurement
        Degrees (big-toe extension/flexion: 0 = hallux in line with the first metatarsal,
        positive = bent up resp. down; toe-spread angle: 0 = toes together) or cm (the
        forefoot width); ``reliable`` True, ``provenance["method"] == "manual"`` and the
        marked points in ``provenance["points_px"]`` (JSON).

    Raises
    ------
    MeasurementError
        Not a manual test, the wrong number of points, no scale for a width, or a value
        outside the test's plausible range (a mis-click, not a foot).
    """
    spec = MANUAL_CATALOGUE.get(test)
    if spec is None:
        choices = ", ".join(MANUAL_CATALOGUE)
        raise MeasurementError(f"{test!r} is not measured by hand; one of {choices}")
    value, unit = _value_and_unit(test, points, calibration, cm_per_px)
    low, high = spec.range_for(unit) or (float("-inf"), float("inf"))
    if not low <= value <= high:
        raise MeasurementError(
            f"{value:.1f} {unit} is outside the plausible {test} range {low:g} to {high:g}: "
            "check the points"
        )
    provenance = {
        "method": MANUAL_METHOD,
        "points_px": json.dumps([[round(float(x), 2), round(float(y), 2)] for x, y in points]),
    }
    return Measurement(
        test=test, side=side, value=value, unit=unit, quality=1.0, reliable=True, reasons=(),
        peak_time_s=None, peak_frame=None, provenance=provenance,
    )


def hand_reading(
    tool: str,
    side: Side,
    points: Sequence[Point],
    calibration: Calibration | None = None,
    reference_cm: float | None = None,
    frame: int | None = None,
    time_s: float | None = None,
) -> Measurement:
    """A free reading of the manual goniometer or ruler as a :class:`Measurement`.

    Parameters
    ----------
    tool : {"angle", "distance", "vertical"}
        ``"angle"``: three points, the included angle at the second (the vertex), degrees in
        ``[0, 180]``, 180 = the points in a straight line (:func:`three_point_angle_deg`).
        ``"distance"``: two points, centimetres (:func:`distance_cm`).
        ``"vertical"``: two points on a line, its angle to **true** vertical, degrees in
        ``(-90, 90]``, 0 = vertical, positive = upper end to the right, with the camera's
        roll undone (:func:`line_from_vertical_deg`).
    side : {"left", "right"}
        The side it is filed under (the clip's measured side).
    points : sequence of Point
        Image pixels, as :data:`TOOL_POINTS` counts them; for a distance through a typed
        reference, two more: the reference's two ends.
    calibration : Calibration, optional
        The clip's: its ``roll_deg`` for ``"vertical"`` (without a known roll the reading is
        flagged ``tilt_unknown``), its ``cm_per_px`` for a distance without a reference.
    reference_cm : float, optional
        The typed reference's true length, cm: the scale of a distance.
    frame, time_s : int and float, optional
        The track index and time (s) of the frame measured on.

    Returns
    -------
    Measurement
        ``test`` from :data:`HAND_READINGS`; ``peak_frame``/``peak_time_s`` the frame;
        ``provenance``: ``method`` ``"manual"``, ``tool``, the clicked ``points_px`` (JSON),
        ``scale`` (``"reference"`` or the calibration's scale source) for a distance, and
        ``frame`` with ``source`` ``"video frame"`` when a frame is given.

    Raises
    ------
    MeasurementError
        An unknown tool, the wrong number of points, coinciding points, or a distance
        without a scale.
    """
    if tool not in HAND_READINGS:
        raise MeasurementError(f"{tool!r} is not a manual tool; one of {', '.join(HAND_READINGS)}")
    needed = TOOL_POINTS[tool] + (2 if tool == "distance" and reference_cm is not None else 0)
    if len(points) != needed:
        raise MeasurementError(f"the {tool} needs {needed} points, got {len(points)}")
    provenance = {
        "method": MANUAL_METHOD, "tool": tool,
        "points_px": json.dumps([[round(float(x), 2), round(float(y), 2)] for x, y in points]),
    }
    reasons: tuple[str, ...] = ()
    if tool == "angle":
        value, unit = three_point_angle_deg(points[0], points[1], points[2]), "deg"
    elif tool == "vertical":
        value, unit = line_from_vertical_deg(points[0], points[1], calibration), "deg"
        if calibration is None or calibration.roll_source == "none":
            reasons = ("tilt_unknown",)  # the image's up taken as true up
    else:
        if reference_cm is not None:
            scale = cm_per_px_from_reference(points[2], points[3], reference_cm)
            provenance["scale"] = "reference"
        elif calibration is not None and calibration.cm_per_px is not None:
            scale = calibration.cm_per_px
            provenance["scale"] = calibration.scale_source or "calibration"
        else:
            raise MeasurementError("a distance in cm needs a scale: rom's marker in view, or "
                                   "a reference of known length")
        value, unit = distance_cm(points[0], points[1], scale), "cm"
    if frame is not None:
        provenance.update({"source": "video frame", "frame": str(int(frame))})
    return Measurement(
        test=HAND_READINGS[tool], side=side, value=value, unit=unit, quality=1.0,
        reliable=not reasons, reasons=reasons, peak_time_s=time_s, peak_frame=frame,
        provenance=provenance,
    )
