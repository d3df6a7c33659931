"""One place that decides the calibration of a video from everything the user gave.

Precedence of the roll, most explicit first: a roll the user entered (``"user"``/``"floor"``)
beats the roll of rom's wall marker (``"marker"``), which beats the vertical edges of the
room (``"scene"``, :mod:`rom.calibrate.vertical`), which beats "assume level" (``"none"``).
Each records its uncertainty in ``Calibration.roll_uncertainty_deg``.  With the person's
track, the marker's roll is carried to the person's column
(:meth:`rom.calibrate.marker.MarkerEstimate.at_column`: a pitched phone's verticals lean
differently across the picture).  The marker also gives
the scale at the wall plane.  A lens profile, when given, is fitted to the video's frame
size and carried along.  The video is decoded once for the marker and the scene.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from rom.calibrate.marker import (
    MIN_FRAMES,
    MarkerEstimate,
    MarkerObservation,
    MarkerRejection,
    is_still_image,
    marker_frame_results,
    marker_from_observations,
)
from rom.calibrate.profile import CameraProfile
from rom.calibrate.vertical import estimate_vertical
from rom.calibration import USER_ROLL_UNCERTAINTY_DEG, Calibration

if TYPE_CHECKING:
    from rom.pose import PoseTrack

#: Frames kept for the scene's vertical edges (evenly spread over the sampled ones).
SCENE_FRAMES = 6


#: Margin added on each side of the person's landmark box, as a fraction of its size
#: (landmarks are joints: the body's outline, hair and shoes reach beyond them).
PERSON_BOX_MARGIN = 0.15


def person_box_from_track(track: PoseTrack) -> tuple[float, float, float, float] | None:
    """One pixel box around everywhere the person went in the clip, with a margin.

    Returns
    -------
    (x0, y0, x1, y1) or None
        Pixels of the upright frame; ``None`` when the person was never detected.
    """
    xy = np.asarray(track.image_xy, dtype=np.float64)[np.asarray(track.detected, dtype=bool)]
    xy = xy.reshape(-1, 2)
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    if xy.size == 0:
        return None
    low, high = xy.min(axis=0), xy.max(axis=0)
    margin = PERSON_BOX_MARGIN * (high - low)
    return (float(low[0] - margin[0]), float(low[1] - margin[1]),
            float(high[0] + margin[0]), float(high[1] + margin[1]))


@dataclass(frozen=True)
class CalibrationReport:
    """The calibration of a video and why each source was or was not used.

    Attributes
    ----------
    calibration : Calibration
    marker_rejection : MarkerRejection or None
        Why the marker gave no roll (``None`` when it did, or was not searched).
    """

    calibration: Calibration
    marker_rejection: MarkerRejection | None = None


def calibrate_video(
    path: str | os.PathLike[str],
    frame_size: tuple[int, int],
    *,
    profile: CameraProfile | None = None,
    user_roll: Calibration | None = None,
    use_marker: bool = True,
    use_scene: bool = True,
    track: PoseTrack | None = None,
) -> CalibrationReport:
    """The calibration of ``path`` with the reason the marker was not used, if any.

    Parameters are those of :func:`calibration_for_video`.
    """
    fitted = profile.for_image_size(*frame_size) if profile is not None else None
    seen: list[MarkerObservation | MarkerRejection] = []
    grays: list[NDArray[np.uint8]] = []
    if use_marker or (use_scene and user_roll is None):
        for gray, result in marker_frame_results(path, profile=fitted):
            seen.append(result)
            if not use_scene:
                continue
            grays.append(gray)
            if len(grays) > 2 * SCENE_FRAMES:
                grays = grays[::2]  # keep the sample spread over the clip, bounded in memory
    marker: MarkerEstimate | MarkerRejection | None = None
    if use_marker and seen:
        min_frames = 1 if is_still_image(path) else MIN_FRAMES
        marker = marker_from_observations(seen, min_frames=min_frames)
    calibration = Calibration()
    box = person_box_from_track(track) if track is not None else None
    if isinstance(marker, MarkerEstimate):
        if box is not None:  # the true vertical where the person is, not at the marker
            principal_x = (float(fitted.camera_matrix[0, 2]) if fitted is not None
                           else frame_size[0] / 2.0)
            marker = marker.at_column((box[0] + box[2]) / 2.0, principal_x)
        calibration = marker.to_calibration()
    elif use_scene and user_roll is None and grays:
        step = max(1, len(grays) // SCENE_FRAMES)
        chosen = grays[::step][:SCENE_FRAMES]
        scene = estimate_vertical(chosen, person_boxes=[box] * len(chosen))
        if scene is not None:
            calibration = Calibration(
                roll_deg=scene.roll_deg, roll_source="scene",
                roll_uncertainty_deg=scene.uncertainty_deg,
            )
    if user_roll is not None:
        uncertainty = user_roll.roll_uncertainty_deg
        calibration = replace(
            calibration, roll_deg=user_roll.roll_deg, roll_source=user_roll.roll_source,
            roll_uncertainty_deg=USER_ROLL_UNCERTAINTY_DEG if uncertainty is None else uncertainty,
        )
    if fitted is not None:
        calibration = fitted.apply_to(calibration)
    rejection = marker if isinstance(marker, MarkerRejection) else None
    if rejection is not None and rejection.reason != "not_found":
        calibration = replace(calibration, marker_rejection=rejection.reason)
    return CalibrationReport(calibration, rejection)


def calibration_for_video(
    path: str | os.PathLike[str],
    frame_size: tuple[int, int],
    *,
    profile: CameraProfile | None = None,
    user_roll: Calibration | None = None,
    use_marker: bool = True,
    use_scene: bool = True,
    track: PoseTrack | None = None,
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
        Without its own uncertainty it gets :data:`USER_ROLL_UNCERTAINTY_DEG`.
    use_marker : bool
        Look for the marker (costs a quick pass over a few sampled frames).
    use_scene : bool
        Without a user or marker roll, take the roll from the room's vertical edges.
    track : PoseTrack, optional
        The person's landmarks: their box is masked out of the scene's edges, and the
        marker's roll is carried to its centre column.

    Returns
    -------
    Calibration
        ``roll_source``, ``roll_uncertainty_deg`` and ``scale_source`` say where each part
        came from.  :func:`calibrate_video` also says why the marker was rejected.
    """
    return calibrate_video(
        path, frame_size, profile=profile, user_roll=user_roll, use_marker=use_marker,
        use_scene=use_scene, track=track,
    ).calibration
