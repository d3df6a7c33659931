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
from rom.manual.tools import Point, distance_cm, joint_deviation_deg, three_point_angle_deg
from rom.measurement import Measurement
from rom.protocols import MANUAL_CATALOGUE
from rom.vocabulary import Side

#: ``provenance["method"]`` of a value measured by hand.
MANUAL_METHOD = "manual"


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
