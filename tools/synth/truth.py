"""True values of each test's measurement, from 3D landmark positions (pure numpy).

Input is ``(T, 33, 3)`` landmark positions in the synth world frame (metres, ``+Z`` up,
``-Y`` forward, ``+X`` body's left; see :mod:`tools.synth.body`).  Everything is measured
in the sagittal plane: a point's sagittal coordinates are ``forward = -y`` and ``up = z``.

Definitions (the protocol's, shared with ``rom.protocols``)
-------------------------------------------------------------
* ankle-dorsiflexion: tibial inclination, the angle of the knee-ankle segment from true
  vertical; 0 = shin vertical, positive = knee forward of the ankle.  Measured moment:
  maximum inclination.
* knee-flexion: 180 deg minus the hip-knee-ankle angle; 0 = straight leg.  Measured
  moment: maximum flexion.
* hip-extension: angle of the thigh (hip -> knee) behind the trunk line (shoulder
  midpoint -> hip midpoint, extended down); 0 = thigh in line with the trunk, positive =
  knee behind.  Also reported against true vertical.  Measured moment: maximum extension.
* hip-flexion: the same angle with the opposite sign, the thigh *in front of* the trunk
  line; 0 = thigh in line with the trunk, positive = knee in front.  Measured moment:
  maximum flexion.
* toe-touch: height of the index fingertip (the finger's tip, not MediaPipe's ``INDEX``
  landmark, which is its first knuckle) above the floor in cm; negative below the
  floor level.  Secondary: trunk flexion (hip midpoint -> shoulder midpoint from vertical,
  positive forward).  Measured moment: lowest fingertip.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# The tests and units of rom's catalogue (rom.protocols.CATALOGUE), repeated here because
# this module runs in the generator's venv, which cannot import rom.protocols (no scipy).
# tests/test_catalogue.py checks that they stay equal.
TESTS = ("ankle-dorsiflexion", "knee-flexion", "hip-extension", "hip-flexion", "toe-touch")
UNITS = {
    "ankle-dorsiflexion": "deg",
    "knee-flexion": "deg",
    "hip-extension": "deg",
    "hip-flexion": "deg",
    "toe-touch": "cm",
}

# MediaPipe indices (person's left first).
_IDX = {
    "shoulder": (11, 12),
    "hip": (23, 24),
    "knee": (25, 26),
    "ankle": (27, 28),
    "heel": (29, 30),
    "foot_index": (31, 32),
}


def _pt(xyz: NDArray[np.float64], name: str, side: str) -> NDArray[np.float64]:
    return xyz[:, _IDX[name][0 if side == "left" else 1]]


def _mid(xyz: NDArray[np.float64], name: str) -> NDArray[np.float64]:
    return 0.5 * (xyz[:, _IDX[name][0]] + xyz[:, _IDX[name][1]])


def _sag(v: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(forward, up) components of vectors of shape (T, 3)."""
    return -v[:, 1], v[:, 2]


def inclination_from_up_deg(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Angle of ``v`` from true up in the sagittal plane; positive = leaning forward."""
    f, u = _sag(v)
    return np.degrees(np.arctan2(f, u))


def angle_behind_down_deg(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Angle of ``v`` from true down in the sagittal plane; positive = pointing backwards."""
    f, u = _sag(v)
    return np.degrees(np.arctan2(-f, -u))


def per_frame(
    xyz: NDArray[np.float64],
    test: str,
    side: str,
    fingertips: NDArray[np.float64] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Per-frame true values: ``{"value": (T,), <secondary name>: (T,), ...}``.

    ``fingertips`` (T, 2, 3), left then right index fingertip, is needed for toe-touch:
    MediaPipe's ``INDEX`` landmark (and so ``xyz[:, 19/20]``) is the knuckle, not the tip.
    """
    if test == "ankle-dorsiflexion":
        shin = _pt(xyz, "knee", side) - _pt(xyz, "ankle", side)
        return {"value": inclination_from_up_deg(shin)}
    if test == "knee-flexion":
        thigh = _pt(xyz, "hip", side) - _pt(xyz, "knee", side)
        shank = _pt(xyz, "ankle", side) - _pt(xyz, "knee", side)
        a = np.stack(_sag(thigh), axis=1)
        b = np.stack(_sag(shank), axis=1)
        cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        return {"value": 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))}
    if test == "hip-extension":
        thigh = _pt(xyz, "knee", side) - _pt(xyz, "hip", side)
        trunk_down = _mid(xyz, "hip") - _mid(xyz, "shoulder")
        vs_vertical = angle_behind_down_deg(thigh)
        return {
            "value": vs_vertical - angle_behind_down_deg(trunk_down),
            "hip_extension_vs_vertical_deg": vs_vertical,
            "trunk_lean_forward_deg": inclination_from_up_deg(-trunk_down),
        }
    if test == "hip-flexion":
        thigh = _pt(xyz, "knee", side) - _pt(xyz, "hip", side)
        trunk_down = _mid(xyz, "hip") - _mid(xyz, "shoulder")
        return {"value": angle_behind_down_deg(trunk_down) - angle_behind_down_deg(thigh)}
    if test == "toe-touch":
        if fingertips is None:
            raise ValueError("toe-touch needs the index fingertips")
        fingertip_cm = 100.0 * fingertips[:, 0 if side == "left" else 1, 2]
        trunk_up = _mid(xyz, "shoulder") - _mid(xyz, "hip")
        return {"value": fingertip_cm, "trunk_flexion_deg": inclination_from_up_deg(trunk_up)}
    raise ValueError(f"unknown test {test!r}")


def peak_index(values: NDArray[np.float64], test: str) -> int:
    """Frame of the measured moment: the maximum, or the minimum for toe-touch."""
    return int(np.argmin(values) if test == "toe-touch" else np.argmax(values))
