"""MediaPipe pose landmarks for the one person a video is about.

Two parts with separate jobs:

* :class:`PoseDetector` wraps MediaPipe Tasks ``PoseLandmarker`` in VIDEO mode and turns
  each frame's result into landmark rows, one ``(33, 8)`` array per person seen.
* :class:`PersonFollower` is the pure-numpy policy that picks *which* of those people is
  the subject, frame after frame (see its docstring): lock on one person early, follow
  them by position and size, and never jump to somebody else.

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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rom.errors import ModelError, NoPersonError
from rom.landmarks import NUM_LANDMARKS

#: Landmarks at or above this visibility define a person's bounding box.
VISIBLE = 0.5

#: A person to follow: ``None`` (the largest), a size rank (0 = largest, 1 = next, ...)
#: or an ``(x, y)`` point in pixels of the upright frame that lies on the person.
PersonChoice = int | tuple[float, float] | None

Rows = NDArray[np.float32]  # (33, 8), see module docstring
Box = NDArray[np.float64]  # (4,): x_min, y_min, x_max, y_max in pixels


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


class PersonFollower:
    """Choose the same person in every frame, or nobody.

    Policy
    ------
    1. **Lock.** The first ``lock_frames`` frames in which anyone is seen are held back.
       The subject is then the person with the largest bounding box of visible landmarks
       in any of them (or the caller's choice, see ``person``), and is traced backwards
       and forwards through the held frames.
    2. **Follow.** In each frame the candidate with the lowest :func:`match_cost` against
       the subject's last seen landmarks is taken, if that cost is below
       ``max_cost + cost_growth * frames_missed`` (capped at ``max_cost_cap``): the gate
       widens while the subject is unseen, since they may have moved.
    3. **Never switch.** When no candidate passes the gate the frame is undetected
       (``None``), even if someone else is in view. The one exception: after the subject
       has been lost, a lone person is taken back if no frame so far ever held more than
       one person: there is nobody else it could be.

    Parameters
    ----------
    person : int, (x, y) or None
        ``None``: the largest person. ``int``: size rank in the first held frame that has
        enough people (0 = largest). ``(x, y)``: the person whose box (grown by 10 %)
        contains that pixel of the upright frame, in the first held frame where one does.
    lock_frames : int
        Frames with somebody in them to look at before locking.
    """

    def __init__(
        self,
        person: PersonChoice = None,
        *,
        lock_frames: int = 5,
        max_cost: float = 0.5,
        cost_growth: float = 0.1,
        max_cost_cap: float = 1.0,
    ) -> None:
        self.person = person
        self.lock_frames = lock_frames
        self.max_cost = max_cost
        self.cost_growth = cost_growth
        self.max_cost_cap = max_cost_cap
        self._held: list[list[Rows]] = []  # candidates of frames before the lock
        self._held_with_people = 0
        self._chosen: list[Rows | None] = []
        self._last: Rows | None = None  # the subject's last seen landmarks
        self._missed = 0
        self._most_people = 0
        self._locked = False

    @property
    def locked(self) -> bool:
        """Whether the subject has been chosen (held frames are resolved)."""
        return self._locked

    def add(self, candidates: Sequence[Rows]) -> None:
        """Feed the people MediaPipe found in the next frame (possibly none)."""
        candidates = list(candidates)
        self._most_people = max(self._most_people, len(candidates))
        if not self._locked:
            self._held.append(candidates)
            self._held_with_people += bool(candidates)
            if self._held_with_people >= self.lock_frames:
                self._lock()
            return
        self._chosen.append(self._follow(candidates))

    def finish(self) -> list[Rows | None]:
        """The subject's landmark rows per frame fed, ``None`` where they were not seen.

        Raises
        ------
        NoPersonError
            When the caller's chosen person (rank or point) was never seen.
        """
        if not self._locked:
            self._lock()
        return list(self._chosen)

    # -- internals ---------------------------------------------------------------------

    def _pick(self, held: list[list[Rows]]) -> tuple[int, int] | None:
        """(frame, candidate) of the subject among the held frames, or None."""
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
                f"{'person was' if self._most_people == 1 else 'people were'} seen at the start"
            )
        x, y = self.person
        for f, candidates in enumerate(held):
            containing = []
            for c, rows in enumerate(candidates):
                box = person_box(rows)
                margin = 0.1 * (box[2:] - box[:2])
                low, high = box[:2] - margin, box[2:] + margin
                if low[0] <= x <= high[0] and low[1] <= y <= high[1]:
                    centre = (box[:2] + box[2:]) / 2
                    containing.append((math.hypot(centre[0] - x, centre[1] - y), c))
            if containing:
                return f, min(containing)[1]
        raise NoPersonError(
            f"no person was found at pixel ({x:g}, {y:g}) at the start of the video"
        )

    def _lock(self) -> None:
        held, self._held = self._held, []
        self._locked = True
        pick = self._pick(held)
        if pick is None:  # nobody in any held frame
            self._chosen.extend([None] * len(held))
            return
        anchor_frame, anchor_candidate = pick
        chosen: list[Rows | None] = [None] * len(held)
        chosen[anchor_frame] = held[anchor_frame][anchor_candidate]
        # Trace backwards from the anchor through the earlier held frames ...
        self._last, self._missed = chosen[anchor_frame], 0
        for f in range(anchor_frame - 1, -1, -1):
            chosen[f] = self._follow(held[f])
        # ... then forwards, continuing into live frames.
        self._last, self._missed = chosen[anchor_frame], 0
        for f in range(anchor_frame + 1, len(held)):
            chosen[f] = self._follow(held[f])
        self._chosen.extend(chosen)

    def _follow(self, candidates: list[Rows]) -> Rows | None:
        if self._last is None:  # nobody locked yet and nobody seen
            return None
        gate = min(self.max_cost + self.cost_growth * self._missed, self.max_cost_cap)
        costs = [match_cost(self._last, rows) for rows in candidates]
        if costs and min(costs) <= gate:
            best = candidates[int(np.argmin(costs))]
        elif len(candidates) == 1 and self._most_people == 1:
            best = candidates[0]  # only ever one person in this video: it is the subject
        else:
            self._missed += 1
            return None
        self._last, self._missed = best, 0
        return best


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
