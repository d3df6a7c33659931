"""One browser-playable H.264 MP4 writer for the annotated video and the webcam recording.

H.264 (``libx264``, ``yuv420p``, ``movflags=+faststart``) written with PyAV, because that
is what browsers play; OpenCV's ``mp4v`` does not play in Chromium.  The file is written
through :func:`rom.fileio.atomic_output`: it appears at ``path`` only when closed cleanly.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import av
import numpy as np
from numpy.typing import NDArray

from rom.fileio import atomic_output

#: Encoder options of the annotated video (small files, quick encoding).
DEFAULT_OPTIONS: Mapping[str, str] = {"crf": "23", "preset": "veryfast"}

#: Timestamps are kept in milliseconds, so variable frame timing survives.
_TIME_BASE = Fraction(1, 1000)


class H264Writer:
    """Write RGB frames with their timestamps to an H.264 MP4.

    Use as a context manager (``with H264Writer(...) as writer: writer.write(...)``), or
    call :meth:`open` and :meth:`close` when the frames arrive over time.  Leaving the
    ``with`` block by an exception discards the file.

    Parameters
    ----------
    path : path
        Destination ``.mp4``; its folder is created.
    fps : float
        Nominal frame rate (frames per second) declared for the stream; the frames' own
        timestamps decide when each is shown.
    size : (int, int)
        ``(width, height)`` in pixels; both even (``yuv420p`` needs it).  Larger images are
        cropped to it from the top-left corner.
    options : mapping, optional
        libx264 options (default :data:`DEFAULT_OPTIONS`); ``{}`` keeps libx264's own.
    permissions : int, optional
        Mode bits of the finished file (as for :func:`rom.fileio.atomic_output`).
    """

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int], *,
                 options: Mapping[str, str] | None = None,
                 permissions: int | None = 0o600) -> None:
        width, height = size
        if width <= 0 or height <= 0 or width % 2 or height % 2:
            raise ValueError(f"H.264 needs a positive, even frame size, not {width}x{height}")
        self.path = Path(path)
        self.fps = fps
        self.size = (width, height)
        self.options = dict(DEFAULT_OPTIONS if options is None else options)
        self.permissions = permissions
        self.frames_written = 0
        self._exit: ExitStack | None = None
        self._container: Any = None
        self._stream: Any = None
        self._last_pts = -1

    def open(self) -> None:
        """Open the temporary output file and the encoder."""
        if self._exit is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        stack = ExitStack()
        try:
            handle = stack.enter_context(atomic_output(self.path, permissions=self.permissions))
            container = stack.enter_context(
                av.open(handle, mode="w", format="mp4", options={"movflags": "+faststart"})
            )
            stream = container.add_stream("libx264", rate=Fraction(round(self.fps * 1000), 1000))
            stream.width, stream.height = self.size
            stream.pix_fmt = "yuv420p"
            stream.options = dict(self.options)
            stream.codec_context.time_base = _TIME_BASE
        except BaseException:
            stack.close()
            raise
        self._exit, self._container, self._stream = stack, container, stream

    def write(self, image: NDArray[np.uint8], time_s: float) -> None:
        """Encode one RGB ``uint8`` image shown at ``time_s`` seconds.

        Timestamps must increase; one that does not is moved 1 ms after the previous frame.
        """
        if self._exit is None:
            self.open()
        width, height = self.size
        frame = av.VideoFrame.from_ndarray(
            np.ascontiguousarray(image[:height, :width]), format="rgb24"
        )
        pts = max(self._last_pts + 1, round(float(time_s) * 1000))
        frame.pts, frame.time_base = pts, _TIME_BASE
        self._last_pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder and move the finished file to :attr:`path`."""
        if self._exit is None:
            return
        stack, self._exit = self._exit, None
        with stack:
            for packet in self._stream.encode():
                self._container.mux(packet)

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        elif self._exit is not None:
            stack, self._exit = self._exit, None
            stack.__exit__(exc_type, exc, tb)
