"""MediaPipe pose landmarks for the one person a video is about.

Two parts with separate jobs:

* :class:`PoseDetector` wraps MediaPipe Tasks ``PoseLandmarker`` in VIDEO mode and turns
  each frame's result into landmark rows, one ``(33, 8)`` array per person seen.
* :class:`PersonFollower` is the pure-numpy policy that picks *which* of those people is
  the subject, frame after frame (see its docstring): lock on one person early, follow
  them by position and size, and never jump to somebody else. It also counts the people
  seen per frame and, with :func:`identity_check`, flags frames where the followed person
  may be somebody else.

Landmark rows (the format :meth:`rom.pose.PoseTrack.from_frames` takes), shape (33, 8):

====  ===================================================================================
col   meaning
====  ===================================================================================
0, 1  ``x``, ``y`` in pixels of the upright frame at the video's own resolution
2     MediaPipe's relative depth ``z``, scaled like ``x`` (pixels); smaller is nearer
3     visibility in [0, 1]
4     presence in [0, 1]
5-7   world ``x``, ``y``, ``z`` in metres, origin between the hips
====  ===================================================================================

MediaPipe's normalised coordinates are relative to the image it was given. Frames may be
downscaled before inference (see :func:`rom.video.iter_frames`), so rows are scaled by the
*original* upright size, keeping landmarks in original pixels.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rom.errors import ModelError, NoPersonError
from rom.landmarks import NUM_LANDMARKS, Landmark
from rom.swaps import MIRRORED

#: Landmarks at or above this visibility define a person's bounding box.
VISIBLE = 0.5

#: A person to follow: ``None`` (the largest), a size rank (0 = largest, 1 = next, ...)
#: or an ``(x, y)`` point in pixels of the upright frame that lies on the person.
PersonChoice = int | tuple[float, float] | None

Rows = NDArray[np.float32]  # (33, 8), see module docstring
Box = NDArray[np.float64]  # (4,): x_min, y_min, x_max, y_max in pixels

#: How long (seconds of video) a person asked for by point or rank is searched for before
#: giving up: MediaPipe may return fewer poses than there are people in the first frames.
PERSON_SEARCH_S = 3.0

#: Another candidate this close to the subject's last landmarks (in :func:`match_cost`
#: units, i.e. about a quarter of the body's diagonal) could have been taken instead: the
#: frame's identity is uncertain.
AMBIGUOUS_COST = 0.25
#: Two poses whose boxes overlap this much (intersection over union) are one person seen
#: twice: MediaPipe sometimes returns a second, slightly shifted skeleton on the same
#: person (box overlap 0.74-0.92 on real footage; two people side by side overlap ~0).
DUPLICATE_OVERLAP = 0.6
#: Below this :func:`identity_check` confidence a frame's identity is uncertain.
MIN_IDENTITY_CONFIDENCE = 0.5
#: Unexplained displacement (median landmark distance from the predicted position, per
#: body diagonal) at which the motion confidence falls to exp(-1), over 1/30 s; it grows
#: with the square root of the time since the reference frame (a person jumping down
#: from a box moved 0.2 diagonals in 1/15 s on real footage).
JUMP_SCALE = 0.2
#: Frame interval (s) that :data:`JUMP_SCALE` refers to, and assumed between frames that
#: come without timestamps.
FRAME_INTERVAL_S = 1.0 / 30.0
#: Segment-length change (absolute log ratio to the track's median, this quantile over
#: the segments: a quarter of them may change more, e.g. foreshortened or mis-placed) at
#: which the limb confidence falls to exp(-1): 0.45 is about 57 %. MediaPipe's world
#: segment lengths of one person vary by up to 45 % (log 0.37) between frames of real
#: footage, so only a grossly different body is caught.
SEGMENT_SCALE = 0.45
SEGMENT_QUANTILE = 0.75
#: Segments compared for limb-length consistency (world landmarks when available).
SEGMENTS: tuple[tuple[Landmark, Landmark], ...] = (
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW),
    (Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW),
    (Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST),
    (Landmark.LEFT_HIP, Landmark.LEFT_KNEE),
    (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
    (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE),
    (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP),
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
)


# --- pure helpers ---------------------------------------------------------------------


def person_box(rows: Rows) -> Box:
    """Bounding box of a person's visible landmarks.

    Parameters
    ----------
    rows : ndarray, shape (33, 8)
        Landmark rows (see module docstring).

    Returns
    -------
    ndarray, shape (4,)
        ``(x_min, y_min, x_max, y_max)`` in pixels, over landmarks with visibility
        >= :data:`VISIBLE`, or over all landmarks when fewer than four are visible.
    """
    xy = rows[:, 0:2].astype(np.float64)
    visible = rows[:, 3] >= VISIBLE
    if visible.sum() >= 4:
        xy = xy[visible]
    return np.array([xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()])


def box_area(box: Box) -> float:
    """Area of a box in square pixels (0 for a degenerate box)."""
    return float(max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0))


def box_overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes, in [0, 1]."""
    low, high = np.maximum(a[:2], b[:2]), np.minimum(a[2:], b[2:])
    inter = box_area(np.concatenate([low, high]))
    union = box_area(a) + box_area(b) - inter
    return inter / union if union > 0 else 0.0


def count_people(candidates: Sequence[Rows]) -> int:
    """How many distinct people a frame's poses show.

    Poses are taken largest box first; one whose box overlaps an already counted one by
    :data:`DUPLICATE_OVERLAP` or more is the same person seen twice.
    """
    boxes = sorted((person_box(rows) for rows in candidates), key=box_area, reverse=True)
    counted: list[Box] = []
    for box in boxes:
        if all(box_overlap(box, other) < DUPLICATE_OVERLAP for other in counted):
            counted.append(box)
    return len(counted)


def box_diagonal(box: Box) -> float:
    """Length of a box's diagonal in pixels (at least 1, to divide by safely)."""
    return max(float(math.hypot(box[2] - box[0], box[3] - box[1])), 1.0)


def match_cost(previous: Rows, candidate: Rows) -> float:
    """How unlike ``previous`` the ``candidate`` person is (0 = identical).

    The median distance between corresponding landmarks (those visible in both, else
    all), in units of the previous person's box diagonal, plus the absolute log of the
    ratio of the two box diagonals. Comparing landmark by landmark, rather than box
    centres, keeps two overlapping people apart: their boxes may coincide but their
    joints do not; the median and the diagonal (rather than the box area) keep a swinging
    arm from looking like a different person.

    Parameters
    ----------
    previous, candidate : ndarray, shape (33, 8)

    Returns
    -------
    float
        Dimensionless cost; a few hundredths for a walker between consecutive 30 fps
        frames.
    """
    previous_diagonal = box_diagonal(person_box(previous))
    candidate_diagonal = box_diagonal(person_box(candidate))
    both = (previous[:, 3] >= VISIBLE) & (candidate[:, 3] >= VISIBLE)
    if both.sum() < 4:
        both = np.ones(len(previous), dtype=bool)
    offsets = (candidate[both, 0:2] - previous[both, 0:2]).astype(np.float64)
    distance = float(np.median(np.hypot(offsets[:, 0], offsets[:, 1])))
    return distance / previous_diagonal + abs(math.log(candidate_diagonal / previous_diagonal))


@dataclass(frozen=True)
class IdentityCheck:
    """Per-frame confidence that the followed landmarks are one and the same person.

    Attributes
    ----------
    confidence : ndarray, shape (T,), float32
        In [0, 1]; the lowest of three checks (see :func:`identity_check`). NaN where
        nobody was followed.
    uncertain : ndarray, shape (T,), bool
        Followed frames with ``confidence`` below :data:`MIN_IDENTITY_CONFIDENCE`, or
        marked ambiguous (another person could have been taken instead).
    """

    confidence: NDArray[np.float32]
    uncertain: NDArray[np.bool_]


def _segment_lengths(rows: Rows) -> NDArray[np.float64]:
    """Lengths of :data:`SEGMENTS`: world metres, or image pixels per box diagonal when
    the world landmarks are missing or degenerate."""
    a = np.array([s[0] for s in SEGMENTS])
    b = np.array([s[1] for s in SEGMENTS])
    world = rows[:, 5:8].astype(np.float64)
    lengths = np.linalg.norm(world[a] - world[b], axis=-1)
    if np.all(np.isfinite(lengths)) and np.all(lengths > 1e-6):
        return np.asarray(lengths)
    image = rows[:, 0:2].astype(np.float64)
    return np.asarray(
        np.linalg.norm(image[a] - image[b], axis=-1) / box_diagonal(person_box(rows))
    )


def _mirror_min(rows: Rows, distance: Callable[[Rows], float]) -> float:
    """``distance`` of ``rows`` as labelled or with left and right exchanged, the lower:
    a whole-body label flip (see :mod:`rom.swaps`) is not a change of person."""
    return min(distance(rows), distance(rows[MIRRORED]))


def _motion_check(
    chosen: Sequence[Rows | None], reference: tuple[int, ...], i: int, time_s: NDArray[np.float64]
) -> float:
    """Motion and box-overlap confidence of frame ``i`` predicted from the reference
    frames (the last one, moved at the box velocity from the one before if given)."""
    p = reference[-1]
    last, rows = chosen[p], chosen[i]
    assert last is not None and rows is not None
    box_last = person_box(last)
    shift = np.zeros(2)
    if len(reference) == 2:
        before = chosen[reference[0]]
        assert before is not None
        box_before = person_box(before)
        velocity = ((box_last[:2] + box_last[2:]) - (box_before[:2] + box_before[2:])) / 2
        shift = velocity * (time_s[i] - time_s[p]) / (time_s[p] - time_s[reference[0]])
    predicted_xy = last[:, 0:2].astype(np.float64) + shift

    def offset(candidate: Rows) -> float:
        both = (last[:, 3] >= VISIBLE) & (candidate[:, 3] >= VISIBLE)
        if both.sum() < 4:
            both = np.ones(len(candidate), dtype=bool)
        offsets = candidate[both, 0:2].astype(np.float64) - predicted_xy[both]
        return float(np.median(np.hypot(offsets[:, 0], offsets[:, 1])))

    steps = max((time_s[i] - time_s[p]) / FRAME_INTERVAL_S, 1.0)
    d = _mirror_min(rows, offset) / box_diagonal(box_last) / (JUMP_SCALE * math.sqrt(steps))
    predicted_box = box_last + np.concatenate([shift, shift])
    overlap = min(box_overlap(predicted_box, person_box(rows)) / 0.3, 1.0)
    return min(math.exp(-(d**2)), overlap)


def identity_check(
    chosen: Sequence[Rows | None],
    ambiguous: Sequence[bool] | NDArray[np.bool_] | None = None,
    *,
    time_s: Sequence[float] | NDArray[np.float64] | None = None,
    min_confidence: float = MIN_IDENTITY_CONFIDENCE,
) -> IdentityCheck:
    """How sure it is that each frame's followed person is the same person.

    Three checks per followed frame, each a confidence in [0, 1]; the frame's
    confidence is the lowest:

    * **Motion.** The person's landmarks are predicted from the last confidently
      followed frame (a frame that fails the checks is not used to predict the next),
      moved by the box centre's velocity over the two before. The median distance of the
      visible landmarks from the prediction, per body diagonal ``d``, over
      ``JUMP_SCALE * sqrt(time since the reference frame / FRAME_INTERVAL_S)`` gives
      ``exp(-d**2)``: a walker's step scores about 1, a jump to someone else 0.
    * **Box overlap.** Intersection over union of the box with the predicted box, over
      0.3 (clipped to 1): a different person elsewhere in the frame overlaps little.
    * **Limb lengths.** The :data:`SEGMENT_QUANTILE` quantile (over :data:`SEGMENTS`) of
      the absolute log ratio of the frame's segment lengths to
      the track's median lengths, ``r``, gives ``exp(-(r / SEGMENT_SCALE)**2)``.

    The first followed frame has only the limb check.

    Parameters
    ----------
    chosen : sequence of (33, 8) arrays or None
        The followed person's landmark rows per frame (:meth:`PersonFollower.finish`).
    ambiguous : sequence of bool, optional
        Frames where another candidate was within :data:`AMBIGUOUS_COST` of the subject
        (:meth:`PersonFollower.ambiguous`); they are uncertain whatever the confidence.
    time_s : sequence of float, optional
        Each frame's time in seconds; default frames :data:`FRAME_INTERVAL_S` apart.
    min_confidence : float

    Returns
    -------
    IdentityCheck
    """
    n = len(chosen)
    confidence = np.full(n, np.nan, dtype=np.float32)
    times = (
        np.arange(n) * FRAME_INTERVAL_S if time_s is None else np.asarray(time_s, np.float64)
    ).astype(np.float64)
    followed = [i for i, rows in enumerate(chosen) if rows is not None]
    if followed:
        lengths = np.stack([_segment_lengths(rows) for rows in chosen if rows is not None])
        mirrored = np.stack(
            [_segment_lengths(rows[MIRRORED]) for rows in chosen if rows is not None]
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            typical = np.nanmedian(np.where(lengths > 0, lengths, np.nan), axis=0)
            log_ratio = np.minimum(
                np.abs(np.log(lengths / typical)), np.abs(np.log(mirrored / typical))
            )
    followed_so_far: list[int] = []
    trusted: list[int] = []  # followed frames that passed the checks
    for k, i in enumerate(followed):
        rows = chosen[i]
        assert rows is not None
        with np.errstate(invalid="ignore"):
            finite = log_ratio[k][np.isfinite(log_ratio[k])]
            r = float(np.quantile(finite, SEGMENT_QUANTILE)) if finite.size else 0.0
        limbs = math.exp(-((r / SEGMENT_SCALE) ** 2))
        # Against the frames just before and, when those failed, the last trusted ones
        # (an impostor's frame must not make the person's return look like a jump).
        references = {tuple(followed_so_far[-2:]), tuple(trusted[-2:])} - {()}
        motion = max((_motion_check(chosen, ref, i, times) for ref in references), default=1.0)
        confidence[i] = min(limbs, motion)
        followed_so_far.append(i)
        if confidence[i] >= min_confidence:
            trusted.append(i)
    is_followed = np.array([rows is not None for rows in chosen], dtype=bool)
    with np.errstate(invalid="ignore"):
        uncertain = is_followed & (confidence < min_confidence)
    if ambiguous is not None:
        uncertain |= is_followed & np.asarray(ambiguous, dtype=bool)
    return IdentityCheck(confidence=confidence, uncertain=np.asarray(uncertain))


class PersonFollower:
    """Choose the same person in every frame, or nobody.

    Policy
    ------
    1. **Lock.** The first ``lock_frames`` frames in which anyone is seen are held back.
       The subject is then the person with the largest bounding box of visible landmarks
       in any of them (or the caller's choice, see ``person``), and is traced backwards
       and forwards through the held frames. A person asked for by rank or point may be
       missing from the first frames (MediaPipe can return fewer poses than there are
       people): frames are then held until one shows them, for up to ``search_s``
       seconds of video.
    2. **Follow.** In each frame the candidate with the lowest :func:`match_cost` against
       the subject's last seen landmarks is taken, if that cost is below
       ``max_cost + cost_growth * frames_missed`` (capped at ``max_cost_cap``): the gate
       widens while the subject is unseen, since they may have moved. When another
       candidate is also within :data:`AMBIGUOUS_COST`, the frame is marked ambiguous.
    3. **Never switch.** When no candidate passes the gate the frame is undetected
       (``None``), even if someone else is in view. The one exception: after the subject
       has been lost, a lone person is taken back if no frame so far ever held more than
       one person: there is nobody else it could be (:func:`identity_check` still flags
       the frame if they come back somewhere else).

    Parameters
    ----------
    person : int, (x, y) or None
        ``None``: the largest person. ``int``: size rank in the first held frame that has
        enough people (0 = largest). ``(x, y)``: the person whose box (grown by 10 %)
        contains that pixel of the upright frame, in the first held frame where one does.
    lock_frames : int
        Frames with somebody in them to look at before locking.
    search_s : float
        Longest stretch of video searched for a person asked for by rank or point.
    """

    def __init__(
        self,
        person: PersonChoice = None,
        *,
        lock_frames: int = 5,
        max_cost: float = 0.5,
        cost_growth: float = 0.1,
        max_cost_cap: float = 1.0,
        search_s: float = PERSON_SEARCH_S,
    ) -> None:
        self.person = person
        self.lock_frames = lock_frames
        self.max_cost = max_cost
        self.cost_growth = cost_growth
        self.max_cost_cap = max_cost_cap
        self.search_s = search_s
        self._held: list[list[Rows]] = []  # candidates of frames before the lock
        self._held_times: list[float] = []
        self._held_with_people = 0
        self._choice_seen = person is None  # a held frame shows the person asked for
        self._chosen: list[Rows | None] = []
        self._ambiguous: list[bool] = []
        self._counts: list[int] = []
        self._times: list[float] = []
        self._last: Rows | None = None  # the subject's last seen landmarks
        self._missed = 0
        self._most_people = 0
        self._locked = False

    @property
    def locked(self) -> bool:
        """Whether the subject has been chosen (held frames are resolved)."""
        return self._locked

    def add(self, candidates: Sequence[Rows], time_s: float | None = None) -> None:
        """Feed the people MediaPipe found in the next frame (possibly none).

        ``time_s`` (the frame's time in seconds) bounds the search for a person asked
        for by rank or point; without it frames are taken to be 1/30 s apart.
        """
        candidates = list(candidates)
        if time_s is None:
            time_s = len(self._counts) * FRAME_INTERVAL_S
        self._counts.append(count_people(candidates))
        self._times.append(time_s)
        self._most_people = max(self._most_people, len(candidates))
        if not self._locked:
            self._held.append(candidates)
            self._held_times.append(time_s)
            self._held_with_people += bool(candidates)
            self._choice_seen = self._choice_seen or self._shows_choice(candidates)
            searched = self._held_times[-1] - self._held_times[0] >= self.search_s
            if self._held_with_people >= self.lock_frames and (self._choice_seen or searched):
                self._lock()
            return
        chosen, ambiguous = self._follow(candidates)
        self._chosen.append(chosen)
        self._ambiguous.append(ambiguous)

    def finish(self) -> list[Rows | None]:
        """The subject's landmark rows per frame fed, ``None`` where they were not seen.

        Raises
        ------
        NoPersonError
            When the caller's chosen person (rank or point) was never seen; the message
            lists the people that were.
        """
        if not self._locked:
            self._lock()
        return list(self._chosen)

    def people_count(self) -> NDArray[np.int16]:
        """How many distinct people (:func:`count_people`) each frame fed showed, (T,)."""
        return np.array(self._counts, dtype=np.int16)

    def ambiguous(self) -> NDArray[np.bool_]:
        """Frames where another candidate was nearly as close as the subject, shape (T,).

        Valid after :meth:`finish`.
        """
        return np.array(self._ambiguous, dtype=bool)

    def identity(self) -> IdentityCheck:
        """:func:`identity_check` of the followed frames (call after :meth:`finish`)."""
        return identity_check(self.finish(), self.ambiguous(), time_s=self._times)

    # -- internals ---------------------------------------------------------------------

    def _shows_choice(self, candidates: list[Rows]) -> bool:
        if isinstance(self.person, int):
            return len(candidates) > self.person
        if isinstance(self.person, tuple):
            return self._at_point(candidates) is not None
        return True

    def _at_point(self, candidates: list[Rows]) -> int | None:
        """The candidate whose grown box contains the caller's point (nearest centre)."""
        assert isinstance(self.person, tuple)
        x, y = self.person
        containing = []
        for c, rows in enumerate(candidates):
            box = person_box(rows)
            margin = 0.1 * (box[2:] - box[:2])
            low, high = box[:2] - margin, box[2:] + margin
            if low[0] <= x <= high[0] and low[1] <= y <= high[1]:
                centre = (box[:2] + box[2:]) / 2
                containing.append((math.hypot(centre[0] - x, centre[1] - y), c))
        return min(containing)[1] if containing else None

    def _seen(self, held: list[list[Rows]]) -> str:
        """The people seen in the held frames, for an error message."""
        if self._most_people == 0:
            return "nobody was seen"
        f = max(range(len(held)), key=lambda i: len(held[i]))
        boxes = "; ".join(
            f"x {b[0]:.0f}-{b[2]:.0f}, y {b[1]:.0f}-{b[3]:.0f}"
            for b in sorted((person_box(rows) for rows in held[f]), key=lambda b: b[0])
        )
        many = "person was" if self._most_people == 1 else "people were"
        return f"at most {self._most_people} {many} seen, in frame {f} at {boxes} (pixels)"

    def _pick(self, held: list[list[Rows]]) -> tuple[int, int] | None:
        """(frame, candidate) of the subject among the held frames, or None."""
        span = self._held_times[-1] - self._held_times[0] if self._held_times else 0.0
        if self.person is None:
            best: tuple[int, int] | None = None
            best_area = -1.0
            for f, candidates in enumerate(held):
                for c, rows in enumerate(candidates):
                    area = box_area(person_box(rows))
                    if area > best_area:
                        best, best_area = (f, c), area
            return best
        if isinstance(self.person, int):
            rank = self.person
            for f, candidates in enumerate(held):
                if len(candidates) > rank:
                    order = sorted(
                        range(len(candidates)),
                        key=lambda c: -box_area(person_box(candidates[c])),
                    )
                    return f, order[rank]
            raise NoPersonError(
                f"person {rank} was asked for, but at most {self._most_people} "
                f"{'person was' if self._most_people == 1 else 'people were'} seen in "
                f"the first {span:.1f} s"
            )
        x, y = self.person
        for f, candidates in enumerate(held):
            at = self._at_point(candidates)
            if at is not None:
                return f, at
        raise NoPersonError(
            f"no person was found at pixel ({x:g}, {y:g}) in the first {span:.1f} s of "
            f"the video: {self._seen(held)}"
        )

    def _lock(self) -> None:
        held, self._held = self._held, []
        self._locked = True
        pick = self._pick(held)
        self._held_times = []
        if pick is None:  # nobody in any held frame
            self._chosen.extend([None] * len(held))
            self._ambiguous.extend([False] * len(held))
            return
        anchor_frame, anchor_candidate = pick
        chosen: list[Rows | None] = [None] * len(held)
        ambiguous = [False] * len(held)
        chosen[anchor_frame] = held[anchor_frame][anchor_candidate]
        ambiguous[anchor_frame] = any(
            match_cost(held[anchor_frame][anchor_candidate], rows) <= AMBIGUOUS_COST
            for c, rows in enumerate(held[anchor_frame])
            if c != anchor_candidate
        )
        # Trace backwards from the anchor through the earlier held frames ...
        self._last, self._missed = chosen[anchor_frame], 0
        for f in range(anchor_frame - 1, -1, -1):
            chosen[f], ambiguous[f] = self._follow(held[f])
        # ... then forwards, continuing into live frames.
        self._last, self._missed = chosen[anchor_frame], 0
        for f in range(anchor_frame + 1, len(held)):
            chosen[f], ambiguous[f] = self._follow(held[f])
        self._chosen.extend(chosen)
        self._ambiguous.extend(ambiguous)

    def _follow(self, candidates: list[Rows]) -> tuple[Rows | None, bool]:
        """The subject among ``candidates`` (or None) and whether another was close."""
        if self._last is None:  # nobody locked yet and nobody seen
            return None, False
        gate = min(self.max_cost + self.cost_growth * self._missed, self.max_cost_cap)
        costs = [match_cost(self._last, rows) for rows in candidates]
        ambiguous = False
        if costs and min(costs) <= gate:
            best_index = int(np.argmin(costs))
            best = candidates[best_index]
            ambiguous = any(
                cost <= AMBIGUOUS_COST for c, cost in enumerate(costs) if c != best_index
            )
        elif len(candidates) == 1 and self._most_people == 1:
            best = candidates[0]  # only ever one person in this video: it is the subject
        else:
            self._missed += 1
            return None, False
        self._last, self._missed = best, 0
        return best, ambiguous


# --- MediaPipe ------------------------------------------------------------------------


def result_to_rows(result: Any, full_size: tuple[int, int]) -> list[Rows]:
    """Landmark rows, one ``(33, 8)`` float32 array per person in a MediaPipe result.

    Parameters
    ----------
    result : mediapipe PoseLandmarkerResult
    full_size : (width, height)
        Upright frame size in original pixels; normalised ``x``, ``y``, ``z`` are scaled
        by it (``z`` by the width, as MediaPipe defines it).
    """
    width, height = full_size
    people = []
    for image_landmarks, world_landmarks in zip(
        result.pose_landmarks, result.pose_world_landmarks, strict=True
    ):
        rows = np.empty((NUM_LANDMARKS, 8), dtype=np.float32)
        for i, (lm, wl) in enumerate(zip(image_landmarks, world_landmarks, strict=True)):
            rows[i] = (
                lm.x * width,
                lm.y * height,
                lm.z * width,
                lm.visibility if lm.visibility is not None else np.nan,
                lm.presence if lm.presence is not None else np.nan,
                wl.x,
                wl.y,
                wl.z,
            )
        people.append(rows)
    return people


@contextlib.contextmanager
def _native_stderr_silenced(enabled: bool = True) -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for a while.

    MediaPipe's C++ core logs dozens of INFO/WARNING lines (model loading, XNNPACK,
    alignment notes) straight to file descriptor 2, past Python, and no environment
    variable turns them off in 1.2.3. Errors still reach Python as exceptions.
    """
    if not enabled:
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable stderr: nothing to protect
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class PoseDetector:
    """MediaPipe Tasks ``PoseLandmarker`` in VIDEO mode, several people per frame.

    Parameters
    ----------
    model_path : path-like
        A ``.task`` bundle (see :func:`rom.posemodels.resolve_model`).
    num_poses : int
        Most people reported per frame. At least 2, so that a second person in view is
        seen as someone else rather than mistaken for the subject.
    min_detection_confidence, min_presence_confidence, min_tracking_confidence : float
        MediaPipe's thresholds (its defaults).
    quiet : bool
        Hide MediaPipe's native log lines (they go to file descriptor 2).

    Notes
    -----
    VIDEO mode needs strictly increasing integer millisecond timestamps. They come from
    the frames' real presentation times, rounded, and are bumped by 1 ms where rounding
    would repeat one (frames under 1 ms apart).
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        num_poses: int = 2,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        quiet: bool = True,
    ) -> None:
        # Imported here: mediapipe takes a second to import and most commands never need it.
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import (
            PoseLandmarker,
            PoseLandmarkerOptions,
            RunningMode,
        )

        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(Path(model_path))),
            running_mode=RunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_segmentation_masks=False,
        )
        self._quiet = quiet
        try:
            with _native_stderr_silenced(quiet):
                self._landmarker = PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"{model_path}: MediaPipe cannot load this pose model ({exc})"
            ) from exc
        self._last_ms = -1

    def detect(
        self,
        image: NDArray[np.uint8],
        time_s: float,
        full_size: tuple[int, int] | None = None,
    ) -> list[Rows]:
        """Every person MediaPipe finds in one frame.

        Parameters
        ----------
        image : ndarray, shape (H, W, 3), uint8
            Upright RGB frame (possibly downscaled).
        time_s : float
            The frame's presentation time in seconds; must increase from call to call.
        full_size : (width, height), optional
            Original upright size to express landmarks in; default the image's size.

        Returns
        -------
        list of ndarray, shape (33, 8)
            One row array per person, in MediaPipe's order (not stable between frames).
        """
        import mediapipe as mp

        if full_size is None:
            full_size = (int(image.shape[1]), int(image.shape[0]))
        timestamp_ms = max(round(time_s * 1000.0), self._last_ms + 1)
        self._last_ms = timestamp_ms
        # MediaPipe needs contiguous 3-channel SRGB uint8 (grayscale crashes the graph).
        pixels = np.ascontiguousarray(image, dtype=np.uint8)
        mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=pixels)
        with _native_stderr_silenced(self._quiet):
            result = self._landmarker.detect_for_video(mp_image, timestamp_ms)
        return result_to_rows(result, full_size)

    def close(self) -> None:
        with _native_stderr_silenced(self._quiet):
            self._landmarker.close()

    def __enter__(self) -> PoseDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
