"""A person's history as a file: one JSON bundle (lossless) or one flat CSV (spreadsheets).

The JSON file is exactly :meth:`rom.store.Store.export_bundle`'s dictionary
(:class:`rom.store.schema.PersonBundle`).  The CSV has
one row per measurement; a trial without measurements, a session without trials and a
person without sessions each still get one row with the lower levels left empty, so
reading the CSV back (:func:`read_bundle`) rebuilds the same history.  ``reasons`` are
joined with ``;``; ``settings``, ``secondary``, ``provenance`` and ``calibration`` are JSON
text (``calibration`` empty when the measurement has none).  Creation times are kept only
by the JSON bundle.  A CSV written before rom kept ``uncertainty`` and ``calibration``
lacks those two columns, and one written before rom kept a session's technique duration and
side lacks ``session_technique_duration_s`` and ``session_technique_side``; all read with
None for the missing columns (:data:`OPTIONAL_CSV_COLUMNS`).

Files are written to a temporary name and renamed into place, so an interrupted export
never leaves half a file under the requested name.

Text cells of the CSV that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return) are written with a leading ``'``
(:func:`rom.csvsafe.neutralise_cell`); reading undoes it.  A file to read may be at most
:data:`BUNDLE_MAX_BYTES` long and its JSON nested at most :data:`JSON_MAX_NESTING` deep,
both checked before it is parsed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from rom.csvsafe import neutralise_cell, restore_cell
from rom.errors import StorageError
from rom.fileio import atomic_write_text
from rom.store.schema import BUNDLE_FORMAT, BUNDLE_SCHEMA_VERSION, PersonBundle

FORMATS = ("json", "csv")

#: The largest bundle file read (a person with thousands of measurements is a few MB).
BUNDLE_MAX_BYTES = 64 * 1024 * 1024
#: The deepest JSON read: a bundle is 6 levels deep plus what ``settings`` hold.
JSON_MAX_NESTING = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")

CSV_COLUMNS = (
    "person_uid", "person_name", "person_height_cm", "person_notes",
    "session_uid", "session_date", "session_place", "session_technique", "session_notes",
    "session_technique_duration_s", "session_technique_side",
    "trial_uid", "phase", "trial_test", "trial_side", "video_sha256", "video_path",
    "trial_settings",
    "measurement_uid", "test", "side", "value", "unit", "quality", "reliable", "reasons",
    "peak_time_s", "peak_frame", "secondary", "provenance", "uncertainty", "calibration",
)
#: Columns an older export may lack (their measurements read with None for them).
OPTIONAL_CSV_COLUMNS = frozenset({
    "uncertainty", "calibration", "session_technique_duration_s", "session_technique_side"})


def format_for(path: Path, requested: str | None = None) -> str:
    """``requested`` if given, else the format named by the file's suffix (default json)."""
    if requested is not None:
        if requested not in FORMATS:
            raise StorageError(f"unknown export format {requested!r}: use json or csv")
        return requested
    return "csv" if path.suffix.lower() == ".csv" else "json"


def write_bundle(bundle: PersonBundle, path: Path, fmt: str | None = None) -> None:
    """Write a bundle to ``path`` as JSON or CSV (atomically)."""
    if format_for(path, fmt) == "csv":
        content = bundle_to_csv(bundle)
    else:
        content = json.dumps(bundle, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    try:
        atomic_write_text(path, content)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc


def read_bundle(path: Path) -> Mapping[str, object]:
    """Read a JSON or CSV bundle file (the format is recognised from its content).

    The data is not checked here: :meth:`rom.store.Store.import_bundle` checks it.

    Raises
    ------
    StorageError
        The file is missing, unreadable, too large, too deeply nested, or neither kind of
        bundle.
    """
    try:
        with path.open("rb") as file:
            data = file.read(BUNDLE_MAX_BYTES + 1)
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return parse_bundle(data, str(path))


def parse_bundle(data: bytes, name: str) -> Mapping[str, object]:
    """The bundle in a file's bytes (JSON or CSV, recognised from the content), unchecked.

    ``name`` names the file in messages.  The dashboard's upload and :func:`read_bundle`
    share this, so both refuse the same files with the same one-line errors.

    Raises
    ------
    StorageError
        ``data`` is longer than :data:`BUNDLE_MAX_BYTES`, not UTF-8 text, nested deeper
        than :data:`JSON_MAX_NESTING`, or neither kind of bundle.
    """
    if len(data) > BUNDLE_MAX_BYTES:
        raise StorageError(
            f"{name} is larger than {BUNDLE_MAX_BYTES // (1024 * 1024)} MB: not a rom bundle")
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StorageError(f"{name} is not a text file") from None
    if content.lstrip().startswith("{"):
        parsed = _load_json(content, f"{name} is not valid JSON")
        if not isinstance(parsed, dict):
            raise StorageError(f"{name} is not a rom person bundle")
        checked: dict[str, object] = parsed
        return checked
    return csv_to_bundle(content)


def json_nesting(content: str) -> int:
    """How deeply the arrays and objects of JSON text nest (brackets inside strings aside).

    Counted on the raw text, so a hostile file is measured without recursing into it.
    """
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", content)).encode("ascii")
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def _load_json(content: str, invalid: str) -> object:
    """``json.loads`` after the nesting check; ``invalid`` starts the error message."""
    if json_nesting(content) > JSON_MAX_NESTING:
        raise StorageError(f"{invalid} (nested more than {JSON_MAX_NESTING} levels deep)")
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        raise StorageError(f"{invalid} (line {exc.lineno})") from None
    except (RecursionError, ValueError) as exc:  # e.g. a number with 5000 digits
        raise StorageError(f"{invalid} ({str(exc)[:80]})") from None


def bundle_to_csv(bundle: PersonBundle) -> str:
    """The flat CSV text of a bundle (see the module docstring for the layout)."""
    person = bundle["person"]
    base = {
        "person_uid": person["uid"],
        "person_name": person["name"],
        "person_height_cm": person.get("height_cm"),
        "person_notes": person.get("notes"),
    }
    rows: list[Mapping[str, object]] = []
    for session in bundle.get("sessions") or []:
        session_cols = {
            **base,
            "session_uid": session["uid"],
            "session_date": session["date"],
            "session_place": session.get("place"),
            "session_technique": session.get("technique"),
            "session_notes": session.get("notes"),
            "session_technique_duration_s": session.get("technique_duration_s"),
            "session_technique_side": session.get("technique_side"),
        }
        trials = session.get("trials") or []
        if not trials:
            rows.append(session_cols)
        for trial in trials:
            trial_cols = {
                **session_cols,
                "trial_uid": trial["uid"],
                "phase": trial["phase"],
                "trial_test": trial["test"],
                "trial_side": trial.get("side"),
                "video_sha256": trial.get("video_sha256"),
                "video_path": trial.get("video_path"),
                "trial_settings": json.dumps(trial.get("settings") or {}, sort_keys=True),
            }
            measurements = trial.get("measurements") or []
            if not measurements:
                rows.append(trial_cols)
            for m in measurements:
                rows.append({
                    **trial_cols,
                    "measurement_uid": m["uid"],
                    "test": m["test"],
                    "side": m["side"],
                    "value": m["value"],
                    "unit": m["unit"],
                    "quality": m["quality"],
                    "reliable": "true" if m["reliable"] else "false",
                    "reasons": ";".join(m.get("reasons") or ()),
                    "peak_time_s": m.get("peak_time_s"),
                    "peak_frame": m.get("peak_frame"),
                    "secondary": json.dumps(m.get("secondary") or {}, sort_keys=True),
                    "provenance": json.dumps(m.get("provenance") or {}, sort_keys=True),
                    "uncertainty": m.get("uncertainty"),
                    "calibration": _json_text(m.get("calibration")),
                })
    if not rows:
        rows.append(base)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_text(v) for k, v in row.items()})
    return out.getvalue()


def _csv_text(value: object) -> object:
    """A CSV cell: numbers as they are, text defused against formula injection."""
    if value is None:
        return ""
    return neutralise_cell(value) if isinstance(value, str) else value


def csv_to_bundle(content: str) -> dict[str, object]:
    """Rebuild a bundle from :func:`bundle_to_csv` text (raises StorageError if it is not)."""
    reader = csv.DictReader(io.StringIO(content))
    missing = set(CSV_COLUMNS) - OPTIONAL_CSV_COLUMNS - set(reader.fieldnames or ())
    if missing:
        raise StorageError(
            "this CSV is not a rom export (missing columns: "
            + ", ".join(sorted(missing)) + ")"
        )
    person: dict[str, object] | None = None
    sessions: dict[str, dict[str, object]] = {}
    # The lists inside the session and trial entries, by uid, to append to.
    session_trials: dict[str, list[dict[str, object]]] = {}
    trial_measurements: dict[str, list[dict[str, object]]] = {}
    try:
        for line_no, row in enumerate(reader, start=2):
            cell = {k: (restore_cell(v) if v else None)
                    for k, v in row.items() if k in CSV_COLUMNS}
            for optional in OPTIONAL_CSV_COLUMNS:
                cell.setdefault(optional, None)
            if person is None:
                person = {
                    "uid": cell["person_uid"],
                    "name": cell["person_name"],
                    "height_cm": _float(cell["person_height_cm"]),
                    "notes": cell["person_notes"],
                }
            elif cell["person_uid"] != person["uid"]:
                raise StorageError(f"line {line_no}: a bundle holds one person only")
            if cell["session_uid"] is None:
                continue
            session_uid = cell["session_uid"]
            if session_uid not in sessions:
                session_trials[session_uid] = []
                sessions[session_uid] = {
                    "uid": session_uid,
                    "date": cell["session_date"],
                    "place": cell["session_place"],
                    "technique": cell["session_technique"],
                    "notes": cell["session_notes"],
                    "technique_duration_s": _float(cell["session_technique_duration_s"]),
                    "technique_side": cell["session_technique_side"],
                    "trials": session_trials[session_uid],
                }
            trial_uid = cell["trial_uid"]
            if trial_uid is None:
                continue
            if trial_uid not in trial_measurements:
                trial_measurements[trial_uid] = []
                session_trials[session_uid].append({
                    "uid": trial_uid,
                    "phase": cell["phase"],
                    "test": cell["trial_test"],
                    "side": cell["trial_side"],
                    "video_sha256": cell["video_sha256"],
                    "video_path": cell["video_path"],
                    "settings": _json_cell(cell["trial_settings"], line_no),
                    "measurements": trial_measurements[trial_uid],
                })
            if cell["measurement_uid"] is None:
                continue
            trial_measurements[trial_uid].append({
                "uid": cell["measurement_uid"],
                "test": cell["test"],
                "side": cell["side"],
                "value": _float(cell["value"]),
                "unit": cell["unit"],
                "quality": _float(cell["quality"]),
                "reliable": _bool(cell["reliable"]),
                "reasons": [r for r in (cell["reasons"] or "").split(";") if r],
                "peak_time_s": _float(cell["peak_time_s"]),
                "peak_frame": int(cell["peak_frame"]) if cell["peak_frame"] else None,
                "secondary": _json_cell(cell["secondary"], line_no),
                "provenance": _json_cell(cell["provenance"], line_no),
                "uncertainty": _float(cell["uncertainty"]),
                "calibration": (_json_cell(cell["calibration"], line_no)
                                if cell["calibration"] is not None else None),
            })
    except (ValueError, csv.Error) as exc:  # json.JSONDecodeError is a ValueError
        raise StorageError(f"this CSV is not a valid rom export ({exc})") from None
    if person is None:
        raise StorageError("the CSV has no rows")
    return {
        "format": BUNDLE_FORMAT,
        "schema_version": BUNDLE_SCHEMA_VERSION,
        "person": person,
        "sessions": list(sessions.values()),
    }


def _json_text(value: object) -> str | None:
    """JSON text of a mapping cell; None (an empty cell) for None."""
    return None if value is None else json.dumps(value, sort_keys=True)


def _json_cell(text: str | None, line_no: int) -> object:
    return _load_json(text or "{}", f"line {line_no}: a JSON cell is not valid")


def _float(text: str | None) -> float | None:
    return float(text) if text is not None else None


def _bool(text: str | None) -> bool:
    if text is None or text.lower() not in ("true", "false"):
        raise ValueError(f"reliable must be true or false, got {text!r}")
    return text.lower() == "true"
