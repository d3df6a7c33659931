"""Record the before and after videos with the webcam, one after the other on one screen.

Each recording starts with a 3-2-1 countdown drawn on the live view, then shows the
skeleton, the running angle and its peak (:mod:`rom.dashboard.live`).  Once the before
clip is recorded the same screen asks for the after clip; a recorded clip can be retaken.

streamlit-webrtc calls the frame callback on its own thread, so the recorder of each
phase lives in a module-level registry keyed by the browser session, not in
``st.session_state`` (which only the script thread may use).
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import streamlit as st

from rom import labels
from rom.cache import WEBCAM, keep_recording
from rom.dashboard.live import LiveRecorder
from rom.dashboard.text import literal
from rom.errors import RomError
from rom.i18n import N_, Texts
from rom.paths import cache_dir
from rom.vocabulary import PHASES, Phase

if TYPE_CHECKING:
    from streamlit_webrtc.config import Translations

_RECORDERS: dict[str, LiveRecorder] = {}
_REGISTRY_LOCK = threading.Lock()
CLIPS = "webcam_clips"  # st.session_state: {phase: (path, seconds, (width, height))}
REPLACED = "_webcam_replaced"  # st.session_state: [path] of retaken clips, to be deleted
#: Asked of the camera.  ``ideal``, never ``exact``: a camera (or Chromium's fake one) that
#: cannot give 1280×720 still gives its best instead of failing.  Below 720 lines rom's
#: wall marker is too small to be found.
VIDEO_CONSTRAINTS: dict[str, Any] = {"width": {"ideal": 1280}, "height": {"ideal": 720}}
MARKER_MIN_HEIGHT_PX = 720
TEXT = Texts({
    "pre": N_("Before the technique"),
    "post": N_("After the technique"),
    "now": N_("Recording {step} of 2: **{phase}**"),
    "how": N_("Press START and get into position during the 3-2-1 countdown; "
              "then do the test side-on to the camera ({tips}) and press STOP. The skeleton, "
              "angle and peak shown live are a preview; the measurement is made from the "
              "recording."),
    "next": N_("Now the after clip: do the technique, then press START again."),
    "both": N_("Both clips recorded. Retake either if needed, then analyse them below."),
    "recorded": N_("{phase} clip recorded ({seconds:.1f} s, {width}×{height})"),
    # WebRTC sends less than the camera films when the computer or the light is poor.
    "small": N_("This clip is {width}×{height}: rom's wall marker may not be found below "
                "1280×720. Light the room well and retake it, or film with a phone and "
                "upload the videos."),
    "retake": N_("Retake the {phase} clip"),
    # The recorder itself shows the browser's own words when START finds no camera.
    "no_camera": N_("No camera? If the recorder says “Requested device not found” or "
                    "“Permission denied”, the browser found no camera or may not use it: "
                    "plug one in or allow it in the address bar, then press START again; or "
                    "choose “Upload my videos” above."),
    "too_short": N_("Stopped during the countdown: nothing was recorded. Press START again."),
})
#: The recorder's own messages in its SELECT DEVICE dialog when the camera fails.
TRANSLATIONS = Texts({
    "device_not_available": N_("No camera found. Plug one in (or close the program using "
                               "it) and press START again, or choose “Upload my videos”."),
    "device_access_denied": N_("The browser may not use the camera. Allow it in the address "
                               "bar and press START again, or choose “Upload my videos”."),
    "media_api_not_available": N_("This browser gives no camera access here (it needs "
                                  "localhost or https). Choose “Upload my videos” instead."),
})


def next_phase(recorded: Collection[str]) -> Phase | None:
    """The phase to record next: the first of before, after not recorded; None when both are."""
    return next((p for p in PHASES if p not in recorded), None)


def _retake(phase: str) -> None:
    clip = st.session_state.setdefault(CLIPS, {}).pop(phase, None)
    if clip is not None:  # a recording of a person: deleted once nothing shows it
        st.session_state.setdefault(REPLACED, []).append(str(clip[0]))


def delete_replaced(paths: Iterable[str], in_use: Collection[Path]) -> list[str]:
    """Delete the retaken recordings ``paths`` that nothing uses any more; returns the rest.

    A path still in ``in_use`` (a clip shown, or an analysis held on this page, whose
    video the review and the landmark correction read) is kept for a later call.  Only
    files in the cache's webcam folder are deleted (with their folder, once empty); a
    recording is health data and must not outlive its use.
    """
    webcam_dir = (cache_dir() / WEBCAM).resolve()
    used = {Path(p).resolve() for p in in_use}
    kept = []
    for text in paths:
        path = Path(text).resolve()
        if path in used:
            kept.append(text)
            continue
        if not path.is_relative_to(webcam_dir) or path == webcam_dir:
            continue  # not a recording of rom's: never deleted here
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # not empty (another recording there): kept
            path.parent.rmdir()
    return kept


def _delete_replaced_recordings(clips: Mapping[str, tuple[str, float, tuple[int, int]]]) -> None:
    replaced = st.session_state.get(REPLACED)
    if not replaced:
        return
    from rom.dashboard import state

    in_use = [Path(clip[0]) for clip in clips.values()]
    in_use += [a.video_path for a in state.analyses().values()]
    in_use += [a.video_path for held in state.extra_trials().values() for a in held]
    st.session_state[REPLACED] = delete_replaced(replaced, in_use)


def _session_key() -> str:
    key: str = st.session_state.setdefault("_webcam_session", uuid.uuid4().hex)
    return key


def record(test: str, side: str) -> list[tuple[str, Path, str]]:
    """Draw the webcam recorder; returns ``(phase, path, name)`` of the clips recorded."""
    clips: dict[str, tuple[str, float, tuple[int, int]]] = st.session_state.setdefault(CLIPS, {})
    _delete_replaced_recordings(clips)
    phase = next_phase(clips)
    if phase is None:
        st.success(TEXT["both"], icon=":material/check_circle:")
    else:
        if phase == "post":
            st.info(TEXT["next"], icon=":material/arrow_forward:")
        st.markdown(TEXT["now"].format(step=PHASES.index(phase) + 1, phase=TEXT[phase]))
        st.caption(TEXT["how"].format(tips=labels.FILMING_TIPS.get(test, "")[:-1].lower()))
        if _recorder(phase, test, side):
            # Before and after from this one screen: the next run shows the next recorder.
            st.rerun()
        st.caption(TEXT["no_camera"])

    found: list[tuple[str, Path, str]] = []
    for col, p in zip(st.columns(2), PHASES, strict=True):
        if p in clips:
            path_text, seconds, (width, height) = clips[p]
            col.caption(TEXT["recorded"].format(phase=labels.phase_word(p).capitalize(),
                                                seconds=seconds, width=width, height=height))
            if height < MARKER_MIN_HEIGHT_PX:
                col.warning(TEXT["small"].format(width=width, height=height))
            col.video(path_text)
            col.button(TEXT["retake"].format(phase=labels.phase_word(p)),
                       key=f"webcam_retake_{p}", icon=":material/replay:",
                       on_click=_retake, args=(p,))
            found.append((p, Path(path_text), f"webcam-{p}.mp4"))
    return found


def _recorder(phase: Phase, test: str, side: str) -> bool:
    """Draw the live recorder of ``phase``; True when its clip was just recorded."""
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

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

    # One component per phase (its own key), so the after recorder starts fresh.
    ctx = webrtc_streamer(
        key=f"webcam_{phase}", mode=WebRtcMode.SENDRECV,
        # Local only, in the browser and in the server: no STUN server is needed, and
        # streamlit-webrtc's server side would otherwise ask a public one.
        rtc_configuration={"iceServers": []},
        server_rtc_configuration={"iceServers": []},
        media_stream_constraints={"video": VIDEO_CONSTRAINTS, "audio": False},
        translations=cast("Translations", dict(TRANSLATIONS)),
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
        return False
    if recorder is None or recorder.finished:
        return False
    path = recorder.finish()
    if path is None or recorder.frame_size is None:
        st.warning(TEXT["too_short"])
        return False
    # Filed by content, so deleting the person who used it removes it (rom.cache).
    path = keep_recording(path, f"webcam-{phase}.mp4")
    clips: dict[str, Any] = st.session_state[CLIPS]
    clips[phase] = (str(path), recorder.duration_s, recorder.frame_size)
    return True
