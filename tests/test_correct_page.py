"""The "Correct landmarks" section (rom.dashboard.correct) through AppTest: a synthetic lunge
analysed (MediaPipe faked), its knee moved with the points given directly (the drag widget
only reports drags, see tests/test_correct_browser.py for the real browser), saved as
"manually adjusted", and put back to automatic."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from rom import pipeline
from rom.calibration import Calibration
from rom.correction import CORRECTED_LABEL, automatic_measurement, correction_of, is_corrected
from rom.dashboard import correct, state
from rom.fileio import sha256_file
from rom.measurement import Measurement
from rom.protocols import measure
from rom.store import Store
from tests.test_app import (
    _add_person,
    _app,
    _blank_video,
    _blank_video_bytes,
    _comparison_table,
    _texts,
)
from tests.test_correction import _image_px
from tests.test_protocols import ANKLE_U, SHANK, lunge, make_track, unit

KEY = "ankle-dorsiflexion_left_pre"  # the pre clip's widget key: test, side, phase
CALIBRATION = Calibration(roll_source="user")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)


def _analysis(video: Path, test: str, options: pipeline.AnalysisOptions,
              progress: object = None) -> pipeline.TrialAnalysis:
    """A 35 deg lunge (pre) or a 40 deg one (post), measured for real on a synthetic track;
    a phase's 2nd and 3rd clip ("pre_2.mp4") lunge 2 and 4 deg less."""
    number = int(video.stem.split("_")[1]) if "_" in video.stem else 1
    shank = (35.0 if video.name.startswith("pre") else 40.0) - 2.0 * (number - 1)
    # Identified by its content, as a tracked video is (a corrected clip is found by it).
    track = replace(make_track(lunge(shank)), source_sha256=sha256_file(video))
    result = measure(track, test, options.side, calibration=CALIBRATION,
                     height_cm=options.height_cm)
    return pipeline.TrialAnalysis(video=video, test=test, options=options, track=track,
                                  calibration=CALIBRATION, result=result)


def _frame(analysis: object, frame: int) -> correct.ShownFrame:
    return correct.ShownFrame(f"synthetic_{frame}", "data:image/jpeg;base64,",
                              (400.0, 500.0, 400.0, 400.0), 400)


def _stored(tmp_path: Path) -> dict[str, object]:
    with Store(f"sqlite:///{tmp_path / 'data' / 'rom.sqlite3'}") as store:
        (person,) = store.list_people()
        return {p.phase: p.measurement for p in store.history(person.id)}


def _analysed(monkeypatch: pytest.MonkeyPatch, trials: int = 1, side: str = "left") -> AppTest:
    """The page after analysing the synthetic lunges (left leg), ``trials`` clips per phase."""
    monkeypatch.setattr(pipeline, "analyse_trial", _analysis)
    monkeypatch.setattr(pipeline, "render_trial",
                        lambda analysis, progress=None: pipeline.RenderedTrial(error="no video"))
    monkeypatch.setattr(correct, "frame_image", _frame)
    at = _add_person(_app())
    at.selectbox(key="test").set_value("ankle-dorsiflexion").run()
    for phase in ("pre", "post"):
        names = [f"{phase}.mp4"] + [f"{phase}_{n}.mp4" for n in range(2, trials + 1)]
        at.file_uploader(key=f"upload_{phase}").set_value(
            [(name, _blank_video_bytes(), "video/mp4") for name in names]).run()
    at.radio(key="side").set_value(side).run()
    at.button(key="analyse").click().run()
    assert not at.exception, at.exception
    return at


def _corrected_value(at: AppTest) -> str:
    (shown,) = [m.value for m in at.metric if m.label == "With your points"]
    return str(shown)


def test_another_frame_can_be_corrected(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    at = _analysed(monkeypatch)
    at.session_state[correct.SECTION_KEY.format(key=KEY)] = True
    at.run()
    peak = _stored(tmp_path)["pre"].peak_frame  # type: ignore[attr-defined]
    frame = at.number_input(key=f"correct_frame_{KEY}")
    assert frame.value == peak and frame.label == f"Frame (the measured moment is frame {peak})"
    # Frame 45 (1.5 s) is halfway up the ramp: the shank at 17.5 deg on the model's points.
    frame.set_value(45).run()
    assert not at.exception, at.exception
    assert _corrected_value(at) == "17.5°"
    knee_10 = _image_px(*(np.array([30.0, ANKLE_U]) + SHANK * unit(10.0)))
    at.session_state[correct.MOVED_KEY.format(key=KEY)] = {"LEFT_KNEE": list(knee_10)}
    at.run()
    assert _corrected_value(at) == "10.0°"
    at.button(key=f"correct_save_{KEY}").click().run()
    saved = _stored(tmp_path)["pre"]
    assert saved.peak_frame == 45 and saved.value == pytest.approx(10.0, abs=0.05)  # type: ignore[attr-defined]
    record = correction_of(saved)  # type: ignore[arg-type]
    assert record is not None and record.frame == 45
    # Back on the measured moment the draft starts afresh (the moves were made on frame 45).
    at.number_input(key=f"correct_frame_{KEY}").set_value(peak).run()
    assert at.session_state[correct.MOVED_KEY.format(key=KEY)] == {}
    assert _corrected_value(at) == "35.0°"


def test_moving_the_knee_saves_a_manually_adjusted_value_and_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _analysed(monkeypatch)
    automatic = _stored(tmp_path)["pre"]
    assert automatic.value == pytest.approx(35.0, abs=0.1)  # type: ignore[attr-defined]

    # Closed, the section prepares nothing; opened, it offers the chain's points.
    assert correct.TEXT["heading"] in [e.label for e in at.expander]
    assert not [r for r in at.radio if r.key == f"correct_point_{KEY}"]
    at.session_state[correct.SECTION_KEY.format(key=KEY)] = True
    at.run()
    # The chain's points to choose from, the knee first; nothing moved, nothing to save.
    choice = at.radio(key=f"correct_point_{KEY}")
    assert choice.options == ["left knee", "left ankle", "left heel", "left toe"]
    assert at.button(key=f"correct_save_{KEY}").disabled
    assert at.button(key=f"correct_undo_{KEY}").disabled

    # The knee put where a 25 deg shank has it: the value follows at once.
    knee_25 = _image_px(*(np.array([30.0, ANKLE_U]) + SHANK * unit(25.0)))
    at.session_state[correct.MOVED_KEY.format(key=KEY)] = {"LEFT_KNEE": list(knee_25)}
    at.run()
    metrics = [(m.label, m.value) for m in at.metric]
    assert ("Automatic", "35.0°") in metrics and ("With your points", "25.0°") in metrics
    assert any(t.startswith("Moved: left knee by ") for t in _texts(at.caption))

    at.text_input(key=f"correct_clinician_{KEY}").input("Dr Ana").run()
    at.button(key=f"correct_save_{KEY}").click().run()
    assert not at.exception, at.exception
    saved = _stored(tmp_path)["pre"]
    assert is_corrected(saved) and saved.value == pytest.approx(25.0, abs=0.05)  # type: ignore[attr-defined]
    record = correction_of(saved)  # type: ignore[arg-type]
    assert record is not None and record.clinician == "Dr Ana"
    assert automatic_measurement(saved) == automatic  # type: ignore[arg-type]
    assert is_corrected(_stored(tmp_path)["pre"]) and not is_corrected(_stored(tmp_path)["post"])
    # Marked in the result, the verdict card and the session's table, and MDC-judged: 25 -> 40.
    assert any(CORRECTED_LABEL in t for t in _texts(at.caption))
    assert any("reliable, quality" in t and CORRECTED_LABEL in t for t in _texts(at.markdown))
    row = _comparison_table(at).iloc[0]  # type: ignore[attr-defined]
    assert row["Before"].startswith("25.0 ± ") and row["Before"].endswith(f"({CORRECTED_LABEL})")
    assert not row["After"].endswith(f"({CORRECTED_LABEL})")
    assert row["Change"] == "+15.0°"
    assert "1 session on record" in " ".join(_texts(at.sidebar.caption))

    # Back to automatic: the stored value is the automatic one again.
    at.button(key=f"correct_auto_{KEY}").click().run()
    assert not at.exception, at.exception
    assert _stored(tmp_path)["pre"] == automatic
    row = _comparison_table(at).iloc[0]  # type: ignore[attr-defined]
    assert row["Before"].startswith("35.0 ± ") and CORRECTED_LABEL not in row["Before"]
    assert at.session_state[correct.MOVED_KEY.format(key=KEY)] == {}


def _stored_trials(tmp_path: Path) -> dict[tuple[str, int], Measurement]:
    """The saved session's measurements by phase and trial number (1 when not numbered)."""
    with Store(f"sqlite:///{tmp_path / 'data' / 'rom.sqlite3'}") as store:
        (person,) = store.list_people()
        (session,) = store.sessions(person.id)
        return {(t.phase, int(t.settings.get("trial", 1))): t.measurements[0].measurement
                for t in store.trials(session.id)}


def test_a_phase_s_second_trial_is_corrected_and_saved_on_that_trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _analysed(monkeypatch, trials=3)
    automatic = _stored_trials(tmp_path)
    assert [round(automatic[("pre", n)].value or 0.0, 1) for n in (1, 2, 3)] == [35.0, 33.0, 31.0]
    key = f"{KEY}_2"  # the widget key of the before phase's second clip
    at.session_state[correct.SECTION_KEY.format(key=key)] = True
    at.run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric if m.label == "Automatic"] == ["33.0°"]
    knee_25 = _image_px(*(np.array([30.0, ANKLE_U]) + SHANK * unit(25.0)))
    at.session_state[correct.MOVED_KEY.format(key=key)] = {"LEFT_KNEE": list(knee_25)}
    at.run()
    assert _corrected_value(at) == "25.0°"
    at.button(key=f"correct_save_{key}").click().run()
    assert not at.exception, at.exception
    assert any("before, trial 2: 25.0° (manually adjusted; automatic 33.0°)" in t
               for t in _texts(at.success))
    saved = _stored_trials(tmp_path)
    assert is_corrected(saved[("pre", 2)])
    assert saved[("pre", 2)].value == pytest.approx(25.0, abs=0.05)
    assert automatic_measurement(saved[("pre", 2)]) == automatic[("pre", 2)]
    # The phase's other trials, and the other phase, keep their automatic values.
    assert {k: v for k, v in saved.items() if k != ("pre", 2)} == {
        k: v for k, v in automatic.items() if k != ("pre", 2)}

    # The third trial too; then back to automatic on the second leaves the third corrected.
    key3 = f"{KEY}_3"
    at.session_state[correct.SECTION_KEY.format(key=key3)] = True
    at.run()
    at.session_state[correct.MOVED_KEY.format(key=key3)] = {"LEFT_KNEE": list(knee_25)}
    at.run()
    at.button(key=f"correct_save_{key3}").click().run()
    at.button(key=f"correct_auto_{key}").click().run()
    assert not at.exception, at.exception
    saved = _stored_trials(tmp_path)
    assert saved[("pre", 2)] == automatic[("pre", 2)]
    assert is_corrected(saved[("pre", 3)])
    assert saved[("pre", 3)].value == pytest.approx(25.0, abs=0.05)
    assert saved[("pre", 1)] == automatic[("pre", 1)]


def _notes(at: AppTest) -> list[str]:
    return [str(e.value) for e in [*at.info, *at.warning]
            if "manual correction" in str(e.value)]


def _correct_pre(at: AppTest, moved: dict[str, list[float]], key: str = KEY) -> None:
    at.session_state[correct.SECTION_KEY.format(key=key)] = True
    at.run()
    at.session_state[correct.MOVED_KEY.format(key=key)] = moved
    at.run()
    at.button(key=f"correct_save_{key}").click().run()
    assert not at.exception, at.exception


KNEE_25 = list(_image_px(*(np.array([30.0, ANKLE_U]) + SHANK * unit(25.0))))


def test_analysing_the_same_video_again_keeps_its_correction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _analysed(monkeypatch)
    _correct_pre(at, {"LEFT_KNEE": KNEE_25})
    assert is_corrected(_stored(tmp_path)["pre"])
    at.button(key="analyse").click().run()  # the same two videos, analysed again
    assert not at.exception, at.exception
    saved = _stored(tmp_path)["pre"]
    assert is_corrected(saved) and saved.value == pytest.approx(25.0, abs=0.05)  # type: ignore[attr-defined]
    assert _notes(at) == [
        "Your manual correction of the before clip was applied again to the new analysis of "
        f"the same video: 25.0° ({CORRECTED_LABEL}; automatic now 35.0°)."]
    # Another before video: its correction cannot hold there, and the page says so.
    at.file_uploader(key="upload_pre").set_value(
        ("pre.mp4", _blank_video(tmp_path / "other.mp4", frames=7), "video/mp4")).run()
    at.button(key="analyse").click().run()
    assert not at.exception, at.exception
    assert not is_corrected(_stored(tmp_path)["pre"])
    assert _notes(at) == [
        f"Your manual correction of the before clip (25.0°, {CORRECTED_LABEL}) was dropped: "
        "that clip was replaced by another video. Correct the points again if the value "
        "needs it."]
    at.run()  # it stays in view until the pair is measured again
    assert len(_notes(at)) == 1


def test_measuring_the_other_leg_says_the_correction_was_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _analysed(monkeypatch, side="right")  # the lunge's rear leg: "the other leg moved"
    held = at.session_state[state.ANALYSES][("ankle-dorsiflexion", "right", "pre")]
    knee = correct.context_for(held).points(int(held.measurement.peak_frame))["RIGHT_KNEE"]
    assert knee is not None
    _correct_pre(at, {"RIGHT_KNEE": [knee[0] + 15.0, knee[1]]},
                 key="ankle-dorsiflexion_right_pre")
    assert is_corrected(_stored(tmp_path)["pre"])
    at.button(key="switch_ankle-dorsiflexion_right_right").click().run()
    assert not at.exception, at.exception
    saved = _stored(tmp_path)["pre"]
    assert saved.side == "left" and not is_corrected(saved)  # type: ignore[attr-defined]
    (note,) = _notes(at)
    assert note.startswith("Your manual correction of the before clip (")
    assert note.endswith(f", {CORRECTED_LABEL}) was dropped: it moved the right leg's points, "
                         "and the left leg is measured now. Correct the points again if the "
                         "value needs it.")


def _stored_readings(tmp_path: Path) -> list[tuple[str, str, str]]:
    """The saved session's hand readings on frames: ``(phase, test, side)``."""
    with Store(f"sqlite:///{tmp_path / 'data' / 'rom.sqlite3'}") as store:
        (person,) = store.list_people()
        (session,) = store.sessions(person.id)
        return [(t.phase, t.test, t.side) for t in store.trials(session.id)
                if t.settings.get("source") == "video frame"]


def test_measuring_the_other_leg_removes_the_hand_readings_of_its_clips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hand reading's side is the clip's measured side when it was taken, not the leg its
    points are on: after "measure the other leg" it is removed from that clip, with a note,
    rather than left under the leg the clip no longer measures (or moved to a leg it may not
    be on).  A reading on the other phase's clip, not switched, is kept."""
    from rom.dashboard import manual

    at = _analysed(monkeypatch, side="right")  # the lunge's rear leg: "the other leg moved"
    found = at.session_state[state.ANALYSES]
    readings = {}
    for phase in ("pre", "post"):
        held = found[("ankle-dorsiflexion", "right", phase)]
        reading = manual.frame_reading(held, "angle", [(10.0, 10.0), (50.0, 10.0), (50.0, 60.0)],
                                       frame=3)
        readings[(reading.test, reading.side, phase)] = reading
    # The post clip was analysed from another video: its reading is not on the switched clip.
    (post_key,) = [k for k in readings if k[2] == "post"]
    readings[post_key] = replace(readings[post_key], provenance={
        **readings[post_key].provenance, "video": "another.mp4"})
    assert readings[post_key].value == pytest.approx(90.0)
    at.session_state[state.MANUAL] = readings
    at.button(key="analyse").click().run()  # saves the session with the readings
    assert not at.exception, at.exception
    assert sorted(_stored_readings(tmp_path)) == [("post", "hand-angle", "right"),
                                                  ("pre", "hand-angle", "right")]

    at.button(key="switch_ankle-dorsiflexion_right_right").click().run()
    assert not at.exception, at.exception
    assert _stored_readings(tmp_path) == [("post", "hand-angle", "right")]
    assert list(at.session_state[state.MANUAL]) == [post_key]
    notes = [str(w.value) for w in at.warning if "hand reading" in str(w.value)]
    assert notes == [
        "Your hand reading “Angle by hand (three points)” on the before clip (90.0°, filed "
        "under the right leg) was removed: the left leg is measured now, and which leg its "
        "points are on is not known. Measure it again on the clip if you need it."]


def test_undo_takes_back_the_last_move(monkeypatch: pytest.MonkeyPatch) -> None:
    def page() -> None:
        import streamlit as st

        from rom.dashboard import correct

        if "done" not in st.session_state:
            st.session_state["done"] = True
            correct.move_point("k", "LEFT_KNEE", (1.0, 2.0))
            correct.move_point("k", "LEFT_ANKLE", (3.0, 4.0))
            correct.move_point("k", "LEFT_KNEE", (5.0, 6.0))
            correct.undo("k")
        st.write(str(correct.moved_points("k")))

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert at.markdown[0].value == str({"LEFT_KNEE": (1.0, 2.0), "LEFT_ANKLE": (3.0, 4.0)})


def test_landmark_labels() -> None:
    assert correct.landmark_label("LEFT_FOOT_INDEX") == "left toe"
    assert correct.landmark_label("RIGHT_KNEE") == "right knee"
    assert correct.landmark_label("NOSE") == "nose"


def test_measuring_by_hand_on_a_frame_of_the_clip(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from rom.dashboard import manual

    at = _analysed(monkeypatch)
    at.session_state[f"manual_frame_section_{KEY}"] = True
    at.run()
    assert not at.exception, at.exception
    at.number_input(key=f"manual_frame_{KEY}").set_value(45).run()
    points = f"_manual_frame_points_{KEY}"
    # A right angle at the vertex (500, 700): 90 deg, the vertex the second point.
    at.session_state[points] = [[500.0, 600.0], [500.0, 700.0], [650.0, 700.0]]
    at.run()
    (angle,) = [m for m in at.metric if m.label == "Angle by hand (three points)"]
    assert angle.value == "90.0°"
    at.button(key=f"hand_{KEY}_save").click().run()
    assert not at.exception, at.exception
    assert "Saved by hand: Angle by hand (three points), left, before the technique: 90.0° " \
           "(frame 45)." in _texts(at.success)

    # The same reading on the after clip: before and after shown, not judged (no MDC).
    post = "ankle-dorsiflexion_left_post"
    at.session_state[f"manual_frame_section_{post}"] = True
    at.run()
    at.session_state[f"_manual_frame_points_{post}"] = [[500.0, 600.0], [500.0, 700.0],
                                                        [600.0, 600.0]]
    at.run()
    at.button(key=f"hand_{post}_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = _comparison_table(at)
    (row,) = [r for _, r in table.iterrows()  # type: ignore[attr-defined]
              if r.iloc[0].startswith("Angle by hand")]
    assert (row["Before"], row["After"]) == ("90.0°", "45.0°"), row.to_dict()

    # A distance on this clip has no marker scale: a typed reference of 10 cm over 100 px
    # makes 150 px 15 cm.
    at.radio(key=f"manual_tool_{KEY}").set_value("distance").run()
    assert at.radio(key=f"manual_scale_{KEY}").options == ["A reference of known length"]
    at.number_input(key=f"manual_frame_reference_cm_{KEY}").set_value(10.0).run()
    assert at.session_state[points] == []  # another tool starts afresh
    at.session_state[points] = [[450.0, 800.0], [600.0, 800.0], [450.0, 850.0], [550.0, 850.0]]
    at.run()
    (distance,) = [m for m in at.metric if m.label == "Distance by hand (two points)"]
    assert distance.value == "15.0 cm"
    at.button(key=f"hand_{KEY}_save").click().run()
    assert not at.exception, at.exception

    # A line's angle to true vertical: its upper end 100 px right over 100 px up is 45 deg.
    at.radio(key=f"manual_tool_{KEY}").set_value("vertical").run()
    assert manual.FRAME_TEXT["roll"].format(roll=0.0) in _texts(at.caption)
    at.session_state[points] = [[500.0, 800.0], [600.0, 700.0]]
    at.run()
    (vertical,) = [m for m in at.metric if m.label.startswith("Angle to true vertical")]
    assert vertical.value == "45.0°"

    with Store(f"sqlite:///{tmp_path / 'data' / 'rom.sqlite3'}") as store:
        (person,) = store.list_people()
        (session,) = store.sessions(person.id)
        store_trials = store.trials(session.id)
    by_test = {t.test: t for t in store_trials if t.phase == "pre"}
    trial = by_test["hand-angle"]
    assert (trial.phase, trial.side, trial.settings["source"]) == ("pre", "left", "video frame")
    saved = trial.measurements[0].measurement
    assert saved.value == pytest.approx(90.0) and saved.peak_frame == 45
    assert saved.provenance["frame"] == "45" and saved.provenance["video"] == "pre.mp4"
    assert saved.provenance["points_px"] == "[[500.0, 600.0], [500.0, 700.0], [650.0, 700.0]]"
    distance_saved = by_test["hand-distance"].measurements[0].measurement
    assert distance_saved.value == pytest.approx(15.0) and distance_saved.unit == "cm"
    assert distance_saved.provenance["scale"] == "reference"
    # The automatic values are saved as before, beside the readings.
    (automatic,) = [t.measurements[0].measurement for t in store_trials
                    if (t.test, t.phase) == ("ankle-dorsiflexion", "pre")]
    assert automatic.value == pytest.approx(35.0, abs=0.1)
