"""``rom report PERSON [--session N] --out report.pdf [--db URL]``: a session's PDF report.

Writes the same one-page PDF the dashboard's export page offers (both build it with
:func:`rom.report.build_session_report`): pre vs post per test and side, whether each
change exceeds the MDC, left vs right, and filming advice.

Key frames come from the render cache (``<cache>/renders/<video sha256>/``), found by each
trial's video digest and measurement (:func:`rom.report.stored_key_frames`); a trial whose
frame was never drawn on this computer is listed as "key frame not available".  The clinic
header is the store's ``report.clinic`` and ``report.clinician`` settings (set once in the
dashboard's Export tab).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rom.errors import RomError
from rom.fileio import atomic_write_bytes
from rom.report import CLINIC_SETTING, CLINICIAN_SETTING, build_session_report, session_pdf
from rom.store import Store
from rom.store.records import SessionInfo
from rom.trials import STATISTIC_SETTING, statistic_from_setting


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``report`` sub-command to the ``rom`` parser."""
    parser = subparsers.add_parser(
        "report", help="write a one-page PDF report of a person's session",
        description="Write the one-page PDF session report (before vs after, MDC verdicts, left "
                    "vs right) that the dashboard offers, for one stored session.",
    )
    parser.add_argument("person", metavar="PERSON", help="id, uid or name")
    parser.add_argument("--session", type=int, default=None, metavar="N",
                        help="session id (see `rom sessions PERSON`; default: the latest)")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE",
                        help="where to write the PDF, e.g. report.pdf")
    parser.add_argument(
        "--db", metavar="URL", default=None,
        help="database URL (default: $ROM_DATABASE_URL or the local SQLite file)",
    )
    parser.set_defaults(func=_report)


def choose_session(sessions: list[SessionInfo], session_id: int | None) -> SessionInfo:
    """Session ``session_id`` of ``sessions``, or the latest (by date, then id) when None.

    Raises
    ------
    RomError
        There are no sessions, or none with that id.
    """
    if not sessions:
        raise RomError("no sessions stored for this person yet")
    if session_id is None:
        return max(sessions, key=lambda s: (s.date, s.id))
    for session in sessions:
        if session.id == session_id:
            return session
    known = ", ".join(str(s.id) for s in sessions)
    raise RomError(f"this person has no session {session_id} (their sessions: {known})")


def _report(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if not out.parent.is_dir():
        raise RomError(f"the folder {out.parent} does not exist")
    with Store(args.db) as store:
        person = store.find_person(args.person)
        session = choose_session(store.sessions(person.id), args.session)
        content = build_session_report(
            person, session, store.trials(session.id),
            clinic=store.setting(CLINIC_SETTING) or "",
            clinician=store.setting(CLINICIAN_SETTING) or "",
            history=store.history(person.id),
            statistic=statistic_from_setting(store.setting(STATISTIC_SETTING)))
    atomic_write_bytes(out, session_pdf(content), permissions=0o600)
    print(f"wrote the report of {person.name}'s session {session.id} "
          f"({session.date.isoformat()}, {len(content.lines)} test/side line(s)) to {out}")
    return 0
