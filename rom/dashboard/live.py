"""Live webcam frames: pose, skeleton and running angle drawn, and the clip recorded.

Used by :mod:`rom.dashboard.webcam` as streamlit-webrtc's frame processor.  Frames arrive
on a worker thread, not the script's, so everything the callback needs lives in the
:class:`LiveRecorder` object (never in ``st.session_state``).  The running angle is a
preview computed from one frame's landmarks; the measurement itself is made afterwards
from the recorded clip by the normal pipeline, with its cleaning and quality checks.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rom import labels, render
from rom.landmarks import sided
from rom.videowriter import H264Writer

#: Body chains drawn live for each test (by landmark name; side filled in per frame).
LIVE_CHAINS: dict[str, tuple[tuple[str, ...], ...]] = {
    "ankle-dorsiflexion": (("KNEE", "ANKLE"), ("HEEL", "FOOT_INDEX")),
    "knee-flexion": (("HIP", "KNEE", "ANKLE"),),
    "hip-extension": (("SHOULDER", "HIP", "KNEE"),),
    "hip-flexion": (("SHOULDER", "HIP", "KNEE"),),
    "toe-touch": (("SHOULDER", "HIP", "KNEE", "ANKLE"),),
}

#: Longest recording kept, seconds (a test takes 5–15 s; this bounds disk use).
MAX_RECORD_S = 60.0


def chain_angle_deg(points: NDArray[np.floating[Any]]) -> float:
    """The angle :func:`rom.render.draw_pose` draws for one chain, in degrees (≥ 0).

    Parameters
    ----------
    points : ndarray, shape (N, 2)
        Image pixels (``x`` right, ``y`` down) of the chain.  For two points: the angle of
        the segment from image vertical (0 = vertical).  For three or more: 0 when the
        first two segments are in line, growing as the joint bends (180 − the included
        angle).  NaN when a point is missing or a segment has no length.
    """
    if points.shape[0] < 2 or not np.all(np.isfinite(points[:3])):
        return float("nan")
    if points.shape[0] == 2:
        dx, dy = points[0] - points[1]
        return math.degrees(math.atan2(abs(float(dx)), abs(float(dy))))
    a, b = points[0] - points[1], points[2] - points[1]
    na, nb = float(np.hypot(*a)), float(np.hypot(*b))
    if na == 0.0 or nb == 0.0:
        return float("nan")
    cos = float(np.clip(np.dot(a, b) / (na * nb), -1.0, 1.0))
    return 180.0 - math.degrees(math.acos(cos))


def pick_side(visibility: NDArray[np.floating[Any]], test: str, side: str) -> str:
    """``side`` if given, else the side whose chain landmarks are more visible."""
    if side in ("left", "right"):
        return side
    names = {n for chain in LIVE_CHAINS.get(test, ()) for n in chain}

    def score(s: str) -> float:
        return float(np.nanmean([visibility[sided(s, n)] for n in names])) if names else 0.0

    return "left" if score("left") >= score("right") else "right"


class LiveRecorder:
    """Draws the live overlay on each webcam frame and records the raw frames to MP4.

    Parameters
    ----------
    model_path : path
        Pose model bundle for :class:`rom.landmarker.PoseDetector`.
    out_path : path
        Where the recorded clip (H.264 MP4, browser-playable) is written.
    """

    def __init__(self, model_path: Path, out_path: Path) -> None:
        self.model_path = model_path
        self.out_path = out_path
        self.test = "ankle-dorsiflexion"
        self.side = "auto"
        self.last_angle_deg = float("nan")
        self.frames_recorded = 0
        self.duration_s = 0.0
        self._lock = threading.Lock()
        self._detector: Any = None
        self._writer: H264Writer | None = None
        self._t0: float | None = None
        self._detect_lock = threading.Lock()
        self.finished = False

    def configure(self, test: str, side: str) -> None:
        self.test, self.side = test, side

    # -- per frame (worker thread) -----------------------------------------------------------
    def process(self, image: NDArray[np.uint8], time_s: float) -> NDArray[np.uint8]:
        """Record ``image`` (RGB) and return it with the skeleton and running angle drawn."""
        if self.finished:
            return image
        with self._lock:
            if not self.finished:
                self._record(image, time_s)
        with self._detect_lock:
            if self._detector is None:
                from rom.landmarker import PoseDetector

                self._detector = PoseDetector(self.model_path, num_poses=1)
            people = self._detector.detect(image, time_s)
        if not people:
            out = image.copy()
            render.draw_label(out, "step into view: whole body, side on", (8, 8),
                              colour=render.hex_to_rgb(render.OKABE_ITO["yellow"]))
            return out
        rows = people[0]
        xy, visibility = rows[:, 0:2].astype(np.float64), rows[:, 3]
        side = pick_side(visibility, self.test, self.side)
        chains = tuple(tuple(int(sided(side, n)) for n in chain)
                       for chain in LIVE_CHAINS.get(self.test, ()))
        degrees = self.test != "toe-touch"
        angle = chain_angle_deg(xy[list(chains[0])]) if chains and degrees else float("nan")
        self.last_angle_deg = angle
        caption = f"REC {self.duration_s:4.1f} s" if not self.finished else None
        return render.draw_pose(
            image, xy, visibility, chains, degrees=degrees, caption=caption,
            caption_colour=render.hex_to_rgb(render.OKABE_ITO["vermillion"]),
            value_text=labels.format_value(angle, "deg", digits=0, plain=True) if degrees else None,
        )

    def _record(self, image: NDArray[np.uint8], time_s: float) -> None:
        if self._t0 is None:
            self._t0 = time_s
        elapsed = time_s - self._t0
        if elapsed > MAX_RECORD_S:
            return
        if self._writer is None:
            size = (image.shape[1] - image.shape[1] % 2, image.shape[0] - image.shape[0] % 2)
            # libx264's own settings (options={}), as the live recording always had.
            self._writer = H264Writer(self.out_path, 30.0, size, options={}, permissions=None)
            self._writer.open()
        self._writer.write(image, elapsed)
        self.frames_recorded += 1
        self.duration_s = elapsed

    # -- from the script thread --------------------------------------------------------------
    def finish(self) -> Path | None:
        """Close the recording; returns the clip's path, or None if nothing was recorded."""
        with self._lock:
            if not self.finished and self._writer is not None:
                self._writer.close()
            self.finished = True
        with self._detect_lock:
            if self._detector is not None:
                self._detector.close()
                self._detector = None
        with self._lock:
            return self.out_path if self.frames_recorded > 0 else None
