"""A session's comparison: pre vs post per test and side, and left vs right. No I/O.

Built from the store's trial records (:class:`rom.store.records.TrialInfo`) and read by the
PDF report, the dashboard and the ``rom report`` command alike.  The statistics (change,
MDC95, asymmetry) are those of :mod:`rom.compare`; values stay in stored units.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rom import compare, labels
from rom.measurement import Measurement
from rom.protocols import spec_for
from rom.vocabulary import Phase

if TYPE_CHECKING:  # only the records' shape; the store package loads SQLAlchemy
    from rom.store.records import TrialInfo

@dataclass(frozen=True)
class ComparisonLine:
    """One test and side of a session: its pre and post measurements and the change.

    Attributes
    ----------
    test, side, unit : str
        ``unit`` is the stored unit of both measurements (``"deg"``, ``"cm"``,
        ``"fraction_of_height"``).
    pre, post : Measurement or None
        The latest measurement of each phase; None when that phase was not recorded.
    change : compare.Change or None
        Post − pre, judged against the MDC95 and the two values' combined uncertainty;
        None unless both phases have a value and the test has an MDC table entry.
        ``change.reliable`` is False unless both ends are comparable
        (:attr:`rom.measurement.Measurement.comparable`).
    mdc : float or None
        MDC95 of the test in ``unit`` (None when not established in that unit).
    mdc_source : str
        Where ``mdc`` comes from; empty when there is no MDC.
    notes : tuple of str
        Plain-language advice from the measurements' reasons, pre first, without repeats.
    """

    test: str
    side: str
    unit: str
    pre: Measurement | None
    post: Measurement | None
    change: compare.Change | None = None
    mdc: float | None = None
    mdc_source: str = ""
    notes: tuple[str, ...] = ()

    def phase(self, name: Phase) -> Measurement | None:
        """The measurement of phase ``name`` (``"pre"`` or ``"post"``), if recorded."""
        if name == "pre":
            return self.pre
        if name == "post":
            return self.post
        raise ValueError(f"phase must be 'pre' or 'post', not {name!r}")

    def value(self, name: Phase) -> float | None:
        """The value of phase ``name`` in :attr:`unit`; None when not recorded or measured."""
        measurement = self.phase(name)
        return None if measurement is None else measurement.value

    def reliable(self, name: Phase) -> bool:
        """Whether phase ``name`` was recorded and its measurement is reliable."""
        measurement = self.phase(name)
        return measurement is not None and bool(measurement.reliable)

    @property
    def comparable(self) -> bool:
        """A change is only as trustworthy as both its ends: both recorded and comparable
        (:attr:`rom.measurement.Measurement.comparable`), though a value may be unreliable."""
        return self.pre is not None and self.post is not None and (
            self.pre.comparable and self.post.comparable)

    @property
    def exceeds_mdc(self) -> bool | None:
        """``|post − pre| > MDC``; None without a change or an MDC."""
        return None if self.change is None else self.change.exceeds_mdc

    @property
    def exceeds_uncertainty(self) -> bool | None:
        """``|post − pre|`` > the two values' combined uncertainty; None when unknown."""
        return None if self.change is None else self.change.exceeds_uncertainty

    @property
    def real_change(self) -> bool | None:
        """Beyond the MDC *and* the combined uncertainty (:attr:`compare.Change.real_change`);
        None without a change or an MDC."""
        return None if self.change is None else self.change.real_change

    @property
    def improved(self) -> bool | None:
        """True/False for a real change for the better/worse; None otherwise."""
        return None if self.change is None else self.change.improved

    def uncertainty(self, name: Phase) -> float | None:
        """The uncertainty (about 95 %, in :attr:`unit`) of phase ``name``'s value, if known."""
        measurement = self.phase(name)
        return None if measurement is None else measurement.uncertainty


@dataclass(frozen=True)
class AsymmetryLine:
    """Left vs right of one test in one phase of a session.

    Attributes
    ----------
    test, unit : str
    phase : Phase
        The phase compared: post when both sides have a post value, else pre.
    left, right : Measurement
    asymmetry : compare.Asymmetry
        ``difference`` is left − right in ``unit``; ``exceeds_mdc`` None without an MDC.
    reliable : bool
        Both sides' measurements are comparable
        (:attr:`rom.measurement.Measurement.comparable`).
    """

    test: str
    unit: str
    phase: Phase
    left: Measurement
    right: Measurement
    asymmetry: compare.Asymmetry
    reliable: bool


def latest_by_pair(
    trials: Iterable[TrialInfo],
) -> dict[tuple[str, str], dict[Phase, Measurement]]:
    """``{(test, side): {phase: Measurement}}`` of a session, sorted by test and side.

    When a phase was recorded more than once, the latest trial (highest id) counts.
    Trials of other phases are ignored.
    """
    pairs: dict[tuple[str, str], dict[Phase, Measurement]] = {}
    for trial in sorted(trials, key=lambda t: t.id):
        phase = _phase(trial.phase)
        if phase is None:
            continue
        for record in trial.measurements:
            m = record.measurement
            pairs.setdefault((m.test, m.side), {})[phase] = m
    return dict(sorted(pairs.items()))


def _phase(name: str) -> Phase | None:
    return "pre" if name == "pre" else "post" if name == "post" else None


def compare_pair(test: str, side: str, pre: Measurement | None,
                 post: Measurement | None) -> ComparisonLine:
    """The comparison line of one test and side from its pre and post measurements.

    Raises
    ------
    ValueError
        Neither measurement is given.
    """
    present = [m for m in (pre, post) if m is not None]
    if not present:
        raise ValueError(f"nothing to compare for {test} {side}: no pre and no post")
    unit = present[0].unit
    spec = spec_for(test)  # automatic or measured by hand
    entry = spec.mdc if spec is not None else None
    mdc = compare.mdc_for(test, unit) if entry is not None else None
    delta = None
    if (entry is not None and pre is not None and post is not None
            and pre.value is not None and post.value is not None):
        delta = compare.change(pre.value, post.value, test, unit,
                               reliable=pre.comparable and post.comparable,
                               pre_uncertainty=pre.uncertainty,
                               post_uncertainty=post.uncertainty)
    reasons = [code for m in present for code in m.reasons]
    return ComparisonLine(
        test=test, side=side, unit=unit, pre=pre, post=post, change=delta, mdc=mdc,
        mdc_source=entry.source if entry is not None and mdc is not None else "",
        notes=tuple(labels.reason_texts(reasons)),
    )


def session_comparison(trials: Iterable[TrialInfo]) -> list[ComparisonLine]:
    """One :class:`ComparisonLine` per test and side of a session, sorted by test and side."""
    return [
        compare_pair(test, side, phases.get("pre"), phases.get("post"))
        for (test, side), phases in latest_by_pair(trials).items()
    ]


def asymmetry_lines(lines: Sequence[ComparisonLine]) -> list[AsymmetryLine]:
    """Left vs right for each test measured on both sides (post if both have it, else pre)."""
    result: list[AsymmetryLine] = []
    for test in sorted({line.test for line in lines}):
        sides = {line.side: line for line in lines if line.test == test}
        if not {"left", "right"} <= sides.keys():
            continue
        left, right = sides["left"], sides["right"]
        for phase in ("post", "pre"):
            lm, rm = left.phase(phase), right.phase(phase)
            if lm is None or rm is None or lm.value is None or rm.value is None:
                continue
            result.append(AsymmetryLine(
                test=test, unit=left.unit, phase=phase, left=lm, right=rm,
                asymmetry=compare.asymmetry(lm.value, rm.value, test, left.unit),
                reliable=lm.comparable and rm.comparable,
            ))
            break
    return result
