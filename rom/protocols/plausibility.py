"""Is the body the pose model drew a possible body?  Pure checks on landmark arrays.

A pose model can place a joint with high confidence where no joint can be (the raised
ankle of a quad stretch drawn below the knee, a shin invented across a dark trouser).
The angle computed from such landmarks is wrong however well it is filtered, so these
checks look for what a real body cannot do:

* **Segment lengths.**  A bone does not change length.  Seen from the side, the thigh
  (hip -> knee) and shank (knee -> ankle) keep their image length as long as they stay in
  the plane facing the camera; at the measured moment each must be within
  :data:`SEGMENT_LENGTH_TOLERANCE` of its length in the steady frames of the same clip.
  A limb that turned out of that plane is foreshortened in the image and fails the check
  too, which is right: its projected angle is not the sagittal angle either.
* **Joint direction.**  A knee bends one way.  Seen from the side, with the person's
  facing known, the shank rotates *backwards* from the thigh line as the knee flexes; a
  knee bent the other way by more than :data:`MAX_KNEE_HYPEREXTENSION_DEG` (healthy
  knees hyperextend by 0-10 deg) is a misplaced landmark.

Every function takes levelled image points of shape ``(T, 33, 2)`` in pixels (x right,
y down), NaN where a landmark is missing.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from rom import geometry
from rom.landmarks import sided

FloatArray = NDArray[np.float64]

#: The limb segments whose image length is checked, as (proximal, distal) landmark names.
#: The foot (heel -> toe) and the trunk are not checked: MediaPipe's heel and toe points
#: wander by 10-50 % of the foot's length on clean side views, and the trunk's image
#: length shrinks by 10-15 % in a forward bend as the spine curls (both seen on the
#: bundled sample clips), so neither length is a constant of the body in these tests.
LIMB_SEGMENTS: Mapping[str, tuple[str, str]] = {
    "thigh": ("HIP", "KNEE"),
    "shank": ("KNEE", "ANKLE"),
}

#: Largest relative change of a thigh's or shank's image length at the measured moment
#: against its steady length, before the pose is called implausible.  On the clean,
#: side-on sample clips the measured leg's thigh and shank stayed within 0.87-1.13 of
#: their steady length at the peak (deep knee flexion pulls the knee landmark, which
#: shortens the shank by up to 13 %); perspective adds about +-10 % when a limb moves
#: 25 cm nearer to or further from a camera 2.5 m away.  0.25 leaves room for both and
#: still catches a joint drawn in the wrong place, which changes a length by a third or
#: more.
SEGMENT_LENGTH_TOLERANCE = 0.25

#: A knee bent backwards (hyperextended) by more than this, degrees, is not a knee.
#: Healthy knees hyperextend by 0-10 deg; genu recurvatum is diagnosed from about 5-10 deg
#: and rarely exceeds 20 deg, so 25 deg leaves room for the model's jitter.
MAX_KNEE_HYPEREXTENSION_DEG = 25.0


def segment_lengths_px(xy: FloatArray, side: str) -> dict[str, FloatArray]:
    """Image length of each of :data:`LIMB_SEGMENTS` on ``side``, per frame, pixels (T,)."""
    return {
        name: geometry.distance(xy[:, sided(side, a)], xy[:, sided(side, b)])
        for name, (a, b) in LIMB_SEGMENTS.items()
    }


def steady_lengths_px(
    lengths: Mapping[str, FloatArray], steady: NDArray[np.bool_]
) -> dict[str, float]:
    """Each segment's reference length: its median over the ``steady`` frames, pixels.

    Falls back to the median over every frame where the segment is seen when no steady
    frame shows it (e.g. a lunge filmed from its start position).  NaN when never seen.
    """
    out: dict[str, float] = {}
    for name, length in lengths.items():
        finite = np.isfinite(length)
        chosen = length[finite & steady] if (finite & steady).any() else length[finite]
        out[name] = float(np.median(chosen)) if chosen.size else float("nan")
    return out


def length_ratios_at(
    lengths: Mapping[str, FloatArray], reference: Mapping[str, float], frames: NDArray[np.int64]
) -> dict[str, float]:
    """Median over ``frames`` of each segment's length over its reference length.

    A segment without a reference or not seen in ``frames`` gets NaN (no evidence
    either way).
    """
    out: dict[str, float] = {}
    for name, length in lengths.items():
        ref = reference.get(name, float("nan"))
        window = length[frames]
        window = window[np.isfinite(window)]
        out[name] = (
            float(np.median(window) / ref)
            if window.size and np.isfinite(ref) and ref > 0
            else float("nan")
        )
    return out


def implausible_segments(
    ratios: Mapping[str, float], tolerance: float = SEGMENT_LENGTH_TOLERANCE
) -> list[str]:
    """Names of the segments whose length ratio lies outside ``1 +- tolerance``."""
    return [
        name
        for name, ratio in ratios.items()
        if np.isfinite(ratio) and abs(ratio - 1.0) > tolerance
    ]


def signed_knee_flexion_deg(xy: FloatArray, side: str, facing: float) -> FloatArray:
    """Knee flexion with its direction, degrees (T,).

    0 = straight leg; positive = the shank rotated *backwards* from the thigh line (the
    way a knee bends, heel towards the buttock); negative = bent forwards
    (hyperextension).  The magnitude equals ``180 - angle(hip, knee, ankle)``.  Needs the
    person's ``facing`` (+1 image-right, -1 image-left) and an upright-ish thigh: it is
    meant for standing tests, where "backwards" is well defined.
    """
    hip, knee, ankle = (xy[:, sided(side, p)] for p in ("HIP", "KNEE", "ANKLE"))
    # signed_angle_deg is positive for a forward swing; a flexing shank swings backwards.
    return -geometry.signed_angle_deg(knee - hip, ankle - knee, facing)


def knee_bent_backwards(
    xy: FloatArray, side: str, facing: float, frames: NDArray[np.int64]
) -> bool:
    """Whether the knee of ``side`` is hyperextended beyond the possible over ``frames``.

    Uses the median signed flexion over ``frames`` (see :func:`signed_knee_flexion_deg`),
    so a single jittery frame does not decide.
    """
    flexion = signed_knee_flexion_deg(xy, side, facing)[frames]
    flexion = flexion[np.isfinite(flexion)]
    return bool(flexion.size) and float(np.median(flexion)) < -MAX_KNEE_HYPEREXTENSION_DEG
