"""The session comparison: typed pre/post lines and left/right lines from stored trials."""

from __future__ import annotations

import pytest

from rom.comparison import asymmetry_lines, compare_pair
from rom.measurement import Measurement


def _m(side: str, value: float | None, reliable: bool = True,
       reasons: tuple[str, ...] = ()) -> Measurement:
    return Measurement(test="knee-flexion", side=side, value=value, unit="deg", quality=0.9,
                       reliable=reliable, reasons=reasons, peak_time_s=1.0, peak_frame=30)


DEEP = ("deep_flexion_underread",)


def test_a_value_with_only_a_shared_bias_is_comparable_but_not_reliable() -> None:
    assert _m("left", 100.0).comparable
    assert _m("left", 130.0, False, DEEP).comparable
    assert _m("left", 130.0, False, ("not_levelled", *DEEP)).comparable  # advisory too
    assert not _m("left", 130.0, False, (*DEEP, "views_disagree")).comparable
    assert not _m("left", 130.0, False, ("views_disagree",)).comparable
    assert not _m("left", None, False, DEEP).comparable
    assert not _m("left", 130.0, False).comparable  # unreliable for no stated reason


def test_two_deep_bends_give_a_judged_change_though_neither_value_is_reliable() -> None:
    pre, post = _m("left", 118.0, False, DEEP), _m("left", 131.0, False, DEEP)
    line = compare_pair("knee-flexion", "left", pre, post)
    assert not line.reliable("pre") and not line.reliable("post") and line.comparable
    assert line.change is not None and line.change.reliable
    assert line.change.absolute == pytest.approx(13.0) and line.real_change is True
    mixed = compare_pair("knee-flexion", "left", _m("left", 104.0), post)
    assert mixed.comparable and mixed.change is not None and mixed.change.reliable
    doubtful = compare_pair("knee-flexion", "left", pre,
                            _m("left", 131.0, False, (*DEEP, "views_disagree")))
    assert not doubtful.comparable and doubtful.change is not None
    assert not doubtful.change.reliable
    left = compare_pair("knee-flexion", "left", None, post)
    right = compare_pair("knee-flexion", "right", None, _m("right", 120.0, False, DEEP))
    (asymmetry,) = asymmetry_lines([left, right])
    assert asymmetry.reliable and asymmetry.asymmetry.difference == pytest.approx(11.0)


def test_phase_accessor_reads_each_phase_and_refuses_others() -> None:
    pre, post = _m("left", 100.0), _m("left", 112.5, reliable=False)
    line = compare_pair("knee-flexion", "left", pre, post)
    assert line.phase("pre") is pre and line.phase("post") is post
    assert (line.value("pre"), line.value("post")) == (100.0, 112.5)
    assert line.reliable("pre") and not line.reliable("post") and not line.comparable
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
