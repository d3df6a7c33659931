"""Camera profile files: a lens calibration saved as JSON, and read back.

Format (``"format": "rom-camera-profile"``, ``"format_version": 1``)::

    {
      "format": "rom-camera-profile", "format_version": 1, "rom_version": "0.1.0",
      "created_utc": "2026-11-25T17:00:00+00:00",
      "image_size": [width, height],            # pixels of the upright calibration images
      "camera_matrix": [[fx, 0, cx], [0, fy, cy], [0, 0, 1]],   # pixels
      "dist_coeffs": [k1, k2, p1, p2, k3],      # OpenCV's model
      "rms_reprojection_px": 0.15, "n_views": 7,
      "views_used": [...], "views_rejected": {...},
      "board": {"inner_corners": [cols, rows], "square_mm": 60.0}
    }

A profile is valid for videos of the same size or of the same aspect ratio at another
resolution (the intrinsics scale with the image); other sizes are refused.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rom.calibrate.intrinsics import IntrinsicsResult
from rom.calibration import Calibration
from rom.errors import CalibrationError
from rom.fileio import atomic_write_text
from rom.version import __version__

PROFILE_FORMAT = "rom-camera-profile"
PROFILE_FORMAT_VERSION = 1


@dataclass(frozen=True, eq=False)
class CameraProfile:
    """Lens intrinsics read from a profile file.

    Attributes
    ----------
    camera_matrix : ndarray, shape (3, 3)
        Pixels of an image of ``image_size``.
    dist_coeffs : ndarray, shape (N,)
    image_size : tuple of int
        ``(width, height)`` in pixels.
    rms_px : float
        Reprojection RMS of the calibration, pixels.
    n_views : int
    """

    camera_matrix: NDArray[np.float64]
    dist_coeffs: NDArray[np.float64]
    image_size: tuple[int, int]
    rms_px: float
    n_views: int

    def for_image_size(self, width: int, height: int) -> CameraProfile:
        """The same lens for frames of ``width`` x ``height`` pixels.

        Raises
        ------
        CalibrationError
            The aspect ratio differs (a different crop or orientation of the sensor).
        """
        cal_w, cal_h = self.image_size
        if (width, height) == (cal_w, cal_h):
            return self
        sx, sy = width / cal_w, height / cal_h
        if abs(sx - sy) > 0.01 * max(sx, sy):
            raise CalibrationError(
                f"the camera profile was made for {cal_w}x{cal_h} images and does not fit "
                f"{width}x{height} frames (different aspect ratio or orientation)"
            )
        matrix = self.camera_matrix.copy()
        # Pixel centres: x_new + 0.5 = s * (x_old + 0.5).
        matrix[0, 0] *= sx
        matrix[1, 1] *= sy
        matrix[0, 2] = (matrix[0, 2] + 0.5) * sx - 0.5
        matrix[1, 2] = (matrix[1, 2] + 0.5) * sy - 0.5
        return CameraProfile(
            matrix, self.dist_coeffs.copy(), (width, height), self.rms_px, self.n_views
        )

    def apply_to(self, calibration: Calibration | None = None) -> Calibration:
        """``calibration`` (or a default one) with this profile's lens intrinsics."""
        base = calibration if calibration is not None else Calibration()
        return replace(
            base, camera_matrix=self.camera_matrix.copy(), dist_coeffs=self.dist_coeffs.copy()
        )


def profile_to_dict(
    result: IntrinsicsResult, *, cols: int, rows: int, square_mm: float
) -> dict[str, Any]:
    """The JSON-ready content of a profile for ``result``."""
    return {
        "format": PROFILE_FORMAT,
        "format_version": PROFILE_FORMAT_VERSION,
        "rom_version": __version__,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "image_size": list(result.image_size),
        "camera_matrix": result.camera_matrix.tolist(),
        "dist_coeffs": result.dist_coeffs.tolist(),
        "rms_reprojection_px": result.rms_px,
        "n_views": result.n_views,
        "views_used": list(result.views_used),
        "per_view_rms_px": list(result.per_view_rms_px),
        "views_rejected": dict(result.views_rejected),
        "intrinsics_std_px": {
            name: float(v)
            for name, v in zip(("fx", "fy", "cx", "cy"), result.intrinsics_std, strict=True)
        },
        "board": {"inner_corners": [cols, rows], "square_mm": square_mm},
    }


def save_camera_profile(
    result: IntrinsicsResult,
    path: str | os.PathLike[str],
    *,
    cols: int,
    rows: int,
    square_mm: float,
) -> Path:
    """Write a profile JSON atomically (written beside ``path``, then renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(profile_to_dict(result, cols=cols, rows=rows, square_mm=square_mm), indent=2)
    atomic_write_text(path, text + "\n")
    return path


def load_camera_profile(path: str | os.PathLike[str]) -> CameraProfile:
    """Read a profile written by :func:`save_camera_profile`.

    Raises
    ------
    CalibrationError
        Missing file, not JSON, not a rom camera profile, or implausible numbers.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalibrationError(f"{path}: no such camera profile") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CalibrationError(f"{path}: not a readable camera profile ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != PROFILE_FORMAT:
        raise CalibrationError(f"{path}: not a rom camera profile")
    if data.get("format_version") != PROFILE_FORMAT_VERSION:
        raise CalibrationError(
            f"{path}: unsupported camera profile version {data.get('format_version')}"
        )
    try:
        matrix = np.asarray(data["camera_matrix"], dtype=np.float64)
        dist = np.asarray(data["dist_coeffs"], dtype=np.float64).ravel()
        width, height = (int(v) for v in data["image_size"])
        rms = float(data.get("rms_reprojection_px", math.nan))
        n_views = int(data.get("n_views", 0))
    except (KeyError, TypeError, ValueError) as exc:
        raise CalibrationError(f"{path}: damaged camera profile ({exc})") from None
    ok = (
        matrix.shape == (3, 3)
        and np.all(np.isfinite(matrix))
        and matrix[0, 0] > 0
        and matrix[1, 1] > 0
        and dist.size in (4, 5, 8, 12, 14)
        and np.all(np.isfinite(dist))
        and width > 0
        and height > 0
    )
    if not ok:
        raise CalibrationError(f"{path}: damaged camera profile (implausible camera matrix)")
    return CameraProfile(matrix, dist, (width, height), rms, n_views)
