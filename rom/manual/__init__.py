"""Measurements made by hand on a still image: points a person clicks, not the pose model.

:mod:`~rom.manual.tools` holds the pure geometry of the manual goniometer and ruler
(three points -> joint angle, two points -> distance, a line's angle to true vertical);
:mod:`~rom.manual.measure` turns a manual-only test's points, or a free reading of the
goniometer or ruler on a video frame, into a Measurement.
"""

from __future__ import annotations

from rom.manual.measure import (
    HAND_READINGS,
    MANUAL_METHOD,
    TOOL_POINTS,
    hand_reading,
    manual_measurement,
)
from rom.manual.tools import (
    Point,
    cm_per_px_from_reference,
    distance_cm,
    joint_deviation_deg,
    line_from_vertical_deg,
    three_point_angle_deg,
)

__all__ = [
    "HAND_READINGS",
    "MANUAL_METHOD",
    "TOOL_POINTS",
    "Point",
    "cm_per_px_from_reference",
    "distance_cm",
    "hand_reading",
    "joint_deviation_deg",
    "line_from_vertical_deg",
    "manual_measurement",
    "three_point_angle_deg",
]
