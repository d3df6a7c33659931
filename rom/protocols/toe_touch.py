"""Toe-touch: standing forward bend with straight knees (fingertip-to-floor), side-on.

Landmarks and segments
    Wrist and index knuckle (``INDEX``) of the measured side for the fingertip; the heels
    and toes (``FOOT_INDEX``) of both feet for the floor level; eyes for the person's
    height; shoulders, hips, knee and ankle for the secondary angles.

Fingertip
    MediaPipe Pose's ``LEFT_INDEX``/``RIGHT_INDEX`` landmarks are the index finger's first
    knuckle (MCP joint), not its tip, and the clinical measure is fingertip-to-floor.  The
    tip is estimated along the wrist -> knuckle line, assuming a straight hand and fingers
    (as when reaching for the floor):

    * ``"hand_length"`` (when the person is seen standing): the index tip lies
      :data:`rom.geometry.INDEX_TIP_FRACTION_OF_HAND_LENGTH` (0.94) of a hand length from
      the wrist, the hand length being :data:`rom.geometry.HAND_LENGTH_FRACTION_OF_STATURE`
      (0.108) of the standing stature in pixels
      (:func:`rom.geometry.fingertip_from_hand_length`).  The full-body model places the
      knuckles only roughly (on the synthetic clips its wrist-to-knuckle distance was
      ~5.5 cm against ~9 cm anatomically), so the hand's length is taken from the whole
      body instead.  (Some clinicians use the middle fingertip, ~1 cm further.)
    * ``"finger_ratio"`` (no standing frame): the knuckle extended by
      :data:`rom.geometry.INDEX_FINGER_TO_PALM_RATIO` wrist-to-knuckle lengths
      (:func:`rom.geometry.fingertip_from_knuckle`); inherits the model's hand size.

    The method is recorded in the provenance (``fingertip``), and the knuckle's own height
    is kept as ``knuckle_to_floor_cm``.

Primary value: fingertip-to-floor distance
    Vertical distance from the estimated fingertip to the floor level, in true vertical
    (levelled image).  Positive = fingertip above the floor; **negative = past the floor level**
    (e.g. when standing on a step), as clinicians record it.  The floor level is the
    median, over the standing frames before the bend, of the lower of the heel and toe
    landmarks of the **measured side's foot** (of either foot only if that foot is never
    seen): the measured hand hangs in its own foot's depth plane, and with the camera
    above the floor the floor line under a foot further away lies higher in the image
    (by ~12 px, ~4 cm, for feet 20 cm apart seen from 3.4 m by a camera 0.75 m high), so
    the other foot's floor is the wrong one.  Standing frames are those before the trunk
    first passes 45 deg of flexion in which it is within 20 deg of vertical (all frames if
    there are none: the feet do not move in this test).  The provenance records
    ``floor_y_px``, ``floor_side``, ``cm_per_px`` and ``standing_stature_px`` so that two
    trials of one person can be checked for the same floor and scale.

    Units: ``cm`` when ``calibration.cm_per_px`` is known or ``height_cm`` is given (scale
    = height / standing stature in pixels, stature = eye-to-floor height / 0.936,
    :data:`rom.geometry.EYE_HEIGHT_FRACTION_OF_STATURE`, from frames where the person stands
    upright); otherwise ``fraction_of_height`` (distance / standing stature in pixels),
    with the advisory reason ``no_scale``.  A calibration scale (the wall marker) is
    checked against the person's standing stature (:func:`rom.protocols.scale.resolve_scale`):
    a marker in another depth plane than the person gives ``scale_plane_mismatch`` and the
    stated height's scale is used instead (or, with no height, an impossible stature
    rejects the marker's scale).  The mismatch stays advisory when the marker implies a
    *taller* person (a marker on the wall behind: the height's scale is measured in the
    person's own plane and is as good as with no marker; on the synthetic tuning clips with
    the marker 0.25 m or more behind the person it was within 1-3.5 % of the true scale, and
    the reach errors there came from the fingertip, not the scale); a marker that implies a
    *shorter* person than the stated height gives ``scale_conflict`` (invalid,
    :func:`rom.protocols.scale.stature_conflict`): no wall placement explains it, so the
    height or the stature's floor line is wrong.  A calibration scale used without a
    stated height gets ``scale_unchecked`` (invalid): nothing then shows whether the
    marker was in the person's plane, and a wall marker 0.25-0.5 m behind a person 3 m
    from the camera overstates every distance by 8-17 %, more than rom's 3 cm promise
    allows at typical reaches.

Side
    ``side="auto"``: the side nearer the camera (its hand is not hidden by the body).

Phase measured
    The lowest fingertip level held for ``min_hold_s`` (default 0.3 s).

Validity
    ``knees_bent`` (invalid) when the knee of the measured side is flexed more than 15 deg
    at the measured moment.  ``hand_hidden`` (invalid) when the measured hand's wrist and
    index knuckle, from which the fingertip is placed, have a median visibility below
    ``Settings.low_visibility`` over the held lowest reach
    (:func:`rom.protocols.assessment.landmarks_hidden`): the model then rates them more
    likely hidden than seen, and a guessed hand puts the fingertip centimetres off (the
    common ``low_visibility`` check pools them with the legs, which are usually well
    seen).  ``not_this_test`` (invalid) when the trunk is not bent forward past
    :data:`BEND_STARTED_DEG` at the measured moment: no forward bend.
    ``tilt_unknown`` (invalid) when an unknown camera roll could move the fingertip's
    height above the floor line by more than :data:`MAX_TILT_ERROR_CM`: a roll ``e``
    shifts it by ``d * sin(e)``, ``d`` being the horizontal distance between the
    fingertip and the measured foot, so the roll must be known within
    ``asin(MAX_TILT_ERROR_CM / d)`` (an unknown roll counts as
    :data:`rom.protocols.uncertainty.ASSUMED_MAX_ROLL_DEG`).  The pose model's 3-D reading
    of the knuckle's height (:func:`world_knuckle_reach_fraction`) is kept as a secondary
    but invalidates nothing: in a forward bend it read 6-8 cm below the image's on most
    synthetic clean clips and was no referee (it flagged good values and missed bad ones,
    make_set seeds 77, 303, 505); the reading of the mirrored frames is the second reading
    instead (:func:`rom.pipeline.analyse_trial`).  The same ``d * sin(e)``, in the value's
    unit, is the roll's part of the value's uncertainty; the spread of hand lengths between people
    (:func:`fingertip_model_uncertainty_px`) is another part.  The common reasons,
    ``not_levelled`` (advisory).  No value when the person's standing height cannot be
    seen and no scale is known.

Two levels of promise
    Every measured reach gets ``fingertip_estimated``: the value is shown but not promised
    within 3 cm, and its changes (pre -> post, left/right, over sessions) are
    (:data:`rom.measurement.CHANGE_ONLY_REASONS`).  The fingertip is not a landmark: it is
    placed from the pose model's wrist, one typical hand length along the hand, above a
    floor line from the model's heel and toe points, and each of these is off by an amount
    that depends on the person's hand and foot and on the camera, which no clip shows (the
    mirrored pass makes the same error).  On 32 clean synthetic reaches (make_set seeds
    77-4747, 2026-12-03) the values were off by 2.5 cm RMS, up to 5.7 cm, 7 beyond 3 cm,
    and rom's own uncertainty did not tell them apart: of the 11 it let through, 3 were
    beyond 3 cm, one 4.0 cm off with an uncertainty of 1.0 cm.  The errors of one
    person's pre and post reaches move together (the two changes promised on those clips
    were within 1.8 cm), so the change is promised where its two ends' own uncertainties
    allow (``too_uncertain`` still withholds it).

Secondary values
    ``trunk_flexion_deg`` (trunk line hip midpoint -> shoulder midpoint from true vertical,
    + = forward), ``hip_flexion_deg`` (thigh against the trunk line, + = flexion),
    ``knee_flexion_deg``, ``knuckle_to_floor_cm`` (or ``_fraction_of_height``) for the
    raw index-knuckle landmark, and ``fingertip_to_floor_fraction_of_height`` alongside a
    value in cm.
"""

from __future__ import annotations

import numpy as np

from rom import geometry
from rom.calibration import level_points
from rom.measurement import TrialResult
from rom.protocols.assessment import Signal, assess, finish, landmarks_hidden, value_at
from rom.protocols.body import (
    feet_lowest_y,
    hip_flexion_signal,
    knee_flexion_signal,
    landmark_indices,
    nearer_side,
    standing_stature_px,
    trunk_inclination_deg,
    upright_frames,
)
from rom.protocols.prepare import FloatArray, PreparedTrack, finite_median
from rom.protocols.scale import resolve_scale, stature_conflict
from rom.protocols.spec import MinimalDetectableChange, TestSpec
from rom.protocols.uncertainty import roll_error_deg
from rom.vocabulary import Side, TestName

TEST: TestName = "toe-touch"
#: Largest shoulder-separation / torso-length ratio of a side view for this test (``not_side_on``
#: beyond it).  From the yaw -> error map on true landmarks (``benchmarks/yaw_map.md``, made by
#: ``benchmarks/yaw_error.py``), the ratio at which the camera's turn away from side-on makes the
#: projection error reach 2 deg; for toe-touch: every view stayed within 2 cm up to 30 deg of
#: turn, so the general limit of a side view applies (0.35, about 25 deg).
SIDE_ON_MAX_RATIO = 0.35
#: Largest turn of the camera from side-on that the pose model's 3-D shoulders may show
#: over the held reach, degrees (``not_side_on`` beyond it).  The projection alone would
#: allow 30 deg (above), but the pose model's own fingertip error grows with the turn:
#: on a fresh hard clip turned 19 deg (make_set --hard 12 --seed 808, hard007) the image
#: ratio read 0.28 and the 3-D shoulders 28.9 deg, and the reach was 4.9 cm off (0.5 cm
#: on the true landmarks).  On the 16 clean side-on toe touches of seeds 77, 303, 505 and
#: 919 the 3-D shoulders read 0.2-7.8 deg over the reach, so 15 deg, about twice the
#: largest, costs them nothing.  One miss is thin evidence: the limit is a guard, to be
#: measured again on real footage.
MAX_WORLD_YAW_DEG = 15.0
MAX_KNEE_FLEXION_DEG = 15.0
STANDING_TRUNK_DEG = 20.0
BEND_STARTED_DEG = 45.0
#: Largest error in the fingertip-to-floor distance an uncertain camera roll may cause,
#: cm: a third of rom's 3 cm reliability tolerance, so the roll is never the main error.
MAX_TILT_ERROR_CM = 1.0


def tilt_error_px(prep: PreparedTrack, tip: np.ndarray, side: Side, index: int) -> float:
    """Worst fingertip-height error, px, from the roll's uncertainty (see module docstring)."""
    roll_error = roll_error_deg(prep.calibration)
    foot_x = finite_median(
        np.stack([prep.point("HEEL", side)[:, 0], prep.point("FOOT_INDEX", side)[:, 0]])
    )
    offset = abs(float(tip[index, 0]) - foot_x)
    return offset * float(np.sin(np.radians(roll_error))) if np.isfinite(offset) else np.nan


#: Relative 95 % spread of a person's hand length about
#: :data:`rom.geometry.HAND_LENGTH_FRACTION_OF_STATURE` of their stature: individual hands
#: vary by roughly +-5 % (the figure beside that constant), taken here as the 95 % range.
HAND_LENGTH_RELATIVE_UNCERTAINTY = 0.05


def fingertip_model_uncertainty_px(
    wrist: np.ndarray, knuckle: np.ndarray, hand_length_px: float
) -> float:
    """How far, vertically, the fingertip may sit from where a typical hand puts it, px.

    The fingertip is placed ``hand_length_px`` from the wrist along the wrist -> knuckle
    line (:func:`fingertip`); a hand :data:`HAND_LENGTH_RELATIVE_UNCERTAINTY` longer or
    shorter moves it along that line, so the reach (a vertical distance) changes by that
    length times the cosine of the hand's angle from vertical: the whole of it for a hand
    hanging straight down, nothing for a horizontal one.

    Parameters
    ----------
    wrist, knuckle : ndarray, shape (2,)
        Image points at the measured moment (levelled pixels, y down).
    hand_length_px : float
        The hand length used, px.

    Returns
    -------
    float
        About a 95 % half-width, px; NaN when a point is missing or they coincide.
    """
    direction = np.asarray(knuckle, dtype=np.float64) - np.asarray(wrist, dtype=np.float64)
    norm = float(np.linalg.norm(direction))
    if not (np.isfinite(norm) and norm > 0 and np.isfinite(hand_length_px)):
        return float("nan")
    return HAND_LENGTH_RELATIVE_UNCERTAINTY * float(hand_length_px) * abs(direction[1]) / norm


def world_knuckle_reach_fraction(prep: PreparedTrack, side: Side) -> FloatArray:
    """Height of ``side``'s index knuckle above its foot, from the world landmarks (T,).

    As a fraction of the standing stature read the same way (eyes to the lowest heel or
    toe over 0.936, median over upright frames), so the model's metric scale cancels.
    World landmarks are centred on the hips in every frame, so the floor is taken in the
    same frame: the measured foot's lower heel or toe point.  Levelled by the calibration's
    roll, as the image points are (the world axes follow the camera's).  NaN where absent.
    """
    world = np.asarray(prep.track.world_xyz, dtype=np.float64)[..., :2]
    world = level_points(world, prep.calibration)
    stature = finite_median(geometry.standing_stature_px(world)[upright_frames(prep)])
    heel, toe, knuckle = landmark_indices(side, ("HEEL", "FOOT_INDEX", "INDEX"))
    floor = np.fmax(world[:, heel, 1], world[:, toe, 1])
    return np.asarray((floor - world[:, knuckle, 1]) / stature)


def floor_level_y(prep: PreparedTrack, side: Side | None = None) -> float:
    """Image ``y`` of the floor under the standing feet (levelled pixels), NaN if unknown.

    With ``side``, only that foot's heel and toe are used (both feet when it is never
    seen): the measured hand hangs in its own foot's depth plane, and with the camera
    above the floor a floor point further away projects higher in the image, so the other
    foot's floor line is not the one under the fingertip.
    """
    trunk = trunk_inclination_deg(prep)
    feet = feet_lowest_y(prep)
    if side is not None:
        own = np.stack([prep.point("HEEL", side)[:, 1], prep.point("FOOT_INDEX", side)[:, 1]])
        seen = np.isfinite(own).any(axis=0)
        if seen.any():
            feet = np.where(seen, np.max(np.where(np.isfinite(own), own, -np.inf), axis=0), np.nan)
    bent = np.flatnonzero(trunk >= BEND_STARTED_DEG)
    before = np.arange(len(trunk)) < (bent[0] if bent.size else len(trunk))
    standing = before & (np.abs(trunk) < STANDING_TRUNK_DEG) & np.isfinite(feet)
    if standing.any():
        return float(np.median(feet[standing]))
    return finite_median(feet)


def fingertip(
    prep: PreparedTrack, side: Side, stature_px: float, raw: bool = False
) -> tuple[np.ndarray, str]:
    """Estimated fingertip of ``side`` (T, 2) and the method used (see module docstring)."""
    wrist = prep.point("WRIST", side, raw)
    knuckle = prep.point("INDEX", side, raw)
    if np.isfinite(stature_px) and stature_px > 0:
        hand_px = (
            geometry.HAND_LENGTH_FRACTION_OF_STATURE
            * geometry.INDEX_TIP_FRACTION_OF_HAND_LENGTH
            * stature_px
        )
        return geometry.fingertip_from_hand_length(wrist, knuckle, hand_px), "hand_length"
    return geometry.fingertip_from_knuckle(wrist, knuckle), "finger_ratio"


def measure(prep: PreparedTrack, side: Side | None, height_cm: float | None) -> TrialResult:
    """Measure fingertip-to-floor distance (see module docstring)."""
    side = side or nearer_side(prep)
    floor_y = floor_level_y(prep, side)
    scale = resolve_scale(prep, height_cm)
    cm_per_px = scale.cm_per_px
    stature = standing_stature_px(prep)
    reasons: list[str] = list(scale.reasons)
    if cm_per_px is not None and scale.source != "height" and height_cm is None:
        # A marker's scale is that of its own plane; without a stated height nothing shows
        # whether the person stood in it (a wall marker 0.25-0.5 m behind a person 3 m
        # from the camera overstates every distance by 8-17 %).
        reasons.append("scale_unchecked")
    if stature_conflict(scale, height_cm):
        reasons.append("scale_conflict")
    if cm_per_px is not None:
        unit, per_px = "cm", cm_per_px
    else:
        unit = "fraction_of_height"
        per_px = 1.0 / stature if np.isfinite(stature) and stature > 0 else float("nan")
        reasons.append("no_scale")
        if not np.isfinite(per_px):
            reasons.append("no_height_reference")

    tip, tip_method = fingertip(prep, side, stature)
    raw_tip, _ = fingertip(prep, side, stature, raw=True)

    signal = Signal(
        test=TEST,
        side=side,
        unit=unit,
        values=(floor_y - tip[:, 1]) * per_px,
        raw_values=(floor_y - raw_tip[:, 1]) * per_px,
        required=tuple(
            landmark_indices(side, ("WRIST", "INDEX", "HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX"))
        ),
        segments=SPEC.segments(side),
        mode="min",
        reasons=tuple(reasons),
        side_on_max_ratio=SIDE_ON_MAX_RATIO,
        max_world_yaw_deg=MAX_WORLD_YAW_DEG,
    )
    # The scale's reasons are already the signal's: its unit depends on the scale.
    a = assess(prep, signal, check_roll=True, scale=scale)
    if a.peak is not None:
        i = a.peak.index
        a.reasons.append("fingertip_estimated")  # a value only to compare, see the docstring
        if landmarks_hidden(prep, landmark_indices(side, ("WRIST", "INDEX")), a.peak):
            a.reasons.append("hand_hidden")
        knee = value_at(knee_flexion_signal(prep, side), i)
        if knee is not None and knee > MAX_KNEE_FLEXION_DEG:
            a.reasons.append("knees_bent")
        trunk = value_at(trunk_inclination_deg(prep), i)
        if trunk is not None and trunk < BEND_STARTED_DEG:
            a.reasons.append("not_this_test")
        allowed_px = (
            MAX_TILT_ERROR_CM / cm_per_px
            if cm_per_px is not None
            else MAX_TILT_ERROR_CM / 170.0 * stature  # 1 cm of an average adult
        )
        if tip_method == "hand_length":  # the finger-ratio tip inherits the model's hand
            hand_px = (geometry.HAND_LENGTH_FRACTION_OF_STATURE
                       * geometry.INDEX_TIP_FRACTION_OF_HAND_LENGTH * stature)
            model_px = fingertip_model_uncertainty_px(
                prep.point("WRIST", side)[i], prep.point("INDEX", side)[i], hand_px
            )
            a.model_uncertainty = float(model_px * per_px) if np.isfinite(model_px) else 0.0
        tilt_px = tilt_error_px(prep, tip, side, i)
        # The same roll error, in the value's unit, is part of its uncertainty.
        a.tilt_uncertainty = float(tilt_px * per_px)  # NaN (foot unseen): unknown
        if not (np.isfinite(tilt_px) and np.isfinite(allowed_px) and tilt_px <= allowed_px):
            a.reasons.append("tilt_unknown")
        a.add_secondary("knee_flexion_deg", knee)
        a.add_secondary("trunk_flexion_deg", value_at(trunk_inclination_deg(prep), i))
        a.add_secondary("hip_flexion_deg", value_at(hip_flexion_signal(prep, side), i))
        knuckle_reach = (floor_y - prep.point("INDEX", side)[i, 1]) * per_px
        if unit == "cm":
            a.add_secondary("knuckle_to_floor_cm", knuckle_reach)
        else:
            a.add_secondary("knuckle_to_floor_fraction_of_height", knuckle_reach, 4)
        if cm_per_px is not None and np.isfinite(stature) and stature > 0:
            a.add_secondary(
                "fingertip_to_floor_fraction_of_height", a.peak.value / cm_per_px / stature, 4
            )
            window = slice(a.peak.start, a.peak.stop)
            world_reach = finite_median(world_knuckle_reach_fraction(prep, side)[window])
            if np.isfinite(world_reach):
                world_cm = world_reach * stature * cm_per_px
                a.add_secondary("knuckle_to_floor_world_cm", world_cm)
    return finish(
        prep,
        a,
        {
            "test": TEST,
            "scale_source": scale.source,
            "calibration_stature_cm": scale.calibration_stature_cm,
            "height_cm": height_cm,
            "floor_y_px": floor_y,
            "floor_side": side,
            "cm_per_px": cm_per_px,
            "standing_stature_px": stature if np.isfinite(stature) else None,
            "fingertip": tip_method,
            "hand_length_fraction_of_stature": geometry.HAND_LENGTH_FRACTION_OF_STATURE,
            "index_tip_fraction_of_hand_length": geometry.INDEX_TIP_FRACTION_OF_HAND_LENGTH,
            "index_finger_to_palm_ratio": geometry.INDEX_FINGER_TO_PALM_RATIO,
        },
    )


SPEC = TestSpec(
    name=TEST,
    # Fingertip-to-floor: MDC 4.5 cm in patients with acute/subacute low back pain,
    # Ekedahl H, Jonsson B, Frobell RB, Arch Phys Med Rehabil 2012;93(12):2210-5.
    # Perret et al., Arch Phys Med Rehabil 2001;82:1566-70 established excellent
    # reliability (ICC 0.99) but their abstract gives no MDC.
    mdc=MinimalDetectableChange(
        TEST,
        4.5,
        "cm",
        "Ekedahl H et al. Arch Phys Med Rehabil 2012;93(12):2210-5 (fingertip-to-floor); "
        "reliability: Perret C et al. 2001",
    ),
    unit="cm",
    # Fingertip-to-floor is a distance left to the floor: smaller (or more negative) is better.
    higher_is_better=False,
    chains=(("SHOULDER", "HIP", "KNEE", "ANKLE"), ("SHOULDER", "ELBOW", "WRIST", "INDEX")),
    # Standing upright the fingertip hangs ~0.38 of stature above the floor (~100 cm for the
    # tallest); on a step a hypermobile reach passes the floor by a few tens of cm.
    valid_range=(-60.0, 120.0),
    measure=measure,
    fallback_unit="fraction_of_height",
    fallback_valid_range=(-0.35, 0.5),
)
