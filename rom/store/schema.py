"""The shape of a person bundle: its format name, schema version and typed layout.

A bundle is a person's whole history as JSON-ready data (:meth:`rom.store.Store.export_bundle`,
:func:`rom.store.bundle_file.read_bundle`).  Times and dates are ISO 8601 text; stored video
files are referenced by digest, not embedded.  The measurement entries carry the fields of
``rom.measurement.Measurement.to_dict()`` plus their ``uid`` and ``created_at``.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

BUNDLE_FORMAT = "rom-person-bundle"
BUNDLE_SCHEMA_VERSION = 1

#: A JSON value as stored in the JSON columns (text, numbers, flags, lists, maps).
JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


class CalibrationFields(TypedDict):
    """``CalibrationUsed.to_dict()``: the roll and scale a measurement was taken with.

    Angles in degrees (roll clockwise on screen from the image's up to true up), scale in
    centimetres per pixel; see :class:`rom.measurement.CalibrationUsed`.
    """

    roll_deg: float
    roll_source: str
    roll_uncertainty_deg: float | None
    cm_per_px: float | None
    scale_source: str | None
    marker_rejection: str | None


class MeasurementFields(TypedDict):
    """The fields of ``Measurement.to_dict()``: a ``measurements`` row's measured columns.

    ``uncertainty`` (about a 95 % half-width in ``unit``) and ``calibration`` are None in
    rows and bundles made before rom recorded them.
    """

    test: str
    side: str
    value: float | None
    unit: str
    quality: float
    reliable: bool
    reasons: list[str]
    peak_time_s: float | None
    peak_frame: int | None
    secondary: dict[str, float]
    provenance: dict[str, str]
    uncertainty: float | None
    calibration: CalibrationFields | None


class MeasurementData(MeasurementFields):
    """One measurement of a bundle: ``Measurement.to_dict()`` with its identity."""

    uid: str
    created_at: NotRequired[str]


class TrialData(TypedDict):
    """One trial of a bundle; ``settings`` are the analysis settings kept with it."""

    uid: str
    phase: str
    test: str
    side: str | None
    video_sha256: str | None
    video_path: str | None
    stored_video: NotRequired[str | None]
    settings: dict[str, JsonValue]
    created_at: NotRequired[str]
    measurements: list[MeasurementData]


class SessionData(TypedDict):
    """One session of a bundle (``date`` as ``YYYY-MM-DD``).

    ``technique_duration_s`` (seconds) and ``technique_side`` (``left``/``right``/``both``)
    are absent from bundles written before rom recorded them, and import as None.
    """

    uid: str
    date: str
    place: str | None
    technique: str | None
    notes: str | None
    technique_duration_s: NotRequired[float | None]
    technique_side: NotRequired[str | None]
    created_at: NotRequired[str]
    trials: list[TrialData]


class PersonData(TypedDict):
    """The person of a bundle (``height_cm`` in centimetres)."""

    uid: str
    name: str
    height_cm: float | None
    notes: str | None
    created_at: NotRequired[str]


class PersonBundle(TypedDict):
    """A whole bundle, as written to and read from a JSON or CSV file."""

    format: str
    schema_version: int
    exported_at: NotRequired[str]
    person: PersonData
    sessions: list[SessionData]
