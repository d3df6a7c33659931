"""Shared pytest set-up: isolated rom directories, the pose model, real and built videos.

Fixtures here are generic; add your own below the existing ones.

* ``rom_env`` — ``ROM_CACHE_DIR``/``ROM_DATA_DIR`` in ``tmp_path``, ``ROM_MODEL_DIR`` at the
  provisioned model (so tests never touch the user's cache nor rebuild the model).
* ``pose_model`` — the :class:`rom.posemodels.ResolvedModel` set-up provisioned (session).
* ``ffmpeg`` — path of the ``ffmpeg`` binary (tests needing it skip, visibly, without it).
* ``make_video`` — write frames to a video file with PyAV (codec, container, exact PTS).
* ``sports2d_demo`` — real footage: Sports2D's demo clip (1768x994 VP9, 30 fps, 230
  frames, two people, backlit), fetched from the PyPI wheel via :mod:`tests.datasets`.
* ``demo_clip`` — its first 2.5 s re-encoded as H.264 MP4 (fast-start), for quick runs.
* ``data_dir`` and ``store`` — a data directory and an open store on each ``db_url``.

Browser tests (marker ``browser``) are run again, at most twice, when they fail on a
Playwright *timeout* only: on a loaded 2-core machine a rerun of the app can take longer
than any wait a test can afford, while a wrong value or a missing element on a page that
did load still fails at once (``only_rerun`` matches the error's type name).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from rom.store import Store
from tests import datasets

# The throw-away PostgreSQL server (one per test session) and the db_url fixture.
pytest_plugins = ["tests.pg"]

# The tests read rom's English words, whatever language the machine is set to (rom.i18n);
# servers and apps started by the tests inherit it.
os.environ["ROM_LANG"] = "en"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.flaky(reruns=2, only_rerun=["TimeoutError"]))


@pytest.fixture(scope="session")
def pose_model():  # type: ignore[no-untyped-def]
    """The pose model set-up provisioned (resolved once, with the caller's environment)."""
    from rom.posemodels import resolve_model

    return resolve_model()


@pytest.fixture
def rom_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pose_model) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """Point rom's cache and data dirs into ``tmp_path``; keep the provisioned model."""
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ROM_MODEL_DIR", str(Path(pose_model.path).parent))
    yield tmp_path


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    path = shutil.which("ffmpeg")
    if path is None:
        message = "ffmpeg is not installed (apt-get install ffmpeg)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must build every fixture
        pytest.skip(message)
    return path


def run_ffmpeg(ffmpeg: str, *args: str | os.PathLike[str]) -> None:
    """Run ffmpeg quietly, failing the test with its message on error."""
    done = subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *map(str, args)],
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise AssertionError(f"ffmpeg {' '.join(map(str, args))} failed: {done.stderr}")


VideoMaker = Callable[..., Path]


def write_video(
    path: Path,
    frames: Sequence[np.ndarray],
    *,
    fps: float = 30.0,
    codec: str = "libx264",
    times_s: Sequence[float] | None = None,
    pix_fmt: str = "yuv420p",
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
) -> Path:
    """Encode RGB ``frames`` (each (H, W, 3) uint8) into ``path`` with PyAV.

    ``times_s`` gives each frame's presentation time (variable frame rate); the stream's
    time base is then 1/90000 s, so the times are stored to within 11 µs. ``options`` go
    to the encoder (e.g. ``{"crf": "18"}``), ``container_options`` to the muxer (e.g.
    ``{"movflags": "+faststart"}``).
    """
    path = Path(path)
    height, width = frames[0].shape[:2]
    with av.open(str(path), mode="w", container_options=container_options or {}) as container:
        stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if options:
            stream.options = options
        if times_s is not None:
            stream.time_base = Fraction(1, 90000)
            stream.codec_context.time_base = Fraction(1, 90000)
        for i, pixels in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")
            if times_s is not None:
                frame.pts = round(times_s[i] * 90000)
                frame.time_base = Fraction(1, 90000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture
def make_video(tmp_path: Path) -> VideoMaker:
    """``make_video(name, frames, **kwargs)`` writes ``tmp_path / name`` (see write_video)."""

    def make(name: str, frames: Sequence[np.ndarray], **kwargs: object) -> Path:
        return write_video(tmp_path / name, frames, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def sports2d_demo() -> Path:
    return datasets.wheel_member(*datasets.SPORTS2D, "Sports2D/Demo/demo.mp4")


@pytest.fixture(scope="session")
def demo_clip(sports2d_demo: Path, ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's first 2.5 s (75 frames, the man on the box) as fast-start H.264 MP4."""
    out = tmp_path_factory.mktemp("demo") / "demo_2s5.mp4"
    run_ffmpeg(
        ffmpeg, "-i", sports2d_demo, "-t", "2.5", "-an", "-c:v", "libx264", "-preset",
        "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-movflags", "+faststart", out,
    )
    return out


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """rom's data directory for one test (``ROM_DATA_DIR``), with no database URL set."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("ROM_DATA_DIR", str(folder))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)
    return folder


@pytest.fixture
def store(db_url: str, data_dir: Path) -> Iterator[Store]:
    """An open store on each database ``db_url`` offers (SQLite, and PostgreSQL)."""
    with Store(db_url) as opened:
        yield opened
