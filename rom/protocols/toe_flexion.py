"""Big-toe flexion: the first metatarsophalangeal (MTP) joint bent down, measured by hand.

Manual-only, like :mod:`rom.protocols.toe_extension` (the pose model has no toe joints);
the same three points, side view, marked with the manual goniometer.

Points (side view, medial side of the foot, camera at foot height)
    1. the first metatarsal shaft, 2. the first MTP joint (vertex), 3. the hallux.

Primary value: big-toe flexion
    The angle between the first metatarsal's line and the hallux, degrees.  0 = in line
    (neutral); **positive = the hallux bent downwards** (flexion, "plantarflexion" of the
    toe) in true vertical; i.e. the negative of :func:`rom.manual.tools.joint_deviation_deg`.

Reference values (orientation only)
    About 45 deg passive flexion (OrthopaedicsOne, first MTP joint passive range of
    motion).  MDC95: not established (none verified).
"""

from __future__ import annotations

from rom.protocols import toe_extension
from rom.protocols.spec import MinimalDetectableChange, TestSpec, measured_by_hand
from rom.vocabulary import ManualTestName

TEST: ManualTestName = "big-toe-flexion"
#: The same three points as the extension test: one joint, bent the other way.
POINTS = toe_extension.POINTS

measure = measured_by_hand(TEST)

SPEC = TestSpec(
    name=TEST,
    mdc=MinimalDetectableChange(
        TEST, None, "deg", toe_extension.MDC_NOT_ESTABLISHED
    ),
    unit="deg",
    higher_is_better=True,
    chains=(),
    valid_range=(-40.0, 90.0),
    measure=measure,
    manual_only=True,
)
