"""Read calibration input: still images or frames sampled from a video, as grey pixels.

The only module of :mod:`rom.calibrate` that touches files. Videos go through
:func:`rom.video.iter_frames`, so they are upright exactly as the measurements see them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from rom.calibrate.vertical import to_gray
from rom.errors import CalibrationError

#: File name endings read as still images; anything else is opened as a video.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})


def read_gray_image(path: str | os.PathLike[str]) -> NDArray[np.uint8]:
    """Read one still image as grey pixels (EXIF orientation applied by OpenCV).

    Raises
    ------
    CalibrationError
        The file is missing or cannot be decoded as an image.
    """
    path = Path(path)
    if not path.is_file():
        raise CalibrationError(f"{path}: no such file")
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None or image.size == 0:
        raise CalibrationError(f"{path}: cannot be read as an image (corrupt or unsupported)")
    return np.asarray(image, dtype=np.uint8)


def iter_gray_frames(
    paths: list[str | os.PathLike[str]], *, video_fps: float = 2.0, max_video_frames: int = 60
) -> Iterator[tuple[str, NDArray[np.uint8]]]:
    """Yield ``(source, grey image)`` for every still image and sampled video frame.

    Parameters
    ----------
    paths : list of path-like
        Images (by suffix, see :data:`IMAGE_SUFFIXES`) and videos, in the given order.
    video_fps : float
        Frames per second of video to sample.
    max_video_frames : int
        At most this many frames are taken from one video.

    Raises
    ------
    CalibrationError
        An image cannot be read.
    rom.errors.VideoError
        A video cannot be read.
    """
    from rom.video import iter_frames  # imported here: only videos need the decoder

    for raw in paths:
        path = Path(raw)
        if path.suffix.lower() in IMAGE_SUFFIXES:
            yield path.name, read_gray_image(path)
            continue
        for taken, frame in enumerate(iter_frames(path, fps=video_fps)):
            if taken >= max_video_frames:
                break
            yield f"{path.name}#t={frame.time_s:.2f}s", to_gray(frame.image)
