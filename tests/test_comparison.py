"""The session comparison: typed pre/post lines and left/right lines from stored trials."""

from __future__ import annotations

import pytest

from rom.comparison import asymmetry_lines, compare_pair
from rom.measurement import Measurement


def _m(side: str, value: float | None, reliable: bool = True) -> Measurement:
    return Measurement(test="knee-flexion", side=side, value=value, unit="deg", quality=0.9,
                       reliable=reliable, reasons=(), peak_time_s=1.0, peak_frame=30)


def test_phase_accessor_reads_each_phase_and_refuses_others() -> None:
    pre, post = _m("left", 100.0), _m("left", 112.5, reliable=False)
    line = compare_pair("knee-flexion", "left", pre, post)
    assert line.phase("pre") is pre and line.phase("post") is post
    assert (line.value("pre"), line.value("post")) == (100.0, 112.5)
    assert line.reliable("pre") and not line.reliable("post") and not line.both_reliable
    assert line.change is not None and line.change.absolute == pytest.approx(12.5)
    assert line.change.reliable is False  # one end unreliable
    assert line.exceeds_mdc is True and line.improved is True  # 12.5° > MDC 10°
    with pytest.raises(ValueError, match="phase"):
        line.phase("during")  # type: ignore[arg-type]


def test_no_value_means_no_change_but_the_mdc_is_known() -> None:
    line = compare_pair("knee-flexion", "right", _m("right", None), _m("right", 120.0))
    assert line.change is None and line.exceeds_mdc is None and line.mdc == 10.0
    with pytest.raises(ValueError, match="nothing to compare"):
        compare_pair("knee-flexion", "right", None, None)


def test_asymmetry_uses_post_when_both_sides_have_it_else_pre() -> None:
    left = compare_pair("knee-flexion", "left", _m("left", 100.0), _m("left", 118.0))
    right = compare_pair("knee-flexion", "right", _m("right", 96.0), None)
    (line,) = asymmetry_lines([left, right])
    assert line.phase == "pre" and line.asymmetry.difference == pytest.approx(4.0)
    assert line.asymmetry.exceeds_mdc is False and line.reliable
    right = compare_pair("knee-flexion", "right", _m("right", 96.0), _m("right", 105.0, False))
    (line,) = asymmetry_lines([left, right])
    assert line.phase == "post" and line.asymmetry.difference == pytest.approx(13.0)
    assert line.asymmetry.exceeds_mdc is True and not line.reliable
    assert asymmetry_lines([left]) == []
