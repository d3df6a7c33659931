"""Attacks on import, export and the measurement checks (issue 12, items 2 and 8-11).

Each test performs the attack itself: a hostile bundle file through ``rom import`` (one
``error:`` line, exit code 2, nothing written) or through :meth:`Store.import_bundle` and
:meth:`Store.add_measurement` (a :class:`rom.errors.StorageError`, a ``RomError``, which
the dashboard shows as a message).  Runs on SQLite and PostgreSQL (see tests/pg.py).
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from rom import report
from rom.cli import main as rom_main
from rom.csvsafe import neutralise_cell, restore_cell
from rom.errors import RomError, StorageError
from rom.store import NewTrial, Store, bundle_file, read_bundle, write_bundle
from rom.store.validate import value_in_range
from tests.test_store import add_visit, measurement, table_counts

EMPTY = {"people": 0, "sessions": 0, "trials": 0, "measurements": 0}


def exported(store: Store) -> dict[str, Any]:
    """A one-visit bundle of a person who is then deleted (so importing it adds rows)."""
    person = store.add_person("Ada Example")
    add_visit(store, person.id, dt.date(2026, 1, 10), 30.0, 31.0)
    bundle: dict[str, Any] = copy.deepcopy(dict(store.export_bundle(person.id)))
    store.delete_person(person.id)
    return bundle


def first_measurement(bundle: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = bundle["sessions"][0]["trials"][0]["measurements"][0]
    return entry


def cli_import(db_url: str, path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = rom_main(["import", str(path), "--db", db_url])
    _out, err = capsys.readouterr()
    return code, err


# ---------------------------------------------------------------- item 2: CSV formulas

HOSTILE_NAME = '=HYPERLINK("http://x")'


def test_csv_cells_are_neutralised_and_restored_exactly() -> None:
    for text in (HOSTILE_NAME, "+1", "-2", "@SUM(A1)", "\tlead", "\rlead", "'=already",
                 "''@twice", "'plain quote", "Toe Spreaders", ""):
        cell = neutralise_cell(text)
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert restore_cell(cell) == text
    assert neutralise_cell(HOSTILE_NAME) == "'" + HOSTILE_NAME
    assert neutralise_cell("'plain quote") == "'plain quote"  # no formula: left alone


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def spreadsheet_formulas(csv_text: str) -> list[str]:
    """The cells a spreadsheet would evaluate as formulas (a plain number is not one)."""
    return [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row
            if cell.startswith(("=", "+", "-", "@", "\t", "\r")) and not is_number(cell)]


def test_rom_export_csv_defuses_formulas_and_round_trips(
    db_url: str, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store(db_url) as store:
        person = store.add_person(HOSTILE_NAME, notes="+1")
        store.add_session(person.id, date=dt.date(2026, 1, 10), technique="@SUM(A1)",
                          place="-cmd|' /C calc'!A0", notes="-2+3", trials=[
            NewTrial("pre", "hip-extension", "left", measurements=(
                measurement(-3.5, test="hip-extension", reasons=("-x",)),)),
            NewTrial("post", "toe-touch", "left", measurements=(
                dataclasses.replace(measurement(-12.25, test="toe-touch"), unit="cm"),)),
        ])
        before = store.export_bundle(person.id)
    path = tmp_path / "hostile.csv"
    assert rom_main(["export", str(person.id), "--out", str(path), "--db", db_url]) == 0
    capsys.readouterr()
    text = path.read_text()
    assert spreadsheet_formulas(text) == []
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["person_name"] == "'" + HOSTILE_NAME
    assert rows[0]["session_technique"] == "'@SUM(A1)"
    # Numbers stay numbers: a negative value is written as the number, not as text.
    assert sorted(float(r["value"]) for r in rows) == [-12.25, -3.5]
    assert {r["value"] for r in rows} == {"-3.5", "-12.25"}

    with Store(db_url) as store:
        store.delete_person(person.id)
    code, err = cli_import(db_url, path, capsys)
    assert code == 0, err
    with Store(db_url) as store:
        after = store.export_bundle(store.find_person(person.uid).id)
    assert after["person"]["name"] == HOSTILE_NAME and after["person"]["notes"] == "+1"
    session = after["sessions"][0]
    assert (session["technique"], session["place"], session["notes"]) == (
        "@SUM(A1)", "-cmd|' /C calc'!A0", "-2+3")
    values = [m["value"] for t in session["trials"] for m in t["measurements"]]
    assert values == [-3.5, -12.25]
    assert session["trials"][0]["measurements"][0]["reasons"] == ["-x"]
    # The CSV round trip keeps everything it carries (creation times are JSON-only).
    assert _without_times(after) == _without_times(before)


def _without_times(bundle: Any) -> Any:
    data = json.loads(json.dumps(bundle))
    data.pop("exported_at", None)
    data["person"].pop("created_at", None)
    for s in data["sessions"]:
        s.pop("created_at", None)
        for t in s["trials"]:
            t.pop("created_at", None)
            for m in t["measurements"]:
                m.pop("created_at", None)
    return data


def test_dashboard_measurements_csv_defuses_formulas_keeps_numbers() -> None:
    rows = [{"person": HOSTILE_NAME, "technique": "\t=1+1", "test": "hip-extension",
             "value": -3.5, "quality": 0.9, "reasons": ["-x"], "unit": "deg",
             "session_id": 3, "provenance": {"model": "=cmd"}}]
    text = report.measurements_csv(rows).decode("utf-8-sig")
    assert spreadsheet_formulas(text) == []
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["person"] == "'" + HOSTILE_NAME and row["technique"] == "'\t=1+1"
    assert row["model"] == "'=cmd" and row["reasons"] == "'-x"
    assert row["value"] == "-3.500" and row["session_id"] == "3"


# ---------------------------------------------------------------- item 8: foreign uids


def test_a_measurement_uid_of_another_trial_refuses_the_whole_bundle(store: Store) -> None:
    person = store.add_person("Ada Example")
    add_visit(store, person.id, dt.date(2026, 1, 10), 30.0, 31.0)
    bundle = copy.deepcopy(dict(store.export_bundle(person.id)))
    taken_uid = first_measurement(bundle)["uid"]  # stored, in the first trial
    new_session = copy.deepcopy(bundle["sessions"][0])
    new_session["uid"] = "0" * 8 + "-new-session"
    for i, trial in enumerate(new_session["trials"]):
        trial["uid"] = f"new-trial-{i:04d}"
        for j, m in enumerate(trial["measurements"]):
            m["uid"] = f"new-meas-{i}-{j:04d}"
    new_session["trials"][1]["measurements"][0]["uid"] = taken_uid
    attack = {**bundle, "sessions": [new_session]}
    before = table_counts(store)
    with pytest.raises(StorageError, match="measurement belongs to another trial"):
        store.import_bundle(attack)
    assert table_counts(store) == before


def test_a_uid_repeated_inside_a_bundle_is_refused(store: Store) -> None:
    bundle = exported(store)
    trials = bundle["sessions"][0]["trials"]
    trials[1]["measurements"][0]["uid"] = trials[0]["measurements"][0]["uid"]
    with pytest.raises(StorageError, match="more than one row"):
        store.import_bundle(bundle)
    assert table_counts(store) == EMPTY


# ---------------------------------------------------------------- item 9: crashes and caps


def test_deeply_nested_json_is_one_error_line(
    db_url: str, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"format": "rom-person-bundle", "x": ' + "[" * 100_000 + "]" * 100_000
                    + "}")
    code, err = cli_import(db_url, path, capsys)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert "nested" in err
    # Brackets inside strings do not count.
    assert bundle_file.json_nesting('{"a": "[[[[", "b": [[1]]}') == 3


def test_deep_json_in_a_csv_cell_is_refused(store: Store, tmp_path: Path) -> None:
    bundle = exported(store)
    path = tmp_path / "deep.csv"
    write_bundle(bundle, path)  # type: ignore[arg-type]
    deep = '"{""x"": ' + "[" * 5000 + "]" * 5000 + '}"'
    text = path.read_text()
    assert ",{}," in text  # the first trial's empty settings
    path.write_text(text.replace(",{},", "," + deep + ",", 1))
    with pytest.raises(StorageError, match="nested more than"):
        read_bundle(path)


def test_deep_settings_handed_to_the_store_are_refused(store: Store) -> None:
    bundle = exported(store)
    deep: Any = 1
    for _ in range(5000):
        deep = [deep]
    bundle["sessions"][0]["trials"][0]["settings"] = {"x": deep}
    with pytest.raises(StorageError, match="nested"):
        store.import_bundle(bundle)
    assert table_counts(store) == EMPTY


@pytest.mark.parametrize("peak_frame", [1e30, 10**30, 10**400, -1, 2.5, float("inf")])
def test_absurd_peak_frame_is_refused(
    db_url: str, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    peak_frame: float,
) -> None:
    with Store(db_url) as store:
        bundle = exported(store)
    first_measurement(bundle)["peak_frame"] = peak_frame
    path = tmp_path / "frame.json"
    # json.dumps writes inf as Infinity, which Python's json reads back.
    path.write_text(json.dumps(bundle))
    code, err = cli_import(db_url, path, capsys)
    assert code == 2 and err.startswith("error: peak_frame") and err.count("\n") == 1
    with Store(db_url) as store:
        assert table_counts(store) == EMPTY


@pytest.mark.parametrize("field", ["value", "quality", "peak_time_s"])
def test_a_400_digit_number_is_refused_not_a_crash(store: Store, field: str) -> None:
    bundle = exported(store)
    first_measurement(bundle)[field] = 10**400  # JSON has no limit on digits
    with pytest.raises(StorageError, match="too large"):
        store.import_bundle(bundle)
    assert table_counts(store) == EMPTY


def test_lone_surrogate_in_a_name_is_one_error_line(
    db_url: str, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store(db_url) as store:
        bundle = exported(store)
    text = json.dumps(bundle).replace("Ada Example", "Ada \\ud800 Example")
    path = tmp_path / "surrogate.json"
    path.write_text(text)
    code, err = cli_import(db_url, path, capsys)
    assert code == 2 and "not valid Unicode" in err and err.count("\n") == 1
    with Store(db_url) as store:
        assert table_counts(store) == EMPTY
        with pytest.raises(StorageError, match="not valid Unicode"):
            store.add_person("\udcff")


def test_a_bundle_file_over_the_size_cap_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundle_file, "BUNDLE_MAX_BYTES", 1000)
    path = tmp_path / "big.json"
    path.write_text('{"format": "rom-person-bundle", "pad": "' + "x" * 2000 + '"}')
    with pytest.raises(StorageError, match="larger than"):
        read_bundle(path)


@pytest.mark.parametrize(
    ("where", "key", "length", "message"),
    [
        ("person", "name", 201, "name or pseudonym is longer"),
        ("person", "notes", 100_001, "notes is longer"),
        ("session", "technique", 201, "technique is longer"),
        ("session", "place", 201, "place is longer"),
        ("measurement", "reasons", 65, "reason code is longer"),
        ("measurement", "provenance", 100_001, "provenance is larger"),
        ("trial", "settings", 100_001, "settings is larger"),
    ],
)
def test_free_text_and_json_blobs_are_capped(
    store: Store, where: str, key: str, length: int, message: str
) -> None:
    bundle = exported(store)
    long_text = "x" * length
    targets = {"person": bundle["person"], "session": bundle["sessions"][0],
               "trial": bundle["sessions"][0]["trials"][0],
               "measurement": first_measurement(bundle)}
    value: Any = long_text
    if key == "reasons":
        value = [long_text]
    elif key in ("provenance", "settings"):
        value = {"model": long_text}
    targets[where][key] = value
    with pytest.raises(StorageError, match=message):
        store.import_bundle(bundle)
    assert table_counts(store) == EMPTY


def test_a_stored_video_name_cannot_leave_the_videos_folder(store: Store) -> None:
    # Defence in depth: were a folder named like a digest ever inside the videos folder,
    # "<digest>/../../secret.txt" would resolve to a file outside it.
    digest = "ab" * 32
    (store.video_dir / digest).mkdir(parents=True)
    (store.video_dir.parent / "secret.txt").write_text("private")
    bundle = exported(store)
    bundle["sessions"][0]["trials"][0]["stored_video"] = digest + "/../../secret.txt"
    summary = store.import_bundle(bundle)
    trials = store.trials(store.sessions(summary.person_id)[0].id)
    assert [t.stored_video for t in trials] == [None] * len(trials)


# ---------------------------------------------------------------- item 10: values


@pytest.mark.parametrize(
    ("value", "message"),
    [(float("nan"), "finite"), (float("inf"), "finite"), (-float("inf"), "finite"),
     (-1e6, "outside the plausible range"), (181.0, "outside the plausible range")],
)
def test_implausible_values_are_refused(store: Store, value: float, message: str) -> None:
    person = store.add_person("Ada Example")
    session = store.add_session(person.id, trials=[NewTrial("pre", "knee-flexion")])
    trial = store.trials(session.id)[0]
    with pytest.raises(StorageError, match=message):
        store.add_measurement(trial.id, measurement(value, test="knee-flexion"))
    bundle = exported(store)
    first_measurement(bundle)["value"] = value
    with pytest.raises(StorageError, match=message):
        store.import_bundle(bundle)
    assert table_counts(store)["measurements"] == 0


def test_value_ranges_per_test_and_unit() -> None:
    """Each test's range is its catalogue entry's; inside passes, just outside is refused."""
    from rom.protocols import CATALOGUE

    for spec in CATALOGUE.values():
        for unit in spec.units:
            bounds = spec.range_for(unit)
            assert bounds is not None
            low, high = bounds
            assert value_in_range(spec.name, unit, low) == low
            assert value_in_range(spec.name, unit, high) == high
            for outside in (low - 0.5 * abs(low or 1), high + 0.5 * abs(high)):
                with pytest.raises(StorageError, match="outside the plausible range"):
                    value_in_range(spec.name, unit, outside)
    assert value_in_range("some-new-test", "deg", 1e6) == 1e6  # unknown: finite only
    assert value_in_range("knee-flexion", "deg", None) is None
    with pytest.raises(StorageError):
        value_in_range("some-new-test", "deg", 1e400)


# ---------------------------------------------------------------- item 11: NUL bytes


@pytest.mark.parametrize("where", ["name", "notes", "technique", "reason", "provenance",
                                   "settings key"])
def test_nul_bytes_are_refused_everywhere(store: Store, where: str) -> None:
    person = store.add_person("Ada Example")
    with pytest.raises(RomError, match="NUL"):
        if where == "name":
            store.add_person("Ada\x00Example")
        elif where == "notes":
            store.update_person(person.id, notes="a\x00b")
        elif where == "technique":
            store.add_session(person.id, technique="Toe\x00Spreaders")
        elif where == "reason":
            store.add_session(person.id, trials=[NewTrial("pre", "knee-flexion", measurements=(
                measurement(100.0, test="knee-flexion", reasons=("a\x00",)),))])
        elif where == "provenance":
            m = measurement(100.0, test="knee-flexion").to_dict()
            m["provenance"] = {"model": "full\x00"}
            store.add_session(person.id, trials=[NewTrial("pre", "knee-flexion",
                                                          measurements=(m,))])
        else:
            store.add_session(person.id, trials=[NewTrial("pre", "knee-flexion",
                                                          settings={"fp\x00s": 30})])
    assert table_counts(store) == {**EMPTY, "people": 1}


def test_nul_in_an_imported_csv_is_one_error_line(
    db_url: str, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store(db_url) as store:
        bundle = exported(store)
    bundle["sessions"][0]["notes"] = "before\x00after"
    path = tmp_path / "nul.csv"
    write_bundle(bundle, path)  # type: ignore[arg-type]
    code, err = cli_import(db_url, path, capsys)
    assert code == 2 and "NUL" in err and err.count("\n") == 1
    with Store(db_url) as store:
        assert table_counts(store) == EMPTY


# ---------------------------------------------------------------- the dashboard's restore


def test_dashboard_restore_of_hostile_backups_shows_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)
    app = str(Path(__file__).resolve().parent.parent / "app.py")
    at = AppTest.from_file(app, default_timeout=120).run()
    deep = b'{"format": "rom-person-bundle", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    surrogate = (b'{"format": "rom-person-bundle", "schema_version": 1, "sessions": [], '
                 b'"person": {"uid": "abcdefgh-1234", "name": "Ada \\ud800"}}')
    for upload, message in ((deep, "nested more than"), (surrogate, "not valid Unicode")):
        at.file_uploader(key="restore_upload").set_value(("x.json", upload, "application/json"))
        at.run()
        at.button(key="restore").click().run()
        assert not at.exception
        errors = [str(e.value) for e in at.error]
        assert any(message in e for e in errors), errors
