"""Toe spreading: the toes spread apart, seen from above, measured by hand.

Manual-only (the pose model has no toe joints).  Two ways, one test:

Angle (``deg``, preferred)
    Three points on a top view: 1. the hallux tip, 2. the vertex, the point between the
    first and fifth metatarsal heads where the two toes' lines meet, 3. the fifth toe's
    tip; the included angle at the vertex (:func:`rom.manual.tools.three_point_angle_deg`),
    ``[0, 180]`` deg, 0 = toes together, larger = spread wider.

Forefoot width (``cm``, the fallback unit)
    Two points across the spread forefoot (the medial side of the hallux and the lateral
    side of the fifth toe, or the two toe tips) with a scale: a wall/floor marker or a
    reference of typed length lying beside the foot in its plane
    (:func:`rom.manual.tools.distance_cm`).  Larger = spread wider.

Reference values
    Unknown: rom found no verified published reference values or MDC95 for either
    measure, so the MDC is "not established".
"""

from __future__ import annotations

from rom.protocols.spec import MinimalDetectableChange, TestSpec, measured_by_hand
from rom.vocabulary import ManualTestName

TEST: ManualTestName = "toe-spread"
POINTS: tuple[str, str, str] = ("hallux tip", "between the metatarsal heads", "fifth toe tip")
WIDTH_POINTS: tuple[str, str] = ("medial edge of the hallux", "lateral edge of the fifth toe")

measure = measured_by_hand(TEST)

SPEC = TestSpec(
    name=TEST,
    mdc=MinimalDetectableChange(
        TEST, None, "deg", "not established: no published MDC95 or reference values verified"
    ),
    unit="deg",
    higher_is_better=True,
    chains=(),
    valid_range=(0.0, 120.0),
    measure=measure,
    fallback_unit="cm",
    # An adult forefoot is ~7-13 cm wide; spread toes add a few cm.
    fallback_valid_range=(3.0, 20.0),
    manual_only=True,
)
