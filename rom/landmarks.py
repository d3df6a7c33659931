"""MediaPipe Pose's 33 landmarks: indices, names and the skeleton's edges.

Indices follow MediaPipe's ``PoseLandmark`` enumeration.  "Left" and "right" are the
*person's* left and right, not the image's.
"""

from enum import IntEnum

from rom.vocabulary import SIDES

NUM_LANDMARKS = 33


class Landmark(IntEnum):
    """Index of each MediaPipe pose landmark."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


def sided(side: str, name: str) -> Landmark:
    """The landmark ``name`` (e.g. ``"KNEE"``) on ``side`` (``"left"`` or ``"right"``)."""
    if side not in SIDES:
        raise ValueError(f"side must be 'left' or 'right', not {side!r}")
    return Landmark[f"{side.upper()}_{name.upper()}"]


#: Pairs of landmark indices joined by a bone when the skeleton is drawn.
SKELETON_EDGES: tuple[tuple[int, int], ...] = (
    (11, 12),
    (11, 13),
    (13, 15),
    (12, 14),
    (14, 16),
    (15, 19),
    (16, 20),
    (11, 23),
    (12, 24),
    (23, 24),
    (23, 25),
    (25, 27),
    (27, 29),
    (29, 31),
    (27, 31),
    (24, 26),
    (26, 28),
    (28, 30),
    (30, 32),
    (28, 32),
    (0, 11),
    (0, 12),
)
