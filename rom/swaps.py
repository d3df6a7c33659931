"""Whole-body left/right label flips: find them and put the labels back.

MediaPipe sometimes labels a whole body mirrored for a run of frames: every ``LEFT_x``
landmark sits where ``RIGHT_x`` should be and the other way round (on real four-camera
footage, 28 of 100 frames of one view). The 2-D skeleton then looks plausible, but the
"left knee" angle is the right knee's.

:func:`find_left_right_swaps` decides, per frame, between the two labellings (as given,
or with every left/right pair exchanged) by dynamic programming (Viterbi over two
states) on two kinds of evidence:

* **Continuity.** Between consecutive detected frames, each labelling costs the distance
  its points travel from the previous frame's (in units of the torso length, weighted by
  visibility). A flip is a jump of every sided landmark to the other side's position;
  keeping one labelling through it costs nothing, following it costs the jump.
* **Handedness of the feet.** With the correct labels the body is right-handed: the
  vector from the right to the left hip and shoulder, the direction the feet point (heels
  to toes) and "up" (the image's up; along the floor for a body lying down), in image x,
  y and MediaPipe's depth z, have a fixed sign of their triple product. The feet's
  direction is read from the image (toes vs heels) and does not change with the labels,
  while exchanging the labels negates the left-minus-right vector: a mirrored labelling
  has the wrong sign. (The face gives no such evidence: in MediaPipe's mirrored frames
  the nose's depth is mirrored too.)

A small cost per exchanged frame settles the frames where neither kind of evidence
speaks (legs together, side-on), so an unflipped track stays as it is.

Pure numpy; arrays have time on the first axis and MediaPipe's 33 landmarks on the second.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rom.landmarks import NUM_LANDMARKS, Landmark
from rom.pose import PoseTrack

FloatArray = NDArray[np.float64]

#: Every (left, right) landmark pair: eyes, ears, mouth corners, arms, hands, legs, feet.
LEFT_RIGHT_PAIRS: tuple[tuple[Landmark, Landmark], ...] = tuple(
    (lm, Landmark[lm.name.replace("LEFT", "RIGHT")])
    for lm in Landmark
    if "LEFT" in lm.name
)

#: ``MIRRORED[i]`` is the landmark that takes index ``i``'s place when labels are exchanged.
MIRRORED: NDArray[np.intp] = np.arange(NUM_LANDMARKS, dtype=np.intp)
for _left, _right in LEFT_RIGHT_PAIRS:
    MIRRORED[_left], MIRRORED[_right] = _right, _left

#: Cost of following a jump, per torso length of travel (mean over the sided landmarks).
CONTINUITY_WEIGHT = 5.0
#: Cost of a labelling whose feet are left-handed, per unit of normalised handedness.
HANDEDNESS_WEIGHT = 0.6
#: Cost of each exchanged frame: keeps the labels given unless evidence says otherwise.
EXCHANGE_COST = 0.05
#: Standing, a foot whose lowest point is more than this many foot lengths above the
#: other's is off the floor: its pointing says nothing of the way the body faces.
RAISED_FOOT_LENGTHS = 0.5

_LEFT = np.array([pair[0] for pair in LEFT_RIGHT_PAIRS], dtype=np.intp)
_RIGHT = np.array([pair[1] for pair in LEFT_RIGHT_PAIRS], dtype=np.intp)
#: Every left and every right landmark: the ones a label exchange moves.
SIDED: NDArray[np.intp] = np.concatenate([_LEFT, _RIGHT])


def mirror_labels(values: ArrayLike, swapped: ArrayLike) -> NDArray[np.generic]:
    """Exchange every left/right landmark pair in the frames marked ``swapped``.

    Parameters
    ----------
    values : array_like, shape (T, 33) or (T, 33, ...)
        Any per-landmark array of a track (positions, depth, visibility, presence).
    swapped : array_like of bool, shape (T,)

    Returns
    -------
    ndarray, same shape and dtype as ``values`` (a copy)
    """
    out = np.array(values, copy=True)
    rows = np.flatnonzero(np.asarray(swapped, dtype=bool))
    if rows.size:
        out[rows] = out[rows][:, MIRRORED]
    return out


def rows_of_mirrored_image(rows: ArrayLike, width_px: float) -> NDArray[np.float32]:
    """One person's landmark rows found in a left-right mirrored frame, put back.

    A pose model shown the mirror image of a frame sees the same body flipped: image x
    becomes ``width_px - x``, the world x (metres, camera-aligned) changes sign, and each
    limb looks like its opposite (a mirrored left leg is a right leg), so the labels come
    back exchanged.  Undoing all three gives the rows in the frame's own coordinates and
    labels.

    Parameters
    ----------
    rows : array_like, shape (33, 8)
        Columns as :meth:`rom.pose.PoseTrack.from_frames` takes them: pixel x, y, image z,
        visibility, presence, world x, y, z.
    width_px : float
        The frame's width in the pixels of column 0.

    Returns
    -------
    ndarray, shape (33, 8), float32
    """
    out = np.array(rows, dtype=np.float32, copy=True)[MIRRORED]
    out[:, 0] = width_px - out[:, 0]
    out[:, 5] = -out[:, 5]
    return out


def foot_handedness(xy: ArrayLike, z: ArrayLike | None) -> FloatArray:
    """Signed handedness of each frame's labelling, from the feet's pointing direction.

    The triple product ``det[left - right, forward, up]`` of unit-free vectors in image
    coordinates (``x`` right, ``y`` down, MediaPipe's ``z`` away from the camera, all in
    pixels): ``left - right`` from the hip and shoulder pairs, ``forward`` from the heels'
    midpoint to the toes' midpoint (standing with one foot raised, the lower foot's heel to
    toe), ``up`` the image's up (standing; the trunk would lie
    along ``forward`` in a forward bend), or, for a body lying along the floor (the
    ankles-to-hips line nearer horizontal than vertical), that line, towards the head.
    Divided by the three vectors' lengths, so it lies in [-1, 1].

    With correct labels a person is right-handed, which in these (right-handed) axes
    gives a *negative* value; exchanging the labels negates it. Near 0 when the evidence
    is weak (feet pointing at the camera, a foot lost, no depth).

    Parameters
    ----------
    xy : array_like, shape (T, 33, 2)
        Pixels of the upright frame.
    z : array_like, shape (T, 33), or None
        MediaPipe's relative depth in pixels (smaller is nearer); None gives zeros.

    Returns
    -------
    ndarray, shape (T,)
        NaN where a needed landmark is missing.
    """
    xy = np.asarray(xy, dtype=np.float64)
    depth = np.zeros(xy.shape[:2]) if z is None else np.asarray(z, dtype=np.float64)
    points = np.concatenate([xy, depth[..., None]], axis=-1)
    lm = Landmark

    def mid(a: Landmark, b: Landmark) -> FloatArray:
        return np.asarray((points[:, a] + points[:, b]) / 2.0)

    left_minus_right = (
        points[:, lm.LEFT_HIP] + points[:, lm.LEFT_SHOULDER]
        - points[:, lm.RIGHT_HIP] - points[:, lm.RIGHT_SHOULDER]
    )
    forward = mid(lm.LEFT_FOOT_INDEX, lm.RIGHT_FOOT_INDEX) - mid(lm.LEFT_HEEL, lm.RIGHT_HEEL)
    # Only a foot on the floor points the way the body faces: in a quad stretch the foot
    # held behind points backwards (and outweighed a foreshortened standing foot at 480p,
    # so whole stretches were relabelled).  When one foot is clearly the higher, standing,
    # the lower foot alone gives the direction.
    left_foot = points[:, lm.LEFT_FOOT_INDEX] - points[:, lm.LEFT_HEEL]
    right_foot = points[:, lm.RIGHT_FOOT_INDEX] - points[:, lm.RIGHT_HEEL]
    left_low = np.fmax(points[:, lm.LEFT_HEEL, 1], points[:, lm.LEFT_FOOT_INDEX, 1])
    right_low = np.fmax(points[:, lm.RIGHT_HEEL, 1], points[:, lm.RIGHT_FOOT_INDEX, 1])
    foot_px = (
        np.linalg.norm(left_foot[:, :2], axis=-1) + np.linalg.norm(right_foot[:, :2], axis=-1)
    ) / 2
    # "Up" is the image's up, not the trunk: in a forward bend the trunk lies along the
    # feet's forward direction and the triple product would lose (then flip) its sign.
    # Standing, the image's vertical is the body's up to within the camera's roll.  Lying
    # (the prone knee test), the body's up is along the floor: the line from the ankles to
    # the hips, when it is nearer horizontal than vertical, points to the head.
    up = np.zeros_like(forward)
    up[:, 1] = -1.0
    legs = mid(lm.LEFT_HIP, lm.RIGHT_HIP) - mid(lm.LEFT_ANKLE, lm.RIGHT_ANKLE)
    legs[:, 2] = 0.0
    lying = np.abs(legs[:, 0]) > np.abs(legs[:, 1])
    up[lying] = legs[lying]
    with np.errstate(invalid="ignore"):
        raised = ~lying & (np.abs(left_low - right_low) > RAISED_FOOT_LENGTHS * foot_px)
    lower_foot = np.where((left_low > right_low)[:, None], left_foot, right_foot)
    forward[raised] = lower_foot[raised]
    with np.errstate(invalid="ignore", divide="ignore"):
        det = np.linalg.det(np.stack([left_minus_right, forward, up], axis=1))
        norms = (
            np.linalg.norm(left_minus_right, axis=-1)
            * np.linalg.norm(forward, axis=-1)
            * np.linalg.norm(up, axis=-1)
        )
        return np.asarray(np.where(norms > 0, det / norms, np.nan))


def _torso_length(xy: FloatArray) -> float:
    shoulders = (xy[:, Landmark.LEFT_SHOULDER] + xy[:, Landmark.RIGHT_SHOULDER]) / 2
    hips = (xy[:, Landmark.LEFT_HIP] + xy[:, Landmark.RIGHT_HIP]) / 2
    lengths = np.linalg.norm(shoulders - hips, axis=-1)
    lengths = lengths[np.isfinite(lengths) & (lengths > 0)]
    return float(np.median(lengths)) if lengths.size else float("nan")


def _travel(
    xy: FloatArray, weight: FloatArray, prev: int, cur: int
) -> tuple[float, float]:
    """Mean visibility-weighted travel of the sided landmarks from ``prev`` to ``cur``:
    (keeping the labels' relation, exchanging it), in pixels per pair."""
    lp, rp, lc, rc = xy[prev, _LEFT], xy[prev, _RIGHT], xy[cur, _LEFT], xy[cur, _RIGHT]
    keep = np.linalg.norm(lc - lp, axis=-1) + np.linalg.norm(rc - rp, axis=-1)
    cross = np.linalg.norm(lc - rp, axis=-1) + np.linalg.norm(rc - lp, axis=-1)
    w = np.minimum(
        np.minimum(weight[prev, _LEFT], weight[prev, _RIGHT]),
        np.minimum(weight[cur, _LEFT], weight[cur, _RIGHT]),
    )
    ok = np.isfinite(keep) & np.isfinite(cross) & (w > 0)
    if not ok.any():
        return 0.0, 0.0
    total = float(w[ok].sum())
    return float((w[ok] * keep[ok]).sum() / total), float((w[ok] * cross[ok]).sum() / total)


def find_left_right_swaps(
    xy: ArrayLike,
    z: ArrayLike | None,
    visibility: ArrayLike,
    time_s: ArrayLike,
    *,
    continuity_weight: float = CONTINUITY_WEIGHT,
    handedness_weight: float = HANDEDNESS_WEIGHT,
    exchange_cost: float = EXCHANGE_COST,
) -> NDArray[np.bool_]:
    """Frames whose whole-body left/right labels are mirrored (see module docstring).

    Parameters
    ----------
    xy : array_like, shape (T, 33, 2)
        Image landmarks in pixels; NaN in frames (or landmarks) not detected.
    z : array_like, shape (T, 33), or None
        MediaPipe's relative depth in pixels; None when unknown (continuity only).
    visibility : array_like, shape (T, 33)
        In [0, 1]; weights each landmark's travel (NaN counts as 0).
    time_s : array_like, shape (T,)
        Frame times in seconds, increasing. Across a dropout the travel allowed grows
        with the time since the last detected frame (in median frame intervals).
    continuity_weight, handedness_weight, exchange_cost : float
        Costs of the dynamic programme (defaults: the module constants).

    Returns
    -------
    ndarray of bool, shape (T,)
        True where exchanging all left/right pairs gives the right labels. Frames with
        fewer than half of the sided landmarks are False.
    """
    points = np.asarray(xy, dtype=np.float64)
    t = np.asarray(time_s, dtype=np.float64)
    n = points.shape[0]
    swapped = np.zeros(n, dtype=bool)
    weight = np.nan_to_num(np.asarray(visibility, dtype=np.float64), nan=0.0).clip(0.0, 1.0)
    finite = np.asarray(np.isfinite(points).all(axis=-1))
    frames = np.flatnonzero(finite[:, SIDED].mean(axis=1) >= 0.5)
    scale = _torso_length(points)
    if frames.size == 0 or not np.isfinite(scale):
        return swapped
    handed = np.nan_to_num(foot_handedness(points, z)[frames], nan=0.0)
    # Unary cost of each labelling: a left-handed body, and (mildly) any exchange.
    unary = np.stack(
        [
            handedness_weight * np.maximum(handed, 0.0),
            handedness_weight * np.maximum(-handed, 0.0) + exchange_cost,
        ],
        axis=1,
    )
    dt = np.diff(t[frames])
    step = float(np.median(dt)) if dt.size else 1.0
    # Viterbi over (as given, exchanged); back[k, s] = best state of frame k-1 given s.
    cost = unary[0].copy()
    back = np.zeros((frames.size, 2), dtype=np.intp)
    for k in range(1, frames.size):
        keep, cross = _travel(points, weight, frames[k - 1], frames[k])
        gap = max(dt[k - 1] / step, 1.0) if step > 0 else 1.0
        same, change = (continuity_weight * c / (scale * np.sqrt(gap)) for c in (keep, cross))
        new = np.empty(2)
        for s in (0, 1):
            stay, switch = cost[s] + same, cost[1 - s] + change
            back[k, s] = s if stay <= switch else 1 - s
            new[s] = min(stay, switch) + unary[k, s]
        cost = new
    state = int(np.argmin(cost))
    for k in range(frames.size - 1, -1, -1):
        swapped[frames[k]] = bool(state)
        state = int(back[k, state])
    return swapped


@dataclass(frozen=True)
class LeftRightRepair:
    """A track's landmarks with whole-body label flips undone.

    Attributes
    ----------
    swapped : ndarray of bool, shape (T,)
        Frames whose labels were exchanged.
    image_xy : ndarray, shape (T, 33, 2)
    image_z : ndarray, shape (T, 33), or None
    visibility : ndarray, shape (T, 33)
    presence : ndarray, shape (T, 33), or None
    world_xyz : ndarray, shape (T, 33, 3), or None
        The inputs with left/right pairs exchanged in the ``swapped`` frames (copies).
    """

    swapped: NDArray[np.bool_]
    image_xy: NDArray[np.floating]
    image_z: NDArray[np.floating] | None
    visibility: NDArray[np.floating]
    presence: NDArray[np.floating] | None = None
    world_xyz: NDArray[np.floating] | None = None


def repair_left_right_swaps(
    xy: ArrayLike,
    z: ArrayLike | None,
    visibility: ArrayLike,
    time_s: ArrayLike,
    *,
    presence: ArrayLike | None = None,
    world_xyz: ArrayLike | None = None,
) -> LeftRightRepair:
    """Find whole-body label flips (:func:`find_left_right_swaps`) and undo them.

    Every per-landmark array given is permuted the same way, so a repaired frame's
    visibility, depth, presence and world position stay with its image position.

    Returns
    -------
    LeftRightRepair
    """
    swapped = find_left_right_swaps(xy, z, visibility, time_s)

    def fixed(values: ArrayLike | None) -> NDArray[np.floating] | None:
        if values is None:
            return None
        return np.asarray(mirror_labels(values, swapped))

    image_xy = fixed(xy)
    vis = fixed(visibility)
    assert image_xy is not None and vis is not None
    return LeftRightRepair(
        swapped=swapped,
        image_xy=image_xy,
        image_z=fixed(z),
        visibility=vis,
        presence=fixed(presence),
        world_xyz=fixed(world_xyz),
    )


def repair_track(track: PoseTrack) -> tuple[PoseTrack, NDArray[np.bool_]]:
    """A copy of ``track`` with whole-body left/right flips undone, and the flipped frames.

    Image positions, depth, visibility, presence and world landmarks are all permuted in
    the flipped frames; everything else (times, detection, metadata) is kept.

    Returns
    -------
    (PoseTrack, ndarray of bool, shape (T,))
    """
    repair = repair_left_right_swaps(
        track.image_xy,
        track.image_z,
        track.visibility,
        track.timestamps_s,
        presence=track.presence,
        world_xyz=track.world_xyz,
    )
    if not repair.swapped.any():
        return track, repair.swapped
    repaired = replace(
        track,
        image_xy=repair.image_xy.astype(np.float32),
        image_z=np.asarray(repair.image_z, dtype=np.float32),
        visibility=repair.visibility.astype(np.float32),
        presence=np.asarray(repair.presence, dtype=np.float32),
        world_xyz=np.asarray(repair.world_xyz, dtype=np.float32),
    )
    return repaired, repair.swapped
