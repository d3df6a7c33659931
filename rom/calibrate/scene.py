"""One place that decides the calibration of a video from everything the user gave.

Precedence, most explicit first: a roll angle the user entered beats the roll of rom's
wall marker, which beats "assume level".  The marker also gives the scale at the wall
plane.  A lens profile, when given, is fitted to the video's frame size and carried along.
"""

from __future__ import annotations

import os
from dataclasses import replace

from rom.calibrate.marker import calibration_from_video
from rom.calibrate.profile import CameraProfile
from rom.calibration import Calibration


def calibration_for_video(
    path: str | os.PathLike[str],
    frame_size: tuple[int, int],
    *,
    profile: CameraProfile | None = None,
    user_roll: Calibration | None = None,
    use_marker: bool = True,
) -> Calibration:
    """The :class:`Calibration` to measure ``path`` with.

    Parameters
    ----------
    path : path-like
        The video (searched for rom's printed marker when ``use_marker``).
    frame_size : (width, height)
        Upright frame size of the video, to fit the lens profile.
    profile : CameraProfile, optional
        Lens intrinsics from ``rom calibrate``.
    user_roll : Calibration, optional
        A roll the user entered or measured from the floor line; overrides the marker's.
    use_marker : bool
        Look for the marker (costs a quick pass over a few sampled frames).

    Returns
    -------
    Calibration
        ``roll_source`` and ``scale_source`` say where each part came from.
    """
    fitted = profile.for_image_size(*frame_size) if profile is not None else None
    found = calibration_from_video(path, profile=fitted) if use_marker else None
    calibration = found if found is not None else Calibration()
    if user_roll is not None:
        calibration = replace(
            calibration, roll_deg=user_roll.roll_deg, roll_source=user_roll.roll_source
        )
    return fitted.apply_to(calibration) if fitted is not None else calibration
