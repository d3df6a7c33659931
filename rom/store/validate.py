"""Checking what callers hand to the store before it reaches the database.

Bad input raises :class:`rom.errors.StorageError` with one clear line and writes nothing.
Every text is valid Unicode without NUL characters (PostgreSQL refuses NUL, SQLite would
keep it) and has a length cap; JSON data has a size and nesting cap; numbers are finite and
within range (a measurement's value within its test's physiological range).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import SupportsFloat, cast

from rom.errors import StorageError
from rom.measurement import (
    MEASUREMENT_FIELDS,
    OPTIONAL_MEASUREMENT_FIELDS,
    CalibrationUsed,
    Measurement,
)
from rom.protocols import spec_for
from rom.store.models import as_utc
from rom.store.schema import CalibrationFields, JsonValue
from rom.vocabulary import HEIGHT_RANGE_CM, PHASES, SIDES

NAME_MAX = 200
NOTES_MAX = 100_000
#: The sides a technique may be applied to (a session's ``technique_side``).
TECHNIQUE_SIDES: tuple[str, ...] = ("left", "right", "both")
#: The longest technique duration accepted, in seconds (a day: more is a typing mistake).
TECHNIQUE_DURATION_MAX_S = 86_400.0
_SETTING_KEY = re.compile(r"[A-Za-z0-9._]{1,64}")
#: A reason code, a provenance or settings key, a short value in a JSON blob.
CODE_MAX = 64
#: The number of reason codes one measurement may carry.
REASONS_MAX = 64
#: Any one JSON blob (settings, secondary, provenance), serialised.
JSON_MAX_CHARS = 100_000
#: Nesting of a JSON blob (a dictionary of lists of dictionaries is depth 3).
JSON_MAX_DEPTH = 16
#: A peak frame index: ten million frames is 46 hours at 60 fps (SQLite's INTEGER is int64).
PEAK_FRAME_MAX = 10_000_000
#: A peak time in seconds, the same 46 hours.
PEAK_TIME_MAX_S = 166_000.0
#: Largest camera roll a stored calibration may hold, degrees: every source of a roll
#: refuses more than 30 deg (a phone held sideways is the decoder's rotation, not a roll).
ROLL_MAX_DEG = 45.0
#: Largest roll uncertainty stored, degrees (beyond it nothing about the vertical is known).
ROLL_UNCERTAINTY_MAX_DEG = 90.0
#: Largest image scale stored, cm per pixel: a 2 m person spans at least 80 px
#: (:data:`rom.calibrate.height.MIN_SPAN_PX`), i.e. 2.5 cm/px; 10 leaves a wide margin.
CM_PER_PX_MAX = 10.0
#: Largest uncertainty of a value without a catalogue range (one in an unknown test or
#: unit); within a known range it is at most the range's width.
UNCERTAINTY_MAX = 1000.0

def clean_text(value: str, what: str) -> str:
    """``value`` unchanged if it can be stored everywhere; refuses NUL and lone surrogates.

    Raises
    ------
    StorageError
        The text holds a NUL character or is not valid Unicode (a lone surrogate, which
        JSON's ``\\ud800`` escapes can produce).
    """
    if "\x00" in value:
        raise StorageError(f"{what} contains a NUL character, which cannot be stored")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise StorageError(f"{what} is not valid Unicode text (a lone surrogate)") from None
    return value


def text(value: object, what: str, *, required: bool = True, max_len: int = NAME_MAX) -> str | None:
    """A stripped string, None for empty optional text (NUL-free, valid Unicode, capped)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise StorageError(f"{what} is required")
        return None
    if not isinstance(value, str):
        raise StorageError(f"{what} must be text")
    if len(value) > max_len + 1000:  # refuse before scanning megabytes of padding
        raise StorageError(f"{what} is longer than {max_len} characters")
    cleaned = clean_text(value.strip(), what)
    if len(cleaned) > max_len:
        raise StorageError(f"{what} is longer than {max_len} characters")
    return cleaned


def notes(value: object) -> str | None:
    """Free-text notes (long text allowed), None when empty."""
    return text(value, "notes", required=False, max_len=NOTES_MAX)


def technique_side(value: object) -> str | None:
    """The side a technique was applied to: one of :data:`TECHNIQUE_SIDES`, or None."""
    if value is None or value == "":
        return None
    if value not in TECHNIQUE_SIDES:
        raise StorageError(
            f"the technique's side must be one of {', '.join(TECHNIQUE_SIDES)}, got {value!r}")
    return str(value)


def technique_duration_s(value: object) -> float | None:
    """How long a technique was applied, in seconds (0 to 24 h), or None when not recorded."""
    duration = finite_float(value, "the technique's duration")
    if duration is not None and not 0.0 <= duration <= TECHNIQUE_DURATION_MAX_S:
        raise StorageError(
            f"the technique's duration must be between 0 and {TECHNIQUE_DURATION_MAX_S:g} s, "
            f"got {duration:g}")
    return duration


def setting_key(value: object) -> str:
    """The name of a store-wide setting: 1-64 characters of letters, digits, ``.``/``_``."""
    if not (isinstance(value, str) and _SETTING_KEY.fullmatch(value)):
        raise StorageError(f"a setting's name must be 1-64 letters, digits, '.' or '_', "
                           f"got {value!r}")
    return value


def optional_float(value: object, what: str) -> float | None:
    """A finite float, or None for None/NaN/inf ("not measured")."""
    if value is None:
        return None
    number = _number(value, what)
    return number if math.isfinite(number) else None


def finite_float(value: object, what: str) -> float | None:
    """A finite float, or None for None ("not measured"); NaN and infinity are refused.

    Raises
    ------
    StorageError
        ``value`` is not a number, or is NaN or infinite.
    """
    if value is None:
        return None
    number = _number(value, what)
    if not math.isfinite(number):
        raise StorageError(f"{what} must be a finite number, got {number!r}")
    return number


def value_in_range(test: str, unit: str, value: float | None) -> float | None:
    """A measurement's ``value`` if it lies in the physiological range of ``test`` in ``unit``.

    Parameters
    ----------
    test, unit : str
        The measurement's test (e.g. ``"knee-flexion"``) and unit (``"deg"``, ``"cm"``,
        ``"fraction_of_height"``).
    value : float or None
        The value in ``unit``; None ("not measured") passes.  A test or unit without a known
        range only has to be finite.

    Raises
    ------
    StorageError
        The value is NaN, infinite or outside the range.
    """
    number = finite_float(value, "the measurement's value")
    if number is None:
        return None
    # Each test's physiological (not clinical-norm) range, from its catalogue entry: wide
    # enough for any real body, narrow enough to refuse a tracking or typing error.
    spec = spec_for(test)
    bounds = spec.range_for(unit) if spec is not None else None
    if bounds is not None and not bounds[0] <= number <= bounds[1]:
        raise StorageError(
            f"the {test} value {number:g} {unit} is outside the plausible range "
            f"{bounds[0]:g} to {bounds[1]:g} {unit}"
        )
    return number


def height_cm(value: object) -> float | None:
    """A plausible body height in cm, or None."""
    height = optional_float(value, "height")
    low, high = HEIGHT_RANGE_CM
    if height is not None and not low <= height <= high:
        raise StorageError(f"height must be between {low:g} and {high:g} cm, got {height:g}")
    return height


def date(value: object) -> dt.date:
    """A calendar date from a ``date``, a ``datetime`` or ``YYYY-MM-DD`` text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise StorageError(f"a date must look like 2026-11-25, got {value!r}")


def timestamp(value: object) -> dt.datetime:
    """An aware UTC datetime from ISO 8601 text (naive text is taken as UTC)."""
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return as_utc(moment)
    raise StorageError(f"a time must be an ISO 8601 timestamp, got {value!r}")


def phase(value: object) -> str:
    if value not in PHASES:
        raise StorageError(f"phase must be 'pre' or 'post', got {value!r}")
    return str(value)


def trial_side(value: object) -> str | None:
    """``left``/``right``; None or ``auto`` when the side is not known before measuring."""
    if value is None or value == "auto":
        return None
    if value not in SIDES:
        raise StorageError(f"side must be 'left', 'right' or 'auto', got {value!r}")
    return str(value)


def json_data(value: object, what: str, _depth: int = 0) -> JsonValue:
    """``value`` as plain JSON data; non-finite floats become None, numpy scalars Python ones.

    Text (keys too) is checked as by :func:`clean_text`; nesting deeper than
    :data:`JSON_MAX_DEPTH` is refused (before Python's recursion limit could be hit).
    """
    if _depth > JSON_MAX_DEPTH:
        raise StorageError(f"{what} is nested more than {JSON_MAX_DEPTH} levels deep")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return clean_text(value, what)
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise StorageError(f"{what} holds an integer too large to store")
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {clean_text(str(key), what): json_data(item, what, _depth + 1)
                for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_data(item, what, _depth + 1) for item in value]
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item):
        scalar: object = item()
        return json_data(scalar, what, _depth)
    raise StorageError(f"{what} holds a {type(value).__name__}, which cannot be stored")


def json_object(value: object, what: str) -> dict[str, JsonValue]:
    """A mapping as a plain JSON object (None gives an empty one), at most
    :data:`JSON_MAX_CHARS` characters as JSON text."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise StorageError(f"{what} must be a dictionary")
    data = json_data(value, what)
    assert isinstance(data, dict)
    if len(json.dumps(data, ensure_ascii=False)) > JSON_MAX_CHARS:
        raise StorageError(f"{what} is larger than {JSON_MAX_CHARS} characters as JSON")
    return data


def measurement(measurement_or_dict: object) -> Measurement:
    """A checked, cleaned copy of a ``Measurement`` or of its ``to_dict()`` dictionary.

    Non-finite numbers become None ("not measured"), numpy scalars Python ones; a
    non-finite value in ``secondary`` is kept as None because JSON has no NaN.  A dict
    without ``uncertainty`` or ``calibration`` (from an older rom) gives None for them;
    present, they are checked by :func:`uncertainty` and :func:`calibration`.

    Raises
    ------
    StorageError
        A field is missing or has the wrong kind of value.
    """
    data = measurement_or_dict
    if isinstance(data, Measurement):
        data = data.to_dict()
    if not isinstance(data, Mapping):
        raise StorageError("a measurement must be a Measurement or its to_dict() dictionary")
    missing = [name for name in MEASUREMENT_FIELDS
               if name not in data and name not in OPTIONAL_MEASUREMENT_FIELDS]
    if missing:
        raise StorageError(f"the measurement lacks {', '.join(missing)}")
    side = data["side"]
    if side not in SIDES:
        raise StorageError(f"a measurement's side must be 'left' or 'right', got {side!r}")
    quality = _number(data["quality"], "quality")
    if not 0.0 <= quality <= 1.0:  # also refuses NaN
        raise StorageError(f"quality must be between 0 and 1, got {quality!r}")
    reliable = data["reliable"]
    if not isinstance(reliable, bool):
        reliable_item = getattr(reliable, "item", None)
        reliable = reliable_item() if callable(reliable_item) else reliable
        if not isinstance(reliable, bool):
            raise StorageError("reliable must be True or False")
    reasons = data["reasons"]
    if isinstance(reasons, str) or not isinstance(reasons, Iterable):
        raise StorageError("reasons must be a list of codes")
    reason_codes = [_required_text(str(code), "a reason code", max_len=CODE_MAX)
                    for code in list(reasons)[:REASONS_MAX + 1]]
    if len(reason_codes) > REASONS_MAX:
        raise StorageError(f"a measurement may carry at most {REASONS_MAX} reasons")
    peak_frame = _peak_frame(data["peak_frame"])
    peak_time_s = finite_float(data["peak_time_s"], "peak_time_s")
    if peak_time_s is not None and not abs(peak_time_s) <= PEAK_TIME_MAX_S:
        raise StorageError(f"peak_time_s must be within ±{PEAK_TIME_MAX_S:g} s, "
                           f"got {peak_time_s:g}")
    test = _required_text(data["test"], "the measurement's test", max_len=CODE_MAX)
    unit = _required_text(data["unit"], "unit", max_len=32)
    checked_calibration = calibration(data.get("calibration"))
    return Measurement(
        test=test,
        side=str(side),
        value=value_in_range(test, unit, data["value"]),
        unit=unit,
        quality=quality,
        reliable=reliable,
        reasons=tuple(reason_codes),
        peak_time_s=peak_time_s,
        peak_frame=peak_frame,
        # Stored as given (JSON); the measurement contract names the value types.
        secondary=cast(dict[str, float], json_object(data["secondary"], "secondary")),
        provenance=cast(dict[str, str], json_object(data["provenance"], "provenance")),
        uncertainty=uncertainty(test, unit, data.get("uncertainty")),
        calibration=None if checked_calibration is None
        else CalibrationUsed.from_dict(checked_calibration),
    )


def uncertainty(test: str, unit: str, value: object) -> float | None:
    """A measurement's uncertainty (in ``unit``): None, or a finite number from 0 up to the
    width of the test's plausible range in ``unit`` (:data:`UNCERTAINTY_MAX` without one).

    Raises
    ------
    StorageError
        Not a number, NaN, infinite, negative or beyond the cap.
    """
    number = finite_float(value, "the measurement's uncertainty")
    if number is None:
        return None
    spec = spec_for(test)
    bounds = spec.range_for(unit) if spec is not None else None
    cap = bounds[1] - bounds[0] if bounds is not None else UNCERTAINTY_MAX
    if not 0.0 <= number <= cap:
        raise StorageError(
            f"the measurement's uncertainty must be between 0 and {cap:g} {unit}, "
            f"got {number:g}"
        )
    return number


#: The keys of a stored calibration (:class:`rom.measurement.CalibrationUsed`).
CALIBRATION_KEYS = frozenset(CalibrationFields.__required_keys__)


def calibration(value: object) -> CalibrationFields | None:
    """A measurement's calibration (``CalibrationUsed.to_dict()``), checked; None stays None.

    ``roll_deg`` finite within :data:`ROLL_MAX_DEG`; ``roll_uncertainty_deg`` None or from 0
    to :data:`ROLL_UNCERTAINTY_MAX_DEG`; ``cm_per_px`` None or above 0 up to
    :data:`CM_PER_PX_MAX`; the sources and ``marker_rejection`` short codes (None where
    allowed).  Missing keys take :class:`CalibrationUsed`'s defaults.

    Raises
    ------
    StorageError
        Not a dictionary, an unknown key, or a value of the wrong kind or out of range.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise StorageError("a measurement's calibration must be a dictionary")
    unknown = sorted(str(key) for key in value if key not in CALIBRATION_KEYS)
    if unknown:
        raise StorageError(f"a measurement's calibration has unknown keys: "
                           f"{', '.join(unknown)}"[:200])
    default = CalibrationUsed()
    roll = finite_float(value.get("roll_deg", default.roll_deg), "the calibration's roll_deg")
    if roll is None or not abs(roll) <= ROLL_MAX_DEG:
        raise StorageError(f"the calibration's roll_deg must be a number within "
                           f"±{ROLL_MAX_DEG:g}°, got {roll!r}")
    roll_uncertainty = finite_float(value.get("roll_uncertainty_deg"),
                                    "the calibration's roll_uncertainty_deg")
    if roll_uncertainty is not None and not 0.0 <= roll_uncertainty <= ROLL_UNCERTAINTY_MAX_DEG:
        raise StorageError(f"the calibration's roll_uncertainty_deg must be between 0 and "
                           f"{ROLL_UNCERTAINTY_MAX_DEG:g}°, got {roll_uncertainty:g}")
    cm_per_px = finite_float(value.get("cm_per_px"), "the calibration's cm_per_px")
    if cm_per_px is not None and not 0.0 < cm_per_px <= CM_PER_PX_MAX:
        raise StorageError(f"the calibration's cm_per_px must be above 0 and at most "
                           f"{CM_PER_PX_MAX:g}, got {cm_per_px:g}")
    roll_source = _required_text(value.get("roll_source", default.roll_source),
                                 "the calibration's roll_source", max_len=CODE_MAX)
    return CalibrationFields(
        roll_deg=roll,
        roll_source=roll_source,
        roll_uncertainty_deg=roll_uncertainty,
        cm_per_px=cm_per_px,
        scale_source=text(value.get("scale_source"), "the calibration's scale_source",
                          required=False, max_len=CODE_MAX),
        marker_rejection=text(value.get("marker_rejection"),
                              "the calibration's marker_rejection", required=False,
                              max_len=CODE_MAX),
    )


def _peak_frame(value: object) -> int | None:
    """A frame index: a whole number from 0 to :data:`PEAK_FRAME_MAX`, or None."""
    if value is None:
        return None
    problem = StorageError(
        f"peak_frame must be a whole number from 0 to {PEAK_FRAME_MAX}, got {value!r}"[:200])
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= PEAK_FRAME_MAX:  # compared as int: 10**400 has no float
            raise problem
        return int(value)
    number = _number(value, "peak_frame")
    if not (math.isfinite(number) and number == int(number) and 0 <= number <= PEAK_FRAME_MAX):
        raise problem
    return int(number)


def _required_text(value: object, what: str, *, max_len: int) -> str:
    cleaned = text(value, what, max_len=max_len)
    assert cleaned is not None  # text() raises for missing required text
    return cleaned


def _number(value: object, what: str) -> float:
    if isinstance(value, bool):
        raise StorageError(f"{what} must be a number")
    try:
        # float() itself refuses what is not a number (numpy scalars and numeric text pass).
        return float(cast(SupportsFloat, value))
    except (TypeError, ValueError):
        raise StorageError(f"{what} must be a number, got {type(value).__name__}") from None
    except OverflowError:  # an integer beyond float range (JSON allows any length)
        raise StorageError(f"{what} is far too large a number") from None
