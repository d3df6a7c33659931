"""Estimating a :class:`rom.calibration.Calibration`: roll, scale and lens.

* :mod:`rom.calibrate.marker` — roll and wall-plane scale from rom's printed ArUco marker.
* :mod:`rom.calibrate.marker_pdf` — the printable marker sheet (``rom calibrate marker-pdf``).
* :mod:`rom.calibrate.vertical` — roll from the vertical edges of the room.
* :mod:`rom.calibrate.floor` — roll from a level line or a user-entered angle.
* :mod:`rom.calibrate.height` — scale from the person's stated height.
* :mod:`rom.calibrate.intrinsics` — lens intrinsics from checkerboard views.
* :mod:`rom.calibrate.profile` — camera profile JSON files.
* :mod:`rom.calibrate.scene` — the calibration of one video from all of the above.
* :mod:`rom.calibrate.sources` — reading images and video frames (the only file access).
"""

from rom.calibrate.floor import (
    calibration_from_floor_line,
    calibration_from_user_angle,
    roll_from_horizontal_line,
)
from rom.calibrate.height import cm_per_px_from_height, with_height_scale
from rom.calibrate.intrinsics import calibrate_intrinsics, find_board_corners, undistort_points
from rom.calibrate.marker import (
    MARKER_DICTIONARY_NAME,
    MARKER_ID,
    MARKER_SIZE_MM,
    MarkerRejection,
    calibration_from_video,
    find_marker_in_video,
    marker_estimate_from_video,
    roll_from_marker_corners,
)
from rom.calibrate.profile import CameraProfile, load_camera_profile, save_camera_profile
from rom.calibrate.scene import CalibrationReport, calibrate_video, calibration_for_video
from rom.calibrate.vertical import VerticalEstimate, estimate_vertical

__all__ = [
    "MARKER_DICTIONARY_NAME",
    "MARKER_ID",
    "MARKER_SIZE_MM",
    "CalibrationReport",
    "CameraProfile",
    "MarkerRejection",
    "VerticalEstimate",
    "calibrate_intrinsics",
    "calibrate_video",
    "calibration_for_video",
    "calibration_from_floor_line",
    "calibration_from_user_angle",
    "calibration_from_video",
    "cm_per_px_from_height",
    "estimate_vertical",
    "find_board_corners",
    "find_marker_in_video",
    "load_camera_profile",
    "marker_estimate_from_video",
    "roll_from_horizontal_line",
    "roll_from_marker_corners",
    "save_camera_profile",
    "undistort_points",
    "with_height_scale",
]
