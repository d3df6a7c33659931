"""Track preparation: levelling, rejection, swaps, gap filling, smoothing, facing.

Cleaning pipeline (:func:`prepare`), in order:

1. **Levelling** — every image landmark is rotated by the calibration's roll about the
   frame centre (:func:`rom.calibration.level_points`), so image vertical is true vertical.
2. **Rejection** — a landmark is set to NaN in frames where the person was not detected,
   its visibility is below ``min_visibility``, its presence is below ``min_presence`` or it
   lies outside the image (``out_of_frame``).  Frames where the left and right leg look
   exchanged (:func:`rom.signal.detect_left_right_swaps`) lose both legs' landmarks.
   Single landmarks that jump away from their running median (Hampel identifier,
   :func:`rom.signal.hampel_outliers`) are rejected too.
3. **Gap filling** — dropouts up to ``max_gap_s`` are bridged by PCHIP interpolation.
   The result is ``raw_xy``, from which ``TrialResult.raw_values`` are computed.
4. **Smoothing** — zero-phase Butterworth low-pass at ``cutoff_hz`` on each coordinate
   (real timestamps) gives ``xy``, from which the measured values are computed.
5. **Facing** — which way the person faces (:func:`estimate_facing`, from ``raw_xy``),
   kept on the :class:`PreparedTrack` because every signed angle needs it.

Angles are computed from the cleaned coordinates (not filtered afterwards), so primary and
secondary values at the peak frame are mutually consistent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rom import geometry
from rom import signal as sig
from rom.calibration import Calibration, level_points
from rom.landmarks import Landmark, sided
from rom.pose import PoseTrack
from rom.vocabulary import SIDES, Side

FloatArray = NDArray[np.float64]

LEG_PARTS = ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX")


@dataclass(frozen=True)
class Settings:
    """Tunable thresholds of the measurement pipeline (recorded in provenance).

    Attributes
    ----------
    cutoff_hz : float
        Low-pass cut-off in hertz.
    max_gap_s : float
        Longest dropout bridged by interpolation, seconds.
    min_hold_s : float
        A peak must be held this long, seconds.
    min_visibility : float
        Per-frame rejection threshold for a landmark's visibility.
    min_presence : float
        Per-frame rejection threshold for a landmark's presence (inside the frame).
    low_visibility : float
        ``low_visibility`` when the median visibility of the measured landmarks over the
        peak window is below this.
    side_on_max_ratio : float or None
        ``not_side_on`` when the image distance between the shoulders exceeds this
        fraction of the torso length (shoulder midpoint to hip midpoint).  None (the
        default) uses each test's own limit (``Signal.side_on_max_ratio``), set from the
        yaw-to-error map so that the camera's turn costs at most 2 deg.
    swap_window_s : float
        Running-median window of the left/right swap detector and of the outlier
        (Hampel) rejection, seconds.
    outlier_fraction_of_torso : float
        A landmark further than this fraction of the torso length (about 12 cm) from its
        running median, and beyond 3 robust SDs, is rejected for that frame.
    out_of_frame_margin_s : float
        Landmarks out of frame this close to the peak window make it ``out_of_frame``
        (the true peak may have happened while they were out of view).
    """

    cutoff_hz: float = sig.DEFAULT_CUTOFF_HZ
    max_gap_s: float = sig.DEFAULT_MAX_GAP_S
    min_hold_s: float = sig.DEFAULT_MIN_HOLD_S
    min_visibility: float = 0.3
    min_presence: float = 0.5
    low_visibility: float = 0.5
    side_on_max_ratio: float | None = None
    out_of_frame_margin_s: float = 0.5
    swap_window_s: float = 0.5
    outlier_fraction_of_torso: float = 0.25


@dataclass(frozen=True, eq=False)
class PreparedTrack:
    """A track after levelling, rejection, gap filling and smoothing.

    Attributes
    ----------
    track : PoseTrack
    calibration : Calibration
    settings : Settings
    time_s : ndarray, shape (T,)
    raw_xy : ndarray, shape (T, 33, 2)
        Levelled, cleaned, gap-filled, unsmoothed pixel coordinates (NaN = rejected).
    xy : ndarray, shape (T, 33, 2)
        ``raw_xy`` after the low-pass filter.
    out_of_frame : ndarray of bool, shape (T, 33)
        Landmark rejected for being outside the image or having low presence.
    swapped : ndarray of bool, shape (T,)
        Frames rejected as left/right leg swaps.
    facing : float
        +1 person faces image-right, -1 image-left.
    """

    track: PoseTrack
    calibration: Calibration
    settings: Settings
    time_s: FloatArray
    raw_xy: FloatArray
    xy: FloatArray
    out_of_frame: NDArray[np.bool_]
    swapped: NDArray[np.bool_]
    facing: float

    def point(self, name: str, side: Side | None = None, raw: bool = False) -> FloatArray:
        """Landmark coordinates, shape (T, 2): ``"KNEE"`` with a ``side``, or e.g. ``"NOSE"``."""
        index = sided(side, name) if side else Landmark[name]
        return (self.raw_xy if raw else self.xy)[:, index]

    def mid(self, name: str, raw: bool = False) -> FloatArray:
        """Midpoint (T, 2) of the left and right landmark ``name``."""
        return geometry.midpoint(self.point(name, "left", raw), self.point(name, "right", raw))

    @property
    def detected(self) -> NDArray[np.bool_]:
        return np.asarray(self.track.detected, dtype=bool)


def prepare(
    track: PoseTrack, calibration: Calibration | None = None, settings: Settings | None = None
) -> PreparedTrack:
    """Level, clean, gap-fill and smooth a track (see module docstring)."""
    cal = calibration or Calibration()
    cfg = settings or Settings()
    t = np.asarray(track.timestamps_s, dtype=np.float64)
    width, height = track.frame_size
    image = np.asarray(track.image_xy, dtype=np.float64)
    detected = np.asarray(track.detected, dtype=bool)

    inside = (
        (image[..., 0] >= 0)
        & (image[..., 0] <= width)
        & (image[..., 1] >= 0)
        & (image[..., 1] <= height)
    )
    presence = np.nan_to_num(np.asarray(track.presence, dtype=np.float64), nan=0.0)
    visibility = np.nan_to_num(np.asarray(track.visibility, dtype=np.float64), nan=0.0)
    out_of_frame = detected[:, None] & ((~inside) | (presence < cfg.min_presence))
    reject = (~detected[:, None]) | out_of_frame | (visibility < cfg.min_visibility)
    # Whole-clip float64 copies are let go as soon as they are used, so memory stays a few
    # of them whatever the clip's length (benchmarks/throughput.py reports the peak).
    del presence, visibility, inside

    xy = level_points(image, cal, centre=(width / 2.0, height / 2.0))
    del image
    xy[reject] = np.nan

    left = [int(sided("left", p)) for p in LEG_PARTS]
    right = [int(sided("right", p)) for p in LEG_PARTS]
    fps = track.fps if len(t) > 1 else 30.0
    window = round(cfg.swap_window_s * fps)
    swapped = sig.detect_left_right_swaps(xy[:, left], xy[:, right], window=window)
    if swapped.any():
        xy[np.ix_(np.flatnonzero(swapped), np.array(left + right))] = np.nan

    torso = geometry.distance(
        geometry.midpoint(xy[:, Landmark.LEFT_SHOULDER], xy[:, Landmark.RIGHT_SHOULDER]),
        geometry.midpoint(xy[:, Landmark.LEFT_HIP], xy[:, Landmark.RIGHT_HIP]),
    )
    torso_px = finite_median(torso)
    if np.isfinite(torso_px) and torso_px > 0:
        jumps = sig.hampel_outliers(
            xy, window, min_deviation=cfg.outlier_fraction_of_torso * torso_px
        )
        xy[jumps.any(axis=-1)] = np.nan

    raw_xy = sig.fill_gaps(t, xy, cfg.max_gap_s) if len(t) else xy
    del xy
    smooth_xy = sig.lowpass(t, raw_xy, cfg.cutoff_hz) if len(t) else raw_xy
    facing = estimate_facing(raw_xy)
    return PreparedTrack(
        track=track,
        calibration=cal,
        settings=cfg,
        time_s=t,
        raw_xy=raw_xy,
        xy=smooth_xy,
        out_of_frame=out_of_frame,
        swapped=swapped,
        facing=facing,
    )


def finite_median(values: FloatArray) -> float:
    """Median of the finite entries of ``values`` (any shape, flattened); NaN if none.

    Unlike :func:`numpy.nanmedian` it also skips infinities and does not warn when
    every entry is missing, which is common for landmarks hidden for a whole clip.
    """
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def estimate_facing(xy: FloatArray) -> float:
    """Which way the person faces in the image: +1 (right) or -1 (left).

    Majority vote of three cues, each the sign of a median over frames: the nose in front
    of the ear midpoint, and each foot's toe in front of its heel.  Defaults to +1 when no
    cue is available.
    """
    if xy.shape[0] == 0:
        return 1.0
    ear_mid = geometry.midpoint(xy[:, Landmark.LEFT_EAR], xy[:, Landmark.RIGHT_EAR])
    cues = [xy[:, Landmark.NOSE, 0] - ear_mid[:, 0]]
    for side in SIDES:
        cues.append(xy[:, sided(side, "FOOT_INDEX"), 0] - xy[:, sided(side, "HEEL"), 0])
    vote = sum(float(np.sign(finite_median(c))) for c in cues if np.isfinite(finite_median(c)))
    return -1.0 if vote < 0 else 1.0
