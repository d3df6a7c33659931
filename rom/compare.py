"""Pre/post change, minimal detectable change (MDC95) and left/right asymmetry. Pure functions.

The MDC95 of a test is the smallest change that exceeds the test's measurement error with
95 % confidence (``1.96 * sqrt(2) * SEM``).  Each test's value and its source are in its
spec (:data:`rom.protocols.CATALOGUE`, one ``SPEC`` per protocol module).  They are
published for the *clinical* instruments (inclinometer, goniometer, tape measure); rom's
video measurement has its own error, which the accuracy benchmark estimates.  They are
therefore a lower bound on what rom can detect: a change smaller than the MDC95 is never
called real.

rom's own error enters through each value's uncertainty (``Measurement.uncertainty``, about
a 95 % half-width, :mod:`rom.protocols.uncertainty`): a change counts as real only when it
exceeds the MDC95 *and* the combined uncertainty of its two values,
``sqrt(u_pre**2 + u_post**2)`` (:attr:`Change.real_change`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from rom.errors import MeasurementError
from rom.i18n import N_, Texts, _
from rom.measurement import Measurement
from rom.protocols import CATALOGUE, spec_for
from rom.protocols.spec import MinimalDetectableChange
from rom.protocols.uncertainty import combined

#: The published MDC95 of each test, read from its spec (each spec cites its source).
MDC95: dict[str, MinimalDetectableChange] = {name: spec.mdc for name, spec in CATALOGUE.items()}

#: For each test whose spec claims no MDC95: which published figure comes closest and why it
#: does not apply to rom's measurement (shown instead of a bare "unknown").
NO_MDC_REASON: Mapping[str, str] = Texts({
    # Checked against the abstracts: PMC4339157 reports the modified Thomas test's MDD95 as
    # 2.35 deg (active lumbo-pelvic stabilisation), 3.70 (passive) and 4.17 (general), all
    # of the *knee* angle; goniometric hip-extension reliability in that test is low (ICC
    # 0.51-0.54 within a rater, PMC4560013) and the test is not valid unless pelvic tilt is
    # controlled (Vigotsky et al., PeerJ 2016;4:e2325).  rom's standing lunge controls no
    # pelvis, so none of these is rom's hip-extension MDC.
    "hip-extension": N_("no published MDC for this hip angle: the modified Thomas test's MDD95 "
    "(4.17° without pelvic stabilisation, 2.35° with; PMC4339157) is of the knee angle, and "
    "its goniometric hip angle is unreliable unless the pelvis is controlled (Vigotsky et "
    "al. 2016), which a standing lunge does not do"),
    "hip-flexion": N_("no published MDC for a standing thigh-to-trunk angle"),
})


def no_mdc_reason(test: str) -> str:
    """Why ``test`` has no MDC95 (the closest published figure and why it does not apply)."""
    return NO_MDC_REASON.get(test) or _("no published MDC for this test")


#: Whether a larger primary value means more mobility (fingertip-to-floor: smaller is better).
HIGHER_IS_BETTER: dict[str, bool] = {
    name: spec.higher_is_better for name, spec in CATALOGUE.items()
}


def _higher_is_better(test: str) -> bool:
    """Whether more is better for ``test``, automatic or measured by hand."""
    spec = spec_for(test)
    if spec is None:
        raise MeasurementError(f"unknown test {test!r}")
    return spec.higher_is_better


def _checked_unit(test: str, unit: str | None, values: tuple[float, float], names: str) -> str:
    """The unit to compare ``values`` of ``test`` in, after checking both are usable.

    Raises
    ------
    MeasurementError
        ``test`` is unknown or a value is not a finite number (``names`` says which).
    """
    spec = spec_for(test)  # a test measured by hand compares like any other
    if spec is None:
        raise MeasurementError(f"unknown test {test!r}")
    if not all(math.isfinite(v) for v in values):
        raise MeasurementError(f"{names} values must be finite numbers")
    return unit or spec.unit


def combined_uncertainty(*uncertainties: float | None) -> float | None:
    """Independent uncertainties of values added in quadrature: ``sqrt(sum of squares)``.

    An unknown one (None: a record made before rom estimated it) counts as zero, so the
    result is then a lower bound; None when none is known.
    """
    known = [u for u in uncertainties if u is not None]
    return combined(*known) if known else None


def mdc_for(test: str, unit: str) -> float | None:
    """The MDC95 of ``test`` in ``unit``, or None if none is established in that unit."""
    spec = spec_for(test)
    if spec is None or spec.mdc.unit != unit:
        return None
    return spec.mdc.value


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
        True/False when the change is real (:attr:`real_change`) in the better/worse
        direction; None when it is not (or there is no MDC): no detectable change.
    reliable : bool
        Both measurements were comparable (:attr:`rom.measurement.Measurement.comparable`:
        reliable, or sharing a known bias); when False the change must not be interpreted.
    uncertainty : float or None
        Combined uncertainty of the two values, ``sqrt(u_pre**2 + u_post**2)`` in ``unit``
        (:func:`combined_uncertainty`); None when neither value has one.
    exceeds_uncertainty : bool or None
        ``|post - pre| > uncertainty``; None without an uncertainty.
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
    uncertainty: float | None = None
    exceeds_uncertainty: bool | None = None

    @property
    def real_change(self) -> bool | None:
        """Whether the change is beyond both the MDC95 and the values' combined uncertainty.

        None when there is no MDC to judge it by; with no uncertainty known (older
        records) the MDC alone decides, as it did before rom estimated one.
        """
        if self.exceeds_mdc is None:
            return None
        return self.exceeds_mdc and self.exceeds_uncertainty is not False

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict, with :attr:`real_change`."""
        return {**asdict(self), "real_change": self.real_change}


def change(
    pre: float,
    post: float,
    test: str,
    unit: str | None = None,
    reliable: bool = True,
    *,
    pre_uncertainty: float | None = None,
    post_uncertainty: float | None = None,
) -> Change:
    """Change from ``pre`` to ``post`` for ``test`` (unit defaults to the MDC's unit).

    ``pre_uncertainty`` and ``post_uncertainty`` are the values' uncertainties (about 95 %,
    in ``unit``; None when unknown); see :attr:`Change.real_change`.
    """
    unit = _checked_unit(test, unit, (pre, post), "before and after")
    absolute = post - pre
    percent = None if pre == 0 else 100.0 * absolute / abs(pre)
    mdc = mdc_for(test, unit)
    exceeds = None if mdc is None else abs(absolute) > mdc
    uncertainty = combined_uncertainty(pre_uncertainty, post_uncertainty)
    beyond = None if uncertainty is None else abs(absolute) > uncertainty
    result = Change(test, unit, pre, post, absolute, percent, mdc, exceeds, None, reliable,
                    uncertainty, beyond)
    if result.real_change:
        return replace(result, improved=(absolute > 0) == _higher_is_better(test))
    return result


def compare_measurements(pre: Measurement, post: Measurement) -> Change:
    """Change between two measurements of the same test, side and unit."""
    if pre.test != post.test:
        raise MeasurementError(f"cannot compare {pre.test} with {post.test}")
    if pre.unit != post.unit:
        raise MeasurementError(f"cannot compare values in {pre.unit} with values in {post.unit}")
    if pre.value is None or post.value is None:
        raise MeasurementError("both measurements need a value to be compared")
    return change(
        pre.value, post.value, pre.test, pre.unit, reliable=pre.comparable and post.comparable,
        pre_uncertainty=pre.uncertainty, post_uncertainty=post.uncertainty,
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
