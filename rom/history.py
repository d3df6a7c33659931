"""What each technique did for a person: the average immediate (pre to post) change.

Pure functions over history points (anything shaped like :class:`PhasePoint`, such as the
store's ``rom.store.records.HistoryPoint``), no I/O and no store.  A session contributes
one pre/post change per test and side when both its pre and its post measurement of that
test and side are reliable numbers; the change and its verdict are
:func:`rom.compare.compare_measurements`'s (``post - pre`` in the test's unit; positive
means a larger value, which is better for every test but toe-touch distance, see
:data:`rom.compare.HIGHER_IS_BETTER`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from rom.compare import Change, compare_measurements
from rom.measurement import Measurement
from rom.protocols import spec_for


class PhasePoint(Protocol):
    """One measurement of a person, placed in a session and a phase (``pre``/``post``)."""

    @property
    def session_id(self) -> int: ...
    @property
    def technique(self) -> str | None: ...
    @property
    def phase(self) -> str: ...
    @property
    def measurement(self) -> Measurement: ...
    @property
    def recorded_at(self) -> dt.datetime: ...


#: Which points count: a hook for keeping some trials out of trends (default: all).
Include = Callable[[PhasePoint], bool]


@dataclass(frozen=True)
class SessionChange:
    """One session's pre/post change of one test on one side."""

    session_id: int
    technique: str | None
    side: str
    change: Change


@dataclass(frozen=True)
class TechniqueEffect:
    """The average immediate change a technique produced in one test, for one person.

    Attributes
    ----------
    technique : str or None
        The technique as typed (None: sessions with no technique named).
    test, unit : str
        The test and the unit of ``mean_change`` (the measurements' unit).
    mean_change : float
        Mean of ``post - pre`` over the pairs, in ``unit``.
    pairs : int
        Pre/post pairs averaged (a session measuring both legs gives two).
    sessions : int
        Sessions they came from.
    beyond_mdc : int
        Pairs whose change was real (:attr:`rom.compare.Change.real_change`).
    mdc : float or None
        The MDC95 the pairs were judged by; None when the test has none in ``unit``.
    """

    technique: str | None
    test: str
    unit: str
    mean_change: float
    pairs: int
    sessions: int
    beyond_mdc: int
    mdc: float | None


def session_changes(points: Iterable[PhasePoint],
                    include: Include | None = None) -> list[SessionChange]:
    """Every session's pre/post changes whose ends are comparable
    (:attr:`rom.measurement.Measurement.comparable`), per test and side, in session order.

    When a session holds several measurements of one test, side and phase, the latest
    recorded counts.  ``include`` keeps only the points it accepts (e.g. trials the user
    marked for trends).
    """
    latest: dict[tuple[int, str, str, str], PhasePoint] = {}
    order: dict[int, int] = {}
    technique: dict[int, str | None] = {}
    for point in points:
        if include is not None and not include(point):
            continue
        m = point.measurement
        key = (point.session_id, m.test, m.side, point.phase)
        held = latest.get(key)
        if held is None or point.recorded_at >= held.recorded_at:
            latest[key] = point
        order.setdefault(point.session_id, len(order))
        technique[point.session_id] = point.technique
    changes: list[SessionChange] = []
    pairs = sorted({k[:3] for k in latest}, key=lambda k: (order[k[0]], k[1], k[2]))
    for session_id, test, side in pairs:
        pre = latest.get((session_id, test, side, "pre"))
        post = latest.get((session_id, test, side, "post"))
        if pre is None or post is None:
            continue
        a, b = pre.measurement, post.measurement
        if not (a.comparable and b.comparable):
            continue
        if a.unit != b.unit or spec_for(test) is None:
            continue  # a free reading by hand (rom.manual.HAND_READINGS) has no test's rules
        changes.append(SessionChange(session_id, technique[session_id], side,
                                     compare_measurements(a, b)))
    return changes


def technique_effects(changes: Iterable[SessionChange]) -> list[TechniqueEffect]:
    """The changes averaged per technique, test and unit; most sessions first."""
    groups: dict[tuple[str | None, str, str], list[SessionChange]] = {}
    for item in changes:
        groups.setdefault((item.technique, item.change.test, item.change.unit), []).append(item)
    effects = [
        TechniqueEffect(
            technique=technique, test=test, unit=unit,
            mean_change=sum(i.change.absolute for i in group) / len(group),
            pairs=len(group), sessions=len({i.session_id for i in group}),
            beyond_mdc=sum(1 for i in group if i.change.real_change),
            mdc=group[0].change.mdc,
        )
        for (technique, test, unit), group in groups.items()
    ]
    return sorted(effects, key=lambda e: (-e.sessions, e.technique or "", e.test))
