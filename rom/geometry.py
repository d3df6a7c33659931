"""Pure 2-D geometry on landmark arrays: joint angles, segment inclinations, distances.

Conventions
-----------
* Points are image pixels, ``x`` to the right and ``y`` **downwards** (see :mod:`rom.pose`),
  with shape ``(..., 2)``; every function broadcasts over the leading axes, so the same code
  handles one frame ``(2,)`` or a whole track ``(T, 2)``.
* ``facing`` is ``+1`` when the person faces the image's ``+x`` (right) and ``-1`` when they
  face left.  Signed angles use it so that "forward" means the direction the person faces,
  whichever way they stand in the picture.
* Angles are in degrees.  NaN inputs give NaN outputs (no exceptions), so frames without a
  landmark simply drop out of later statistics.
* Angles against *vertical* are only true-vertical angles after the camera roll was undone
  with :func:`rom.calibration.level_points`; the protocols do that before calling these.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rom.landmarks import Landmark

FloatArray = NDArray[np.float64]


def _as_points(points: ArrayLike) -> FloatArray:
    p = np.asarray(points, dtype=np.float64)
    if p.shape[-1] != 2 and p.shape[-1] != 3:
        raise ValueError(
            f"points must have 2 or 3 coordinates in the last axis, got shape {p.shape}"
        )
    return p


def distance(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Euclidean distance between points ``a`` and ``b``, shape ``(...)``, same units as input."""
    return np.asarray(np.linalg.norm(_as_points(a) - _as_points(b), axis=-1))


def midpoint(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Midpoint of ``a`` and ``b``, shape ``(..., 2)`` or ``(..., 3)``."""
    return np.asarray(0.5 * (_as_points(a) + _as_points(b)))


def angle_between_deg(u: ArrayLike, v: ArrayLike) -> FloatArray:
    """Unsigned angle between vectors ``u`` and ``v`` in degrees, in ``[0, 180]``.

    Uses ``atan2(|u x v|, u . v)``, which stays accurate near 0 and 180 degrees where
    ``arccos`` loses precision.  Zero-length vectors give NaN.
    """
    uu = _as_points(u)
    vv = _as_points(v)
    dot = np.sum(uu * vv, axis=-1)
    if uu.shape[-1] == 2:
        cross = np.abs(uu[..., 0] * vv[..., 1] - uu[..., 1] * vv[..., 0])
    else:
        cross = np.linalg.norm(np.cross(uu, vv), axis=-1)
    with np.errstate(invalid="ignore"):
        zero = (np.linalg.norm(uu, axis=-1) == 0) | (np.linalg.norm(vv, axis=-1) == 0)
        out = np.degrees(np.arctan2(cross, dot))
    return np.asarray(np.where(zero, np.nan, out))


def joint_angle_deg(a: ArrayLike, vertex: ArrayLike, c: ArrayLike) -> FloatArray:
    """Included angle ``a-vertex-c`` in degrees, ``[0, 180]``.

    A straight limb (hip, knee and ankle in line) gives 180 degrees; knee flexion is
    ``180 - joint_angle_deg(hip, knee, ankle)``.
    """
    v = _as_points(vertex)
    return angle_between_deg(_as_points(a) - v, _as_points(c) - v)


def _forward_up(vec: FloatArray, facing: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Components of image vectors along the person's forward and the image's up direction."""
    f = np.asarray(facing, dtype=np.float64)
    return vec[..., 0] * f, -vec[..., 1]


def signed_angle_deg(
    reference: ArrayLike, vector: ArrayLike, facing: ArrayLike = 1.0
) -> FloatArray:
    """Signed angle from ``reference`` to ``vector`` in the sagittal plane, degrees in (-180, 180].

    Positive when ``vector`` is rotated from ``reference`` the way a thigh swings *forward*
    from hanging straight down (i.e. counter-clockwise in a forward-right/up frame: from
    "down" towards "forward", from "up" towards "backward").

    Parameters
    ----------
    reference, vector : array_like, shape (..., 2)
        Image vectors (x right, y down).
    facing : float or array_like, shape (...)
        +1 when the person faces image-right, -1 when facing left.
    """
    rf, ru = _forward_up(_as_points(reference), facing)
    vf, vu = _forward_up(_as_points(vector), facing)
    cross = rf * vu - ru * vf
    dot = rf * vf + ru * vu
    with np.errstate(invalid="ignore"):
        return np.asarray(np.degrees(np.arctan2(cross, dot)))


def inclination_from_vertical_deg(
    bottom: ArrayLike, top: ArrayLike, facing: ArrayLike = 1.0
) -> FloatArray:
    """Tilt of the segment ``bottom -> top`` away from the image's vertical, in degrees.

    0 means ``top`` is straight above ``bottom``; positive means ``top`` lies *forward* of
    ``bottom`` (in the facing direction); 90 means the segment is horizontal with ``top``
    in front.  Used for tibial inclination (ankle -> knee) and trunk inclination
    (hip midpoint -> shoulder midpoint).

    Parameters
    ----------
    bottom, top : array_like, shape (..., 2)
        Levelled image points (x right, y down).
    facing : float or array_like, shape (...)
    """
    seg = _as_points(top) - _as_points(bottom)
    fwd, up = _forward_up(seg, facing)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.degrees(np.arctan2(fwd, up)))


def hip_flexion_deg(
    shoulder: ArrayLike,
    hip: ArrayLike,
    knee: ArrayLike,
    facing: ArrayLike = 1.0,
    trunk_hip: ArrayLike | None = None,
) -> FloatArray:
    """Hip flexion as the thigh's angle to the trunk line extended below the hip, degrees.

    The trunk line runs from ``shoulder`` (usually the shoulder midpoint) to ``trunk_hip``
    (default: ``hip`` itself; e.g. the hip midpoint, or the near side's hip when the
    thigh is the far leg's); the thigh runs from ``hip`` to ``knee``.  Only the trunk
    line's direction matters.  0 means the thigh continues the trunk line (upright
    standing); positive means the knee is *in front of* the extended trunk line (flexion,
    e.g. ~90 at a right-angled forward bend), negative means behind it (hip extension, as
    for the rear leg of a lunge).

    Parameters
    ----------
    shoulder, hip, knee : array_like, shape (..., 2)
    facing : float or array_like, shape (...)
    trunk_hip : array_like, shape (..., 2), optional
    """
    lower = _as_points(hip if trunk_hip is None else trunk_hip)
    trunk_down = lower - _as_points(shoulder)
    thigh = _as_points(knee) - _as_points(hip)
    return signed_angle_deg(trunk_down, thigh, facing)


def included_angle_from_lengths_deg(
    opposite: ArrayLike, side_a: ArrayLike, side_b: ArrayLike
) -> FloatArray:
    """Angle between two sides of a triangle from the three side lengths, degrees [0, 180].

    The law of cosines: ``acos((a^2 + b^2 - c^2) / (2ab))`` with ``c`` the side
    ``opposite`` the angle.  A ``c`` longer than ``a + b`` (a straight limb plus noise)
    gives 180, shorter than ``|a - b|`` gives 0; NaN where a length is missing or
    ``a``/``b`` is not positive.
    """
    c = np.asarray(opposite, dtype=np.float64)
    a = np.asarray(side_a, dtype=np.float64)
    b = np.asarray(side_b, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = (a * a + b * b - c * c) / (2.0 * a * b)
        angle = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
    return np.asarray(np.where((a > 0) & (b > 0) & np.isfinite(cosine), angle, np.nan))


def thigh_from_vertical_deg(hip: ArrayLike, knee: ArrayLike, facing: ArrayLike = 1.0) -> FloatArray:
    """Signed angle of the thigh ``hip -> knee`` from straight down, degrees.

    0 = thigh vertical; positive = knee in front of the hip (flexion side), negative =
    knee behind the hip (extension side).  Needs levelled points for true vertical.
    """
    thigh = _as_points(knee) - _as_points(hip)
    down = np.zeros_like(thigh)
    down[..., 1] = 1.0
    return signed_angle_deg(down, thigh, facing)


def forward_offset(point: ArrayLike, origin: ArrayLike, facing: ArrayLike = 1.0) -> FloatArray:
    """Horizontal distance of ``point`` in front of ``origin`` (pixels; negative = behind)."""
    d = _as_points(point)[..., 0] - _as_points(origin)[..., 0]
    return np.asarray(d * np.asarray(facing, dtype=np.float64))


def height_above(point: ArrayLike, floor_y: ArrayLike) -> FloatArray:
    """Height of ``point`` above the horizontal line ``y = floor_y`` in pixels (y down)."""
    return np.asarray(np.asarray(floor_y, dtype=np.float64) - _as_points(point)[..., 1])


#: Eye height as a fraction of stature.  Drillis & Contini (1966), as tabulated by
#: Winter, *Biomechanics and Motor Control of Human Movement* (4th ed., 2009), fig. 4.1:
#: eye level 0.936 H.  Eyes are chosen over the nose because that figure tabulates them.
EYE_HEIGHT_FRACTION_OF_STATURE = 0.936

#: Landmarks whose lowest one stands for the floor under a standing person: both heels and
#: both toe tips.  They sit on or a little above the sole, never below it, so the floor
#: (and with it the stature and every height above the floor) is, if anything, read low.
FLOOR_LANDMARKS = (
    Landmark.LEFT_HEEL,
    Landmark.RIGHT_HEEL,
    Landmark.LEFT_FOOT_INDEX,
    Landmark.RIGHT_FOOT_INDEX,
)
EYE_LANDMARKS = (Landmark.LEFT_EYE, Landmark.RIGHT_EYE)


def stature_px(eye_y: ArrayLike, floor_y: ArrayLike) -> FloatArray:
    """Standing height in pixels from the eye level and the floor level (y down).

    ``(floor_y - eye_y) / 0.936`` (see :data:`EYE_HEIGHT_FRACTION_OF_STATURE`): the top of
    the head is not a MediaPipe landmark, so stature is scaled up from eye height.
    Meaningful only on frames where the person stands upright.
    """
    return np.asarray(
        (np.asarray(floor_y, dtype=np.float64) - np.asarray(eye_y, dtype=np.float64))
        / EYE_HEIGHT_FRACTION_OF_STATURE
    )


def eye_level_y(landmarks_xy: ArrayLike) -> FloatArray:
    """Image ``y`` of the eye level: mean of the eyes that are present, shape ``(...)``.

    ``landmarks_xy`` has shape ``(..., 33, 2)`` (MediaPipe order, levelled pixels, NaN =
    missing); NaN where neither eye is present.
    """
    eyes = np.asarray(landmarks_xy, dtype=np.float64)[..., list(EYE_LANDMARKS), 1]
    count = np.isfinite(eyes).sum(axis=-1)
    total = np.nansum(eyes, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(count > 0, total / np.maximum(count, 1), np.nan))


def floor_level_y(landmarks_xy: ArrayLike) -> FloatArray:
    """Image ``y`` of the lowest heel or toe landmark (the floor when standing), ``(...)``.

    ``landmarks_xy`` has shape ``(..., 33, 2)`` (levelled pixels, y down); NaN where no
    foot landmark is present.
    """
    feet = np.asarray(landmarks_xy, dtype=np.float64)[..., list(FLOOR_LANDMARKS), 1]
    has = np.isfinite(feet).any(axis=-1)
    lowest = np.max(np.where(np.isfinite(feet), feet, -np.inf), axis=-1)
    return np.asarray(np.where(has, lowest, np.nan))


def standing_stature_px(landmarks_xy: ArrayLike) -> FloatArray:
    """Stature in pixels of a person standing upright, per frame, shape ``(...)``.

    The single implementation behind every height-based scale in rom (the protocols'
    ``height_cm`` and :mod:`rom.calibrate.height`): eye level (:func:`eye_level_y`) to the
    floor level (:func:`floor_level_y`), divided by
    :data:`EYE_HEIGHT_FRACTION_OF_STATURE`.  ``landmarks_xy`` has shape ``(..., 33, 2)``
    and must be levelled (camera roll undone); only frames where the person stands upright
    with straight knees give a stature.
    """
    return stature_px(eye_level_y(landmarks_xy), floor_level_y(landmarks_xy))


def cm_per_px_from_stature(height_cm: float, stature_in_px: float) -> float:
    """Image scale at the person's plane, cm per pixel: ``height_cm / stature_in_px``.

    Returns NaN when the stature in pixels is not positive and finite.
    """
    if not (np.isfinite(stature_in_px) and stature_in_px > 0):
        return float("nan")
    return float(height_cm) / float(stature_in_px)


#: Hand length (wrist joint to the tip of the longest, middle, finger) as a fraction of
#: stature.  Drillis & Contini (1966), as tabulated by Winter (2009), fig. 4.1: 0.108 H,
#: the same source as :data:`EYE_HEIGHT_FRACTION_OF_STATURE`.  Individual hands vary by
#: roughly +-5 % of this, i.e. about +-1 cm.
HAND_LENGTH_FRACTION_OF_STATURE = 0.108

#: Wrist to the *index* fingertip as a fraction of hand length (which ends at the middle
#: fingertip).  With the fingers extended and together the middle fingertip reaches
#: 10.7 +- 4.1 mm beyond the index fingertip (Chatzioglou, Pinar & Govsa 2024, *Anat Cell
#: Biol* 57(2):172-182, 51 young adults); over a typical adult hand length of ~180 mm that
#: is 6 %, so the index tip is at about 0.94 of hand length.
INDEX_TIP_FRACTION_OF_HAND_LENGTH = 0.94

#: Length of the index finger (MCP joint centre to fingertip) as a multiple of the
#: wrist-to-index-MCP distance, for a straight finger in line with the metacarpal.
#: Derivation (kept visible because the figures are recalled, not re-checked against the
#: papers here): Buchholz, Armstrong & Goldstein (1992, *Ergonomics* 35(3):261-273) give
#: index finger segment lengths (proximal, middle, distal) of about 0.245 + 0.143 + 0.097
#: = 0.485 of hand length (distal wrist crease to middle fingertip) from the MCP joint
#: centre to the tip; the wrist to the MCP joints spans the rest of the hand, about 0.46 of
#: hand length (1 minus the middle finger's ~0.54 from its MCP).  0.485 / 0.46 gives about
#: 1.05; individual hands vary by roughly +-10 %.  This is a population ratio, not a
#: value fitted to any clip.
INDEX_FINGER_TO_PALM_RATIO = 1.05


def fingertip_from_hand_length(
    wrist: ArrayLike, index_knuckle: ArrayLike, hand_length: ArrayLike
) -> FloatArray:
    """Estimated fingertip: ``hand_length`` from the wrist along the wrist -> knuckle line.

    The full-body pose model places the hand's knuckles only roughly (its hand is a few
    pixels across), so their *direction* from the wrist is usable but their *distance*
    from it is not; the hand's length is better taken from the person's stature
    (:data:`HAND_LENGTH_FRACTION_OF_STATURE` x stature in pixels).  Assumes a straight
    hand and fingers, as when reaching for the floor.

    Parameters
    ----------
    wrist, index_knuckle : array_like, shape (..., 2)
        Image points (pixels, y down); the index knuckle is MediaPipe Pose's ``*_INDEX``.
    hand_length : float or array_like, shape (...)
        Wrist to fingertip in pixels.

    Returns
    -------
    ndarray, shape (..., 2)
        Estimated fingertip; NaN where a point is missing or the knuckle coincides with
        the wrist.
    """
    w = _as_points(wrist)
    direction = _as_points(index_knuckle) - w
    norm = np.linalg.norm(direction, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit_direction = np.where(norm > 0, direction / norm, np.nan)
    length = np.asarray(hand_length, dtype=np.float64)[..., np.newaxis]
    return np.asarray(w + length * unit_direction)


def fingertip_from_knuckle(
    wrist: ArrayLike,
    index_knuckle: ArrayLike,
    finger_to_palm_ratio: float = INDEX_FINGER_TO_PALM_RATIO,
) -> FloatArray:
    """Estimated index fingertip, extending the wrist -> index-knuckle line past the knuckle.

    MediaPipe Pose's landmarks 19/20 (``LEFT_INDEX``/``RIGHT_INDEX``) are the index
    finger's first knuckle (MCP joint), not its tip.  With the finger straight and in line
    with the back of the hand (as when reaching for the floor), the tip lies
    ``finger_to_palm_ratio`` wrist-to-knuckle lengths beyond the knuckle:
    ``knuckle + ratio * (knuckle - wrist)``.

    Parameters
    ----------
    wrist, index_knuckle : array_like, shape (..., 2)
        Image points (pixels, y down).
    finger_to_palm_ratio : float
        Finger length over wrist-to-knuckle length (:data:`INDEX_FINGER_TO_PALM_RATIO`).

    Returns
    -------
    ndarray, shape (..., 2)
        Estimated fingertip; NaN where either input is missing.  A curled finger makes
        the estimate too long; it cannot be seen from these two landmarks.
    """
    w = _as_points(wrist)
    k = _as_points(index_knuckle)
    return np.asarray(k + float(finger_to_palm_ratio) * (k - w))
