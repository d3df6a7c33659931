"""Record the pre and post videos with the webcam, skeleton and running angle drawn live.

streamlit-webrtc calls the frame callback on its own thread, so the recorder of each
phase lives in a module-level registry keyed by the browser session, not in
``st.session_state`` (which only the script thread may use).
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import streamlit as st

from rom import labels
from rom.cache import keep_recording
from rom.dashboard.live import LiveRecorder
from rom.dashboard.text import literal
from rom.errors import RomError
from rom.i18n import _
from rom.paths import cache_dir
from rom.vocabulary import PHASES

_RECORDERS: dict[str, LiveRecorder] = {}
_REGISTRY_LOCK = threading.Lock()
CLIPS = "webcam_clips"  # st.session_state: {phase: (path, seconds)}


def _session_key() -> str:
    key: str = st.session_state.setdefault("_webcam_session", uuid.uuid4().hex)
    return key


def record(test: str, side: str) -> list[tuple[str, Path, str]]:
    """Draw the webcam recorder; returns ``(phase, path, name)`` of the clips recorded."""
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    clips: dict[str, tuple[str, float]] = st.session_state.setdefault(CLIPS, {})
    phase = st.radio(_("Recording"), PHASES, horizontal=True, key="webcam_phase",
                     format_func=lambda p: _("Before the technique") if p == "pre"
                     else _("After the technique"))
    st.caption(_("Press START, do the test side-on to the camera ({tip}), then press STOP. "
                 "The skeleton and angle shown live are a preview; the measurement is made "
                 "from the recording.").format(
        tip=labels.FILMING_TIPS.get(test, "")[:-1].lower()))
    key = f"{_session_key()}-{phase}"

    def callback(frame: Any) -> Any:
        recorder = _RECORDERS.get(key)
        if recorder is None:
            return frame
        import av

        image = frame.to_ndarray(format="rgb24")
        stamp = float(frame.time) if frame.time is not None else time.monotonic()
        drawn = recorder.process(image, stamp)
        out = av.VideoFrame.from_ndarray(drawn, format="rgb24")
        out.pts, out.time_base = frame.pts, frame.time_base
        return out

    ctx = webrtc_streamer(
        key=f"webcam_{phase}", mode=WebRtcMode.SENDRECV,
        # Local only, in the browser and in the server: no STUN server is needed, and
        # streamlit-webrtc's server side would otherwise ask a public one.
        rtc_configuration={"iceServers": []},
        server_rtc_configuration={"iceServers": []},
        media_stream_constraints={"video": True, "audio": False},
        video_frame_callback=callback, async_processing=True,
    )
    recorder = _RECORDERS.get(key)
    if ctx.state.playing:
        if recorder is None or recorder.finished:
            try:
                from rom.posemodels import resolve_model

                model = resolve_model(None)
            except RomError as exc:
                st.error(literal(exc))
            else:
                out = cache_dir() / "webcam" / f"{key}-{uuid.uuid4().hex[:8]}.mp4"
                with _REGISTRY_LOCK:
                    _RECORDERS[key] = LiveRecorder(model.path, out)
        if key in _RECORDERS:
            _RECORDERS[key].configure(test, side)
    elif recorder is not None and not recorder.finished:
        path = recorder.finish()
        if path is not None:
            # Filed by content, so deleting the person who used it removes it (rom.cache).
            path = keep_recording(path, f"webcam-{phase}.mp4")
            clips[phase] = (str(path), recorder.duration_s)

    found: list[tuple[str, Path, str]] = []
    cols = st.columns(2)
    for col, p in zip(cols, PHASES, strict=True):
        if p in clips:
            path_text, seconds = clips[p]
            col.caption((_("Before clip recorded ({seconds} s)") if p == "pre"
                         else _("After clip recorded ({seconds} s)")).format(
                seconds=f"{seconds:.1f}"))
            col.video(path_text)
            found.append((p, Path(path_text), f"webcam-{p}.mp4"))
    return found
