"""The webcam screen's order (AppTest): before, then after, then both with a retake.

streamlit-webrtc needs a real server session, so its recorder is left out here (drawn as
nothing); tests/test_capture_browser.py records with it in Chromium.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rom.dashboard import record, webcam
from tests.test_app import _add_person, _app
from tests.test_app import _isolated as _isolated  # its own data and cache, every test
from tests.test_app_sessions import RECORDED, _clip


def _texts(at: object) -> str:
    return "\n".join(str(m.value) for kind in ("markdown", "caption", "info", "success")
                     for m in getattr(at, kind))


def test_after_follows_before_on_one_screen_and_a_retake_goes_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webcam, "_recorder", lambda phase, test, side: False)
    at = _add_person(_app(), name="Cam Coach")
    at.radio(key="source").set_value(record.SOURCE_WEBCAM).run()
    assert not at.exception
    assert "Recording 1 of 2: **Before the technique**" in _texts(at)
    assert not [r for r in at.radio if r.key == "webcam_phase"]  # no phase to choose

    clip = str(_clip(tmp_path / "clip.mp4", RECORDED))
    at.session_state[webcam.CLIPS] = {"pre": (clip, 2.0, (1280, 720))}
    at.run()
    shown = _texts(at)
    assert "Recording 2 of 2: **After the technique**" in shown
    assert webcam.TEXT["next"] in shown and "Before clip recorded (2.0 s, 1280×720)" in shown
    assert not at.warning  # 720 lines: no size warning

    at.session_state[webcam.CLIPS] = {"pre": (clip, 2.0, (1280, 720)),
                                      "post": (clip, 3.0, (640, 360))}
    at.run()
    shown = _texts(at)
    assert webcam.TEXT["both"] in shown and "Recording" not in shown
    assert [w.value for w in at.warning] == [webcam.TEXT["small"].format(width=640, height=360)]

    at.button(key="webcam_retake_pre").click().run()
    assert not at.exception
    assert set(at.session_state[webcam.CLIPS]) == {"post"}
    assert "Recording 1 of 2: **Before the technique**" in _texts(at)


def test_a_retaken_recording_is_deleted_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rom.cache import keep_recording

    monkeypatch.setattr(webcam, "_recorder", lambda phase, test, side: False)
    at = _add_person(_app(), name="Cam Coach")
    at.radio(key="source").set_value(record.SOURCE_WEBCAM).run()
    first = keep_recording(_clip(tmp_path / "first.mp4", RECORDED), "webcam-pre.mp4")
    other = tmp_path / "kept-by-the-user.mp4"  # not a recording of rom's: never deleted
    other.write_bytes(b"not rom's")
    assert first.exists() and first.is_relative_to(tmp_path / "cache" / "webcam")
    at.session_state[webcam.CLIPS] = {"pre": (str(first), 2.0, (1280, 720)),
                                      "post": (str(other), 3.0, (1280, 720))}
    at.run()
    at.button(key="webcam_retake_pre").click().run()
    assert not at.exception
    assert not first.exists() and not first.parent.exists()  # its content folder too
    assert at.session_state[webcam.REPLACED] == []
    at.button(key="webcam_retake_post").click().run()
    assert other.exists()
    assert at.session_state[webcam.REPLACED] == []


def test_a_retaken_recording_still_analysed_on_the_page_is_kept_until_replaced(
        tmp_path: Path) -> None:
    recording = tmp_path / "cache" / "webcam" / "abc" / "webcam-pre.mp4"
    recording.parent.mkdir(parents=True)
    recording.write_bytes(b"clip")
    # Its analysis is still on the page (the review and the correction read its frames).
    assert webcam.delete_replaced([str(recording)], [recording]) == [str(recording)]
    assert recording.exists()
    # Analysed again with the new clip: nothing uses it, it goes.
    assert webcam.delete_replaced([str(recording)], [tmp_path / "new.mp4"]) == []
    assert not recording.exists()
