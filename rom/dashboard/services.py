"""What the dashboard does, without Streamlit: check uploads, find the samples, hold results.

The analysis itself (track, calibrate, measure, render) is :mod:`rom.pipeline`'s.

Every function here is plain Python so tests call it directly; the section modules only
turn its results and its :class:`rom.errors.RomError` messages into page elements.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from rom.cache import private_parent, upload_dir
from rom.calibration import Calibration
from rom.errors import VideoError
from rom.fileio import atomic_write_bytes, sha256_bytes
from rom.measurement import Measurement, TrialResult
from rom.paths import sample_dir
from rom.pipeline import RenderedTrial, TrialAnalysis
from rom.pose import PoseTrack
from rom.video import probe
from rom.vocabulary import SIDES


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
    # Filed by content, so deleting the last person who used it removes it (rom.cache).
    path = private_parent(upload_dir(digest) / _safe_name(name))
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
class SampleTruth:
    """The value a synthetic sample clip's body was posed at (in ``unit``)."""

    value: float
    unit: str


@dataclass(frozen=True)
class AnalysedVideo:
    """One video of the session as the page shows it: the analysis and its pictures.

    Attributes
    ----------
    phase : str
        ``"pre"`` or ``"post"``.
    video_name : str
        The name the user knows the video by (the upload's name, not the cache path).
    analysis : rom.pipeline.TrialAnalysis
    rendered : rom.pipeline.RenderedTrial
    truth : SampleTruth or None
        Known true value of a bundled sample clip.
    trial : int
        Which clip of its phase this is (1-based; a phase has 1 to 3 clips).
    """

    phase: str
    video_name: str
    analysis: TrialAnalysis
    rendered: RenderedTrial = field(default_factory=RenderedTrial)
    truth: SampleTruth | None = None
    trial: int = 1

    @property
    def test(self) -> str:
        return self.analysis.test

    @property
    def video_path(self) -> Path:
        return self.analysis.video

    @property
    def track(self) -> PoseTrack:
        return self.analysis.track

    @property
    def result(self) -> TrialResult:
        return self.analysis.result

    @property
    def measurement(self) -> Measurement:
        return self.analysis.measurement

    @property
    def calibration(self) -> Calibration:
        return self.analysis.calibration

    @property
    def rendered_video(self) -> Path | None:
        return self.rendered.video

    @property
    def key_frame_png(self) -> bytes | None:
        return self.rendered.key_frame_png

    @property
    def render_error(self) -> str | None:
        return self.rendered.error


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
    if folder is None or not folder.is_dir():
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
    if side in SIDES and any(c.side == side for c in clips):
        clips = [c for c in clips if c.side == side]
    pre = next((c for c in clips if c.phase == "pre"), None)
    post = next((c for c in clips if c.phase == "post" and (pre is None or c.side == pre.side)),
                None)
    return (pre, post) if pre is not None and post is not None else None
