"""The result types of a measurement and which quality reasons invalidate it.

:class:`Measurement` is what the store, the dashboard and the reports consume
(``Measurement.to_dict()``); :class:`TrialResult` adds the per-frame curves behind it.
The contract is fixed in ``docs/ARCHITECTURE.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
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
        "not_lying_prone",
        "lying_pose_unverified",
        "other_leg_moved",
        "movement_incomplete",
        "identity_uncertain",
        "scale_unchecked",
        "hand_hidden",
        "scale_conflict",
        "too_uncertain",
        "views_disagree",
        "deep_flexion_underread",
        "fingertip_estimated",
    }
)

#: Invalidating reasons that leave a *change* measurable.  The value is not promised (it
#: is off by a bias that no single clip reveals), but the bias is the pose model's and
#: shared by every reading with the same reason, so the difference of two readings of one
#: test, side and camera set-up stays within the promise where the value does not
#: (:attr:`Measurement.comparable`); ``benchmarks/reliability.py`` prints both.
#:
#: * ``deep_flexion_underread``: on clean synthetic quad stretches (true peaks 122-140 deg)
#:   the values read 8 deg low to 1 deg high while the pre -> post changes of 5 pairs were
#:   within 1.6 deg.  A change from a reliable reading just below the threshold is judged
#:   too: the bias grows with the depth, it does not jump at the threshold.
#: * ``fingertip_estimated`` (every toe touch): the fingertip is placed from the pose
#:   model's wrist and the body's typical hand length, and that placement's error is the
#:   person's and the camera's (see :mod:`rom.protocols.toe_touch`).
CHANGE_ONLY_REASONS: frozenset[str] = frozenset(
    {"deep_flexion_underread", "fingertip_estimated"}
)


#: The keys of :meth:`Measurement.to_dict`, in order; the store keeps the same columns.
MEASUREMENT_FIELDS: tuple[str, ...] = (
    "test", "side", "value", "unit", "quality", "reliable", "reasons",
    "peak_time_s", "peak_frame", "secondary", "provenance", "uncertainty", "calibration",
)
#: Fields that records and bundles written before rom estimated them lack: they read as None.
OPTIONAL_MEASUREMENT_FIELDS: frozenset[str] = frozenset({"uncertainty", "calibration"})


@dataclass(frozen=True)
class CalibrationUsed:
    """The camera roll and image scale a measurement was actually taken with.

    A copy of what the protocol used, kept with the value (the store turns it into JSON,
    nothing else does): the roll from the video's :class:`rom.calibration.Calibration`,
    the scale from the protocol's own choice (:func:`rom.protocols.scale.resolve_scale`
    may prefer the stated height to the marker's scale).

    Attributes
    ----------
    roll_deg : float
        Camera roll, degrees clockwise on screen from the image's up to true up
        (:mod:`rom.calibration`); 0 = level.
    roll_source : str
        ``"none"`` (assumed level), ``"user"``, ``"marker"``, ``"floor"`` or ``"scene"``.
    roll_uncertainty_deg : float or None
        About a 95 % bound on ``roll_deg``, degrees, as used for the value
        (:meth:`rom.calibration.Calibration.roll_bound_deg`); None when not known.
    cm_per_px : float or None
        Centimetres per pixel at the person that the protocol used; None when it used no
        scale (angle tests that need none, or no scale was known).
    scale_source : str or None
        Where that scale came from: ``"marker"`` or ``"height"`` (or another calibration
        source); None exactly when ``cm_per_px`` is None.
    marker_rejection : str or None
        Why rom's marker, seen in the video, was not used (``"too_small"``, ``"blurred"``,
        ``"too_few_frames"``, ``"inconsistent"``); None when it was used or not in view.
    """

    roll_deg: float = 0.0
    roll_source: str = "none"
    roll_uncertainty_deg: float | None = None
    cm_per_px: float | None = None
    scale_source: str | None = None
    marker_rejection: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible dict (the keys are the attribute names)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalibrationUsed:
        """Inverse of :meth:`to_dict`; missing keys take the defaults (level, no scale)."""
        return cls(
            roll_deg=float(data.get("roll_deg", 0.0)),
            roll_source=str(data.get("roll_source", "none")),
            roll_uncertainty_deg=_optional_float(data.get("roll_uncertainty_deg")),
            cm_per_px=_optional_float(data.get("cm_per_px")),
            scale_source=_optional_str(data.get("scale_source")),
            marker_rejection=_optional_str(data.get("marker_rejection")),
        )


def _optional_float(value: Any) -> float | None:
    """``float(value)``; None for None and for NaN or infinity (JSON has neither)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def measurement_fields_dict(source: Any) -> dict[str, Any]:
    """The :data:`MEASUREMENT_FIELDS` of ``source`` as a plain JSON-compatible dict.

    ``source`` is a :class:`Measurement` or anything with the same attributes (e.g. the
    store's ``MeasurementInfo``); ``reasons`` becomes a list and the two mappings are
    copied, so the result shares nothing mutable with ``source``; ``calibration`` becomes
    its dict (or stays None).
    """
    data: dict[str, Any] = {
        name: getattr(source, name, None) if name in OPTIONAL_MEASUREMENT_FIELDS
        else getattr(source, name)
        for name in MEASUREMENT_FIELDS
    }
    data["reasons"] = list(data["reasons"])
    data["secondary"] = dict(data["secondary"])
    data["provenance"] = dict(data["provenance"])
    calibration = data["calibration"]
    data["calibration"] = None if calibration is None else calibration.to_dict()
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
        False when any reason in :data:`INVALIDATING_REASONS` applies (or no value).  A
        change needs less: see :attr:`comparable`.
    reasons : tuple of str
        Machine codes; :data:`rom.labels.REASON_TEXT` says each in plain words.
    peak_time_s, peak_frame : float or None, int or None
        Time and track index of the measured moment.
    secondary : dict of str to float
        Supporting values, names carry their unit (``..._deg``, ``..._cm``).
    provenance : dict of str to str
        ``video_sha256``, ``model``, ``model_sha256``, ``settings`` (JSON, the record of
        every setting; nothing in rom reads it back), ``rom_version``.
    uncertainty : float or None
        About a 95 % half-width of ``value`` in its unit (``value ± uncertainty``), from
        what the video shows (:func:`rom.protocols.uncertainty.value_uncertainty`); None
        without a value, or for a record made before rom estimated it.
    calibration : CalibrationUsed or None
        The roll and scale the value was measured with; None for older records.
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
    uncertainty: float | None = None
    calibration: CalibrationUsed | None = None

    @property
    def comparable(self) -> bool:
        """Whether a change to or from this value can be interpreted.

        True when the value is reliable, or when the only invalidating reasons are
        :data:`CHANGE_ONLY_REASONS` (a bias the other end of the change shares).  Pre/post
        changes, left/right asymmetries and session-to-session changes need both ends
        comparable; norms and the value itself need :attr:`reliable`.
        """
        if self.value is None:
            return False
        invalid = INVALIDATING_REASONS.intersection(self.reasons)
        return self.reliable or (bool(invalid) and invalid <= CHANGE_ONLY_REASONS)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible dict (tuples become lists)."""
        return measurement_fields_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Measurement:
        """Inverse of :meth:`to_dict`; a dict without ``uncertainty`` or ``calibration``
        (written by an older rom) gives None for them."""
        calibration = data.get("calibration")
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
            uncertainty=_optional_float(data.get("uncertainty")),
            calibration=None if calibration is None else CalibrationUsed.from_dict(calibration),
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
