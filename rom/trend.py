"""A person's values of one test over time: the data of the history chart and the PDF's trend.

Pure functions over dated history points (anything shaped like :class:`DatedPoint`, such as
the store's ``rom.store.records.HistoryPoint``), no I/O, no plotting.  The dashboard's
History tab (:func:`rom.dashboard.history.history_figure`) and the PDF report
(:func:`rom.report.trend_series`) both draw what :func:`session_values` and
:func:`trend_for` return, so the two never disagree.

Values are in the test's stored unit (degrees or centimetres, the conventions of each
protocol module in :mod:`rom.protocols`); ``before`` is the session's pre value (before the
technique), ``after`` its post value.  Which values belong in a trend is
:func:`rom.norms.include_in_trend`'s rule: comparable ones (reliable, or sharing a known
bias), and the others only when the user opted in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rom import norms
from rom.compare import mdc_for
from rom.history import PhasePoint
from rom.vocabulary import SIDES


class DatedPoint(PhasePoint, Protocol):
    """A :class:`rom.history.PhasePoint` with its session's date."""

    @property
    def date(self) -> dt.date: ...


@dataclass(frozen=True)
class SessionValue:
    """One session's before and after value of one test, side and quantity.

    Attributes
    ----------
    session_id : int
    date : datetime.date
        The session's date (the time axis).
    technique : str or None
        The technique done between before and after, as typed.
    before, after : float or None
        The pre and post values in the quantity's unit; None where that phase has no value
        that belongs in the trend.
    before_reliable, after_reliable : bool
        Whether each value was measured reliably (False for a comparable value with a known
        bias, or when the user opted in to unreliable values; a missing value counts as
        reliable).
    """

    session_id: int
    date: dt.date
    technique: str | None
    before: float | None
    after: float | None
    before_reliable: bool = True
    after_reliable: bool = True

    def value(self, phase: str) -> float | None:
        """The value of ``phase`` (``"pre"`` or ``"post"``)."""
        return self.before if phase == "pre" else self.after

    def reliable(self, phase: str) -> bool:
        """Whether the value of ``phase`` (``"pre"`` or ``"post"``) is reliable."""
        return self.before_reliable if phase == "pre" else self.after_reliable


@dataclass(frozen=True)
class AsymmetryValue:
    """Left versus right in one session and phase.

    Attributes
    ----------
    session_id : int
    date : datetime.date
    phase : str
        ``"pre"`` or ``"post"``.
    left, right : float
        The two sides' values in the trend's asymmetry unit.
    reliable : bool
        Both sides were reliable.
    """

    session_id: int
    date: dt.date
    phase: str
    left: float
    right: float
    reliable: bool = True

    @property
    def difference(self) -> float:
        """``|left - right|``, in the asymmetry unit (0 = symmetric)."""
        return abs(self.left - self.right)


@dataclass(frozen=True)
class Trend:
    """One test of one person over time: both sides, its MDC, range and asymmetry.

    Attributes
    ----------
    test, unit : str
        The test and the unit of its primary values (``sides``).
    sides : tuple of (side, values) pairs
        ``"left"`` then ``"right"``, each side's :class:`SessionValue` per session in date
        order; a side without values is left out.
    mdc : float or None
        The test's MDC95 in ``unit`` (:func:`rom.compare.mdc_for`), None when none is
        published.
    reference : rom.norms.ReferenceRange or None
        The published typical range of the primary value, when there is one in ``unit``.
    asymmetry_quantity, asymmetry_unit : str
        What the left/right difference is taken of: the quantity of the test's published
        asymmetry threshold (the knee-to-wall distance in cm for the ankle), else the
        primary value in ``unit``.
    asymmetry : tuple of AsymmetryValue
        Each session and phase measured on both sides, in date order.
    threshold : rom.norms.AsymmetryThreshold or None
        The published left/right threshold, when there is one.
    """

    test: str
    unit: str
    sides: tuple[tuple[str, tuple[SessionValue, ...]], ...]
    mdc: float | None
    reference: norms.ReferenceRange | None
    asymmetry_quantity: str
    asymmetry_unit: str
    asymmetry: tuple[AsymmetryValue, ...]
    threshold: norms.AsymmetryThreshold | None

    def side(self, side: str) -> tuple[SessionValue, ...]:
        """The values of ``side`` (empty when it was not measured)."""
        return next((values for name, values in self.sides if name == side), ())


def _quantity(point: DatedPoint, quantity: str) -> float | None:
    m = point.measurement
    if quantity == "value":
        return m.value
    value = m.secondary.get(quantity)
    return None if value is None else float(value)


def session_values(points: Iterable[DatedPoint], test: str, side: str, *,
                   opt_in: bool = False, quantity: str = "value",
                   unit: str | None = None) -> list[SessionValue]:
    """Each session's before and after value of ``test`` on ``side``, in date order.

    Parameters
    ----------
    points : history points of one person (``Store.history``)
    test, side : str
    opt_in : bool
        Include values measured unreliably (:func:`rom.norms.include_in_trend`).
    quantity : str
        ``"value"`` for the primary value, else a secondary value's name (e.g.
        :data:`rom.norms.KNEE_TO_WALL`).
    unit : str, optional
        Keep only measurements whose primary value is in this unit (the toe touch is in
        ``"cm"`` with a scale, else ``"fraction_of_height"``: one line never mixes them).

    Returns
    -------
    list of SessionValue
        One per session with at least one value, ordered by date then session id.  Of
        several measurements of one phase in a session, the latest recorded counts.
    """
    latest: dict[tuple[int, str], DatedPoint] = {}
    for point in points:
        m = point.measurement
        if m.test != test or m.side != side or point.phase not in ("pre", "post"):
            continue
        if unit is not None and m.unit != unit:
            continue
        if not norms.include_in_trend(m, opt_in) or _quantity(point, quantity) is None:
            continue
        key = (point.session_id, point.phase)
        held = latest.get(key)
        if held is None or point.recorded_at >= held.recorded_at:
            latest[key] = point
    sessions = sorted({(p.date, p.session_id, p.technique) for p in latest.values()},
                      key=lambda s: (s[0], s[1]))
    values = []
    for date, session_id, technique in sessions:
        pre, post = latest.get((session_id, "pre")), latest.get((session_id, "post"))
        values.append(SessionValue(
            session_id=session_id, date=date, technique=technique,
            before=None if pre is None else _quantity(pre, quantity),
            after=None if post is None else _quantity(post, quantity),
            before_reliable=pre is None or bool(pre.measurement.reliable),
            after_reliable=post is None or bool(post.measurement.reliable),
        ))
    return values


def asymmetry_values(left: Sequence[SessionValue],
                     right: Sequence[SessionValue]) -> list[AsymmetryValue]:
    """Left versus right in each session and phase where both sides have a value."""
    by_session = {v.session_id: v for v in right}
    found = []
    for mine in left:
        other = by_session.get(mine.session_id)
        if other is None:
            continue
        for phase in ("pre", "post"):
            a, b = mine.value(phase), other.value(phase)
            if a is None or b is None:
                continue
            found.append(AsymmetryValue(mine.session_id, mine.date, phase, a, b,
                                        mine.reliable(phase) and other.reliable(phase)))
    return found


def latest_unit(points: Iterable[DatedPoint], test: str, side: str | None = None) -> str | None:
    """The unit of the latest recorded value of ``test`` (on ``side`` when given).

    A trend is drawn in that unit; older values in another one are left out.
    """
    found = [p for p in points if p.measurement.test == test and p.measurement.value is not None
             and (side is None or p.measurement.side == side)]
    return max(found, key=lambda p: p.recorded_at).measurement.unit if found else None


def trend_tests(points: Iterable[DatedPoint]) -> list[str]:
    """The tests in ``points``, sorted by name."""
    return sorted({p.measurement.test for p in points})


def trend_techniques(points: Iterable[DatedPoint]) -> list[str | None]:
    """The techniques in ``points`` (None: sessions with none named, listed last)."""
    found = {p.technique for p in points}
    return sorted(t for t in found if t is not None) + ([None] if None in found else [])


def trend_for(points: Iterable[DatedPoint], test: str, *, opt_in: bool = False,
              techniques: Collection[str | None] | None = None) -> Trend | None:
    """``test`` over time for one person: both sides, asymmetry, MDC and typical range.

    Parameters
    ----------
    points : history points of one person (``Store.history``)
    test : str
    opt_in : bool
        Include values measured unreliably.
    techniques : collection of str or None, optional
        Keep only sessions with one of these techniques (None in it: sessions with no
        technique named); all sessions when not given.

    Returns
    -------
    Trend or None
        None when no value of ``test`` belongs in the trend.
    """
    mine = [p for p in points if p.measurement.test == test
            and (techniques is None or p.technique in techniques)]
    unit = latest_unit(mine, test)
    if unit is None:
        return None
    sides = tuple((side, tuple(values)) for side in SIDES
                  if (values := session_values(mine, test, side, opt_in=opt_in, unit=unit)))
    if not sides:
        return None
    threshold = norms.ASYMMETRY_THRESHOLDS.get(test)
    quantity = threshold.quantity if threshold is not None else "value"
    asymmetry_unit = threshold.unit if threshold is not None else unit
    left, right = (session_values(mine, test, side, opt_in=opt_in, quantity=quantity,
                                  unit=unit) for side in SIDES)
    reference = norms.reference_range(test)
    return Trend(
        test=test, unit=unit, sides=sides, mdc=mdc_for(test, unit),
        reference=reference if reference is not None and reference.unit == unit else None,
        asymmetry_quantity=quantity, asymmetry_unit=asymmetry_unit,
        asymmetry=tuple(asymmetry_values(left, right)), threshold=threshold,
    )


#: The value axis spans at least this many MDCs, so noise never looks like a trend.
AXIS_SPAN_MDCS = 3.0
#: Without an MDC, the least span of the value axis per unit (stored units).
MIN_AXIS_SPAN: dict[str, float] = {"deg": 10.0, "cm": 4.0, "fraction_of_height": 0.04}


def axis_limits(values: Iterable[float], unit: str,
                mdc: float | None = None) -> tuple[float, float] | None:
    """A value axis for a trend that does not zoom to the values (stored units).

    It holds every value, with half a span of room on each side; the span is the values'
    spread, but at least :data:`AXIS_SPAN_MDCS` MDCs (or :data:`MIN_AXIS_SPAN` of the unit
    without an MDC).  None without values.
    """
    known = list(values)
    if not known:
        return None
    low, high = min(known), max(known)
    least = AXIS_SPAN_MDCS * mdc if mdc else MIN_AXIS_SPAN.get(unit, 1.0)
    spread = max(high - low, least)
    return low - spread / 2, high + spread / 2
