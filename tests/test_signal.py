"""Signal cleaning on signals with known answers: spectra, gaps, swaps, held peaks."""

from __future__ import annotations

import numpy as np
import pytest

from rom import signal as sig


def test_lowpass_passes_1hz_without_phase_shift() -> None:
    t = np.arange(0, 10, 1 / 30)
    x = np.sin(2 * np.pi * 1.0 * t)
    y = sig.lowpass(t, x, cutoff_hz=6.0)
    core = slice(60, -60)  # away from the ends, where padding matters
    amp_ratio = np.max(np.abs(y[core])) / np.max(np.abs(x[core]))
    assert abs(amp_ratio - 1.0) < 0.01
    # Zero phase: the cross-correlation peaks at lag 0, and samples agree closely.
    lags = np.arange(-5, 6)
    corr = [np.dot(x[core], np.roll(y, k)[core]) for k in lags]
    assert lags[int(np.argmax(corr))] == 0
    assert np.max(np.abs(y[core] - x[core])) < 0.01


def test_lowpass_attenuates_15hz() -> None:
    t = np.arange(0, 10, 1 / 60)
    x = np.sin(2 * np.pi * 15.0 * t)
    y = sig.lowpass(t, x, cutoff_hz=6.0)
    # 4th order twice: |H(15)|^2 = 1 / (1 + (15/6)^8) ~ 0.0026.
    assert np.max(np.abs(y[120:-120])) < 0.01


def test_lowpass_variable_frame_rate_uses_real_time() -> None:
    rng = np.random.default_rng(1)
    dt = rng.uniform(1 / 40, 1 / 20, 400)  # 20-40 fps, irregular
    t = np.cumsum(dt)
    x = np.sin(2 * np.pi * 1.0 * t)
    y = sig.lowpass(t, x, cutoff_hz=6.0)
    assert not sig.is_uniform(t)
    assert np.max(np.abs(y[40:-40] - x[40:-40])) < 0.02


def test_lowpass_keeps_nan_and_filters_runs_separately() -> None:
    t = np.arange(0, 6, 1 / 30)
    x = np.ones_like(t) * 5.0
    x[80:90] = np.nan
    y = sig.lowpass(t, x, 6.0)
    assert np.all(np.isnan(y[80:90]))
    np.testing.assert_allclose(y[~np.isnan(x)], 5.0, atol=1e-9)


def test_lowpass_multichannel_shape() -> None:
    t = np.arange(0, 3, 1 / 30)
    x = np.zeros((t.size, 4, 2))
    assert sig.lowpass(t, x, 6.0).shape == x.shape


def test_fill_gaps_short_only() -> None:
    t = np.arange(0, 3, 0.1)
    x = 2.0 * t + 1.0
    y = x.copy()
    y[5:7] = np.nan  # 0.3 s between the neighbours 4 and 7 -> filled
    y[15:22] = np.nan  # 0.8 s -> left empty
    y[0] = np.nan  # leading -> never extrapolated
    out = sig.fill_gaps(t, y, max_gap_s=0.35, method="linear")
    np.testing.assert_allclose(out[5:7], x[5:7])
    assert np.all(np.isnan(out[15:22]))
    assert np.isnan(out[0])
    pchip = sig.fill_gaps(t, y, max_gap_s=0.35)
    np.testing.assert_allclose(pchip[5:7], x[5:7], atol=1e-9)


def test_robust_peak_ignores_spike_and_finds_hold() -> None:
    t = np.arange(0, 4, 1 / 30)
    x = np.where((t >= 2.0) & (t < 2.5), 30.0, 10.0)
    x[30] = 90.0  # one-frame spike
    x[31:33] = 60.0  # 2-frame spike
    peak = sig.robust_peak(t, x, min_hold_s=0.3)
    assert peak is not None
    assert peak.value == pytest.approx(30.0)
    assert 2.0 <= t[peak.index] < 2.5
    assert t[peak.stop - 1] - t[peak.start] >= 0.3 - 1e-9


def test_robust_peak_is_level_held_for_duration() -> None:
    t = np.arange(0, 3, 0.01)
    x = 40.0 - 100.0 * (t - 1.5) ** 2  # parabola peaking at 40
    peak = sig.robust_peak(t, x, min_hold_s=0.3)
    # Held for 0.3 s around the top: x(1.5 +- 0.15) = 40 - 100 * 0.0225 = 37.75.
    assert peak is not None
    assert peak.value == pytest.approx(37.75, abs=0.01)
    low = sig.robust_peak(t, -x, min_hold_s=0.3, mode="min")
    assert low is not None and low.value == pytest.approx(-37.75, abs=0.01)


def test_robust_peak_none_when_too_short_or_gappy() -> None:
    t = np.arange(0, 0.2, 1 / 30)
    assert sig.robust_peak(t, np.ones_like(t), 0.3) is None
    t = np.arange(0, 2, 1 / 30)
    x = np.ones_like(t)
    x[::5] = np.nan  # never 0.3 s of consecutive valid samples
    assert sig.robust_peak(t, x, 0.3) is None


def test_detect_left_right_swaps() -> None:
    n = 60
    t = np.arange(n)
    left = np.zeros((n, 2, 2))
    right = np.zeros((n, 2, 2))
    # Left leg forward (x = 100 + slow motion), right leg back (x = -100); segment length 100.
    left[:, 0] = np.stack([100 + t, np.full(n, 0.0)], axis=1)
    left[:, 1] = np.stack([100 + t, np.full(n, 100.0)], axis=1)
    right[:, 0] = np.stack([-100 - t, np.full(n, 0.0)], axis=1)
    right[:, 1] = np.stack([-100 - t, np.full(n, 100.0)], axis=1)
    bad = slice(20, 24)
    left[bad], right[bad] = right[bad].copy(), left[bad].copy()
    swapped = sig.detect_left_right_swaps(left, right)
    expected = np.zeros(n, dtype=bool)
    expected[bad] = True
    np.testing.assert_array_equal(swapped, expected)
    # Legs moving smoothly past each other are not a swap.
    assert not sig.detect_left_right_swaps(left[:20], right[:20]).any()


def test_bad_time_raises() -> None:
    with pytest.raises(ValueError):
        sig.lowpass([0.0, 0.0, 1.0], [1.0, 2.0, 3.0])


def test_hampel_flags_jumps_not_motion_or_jitter() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(0, 4, 1 / 30)
    x = 100 * np.sin(2 * np.pi * 0.5 * t) + rng.normal(0, 1.0, t.size)  # smooth motion + jitter
    x[50] += 60.0
    x[90:92] -= 60.0
    x[20] = np.nan
    out = sig.hampel_outliers(x, window=15, min_deviation=25.0)
    assert set(np.flatnonzero(out)) == {50, 90, 91}


def _holds(levels: list[float], hold_s: float = 1.0, rest_s: float = 1.0, fps: float = 30.0
           ) -> tuple[np.ndarray, np.ndarray]:
    """A signal at rest (0), then each level held ``hold_s`` with rests between."""
    parts: list[np.ndarray] = [np.zeros(int(rest_s * fps))]
    for level in levels:
        parts += [np.full(int(hold_s * fps), level), np.zeros(int(rest_s * fps))]
    y = np.concatenate(parts)
    return np.arange(y.size) / fps, y


def test_repetition_windows_finds_each_hold() -> None:
    t, y = _holds([40.0, 50.0, 45.0])
    reps = sig.repetition_windows(t, y)
    assert [r.value for r in reps] == [40.0, 50.0, 45.0]
    # Each window lies inside its hold: holds start at 1 s, 3 s, 5 s (30 frames each).
    for r, hold_start in zip(reps, (30, 90, 150), strict=True):
        assert hold_start <= r.start < r.stop <= hold_start + 30


def test_repetition_windows_one_hold_gives_one() -> None:
    t, y = _holds([40.0])
    reps = sig.repetition_windows(t, y)
    assert len(reps) == 1 and reps[0].value == 40.0


def test_repetition_windows_noise_does_not_split_a_hold_and_spikes_do_not_count() -> None:
    t, y = _holds([40.0, 40.0])
    y = y.copy()
    y[40] = 15.0  # a dip to 37 % of the way inside the first hold: above the exit level
    y[75] = 40.0  # a one-frame spike during the rest: not held
    reps = sig.repetition_windows(t, y, min_hold_s=0.3)
    assert len(reps) == 2
    assert [r.value for r in reps] == [40.0, 40.0]


def test_repetition_windows_min_mode() -> None:
    t, y = _holds([-10.0, -12.0])
    reps = sig.repetition_windows(t, 20.0 + y, mode="min")
    assert [r.value for r in reps] == [10.0, 8.0]


def test_repetition_windows_still_signal_is_one_hold() -> None:
    t = np.arange(60) / 30.0
    reps = sig.repetition_windows(t, np.full(60, 12.0), min_amplitude=1.0)
    assert len(reps) == 1 and reps[0].value == 12.0
