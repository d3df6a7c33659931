"""What the dashboard does, without Streamlit: check uploads, analyse, measure, render.

Every function here is plain Python so tests call it directly; the section modules only
turn its results and its :class:`rom.errors.RomError` messages into page elements.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rom import render
from rom.analyze import analyze_video
from rom.calibrate import calibration_for_video
from rom.calibration import Calibration
from rom.errors import RomError, VideoError
from rom.fileio import atomic_write_bytes, sha256_bytes
from rom.measurement import Measurement, TrialResult
from rom.paths import cache_dir
from rom.pose import PoseTrack
from rom.protocols import measure
from rom.video import probe

#: File endings of phone and camera videos offered in the uploader.
VIDEO_TYPES: tuple[str, ...] = ("mp4", "mov", "m4v", "webm", "mkv", "avi")

#: The repository's bundled sample clips (see ``sample_videos/README.md``);
#: ``$ROM_SAMPLE_DIR`` points elsewhere.
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_videos"


def sample_dir() -> Path:
    return Path(os.environ.get("ROM_SAMPLE_DIR") or SAMPLE_DIR)

Progress = Callable[[int, int], None]


def _safe_name(name: str) -> str:
    """A file name without directories or odd characters (uploads come from anywhere)."""
    stem = Path(name).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "video"
    return cleaned[-120:]


def save_upload(name: str, data: bytes, *, limit_bytes: int) -> Path:
    """Check an uploaded video and keep it in the cache; return its path.

    Parameters
    ----------
    name : str
        The file name the browser sent (used in messages and for the extension).
    data : bytes
        The file's content.
    limit_bytes : int
        Largest accepted size.

    Raises
    ------
    VideoError
        Empty, too large, or not a readable video; the message names the file, not a path.
    """
    if not data:
        raise VideoError(f"“{name}” is empty (0 bytes). Choose the video file again.")
    if len(data) > limit_bytes:
        raise VideoError(
            f"“{name}” is {len(data) / 1e6:.0f} MB; the limit is {limit_bytes / 1e6:.0f} MB. "
            "Trim the clip to the test itself (5–15 seconds is plenty)."
        )
    digest = sha256_bytes(data)
    folder = cache_dir() / "uploads" / digest[:16]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _safe_name(name)
    if not path.exists() or path.stat().st_size != len(data):
        atomic_write_bytes(path, data)
    check_video(path, display_name=name)
    return path


def check_video(path: Path, *, display_name: str | None = None) -> None:
    """Raise a friendly :class:`VideoError` if ``path`` is not a video rom can read."""
    shown = display_name or path.name
    try:
        probe(path)
    except VideoError as exc:
        detail = str(exc).replace(f"{path}: ", "").replace(str(path), shown)
        raise VideoError(
            f"“{shown}” cannot be used: {detail}. Phone videos (MP4 or MOV) work best."
        ) from exc


@dataclass(frozen=True)
class AnalysisSettings:
    """Settings that change the pose track (model, fps) or only the measurement (height)."""

    model: str | None = None
    fps: float | None = None
    height_cm: float | None = None
    use_marker: bool = True

    def track_key(self) -> str:
        return json.dumps({"model": self.model, "fps": self.fps}, sort_keys=True)


@dataclass
class TrialAnalysis:
    """One analysed video: the pose track, the measurement and the pictures of it."""

    phase: str
    test: str
    side_requested: str
    video_path: Path
    video_name: str
    track: PoseTrack
    result: TrialResult
    rendered_video: Path | None = None
    key_frame_png: bytes | None = None
    render_error: str | None = None
    roll_deg: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def measurement(self) -> Measurement:
        return self.result.measurement


def analyse_track(
    path: Path, settings: AnalysisSettings, progress: Progress | None = None
) -> PoseTrack:
    """Run (or fetch from the on-disk cache) the pose track of one video."""
    return analyze_video(path, model=settings.model, fps=settings.fps, progress=progress)


def calibrate(path: Path, track: PoseTrack, settings: AnalysisSettings) -> Calibration:
    """The video's :class:`rom.calibration.Calibration` (rom's wall marker if in view)."""
    return calibration_for_video(path, track.frame_size, use_marker=settings.use_marker)


def measure_track(track: PoseTrack, test: str, side: str, settings: AnalysisSettings,
                  calibration: Calibration | None = None) -> TrialResult:
    """Measure ``test`` on ``track``; cheap, so it reruns whenever a setting changes."""
    return measure(track, test, side, calibration=calibration, height_cm=settings.height_cm)


def render_outputs(analysis: TrialAnalysis, progress: Progress | None = None) -> None:
    """Fill ``analysis.rendered_video`` and ``analysis.key_frame_png`` (cached on disk).

    A failure to draw never hides the measurement: it is kept in ``render_error``.
    """
    m = analysis.measurement
    key = sha256_bytes(
        json.dumps(
            [analysis.track.source_sha256, analysis.track.model_sha256,
             analysis.track.settings, m.test, m.side, m.peak_frame, m.value,
             analysis.roll_deg, render.DEFAULT_MAX_SIDE,
             render.RENDER_VERSION],
            sort_keys=True, default=str,
        ).encode()
    )[:24]
    folder = cache_dir() / "renders"
    video_out = folder / f"{key}.mp4"
    png_out = folder / f"{key}.png"
    try:
        if not video_out.exists():
            render.render_video(analysis.video_path, analysis.track, analysis.result, video_out,
                                roll_deg=analysis.roll_deg, progress=progress)
        analysis.rendered_video = video_out
        if png_out.exists():
            analysis.key_frame_png = png_out.read_bytes()
        else:
            image = render.key_frame(analysis.video_path, analysis.track, analysis.result,
                                     roll_deg=analysis.roll_deg)
            if image is not None:
                analysis.key_frame_png = render.png_bytes(image)
                atomic_write_bytes(png_out, analysis.key_frame_png)
    except (RomError, OSError, ValueError) as exc:
        analysis.render_error = f"The annotated video could not be made: {exc}"


@dataclass(frozen=True)
class SampleClip:
    """A bundled synthetic clip and its known true value."""

    path: Path
    test: str
    side: str
    phase: str
    true_value: float | None
    unit: str


def sample_clips(folder: Path | None = None) -> list[SampleClip]:
    """The bundled sample videos that have a JSON description beside them."""
    folder = folder if folder is not None else sample_dir()
    clips: list[SampleClip] = []
    if not folder.is_dir():
        return clips
    for meta_path in sorted(folder.glob("*.json")):
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        video = next(
            (p for p in sorted(folder.glob(f"{meta_path.stem}.*")) if p.suffix.lower() != ".json"),
            None,
        )
        if video is None or not isinstance(meta, dict) or "test" not in meta:
            continue
        name = meta_path.stem.lower()
        phase = str(meta.get("session") or meta.get("phase")
                    or ("post" if name.endswith("post") else "pre"))
        true_value = meta.get("true_value")
        clips.append(SampleClip(
            path=video, test=str(meta["test"]), side=str(meta.get("side", "auto")), phase=phase,
            true_value=float(true_value) if isinstance(true_value, (int, float)) else None,
            unit=str(meta.get("unit", "")),
        ))
    return clips


def sample_pair(
    test: str, side: str, folder: Path | None = None
) -> tuple[SampleClip, SampleClip] | None:
    """The pre and post sample clips of ``test`` (on ``side`` if it has one), or ``None``."""
    clips = [c for c in sample_clips(folder) if c.test == test]
    if side in ("left", "right") and any(c.side == side for c in clips):
        clips = [c for c in clips if c.side == side]
    pre = next((c for c in clips if c.phase == "pre"), None)
    post = next((c for c in clips if c.phase == "post" and (pre is None or c.side == pre.side)),
                None)
    return (pre, post) if pre is not None and post is not None else None
