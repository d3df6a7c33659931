"""A person's history as a file: one JSON bundle (lossless) or one flat CSV (spreadsheets).

The JSON file is exactly :meth:`rom.store.Store.export_bundle`'s dictionary
(:class:`rom.store.schema.PersonBundle`).  The CSV has
one row per measurement; a trial without measurements, a session without trials and a
person without sessions each still get one row with the lower levels left empty, so
reading the CSV back (:func:`read_bundle`) rebuilds the same history.  ``reasons`` are
joined with ``;``; ``settings``, ``secondary`` and ``provenance`` are JSON text.  Creation
times are kept only by the JSON bundle.

Files are written to a temporary name and renamed into place, so an interrupted export
never leaves half a file under the requested name.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path

from rom.errors import StorageError
from rom.fileio import atomic_write_text
from rom.store.schema import BUNDLE_FORMAT, BUNDLE_SCHEMA_VERSION, PersonBundle

FORMATS = ("json", "csv")

CSV_COLUMNS = (
    "person_uid", "person_name", "person_height_cm", "person_notes",
    "session_uid", "session_date", "session_place", "session_technique", "session_notes",
    "trial_uid", "phase", "trial_test", "trial_side", "video_sha256", "video_path",
    "trial_settings",
    "measurement_uid", "test", "side", "value", "unit", "quality", "reliable", "reasons",
    "peak_time_s", "peak_frame", "secondary", "provenance",
)


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
        The file is missing, unreadable, or neither kind of bundle.
    """
    try:
        content = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError:
        raise StorageError(f"{path} is not a text file") from None
    if content.lstrip().startswith("{"):
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            raise StorageError(f"{path} is not valid JSON (line {exc.lineno})") from None
        if not isinstance(data, dict):
            raise StorageError(f"{path} is not a rom person bundle")
        checked: dict[str, object] = data
        return checked
    return csv_to_bundle(content)


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
                })
    if not rows:
        rows.append(base)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()


def csv_to_bundle(content: str) -> dict[str, object]:
    """Rebuild a bundle from :func:`bundle_to_csv` text (raises StorageError if it is not)."""
    reader = csv.DictReader(io.StringIO(content))
    missing = set(CSV_COLUMNS) - set(reader.fieldnames or ())
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
            cell = {k: (v if v != "" else None) for k, v in row.items() if k in CSV_COLUMNS}
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
                    "settings": json.loads(cell["trial_settings"] or "{}"),
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
                "secondary": json.loads(cell["secondary"] or "{}"),
                "provenance": json.loads(cell["provenance"] or "{}"),
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


def _float(text: str | None) -> float | None:
    return float(text) if text is not None else None


def _bool(text: str | None) -> bool:
    if text is None or text.lower() not in ("true", "false"):
        raise ValueError(f"reliable must be true or false, got {text!r}")
    return text.lower() == "true"
