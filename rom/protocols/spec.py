"""What defines a clinical test: its :class:`TestSpec`, one per protocol module.

Each protocol module declares ``SPEC = TestSpec(...)``; :data:`rom.protocols.CATALOGUE`
collects them, and every table about tests (units, MDC95, which direction is better,
labels, filming tips, the segments drawn live) reads from it.  A new test is one new
protocol module plus its words in :mod:`rom.labels`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rom.errors import MeasurementError
from rom.measurement import TrialResult
from rom.protocols.body import landmark_indices
from rom.protocols.prepare import PreparedTrack
from rom.vocabulary import ManualTestName, Side, TestName

#: A protocol: ``(prepared track, side or None for automatic, height_cm) -> TrialResult``.
Protocol = Callable[[PreparedTrack, Side | None, float | None], TrialResult]

#: A chain of landmarks by name, drawn as connected segments: sided names without their
#: side (``"KNEE"``, filled in per trial) or whole names (``"NOSE"``).
Chain = tuple[str, ...]


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


@dataclass(frozen=True)
class TestSpec:
    """One clinical test: its name, unit, words, comparison rules, drawing and protocol.

    Attributes
    ----------
    name : TestName or ManualTestName
        The test's identifier, e.g. ``"knee-flexion"``.
    unit : str
        Unit of the primary value: ``"deg"`` or ``"cm"``.
    higher_is_better : bool
        Whether a larger primary value means more mobility.
    mdc : MinimalDetectableChange
        The published MDC95 and its source (in ``unit``).
    chains : tuple of Chain
        Landmark chains the measurement uses and draws, by name (see :meth:`segments`).
    valid_range : (float, float)
        Physiologically plausible primary values in ``unit``, inclusive, chosen wide: a
        value outside it is a failed measurement, not a person.
    measure : Protocol
        The protocol function.
    label_key, filming_tip_key : str
        Keys of the test's name in :data:`rom.labels.TEST_LABELS` and of its filming
        advice in :data:`rom.labels.FILMING_TIPS`; default: ``name``.
    fallback_unit : str, optional
        Unit used when ``unit`` cannot be (toe-touch without a scale:
        ``"fraction_of_height"``), with its own ``fallback_valid_range``.
    manual_only : bool
        Measured only by hand with the manual tools (:mod:`rom.manual`) on a still image:
        never offered for video analysis, no landmark chains, and ``measure`` refuses.
    """

    __test__ = False  # a class named Test*: not a pytest test class

    name: TestName | ManualTestName
    unit: str
    higher_is_better: bool
    mdc: MinimalDetectableChange
    chains: tuple[Chain, ...]
    valid_range: tuple[float, float]
    measure: Protocol
    label_key: str = ""
    filming_tip_key: str = ""
    fallback_unit: str | None = None
    fallback_valid_range: tuple[float, float] | None = None
    manual_only: bool = False

    def __post_init__(self) -> None:
        # The words of a test are found under its name unless the spec says otherwise.
        object.__setattr__(self, "label_key", self.label_key or self.name)
        object.__setattr__(self, "filming_tip_key", self.filming_tip_key or self.name)
        if self.mdc.test != self.name or self.mdc.unit != self.unit:
            raise ValueError(f"{self.name}: the MDC must be for this test in {self.unit}")
        ranges = [self.valid_range]
        if self.fallback_unit is not None:
            if self.fallback_valid_range is None:
                raise ValueError(f"{self.name}: {self.fallback_unit} needs a valid range")
            ranges.append(self.fallback_valid_range)
        if not all(low < high for low, high in ranges):
            raise ValueError(f"{self.name}: a valid range must run from low to high")
        if self.manual_only and self.chains:
            raise ValueError(f"{self.name}: a test measured by hand has no landmark chains")

    @property
    def units(self) -> tuple[str, ...]:
        """Every unit the primary value can have, the preferred one first."""
        return (self.unit,) if self.fallback_unit is None else (self.unit, self.fallback_unit)

    def range_for(self, unit: str) -> tuple[float, float] | None:
        """The plausible range of the primary value in ``unit``; None for a foreign unit."""
        if unit == self.unit:
            return self.valid_range
        if unit == self.fallback_unit:
            return self.fallback_valid_range
        return None

    def segments(self, side: Side) -> tuple[tuple[int, ...], ...]:
        """:attr:`chains` as landmark indices, every sided name on ``side``."""
        return tuple(tuple(landmark_indices(side, chain)) for chain in self.chains)


def measured_by_hand(test: str) -> Protocol:
    """The protocol of a manual-only test: it refuses, the value comes from :mod:`rom.manual`."""

    def refuse(prep: PreparedTrack, side: Side | None, height_cm: float | None) -> TrialResult:
        raise MeasurementError(
            f"{test} is measured by hand on a photo or frame (the manual goniometer), "
            "not from the pose model"
        )

    return refuse
