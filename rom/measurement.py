"""The result types of a measurement and which quality reasons invalidate it.

:class:`Measurement` is what the store, the dashboard and the reports consume
(``Measurement.to_dict()``); :class:`TrialResult` adds the per-frame curves behind it.
The contract is fixed in ``docs/ARCHITECTURE.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rom.labels import REASON_TEXT

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
        "tilt_unknown",
        "implausible_pose",
        "not_this_test",
        "other_leg_moved",
        "movement_incomplete",
        "identity_uncertain",
        "scale_unchecked",
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
        0..1; see :func:`rom.protocols.assessment.quality_score`.
    reliable : bool
        False when any reason in :data:`INVALIDATING_REASONS` applies (or no value).
    reasons : tuple of str
        Machine codes; :data:`rom.labels.REASON_TEXT` says each in plain words.
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
        """Plain-language text for each reason, in order (:data:`rom.labels.REASON_TEXT`)."""
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
