"""Hip extension: runner's lunge / Thomas-type test, filmed side-on.

Landmarks and segments
    Shoulder and hip of the side nearer the camera (trunk line), hip and knee of the
    measured (rear) leg (thigh: hip -> knee), ankle for knee flexion.

Trunk line
    The definition's trunk line runs from the shoulder midpoint to the hip midpoint.  Seen
    from the side, the near side's shoulder -> hip line is parallel to it (both are the
    trunk's projection: on the synthetic ground-truth landmarks the two give the same
    angle within 0.15 deg), but the far side's shoulder and hip are hidden behind the
    torso and MediaPipe has to guess them: on the synthetic clips its far hip sat up to
    ~14 px off while the near one was within ~3 px, tilting the midpoint line and
    over-reading extension.  So the near side's shoulder and hip are used
    (:func:`rom.protocols.body.nearer_side`; recorded as ``trunk_side`` in provenance).
    The trunk-lean check and ``trunk_lean_deg`` still use the midpoints.

Primary value: hip extension, degrees
    Angle of the rear thigh *behind* the trunk line extended below the hips.
    0 deg = thigh in line with the trunk; positive = knee behind that line (extension);
    negative = hip still flexed.  Being an angle between two body segments it does not
    depend on camera roll.

Side
    ``side="auto"`` takes the rear leg: the leg whose knee is, over the trial, further
    behind its hip (in the direction the person faces).

Phase measured
    Peak extension held for ``min_hold_s`` (default 0.3 s).

Validity
    ``trunk_lean`` (invalid) when the trunk line is more than 15 deg from true vertical
    at the peak.  Leaning back (or arching the low back) rotates the trunk line behind
    the pelvis and inflates the thigh-to-trunk angle; leaning forward shortens it; in both
    cases the number is not the test's.  Anterior pelvic tilt itself cannot be seen with
    MediaPipe's landmarks (no pelvis markers), so this check is the proxy.  Plus the
    common reasons; ``not_levelled`` (advisory) when the roll is unknown, because the
    lean check and the vertical-referenced secondary value depend on it.  The movement
    must be a lunge: at the peak the other foot is at least :data:`LUNGE_STANCE_FOOT_LENGTHS`
    foot lengths in front of the measured one (``not_this_test`` otherwise), and
    ``other_leg_moved`` when, instead, the *other* leg is the rear leg of a lunge at its
    own peak (the front leg was chosen).  The hip
    angle itself is not part of the signature: a stiff hip may stay near 0 deg in a real
    lunge.

Secondary values
    ``thigh_behind_vertical_deg`` — rear thigh behind true vertical (+ = knee behind the
    hip); ``trunk_lean_deg`` — trunk from true vertical (+ = forward);
    ``rear_knee_flexion_deg``.
"""

from __future__ import annotations

import numpy as np

from rom import geometry
from rom import signal as sig
from rom.measurement import TrialResult
from rom.protocols.assessment import Signal, assess, finish, value_at
from rom.protocols.body import (
    foot_length_px,
    hip_flexion_signal,
    knee_flexion_signal,
    landmark_indices,
    nearer_side,
    trunk_inclination_deg,
)
from rom.protocols.prepare import PreparedTrack, finite_median
from rom.protocols.spec import MinimalDetectableChange, TestSpec
from rom.signal import Peak
from rom.vocabulary import SIDES, Side, TestName, other_side

TEST: TestName = "hip-extension"
#: Largest shoulder-separation / torso-length ratio of a side view for this test (``not_side_on``
#: beyond it).  From the yaw -> error map on true landmarks (``benchmarks/yaw_map.md``, made by
#: ``benchmarks/yaw_error.py``), the ratio at which the camera's turn away from side-on makes the
#: projection error reach 2 deg; for hip extension: the error passes 2 deg beyond 0.118 (yaw
#: about -5 or +7.5 deg); yaw 0 views read 0.05-0.10.
SIDE_ON_MAX_RATIO = 0.12
#: Largest turn of the camera from side-on that the pose model's 3-D shoulders may show,
#: degrees (``not_side_on`` beyond it).  The model's guess reads 1-5 deg on side-on clips
#: and tracks a camera swung towards the person's front (but hardly one swung behind),
#: so it is a second check, not a replacement for the image ratio.  It is read at rest,
#: standing before or after the lunge, as for knee flexion: in the lunge the model's 3-D
#: shoulders turned 10-13 deg on side-on synthetic clips whose true shoulders turned
#: under 0.5 deg (make_set --pairs 8 --seed 919, both hip pairs; seed 505, set006), and
#: read 1.3-7.8 deg at rest on every clean hip clip of seeds 77, 303, 505 and 919, while
#: a turned camera shows at rest too.
MAX_WORLD_YAW_DEG = 10.0
MAX_TRUNK_LEAN_DEG = 15.0
#: A lunge puts the feet at least this many foot lengths apart (front ankle ahead of the
#: rear one).  Runner's lunges and half-kneeling Thomas-type positions put them 2-4 foot
#: lengths apart; standing or walking in place keeps them within about one.
LUNGE_STANCE_FOOT_LENGTHS = 1.0


def lunge_stance(prep: PreparedTrack, rear: Side, window: slice) -> float:
    """How far the other ankle is in front of ``rear``'s over ``window``, in foot lengths.

    NaN when the ankles or feet are not seen.  The foot length is the median heel-to-toe
    distance of both feet over the trial.
    """
    ahead = finite_median(
        geometry.forward_offset(
            prep.point("ANKLE", other_side(rear))[window],
            prep.point("ANKLE", rear)[window],
            prep.facing,
        )
    )
    foot = foot_length_px(prep)
    return ahead / foot if foot > 0 else float("nan")


def lunge_verdict(prep: PreparedTrack, side: Side, peak: Peak, near: Side) -> str | None:
    """``None`` for a lunge with ``side`` behind, else the reason (see module docstring).

    When the measured leg's peak shows no lunge, the other leg's own peak decides between
    ``other_leg_moved`` (the other leg is the rear leg of a lunge) and ``not_this_test``.
    """
    stance = lunge_stance(prep, side, slice(peak.start, peak.stop))
    if not np.isfinite(stance) or stance >= LUNGE_STANCE_FOOT_LENGTHS:
        return None  # a lunge, or no evidence either way
    other = other_side(side)
    other_peak = sig.robust_peak(
        prep.time_s, -hip_flexion_signal(prep, other, trunk_side=near), prep.settings.min_hold_s
    )
    if other_peak is not None and (
        lunge_stance(prep, other, slice(other_peak.start, other_peak.stop))
        >= LUNGE_STANCE_FOOT_LENGTHS
    ):
        return "other_leg_moved"
    return "not_this_test"


def rear_leg(prep: PreparedTrack) -> Side:
    """The leg whose knee is further behind its hip over the trial."""
    behind = {
        s: finite_median(
            geometry.forward_offset(prep.point("KNEE", s), prep.point("HIP", s), prep.facing)
        )
        for s in SIDES
    }
    if not all(np.isfinite(v) for v in behind.values()):
        return nearer_side(prep)
    return min(behind, key=lambda s: behind[s])


def measure(prep: PreparedTrack, side: Side | None, height_cm: float | None) -> TrialResult:
    """Measure hip extension (see module docstring)."""
    side = side or rear_leg(prep)
    near = nearer_side(prep)
    trunk, thigh = SPEC.chains  # the trunk from the near side, the thigh from the measured
    signal = Signal(
        test=TEST,
        side=side,
        unit=SPEC.unit,
        values=-hip_flexion_signal(prep, side, trunk_side=near),
        raw_values=-hip_flexion_signal(prep, side, raw=True, trunk_side=near),
        required=tuple(
            landmark_indices(side, ("SHOULDER", "HIP", "KNEE"))
            + landmark_indices(near, ("SHOULDER", "HIP"))
        ),
        segments=(tuple(landmark_indices(near, trunk)), tuple(landmark_indices(side, thigh))),
        side_on_max_ratio=SIDE_ON_MAX_RATIO,
        max_world_yaw_deg=MAX_WORLD_YAW_DEG,
        world_yaw_at_rest=True,
    )
    a = assess(prep, signal, check_roll=True)
    if a.peak is not None:
        i = a.peak.index
        verdict = lunge_verdict(prep, side, a.peak, near)
        if verdict is not None:
            a.reasons.append(verdict)
        lean = value_at(trunk_inclination_deg(prep), i)
        a.add_secondary("trunk_lean_deg", lean)
        if lean is not None and abs(lean) > MAX_TRUNK_LEAN_DEG:
            a.reasons.append("trunk_lean")
        thigh_angle = geometry.thigh_from_vertical_deg(
            prep.point("HIP", side), prep.point("KNEE", side), prep.facing
        )
        behind = value_at(thigh_angle, i)
        a.add_secondary("thigh_behind_vertical_deg", None if behind is None else -behind)
        a.add_secondary("rear_knee_flexion_deg", value_at(knee_flexion_signal(prep, side), i))
    return finish(prep, a, {"test": TEST, "height_cm": height_cm, "trunk_side": near})


SPEC = TestSpec(
    name=TEST,
    # Hip extension (runner's lunge / Thomas-type): no MDC95 we could verify.  Published
    # Thomas-test studies report poor reliability unless pelvic tilt is controlled
    # (Peeler & Anderson, Phys Ther Sport 2007;8:14-21; Vigotsky et al., PeerJ 2016;4:e2325),
    # so no number is claimed.
    mdc=MinimalDetectableChange(
        TEST,
        None,
        "deg",
        "not established: Thomas-test reliability is poor without pelvic control "
        "(Peeler & Anderson 2007; Vigotsky et al. 2016)",
    ),
    unit="deg",
    higher_is_better=True,
    chains=(("SHOULDER", "HIP"), ("HIP", "KNEE")),
    # Hips extend by 10-30 deg; a lunge that never opens the hip reads negative.
    valid_range=(-60.0, 80.0),
    measure=measure,
)
