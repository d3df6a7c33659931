"""The dashboard's plain logic: stored trials -> pre/post lines, asymmetry, labels, uploads."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from rom import labels, report, trend
from rom.comparison import session_comparison
from rom.dashboard import compare as compare_section
from rom.dashboard import services
from rom.errors import VideoError
from rom.measurement import Measurement
from rom.store.records import MeasurementRecord, TrialInfo

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


def _m(test: str, side: str, value: float | None, unit: str = "deg", reliable: bool = True,
       reasons: tuple[str, ...] = (), mid: int = 1) -> MeasurementRecord:
    return MeasurementRecord(
        id=mid, uid=f"m{mid}", trial_id=mid, measurement=Measurement(
            test=test, side=side, value=value, unit=unit, quality=0.9, reliable=reliable,
            reasons=reasons, peak_time_s=1.0, peak_frame=30, secondary={}, provenance={}),
        created_at=NOW,
    )


def _trial(tid: int, phase: str, *measurements: MeasurementRecord) -> TrialInfo:
    return TrialInfo(id=tid, uid=f"t{tid}", session_id=1, phase=phase,
                     test=measurements[0].measurement.test,
                     side=measurements[0].measurement.side, video_sha256=None,
                     video_path=None, stored_video=None, settings={}, created_at=NOW,
                     measurements=measurements)


def test_session_lines_pair_pre_and_post_and_judge_against_the_mdc() -> None:
    trials = [
        _trial(1, "pre", _m("ankle-dorsiflexion", "left", 30.0)),
        _trial(2, "post", _m("ankle-dorsiflexion", "left", 36.0)),
        _trial(3, "pre", _m("ankle-dorsiflexion", "right", 30.0)),
        _trial(4, "post", _m("ankle-dorsiflexion", "right", 33.0)),
    ]
    left, right = session_comparison(trials)
    assert (left.side, left.value("pre"), left.value("post")) == ("left", 30.0, 36.0)
    assert left.change is not None
    assert left.change.absolute == pytest.approx(6.0)
    assert left.change.percent == pytest.approx(20.0)
    assert left.mdc == 4.7 and left.exceeds_mdc is True and left.improved is True
    assert "Powden" in left.mdc_source
    assert right.exceeds_mdc is False  # 3° < 4.7°
    assert compare_section.verdict(left) == "✔ Better — real change: yes"
    assert compare_section.verdict(right) == "≈ Within measurement noise — real change: no"
    assert compare_section.short_verdict(right) == "No, noise"


def test_latest_recording_of_a_phase_counts() -> None:
    trials = [
        _trial(1, "pre", _m("knee-flexion", "right", 110.0)),
        _trial(2, "pre", _m("knee-flexion", "right", 120.0, mid=2)),
        _trial(3, "post", _m("knee-flexion", "right", 125.0, mid=3)),
    ]
    (line,) = session_comparison(trials)
    assert line.change is not None
    assert line.value("pre") == 120.0 and line.change.absolute == pytest.approx(5.0)
    assert line.mdc == 10.0 and line.exceeds_mdc is False


def test_smaller_toe_touch_distance_is_an_improvement() -> None:
    trials = [_trial(1, "pre", _m("toe-touch", "right", 10.0, unit="cm")),
              _trial(2, "post", _m("toe-touch", "right", 2.0, unit="cm"))]
    (line,) = session_comparison(trials)
    assert line.change is not None
    assert line.change.absolute == pytest.approx(-8.0) and line.exceeds_mdc is True
    assert line.improved is True
    assert compare_section.verdict(line) == "✔ Better — real change: yes"


def test_unreliable_or_missing_phase_is_never_called_real() -> None:
    trials = [_trial(1, "pre", _m("ankle-dorsiflexion", "left", 20.0)),
              _trial(2, "post", _m("ankle-dorsiflexion", "left", 40.0, reliable=False,
                                   reasons=("heel_lift",)))]
    (line,) = session_comparison(trials)
    assert compare_section.verdict(line).startswith("⚠ Unreliable")
    assert any("heel" in note.lower() for note in line.notes)
    (only_pre,) = session_comparison([_trial(1, "pre", _m("knee-flexion", "left", 90.0))])
    assert only_pre.post is None and only_pre.change is None
    assert compare_section.verdict(only_pre) == "Needs both a before and an after value"


def test_no_mdc_for_fraction_of_height() -> None:
    trials = [_trial(1, "pre", _m("toe-touch", "right", 0.10, unit="fraction_of_height")),
              _trial(2, "post", _m("toe-touch", "right", 0.02, unit="fraction_of_height"))]
    (line,) = session_comparison(trials)
    assert line.mdc is None and line.exceeds_mdc is None and line.mdc_source == ""
    assert labels.format_value(line.value("post"), line.unit) == "2% of height"


def test_asymmetry_compares_left_and_right() -> None:
    trials = [_trial(1, "post", _m("ankle-dorsiflexion", "left", 40.0)),
              _trial(2, "post", _m("ankle-dorsiflexion", "right", 32.0, mid=2))]
    (text,) = report.asymmetry_texts(session_comparison(trials))
    assert "left 40.0°, right 32.0°" in text and "difference 8.0° (20.0%)" in text
    assert "real difference" in text


def test_value_formatting() -> None:
    assert labels.format_value(-3.04, "cm", signed=True) == "−3.0 cm"
    assert labels.format_value(12.0, "deg", signed=True) == "+12.0°"
    assert labels.format_value(None, "deg") == "–"
    assert labels.format_percent(float("nan")) == "–"


def test_upload_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path))
    with pytest.raises(VideoError, match=re.escape("“a.mp4” is empty")):
        services.save_upload("a.mp4", b"", limit_bytes=100)
    with pytest.raises(VideoError, match="the limit is"):
        services.save_upload("b.mp4", b"x" * 101, limit_bytes=100)
    with pytest.raises(VideoError, match=re.escape("“../../etc/c.mp4” cannot be used")):
        services.save_upload("../../etc/c.mp4", b"garbage", limit_bytes=100)
    # The stored copy never escapes the cache, whatever the name says.
    assert all(tmp_path in p.parents for p in tmp_path.rglob("*") if p.is_file())


def test_an_unreliable_value_is_never_shown_bare() -> None:
    assert labels.trusted_value(31.54, "deg", True) == "31.5°"
    assert labels.trusted_value(31.54, "deg", False) == "31.5° (unreliable)"
    assert labels.trusted_value(None, "deg", False) == "–"  # nothing to mark
    assert labels.trusted_value(-2.0, "cm", False, signed=True, marker=" ⚠") == "−2.0 cm ⚠"

    trials = [_trial(1, "pre", _m("knee-flexion", "right", 110.0)),
              _trial(2, "post", _m("knee-flexion", "right", 125.0, reliable=False,
                                   reasons=("low_visibility",), mid=2))]
    lines = session_comparison(trials)
    (row,) = compare_section.table_rows(lines)
    assert row["Before"] == "110.0°"
    assert row["After"] == "125.0° ⚠" and row["Change"] == "+15.0° ⚠"
    assert row["Real change?"].startswith("⚠ Unreliable")
    # The chart labels the unreliable end too, and draws it hollow.
    fig = compare_section.dumbbell_chart(lines)
    post_trace = next(t for t in fig.data if t.name == "after")
    assert list(post_trace.text) == ["125.0° ⚠"]
    assert list(post_trace.marker.color) == ["white"]


def test_every_reason_code_is_shown_in_plain_words() -> None:
    from rom.labels import REASON_TEXT

    codes = tuple(REASON_TEXT)  # whatever the protocols define today
    assert labels.reason_texts(codes) == list(dict.fromkeys(REASON_TEXT[c] for c in codes))
    # A code that has no text yet is tidied into words, not dropped or shown raw.
    assert labels.reason_texts(("brand_new_reason", codes[0], codes[0])) == [
        "Brand new reason.", REASON_TEXT[codes[0]]]


def test_sample_clips_are_listed_as_pre_post_pairs() -> None:
    clips = services.sample_clips()
    if not clips:
        pytest.skip("no sample videos bundled yet")
    for test in dict.fromkeys(c.test for c in clips):
        pair = services.sample_pair(test, "auto")
        assert pair is not None, test
        pre, post = pair
        assert (pre.phase, post.phase) == ("pre", "post")
        assert pre.test == post.test == test and pre.side == post.side
        assert pre.path.exists() and post.path.exists()


def test_the_scale_named_is_the_one_the_measurement_used() -> None:
    from types import SimpleNamespace

    from rom.dashboard import results
    from rom.measurement import CalibrationUsed, Measurement

    marker = SimpleNamespace(roll_deg=-0.5, roll_source="marker", scale_source="marker")

    def reach(scale_source: str | None) -> Measurement:
        # The scale used now travels typed on the measurement (no provenance JSON parsed).
        used = CalibrationUsed(roll_deg=-0.5, roll_source="marker",
                               cm_per_px=None if scale_source is None else 0.3,
                               scale_source=scale_source)
        return Measurement(test="toe-touch", side="right", value=11.1, unit="cm", quality=0.9,
                           reliable=True, reasons=(), peak_time_s=2.0, peak_frame=60,
                           calibration=used)

    # The protocol preferred the stated height to the marker on the wall behind.
    assert results.calibration_text(marker, reach("height")) == (
        "camera tilt -0.5° (from the marker); scale from the stated height")
    assert results.calibration_text(marker, reach("marker")).endswith("scale from the marker")
    assert results.calibration_text(None, reach(None)) == (
        "camera assumed level; no scale in centimetres")
    # A measurement that does not say: the calibration's own scale is named.
    assert results.calibration_text(marker).endswith("scale from the marker")


def test_an_unreliable_peak_is_labelled_on_the_picture(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key frame and the video mark an unreliable peak; a reliable one is left plain."""
    from dataclasses import replace

    import numpy as np

    from rom import render
    from tests.test_render import _frames, _track, _trial

    drawn: list[tuple[str | None, str | None]] = []
    real_draw_pose = render.draw_pose

    def spy(*args: object, **kwargs: object) -> object:
        drawn.append((kwargs.get("value_text"), kwargs.get("caption")))  # type: ignore[arg-type]
        return real_draw_pose(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "draw_pose", spy)
    track = _track(list(range(12)))
    trial = _trial(track, peak_row=9)
    unreliable = replace(trial, measurement=replace(trial.measurement, reliable=False,
                                                    reasons=("heel_lift",)))
    plain = render.key_frame("unused.mp4", track, trial, frames=_frames(12))
    marked = render.key_frame("unused.mp4", track, unreliable, frames=_frames(12))
    value = f"{trial.measurement.value:.1f}"  # the reported peak, as the page prints it
    assert drawn == [(value, None), (value, "UNRELIABLE")]
    assert plain is not None and marked is not None
    assert not np.array_equal(plain, marked)


# -- user text reaches the page literally (issue 12, item 1) ---------------------------------

ATTACK_NAME = "[click me](http://127.0.0.1:9/x) ![p](http://127.0.0.1:9/p.png)"


def test_literal_escapes_markdown_so_the_text_shows_as_typed() -> None:
    from rom.dashboard.text import WORD_JOINER, literal, shown

    assert literal("**bold**") == r"\*\*bold\*\*"
    assert literal(ATTACK_NAME) == (
        rf"\[click me\](http:{WORD_JOINER}//127.0.0.1:{WORD_JOINER}9/x) "
        rf"!\[p\](http:{WORD_JOINER}//127.0.0.1:{WORD_JOINER}9/p.png)")
    assert literal("<b>x</b> &amp; `c` $x$ ~s~ a|b #h") == (
        r"\<b\>x\</b\> \&amp; \`c\` \$x\$ \~s\~ a\|b \#h")
    # Line starts that would make a list, a heading underline or a rule.
    assert literal("- a\n+ b\n12. c\n3) d\n===") == "\\- a\n\\+ b\n12\\. c\n3\\) d\n\\==="
    # Autolinks, emoji, icons, directives and arrows are broken by an invisible joiner.
    for text, broken in (("www.example.org", f"www{WORD_JOINER}.example.org"),
                         ("a@b.org", f"a@{WORD_JOINER}b.org"),
                         (":smile: :material/home: :red[x]",
                          f":{WORD_JOINER}smile: :{WORD_JOINER}material/home: "
                          rf":{WORD_JOINER}red\[x\]"),
                         ("a -> b", f"a -{WORD_JOINER}\\> b")):
        assert literal(text) == broken, text
    # What a reader sees is exactly the input.
    for text in (ATTACK_NAME, "**bold** __u__ C:\\dir\\f.mp4", "a -> b -- c\n# d", "\\*"):
        assert shown(literal(text)) == text
    assert literal(RuntimeError("bad “x_y.mp4”")) == r"bad “x\_y.mp4”"


def test_literal_leaves_rom_s_own_words_alone() -> None:
    from rom.dashboard.text import literal

    # Reason texts, test labels and formatted values carry no Markdown: unchanged, so
    # they can go through the same helper as imported data.
    for text in (*labels.REASON_TEXT.values(), *labels.TEST_LABELS.values(),
                 labels.trusted_value(-3.25, "deg", False, signed=True),
                 labels.format_value(120.0, "deg"), labels.DEMO_PERSON_NAME, "Ana Runner"):
        assert literal(text) == text


def test_table_cells_and_plot_labels_are_literal_too() -> None:
    from rom.dashboard.text import literal_rows, plot_literal

    rows = literal_rows([{"Technique": "**Sock** Pull", "Videos": 2}])
    assert rows == [{"Technique": r"\*\*Sock\*\* Pull", "Videos": 2}]
    assert plot_literal("<a href='http://x'>y</a> & <b>z</b>") == (
        "&lt;a href='http://x'&gt;y&lt;/a&gt; &amp; &lt;b&gt;z&lt;/b&gt;")


def _trend(phase: str, m: Measurement, technique: str | None = None) -> trend.Trend:
    """The history chart's data of one stored measurement (session 3, 1 Dec 2026)."""
    from rom.store.records import HistoryPoint

    point = HistoryPoint(person_id=1, session_id=3, session_uid="s3", date=dt.date(2026, 12, 1),
                         technique=technique, place=None, trial_id=1, phase=phase,
                         measurement_id=1, measurement=m, recorded_at=NOW)
    data = trend.trend_for([point], m.test, opt_in=True)
    assert data is not None
    return data


def test_trend_labels_escape_the_typed_technique() -> None:
    from rom.dashboard import history

    m = _m("knee-flexion", "right", 110.0).measurement
    fig = history.history_figure(_trend("pre", m, "<b>x</b>"),
                                 {3: "01 Dec 2026 · <b>x</b> (#3)"})
    assert list(fig.data[0].customdata) == ["01 Dec 2026 · &lt;b&gt;x&lt;/b&gt; (#3)"]


# -- the vertical and the trust reasons on each result ---------------------------------------


def test_each_result_says_where_the_vertical_came_from() -> None:
    from rom.calibration import Calibration
    from rom.dashboard import results

    marker = Calibration(roll_deg=-0.29, roll_source="marker", roll_uncertainty_deg=0.32)
    assert results.vertical_text(marker) == (
        "Vertical from rom's marker, known to ±0.3° (camera tilt -0.3°).")
    typed = Calibration(roll_deg=2.0, roll_source="user")  # typed: counts as +-1 deg
    assert results.vertical_text(typed) == (
        "Vertical from your typed roll, known to ±1.0° (camera tilt +2.0°).")
    scene = Calibration(roll_deg=11.0, roll_source="scene", roll_uncertainty_deg=2.4)
    assert results.vertical_text(scene).startswith("Vertical from the room's edges, known to ±2.4°")
    assert results.vertical_text(Calibration()).startswith("Vertical unknown: the camera is "
                                                          "assumed level")
    assert results.vertical_text(None) == results.vertical_text(Calibration())
    # A marker in view that could not be used says why, in the labels' words.
    for reason in ("too_small", "blurred", "too_few_frames", "inconsistent"):
        rejected = Calibration(roll_deg=3.0, roll_source="scene", roll_uncertainty_deg=1.2,
                               marker_rejection=reason)
        text = results.vertical_text(rejected)
        assert text.startswith("Vertical from the room's edges, known to ±1.2°")
        assert text.endswith("The marker was not used: "
                             + labels.REASON_TEXT[f"marker_{reason}"]), text


def test_no_invalidating_reason_lets_a_value_show_bare() -> None:
    from rom.dashboard import history, results
    from rom.measurement import CHANGE_ONLY_REASONS, INVALIDATING_REASONS

    new = {"tilt_unknown", "implausible_pose", "not_this_test", "other_leg_moved",
           "movement_incomplete", "identity_uncertain"}
    assert new <= INVALIDATING_REASONS
    for reason in sorted(INVALIDATING_REASONS):
        assert reason in labels.REASON_TEXT, reason
        pre = _m("knee-flexion", "right", 110.0)
        post = _m("knee-flexion", "right", 125.0, reliable=False, reasons=(reason,), mid=2)
        m = post.measurement
        assert results.value_text(m) == "125.0° (unreliable)", reason
        (row,) = compare_section.table_rows(session_comparison(
            [_trial(1, "pre", pre), _trial(2, "post", post)]))
        # A bias both ends share leaves the change trusted, not the value.
        change = "+15.0°" if reason in CHANGE_ONLY_REASONS else "+15.0° ⚠"
        assert row["After"] == "125.0° ⚠" and row["Change"] == change, reason
        (trace, _mdc_band) = history.history_figure(_trend("post", m)).data
        assert list(trace.text) == ["125.0° ⚠ unreliable"], reason


def test_a_change_within_the_values_uncertainty_is_not_called_real() -> None:
    from dataclasses import replace

    def with_u(record: MeasurementRecord, u: float) -> MeasurementRecord:
        return replace(record, measurement=replace(record.measurement, uncertainty=u))

    trials = [_trial(1, "pre", with_u(_m("ankle-dorsiflexion", "left", 30.0), 4.0)),
              _trial(2, "post", with_u(_m("ankle-dorsiflexion", "left", 36.0, mid=2), 4.5))]
    (line,) = session_comparison(trials)
    # 6 deg is beyond the MDC (4.7) but within sqrt(4**2 + 4.5**2) = 6.02.
    assert line.exceeds_mdc is True and line.exceeds_uncertainty is False
    assert line.real_change is False and line.improved is None
    assert line.uncertainty("pre") == 4.0 and line.uncertainty("post") == 4.5
    assert compare_section.verdict(line).endswith("real change: no")
    assert compare_section.short_verdict(line) == "No, uncertain"
    assert report._verdict(line)[0] == "No – within rom's uncertainty"
    (row,) = compare_section.table_rows([line])
    assert (row["Before"], row["After"]) == ("30.0 ± 4.0°", "36.0 ± 4.5°")
    # Narrower uncertainties: the same change is real.
    trials = [_trial(1, "pre", with_u(_m("ankle-dorsiflexion", "left", 30.0), 1.0)),
              _trial(2, "post", with_u(_m("ankle-dorsiflexion", "left", 36.0, mid=2), 1.0))]
    (line,) = session_comparison(trials)
    assert line.real_change is True
    assert compare_section.verdict(line) == "✔ Better — real change: yes"


def test_values_are_formatted_with_their_uncertainty() -> None:
    assert labels.format_value(42.123, "deg", uncertainty=0.84) == "42.1 ± 0.8°"
    assert labels.format_value(-3.04, "cm", uncertainty=0.46) == "−3.0 ± 0.5 cm"
    assert labels.format_value(0.2345, "fraction_of_height", uncertainty=0.0123) == (
        "23 ± 1% of height")
    assert labels.format_value(42.123, "deg", uncertainty=0.84, plain=True) == "42.1 +- 0.8"
    assert labels.format_value(42.123, "deg", uncertainty=None) == "42.1°"
    assert labels.format_value(None, "deg", uncertainty=0.84) == "–"
    assert labels.trusted_value(31.5, "deg", False, uncertainty=0.4) == "31.5 ± 0.4° (unreliable)"
