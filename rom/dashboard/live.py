"""Live webcam frames: a 3-2-1 countdown, then pose, skeleton, running angle and its peak
drawn, and the clip recorded.

Used by :mod:`rom.dashboard.webcam` as streamlit-webrtc's frame processor.  Frames arrive
on a worker thread, not the script's, so everything the callback needs lives in the
:class:`LiveRecorder` object (never in ``st.session_state``).  The countdown is drawn on
the frames themselves (the stream keeps flowing; nothing waits).  The running angle is a
preview computed from one frame's landmarks; the measurement itself is made afterwards
from the recorded clip by the normal pipeline, with its cleaning and quality checks.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from rom import geometry, labels, render
from rom.landmarks import sided
from rom.protocols import CATALOGUE
from rom.videowriter import H264Writer
from rom.vocabulary import SIDES, Side

#: Body chains drawn live for each test: its spec's chains (by landmark name; side filled
#: in per frame).
LIVE_CHAINS: dict[str, tuple[tuple[str, ...], ...]] = {
    name: spec.chains for name, spec in CATALOGUE.items()
}

#: Longest recording kept, seconds (a test takes 5–15 s; this bounds disk use).
MAX_RECORD_S = 60.0
#: Seconds counted down ("3", "2", "1") on the live view before the recording starts.
COUNTDOWN_S = 3.0


def countdown_number(elapsed_s: float, countdown_s: float = COUNTDOWN_S) -> int | None:
    """The number shown ``elapsed_s`` seconds after the first camera frame.

    Parameters
    ----------
    elapsed_s : float
        Seconds since the first frame; a negative value (a clock that stepped back) counts
        as 0.
    countdown_s : float
        Length of the countdown, seconds.

    Returns
    -------
    int or None
        3, 2, 1 for a 3-s countdown (3 during its first second), ``None`` once it is over
        and the recording runs.
    """
    remaining = countdown_s - max(elapsed_s, 0.0)
    if remaining <= 0.0:
        return None
    return int(np.ceil(remaining))


def running_peak(peak: float, value: float) -> float:
    """The larger of the peak so far and a new value, in the same unit; NaN is skipped.

    NaN only while neither has been finite (no angle measured yet).
    """
    if not np.isfinite(value):
        return peak
    return value if not np.isfinite(peak) else max(peak, value)


def live_angle_deg(chains: tuple[tuple[int, ...], ...], xy: NDArray[np.float64]) -> float:
    """The angle :func:`rom.render.draw_pose` draws on the first chain, in degrees (≥ 0).

    Parameters
    ----------
    chains : tuple of landmark-index chains
        The test's chains on one side.  A chain that continues where the first ends (the
        hip-extension trunk line and thigh) joins it.
    xy : ndarray, shape (33, 2)
        Image pixels (``x`` right, ``y`` down).

    Returns
    -------
    float
        With three or more points: 0 when the first two segments are in line, growing as
        the joint bends (180 − the included angle, :func:`rom.geometry.joint_angle_deg`).
        With two: the segment's angle from image vertical, at its lower end.  NaN when a
        point is missing or a segment has no length.
    """
    chain = list(chains[0]) if chains else []
    for following in chains[1:]:
        if chain and following and following[0] == chain[-1]:
            chain.extend(following[1:])
    points = xy[chain[:3]]
    if len(chain) < 2 or not np.all(np.isfinite(points)):
        return float("nan")
    if len(chain) == 2:
        lower, upper = (points[0], points[1]) if points[0][1] >= points[1][1] else points[::-1]
        return float(geometry.joint_angle_deg(upper, lower, lower + np.array([0.0, -1.0])))
    return float(180.0 - geometry.joint_angle_deg(points[0], points[1], points[2]))


def pick_side(visibility: NDArray[np.floating[Any]], test: str, side: str) -> Side:
    """``side`` if given, else the side whose chain landmarks are more visible."""
    if side in SIDES:
        return "left" if side == "left" else "right"
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
        #: Largest live angle of this recording, degrees (NaN before the first one).
        self.peak_angle_deg = float("nan")
        self.countdown_s = COUNTDOWN_S
        self.frames_recorded = 0
        self.duration_s = 0.0
        #: Width and height of the recording in pixels: the first recorded frame's (even).
        self.frame_size: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self._detector: Any = None
        self._loading: threading.Thread | None = None
        self._writer: H264Writer | None = None
        self._camera_t0: float | None = None
        self._t0: float | None = None
        self._detect_lock = threading.Lock()
        self.finished = False

    def configure(self, test: str, side: str) -> None:
        self.test, self.side = test, side

    # -- per frame (worker thread) -----------------------------------------------------------
    def process(self, image: NDArray[np.uint8], time_s: float) -> NDArray[np.uint8]:
        """Return ``image`` (RGB) with the countdown drawn; after it, record the frame and
        return it with the skeleton, the running angle and its peak drawn.

        ``time_s`` is the frame's presentation time in seconds (any origin, increasing).
        """
        if self.finished:
            return image
        if self._camera_t0 is None:
            self._camera_t0 = time_s
        number = countdown_number(time_s - self._camera_t0, self.countdown_s)
        if number is not None:
            # Load the pose model meanwhile, so the recording's first second is not frozen.
            if self._loading is None:
                self._loading = threading.Thread(target=self._load_detector, daemon=True)
                self._loading.start()
            return self._draw_countdown(image, number)
        with self._lock:
            if not self.finished:
                self._record(image, time_s)
        with self._detect_lock:
            detector = self._open_detector()
            if detector is None:  # finished meanwhile
                return image
            people = detector.detect(image, time_s)
        if not people:
            out = image.copy()
            render.draw_label(out, "step into view: whole body, side on", (8, 8),
                              colour=render.hex_to_rgb(render.OKABE_ITO["yellow"]))
            return out
        rows = people[0]
        xy, visibility = rows[:, 0:2].astype(np.float64), rows[:, 3]
        side = pick_side(visibility, self.test, self.side)
        spec = CATALOGUE.get(self.test)
        chains = spec.segments(side) if spec is not None else ()
        degrees = spec is not None and spec.unit == "deg"
        angle = live_angle_deg(chains, xy) if degrees else float("nan")
        self.last_angle_deg = angle
        self.peak_angle_deg = running_peak(self.peak_angle_deg, angle)
        out = render.draw_pose(
            image, xy, visibility, chains, degrees=degrees,
            caption=f"REC {self.duration_s:4.1f} s",
            caption_colour=render.hex_to_rgb(render.OKABE_ITO["vermillion"]),
            value_text=labels.format_value(angle, "deg", digits=0, plain=True) if degrees else None,
        )
        if degrees and np.isfinite(self.peak_angle_deg):
            # Held in the top-right corner (draw_label keeps it inside the image), so the
            # person sees how far they got while holding the end position.
            peak = labels.format_value(self.peak_angle_deg, "deg", digits=0, plain=True)
            render.draw_label(out, f"PEAK {peak}", (out.shape[1], 8), degrees=True,
                              colour=render.hex_to_rgb(render.OKABE_ITO["vermillion"]))
        return out

    @staticmethod
    def _draw_countdown(image: NDArray[np.uint8], number: int) -> NDArray[np.uint8]:
        out = image.copy()
        height, width = out.shape[:2]
        # A big number in the middle, readable from where the person stands.
        render.draw_label(out, str(number), (width // 2 - height // 12, height // 3),
                          colour=render.hex_to_rgb(render.OKABE_ITO["yellow"]),
                          scale=max(2.0, height / 120))
        return out

    def _load_detector(self) -> None:
        with self._detect_lock:
            self._open_detector()

    def _open_detector(self) -> Any:
        """The pose detector, made on first use; None once finished.  Hold ``_detect_lock``."""
        if self._detector is None and not self.finished:
            from rom.landmarker import PoseDetector

            self._detector = PoseDetector(self.model_path, num_poses=1)
        return self._detector

    def _record(self, image: NDArray[np.uint8], time_s: float) -> None:
        if self._t0 is None:
            self._t0 = time_s
        elapsed = time_s - self._t0
        if elapsed > MAX_RECORD_S:
            return
        if self._writer is None:
            size = (image.shape[1] - image.shape[1] % 2, image.shape[0] - image.shape[0] % 2)
            self.frame_size = size
            # libx264's own settings (options={}), as the live recording always had.
            self._writer = H264Writer(self.out_path, 30.0, size, options={}, permissions=None)
            self._writer.open()
        if (image.shape[1], image.shape[0]) != self.frame_size:
            # WebRTC changes the resolution with the bandwidth and the sender's load: scale
            # to the recording's size rather than crop a corner (or fall short of it).
            image = np.asarray(cv2.resize(image, self.frame_size, interpolation=cv2.INTER_AREA),
                               dtype=np.uint8)
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
