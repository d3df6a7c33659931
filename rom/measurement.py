"""The result types of a measurement and the plain-language meaning of each quality reason.

:class:`Measurement` is what the store, the dashboard and the reports consume
(``Measurement.to_dict()``); :class:`TrialResult` adds the per-frame curves behind it.
The contract is fixed in ``docs/ARCHITECTURE.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Reason code -> advice a runner or physiotherapist can act on.
REASON_TEXT: dict[str, str] = {
    "low_visibility": "The body parts being measured were hard to see. Use good light, "
    "wear fitted clothing and keep the measured leg nearest the camera.",
    "not_side_on": "Film from the side, with the whole body in frame: the camera should "
    "look straight at the side of the body, not at the front or back.",
    "heel_lift": "The heel came off the floor at the measured moment. Keep the heel down "
    "and repeat; the number is not a valid result.",
    "out_of_frame": "Part of the body left the picture. Step back or move the camera so "
    "the whole body, feet included, stays in frame.",
    "too_few_frames": "The clip is too short or the position was not held. Hold the end "
    "position for at least a second.",
    "trunk_lean": "The upper body leaned away from upright, which distorts the hip angle. "
    "Keep the trunk upright and repeat.",
    "knees_bent": "The knees were bent during the forward bend. Keep the knees straight "
    "and repeat.",
    "no_scale": "No scale was available, so distances cannot be given in centimetres. "
    "Enter your height, or place the calibration marker in view at the same distance from "
    "the camera as your body (e.g. held flat against your side, not on the wall behind).",
    "scale_plane_mismatch": "The calibration marker's scale does not fit your body: the "
    "marker is probably nearer to or further from the camera than you are (a marker on the "
    "wall behind you makes you look bigger than you are). The scale from your stated height "
    "was used instead where it was given. Put the marker at your own distance from the "
    "camera, or enter your height.",
    "scale_unchecked": "The calibration marker gave the scale, but without your height "
    "rom cannot check that the marker was at your distance from the camera. A marker on "
    "the wall behind you makes distances read too large (about 15 % when it is half a "
    "metre behind you and you are 3 m from the camera). Enter your height so the scale can "
    "be checked, and use the same setting for the before and after clips.",
    "deep_flexion_underread": "In deep knee bends the pose model tends to under-read the "
    "angle (by roughly 5-15 degrees), so your true knee flexion is probably somewhat larger "
    "than shown. Compare it only with other deep-bend measurements filmed the same way.",
    "not_levelled": "The camera's tilt is unknown, so angles to vertical assume the phone "
    "was held level. Use a tripod with a level or calibrate the camera's tilt.",
    "no_person": "No person was found in the video.",
    "no_height_reference": "The person was never seen standing upright with the feet in "
    "view, so the reach cannot be scaled. Start the clip standing straight, whole body in frame.",
    "left_right_swap": "The left and right legs were confused in several frames; those "
    "frames were left out. Film from the side with the measured leg nearest the camera.",
}

#: Reasons after which the primary number must not be shown as a valid result.
INVALIDATING_REASONS: frozenset[str] = frozenset(
    {
        "low_visibility",
        "not_side_on",
        "heel_lift",
        "out_of_frame",
        "too_few_frames",
        "trunk_lean",
        "knees_bent",
        "no_person",
        "no_height_reference",
    }
)


#: The keys of :meth:`Measurement.to_dict`, in order; the store keeps the same columns.
MEASUREMENT_FIELDS: tuple[str, ...] = (
    "test", "side", "value", "unit", "quality", "reliable", "reasons",
    "peak_time_s", "peak_frame", "secondary", "provenance",
)


def measurement_fields_dict(source: Any) -> dict[str, Any]:
    """The :data:`MEASUREMENT_FIELDS` of ``source`` as a plain JSON-compatible dict.

    ``source`` is a :class:`Measurement` or anything with the same attributes (e.g. the
    store's ``MeasurementInfo``); ``reasons`` becomes a list and the two mappings are
    copied, so the result shares nothing mutable with ``source``.
    """
    data = {name: getattr(source, name) for name in MEASUREMENT_FIELDS}
    data["reasons"] = list(data["reasons"])
    data["secondary"] = dict(data["secondary"])
    data["provenance"] = dict(data["provenance"])
    return data


@dataclass(frozen=True)
class Measurement:
    """One clinical measurement from one trial.

    Attributes
    ----------
    test : str
        One of :data:`rom.protocols.TESTS`.
    side : str
        ``"left"`` or ``"right"`` (the person's side).
    value : float or None
        Primary value; None when it cannot be measured at all.
    unit : str
        ``"deg"``, ``"cm"`` or ``"fraction_of_height"``.
    quality : float
        0..1; see :func:`rom.protocols.base.quality_score`.
    reliable : bool
        False when any reason in :data:`INVALIDATING_REASONS` applies (or no value).
    reasons : tuple of str
        Keys of :data:`REASON_TEXT`.
    peak_time_s, peak_frame : float or None, int or None
        Time and track index of the measured moment.
    secondary : dict of str to float
        Supporting values, names carry their unit (``..._deg``, ``..._cm``).
    provenance : dict of str to str
        ``video_sha256``, ``model``, ``model_sha256``, ``settings`` (JSON), ``rom_version``.
    """

    test: str
    side: str
    value: float | None
    unit: str
    quality: float
    reliable: bool
    reasons: tuple[str, ...]
    peak_time_s: float | None
    peak_frame: int | None
    secondary: dict[str, float] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible dict (tuples become lists)."""
        return measurement_fields_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Measurement:
        """Inverse of :meth:`to_dict`."""
        return cls(
            test=str(data["test"]),
            side=str(data["side"]),
            value=None if data.get("value") is None else float(data["value"]),
            unit=str(data["unit"]),
            quality=float(data["quality"]),
            reliable=bool(data["reliable"]),
            reasons=tuple(str(r) for r in data.get("reasons", ())),
            peak_time_s=None if data.get("peak_time_s") is None else float(data["peak_time_s"]),
            peak_frame=None if data.get("peak_frame") is None else int(data["peak_frame"]),
            secondary={str(k): float(v) for k, v in dict(data.get("secondary", {})).items()},
            provenance={str(k): str(v) for k, v in dict(data.get("provenance", {})).items()},
        )

    def advice(self) -> list[str]:
        """Plain-language text for each reason, in order."""
        return [REASON_TEXT.get(code, code) for code in self.reasons]


@dataclass(frozen=True)
class TrialResult:
    """A measurement together with the per-frame signal it was taken from.

    Attributes
    ----------
    measurement : Measurement
    time_s : ndarray, shape (T,)
        The track's timestamps in seconds.
    values : ndarray, shape (T,)
        Primary metric per frame after cleaning and smoothing, NaN where invalid.
    raw_values : ndarray, shape (T,)
        The same metric before smoothing (after rejection of bad frames and gap filling).
    segments : tuple of tuple of int
        Landmark-index chains to draw, e.g. ``((25, 27),)`` for the left shank.
    """

    measurement: Measurement
    time_s: NDArray[np.float64]
    values: NDArray[np.float64]
    raw_values: NDArray[np.float64]
    segments: tuple[tuple[int, ...], ...]
