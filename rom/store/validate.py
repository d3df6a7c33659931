"""Checking what callers hand to the store before it reaches the database.

Bad input raises :class:`rom.errors.StorageError` with one clear line and writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from rom.errors import StorageError
from rom.measurement import MEASUREMENT_FIELDS
from rom.vocabulary import HEIGHT_RANGE_CM, PHASES, SIDES

NAME_MAX = 200


def text(value: Any, what: str, *, required: bool = True, max_len: int = NAME_MAX) -> str | None:
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


def optional_float(value: Any, what: str) -> float | None:
    """A finite float, or None for None/NaN/inf ("not measured")."""
    if value is None:
        return None
    number = _number(value, what)
    return number if math.isfinite(number) else None


def height_cm(value: Any) -> float | None:
    """A plausible body height in cm, or None."""
    height = optional_float(value, "height")
    low, high = HEIGHT_RANGE_CM
    if height is not None and not low <= height <= high:
        raise StorageError(f"height must be between {low:g} and {high:g} cm, got {height:g}")
    return height


def phase(value: Any) -> str:
    if value not in PHASES:
        raise StorageError(f"phase must be 'pre' or 'post', got {value!r}")
    return str(value)


def trial_side(value: Any) -> str | None:
    """``left``/``right``; None or ``auto`` when the side is not known before measuring."""
    if value is None or value == "auto":
        return None
    if value not in SIDES:
        raise StorageError(f"side must be 'left', 'right' or 'auto', got {value!r}")
    return str(value)


def json_data(value: Any, what: str) -> Any:
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
        return json_data(item(), what)
    raise StorageError(f"{what} holds a {type(value).__name__}, which cannot be stored")


def json_object(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise StorageError(f"{what} must be a dictionary")
    result: dict[str, Any] = json_data(value, what)
    return result


def measurement(measurement_or_dict: Any) -> dict[str, Any]:
    """The columns of a measurement row from a ``Measurement`` or its ``to_dict()``.

    Raises
    ------
    StorageError
        A field is missing or has the wrong kind of value.
    """
    data = measurement_or_dict
    to_dict = getattr(data, "to_dict", None)
    if callable(to_dict):
        data = to_dict()
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
    return {
        "test": text(data["test"], "the measurement's test", max_len=64),
        "side": str(side),
        "value": optional_float(data["value"], "value"),
        "unit": text(data["unit"], "unit", max_len=32),
        "quality": quality,
        "reliable": reliable,
        "reasons": reason_codes,
        "peak_time_s": optional_float(data["peak_time_s"], "peak_time_s"),
        "peak_frame": peak_frame,
        "secondary": json_object(data["secondary"], "secondary"),
        "provenance": json_object(data["provenance"], "provenance"),
    }


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise StorageError(f"{what} must be a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise StorageError(f"{what} must be a number, got {type(value).__name__}") from None
