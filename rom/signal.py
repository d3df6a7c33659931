"""Signal cleaning for landmark and angle time series: gaps, swaps, low-pass, robust peak.

All functions are pure numpy/scipy.  Time series are sampled at the track's *real*
timestamps ``time_s`` (shape ``(T,)``, seconds, strictly increasing), which may be
irregular (variable-frame-rate phone video).  Missing samples are NaN.  Signals have
shape ``(T,)`` or ``(T, ...)``; the first axis is always time.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import PchipInterpolator
from scipy.signal import butter, sosfiltfilt

FloatArray = NDArray[np.float64]

#: Default low-pass cut-off.  Mobility tests are slow, held movements (well under 2 Hz);
#: 6 Hz keeps them intact while removing MediaPipe's frame-to-frame jitter.
DEFAULT_CUTOFF_HZ = 6.0
#: Default longest dropout that is bridged by interpolation.
DEFAULT_MAX_GAP_S = 0.25
#: Default minimum duration for which a peak must be held.
DEFAULT_MIN_HOLD_S = 0.3


def _time(time_s: ArrayLike) -> FloatArray:
    t = np.asarray(time_s, dtype=np.float64)
    if t.ndim != 1:
        raise ValueError(f"time_s must be 1-D, got shape {t.shape}")
    if t.size > 1 and not np.all(np.diff(t) > 0):
        raise ValueError("time_s must be strictly increasing")
    return t


def finite_runs(mask: ArrayLike) -> list[tuple[int, int]]:
    """Half-open index ranges ``[start, stop)`` of consecutive ``True`` values in ``mask``."""
    m = np.asarray(mask, dtype=bool).astype(np.int8)
    edges = np.diff(np.concatenate(([0], m, [0])))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def fill_gaps(
    time_s: ArrayLike,
    values: ArrayLike,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    method: str = "pchip",
) -> FloatArray:
    """Bridge short interior runs of NaN by interpolation in time.

    Parameters
    ----------
    time_s : array_like, shape (T,)
    values : array_like, shape (T,) or (T, ...)
        Each trailing column is filled independently.
    max_gap_s : float
        A gap is filled only if the time between the valid samples on either side is at
        most this long.  Leading and trailing gaps are never filled (no extrapolation).
    method : {"pchip", "linear"}
        PCHIP (shape-preserving cubic, no overshoot) or straight lines.

    Returns
    -------
    ndarray, same shape as ``values``, float64
    """
    if method not in ("pchip", "linear"):
        raise ValueError(f"method must be 'pchip' or 'linear', not {method!r}")
    t = _time(time_s)
    y = np.array(values, dtype=np.float64, copy=True)
    if y.shape[0] != t.size:
        raise ValueError(f"values has {y.shape[0]} samples but time_s has {t.size}")
    flat = y.reshape(t.size, -1)
    for col in range(flat.shape[1]):
        series = flat[:, col]
        good = np.isfinite(series)
        if good.sum() < 2 or good.all():
            continue
        gap_runs = finite_runs(~good)
        fillable = np.zeros(t.size, dtype=bool)
        for start, stop in gap_runs:
            if start == 0 or stop == t.size:
                continue
            if t[stop] - t[start - 1] <= max_gap_s + 1e-9:
                fillable[start:stop] = True
        if not fillable.any():
            continue
        if method == "pchip" and good.sum() >= 3:
            series[fillable] = PchipInterpolator(t[good], series[good])(t[fillable])
        else:
            series[fillable] = np.interp(t[fillable], t[good], series[good])
    return flat.reshape(y.shape)


def is_uniform(time_s: ArrayLike, tolerance: float = 0.05) -> bool:
    """Whether every frame interval is within ``tolerance`` (relative) of the median one."""
    t = _time(time_s)
    if t.size < 3:
        return True
    dt = np.diff(t)
    med = float(np.median(dt))
    return bool(np.all(np.abs(dt - med) <= tolerance * med))


def lowpass(
    time_s: ArrayLike, values: ArrayLike, cutoff_hz: float = DEFAULT_CUTOFF_HZ, order: int = 4
) -> FloatArray:
    """Zero-phase Butterworth low-pass filter that respects real timestamps and gaps.

    The filter is ``scipy.signal.butter(order, cutoff_hz, output="sos")`` applied forwards
    and backwards with ``sosfiltfilt`` (no phase shift; the effective order doubles and the
    -3 dB point of the single pass becomes about -6 dB).  When frame intervals vary by more
    than 5 %, each run is resampled to a uniform grid at the median interval (linear
    interpolation), filtered, and interpolated back to the original times.  Each run of
    finite samples is filtered on its own; NaNs stay NaN.  Runs too short for the filter's
    padding are returned unfiltered.  If ``cutoff_hz`` is at or above 0.8 x the Nyquist
    frequency of the track, it is lowered to that value (a low frame rate cannot resolve it).

    Parameters
    ----------
    time_s : array_like, shape (T,)
    values : array_like, shape (T,) or (T, ...)
    cutoff_hz : float
        Cut-off (single-pass -3 dB) frequency in hertz.
    order : int
        Butterworth order of one pass.

    Returns
    -------
    ndarray, same shape as ``values``, float64
    """
    t = _time(time_s)
    y = np.array(values, dtype=np.float64, copy=True)
    if y.shape[0] != t.size:
        raise ValueError(f"values has {y.shape[0]} samples but time_s has {t.size}")
    if cutoff_hz <= 0:
        raise ValueError("cutoff_hz must be positive")
    if t.size < 3:
        return y
    dt = float(np.median(np.diff(t)))
    fs = 1.0 / dt
    cutoff = min(cutoff_hz, 0.8 * fs / 2.0)
    sos = butter(order, cutoff, output="sos", fs=fs)
    padlen = 3 * (2 * len(sos) + 1)  # sosfiltfilt's default padding
    uniform = is_uniform(t)
    flat = y.reshape(t.size, -1)
    for col in range(flat.shape[1]):
        series = flat[:, col]
        for start, stop in finite_runs(np.isfinite(series)):
            tt = t[start:stop]
            seg = series[start:stop]
            if uniform:
                if seg.size > padlen:
                    series[start:stop] = sosfiltfilt(sos, seg)
                continue
            # A grid from the first to the last sample at (almost) the median interval;
            # the filter is designed for that grid's exact rate.
            n = round((tt[-1] - tt[0]) / dt) + 1
            if n <= padlen:
                continue
            grid = np.linspace(tt[0], tt[-1], n)
            grid_fs = (n - 1) / (tt[-1] - tt[0])
            grid_sos = butter(order, min(cutoff_hz, 0.8 * grid_fs / 2.0), output="sos", fs=grid_fs)
            filtered = sosfiltfilt(grid_sos, np.interp(grid, tt, seg))
            series[start:stop] = np.interp(tt, grid, filtered)
    return flat.reshape(y.shape)


#: Window values handed to :func:`numpy.nanmedian` at once.  It copies the windows it is
#: given several times over (data, NaN mask, sorted copy), which for a whole clip's
#: landmarks was ~29 KB a frame; taken a slice of frames at a time, its temporaries stay
#: a few megabytes whatever the clip's length.
_MEDIAN_CHUNK_VALUES = 1 << 19


def _rolling_nanmedian(values: FloatArray, window: int) -> FloatArray:
    """Centred running median over ``window`` samples along axis 0, ignoring NaN."""
    half = window // 2
    pad = [(half, half)] + [(0, 0)] * (values.ndim - 1)
    padded = np.pad(values, pad, mode="constant", constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, window, axis=0)
    medians = np.empty(values.shape, dtype=np.float64)
    # Each window's median is computed on its own, so slicing by frames changes no value.
    frames_per_chunk = max(1, _MEDIAN_CHUNK_VALUES // max(1, windows[0].size))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows stay NaN
        for start in range(0, values.shape[0], frames_per_chunk):
            stop = start + frames_per_chunk
            medians[start:stop] = np.nanmedian(windows[start:stop], axis=-1)
    return medians


def hampel_outliers(
    values: ArrayLike, window: int = 15, n_sigmas: float = 3.0, min_deviation: float = 0.0
) -> NDArray[np.bool_]:
    """Samples far from their running median (Hampel identifier).

    A sample is an outlier when it deviates from the centred running median of ``window``
    samples by more than ``n_sigmas`` robust standard deviations (1.4826 x the running
    median absolute deviation) *and* by more than ``min_deviation``.  The floor keeps
    ordinary jitter in a still hold (where the MAD is nearly zero) from being rejected.

    Parameters
    ----------
    values : array_like, shape (T,) or (T, ...)
        Each trailing column is judged on its own; NaN is never an outlier.
    window : int
        Odd number of samples (about 0.5 s of frames).
    n_sigmas : float
    min_deviation : float
        In the units of ``values`` (e.g. pixels).

    Returns
    -------
    ndarray of bool, same shape as ``values``
    """
    x = np.asarray(values, dtype=np.float64)
    if x.shape[0] < 3:
        return np.zeros(x.shape, dtype=bool)
    window = max(3, int(window) | 1)
    columns = x.reshape(x.shape[0], -1)
    outliers = np.zeros(columns.shape, dtype=bool)
    # One column at a time: the temporaries are one series long, not the whole clip's
    # landmarks (memory stays small for long clips); each column is judged alone anyway.
    for col in range(columns.shape[1]):
        series = columns[:, col]
        deviation = np.abs(series - _rolling_nanmedian(series, window))
        mad = _rolling_nanmedian(deviation, window)
        with np.errstate(invalid="ignore"):
            limit = np.maximum(n_sigmas * 1.4826 * mad, min_deviation)
            outliers[:, col] = (deviation > limit) & np.isfinite(deviation)
    return outliers.reshape(x.shape)


def detect_left_right_swaps(
    left_xy: ArrayLike, right_xy: ArrayLike, window: int = 15, jump_fraction: float = 0.2
) -> NDArray[np.bool_]:
    """Frames in which the left and right landmarks of a limb look exchanged.

    MediaPipe sometimes gives the far leg the near leg's label for a few frames.  Each
    frame is compared with the running median of each side's trajectory (``window``
    samples, centred), which short label swaps do not move.  A frame is swapped when
    exchanging its labels brings it at least twice as close to the medians *and* keeping
    them would leave it more than ``jump_fraction`` x the limb length away from them.
    Legs that overlap (standing side-on) are never flagged: both costs are then small.
    Swaps lasting longer than about half the window cannot be told from real motion.

    Parameters
    ----------
    left_xy, right_xy : array_like, shape (T, K, 2)
        K landmarks of the left and right limb (e.g. knee, ankle, heel, toe).  NaN allowed.
    window : int
        Running-median length in samples (about 0.5 s of frames works well).
    jump_fraction : float
        Threshold as a fraction of the limb length (median distance from the first to the
        last of the K landmarks, both sides pooled).

    Returns
    -------
    ndarray of bool, shape (T,)
        True for frames judged swapped (to be rejected).
    """
    left = np.asarray(left_xy, dtype=np.float64)
    right = np.asarray(right_xy, dtype=np.float64)
    n, k = left.shape[0], left.shape[1]
    swapped = np.zeros(n, dtype=bool)
    if n < 3 or k < 2:
        return swapped
    spans = np.concatenate(
        [
            np.linalg.norm(left[:, 0] - left[:, -1], axis=-1),
            np.linalg.norm(right[:, 0] - right[:, -1], axis=-1),
        ]
    )
    spans = spans[np.isfinite(spans)]
    scale = float(np.median(spans)) if spans.size else float("nan")
    if not np.isfinite(scale) or scale <= 0:
        return swapped
    window = max(3, int(window) | 1)  # odd, at least 3
    left_med = _rolling_nanmedian(left, window)
    right_med = _rolling_nanmedian(right, window)

    def cost(a: FloatArray, b: FloatArray) -> FloatArray:
        return np.asarray(np.linalg.norm(a - b, axis=-1).sum(axis=-1))

    with np.errstate(invalid="ignore"):
        keep = cost(left, left_med) + cost(right, right_med)
        swap = cost(left, right_med) + cost(right, left_med)
        swapped = (keep > jump_fraction * scale * k) & (swap < 0.5 * keep)
    return np.asarray(swapped & np.isfinite(keep) & np.isfinite(swap))


@dataclass(frozen=True)
class Peak:
    """A held extreme of a signal.

    Attributes
    ----------
    value : float
        The held level: the signal stays at or beyond it for the whole window.
    index : int
        Sample of the window where the signal is most extreme (the frame to show).
    start, stop : int
        Window as a half-open sample range ``[start, stop)``.
    """

    value: float
    index: int
    start: int
    stop: int


def robust_peak(
    time_s: ArrayLike, values: ArrayLike, min_hold_s: float = DEFAULT_MIN_HOLD_S, mode: str = "max"
) -> Peak | None:
    """The highest level a signal holds for at least ``min_hold_s`` seconds.

    For ``mode="max"`` this is ``max over windows of (min of the signal in the window)``,
    over all windows of consecutive finite samples spanning at least ``min_hold_s``
    (``t[last] - t[first] >= min_hold_s``).  A one-frame spike therefore cannot become the
    peak.  ``mode="min"`` finds the lowest level held (e.g. fingertip closest to the floor).

    Parameters
    ----------
    time_s : array_like, shape (T,)
    values : array_like, shape (T,)
    min_hold_s : float
    mode : {"max", "min"}

    Returns
    -------
    Peak or None
        None when no window of finite samples lasts ``min_hold_s``.
    """
    if mode not in ("max", "min"):
        raise ValueError(f"mode must be 'max' or 'min', not {mode!r}")
    t = _time(time_s)
    y = np.asarray(values, dtype=np.float64)
    if y.shape != t.shape:
        raise ValueError(f"values must have shape {t.shape}, got {y.shape}")
    signed = y if mode == "max" else -y
    best: tuple[float, int, int] | None = None
    tol = 1e-9
    for start, stop in finite_runs(np.isfinite(signed)):
        tt = t[start:stop]
        seg = signed[start:stop]
        # Shortest qualifying window from each first sample: longer ones only lower the min.
        ends = np.searchsorted(tt, tt + min_hold_s - tol, side="left")
        for i, end in enumerate(ends.tolist()):
            if end >= seg.size:
                break
            level = float(seg[i : end + 1].min())
            if best is None or level > best[0]:
                best = (level, start + i, start + end + 1)
    if best is None:
        return None
    level, w_start, w_stop = best
    index = w_start + int(np.argmax(signed[w_start:w_stop]))
    return Peak(value=level if mode == "max" else -level, index=index, start=w_start, stop=w_stop)


#: A repetition starts where the signal rises past this fraction of the way from its rest
#: level to its held peak, and ends where it falls back below :data:`REPETITION_EXIT`;
#: the gap between the two (hysteresis) keeps noise on a hold from splitting it in two.
REPETITION_ENTER = 0.5
REPETITION_EXIT = 0.25


def repetition_windows(
    time_s: ArrayLike,
    values: ArrayLike,
    min_hold_s: float = DEFAULT_MIN_HOLD_S,
    mode: str = "max",
    min_amplitude: float = 0.0,
) -> list[Peak]:
    """Each distinct held repetition in a signal, as its held peak (one trial each).

    The rest level is the 5th percentile of the finite samples (95th for ``mode="min"``)
    and the overall held peak is :func:`robust_peak`.  A repetition is a stretch that
    rises past :data:`REPETITION_ENTER` of the way from rest to peak and stays above
    :data:`REPETITION_EXIT` of it (NaN samples count as below); its peak is the
    :func:`robust_peak` inside the stretch, so it must be held ``min_hold_s`` seconds.

    Parameters
    ----------
    time_s : array_like, shape (T,)
    values : array_like, shape (T,)
        The measured signal in its unit (e.g. degrees); ``mode`` says which way is the
        movement ("max": larger values, "min": smaller, e.g. fingertip-to-floor).
    min_hold_s : float
    mode : {"max", "min"}
    min_amplitude : float
        Peak minus rest (signal units) below which the clip is one hold, not repetitions.

    Returns
    -------
    list of Peak
        In time order, windows as sample ranges of the whole signal.  A clip with one hold
        (or too little movement) gives the single :func:`robust_peak`; none when no window
        is held ``min_hold_s``.
    """
    overall = robust_peak(time_s, values, min_hold_s, mode)
    if overall is None:
        return []
    t = _time(time_s)
    y = np.asarray(values, dtype=np.float64)
    signed = y if mode == "max" else -y
    peak = overall.value if mode == "max" else -overall.value
    rest = float(np.percentile(signed[np.isfinite(signed)], 5))
    amplitude = peak - rest
    if amplitude <= max(min_amplitude, 0.0):
        return [overall]
    enter = rest + REPETITION_ENTER * amplitude
    leave = rest + REPETITION_EXIT * amplitude
    above_exit = np.where(np.isfinite(signed), signed, -np.inf) >= leave
    repetitions: list[Peak] = []
    for start, stop in finite_runs(above_exit):
        if not np.any(signed[start:stop] >= enter):
            continue
        held = robust_peak(t[start:stop], y[start:stop], min_hold_s, mode)
        if held is not None:
            repetitions.append(Peak(held.value, start + held.index, start + held.start,
                                    start + held.stop))
    return repetitions or [overall]
