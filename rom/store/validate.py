"""Checking what callers hand to the store before it reaches the database.

Bad input raises :class:`rom.errors.StorageError` with one clear line and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import SupportsFloat, cast

from rom.errors import StorageError
from rom.measurement import MEASUREMENT_FIELDS, Measurement
from rom.store.models import as_utc
from rom.store.schema import JsonValue
from rom.vocabulary import HEIGHT_RANGE_CM, PHASES, SIDES

NAME_MAX = 200
NOTES_MAX = 100_000


def text(value: object, what: str, *, required: bool = True, max_len: int = NAME_MAX) -> str | None:
    """A stripped string, None for empty optional text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise StorageError(f"{what} is required")
        return None
    if not isinstance(value, str):
        raise StorageError(f"{what} must be text")
    cleaned = value.strip()
    if len(cleaned) > max_len:
        raise StorageError(f"{what} is longer than {max_len} characters")
    return cleaned


def notes(value: object) -> str | None:
    """Free-text notes (long text allowed), None when empty."""
    return text(value, "notes", required=False, max_len=NOTES_MAX)


def optional_float(value: object, what: str) -> float | None:
    """A finite float, or None for None/NaN/inf ("not measured")."""
    if value is None:
        return None
    number = _number(value, what)
    return number if math.isfinite(number) else None


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


def json_data(value: object, what: str) -> JsonValue:
    """``value`` as plain JSON data; non-finite floats become None, numpy scalars Python ones."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): json_data(item, what) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_data(item, what) for item in value]
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item):
        scalar: object = item()
        return json_data(scalar, what)
    raise StorageError(f"{what} holds a {type(value).__name__}, which cannot be stored")


def json_object(value: object, what: str) -> dict[str, JsonValue]:
    """A mapping as a plain JSON object (None gives an empty one)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise StorageError(f"{what} must be a dictionary")
    return {str(key): json_data(item, what) for key, item in value.items()}


def measurement(measurement_or_dict: object) -> Measurement:
    """A checked, cleaned copy of a ``Measurement`` or of its ``to_dict()`` dictionary.

    Non-finite numbers become None ("not measured"), numpy scalars Python ones; a
    non-finite value in ``secondary`` is kept as None because JSON has no NaN.

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
    missing = [name for name in MEASUREMENT_FIELDS if name not in data]
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
    reason_codes = [str(code) for code in reasons]
    peak_frame = data["peak_frame"]
    if peak_frame is not None:
        peak_frame = int(_number(peak_frame, "peak_frame"))
    return Measurement(
        test=_required_text(data["test"], "the measurement's test", max_len=64),
        side=str(side),
        value=optional_float(data["value"], "value"),
        unit=_required_text(data["unit"], "unit", max_len=32),
        quality=quality,
        reliable=reliable,
        reasons=tuple(reason_codes),
        peak_time_s=optional_float(data["peak_time_s"], "peak_time_s"),
        peak_frame=peak_frame,
        # Stored as given (JSON); the measurement contract names the value types.
        secondary=cast(dict[str, float], json_object(data["secondary"], "secondary")),
        provenance=cast(dict[str, str], json_object(data["provenance"], "provenance")),
    )


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
