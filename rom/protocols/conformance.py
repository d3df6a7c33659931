"""Does the clip show the test at all, on the measured leg, to its end?  Pure checks.

A measurement of the wrong movement is as wrong as a misplaced landmark: a walking clip
analysed as a quad stretch gives a "knee flexion" of 38 deg with a perfect view.  Each
protocol states the movement signature it expects (:class:`MovementSignature`) and
these functions test a clip against it:

* :func:`shows_movement` — the measured signal's held peak reaches the test's minimum
  (e.g. a quad stretch bends the knee past 60 deg);
* :func:`leg_to_report` — when the measured leg does not, but the other leg does, the
  wrong leg was chosen: ``other_leg_moved``, not ``not_this_test``;
* :func:`stays_planted` — a foot that must stay on the floor (the front foot of the
  knee-to-wall test) does not slide;
* :func:`movement_incomplete` — the peak is at the first or last decoded frame, or in
  the last second of a truncated video, so the true peak may lie outside the clip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from rom.signal import Peak

FloatArray = NDArray[np.float64]

#: Seconds before the last decoded frame of a truncated video in which a peak is not
#: trusted: the movement may have gone on in the part that did not decode.
TRUNCATED_MARGIN_S = 1.0


@dataclass(frozen=True)
class MovementSignature:
    """What the measured signal must show for a clip to be the test.

    Attributes
    ----------
    min_held_peak : float
        The held peak (:func:`rom.signal.robust_peak`) of the measured signal must reach
        this, in the signal's unit, in the direction of the test's ``mode`` (at least
        this for ``"max"``, at most this for ``"min"``).
    description : str
        The expected movement in words, for the reason shown to the user, e.g.
        ``"the measured knee bends past 60 degrees"``.
    """

    min_held_peak: float
    description: str

    def reached(self, held_peak: float, mode: Literal["max", "min"] = "max") -> bool:
        """Whether ``held_peak`` shows the movement (NaN never does)."""
        if not np.isfinite(held_peak):
            return False
        return held_peak >= self.min_held_peak if mode == "max" else held_peak <= self.min_held_peak


def shows_movement(
    signature: MovementSignature, held_peak: float, mode: Literal["max", "min"] = "max"
) -> bool:
    """Whether a held peak shows the test's movement (see :class:`MovementSignature`)."""
    return signature.reached(held_peak, mode)


def leg_to_report(
    signature: MovementSignature,
    measured_peak: float,
    other_peak: float,
    mode: Literal["max", "min"] = "max",
) -> str | None:
    """The reason code when the measured leg does not show the movement, else None.

    ``"other_leg_moved"`` when the other leg's held peak shows it (the user picked, or
    the clip's framing suggested, the wrong leg); ``"not_this_test"`` when neither does.
    """
    if signature.reached(measured_peak, mode):
        return None
    if signature.reached(other_peak, mode):
        return "other_leg_moved"
    return "not_this_test"


def stays_planted(
    point_x: FloatArray, frames: NDArray[np.int64], foot_length_px: float, tolerance: float = 0.5
) -> bool:
    """Whether a foot landmark stays put (horizontally) over ``frames``.

    Parameters
    ----------
    point_x : ndarray, shape (T,)
        Image ``x`` of a foot landmark (e.g. the toe), levelled pixels.
    frames : ndarray of int
        The frames that matter (e.g. the peak window and the second before it).
    foot_length_px : float
        The foot's heel-to-toe length in pixels, the yardstick of the tolerance.
    tolerance : float
        Largest allowed spread (5th to 95th percentile of ``x``), in foot lengths.  Half
        a foot length lets the model's jitter of the toe point through (10-20 % of a foot
        on clean clips) but not a step.

    Returns
    -------
    bool
        True also when there is no evidence (too few finite samples or no foot length).
    """
    x = point_x[frames]
    x = x[np.isfinite(x)]
    if x.size < 3 or not (np.isfinite(foot_length_px) and foot_length_px > 0):
        return True
    spread = float(np.percentile(x, 95) - np.percentile(x, 5))
    return spread <= tolerance * foot_length_px


def movement_incomplete(
    peak: Peak, time_s: FloatArray, *, truncated: bool, margin_s: float = TRUNCATED_MARGIN_S
) -> bool:
    """Whether the measured peak may lie outside what the clip shows.

    True when the most extreme sample of the held window is the first or the last frame
    (the signal was still rising into the clip's edge, so it may have gone further
    outside it), or when the video is truncated and the window ends within ``margin_s``
    of the last decoded frame.  A hold that merely lasts until the end of the clip, with
    its extreme inside, is complete.
    """
    n = len(time_s)
    if n == 0:
        return False
    if peak.index <= 0 or peak.index >= n - 1:
        return True
    return truncated and float(time_s[-1] - time_s[peak.stop - 1]) < margin_s
