"""True values of each test's measurement, from 3D landmark positions (pure numpy).

Input is ``(T, 33, 3)`` landmark positions in the synth world frame (metres, ``+Z`` up,
``-Y`` forward, ``+X`` body's left; see :mod:`tools.synth.body`).  Everything is measured
in the sagittal plane: a point's sagittal coordinates are ``forward = -y`` and ``up = z``.

Definitions (the protocol's, shared with ``rom.protocols``)
-------------------------------------------------------------
* ankle-dorsiflexion: tibial inclination, the angle of the knee-ankle segment from true
  vertical; 0 = shin vertical, positive = knee forward of the ankle.  Measured moment:
  maximum inclination.
* knee-flexion (and knee-flexion-prone, the same angle lying face down): 180 deg minus
  the hip-knee-ankle angle; 0 = straight leg.  Measured moment: maximum flexion.
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
TESTS = (
    "ankle-dorsiflexion",
    "knee-flexion",
    "knee-flexion-prone",
    "hip-extension",
    "hip-flexion",
    "toe-touch",
)
UNITS = {
    "ankle-dorsiflexion": "deg",
    "knee-flexion": "deg",
    "knee-flexion-prone": "deg",
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
        heel_z = _pt(xyz, "heel", side)[:, 2]
        return {
            "value": inclination_from_up_deg(shin),
            "heel_rise_cm": 100.0 * (heel_z - heel_z[0]),
        }
    if test in ("knee-flexion", "knee-flexion-prone"):  # the same angle, lying or standing
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


#: Phenotype thresholds that make a body "heavy" (Anny weight) or "older" (Anny age;
#: 2/3 is a young adult, 1 the oldest body Anny makes).
HEAVY_WEIGHT = 0.75
OLDER_AGE = 0.85


def body_kind(phenotype: dict[str, float]) -> str:
    """``"typical"``, ``"heavy"``, ``"older"`` or ``"heavy+older"`` from Anny's phenotype."""
    kinds = [
        name
        for name, hit in (
            ("heavy", phenotype.get("weight", 0.5) >= HEAVY_WEIGHT),
            ("older", phenotype.get("age", 2 / 3) >= OLDER_AGE),
        )
        if hit
    ]
    return "+".join(kinds) or "typical"


def conditions(doc: dict[str, object]) -> dict[str, object]:
    """The filming conditions of a clip from its truth JSON (``doc["conditions"]`` when
    the generator wrote it; derived from ``spec`` with the ideal defaults for older clips).

    Keys: ``yaw_deg`` (camera off side-on, positive towards the person's front),
    ``roll_deg`` (camera roll as commanded, degrees), ``resolution`` (``"WxH"``),
    ``orientation``, ``crf`` (H.264 constant rate factor), ``light`` (even, dim, backlit,
    warm), ``noise_sigma`` (8-bit levels), ``close_camera`` (frame margin under 2 %),
    ``second_person``, ``step_height_m``, ``heel_lift_deg`` (the front foot's heel-up
    pitch at the peak of a knee-to-wall lunge), ``marker`` and ``body`` (:func:`body_kind`).
    """
    given = doc.get("conditions")
    if isinstance(given, dict):
        return dict(given)
    spec = doc.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    phenotype = spec.get("phenotype")
    width, height = int(doc["width"]), int(doc["height"])  # type: ignore[call-overload]
    return {
        "yaw_deg": float(spec.get("yaw_deg", 0.0)),
        "roll_deg": float(spec.get("roll_deg", 0.0)),
        "resolution": f"{width}x{height}",
        "orientation": "portrait" if height > width else "landscape",
        "crf": int(spec.get("crf", 23)),
        "light": str(spec.get("light", "even")),
        "noise_sigma": float(spec.get("noise_sigma", 0.0)),
        "close_camera": float(spec.get("frame_margin", 0.04)) < 0.02,
        "second_person": bool(spec.get("second_person", False)),
        "step_height_m": float(spec.get("step_height_m", 0.0)),
        "heel_lift_deg": float(spec.get("heel_lift_deg", 0.0)),
        "marker": bool(doc.get("marker")),
        "body": body_kind(phenotype if isinstance(phenotype, dict) else {}),
    }
