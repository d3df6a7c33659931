"""How far a measured value may be off: about a 95 % half-width in the value's unit. Pure.

:func:`value_uncertainty` combines, in quadrature, the independent sources of error rom
can see in one video:

* **the held peak** (:func:`held_peak_uncertainty`): how much the smoothed signal moved
  inside the held window, and how far the unsmoothed per-frame readings sit from the held
  level there (as the standard error of the window's independent frames);
* **the camera roll** (``tilt``): for a value measured to true vertical every degree of
  roll is a degree of error, so the roll's 95 % bound
  (:meth:`rom.calibration.Calibration.roll_bound_deg`, or :data:`ASSUMED_MAX_ROLL_DEG`
  when the roll was neither measured nor stated) adds as it is (:func:`roll_error_deg`);
  a protocol whose value depends on the roll otherwise works out its own sensitivity
  (toe-touch: :func:`rom.protocols.toe_touch.tilt_error_px`);
* **the image scale** (:func:`scale_relative_uncertainty`): a value in centimetres is as
  uncertain as the cm-per-pixel it was converted with, a fraction of the value;
* **the protocol's model of a point the pose model does not give**
  (``Assessment.model_uncertainty``, added to the held peak's term; toe-touch: the
  fingertip one typical hand length from the wrist,
  :func:`rom.protocols.toe_touch.fingertip_model_uncertainty_px`).

What it does **not** include: the pose model's own bias (a landmark placed consistently
off the joint, e.g. the knee pulled toward the thigh in deep flexion), which one video
cannot reveal and the accuracy benchmark measures instead; the error of a marker that is
not in the person's depth plane (reported as ``scale_unchecked``/``scale_plane_mismatch``
instead); and the disagreement between pose models or a mirrored pass, which rom does not
run by default.  So it is a lower bound on the total error, never a guarantee.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from rom.calibration import Calibration
from rom.signal import DEFAULT_CUTOFF_HZ, Peak

#: Two-sided 95 % coverage factor of a normal distribution.
Z95 = 1.96
#: How far a roll that was neither measured nor stated may be off, degrees: phones held
#: by hand or propped up lean by up to about 10 deg (the range rom's hard benchmark set
#: draws), and a roll beyond it would show as a visibly slanted picture.
ASSUMED_MAX_ROLL_DEG = 10.0
#: Relative 95 % uncertainty of the wall marker's scale: :mod:`rom.protocols.scale` takes a
#: marker to be good to 1-2 % (its corners are found to about
#: :data:`rom.calibrate.marker.CORNER_SIGMA_PX` on a side of at least
#: :data:`rom.calibrate.marker.MIN_MARKER_SIDE_PX`, and the scale is the median over the
#: frames); the upper end is used.  Whether the marker is in the person's plane is not
#: part of it.
MARKER_SCALE_RELATIVE_UNCERTAINTY = 0.02
#: Relative 95 % uncertainty of a scale from the stated height: good to roughly +-3 %
#: (:mod:`rom.calibrate.height`: individual eye-height proportions vary by a few percent,
#: and MediaPipe's eye and foot points sit near, not on, those levels).  Also the
#: uncertainty of a value given as a fraction of the standing stature, which is the same
#: estimate of the stature in pixels.
HEIGHT_SCALE_RELATIVE_UNCERTAINTY = 0.03
#: rom's reliability promise per unit: a value called reliable is within this of the truth
#: (issue 10: 5 deg for angles, 3 cm for toe-touch; a fraction of the stature gets the
#: 3 cm of an average 170 cm adult).  A value whose own 95 % uncertainty is wider cannot
#: keep that promise, whatever else looks right (:func:`exceeds_tolerance`).
RELIABILITY_TOLERANCE: Mapping[str, float] = {
    "deg": 5.0,
    "cm": 3.0,
    "fraction_of_height": 3.0 / 170.0,
}


def readings_disagree(first: float, second: float, unit: str) -> bool:
    """Whether two readings of one quantity are more than twice the promise apart.

    Two readings further apart than twice :data:`RELIABILITY_TOLERANCE` (10 deg, 6 cm)
    cannot both be within it of the truth, and nothing tells which one misses, so neither
    can be promised (``views_disagree``: the image against the pose model's 3-D reading).
    Nothing here is fitted.  False for a unit without a tolerance.
    """
    tolerance = RELIABILITY_TOLERANCE.get(unit)
    return tolerance is not None and abs(first - second) > 2.0 * tolerance


def held_peak_uncertainty(
    time_s: ArrayLike,
    values: ArrayLike,
    raw_values: ArrayLike,
    peak: Peak,
    cutoff_hz: float = DEFAULT_CUTOFF_HZ,
) -> float:
    """About a 95 % half-width of a held peak's level from the signal around it.

    Over the held window ``[peak.start, peak.stop)`` of ``n`` finite raw frames lasting
    ``d`` seconds::

        hold   = standard deviation of the smoothed ``values``  (the movement while held)
        frames = RMS of (``raw_values`` - ``peak.value``) / sqrt(n_eff)
        n_eff  = min(n, max(1, 2 * cutoff_hz * d))
        u      = 1.96 * sqrt(hold**2 + frames**2)

    ``frames`` is the standard error of the held level from the per-frame readings around
    it.  The smoothed signal, low-passed at ``cutoff_hz``, holds at most ``2 * cutoff_hz``
    independent values per second (Nyquist), so no more than ``n_eff`` frames' errors
    average out, however high the frame rate; errors that persist longer (a landmark
    drifting for the whole hold) make it an underestimate.

    Parameters
    ----------
    time_s : array_like, shape (T,)
        Timestamps, seconds.
    values, raw_values : array_like, shape (T,)
        The smoothed and the unsmoothed signal in one unit (NaN where invalid).
    peak : Peak
        The held peak of ``values`` (:func:`rom.signal.robust_peak`).
    cutoff_hz : float
        The low-pass cut-off the signal was smoothed with (``Settings.cutoff_hz``).

    Returns
    -------
    float
        In the signal's unit; NaN when the window holds no finite value.
    """
    window = slice(peak.start, peak.stop)
    t = np.asarray(time_s, dtype=np.float64)[window]
    held = np.asarray(values, dtype=np.float64)[window]
    raw = np.asarray(raw_values, dtype=np.float64)[window]
    held = held[np.isfinite(held)]
    raw = raw[np.isfinite(raw)]
    if held.size == 0:
        return math.nan
    hold = float(np.std(held))
    frames = 0.0
    if raw.size:
        duration = float(t[-1] - t[0]) if t.size else 0.0
        n_eff = min(float(raw.size), max(1.0, 2.0 * cutoff_hz * duration))
        frames = float(np.sqrt(np.mean((raw - peak.value) ** 2) / n_eff))
    return Z95 * math.hypot(hold, frames)


def roll_error_deg(calibration: Calibration) -> float:
    """How far the camera roll may be off (about 95 %), degrees.

    The calibration's bound (:meth:`rom.calibration.Calibration.roll_bound_deg`), or
    :data:`ASSUMED_MAX_ROLL_DEG` when the roll has none (assumed level, or measured
    without an accuracy).
    """
    bound = calibration.roll_bound_deg()
    return ASSUMED_MAX_ROLL_DEG if bound is None else float(bound)


def scale_relative_uncertainty(unit: str, scale_source: str | None) -> float:
    """Relative 95 % uncertainty a value in ``unit`` inherits from its image scale.

    Parameters
    ----------
    unit : str
        ``"deg"`` (an angle, no scale: 0), ``"cm"`` or ``"fraction_of_height"``.
    scale_source : str or None
        Where the cm-per-pixel came from: ``"marker"`` gives
        :data:`MARKER_SCALE_RELATIVE_UNCERTAINTY`; ``"height"``, any other source and a
        fraction of the stature give :data:`HEIGHT_SCALE_RELATIVE_UNCERTAINTY`.
    """
    if unit == "fraction_of_height":
        return HEIGHT_SCALE_RELATIVE_UNCERTAINTY
    if unit != "cm":
        return 0.0
    if scale_source == "marker":
        return MARKER_SCALE_RELATIVE_UNCERTAINTY
    return HEIGHT_SCALE_RELATIVE_UNCERTAINTY


def combined(*terms: float) -> float:
    """Independent 95 % half-widths added in quadrature (``sqrt(sum of squares)``).

    NaN when any term is NaN: an unknown part leaves the whole unknown.
    """
    return math.sqrt(sum(t * t for t in terms))


def value_uncertainty(
    value: float,
    unit: str,
    peak_term: float,
    *,
    tilt: float = 0.0,
    scale_source: str | None = None,
) -> float:
    """About a 95 % half-width of a measured value, in its unit (see the module docstring).

    Parameters
    ----------
    value : float
        The measured value in ``unit``.
    unit : str
        ``"deg"``, ``"cm"`` or ``"fraction_of_height"``.
    peak_term : float
        :func:`held_peak_uncertainty` of the value's peak.
    tilt : float
        The value's error from the camera roll (95 %, in ``unit``); 0 for a value that
        does not depend on the roll (an angle between two body segments).
    scale_source : str or None
        The scale's source, for :func:`scale_relative_uncertainty`.

    Returns
    -------
    float
        ``sqrt(peak_term**2 + tilt**2 + (relative scale uncertainty * |value|)**2)``.
    """
    scale = scale_relative_uncertainty(unit, scale_source) * abs(value)
    return combined(peak_term, tilt, scale)


def exceeds_tolerance(uncertainty: float | None, unit: str) -> bool:
    """Whether a value's 95 % uncertainty is wider than rom's reliability promise.

    Parameters
    ----------
    uncertainty : float or None
        The value's 95 % half-width in ``unit`` (:func:`value_uncertainty`); None or NaN
        (unknown) is not judged here: the reason that left it unknown is reported itself.
    unit : str
        A key of :data:`RELIABILITY_TOLERANCE`; any other unit is not judged.

    Returns
    -------
    bool
        True when ``uncertainty > RELIABILITY_TOLERANCE[unit]``.  The uncertainty is a
        lower bound on the error (see the module docstring), so a value beyond the
        tolerance cannot be promised within it.
    """
    tolerance = RELIABILITY_TOLERANCE.get(unit)
    if uncertainty is None or tolerance is None or not math.isfinite(uncertainty):
        return False
    return uncertainty > tolerance
