"""Pre/post change, minimal detectable change (MDC95) and left/right asymmetry. Pure functions.

The MDC95 of a test is the smallest change that exceeds the test's measurement error with
95 % confidence (``1.96 * sqrt(2) * SEM``).  The values below are published for the
*clinical* instruments (inclinometer, goniometer, tape measure); rom's video measurement
has its own error, which the accuracy benchmark estimates.  They are therefore a lower
bound on what rom can detect: a change smaller than the MDC95 is never called real.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from rom.errors import MeasurementError
from rom.measurement import Measurement


@dataclass(frozen=True)
class MinimalDetectableChange:
    """A published MDC95 for one test.

    Attributes
    ----------
    test : str
    value : float or None
        MDC95 in ``unit``; None when no value could be justified.
    unit : str
    source : str
        The publication the number comes from (or why there is none).
    """

    test: str
    value: float | None
    unit: str
    source: str


MDC95: dict[str, MinimalDetectableChange] = {
    # Weight-bearing lunge, angle of the tibia to vertical: average intra-clinician MDC
    # 4.7 deg (inter-clinician 4.6 deg; distance version 1.9 / 1.6 cm) from the systematic
    # review of 12 studies by Powden, Hoch & Hoch, Man Ther 2015;20(4):524-32,
    # doi:10.1016/j.math.2015.01.004.  The intra-clinician value fits repeated filming of the
    # same person with the same set-up.
    "ankle-dorsiflexion": MinimalDetectableChange(
        "ankle-dorsiflexion",
        4.7,
        "deg",
        "Powden CJ, Hoch JM, Hoch MC. Man Ther 2015;20(4):524-32 (WBLT, intra-clinician)",
    ),
    # Knee flexion as an included angle: the minimum significant difference of a long-arm
    # goniometer was 10 deg (digital inclinometer 6 deg) in Hancock GE, Hepworth T,
    # Wembridge K, J Exp Orthop 2018;5:46, doi:10.1186/s40634-018-0161-5.  The goniometer is
    # the closer analogue of a two-segment angle; the study fixed knees in supports, not in
    # a quad stretch, so this is an approximation (unsure for this exact test).
    "knee-flexion": MinimalDetectableChange(
        "knee-flexion",
        10.0,
        "deg",
        "Hancock GE et al. J Exp Orthop 2018;5:46 (long-arm goniometer; approximate for "
        "the quad stretch)",
    ),
    # Hip extension (runner's lunge / Thomas-type): no MDC95 we could verify.  Published
    # Thomas-test studies report poor reliability unless pelvic tilt is controlled
    # (Peeler & Anderson, Phys Ther Sport 2007;8:14-21; Vigotsky et al., PeerJ 2016;4:e2325),
    # so no number is claimed.
    "hip-extension": MinimalDetectableChange(
        "hip-extension",
        None,
        "deg",
        "not established: Thomas-test reliability is poor without pelvic control "
        "(Peeler & Anderson 2007; Vigotsky et al. 2016)",
    ),
    # Hip flexion measured as thigh-to-trunk in a standing video: no matching published
    # MDC95 was found; none is claimed.
    "hip-flexion": MinimalDetectableChange(
        "hip-flexion", None, "deg", "not established for a thigh-to-trunk video angle"
    ),
    # Fingertip-to-floor: MDC 4.5 cm in patients with acute/subacute low back pain,
    # Ekedahl H, Jonsson B, Frobell RB, Arch Phys Med Rehabil 2012;93(12):2210-5.
    # Perret et al., Arch Phys Med Rehabil 2001;82:1566-70 established excellent
    # reliability (ICC 0.99) but their abstract gives no MDC.
    "toe-touch": MinimalDetectableChange(
        "toe-touch",
        4.5,
        "cm",
        "Ekedahl H et al. Arch Phys Med Rehabil 2012;93(12):2210-5 (fingertip-to-floor); "
        "reliability: Perret C et al. 2001",
    ),
}

#: Whether a larger primary value means more mobility.  Fingertip-to-floor is a distance
#: left to the floor, so smaller (or more negative) is better.
HIGHER_IS_BETTER: dict[str, bool] = {
    "ankle-dorsiflexion": True,
    "knee-flexion": True,
    "hip-extension": True,
    "hip-flexion": True,
    "toe-touch": False,
}


def _checked_unit(test: str, unit: str | None, values: tuple[float, float], names: str) -> str:
    """The unit to compare ``values`` of ``test`` in, after checking both are usable.

    Raises
    ------
    MeasurementError
        ``test`` is unknown or a value is not a finite number (``names`` says which).
    """
    if test not in MDC95:
        raise MeasurementError(f"unknown test {test!r}")
    if not all(math.isfinite(v) for v in values):
        raise MeasurementError(f"{names} values must be finite numbers")
    return unit or MDC95[test].unit


def mdc_for(test: str, unit: str) -> float | None:
    """The MDC95 of ``test`` in ``unit``, or None if none is established in that unit."""
    entry = MDC95.get(test)
    if entry is None or entry.unit != unit:
        return None
    return entry.value


@dataclass(frozen=True)
class Change:
    """Pre/post change of one test.

    Attributes
    ----------
    test, unit : str
    pre, post : float
    absolute : float
        ``post - pre`` in ``unit``.
    percent : float or None
        ``100 * (post - pre) / |pre|``; None when ``pre`` is 0.
    mdc : float or None
        MDC95 used; None when not established for this test and unit.
    exceeds_mdc : bool or None
        ``|post - pre| > mdc``; None when there is no MDC.
    improved : bool or None
        True/False when the change exceeds the MDC in the better/worse direction;
        None when it does not exceed it (or there is no MDC): no detectable change.
    reliable : bool
        Both measurements were reliable; when False the change must not be interpreted.
    """

    test: str
    unit: str
    pre: float
    post: float
    absolute: float
    percent: float | None
    mdc: float | None
    exceeds_mdc: bool | None
    improved: bool | None
    reliable: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def change(
    pre: float, post: float, test: str, unit: str | None = None, reliable: bool = True
) -> Change:
    """Change from ``pre`` to ``post`` for ``test`` (unit defaults to the MDC's unit)."""
    unit = _checked_unit(test, unit, (pre, post), "pre and post")
    absolute = post - pre
    percent = None if pre == 0 else 100.0 * absolute / abs(pre)
    mdc = mdc_for(test, unit)
    exceeds = None if mdc is None else abs(absolute) > mdc
    improved: bool | None = None
    if exceeds:
        improved = (absolute > 0) == HIGHER_IS_BETTER[test]
    return Change(test, unit, pre, post, absolute, percent, mdc, exceeds, improved, reliable)


def compare_measurements(pre: Measurement, post: Measurement) -> Change:
    """Change between two measurements of the same test, side and unit."""
    if pre.test != post.test:
        raise MeasurementError(f"cannot compare {pre.test} with {post.test}")
    if pre.unit != post.unit:
        raise MeasurementError(f"cannot compare values in {pre.unit} with values in {post.unit}")
    if pre.value is None or post.value is None:
        raise MeasurementError("both measurements need a value to be compared")
    return change(
        pre.value, post.value, pre.test, pre.unit, reliable=pre.reliable and post.reliable
    )


@dataclass(frozen=True)
class Asymmetry:
    """Left/right difference of one test.

    Attributes
    ----------
    left, right : float
    difference : float
        ``left - right``.
    percent : float or None
        ``100 * |left - right| / max(|left|, |right|)`` (the deficit of the smaller side
        relative to the larger); None when both are 0.
    exceeds_mdc : bool or None
        Whether ``|left - right|`` exceeds the test's MDC95 (None if not established).
    """

    test: str
    unit: str
    left: float
    right: float
    difference: float
    percent: float | None
    exceeds_mdc: bool | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def asymmetry(left: float, right: float, test: str, unit: str | None = None) -> Asymmetry:
    """Left versus right asymmetry for ``test``."""
    unit = _checked_unit(test, unit, (left, right), "left and right")
    difference = left - right
    larger = max(abs(left), abs(right))
    percent = None if larger == 0 else 100.0 * abs(difference) / larger
    mdc = mdc_for(test, unit)
    return Asymmetry(
        test, unit, left, right, difference, percent, None if mdc is None else abs(difference) > mdc
    )
