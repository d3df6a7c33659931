"""Clinical reference numbers: typical ranges, left/right thresholds, trend rule. Pure, no I/O.

Each number cites its source; every one was checked against rom's collected clinical notes
(``clinical-references.md``, 2026-12-01).  Where no published figure was found the entry
says so and no number is claimed.  Values are in the test's stored unit: degrees for angles
(the conventions of each protocol module in :mod:`rom.protocols`), centimetres for
distances.  The knee-to-wall distance of the weight-bearing lunge is the ankle test's
secondary value ``knee_beyond_toe_cm`` (knee in front of the toes, cm, positive = further
forward = more dorsiflexion).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rom.i18n import N_, Texts, _
from rom.measurement import Measurement

#: Secondary value of the ankle test with the knee-to-wall distance in cm.
KNEE_TO_WALL = "knee_beyond_toe_cm"


@dataclass(frozen=True)
class ReferenceRange:
    """A published typical range of one quantity in healthy adults.

    Attributes
    ----------
    test : str
    quantity : str
        ``"value"`` for the primary value, else the name of a secondary value
        (e.g. :data:`KNEE_TO_WALL`).
    unit : str
        ``"deg"`` or ``"cm"``.
    low, high : float or None
        The typical band (mean ± 1 SD where the source gives a mean and SD); ``high`` None
        for a one-sided threshold (a value at or above ``low`` is typical).
    meaning : str
        What the band is, in words.
    source : str
    """

    test: str
    quantity: str
    unit: str
    low: float
    high: float | None
    meaning: str
    source: str


#: Typical ranges, per test and quantity.
REFERENCE_RANGES: dict[tuple[str, str], ReferenceRange] = {
    # Knee-to-wall: healthy adults 12 +/- 2.8 cm (mean +/- SD, normative WBLT data; age and
    # sex percentiles for 899 adults: PubMed 41723909).
    ("ankle-dorsiflexion", KNEE_TO_WALL): ReferenceRange(
        "ankle-dorsiflexion", KNEE_TO_WALL, "cm", 12.0 - 2.8, 12.0 + 2.8,
        N_("healthy adults, 12 ± 2.8 cm (mean ± SD)"),
        "normative weight-bearing lunge data (PubMed 41723909)",
    ),
    # Knee flexion 141 +/- 5.3 deg (AAOS); AMA 150 deg; Boone & Azen 142.5 +/- 5.4 deg.
    ("knee-flexion", "value"): ReferenceRange(
        "knee-flexion", "value", "deg", 141.0 - 5.3, 141.0 + 5.3,
        N_("healthy adults, 141 ± 5.3° (mean ± SD)"),
        "AAOS; similar: Boone & Azen 142.5 ± 5.4°, AMA 150°",
    ),
    # The same joint angle as the standing test, so the same published range.
    ("knee-flexion-prone", "value"): ReferenceRange(
        "knee-flexion-prone", "value", "deg", 141.0 - 5.3, 141.0 + 5.3,
        "healthy adults, 141 ± 5.3° (mean ± SD)",
        "AAOS; similar: Boone & Azen 142.5 ± 5.4°, AMA 150°",
    ),
    # Modified Thomas test: a hip angle above 0 deg (thigh above horizontal, hip still
    # flexed) marks short one-joint hip flexors.  In rom's convention (0 = thigh in line
    # with the trunk, positive = extension) that is a value below 0.
    ("hip-extension", "value"): ReferenceRange(
        "hip-extension", "value", "deg", 0.0, None,
        N_("the hip reaches neutral (0°); below 0° suggests short hip flexors"),
        "modified Thomas test threshold, BMC Sports Sci Med Rehabil 2021, "
        "doi:10.1186/s13102-021-00242-y (a supine test; filmed standing here, so approximate)",
    ),
}

#: Why a test has no reference range (no published one was found).
NO_RANGE_REASON: Mapping[str, str] = Texts({
    "toe-touch": N_("no published range in centimetres for fingertip-to-floor"),
    "hip-flexion": N_("no published range for a standing thigh-to-trunk angle"),
    "ankle-dorsiflexion": N_("no published range for the tibial angle (the often-quoted "
                             "35–38° has no primary source)"),
})


@dataclass(frozen=True)
class AsymmetryThreshold:
    """Left/right difference beyond which a test is asymmetric, from the literature.

    Attributes
    ----------
    test, quantity, unit : str
        As in :class:`ReferenceRange`.
    limit : float
        A ``|left - right|`` above this is outside what most healthy adults show.
    meaning, source : str
    """

    test: str
    quantity: str
    unit: str
    limit: float
    meaning: str
    source: str


#: Left/right thresholds per test (only where one is published).
ASYMMETRY_THRESHOLDS: dict[str, AsymmetryThreshold] = {
    # 68 % of healthy adults have a WBLT left-right difference <= 1.5 cm; in patients the
    # MDC of the left-right difference is 1.5 cm as well (PMC3484905).
    "ankle-dorsiflexion": AsymmetryThreshold(
        "ankle-dorsiflexion", KNEE_TO_WALL, "cm", 1.5,
        N_("68 % of healthy adults differ by 1.5 cm or less"),
        "normative WBLT asymmetry data; MDC of the difference 1.5 cm (PMC3484905)",
    ),
}

#: Words of the range sentence, per position against the band.
RANGE_WORDS: Mapping[str, str] = Texts({
    "within": N_("within the typical range"),
    "below": N_("below the typical range"),
    "above": N_("above the typical range"),
})


def reference_range(test: str, quantity: str = "value") -> ReferenceRange | None:
    """The published typical range of ``test``'s ``quantity``, or None when there is none."""
    return REFERENCE_RANGES.get((test, quantity))


def position(value: float, band: ReferenceRange) -> str:
    """Where ``value`` (in ``band.unit``) lies: ``"below"``, ``"within"`` or ``"above"``."""
    if value < band.low:
        return "below"
    if band.high is not None and value > band.high:
        return "above"
    return "within"


def range_sentence(value: float | None, band: ReferenceRange | None) -> str:
    """Where ``value`` lies in words, e.g. ``"within the typical range (healthy adults, ...)"``.

    Empty when there is no value or no band.
    """
    if value is None or band is None:
        return ""
    return _("{position} ({meaning}; {source})").format(
        position=RANGE_WORDS[position(value, band)], meaning=_(band.meaning), source=band.source)


def asymmetric(left: float, right: float, threshold: AsymmetryThreshold) -> bool:
    """Whether ``|left - right|`` (in ``threshold.unit``) exceeds the published threshold."""
    return abs(left - right) > threshold.limit


def include_in_trend(measurement: Measurement, opt_in: bool) -> bool:
    """Whether ``measurement`` belongs in a trend over time.

    A trend shows change, so comparable values always do
    (:attr:`rom.measurement.Measurement.comparable`: reliable, or sharing a known bias such
    as deep knee flexion's); any other value with a number only when the user opted in
    (``opt_in``) to see it; one without a value never does.
    """
    if measurement.value is None:
        return False
    return measurement.comparable or opt_in
