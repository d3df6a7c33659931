"""Big-toe extension: the first metatarsophalangeal (MTP) joint bent up, measured by hand.

The pose model has no toe joints, so this test is **manual-only**: a person marks three
points on a still photo or video frame with the manual goniometer
(:func:`rom.manual.tools.joint_deviation_deg`) and the value is stored like any other.

Points (side view, medial side of the foot, camera at foot height)
    1. the first metatarsal shaft (towards the heel), 2. the first MTP joint (the vertex,
    the goniometer's axis), 3. the hallux (proximal phalanx or toe tip).

Primary value: big-toe extension
    The angle between the first metatarsal's line and the hallux, degrees.  0 = hallux in
    line with the metatarsal (neutral); positive = the hallux bent upwards (extension,
    "dorsiflexion" of the toe) in true vertical, on the levelled image; negative = bent
    down.

Reference values (orientation only, not a norm rom checks against)
    About 50 deg passive extension (American Medical Association guides, as given by
    E. M. Kosmahl, University of Scranton goniometry notes); 65-75 deg are held necessary
    for normal gait (Root, Orien and Weed 1977, Normal and Abnormal Function of the Foot);
    70 deg passive (OrthopaedicsOne, first MTP joint passive range of motion).  Goniometric
    reliability was reported (e.g. Otter et al., J Foot Ankle Res, universal goniometer vs
    a smartphone app: inter-rater ICC about 0.69-0.71), but no MDC95 rom could verify, so
    the MDC is "not established" and a change is never called real on an MDC basis.
"""

from __future__ import annotations

from rom.protocols.spec import MinimalDetectableChange, TestSpec, measured_by_hand
from rom.vocabulary import ManualTestName

TEST: ManualTestName = "big-toe-extension"
#: The three points to click, in order (the second is the vertex).
POINTS: tuple[str, str, str] = ("first metatarsal shaft", "first MTP joint", "hallux")
#: Why neither big-toe test has an MDC (shared with :mod:`rom.protocols.toe_flexion`).
MDC_NOT_ESTABLISHED = "not established: no published MDC95 verified for this method"

measure = measured_by_hand(TEST)

SPEC = TestSpec(
    name=TEST,
    mdc=MinimalDetectableChange(
        TEST, None, "deg", MDC_NOT_ESTABLISHED
    ),
    unit="deg",
    higher_is_better=True,
    chains=(),
    # Passive extension reaches ~100 deg in very mobile feet; a toe bent down past 40 deg
    # is flexion, the other test.
    valid_range=(-40.0, 120.0),
    measure=measure,
    manual_only=True,
)
