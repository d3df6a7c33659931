"""The image scale a protocol uses (cm per pixel at the person) and where it came from.

A calibration scale (the wall marker's) is that of the marker's own depth plane; the
stated height gives one in the person's plane.  :func:`resolve_scale` picks one and says
when the two disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rom import geometry
from rom.protocols.body import standing_stature_px
from rom.protocols.prepare import PreparedTrack

#: A calibration scale is doubted when the stature it gives differs from the stated height
#: by more than this fraction.  The height scale itself is good to about +-3 % and a marker
#: to 1-2 %, so a larger gap means the marker is not in the person's plane: at 2.5 m from
#: the camera, 6 % is a marker about 15 cm nearer or further than the person.
SCALE_MISMATCH_TOLERANCE = 0.06
#: Statures (cm) a calibration scale may imply before it is rejected outright when no
#: height was given: outside this range no person fits, so the marker is not where the
#: person stands (or was printed at the wrong size).
PLAUSIBLE_STATURE_CM = (100.0, 230.0)


@dataclass(frozen=True)
class Scale:
    """The image scale a protocol uses, where it came from, and what was found doubtful.

    Attributes
    ----------
    cm_per_px : float or None
        Centimetres per pixel at the person's plane; None when there is none to trust.
    source : str or None
        ``"marker"``/calibration's ``scale_source``, or ``"height"``.
    reasons : tuple of str
        ``("scale_plane_mismatch",)`` when the calibration's scale disagrees with the
        person's stature (see :func:`resolve_scale`), else empty.
    calibration_stature_cm : float or None
        Stature the calibration's scale implies (standing stature in px x its cm/px), for
        the record; None without a calibration scale or standing frames.
    """

    cm_per_px: float | None
    source: str | None
    reasons: tuple[str, ...] = ()
    calibration_stature_cm: float | None = None


def resolve_scale(prep: PreparedTrack, height_cm: float | None) -> Scale:
    """Centimetres per pixel at the person and its source, checked against the person.

    * Calibration scale (e.g. the wall marker) and no height: used, unless the stature it
      implies is outside :data:`PLAUSIBLE_STATURE_CM` (then rejected with
      ``scale_plane_mismatch``; no scale).
    * Calibration scale and ``height_cm``: the implied stature is compared with the stated
      height; beyond :data:`SCALE_MISMATCH_TOLERANCE` the marker is taken to be in another
      depth plane than the person (its cm/px is that of its own distance from the camera),
      ``scale_plane_mismatch`` is reported and the height's scale, which is measured in
      the person's own plane, is used instead.
    * Only ``height_cm``: ``height_cm / standing stature in px``.

    No check is possible when the person is never seen standing upright.
    """
    cal_scale = prep.calibration.cm_per_px
    stature = standing_stature_px(prep) if (cal_scale is not None or height_cm) else np.nan
    has_stature = bool(np.isfinite(stature) and stature > 0)
    height_scale = (
        geometry.cm_per_px_from_stature(float(height_cm), stature)
        if height_cm is not None and has_stature
        else None
    )
    if cal_scale is not None:
        source = prep.calibration.scale_source or "calibration"
        implied = float(cal_scale) * stature if has_stature else None
        if implied is None:
            return Scale(float(cal_scale), source)
        if height_scale is not None and height_cm is not None:
            if abs(implied / float(height_cm) - 1.0) > SCALE_MISMATCH_TOLERANCE:
                return Scale(height_scale, "height", ("scale_plane_mismatch",), implied)
            return Scale(float(cal_scale), source, (), implied)
        low, high = PLAUSIBLE_STATURE_CM
        if not low <= implied <= high:
            return Scale(None, None, ("scale_plane_mismatch",), implied)
        return Scale(float(cal_scale), source, (), implied)
    if height_scale is not None:
        return Scale(height_scale, "height")
    return Scale(None, None)


def stature_conflict(scale: Scale, height_cm: float | None) -> bool:
    """Whether the marker's scale says the person is *smaller* than the stated height.

    A wall marker hangs behind the person or in their plane, never in front: behind, its
    cm per pixel is larger than at the person (the farther plane), so the stature it implies
    is *larger* than the stated height, and :func:`resolve_scale` rightly falls back to the
    height's scale, measured in the person's own plane (``scale_plane_mismatch``, advisory:
    a value in cm is then as good as one with the height alone).  An implied stature more
    than :data:`SCALE_MISMATCH_TOLERANCE` *below* the stated height has no such
    explanation: the height was mistyped, or the person's stature in pixels (eyes to the
    floor line under the feet, the same floor line a toe-touch reach is measured from) is
    misread.  Either error would enter the height's scale that is used instead, and rom
    cannot tell which, so a distance in cm from it cannot be promised.

    Parameters
    ----------
    scale : Scale
        From :func:`resolve_scale`.
    height_cm : float or None
        The stated height, cm.

    Returns
    -------
    bool
        False without a stated height or a calibration stature.
    """
    implied = scale.calibration_stature_cm
    if height_cm is None or implied is None or height_cm <= 0:
        return False
    return implied < float(height_cm) * (1.0 - SCALE_MISMATCH_TOLERANCE)
