"""Entry point of the measurement science: a pose track and a test name in, a result out."""

from __future__ import annotations

import math

import numpy as np

from rom.calibration import Calibration
from rom.errors import MeasurementError
from rom.measurement import TrialResult
from rom.pose import PoseTrack
from rom.protocols import PROTOCOLS, TESTS
from rom.protocols.base import Settings, prepare

SIDE_CHOICES = ("auto", "left", "right")

__all__ = ["SIDE_CHOICES", "TESTS", "Settings", "measure"]


def measure(
    track: PoseTrack,
    test: str,
    side: str = "auto",
    calibration: Calibration | None = None,
    height_cm: float | None = None,
    settings: Settings | None = None,
) -> TrialResult:
    """Measure one clinical test on a pose track.

    Parameters
    ----------
    track : PoseTrack
    test : str
        One of :data:`rom.protocols.TESTS`.
    side : {"auto", "left", "right"}
        The person's side to measure; ``"auto"`` lets the protocol choose (see each
        protocol's docstring).
    calibration : Calibration, optional
        Camera roll and scale; without it the camera is assumed level and distances are
        unscaled (or scaled from ``height_cm``).
    height_cm : float, optional
        The person's standing height, used as the scale when the calibration has none.
    settings : Settings, optional
        Pipeline thresholds (cut-off, gap length, hold time, visibility limits).

    Returns
    -------
    TrialResult
        Never a confident number that cannot be trusted: problems are in
        ``result.measurement.reasons`` and ``reliable`` is False when they invalidate it.

    Raises
    ------
    MeasurementError
        Unknown test or side, an impossible height or scale, or a track whose timestamps
        do not increase.
    """
    if test not in PROTOCOLS:
        raise MeasurementError(f"unknown test {test!r}; choose one of: {', '.join(TESTS)}")
    if side not in SIDE_CHOICES:
        raise MeasurementError(f"side must be one of {', '.join(SIDE_CHOICES)}, not {side!r}")
    if height_cm is not None and not (math.isfinite(height_cm) and 50.0 <= height_cm <= 250.0):
        raise MeasurementError(f"height must be between 50 and 250 cm, got {height_cm}")
    if (
        calibration is not None
        and calibration.cm_per_px is not None
        and not calibration.cm_per_px > 0
    ):
        raise MeasurementError(
            f"calibration scale must be positive, got {calibration.cm_per_px} cm/px"
        )
    times = track.timestamps_s
    if len(times) > 1 and not (np.all(np.isfinite(times)) and np.all(np.diff(times) > 0)):
        raise MeasurementError("the pose track's timestamps are not strictly increasing")
    prepared = prepare(track, calibration, settings)
    return PROTOCOLS[test](prepared, None if side == "auto" else side, height_cm)
