"""The clinical tests: one module per test, each declaring its :class:`TestSpec`, and
:func:`measure`, the entry point of the measurement science.

Every protocol takes a :class:`rom.protocols.prepare.PreparedTrack`, the side to measure
(``"left"``/``"right"``, or None to choose automatically) and the person's height in cm
(or None), and returns a :class:`rom.measurement.TrialResult`.  Each module's docstring
states the landmarks used, what 0 deg is and which direction is positive, how the side is
chosen, which phase is measured and what invalidates a trial.

Modules: :mod:`~rom.protocols.prepare` (cleaning a track), :mod:`~rom.protocols.body`
(body signals and side choice), :mod:`~rom.protocols.scale` (cm per pixel),
:mod:`~rom.protocols.assessment` (the shared peak step, quality, result),
:mod:`~rom.protocols.spec` (what defines a test).
"""

from __future__ import annotations

import math

import numpy as np

from rom.calibration import Calibration
from rom.errors import MeasurementError
from rom.measurement import TrialResult
from rom.pose import PoseTrack
from rom.protocols import (
    ankle_dorsiflexion,
    hip_extension,
    hip_flexion,
    knee_flexion,
    knee_flexion_prone,
    toe_extension,
    toe_flexion,
    toe_spread,
    toe_touch,
)
from rom.protocols.prepare import Settings, prepare
from rom.protocols.spec import MinimalDetectableChange, TestSpec
from rom.vocabulary import HEIGHT_RANGE_CM, SIDE_CHOICES, Side

#: Every test rom measures, by name, in the order they are offered.
CATALOGUE: dict[str, TestSpec] = {
    spec.name: spec
    for spec in (
        ankle_dorsiflexion.SPEC,
        knee_flexion.SPEC,
        knee_flexion_prone.SPEC,
        hip_extension.SPEC,
        hip_flexion.SPEC,
        toe_touch.SPEC,
    )
}

TESTS: tuple[str, ...] = tuple(CATALOGUE)

#: The tests measured only by hand with :mod:`rom.manual` on a still image (the pose model
#: has no toe joints): ``manual_only`` specs, kept out of :data:`CATALOGUE` so that nothing
#: that analyses video (the dashboard's test choice, batch, ``rom analyze``) offers them.
MANUAL_CATALOGUE: dict[str, TestSpec] = {
    spec.name: spec for spec in (toe_extension.SPEC, toe_flexion.SPEC, toe_spread.SPEC)
}

MANUAL_TESTS: tuple[str, ...] = tuple(MANUAL_CATALOGUE)


def spec_for(test: str) -> TestSpec | None:
    """The spec of any test rom stores, automatic or manual-only; None for an unknown name."""
    return CATALOGUE.get(test) or MANUAL_CATALOGUE.get(test)

#: Unit of each test's primary value ("toe-touch" falls back to "fraction_of_height").
UNITS: dict[str, str] = {name: spec.unit for name, spec in CATALOGUE.items()}


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
        One of :data:`TESTS`.
    side : {"auto", "left", "right"}
        The person's side to measure; ``"auto"`` lets the protocol choose (see each
        protocol's docstring).
    calibration : Calibration, optional
        Camera roll and scale; without it the camera is assumed level and distances are
        unscaled (or scaled from ``height_cm``).
    height_cm : float, optional
        The person's standing height, used as the scale when the calibration has none;
        within :data:`rom.vocabulary.HEIGHT_RANGE_CM`.
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
    spec = CATALOGUE.get(test)
    if spec is None and test in MANUAL_CATALOGUE:
        raise MeasurementError(f"{test} is measured by hand (rom.manual), not from a video")
    if spec is None:
        raise MeasurementError(f"unknown test {test!r}; choose one of: {', '.join(TESTS)}")
    if side not in SIDE_CHOICES:
        raise MeasurementError(f"side must be one of {', '.join(SIDE_CHOICES)}, not {side!r}")
    low, high = HEIGHT_RANGE_CM
    if height_cm is not None and not (math.isfinite(height_cm) and low <= height_cm <= high):
        raise MeasurementError(
            f"height must be between {low:g} and {high:g} cm, got {height_cm}"
        )
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
    chosen: Side | None = "left" if side == "left" else "right" if side == "right" else None
    return spec.measure(prepare(track, calibration, settings), chosen, height_cm)


__all__ = [
    "CATALOGUE",
    "MANUAL_CATALOGUE",
    "MANUAL_TESTS",
    "TESTS",
    "UNITS",
    "MinimalDetectableChange",
    "Settings",
    "TestSpec",
    "measure",
    "spec_for",
]
