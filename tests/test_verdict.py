"""Verdict first (issue 13): the card's sentence, the change in words, the measured side,
the clinical reference numbers (rom.norms) and the trend rule."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from rom import labels, norms, render
from rom.comparison import compare_pair
from rom.dashboard import compare as dashboard_compare
from rom.landmarks import NUM_LANDMARKS, Landmark
from rom.measurement import Measurement, TrialResult
from rom.pose import PoseTrack


def _m(value: float | None, *, test: str = "ankle-dorsiflexion", unit: str = "deg",
       side: str = "left", reliable: bool = True, uncertainty: float | None = None,
       secondary: dict[str, float] | None = None) -> Measurement:
    return Measurement(test, side, value, unit, 0.9, reliable, (), 1.0, 10,
                       secondary=secondary or {}, uncertainty=uncertainty)


def test_the_verdict_sentence_reads_as_the_issue_asks() -> None:
    line = compare_pair("ankle-dorsiflexion", "left", _m(31.5), _m(34.0))
    assert dashboard_compare.verdict_sentence(line) == (
        "Ankle dorsiflexion · left: 31.5° → 34.0° (+2.5°) — real change: no, within "
        "measurement noise (MDC 4.7°)")
    assert dashboard_compare.change_words(line) == "2.5° more dorsiflexion"


def test_a_real_change_says_yes_and_an_unreliable_end_says_film_again() -> None:
    real = compare_pair("ankle-dorsiflexion", "right", _m(30.0), _m(40.0))
    assert dashboard_compare.verdict_sentence(real).endswith(
        "(+10.0°) — real change: yes, better (MDC 4.7°)")
    shaky = compare_pair("ankle-dorsiflexion", "right", _m(30.0), _m(40.0, reliable=False))
    sentence = dashboard_compare.verdict_sentence(shaky)
    assert "(unreliable)" in sentence and sentence.endswith("unreliable, film again")


def test_the_toe_touch_change_is_said_as_distance_to_the_floor() -> None:
    line = compare_pair("toe-touch", "left", _m(10.0, test="toe-touch", unit="cm"),
                        _m(6.1, test="toe-touch", unit="cm"))
    assert dashboard_compare.change_words(line) == "3.9 cm closer to the floor"
    # 3.9 cm is under the fingertip-to-floor MDC of 4.5 cm.
    assert "within measurement noise (MDC 4.5 cm)" in dashboard_compare.verdict_sentence(line)


def test_only_pre_says_what_is_missing() -> None:
    line = compare_pair("knee-flexion", "left", _m(120.0, test="knee-flexion"), None)
    assert dashboard_compare.change_words(line) == ""
    assert dashboard_compare.verdict_sentence(line).endswith(
        "needs both a before and an after value")


def test_measured_side_is_in_capitals() -> None:
    assert labels.measured_side("left") == "Measured: LEFT leg"
    assert labels.measured_side("right") == "Measured: RIGHT leg"


def test_knee_to_wall_is_shown_with_its_reference_range() -> None:
    m = _m(38.0, secondary={norms.KNEE_TO_WALL: 10.4})
    text = dashboard_compare.knee_to_wall_text(m)
    assert text.startswith("Knee-to-wall: 10.4 cm, within the typical range")
    assert "12 ± 2.8 cm" in text
    short = dashboard_compare.knee_to_wall_text(_m(20.0, secondary={norms.KNEE_TO_WALL: 5.0}))
    assert "below the typical range" in short
    assert dashboard_compare.knee_to_wall_text(_m(20.0)) == ""


@pytest.mark.parametrize(("value", "where"), [(135.0, "below"), (141.0, "within"),
                                              (146.3, "within"), (147.0, "above")])
def test_knee_flexion_range_is_141_plus_minus_5_3(value: float, where: str) -> None:
    band = norms.reference_range("knee-flexion")
    assert band is not None
    assert (band.low, band.high) == pytest.approx((135.7, 146.3))
    assert norms.position(value, band) == where


def test_hip_extension_uses_the_thomas_threshold_at_neutral() -> None:
    band = norms.reference_range("hip-extension")
    assert band is not None and band.low == 0.0 and band.high is None
    assert norms.position(-3.0, band) == "below"
    assert norms.position(25.0, band) == "within"


def test_a_test_without_a_published_range_says_so() -> None:
    assert norms.reference_range("toe-touch") is None
    assert dashboard_compare.range_text(_m(5.0, test="toe-touch", unit="cm")) == (
        "no published range in centimetres for fingertip-to-floor")
    # The ankle's primary value is an angle: its range is the knee-to-wall one in cm.
    assert "no primary source" in dashboard_compare.range_text(_m(38.0))


def test_wblt_asymmetry_threshold_is_1_5_cm() -> None:
    threshold = norms.ASYMMETRY_THRESHOLDS["ankle-dorsiflexion"]
    assert threshold.unit == "cm" and threshold.quantity == norms.KNEE_TO_WALL
    assert not norms.asymmetric(11.0, 12.5, threshold)
    assert norms.asymmetric(10.0, 12.0, threshold)


def test_unreliable_values_stay_out_of_trends_unless_opted_in() -> None:
    assert norms.include_in_trend(_m(30.0), opt_in=False)
    assert not norms.include_in_trend(_m(30.0, reliable=False), opt_in=False)
    assert norms.include_in_trend(_m(30.0, reliable=False), opt_in=True)
    assert not norms.include_in_trend(_m(None, reliable=False), opt_in=True)
    # A deep knee bend reads low but its trend is a change: it belongs without opting in.
    deep = dataclasses.replace(_m(128.0, test="knee-flexion", reliable=False),
                               reasons=("deep_flexion_underread",))
    assert norms.include_in_trend(deep, opt_in=False)


def test_the_video_overlay_names_the_measured_leg() -> None:
    w, h = 320, 480
    lm = np.zeros((NUM_LANDMARKS, 8), np.float32)
    lm[:, 0:2] = (w / 2, 240.0)
    lm[Landmark.LEFT_KNEE, 0:2] = (160.0, 200.0)
    lm[Landmark.LEFT_ANKLE, 0:2] = (200.0, 380.0)
    lm[:, 3:5] = 0.9
    track = PoseTrack.from_frames([(0.0, 0, lm)], frame_size=(w, h), source_sha256="x",
                                  settings={})

    def drawn(side: str) -> np.ndarray:
        m = Measurement("ankle-dorsiflexion", side, 20.0, "deg", 0.9, True, (), 0.0, 0)
        trial = TrialResult(m, track.timestamps_s, np.array([20.0]), np.array([20.0]),
                            ((int(Landmark.LEFT_KNEE), int(Landmark.LEFT_ANKLE)),))
        image = np.full((h, w, 3), 200, np.uint8)
        return render.annotate_track_row(image, track, 0, trial)

    left, right = drawn("left"), drawn("right")
    corner = (slice(0, 40), slice(w - 120, w))
    # A dark label box with white text sits in the top-right corner, different per side.
    assert left[corner].mean() < 150
    assert not np.array_equal(left[corner], right[corner])


@pytest.mark.slow
def test_the_demo_shows_the_verdict_card_before_the_details(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from rom.dashboard import results, state, welcome
    from rom.dashboard.text import literal

    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)
    if welcome.demo_test() is None:
        pytest.skip("no sample videos bundled")
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"),
                           default_timeout=300).run()
    at.button(key="try_samples").click().run(timeout=300)
    assert not at.exception, at.exception
    headings = [str(s.value) for s in at.subheader]
    assert dashboard_compare.CARD_TEXT["heading"] in headings
    # The card comes before the per-clip results and the session table.
    assert headings.index(dashboard_compare.CARD_TEXT["heading"]) < min(
        i for i, h in enumerate(headings) if h.startswith("3 · Results"))
    markdown = " ".join(str(m.value) for m in at.markdown)
    found = at.session_state[state.ANALYSES]
    (test, slot_side), *_ = {(t, s) for t, s, _ in found}
    pre, post = found[(test, slot_side, "pre")], found[(test, slot_side, "post")]
    line = compare_pair(test, pre.measurement.side, pre.measurement, post.measurement)
    assert literal(dashboard_compare.verdict_sentence(line)) in markdown
    assert literal(labels.measured_side(line.side)) in markdown
    assert [e.label for e in at.expander if e.label == results.DETAILS_TITLE]


def test_the_chart_axis_spans_at_least_three_mdcs_around_the_values() -> None:
    line = compare_pair("ankle-dorsiflexion", "left", _m(31.5), _m(34.0))
    low, high = dashboard_compare.axis_range([line])
    assert high - low >= 3 * 4.7
    assert low < 31.5 and high > 34.0
    assert (low + high) / 2 == pytest.approx((31.5 + 34.0) / 2)
    # A change larger than 3 MDCs still fits.
    wide = compare_pair("ankle-dorsiflexion", "left", _m(10.0), _m(40.0))
    low, high = dashboard_compare.axis_range([wide])
    assert low < 10.0 and high > 40.0


def test_without_an_mdc_the_axis_is_the_tests_plausible_range() -> None:
    line = compare_pair("hip-flexion", "left", _m(80.0, test="hip-flexion"),
                        _m(82.0, test="hip-flexion"))
    assert dashboard_compare.axis_range([line]) == (-60.0, 180.0)


def test_the_chart_draws_the_mdc_band_around_before_and_the_typical_range() -> None:
    line = compare_pair("knee-flexion", "left", _m(130.0, test="knee-flexion"),
                        _m(133.0, test="knee-flexion"))
    fig = dashboard_compare.dumbbell_chart([line])
    band = next(t for t in fig.data if t.name == dashboard_compare.MDC_BAND_NAME)
    mdc = line.mdc
    assert mdc is not None
    assert list(band.x[:2]) == pytest.approx([130.0 - mdc, 130.0 + mdc])
    (shape,) = fig.layout.shapes
    assert (shape.x0, shape.x1) == pytest.approx((135.7, 146.3))
    assert list(fig.layout.xaxis.range) == pytest.approx(list(dashboard_compare.axis_range([line])))


def test_hip_extension_says_which_thomas_figure_and_why_not() -> None:
    line = compare_pair("hip-extension", "left", _m(5.0, test="hip-extension"),
                        _m(9.0, test="hip-extension"))
    sentence = dashboard_compare.verdict_sentence(line)
    assert sentence.startswith("Hip extension · left: 5.0° → 9.0° (+4.0°) — no published MDC")
    assert "4.17°" in sentence and "knee angle" in sentence and "PMC4339157" in sentence
    assert "Unknown" not in dashboard_compare.short_verdict(line)


def test_left_right_uses_the_wblt_threshold_on_knee_to_wall() -> None:
    def ankle(side: str, cm: float) -> Measurement:
        return _m(35.0, side=side, secondary={norms.KNEE_TO_WALL: cm})

    lines = [compare_pair("ankle-dorsiflexion", "left", ankle("left", 10.0), ankle("left", 10.0)),
             compare_pair("ankle-dorsiflexion", "right", ankle("right", 12.0),
                          ankle("right", 12.0))]
    (text,) = dashboard_compare.asymmetry_threshold_texts(lines)
    assert text.startswith("Ankle dorsiflexion (after): left 10.0 cm, right 12.0 cm, 2.0 cm "
                           "apart, beyond 1.5 cm: asymmetric")
    close = [compare_pair("ankle-dorsiflexion", side, None, ankle(side, cm))
             for side, cm in (("left", 11.0), ("right", 12.0))]
    (text,) = dashboard_compare.asymmetry_threshold_texts(close)
    assert "1.0 cm apart, within 1.5 cm: not asymmetric" in text
    knees = [compare_pair("knee-flexion", side, _m(140.0, test="knee-flexion", side=side), None)
             for side in ("left", "right")]
    assert dashboard_compare.asymmetry_threshold_texts(knees) == [
        "Knee flexion: no published left/right threshold"]
