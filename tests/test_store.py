"""Storage tests, run against SQLite and a real PostgreSQL server (see tests/pg.py)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from rom.cli import main as rom_main
from rom.errors import StorageError
from rom.measurement import MEASUREMENT_FIELDS, CalibrationUsed, Measurement
from rom.store import (
    BUNDLE_SCHEMA_VERSION,
    NewTrial,
    Store,
    head_revision,
    read_bundle,
    write_bundle,
)
from rom.store.engine import create_store_engine, current_revision, migrate
from rom.store.mappers import measurement_columns, measurement_from_row, new_measurement_row
from rom.store.models import Base, MeasurementRow
from rom.store.schema import MeasurementFields

NAME = "Zebulon Quarrington"  # distinctive, so a leak into logs is easy to find
NOTES = "recovering from a left Achilles strain"
#: What every stored test measurement was measured with (typed, mapped to one JSON column).
MARKER_USED = CalibrationUsed(roll_deg=-1.25, roll_source="marker", roll_uncertainty_deg=0.32,
                              cm_per_px=0.3257, scale_source="marker")


def measurement(
    value: float | None,
    *,
    test: str = "ankle-dorsiflexion",
    side: str = "left",
    reliable: bool = True,
    reasons: tuple[str, ...] = (),
) -> Measurement:
    return Measurement(
        test=test,
        side=side,
        value=value,
        unit="deg",
        quality=0.87,
        reliable=reliable,
        reasons=reasons,
        peak_time_s=2.4,
        peak_frame=72,
        secondary={"shank_foot_angle_deg": 95.25, "knee_to_wall_cm": 9.0},
        provenance={"video_sha256": "ab" * 32, "model": "full", "rom_version": "0.1.0"},
        uncertainty=None if value is None else 0.42,
        calibration=MARKER_USED,
    )


def table_counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("people", "sessions", "trials", "measurements")
        }


def add_visit(store: Store, person_id: int, day: dt.date, pre: float, post: float,
              technique: str = "Toe Spreaders") -> int:
    session = store.add_session(
        person_id, date=day, place="Clinic A", technique=technique,
        trials=[
            NewTrial("pre", "ankle-dorsiflexion", "left", measurements=(measurement(pre),)),
            NewTrial("post", "ankle-dorsiflexion", "left", measurements=(measurement(post),)),
            NewTrial("pre", "knee-flexion", "right",
                     measurements=(measurement(130.0, test="knee-flexion", side="right"),)),
        ],
    )
    return session.id


# ---------------------------------------------------------------- writing and reading


def test_session_history_round_trip(store: Store) -> None:
    person = store.add_person(NAME, height_cm=178.5, notes=NOTES)
    # Saved out of date order on purpose: history must come back in time order.
    add_visit(store, person.id, dt.date(2026, 3, 9), pre=35.5, post=39.0)
    add_visit(store, person.id, dt.date(2026, 2, 2), pre=31.25, post=36.75)
    unreliable = measurement(
        None, reliable=False, reasons=("heel_lift", "low_visibility")
    )
    store.add_session(person.id, date=dt.date(2026, 4, 1), technique="Sock Pull",
                      trials=[NewTrial("pre", "ankle-dorsiflexion", "left",
                                       measurements=(unreliable,))])

    history = store.history(person.id, test="ankle-dorsiflexion", side="left")
    assert [(p.date.isoformat(), p.phase, p.measurement.value) for p in history] == [
        ("2026-02-02", "pre", 31.25),
        ("2026-02-02", "post", 36.75),
        ("2026-03-09", "pre", 35.5),
        ("2026-03-09", "post", 39.0),
        ("2026-04-01", "pre", None),
    ]
    last = history[-1]
    assert last.measurement.reliable is False
    assert last.measurement.reasons == ("heel_lift", "low_visibility")
    assert last.technique == "Sock Pull"
    first = history[0]
    assert first.measurement.secondary == {"shank_foot_angle_deg": 95.25, "knee_to_wall_cm": 9.0}
    assert first.measurement.provenance["model"] == "full"
    assert first.measurement.quality == pytest.approx(0.87)
    assert first.measurement.uncertainty == 0.42 and first.measurement.calibration == MARKER_USED
    assert last.measurement.uncertainty is None
    assert first.technique == "Toe Spreaders" and first.place == "Clinic A"

    knee = store.history(person.id, test="knee-flexion")
    assert [(p.measurement.side, p.measurement.value) for p in knee] == [
        ("right", 130.0), ("right", 130.0)]
    assert len(store.history(person.id)) == 7

    sessions = store.sessions(person.id)
    assert [s.date for s in sessions] == [
        dt.date(2026, 2, 2), dt.date(2026, 3, 9), dt.date(2026, 4, 1)]
    assert [s.trial_count for s in sessions] == [3, 3, 1]
    trials = store.trials(sessions[0].id)
    assert [(t.phase, t.test) for t in trials] == [
        ("pre", "ankle-dorsiflexion"), ("pre", "knee-flexion"), ("post", "ankle-dorsiflexion")]
    stored = trials[0].measurements[0]
    # The stored row gives back exactly what Measurement.to_dict() gave.
    assert stored.measurement.to_dict() == measurement(31.25).to_dict()
    assert Measurement.from_dict(stored.measurement.to_dict()) == measurement(31.25)


def test_every_measurement_field_has_a_column_and_a_mapping() -> None:
    # Fails when a field is added to Measurement but not to the store's mapping.
    names = {f.name for f in dataclasses.fields(Measurement)}
    assert set(MEASUREMENT_FIELDS) == names
    assert MeasurementFields.__required_keys__ | MeasurementFields.__optional_keys__ == names
    assert names <= set(MeasurementRow.__table__.columns.keys())
    original = measurement(31.25, reasons=("no_scale",))
    assert set(measurement_columns(original)) == names
    assert measurement_from_row(new_measurement_row(original)) == original


def test_people_list_and_lookup(store: Store) -> None:
    zed = store.add_person(NAME)
    anna = store.add_person("anna (pseudonym)", height_cm=165)
    add_visit(store, zed.id, dt.date(2026, 1, 5), 30.0, 33.0)
    add_visit(store, zed.id, dt.date(2026, 2, 5), 31.0, 34.0)

    people = store.list_people()
    assert [p.name for p in people] == ["anna (pseudonym)", NAME]  # by name, any case
    assert [(p.session_count, p.last_session_date) for p in people] == [
        (0, None), (2, dt.date(2026, 2, 5))]

    assert store.find_person(str(zed.id)).id == zed.id
    assert store.find_person(zed.uid).id == zed.id
    assert store.find_person(NAME.upper()).id == zed.id
    with pytest.raises(StorageError, match="no person"):
        store.find_person("nobody")
    twin = store.add_person("Anna (Pseudonym)")
    with pytest.raises(StorageError, match=f"use an id .*{anna.id}, {twin.id}"):
        store.find_person("anna (pseudonym)")

    updated = store.update_person(anna.id, height_cm=166.0)
    assert updated.height_cm == 166.0 and updated.name == "anna (pseudonym)"


@pytest.mark.parametrize(
    ("bad_trial", "message"),
    [
        (NewTrial("during", "ankle-dorsiflexion"), "phase"),
        (NewTrial("pre", "ankle-dorsiflexion", "middle"), "side"),
        (NewTrial("pre", "ankle-dorsiflexion",
                  measurements=({**measurement(30.0).to_dict(), "quality": 1.5},)), "quality"),
        (NewTrial("pre", "ankle-dorsiflexion",
                  measurements=({"test": "ankle-dorsiflexion", "side": "left"},)), "lacks"),
        (NewTrial("pre", "ankle-dorsiflexion", store_video=True), "video_path"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    store: Store, bad_trial: NewTrial, message: str
) -> None:
    person = store.add_person(NAME)
    good = NewTrial("pre", "ankle-dorsiflexion", "left", measurements=(measurement(30.0),))
    with pytest.raises(StorageError, match=message):
        store.add_session(person.id, trials=[good, bad_trial])
    assert table_counts(store) == {"people": 1, "sessions": 0, "trials": 0, "measurements": 0}


def test_missing_rows_and_not_a_number(store: Store) -> None:
    with pytest.raises(StorageError, match="no person with id 999"):
        store.add_session(999)
    with pytest.raises(StorageError, match="no trial with id 5"):
        store.add_measurement(5, measurement(1.0))
    with pytest.raises(StorageError, match="height"):
        store.add_person(NAME, height_cm=17.8)  # metres typed as cm/10
    person = store.add_person(NAME)
    session = store.add_session(person.id, trials=[NewTrial("post", "toe-touch")])
    trial = store.trials(session.id)[0]
    # A non-finite primary value is refused (issue 12, item 10: it used to become None while
    # the measurement stayed reliable); in ``secondary`` it still means "not measured".
    with pytest.raises(StorageError, match="finite"):
        store.add_measurement(trial.id, measurement(float("nan")))
    inf_dict = {**measurement(30.0).to_dict(), "secondary": {"reach_cm": float("inf")}}
    saved = store.add_measurement(trial.id, inf_dict)
    assert saved.measurement.value == 30.0 and saved.measurement.secondary == {"reach_cm": None}


# ---------------------------------------------------------------- failures mid-write


def test_failure_mid_transaction_rolls_back_everything(store: Store) -> None:
    person = store.add_person(NAME)
    add_visit(store, person.id, dt.date(2026, 1, 1), 30.0, 32.0)
    before = table_counts(store)
    executed: list[str] = []

    def fail_at_measurements(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        table = statement.split()[2].lower() if statement.upper().startswith("INSERT") else ""
        executed.append(table)
        if table == "measurements":
            # What the driver raises when the disk fills up mid-transaction.
            raise sa.exc.OperationalError(statement, None, Exception("disk is full"))

    sa.event.listen(store.engine, "before_cursor_execute", fail_at_measurements)
    try:
        with pytest.raises(StorageError, match="could not save the session: disk is full"):
            add_visit(store, person.id, dt.date(2026, 1, 2), 40.0, 42.0)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", fail_at_measurements)
    # The failure came part-way through: the session and its trials were already inserted.
    assert {"sessions", "trials"} <= set(executed[: executed.index("measurements")])
    assert table_counts(store) == before
    assert store.integrity_problems() == []
    add_visit(store, person.id, dt.date(2026, 1, 3), 41.0, 43.0)  # the store still works
    assert [p.measurement.value for p in store.history(person.id, test="ankle-dorsiflexion")] == [
        30.0, 32.0, 41.0, 43.0]


def test_sqlite_real_full_database_loses_nothing(data_dir: Path) -> None:
    url = f"sqlite:///{data_dir / 'full.sqlite3'}"
    with Store(url) as store:
        person = store.add_person(NAME)
        add_visit(store, person.id, dt.date(2026, 1, 1), 30.0, 32.0)
        before = table_counts(store)
        with store.engine.connect() as connection:
            pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()

    # SQLite's max_page_count makes the file "full" for real: SQLITE_FULL, as on a full disk.
    full = Store(url)
    sa.event.listen(full.engine, "connect",
                    lambda dbapi, _: dbapi.execute(f"PRAGMA max_page_count = {pages}"))
    full.engine.dispose()
    big_notes = "x" * 90_000
    with pytest.raises(StorageError, match="database or disk is full"):
        full.add_session(person.id, notes=big_notes, trials=[
            NewTrial("pre", "toe-touch", measurements=(measurement(1.0, test="toe-touch"),))])
    full.close()

    with Store(url) as store:
        assert store.integrity_problems() == []
        assert table_counts(store) == before
        history = store.history(person.id, test="ankle-dorsiflexion")
        assert [p.measurement.value for p in history] == [30.0, 32.0]


def test_two_threads_writing_at_once_lose_nothing(db_url: str, data_dir: Path) -> None:
    with Store(db_url) as store:
        person_id = store.add_person(NAME).id
    errors: list[BaseException] = []

    shared = Store(db_url)  # "b" shares one Store between threads, as a web app would

    def writer(label: str) -> None:
        try:
            target = Store(db_url) if label == "a" else shared
            for i in range(12):
                target.add_session(person_id, technique=f"{label}-{i}", trials=[
                    NewTrial("pre", "hip-extension", "left",
                             measurements=(measurement(float(i), test="hip-extension"),)),
                ])
            if target is not shared:
                target.close()
        except BaseException as exc:  # reported below; a thread cannot raise into pytest
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(label,)) for label in ("a", "b")]
    for thread in threads:
        thread.start()
    shared.add_person("written from the main thread meanwhile")
    for thread in threads:
        thread.join(timeout=120)
    shared.close()
    assert errors == []
    with Store(db_url) as store:
        techniques = sorted(s.technique or "" for s in store.sessions(person_id))
        assert techniques == sorted(f"{label}-{i}" for label in "ab" for i in range(12))
        assert len(store.history(person_id)) == 24
        assert store.integrity_problems() == []


# ---------------------------------------------------------------- deleting and videos


def test_delete_person_removes_rows_and_stored_videos(store: Store, tmp_path: Path) -> None:
    shared_video = tmp_path / "shared.mp4"
    shared_video.write_bytes(b"\x00\x00\x00\x18ftypmp42 shared clip" * 100)
    own_video = tmp_path / "own.MOV"
    own_video.write_bytes(b"\x00\x00\x00\x14ftypqt   own clip" * 100)
    zed = store.add_person(NAME)
    other = store.add_person("Other Runner")
    store.add_session(zed.id, trials=[
        NewTrial("pre", "toe-touch", video_path=shared_video, store_video=True),
        NewTrial("post", "toe-touch", video_path=own_video, store_video=True,
                 measurements=(measurement(0.4, test="toe-touch"),)),
    ])
    other_session = store.add_session(other.id, trials=[
        NewTrial("pre", "toe-touch", video_path=shared_video, store_video=True)])

    shared_sha = hashlib.sha256(shared_video.read_bytes()).hexdigest()
    own_sha = hashlib.sha256(own_video.read_bytes()).hexdigest()
    shared_copy = store.video_dir / f"{shared_sha}.mp4"
    own_copy = store.video_dir / f"{own_sha}.mov"
    assert shared_copy.read_bytes() == shared_video.read_bytes()
    assert own_copy.read_bytes() == own_video.read_bytes()
    trial = store.trials(other_session.id)[0]
    assert trial.video_sha256 == shared_sha and trial.stored_video == shared_copy
    assert store.video_path(own_sha) == own_copy

    removed = store.delete_person(zed.id).stored_videos_removed
    assert removed == 1  # the clip the other person still uses stays
    assert not own_copy.exists() and shared_copy.exists()
    assert table_counts(store) == {"people": 1, "sessions": 1, "trials": 1, "measurements": 0}
    with pytest.raises(StorageError):
        store.sessions(zed.id)

    assert store.delete_person(other.id).stored_videos_removed == 1
    assert not shared_copy.exists()
    assert table_counts(store) == {"people": 0, "sessions": 0, "trials": 0, "measurements": 0}
    assert [p.name for p in store.video_dir.iterdir()] == []  # no temporary files left


def test_trials_added_one_by_one_and_sessions_deleted(store: Store, tmp_path: Path) -> None:
    video = tmp_path / "post.webm"
    video.write_bytes(b"webm bytes" * 64)
    person = store.add_person(NAME)
    session = store.add_session(person.id, date="2026-05-04", technique="Other")
    pre = store.add_trial(session.id, NewTrial("pre", "hip-flexion", "auto"))
    assert pre.side is None and pre.measurements == ()
    saved = store.add_measurement(pre.id, measurement(101.5, test="hip-flexion", side="right"))
    post = store.add_trial(session.id, NewTrial(
        "post", "hip-flexion", "right", video_path=video, store_video=True,
        settings={"model": "full", "fps": 30.0},
        measurements=(measurement(109.0, test="hip-flexion", side="right"),)))
    assert post.video_sha256 == hashlib.sha256(video.read_bytes()).hexdigest()
    assert post.settings == {"model": "full", "fps": 30.0}
    assert post.stored_video is not None and post.stored_video.read_bytes() == video.read_bytes()
    assert [(p.phase, p.measurement.value, p.measurement_id == saved.id) for p in
            store.history(person.id, test="hip-flexion", side="right")] == [
        ("pre", 101.5, True), ("post", 109.0, False)]
    assert store.sessions(person.id)[0].date == dt.date(2026, 5, 4)

    # An orphaned copy (e.g. left by a crash between commit and clean-up) is pruned.
    orphan = store.video_dir / ("0" * 64 + ".mp4")
    orphan.write_bytes(b"orphan")
    assert store.prune_videos() == 1 and not orphan.exists()
    assert post.stored_video.exists()

    assert store.delete_session(session.id).stored_videos_removed == 1
    assert not post.stored_video.exists()
    assert table_counts(store) == {"people": 1, "sessions": 0, "trials": 0, "measurements": 0}
    with pytest.raises(StorageError, match="date"):
        store.add_session(person.id, date="4/5/2026")


def test_failed_save_does_not_leave_a_video_copy(store: Store, tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"video bytes" * 50)
    person = store.add_person(NAME)
    bad = NewTrial("pre", "toe-touch", measurements=({"test": "toe-touch"},))
    with pytest.raises(StorageError):
        store.add_session(person.id, trials=[
            NewTrial("pre", "toe-touch", video_path=video, store_video=True), bad])
    with pytest.raises(StorageError):
        store.add_session(999, trials=[
            NewTrial("pre", "toe-touch", video_path=video, store_video=True)])
    assert not store.video_dir.exists() or list(store.video_dir.iterdir()) == []


# ---------------------------------------------------------------- export and import


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_delete_import_gives_the_same_history(
    store: Store, tmp_path: Path, fmt: str
) -> None:
    person = store.add_person(NAME, height_cm=181.0, notes=NOTES + ",\n\"quoted\"")
    add_visit(store, person.id, dt.date(2026, 1, 10), 30.5, 34.0)
    add_visit(store, person.id, dt.date(2026, 2, 10), 32.0, 35.5, technique="Sock Pull")
    store.add_session(person.id, date=dt.date(2026, 3, 1), notes="no trials today")
    store.add_session(person.id, date=dt.date(2026, 3, 2),
                      trials=[NewTrial("pre", "toe-touch", settings={"fps": 30})])
    store.add_session(person.id, date=dt.date(2026, 3, 3), trials=[NewTrial(
        "post", "toe-touch", measurements=(measurement(
            0.55, test="toe-touch", reliable=False, reasons=("knees_bent", "no_scale")),))])
    history_before = store.history(person.id)
    sessions_before = store.sessions(person.id)

    path = tmp_path / f"bundle.{fmt}"
    write_bundle(store.export_bundle(person.id), path)
    if fmt == "json":
        assert json.loads(path.read_text())["schema_version"] == BUNDLE_SCHEMA_VERSION
    else:
        assert path.read_text().splitlines()[0].startswith("person_uid,person_name")
    store.delete_person(person.id)
    assert store.list_people() == []

    summary = store.import_bundle(read_bundle(path))
    assert (summary.people_added, summary.sessions_added, summary.trials_added,
            summary.measurements_added) == (1, 5, 8, 7)
    restored = store.get_person(summary.person_id)
    assert (restored.uid, restored.name, restored.height_cm, restored.notes) == (
        person.uid, NAME, 181.0, NOTES + ",\n\"quoted\"")

    def comparable(points: list[Any]) -> list[tuple[Any, ...]]:
        return [(p.session_uid, p.date, p.technique, p.phase, p.measurement.test,
                 p.measurement.side, p.measurement.value, p.measurement.unit,
                 p.measurement.quality, p.measurement.reliable, p.measurement.reasons,
                 p.measurement.secondary, p.measurement.provenance,
                 p.measurement.uncertainty, p.measurement.calibration)
                for p in points]

    assert comparable(store.history(summary.person_id)) == comparable(history_before)
    assert [(s.uid, s.date, s.notes, s.trial_count) for s in store.sessions(summary.person_id)] \
        == [(s.uid, s.date, s.notes, s.trial_count) for s in sessions_before]

    again = store.import_bundle(read_bundle(path))
    assert not again.anything_added and again.person_id == summary.person_id
    assert table_counts(store) == {"people": 1, "sessions": 5, "trials": 8, "measurements": 7}


def test_import_adds_only_what_is_new(store: Store) -> None:
    person = store.add_person(NAME)
    add_visit(store, person.id, dt.date(2026, 1, 10), 30.0, 31.0)
    early = store.export_bundle(person.id)
    add_visit(store, person.id, dt.date(2026, 2, 10), 32.0, 33.0)
    full = store.export_bundle(person.id)
    store.delete_person(person.id)
    store.import_bundle(early)
    summary = store.import_bundle(full)
    assert (summary.people_added, summary.sessions_added, summary.measurements_added) == (
        0, 1, 3)
    assert len(store.history(summary.person_id)) == 6


@pytest.mark.parametrize(
    ("bundle", "message"),
    [
        ({"format": "something-else"}, "not a rom person bundle"),
        ({"format": "rom-person-bundle", "schema_version": BUNDLE_SCHEMA_VERSION + 1},
         "upgrade rom"),
        ({"format": "rom-person-bundle", "schema_version": 1, "person": {"name": "x"}},
         "malformed"),
    ],
)
def test_bad_bundles_are_refused(store: Store, bundle: dict[str, Any], message: str) -> None:
    with pytest.raises(StorageError, match=message):
        store.import_bundle(bundle)
    assert table_counts(store)["people"] == 0


def test_a_bad_row_deep_in_a_bundle_imports_nothing(store: Store) -> None:
    person = store.add_person(NAME)
    add_visit(store, person.id, dt.date(2026, 1, 10), 30.0, 31.0)
    bundle = store.export_bundle(person.id)
    store.delete_person(person.id)
    bundle["sessions"][0]["trials"][-1]["measurements"][0]["quality"] = "high"
    with pytest.raises(StorageError, match="quality"):
        store.import_bundle(bundle)
    assert table_counts(store) == {"people": 0, "sessions": 0, "trials": 0, "measurements": 0}


def _without_new_fields(bundle: dict[str, Any]) -> dict[str, Any]:
    """``bundle`` as a rom from before uncertainty and calibration were kept wrote it."""
    for session in bundle["sessions"]:
        for trial in session["trials"]:
            for m in trial["measurements"]:
                del m["uncertainty"], m["calibration"]
    return bundle


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_old_bundle_without_uncertainty_or_calibration_imports(
    store: Store, tmp_path: Path, fmt: str
) -> None:
    person = store.add_person(NAME)
    add_visit(store, person.id, dt.date(2026, 1, 10), 30.0, 31.0)
    old = _without_new_fields(store.export_bundle(person.id))  # type: ignore[arg-type]
    store.delete_person(person.id)
    path = tmp_path / f"old.{fmt}"
    write_bundle(old, path)  # type: ignore[arg-type]
    if fmt == "csv":  # an old export has no such columns at all
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert rows[0]["uncertainty"] == "" and rows[0]["calibration"] == ""
        columns = [c for c in rows[0] if c not in ("uncertainty", "calibration")]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    summary = store.import_bundle(read_bundle(path))
    assert summary.measurements_added == 3
    points = store.history(summary.person_id)
    assert sorted(p.measurement.value for p in points) == [30.0, 31.0, 130.0]
    assert {(p.measurement.uncertainty, p.measurement.calibration) for p in points} == {
        (None, None)}


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_bundles_carry_uncertainty_and_calibration(store: Store, tmp_path: Path,
                                                  fmt: str) -> None:
    person = store.add_person(NAME)
    levelled = dataclasses.replace(measurement(31.5), uncertainty=1.75, calibration=(
        CalibrationUsed(roll_deg=0.0, roll_source="none", marker_rejection="blurred")))
    store.add_session(person.id, date=dt.date(2026, 1, 10), trials=[
        NewTrial("pre", "ankle-dorsiflexion", "left", measurements=(levelled,)),
        NewTrial("post", "ankle-dorsiflexion", "left", measurements=(measurement(36.0),))])
    path = tmp_path / f"b.{fmt}"
    write_bundle(store.export_bundle(person.id), path)
    if fmt == "json":
        first = json.loads(path.read_text())["sessions"][0]["trials"][0]["measurements"][0]
        assert first["uncertainty"] == 1.75
        assert first["calibration"] == {
            "roll_deg": 0.0, "roll_source": "none", "roll_uncertainty_deg": None,
            "cm_per_px": None, "scale_source": None, "marker_rejection": "blurred"}
    store.delete_person(person.id)
    summary = store.import_bundle(read_bundle(path))
    stored = [p.measurement for p in store.history(summary.person_id)]
    assert stored == [levelled, measurement(36.0)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"uncertainty": -0.5}, "uncertainty must be between 0"),
        ({"uncertainty": 500.0}, "uncertainty must be between 0 and 125"),  # ankle: -45..80
        ({"uncertainty": "wide"}, "uncertainty must be a number"),
        ({"uncertainty": float("nan")}, "uncertainty must be a finite"),
        ({"calibration": "marker"}, "calibration must be a dictionary"),
        ({"calibration": {**MARKER_USED.to_dict(), "lens": "wide"}}, "unknown keys: lens"),
        ({"calibration": {**MARKER_USED.to_dict(), "roll_deg": float("inf")}}, "roll_deg"),
        ({"calibration": {**MARKER_USED.to_dict(), "roll_deg": 60.0}}, "within ±45"),
        ({"calibration": {**MARKER_USED.to_dict(), "roll_uncertainty_deg": -1.0}},
         "roll_uncertainty_deg"),
        ({"calibration": {**MARKER_USED.to_dict(), "cm_per_px": 0.0}}, "cm_per_px"),
        ({"calibration": {**MARKER_USED.to_dict(), "cm_per_px": 1e6}}, "cm_per_px"),
        ({"calibration": {**MARKER_USED.to_dict(), "scale_source": "x" * 65}},
         "scale_source is longer"),
        ({"calibration": {**MARKER_USED.to_dict(), "roll_source": "a\x00b"}}, "NUL"),
    ],
)
def test_a_bad_uncertainty_or_calibration_is_refused(
    store: Store, change: dict[str, Any], message: str
) -> None:
    person = store.add_person(NAME)
    bad = {**measurement(30.0).to_dict(), **change}
    with pytest.raises(StorageError, match=message):
        store.add_session(person.id, date=dt.date(2026, 1, 10),
                          trials=[NewTrial("pre", "ankle-dorsiflexion", measurements=(bad,))])
    assert table_counts(store)["measurements"] == 0


def test_read_bundle_rejects_other_files(tmp_path: Path) -> None:
    csv_file = tmp_path / "other.csv"
    csv_file.write_text("a,b\n1,2\n")
    with pytest.raises(StorageError, match="not a rom export"):
        read_bundle(csv_file)
    broken = tmp_path / "broken.json"
    broken.write_text("{\n  not json")
    with pytest.raises(StorageError, match="not valid JSON"):
        read_bundle(broken)
    with pytest.raises(StorageError, match="cannot read"):
        read_bundle(tmp_path / "missing.json")


# ---------------------------------------------------------------- schema and migrations


def test_database_made_at_the_first_revision_is_upgraded(db_url: str, data_dir: Path) -> None:
    engine = create_store_engine(db_url)
    migrate(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO people (uid, name, created_at) "
            "VALUES ('00000000-0000-4000-8000-000000000001', :name, :now)"),
            {"name": NAME, "now": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})
        assert "ix_measurements_trial_id" not in {
            ix["name"] for ix in sa.inspect(connection).get_indexes("measurements")}
    engine.dispose()

    with Store(db_url) as store:
        # 0004 (session details, settings) is the head since this branch.
        assert current_revision(store.engine) == head_revision() == "0004"
        with store.engine.connect() as connection:
            assert "ix_measurements_trial_id" in {
                ix["name"] for ix in sa.inspect(connection).get_indexes("measurements")}
        old = store.find_person("00000000-0000-4000-8000-000000000001")
        assert old.name == NAME
        add_visit(store, old.id, dt.date(2026, 2, 1), 30.0, 31.0)
        assert len(store.history(old.id)) == 3


def test_rows_from_before_revision_0003_read_without_uncertainty(
    db_url: str, data_dir: Path
) -> None:
    engine = create_store_engine(db_url)
    migrate(engine, "0002")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    old = measurement(33.0).to_dict()
    del old["uncertainty"], old["calibration"]
    with engine.begin() as connection:
        tables = {name: sa.Table(name, sa.MetaData(), autoload_with=connection)
                  for name in ("people", "sessions", "trials", "measurements")}
        assert "calibration" not in tables["measurements"].columns
        # No explicit ids: PostgreSQL's sequences must hand out the next ones afterwards.
        person_id = connection.execute(tables["people"].insert(), {
            "uid": "00000000-0000-4000-8000-000000000001", "name": NAME,
            "created_at": now}).inserted_primary_key[0]
        session_id = connection.execute(tables["sessions"].insert(), {
            "uid": "00000000-0000-4000-8000-000000000002", "person_id": person_id,
            "date": dt.date(2026, 1, 1), "created_at": now}).inserted_primary_key[0]
        trial_id = connection.execute(tables["trials"].insert(), {
            "uid": "00000000-0000-4000-8000-000000000003", "session_id": session_id,
            "phase": "pre", "test": "ankle-dorsiflexion", "side": "left", "settings": {},
            "created_at": now}).inserted_primary_key[0]
        connection.execute(tables["measurements"].insert(), {
            "uid": "00000000-0000-4000-8000-000000000004", "trial_id": trial_id,
            "created_at": now, **old})
    engine.dispose()

    with Store(db_url) as store:  # upgrades to the head
        assert current_revision(store.engine) == "0004"
        (point,) = store.history(person_id)
        assert point.measurement.value == 33.0 and point.measurement.secondary == old[
            "secondary"]
        assert (point.measurement.uncertainty, point.measurement.calibration) == (None, None)
        store.add_session(person_id, date=dt.date(2026, 2, 1), trials=[
            NewTrial("post", "ankle-dorsiflexion", "left", measurements=(measurement(36.0),))])
        assert [p.measurement.calibration for p in store.history(person_id)] == [
            None, MARKER_USED]
        with store.engine.connect() as connection:
            # An absent calibration is SQL NULL in new rows too (not JSON null).
            nulls = connection.execute(sa.text(
                "SELECT count(*) FROM measurements WHERE calibration IS NULL")).scalar_one()
        assert nulls == 1


def test_orm_models_match_the_migrated_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_database_from_a_newer_rom_is_refused(db_url: str, data_dir: Path) -> None:
    Store(db_url).close()
    engine = create_store_engine(db_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StorageError, match="newer rom"):
        Store(db_url)


def test_default_is_a_wal_sqlite_file_in_the_data_dir(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store() as store:
        assert store.url == f"sqlite:///{data_dir / 'rom.sqlite3'}"
        store.add_person(NAME)
        with store.engine.connect() as connection:
            pragma = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()
                      for name in ("journal_mode", "foreign_keys", "busy_timeout",
                                   "synchronous")}
        assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000,
                          "synchronous": 2}
    other = data_dir / "elsewhere.sqlite3"
    monkeypatch.setenv("ROM_DATABASE_URL", f"sqlite:///{other}")
    with Store() as store:
        assert store.list_people() == []
    assert other.is_file()


def test_unusable_urls_give_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="not valid"):
        Store("not a url at all")
    with pytest.raises(StorageError, match="unsupported database 'mysql'"):
        Store("mysql://someone@localhost/rom")
    with pytest.raises(StorageError, match="folder does not exist"):
        Store(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.sqlite3'}")
    with pytest.raises(StorageError, match="could not open the database"):
        Store(f"postgresql://nobody@/rom?host={tmp_path}&port=1")
    not_a_database = tmp_path / "notes.sqlite3"
    not_a_database.write_bytes(b"these are someone's notes, not a database" * 100)
    with pytest.raises(StorageError, match="could not open the database: file is not a"):
        Store(f"sqlite:///{not_a_database}")
    assert not_a_database.read_bytes().startswith(b"these are")  # and it was not touched


# ---------------------------------------------------------------- privacy


def test_no_personal_data_in_logs(
    db_url: str, data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # everything, including SQLAlchemy's own loggers
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        with Store(db_url) as store:
            person = store.add_person(NAME, notes=NOTES)
            add_visit(store, person.id, dt.date(2026, 1, 1), 30.0, 31.0, technique="Sock Pull")
            store.update_person(person.id, notes=NOTES + " (better)")
            store.find_person(NAME)
            store.history(person.id)
            write_bundle(store.export_bundle(person.id), tmp_path / "b.json")
            store.delete_person(person.id)
            store.import_bundle(read_bundle(tmp_path / "b.json"))
            with pytest.raises(StorageError):
                store.add_person(NAME * 20)  # too long: refused
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.NOTSET)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "person 1 added" in text  # logging did happen...
    assert "INSERT INTO people" in text  # ...SQL statements included...
    for secret in ("Zebulon", "Quarrington", "Achilles"):  # ...but never their values
        assert secret not in text


# ---------------------------------------------------------------- command line


def test_cli_people_sessions_history_export_import_delete(
    db_url: str, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store(db_url) as store:
        person = store.add_person(NAME, height_cm=178)
        add_visit(store, person.id, dt.date(2026, 1, 10), 30.5, 34.0)
        store.add_session(person.id, date=dt.date(2026, 2, 1), trials=[NewTrial(
            "pre", "ankle-dorsiflexion", "left",
            measurements=(measurement(28.0, reliable=False, reasons=("heel_lift",)),))])

    def rom(*args: str) -> tuple[int, str, str]:
        code = rom_main([*args, "--db", db_url])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = rom("people")
    assert code == 0 and NAME in out and "2026-02-01" in out
    code, out, _ = rom("sessions", NAME)
    assert code == 0 and "Toe Spreaders" in out and "2026-01-10" in out
    code, out, _ = rom("history", str(person.id), "--test", "ankle-dorsiflexion")
    lines = [line for line in out.splitlines() if "ankle-dorsiflexion" in line]
    assert code == 0 and len(lines) == 3
    assert "30.5" in lines[0] and "pre" in lines[0]
    assert "34.0" in lines[1] and "post" in lines[1]
    assert "unreliable" in lines[2] and "heel_lift" in lines[2]

    export = tmp_path / "out.csv"
    code, _, _ = rom("export", NAME, "--out", str(export))
    assert code == 0 and export.read_text().count("\n") == 5  # header + 4 measurements
    json_export = tmp_path / "out.data"
    assert rom("export", NAME, "--out", str(json_export), "--format", "json")[0] == 0
    assert json.loads(json_export.read_text())["person"]["name"] == NAME

    code, _, err = rom("delete-person", NAME)
    assert code == 2 and "--yes" in err
    assert rom("delete-person", NAME, "--yes")[0] == 0
    code, _, err = rom("sessions", NAME)
    assert code == 2 and err.startswith("error: no person")

    code, out, _ = rom("import", str(export))
    assert code == 0 and "3 sessions" not in out and "2 sessions" in out
    code, out, _ = rom("import", str(json_export))
    assert code == 0 and "nothing new" in out
    code, _, err = rom("import", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err
