"""Dated, noted sessions with their technique details, and the store-wide settings (0004)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from rom.errors import StorageError
from rom.store import NewTrial, Store, read_bundle, write_bundle
from rom.store.engine import create_store_engine, current_revision, migrate
from tests.test_store import NAME, add_visit, measurement

NEW_COLUMNS = ("session_technique_duration_s", "session_technique_side")


def test_a_session_keeps_its_technique_details_and_can_be_edited(store: Store) -> None:
    person = store.add_person(NAME)
    saved = store.add_session(
        person.id, date=dt.date(2026, 11, 3), technique="Sock Pull", notes="sore calf",
        technique_duration_s=90.0, technique_side="left",
        trials=[NewTrial("pre", "ankle-dorsiflexion", "left",
                         measurements=(measurement(30.0),))])
    assert (saved.technique_duration_s, saved.technique_side) == (90.0, "left")
    (listed,) = store.sessions(person.id)
    assert (listed.date, listed.notes, listed.technique_duration_s, listed.technique_side) == (
        dt.date(2026, 11, 3), "sore calf", 90.0, "left")

    edited = store.update_session(saved.id, date=dt.date(2026, 11, 2), notes=None,
                                  technique_side="both")
    # Not given: kept; None: cleared.
    assert (edited.date, edited.notes, edited.technique, edited.technique_duration_s,
            edited.technique_side, edited.trial_count) == (
        dt.date(2026, 11, 2), None, "Sock Pull", 90.0, "both", 1)
    assert store.get_session(saved.id) == edited


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"technique_side": "up"}, "technique's side must be one of left, right, both"),
        ({"technique_duration_s": -5.0}, "between 0 and 86400 s"),
        ({"technique_duration_s": 1e6}, "between 0 and 86400 s"),
        ({"technique_duration_s": float("nan")}, "finite"),
    ],
)
def test_bad_technique_details_are_refused(
    store: Store, details: dict[str, object], message: str
) -> None:
    person = store.add_person(NAME)
    with pytest.raises(StorageError, match=message):
        store.add_session(person.id, **details)  # type: ignore[arg-type]
    session = store.add_session(person.id)
    with pytest.raises(StorageError, match=message):
        store.update_session(session.id, **details)  # type: ignore[arg-type]
    assert store.get_session(session.id).technique_side is None


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_bundles_carry_the_technique_details(store: Store, tmp_path: Path, fmt: str) -> None:
    person = store.add_person(NAME)
    store.add_session(person.id, date=dt.date(2026, 11, 3), technique="Sock Pull",
                      technique_duration_s=120.0, technique_side="right",
                      trials=[NewTrial("pre", "ankle-dorsiflexion", "left",
                                       measurements=(measurement(30.0),))])
    path = tmp_path / f"b.{fmt}"
    write_bundle(store.export_bundle(person.id), path)
    if fmt == "json":
        session = json.loads(path.read_text())["sessions"][0]
        assert (session["technique_duration_s"], session["technique_side"]) == (120.0, "right")
    else:
        (row,) = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
        assert (row[NEW_COLUMNS[0]], row[NEW_COLUMNS[1]]) == ("120.0", "right")
    store.delete_person(person.id)
    summary = store.import_bundle(read_bundle(path))
    (imported,) = store.sessions(summary.person_id)
    assert (imported.technique_duration_s, imported.technique_side) == (120.0, "right")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_old_bundle_without_technique_details_imports(
    store: Store, tmp_path: Path, fmt: str
) -> None:
    person = store.add_person(NAME)
    add_visit(store, person.id, dt.date(2026, 1, 10), 30.0, 31.0)
    bundle = store.export_bundle(person.id)
    store.delete_person(person.id)
    path = tmp_path / f"old.{fmt}"
    if fmt == "json":
        for session in bundle["sessions"]:
            del session["technique_duration_s"], session["technique_side"]  # type: ignore[misc]
        path.write_text(json.dumps(bundle), encoding="utf-8")
    else:  # an old export has no such columns at all
        write_bundle(bundle, path)
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=[c for c in rows[0] if c not in NEW_COLUMNS],
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    summary = store.import_bundle(read_bundle(path))
    assert summary.measurements_added == 3
    (imported,) = store.sessions(summary.person_id)
    assert (imported.technique, imported.technique_duration_s, imported.technique_side) == (
        "Toe Spreaders", None, None)


def test_settings_are_stored_once_for_the_whole_store(db_url: str, data_dir: Path) -> None:
    with Store(db_url) as store:
        assert store.setting("report.clinic") is None
        store.set_setting("report.clinic", "  Riverside Physio ")
        store.set_setting("report.clinician", "A. Okafor")
        store.set_setting("report.clinician", "B. Okafor")
    with Store(db_url) as store:  # kept across openings
        assert store.setting("report.clinic") == "Riverside Physio"
        assert store.setting("report.clinician") == "B. Okafor"
        store.set_setting("report.clinic", "")
        assert store.setting("report.clinic") is None
        with pytest.raises(StorageError, match="setting's name"):
            store.set_setting("no spaces", "x")


def test_a_0003_database_is_upgraded_and_keeps_its_sessions(db_url: str, data_dir: Path) -> None:
    engine = create_store_engine(db_url)
    migrate(engine, "0003")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with engine.begin() as connection:
        tables = {name: sa.Table(name, sa.MetaData(), autoload_with=connection)
                  for name in ("people", "sessions")}
        assert "technique_side" not in tables["sessions"].columns
        person_id = connection.execute(tables["people"].insert(), {
            "uid": "00000000-0000-4000-8000-000000000001", "name": NAME,
            "created_at": now}).inserted_primary_key[0]
        connection.execute(tables["sessions"].insert(), {
            "uid": "00000000-0000-4000-8000-000000000002", "person_id": person_id,
            "date": dt.date(2025, 12, 24), "technique": "Sock Pull", "notes": "first visit",
            "created_at": now})
    engine.dispose()

    with Store(db_url) as store:
        assert current_revision(store.engine) == "0004"
        (old,) = store.sessions(person_id)
        assert (old.date, old.technique, old.notes, old.technique_duration_s,
                old.technique_side) == (dt.date(2025, 12, 24), "Sock Pull", "first visit",
                                        None, None)
        store.update_session(old.id, technique_duration_s=60.0)
        assert store.get_session(old.id).technique_duration_s == 60.0
