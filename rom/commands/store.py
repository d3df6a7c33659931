"""``rom people|sessions|history|export|import|delete-person``: the stored history on the CLI.

Every command takes ``--db URL`` (default: ``$ROM_DATABASE_URL``, else the SQLite file in
rom's data folder).  PERSON is an id, a uid or a name (case-insensitive).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from rom.deletion import delete_person
from rom.errors import RomError
from rom.store import Store, read_bundle, write_bundle
from rom.store.bundle_file import FORMATS, format_for
from rom.vocabulary import SIDES


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the storage sub-commands to the ``rom`` parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", metavar="URL", default=None,
        help="database URL (default: $ROM_DATABASE_URL or the local SQLite file)",
    )

    people = subparsers.add_parser("people", parents=[common], help="list stored people")
    people.set_defaults(func=_people)

    sessions = subparsers.add_parser(
        "sessions", parents=[common], help="list a person's sessions")
    sessions.add_argument("person", metavar="PERSON", help="id, uid or name")
    sessions.set_defaults(func=_sessions)

    history = subparsers.add_parser(
        "history", parents=[common], help="show a person's measurements over time")
    history.add_argument("person", metavar="PERSON", help="id, uid or name")
    history.add_argument("--test", default=None, help="only this test, e.g. knee-flexion")
    history.add_argument("--side", choices=SIDES, default=None)
    history.set_defaults(func=_history)

    export = subparsers.add_parser(
        "export", parents=[common], help="write a person's whole history to one file")
    export.add_argument("person", metavar="PERSON", help="id, uid or name")
    export.add_argument("--out", required=True, type=Path, metavar="FILE")
    export.add_argument(
        "--format", choices=FORMATS, default=None,
        help="json (lossless bundle) or csv (one row per measurement); default from --out",
    )
    export.set_defaults(func=_export)

    import_ = subparsers.add_parser(
        "import", parents=[common], help="add a person's history from a JSON or CSV export")
    import_.add_argument("file", type=Path, metavar="FILE")
    import_.set_defaults(func=_import)

    delete = subparsers.add_parser(
        "delete-person", parents=[common],
        help="delete a person with all their sessions, measurements, stored videos and "
        "the cached files made from them")
    delete.add_argument("person", metavar="PERSON", help="id, uid or name")
    delete.add_argument("--yes", action="store_true", help="confirm the deletion")
    delete.set_defaults(func=_delete_person)


def _people(args: argparse.Namespace) -> int:
    with Store(args.db) as store:
        people = store.list_people()
    if not people:
        print("no people stored yet")
        return 0
    rows = [
        (str(p.id), p.name, _number(p.height_cm, "cm"), str(p.session_count),
         p.last_session_date.isoformat() if p.last_session_date else "-")
        for p in people
    ]
    _print_table(("id", "name", "height", "sessions", "last session"), rows)
    return 0


def _sessions(args: argparse.Namespace) -> int:
    with Store(args.db) as store:
        person = store.find_person(args.person)
        sessions = store.sessions(person.id)
    if not sessions:
        print(f"{person.name}: no sessions yet")
        return 0
    rows = [
        (str(s.id), s.date.isoformat(), s.technique or "-", s.place or "-", str(s.trial_count))
        for s in sessions
    ]
    _print_table(("id", "date", "technique", "place", "trials"), rows)
    return 0


def _history(args: argparse.Namespace) -> int:
    with Store(args.db) as store:
        person = store.find_person(args.person)
        points = store.history(person.id, test=args.test, side=args.side)
    if not points:
        print(f"{person.name}: no measurements" + (f" of {args.test}" if args.test else ""))
        return 0
    rows = []
    for p in points:
        m = p.measurement
        result = _number(m.value, m.unit)
        if not m.reliable:
            # Never a bare number when it is not trustworthy.
            result = f"{result} (unreliable: {', '.join(m.reasons) or 'no reason given'})"
        rows.append((p.date.isoformat(), p.technique or "-", p.phase, m.test, m.side,
                     f"{m.quality:.2f}", result))
    _print_table(("date", "technique", "phase", "test", "side", "quality", "value"), rows)
    return 0


def _export(args: argparse.Namespace) -> int:
    fmt = format_for(args.out, args.format)
    with Store(args.db) as store:
        person = store.find_person(args.person)
        bundle = store.export_bundle(person.id)
    write_bundle(bundle, args.out, fmt)
    print(f"exported {len(bundle['sessions'])} sessions to {args.out} ({fmt})")
    return 0


def _import(args: argparse.Namespace) -> int:
    bundle = read_bundle(args.file)
    with Store(args.db) as store:
        summary = store.import_bundle(bundle)
    if not summary.anything_added:
        print(f"nothing new to import: everything in {args.file} is already stored "
              f"(person id {summary.person_id})")
        return 0
    print(
        f"imported into person id {summary.person_id}: {summary.people_added} person, "
        f"{summary.sessions_added} sessions, {summary.trials_added} trials, "
        f"{summary.measurements_added} measurements added"
    )
    return 0


def _delete_person(args: argparse.Namespace) -> int:
    with Store(args.db) as store:
        person = store.find_person(args.person)
        if not args.yes:
            raise RomError(
                f"this deletes person {person.id} with all sessions, measurements and stored "
                "videos; add --yes to confirm"
            )
        sessions = len(store.sessions(person.id))
        deleted = delete_person(store, person.id)
    print(f"deleted person {person.id}: {sessions} sessions, "
          f"{deleted.store.stored_videos_removed} stored videos, "
          f"{deleted.cache_files_removed} cached files")
    return 0


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} {unit}" if unit in ("deg", "cm") else f"{value:.3g} {unit}"


def _print_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for row in (header, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
              .rstrip())
