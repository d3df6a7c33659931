"""The dashboard's page logic through Streamlit's AppTest (no browser).

Each test gets its own empty database and cache (``ROM_DATA_DIR``/``ROM_CACHE_DIR``); the
pose model comes from ``ROM_MODEL_DIR`` as set-up provisioned it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from rom import labels, pipeline
from rom.dashboard import record, services, state, welcome

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)


@pytest.fixture
def small_upload_limit() -> Iterator[None]:
    before = st_config.get_option("server.maxUploadSize")
    st_config.set_option("server.maxUploadSize", 1)
    yield
    st_config.set_option("server.maxUploadSize", before)


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=120).run()


def _add_person(at: AppTest, name: str = "Ana Runner", height: int | None = 172) -> AppTest:
    at.sidebar.text_input(key="new_person_name").input(name)
    if height is not None:
        at.sidebar.number_input(key="new_person_height").set_value(height)
    at.sidebar.button[0].click().run()
    return at


def _comparison_table(at: AppTest) -> object:
    """The session's before/after table (the page has others: sample clips, history)."""
    (table,) = [t.value for t in at.table if "Real change?" in t.value.columns]
    return table


def _texts(elements: object) -> list[str]:
    return [str(e.value) for e in elements]  # type: ignore[attr-defined]


def test_first_visit_welcomes_and_offers_the_demo() -> None:
    at = _app()
    assert not at.exception
    # What rom does, the three steps and privacy, instead of an empty page.
    assert any(t.startswith("Welcome") for t in _texts(at.subheader))
    text = " ".join(_texts(at.markdown))
    for step in ("1 · Film “before” from the side", "2 · Do the technique",
                 "3 · Film “after” the same way", "stay on this computer"):
        assert step in text, step
    demo = at.button(key="try_samples")
    assert demo.label == "Try it with the sample videos" and not demo.disabled
    assert not at.tabs, "no empty tabs before anybody exists"
    # Adding a real person is right there in the sidebar; the height starts empty.
    assert at.sidebar.selectbox(key="person_select").value == record.NEW_PERSON
    assert at.sidebar.text_input(key="new_person_name").value == ""
    height = at.sidebar.number_input(key="new_person_height")
    assert height.value is None and (height.min, height.max) == (50, 272)
    assert "toe-touch" in height.help and "marker" in height.help


def test_a_person_without_a_height_has_none() -> None:
    at = _add_person(_app(), name="No Height", height=None)
    assert not at.exception
    assert "Added No Height." in _texts(at.success)
    assert "0 sessions on record" in _texts(at.sidebar.caption)  # no "0 cm tall"
    (height,) = [n for n in at.number_input if n.key.startswith("height_cm_")]
    assert height.value is None


def test_the_demo_person_is_reused(tmp_path: Path) -> None:
    from rom.store import Store

    store = Store(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    first = welcome.demo_person(store)
    again = welcome.demo_person(store)
    assert first.id == again.id and first.name == welcome.DEMO_PERSON_NAME
    assert [p.name for p in store.list_people()] == [welcome.DEMO_PERSON_NAME]
    store.close()


def test_add_another_person_is_one_click_away() -> None:
    at = _add_person(_app())
    at.sidebar.button(key="add_another_person").click().run()
    assert not at.exception
    assert at.sidebar.selectbox(key="person_select").value == record.NEW_PERSON
    _add_person(at, name="Ben Two", height=181)
    select = at.sidebar.selectbox(key="person_select")
    assert select.format_func(select.value) == "Ben Two"
    assert len(select.options) == 3  # Ana, Ben and "add a new person"


def test_adding_a_person_selects_them() -> None:
    at = _add_person(_app())
    assert not at.exception
    assert "Added Ana Runner." in _texts(at.success)
    select = at.sidebar.selectbox(key="person_select")
    assert select.format_func(select.value) == "Ana Runner"
    assert "172 cm tall · 0 sessions on record" in _texts(at.sidebar.caption)


def test_adding_a_person_without_a_name_warns() -> None:
    at = _add_person(_app(), name="   ")
    assert not at.exception
    assert any("type a name" in t for t in _texts(at.sidebar.warning))
    assert at.sidebar.selectbox(key="person_select").value == record.NEW_PERSON


def test_analyse_without_a_person_is_refused_politely() -> None:
    at = _add_person(_app())
    at.sidebar.button(key="add_another_person").click().run()  # nobody chosen now
    at.radio(key="source").set_value(record.SOURCE_SAMPLES).run()
    at.button(key="analyse").click().run()
    assert not at.exception
    assert any("choosing or adding the person" in t for t in _texts(at.info))
    assert any("choose or add the person" in t for t in _texts(at.warning))


def test_analyse_without_videos_is_refused_politely() -> None:
    at = _add_person(_app())
    at.button(key="analyse").click().run()
    assert not at.exception
    assert any("Add a video first" in t for t in _texts(at.warning))


def test_bad_uploads_give_friendly_messages_and_the_page_stays_usable() -> None:
    at = _add_person(_app())
    at.file_uploader(key="upload_pre").set_value(("notes.mp4", b"not a video at all", "video/mp4"))
    at.run()
    at.file_uploader(key="upload_post").set_value(("empty.MOV", b"", "video/quicktime")).run()
    assert not at.exception
    errors = _texts(at.error)
    assert any("“notes.mp4” cannot be used" in e and "not a video" in e for e in errors), errors
    assert any("“empty.MOV” is empty" in e for e in errors), errors
    assert all("/" not in e.split("”")[0] for e in errors), "messages must not show cache paths"
    # Still usable: the button answers, the tabs render, the person is still chosen.
    at.button(key="analyse").click().run()
    assert not at.exception
    assert any("Add a video first" in t for t in _texts(at.warning))
    assert at.sidebar.selectbox(key="person_select").value != record.NEW_PERSON


def test_too_large_upload_is_refused(small_upload_limit: None) -> None:
    at = _add_person(_app())
    too_big = b"\0" * (1024 * 1024 + 1)
    at.file_uploader(key="upload_pre").set_value(("huge.mp4", too_big, "video/mp4"))
    at.run()
    assert not at.exception
    assert any("“huge.mp4” is 1 MB; the limit is 1 MB" in e for e in _texts(at.error))


def test_streamlit_config_is_local_with_an_upload_limit() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["headless"] is True
    assert 100 <= config["server"]["maxUploadSize"] <= 2000
    assert config["browser"]["gatherUsageStats"] is False


def test_other_technique_asks_for_its_name() -> None:
    at = _add_person(_app())
    at.selectbox(key="technique").set_value("Other").run()
    assert not at.exception
    assert at.text_input(key="technique_other") is not None


def test_history_and_export_are_empty_for_a_new_person() -> None:
    at = _add_person(_app())
    infos = _texts(at.info)
    assert any("No sessions saved for Ana Runner yet" in t for t in infos)
    assert any("Nothing to export for Ana Runner yet" in t for t in infos)


# -- the full flow with the bundled sample videos ---------------------------------------------


def _sample_test() -> str:
    clips = services.sample_clips()
    for test in dict.fromkeys(c.test for c in clips):
        if services.sample_pair(test, "auto") is not None:
            return test
    pytest.skip("no sample videos bundled yet")


@pytest.mark.slow
def test_sample_videos_end_to_end(tmp_path: Path) -> None:
    from rom import labels
    from rom.calibrate import calibration_for_video
    from rom.protocols import measure
    from rom.tracking import track_video

    test = _sample_test()
    pre_clip, post_clip = services.sample_pair(test, "auto")  # type: ignore[misc]
    at = _add_person(_app())
    at.selectbox(key="test").set_value(test).run()
    at.radio(key="source").set_value(record.SOURCE_SAMPLES).run()
    at.selectbox(key="technique").set_value("Sock Pull").run()
    at.button(key="analyse").click().run(timeout=300)
    assert not at.exception, at.exception
    assert not at.error, _texts(at.error)

    # The numbers shown are the pipeline's numbers for those very clips.
    expected = {}
    for clip in (pre_clip, post_clip):
        track = track_video(clip.path)
        calibration = calibration_for_video(clip.path, track.frame_size, track=track)
        m = measure(track, test, pre_clip.side, calibration=calibration,
                    height_cm=172.0).measurement
        expected[clip.phase] = m
    metrics = {m.label.split(" ·")[0]: m.value for m in at.metric if m.label.endswith(" side")}
    for phase, title in (("pre", "Before"), ("post", "After")):
        m = expected[phase]
        shown = metrics[title]
        # Values are shown with their uncertainty (issue 11: "± u" beside each value).
        assert shown.startswith(labels.format_value(m.value, m.unit,
                                                    uncertainty=m.uncertainty)), (shown, m)
        assert ("unreliable" in shown) == (not m.reliable)

    # The comparison table holds the same pre, post and change.
    row = _comparison_table(at).iloc[0]  # type: ignore[attr-defined]
    for column, phase in (("Before", "pre"), ("After", "post")):
        m = expected[phase]
        assert row[column].startswith(labels.format_value(m.value, m.unit,
                                                          uncertainty=m.uncertainty)), (row, m)
    if expected["pre"].value is not None and expected["post"].value is not None:
        change = expected["post"].value - expected["pre"].value
        assert row["Change"] == labels.format_value(change, expected["pre"].unit, signed=True)

    # Saved: the sidebar counts the session and History lists it.
    assert "1 session on record" in " ".join(_texts(at.sidebar.caption))
    assert any(t.startswith("Trends for Ana Runner") for t in _texts(at.subheader))

    # Another height re-measures from the cached pose tracks: no new track is computed.
    tracks = sorted((tmp_path / "cache" / "tracks").glob("*"))
    assert len(tracks) == 2
    person_id = at.sidebar.selectbox(key="person_select").value
    at.number_input(key=f"height_cm_{person_id}").set_value(180).run()
    at.button(key="analyse").click().run(timeout=120)
    assert not at.exception
    assert sorted((tmp_path / "cache" / "tracks").glob("*")) == tracks
    assert "1 session on record" in " ".join(_texts(at.sidebar.caption)), "re-analysis duplicated"


def _blank_video(path: Path, frames: int = 20) -> bytes:
    """A real, decodable MP4 of an empty grey room: nobody to find."""
    from fractions import Fraction

    import av
    import numpy as np

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(10))
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for _ in range(frames):
            image = np.full((240, 320, 3), 128, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()


@pytest.mark.slow
def test_video_without_a_person_says_so(tmp_path: Path) -> None:
    data = _blank_video(tmp_path / "empty-room.mp4")
    at = _add_person(_app())
    at.file_uploader(key="upload_pre").set_value(("empty-room.mp4", data, "video/mp4")).run()
    assert not at.error, _texts(at.error)  # a valid video: accepted at upload
    at.button(key="analyse").click().run(timeout=120)
    assert not at.exception
    errors = _texts(at.error)
    assert any(e.startswith("Before: “empty-room.mp4”") and "no person was found" in e
               for e in errors), errors
    assert "0 sessions on record" in " ".join(_texts(at.sidebar.caption))


def test_deleting_a_person_removes_them() -> None:
    at = _add_person(_app(), name="Temp Person")
    at.sidebar.text_input(key=state.DELETE_CONFIRM).input("Temp Person").run()
    at.sidebar.button(key="delete_person").click().run()
    assert not at.exception
    assert "The person and their data were deleted." in _texts(at.info)
    select = at.sidebar.selectbox(key="person_select")
    assert select.options == [record.NEW_PERSON]


def test_restore_from_a_backup(tmp_path: Path) -> None:
    import json

    from rom.measurement import Measurement
    from rom.store import Store
    from rom.store.records import NewTrial

    # A backup made on "another computer": its own database.
    other = Store(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    person = other.add_person("Ben Physio Client", height_cm=181.0)
    m = Measurement(test="knee-flexion", side="left", value=128.4, unit="deg", quality=0.9,
                    reliable=True, reasons=(), peak_time_s=1.0, peak_frame=30)
    other.add_session(person.id, technique="Sock Pull",
                      trials=[NewTrial(phase="pre", test="knee-flexion", side="left",
                                       measurements=(m,))])
    backup = json.dumps(other.export_bundle(person.id)).encode()
    other.close()

    at = _app()
    at.file_uploader(key="restore_upload").set_value(("ben.json", backup, "application/json"))
    at.run()
    at.button(key="restore").click().run()
    assert not at.exception
    assert "Restored 1 session(s) and 1 measurement(s)." in _texts(at.success)
    select = at.sidebar.selectbox(key="person_select")
    assert select.format_func(select.value) == "Ben Physio Client"
    assert "181 cm tall · 1 session on record" in _texts(at.sidebar.caption)
    # The restored measurement shows in the history table of sessions.
    assert any(t.startswith("Trends for Ben Physio Client") for t in _texts(at.subheader))

    # A broken file is refused politely.
    at.file_uploader(key="restore_upload").set_value(("ben.json", b"{not json", "application/json"))
    at.run()
    at.button(key="restore").click().run()
    assert not at.exception
    assert any("“ben.json” is not a rom backup file" in e for e in _texts(at.error))


def _expected(test: str, clips: tuple[services.SampleClip, ...],
              height_cm: float | None = None) -> dict[str, object]:
    """The pipeline's measurement of each clip, made outside the dashboard."""
    from rom.pipeline import AnalysisOptions, analyse_trial

    options = AnalysisOptions(side=clips[0].side, height_cm=height_cm)
    return {clip.phase: analyse_trial(clip.path, test, options).measurement for clip in clips}


@pytest.mark.slow
def test_try_it_with_the_sample_videos() -> None:
    test = welcome.demo_test()
    if test is None:
        pytest.skip("no sample videos bundled yet")
    pair = services.sample_pair(test, "auto")
    assert pair is not None
    at = _app()
    at.button(key="try_samples").click().run(timeout=300)
    assert not at.exception, at.exception
    assert not at.error, _texts(at.error)

    # The demo person is chosen, clearly labelled, and the form shows what was analysed.
    select = at.sidebar.selectbox(key="person_select")
    assert select.format_func(select.value) == welcome.DEMO_PERSON_NAME
    assert at.selectbox(key="test").value == test
    assert at.radio(key="source").value == record.SOURCE_SAMPLES
    assert at.radio(key="side").value == pair[0].side
    assert any(t.startswith("**Demo:**") for t in _texts(at.info))

    # Results: the values shown are the pipeline's values for the sample clips.
    expected = _expected(test, pair)
    metrics = {m.label: m.value for m in at.metric}
    for phase, title in (("pre", "Before"), ("post", "After")):
        m = expected[phase]
        shown = metrics[f"{title} · {m.side} side"]  # type: ignore[attr-defined]
        # Shown with its uncertainty (issue 11: "± u" beside each value).
        assert shown == labels.trusted_value(m.value, m.unit, m.reliable,  # type: ignore[attr-defined]
                                             uncertainty=m.uncertainty), (shown, m)  # type: ignore[attr-defined]
    # The pre/post comparison repeats them, with the change.
    pre, post = expected["pre"], expected["post"]
    assert metrics["Before"] == labels.trusted_value(pre.value, pre.unit, pre.reliable,  # type: ignore[attr-defined]
                                                     uncertainty=pre.uncertainty)  # type: ignore[attr-defined]
    assert metrics["After"] == labels.trusted_value(post.value, post.unit, post.reliable,  # type: ignore[attr-defined]
                                                    uncertainty=post.uncertainty)  # type: ignore[attr-defined]
    row = _comparison_table(at).iloc[0]  # type: ignore[attr-defined]
    assert row["Test"] == labels.test_label(test) and row["Side"] == pair[0].side.capitalize()
    if pre.value is not None and post.value is not None:  # type: ignore[attr-defined]
        change = post.value - pre.value  # type: ignore[attr-defined]
        assert row["Change"].startswith(labels.format_value(change, pre.unit, signed=True))  # type: ignore[attr-defined]
    # The sample's known truth is shown beside rom's number.
    captions = " ".join(_texts(at.caption))
    for clip in pair:
        assert f"posed at {labels.format_value(clip.true_value, clip.unit)}" in captions

    # Saved: the history has the session.
    assert "1 session on record" in " ".join(_texts(at.sidebar.caption))
    assert f"Trends for {welcome.DEMO_PERSON_NAME}" in _texts(at.subheader)

    # Another test's sample pair is one choice and one click away, in the same session.
    other = next((t for t in record.tests_offered()
                  if t != test and services.sample_pair(t, "auto") is not None), None)
    if other is not None:
        at.selectbox(key="test").set_value(other).run()
        other_pair = services.sample_pair(other, "auto")
        assert other_pair is not None
        assert at.radio(key="side").value == other_pair[0].side
        assert at.radio(key="side").disabled
        at.button(key="analyse").click().run(timeout=300)
        assert not at.exception and not at.error, _texts(at.error)
        tests_in_table = set(_comparison_table(at)["Test"])  # type: ignore[index]
        assert tests_in_table == {labels.test_label(test), labels.test_label(other)}
        assert "1 session on record" in " ".join(_texts(at.sidebar.caption))

    # A real person is one click away, and does not inherit the demo's choices.
    demo_id = at.sidebar.selectbox(key="person_select").value
    at.sidebar.button(key="add_another_person").click().run()
    _add_person(at, name="Real Runner")
    assert not at.exception
    assert at.radio(key="source").value == record.SOURCE_UPLOAD
    assert at.selectbox(key="technique").value == labels.TECHNIQUES[0]

    # The demo person is deleted like anyone else.
    at.sidebar.selectbox(key="person_select").select(demo_id).run()
    at.sidebar.text_input(key=state.DELETE_CONFIRM).input(welcome.DEMO_PERSON_NAME).run()
    at.sidebar.button(key="delete_person").click().run()
    assert not at.exception
    assert "The person and their data were deleted." in _texts(at.info)
    assert at.sidebar.selectbox(key="person_select").options == ["Real Runner", record.NEW_PERSON]

    # With nobody left, the welcome is back.
    at.sidebar.text_input(key=state.DELETE_CONFIRM).input("Real Runner").run()
    at.sidebar.button(key="delete_person").click().run()
    assert at.sidebar.selectbox(key="person_select").options == [record.NEW_PERSON]
    assert at.button(key="try_samples") is not None


@pytest.mark.slow
def test_advisory_and_invalidating_reasons_are_explained(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever reasons the protocols give, the page says them in words and marks the value.

    The measurement itself is real (the sample clips through the pipeline); only its verdict
    is swapped, to put an advisory reason on the pre clip and an invalidating one on the post.
    """
    from dataclasses import replace

    from rom.labels import REASON_TEXT
    from rom.measurement import CHANGE_ONLY_REASONS, INVALIDATING_REASONS

    test = "knee-flexion" if services.sample_pair("knee-flexion", "auto") else _sample_test()
    advisory = sorted(REASON_TEXT.keys() - INVALIDATING_REASONS)
    # A reason that spoils the change too (a change-only one leaves it standing).
    invalidating = sorted(REASON_TEXT.keys() & INVALIDATING_REASONS - CHANGE_ONLY_REASONS)
    if not advisory or not invalidating:
        pytest.skip("needs both an advisory and an invalidating reason code")
    verdicts = iter([(True, (advisory[0],)), (False, (invalidating[0], advisory[0]))])
    real_measure = pipeline.measure
    measured = []

    def measure_with_verdict(*args: object, **kwargs: object) -> object:
        result = real_measure(*args, **kwargs)  # type: ignore[arg-type]
        reliable, reasons = next(verdicts)
        m = replace(result.measurement, reliable=reliable, reasons=reasons)
        measured.append(m)
        return replace(result, measurement=m)

    monkeypatch.setattr(pipeline, "measure", measure_with_verdict)
    # One measurement per clip: no mirrored second reading to take a verdict too.
    monkeypatch.setattr(pipeline, "MIRRORED_READING_TESTS", frozenset())
    at = _add_person(_app())
    at.selectbox(key="test").set_value(test).run()
    at.radio(key="source").set_value(record.SOURCE_SAMPLES).run()
    at.button(key="analyse").click().run(timeout=300)
    assert not at.exception, at.exception
    pre, post = measured

    # Each clip's metric ("Before · left side") and the session headline's ("Before").
    videos = {m.label.split(" ·")[0]: m.value for m in at.metric if m.label.endswith(" side")}
    metrics = {m.label: m.value for m in at.metric if not m.label.endswith(" side")}
    # Reliable: plain (with its "± u", issue 11); unreliable: marked.
    assert videos["Before"] == labels.format_value(pre.value, pre.unit, uncertainty=pre.uncertainty)
    assert videos["After"] == labels.format_value(post.value, post.unit,
                                                  uncertainty=post.uncertainty) + " (unreliable)"
    assert metrics["Before"] == videos["Before"]
    assert metrics["After"] == videos["After"]
    assert metrics["Change"].endswith("(unreliable)")
    (good,) = _texts(at.success)
    assert "Worth knowing" in good and REASON_TEXT[advisory[0]] in good
    (bad,) = _texts(at.warning)
    assert bad.startswith("**Unreliable — do not use this number.**")
    assert REASON_TEXT[invalidating[0]] in bad and REASON_TEXT[advisory[0]] in bad
    row = _comparison_table(at).iloc[0]  # type: ignore[attr-defined]
    assert row["After"].endswith("⚠") and row["Change"].endswith("⚠")
    assert row["Real change?"].startswith("⚠ Unreliable")
    advice = _texts(at.markdown)
    assert f"- {REASON_TEXT[invalidating[0]]}" in advice
    assert f"- {REASON_TEXT[advisory[0]]}" in advice


# -- side, typed roll, the vertical and the switch to the other leg (issue 10) ---------------


def test_the_side_defaults_to_automatic_and_a_typed_roll_reaches_the_analysis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rom.errors import VideoError

    at = _add_person(_app())
    side = at.radio(key="side")
    assert side.value == "auto" and side.options[0] == labels.SIDE_LABELS["auto"]
    roll = at.number_input(key="roll_deg")
    assert roll.label == record.ROLL_LABEL and roll.value is None
    assert (roll.min, roll.max) == (-record.ROLL_LIMIT_DEG, record.ROLL_LIMIT_DEG)
    assert "1.5°" in roll.help and "marker" in roll.help and "door frames" in roll.help

    seen: list[pipeline.AnalysisOptions] = []

    def analyse(video: object, test: str, options: pipeline.AnalysisOptions,
                progress: object = None) -> object:
        seen.append(options)
        raise VideoError("stopped here by the test")

    monkeypatch.setattr(pipeline, "analyse_trial", analyse)
    at.radio(key="source").set_value(record.SOURCE_SAMPLES).run()
    at.number_input(key="roll_deg").set_value(-2.5).run()
    at.button(key="analyse").click().run()
    assert not at.exception
    assert [o.roll_deg for o in seen] == [-2.5, -2.5]  # pre and post
    at.number_input(key="roll_deg").set_value(None).run()
    at.button(key="analyse").click().run()
    assert [o.roll_deg for o in seen[2:]] == [None, None]


def _fake_analysis(video: Path, test: str, options: pipeline.AnalysisOptions,
                   reasons_by_side: dict[str, tuple[str, ...]],
                   calibration: object) -> pipeline.TrialAnalysis:
    """A trial analysis without MediaPipe: a synthetic track, the side's verdict given."""
    from dataclasses import replace

    from rom.measurement import INVALIDATING_REASONS
    from tests.test_render import _track, _trial

    track = replace(_track(list(range(12))), source_sha256="ab" * 32)  # as the store wants
    side = "left" if options.side in ("auto", "left") else "right"
    reasons = reasons_by_side[side]
    base = _trial(track, peak_row=9)
    m = replace(base.measurement, test=test, side=side, reasons=reasons,
                value=20.0 if side == "left" else 120.0,
                reliable=not set(reasons) & INVALIDATING_REASONS)
    return pipeline.TrialAnalysis(video=video, test=test, options=options, track=track,
                                  calibration=calibration,  # type: ignore[arg-type]
                                  result=replace(base, measurement=m))


def test_the_other_leg_is_one_click_away_without_tracking_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``other_leg_moved`` shows a "switch side?" hint; its button re-measures the other leg
    with :func:`rom.pipeline.remeasure` on the same analysis (no tracking), and saves it."""
    from dataclasses import replace

    from rom.calibration import Calibration
    from rom.dashboard import results

    calibration = Calibration(roll_deg=1.2, roll_source="scene", roll_uncertainty_deg=0.8,
                              marker_rejection="too_small")
    verdicts = {"left": ("other_leg_moved",), "right": ()}
    tracked: list[str] = []
    remeasured: list[tuple[pipeline.TrialAnalysis, pipeline.AnalysisOptions]] = []

    def analyse(video: Path, test: str, options: pipeline.AnalysisOptions,
                progress: object = None) -> pipeline.TrialAnalysis:
        tracked.append(video.name)
        return _fake_analysis(video, test, options, verdicts, calibration)

    def remeasure(analysis: pipeline.TrialAnalysis,
                  options: pipeline.AnalysisOptions) -> pipeline.TrialAnalysis:
        remeasured.append((analysis, options))
        before = analysis.options  # only the side changes
        assert options.same_track(before) and options.same_calibration(before)
        assert options.height_cm == before.height_cm
        fake = _fake_analysis(analysis.video, analysis.test, options, verdicts, calibration)
        return replace(fake, track=analysis.track)  # the same track, as the pipeline does

    monkeypatch.setattr(pipeline, "analyse_trial", analyse)
    monkeypatch.setattr(pipeline, "remeasure", remeasure)
    monkeypatch.setattr(pipeline, "render_trial",
                        lambda analysis, progress=None: pipeline.RenderedTrial(error="no video"))
    at = _add_person(_app())
    at.selectbox(key="test").set_value("knee-flexion").run()
    for phase in ("pre", "post"):
        at.file_uploader(key=f"upload_{phase}").set_value(
            (f"{phase}.mp4", _blank_video_bytes(), "video/mp4")).run()
    at.radio(key="side").set_value("left").run()
    at.button(key="analyse").click().run()
    assert not at.exception, at.exception
    assert tracked == ["pre.mp4", "post.mp4"]
    assert not at.error, _texts(at.error)
    assert len(_comparison_table(at)) == 1  # type: ignore[arg-type]

    # The wrong leg: never a bare number, the reason in words, and the hint with its button.
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Before · left side"] == "20.0° (unreliable)"
    assert metrics["After · left side"] == "20.0° (unreliable)"
    assert all(labels.REASON_TEXT["other_leg_moved"] in w for w in _texts(at.warning))
    (hint,) = [t for t in _texts(at.info) if t.startswith("**Switch side?**")]
    assert "the right leg did the movement" in hint and "before and after clips" in hint
    # Where the vertical came from, its +-, and why the marker was not used.
    captions = _texts(at.caption)
    vertical = [c for c in captions if "Vertical from the room's edges, known to ±0.8°" in c]
    assert len(vertical) == 2
    assert all(c.endswith(labels.REASON_TEXT["marker_too_small"]) for c in vertical)

    at.button(key="switch_knee-flexion_left_left").click().run()
    assert not at.exception, at.exception
    assert tracked == ["pre.mp4", "post.mp4"], "switching the side must not track again"
    assert [(a.measurement.side, o.side) for a, o in remeasured] == [("left", "right")] * 2
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Before · right side"] == "120.0°"
    assert metrics["After · right side"] == "120.0°"
    assert not [t for t in _texts(at.info) if t.startswith("**Switch side?**")]
    assert any("Measured the right leg in the before and after clips" in t
               for t in _texts(at.success))
    assert at.radio(key="side").value == "right"  # the next Analyse measures that leg
    # Saved once, as the right leg (the left-leg save is replaced).
    row = _comparison_table(at).iloc[0]  # type: ignore[attr-defined]
    assert row["Side"] == "Right" and row["Before"] == "120.0°" and row["After"] == "120.0°"
    assert len(_comparison_table(at)) == 1  # type: ignore[arg-type]
    assert "1 session on record" in " ".join(_texts(at.sidebar.caption))
    assert results.WRONG_LEG == "other_leg_moved"


def _blank_video_bytes() -> bytes:
    """A tiny decodable MP4 (the upload check probes it; the analysis is faked)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return _blank_video(Path(folder) / "blank.mp4", frames=5)


@pytest.mark.slow
def test_switching_to_the_leg_that_moved_on_a_real_clip(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The right-leg quad-stretch sample measured as the left leg: the straight standing leg
    is not called reliable, and one click measures the right leg from the same track."""
    from rom import tracking

    pair = services.sample_pair("knee-flexion", "right")
    if pair is None or pair[0].side != "right":
        pytest.skip("needs the right-leg knee-flexion sample clips")
    clip = pair[0]
    at = _add_person(_app())
    at.selectbox(key="test").set_value("knee-flexion").run()
    at.file_uploader(key="upload_pre").set_value(
        (clip.path.name, clip.path.read_bytes(), "video/mp4")).run()
    at.radio(key="side").set_value("left").run()
    at.button(key="analyse").click().run(timeout=300)
    assert not at.exception, at.exception
    (wrong,) = [m for m in at.metric if m.label.startswith("Before ·")]
    assert wrong.label.endswith("left side") and wrong.value.endswith("(unreliable)")
    assert any(t.startswith("**Switch side?**") for t in _texts(at.info))
    tracks = sorted((tmp_path / "cache" / "tracks").glob("*"))

    def no_tracking(*args: object, **kwargs: object) -> object:
        raise AssertionError("the switch must not track the video again")

    real_track_video = tracking.track_video
    monkeypatch.setattr(pipeline, "track_video", no_tracking)
    monkeypatch.setattr(tracking, "track_video", no_tracking)
    at.button(key="switch_knee-flexion_left_left").click().run(timeout=300)
    assert not at.exception, at.exception
    assert sorted((tmp_path / "cache" / "tracks").glob("*")) == tracks
    # The reference below tracks (from the cache) outside the dashboard.
    monkeypatch.setattr(pipeline, "track_video", real_track_video)
    monkeypatch.setattr(tracking, "track_video", real_track_video)
    expected = _expected("knee-flexion", (clip,))["pre"]
    (right,) = [m for m in at.metric if m.label.startswith("Before ·")]
    assert right.label == "Before · right side"
    assert right.value == labels.trusted_value(expected.value, expected.unit,  # type: ignore[attr-defined]
                                               expected.reliable,  # type: ignore[attr-defined]
                                               uncertainty=expected.uncertainty)  # type: ignore[attr-defined]
    assert not any(t.startswith("**Switch side?**") for t in _texts(at.info))


# -- user text is shown as typed, never as Markdown (issue 12, item 1) ------------------------

ATTACK = "[click me](http://127.0.0.1:9/x) ![p](http://127.0.0.1:9/p.png) **bold**"
#: A file name can hold no "/", but "http:host" is a URL to a browser all the same.
ATTACK_FILE = "**bold** [click me](http:127.0.0.1:9) ![p](http:127.0.0.1:9).mp4"


def _page_markdown(at: AppTest) -> list[str]:
    """The Markdown source of every element that renders it."""
    kinds = (at.markdown, at.caption, at.success, at.info, at.warning, at.error, at.subheader,
             at.title, at.sidebar.caption, at.sidebar.error, at.sidebar.warning)
    texts = [str(e.value) for kind in kinds for e in kind]
    texts += [str(m.label) for m in at.metric]
    return texts


def test_a_name_full_of_markdown_is_shown_as_typed() -> None:
    from rom.dashboard.text import literal

    at = _add_person(_app(), name=ATTACK)
    assert not at.exception
    assert f"Added {literal(ATTACK)}." in _texts(at.success)
    infos = _texts(at.info)
    assert f"No sessions saved for {literal(ATTACK)} yet." in " ".join(infos)
    assert f"Nothing to export for {literal(ATTACK)} yet." in infos
    # The select box shows plain text: the name itself, unescaped.
    select = at.sidebar.selectbox(key="person_select")
    assert select.format_func(select.value) == ATTACK
    # An upload whose name is Markdown is named literally in the refusal.
    at.file_uploader(key="upload_pre").set_value((ATTACK_FILE, b"not a video", "video/mp4"))
    at.run()
    assert any(e.startswith(f"“{literal(ATTACK_FILE)}” cannot be used") for e in _texts(at.error))
    # No unescaped link, image or emphasis of the attack is left anywhere on the page.
    import re

    rendered = _page_markdown(at)
    for raw in (r"(?<!\\)\]\(http", r"(?<!\\)\*\*bold", r"!(?<!\\)\[p", "http://"):
        assert not any(re.search(raw, text) for text in rendered), raw
