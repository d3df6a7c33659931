"""Export: the person's measurements as CSV and a one-page PDF report per session."""

from __future__ import annotations

import json
import re

import streamlit as st

from rom import labels, report
from rom.dashboard import record, state, summary
from rom.dashboard.text import literal
from rom.errors import RomError
from rom.store import Store
from rom.store.bundle_file import parse_bundle
from rom.store.records import PersonInfo, SessionInfo


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "person"


def session_report(store: Store, person: PersonInfo, session: SessionInfo) -> report.SessionReport:
    """The PDF's content for one stored session (key frames when analysed in this browser)."""
    return report.build_session_report(person, session, store.trials(session.id),
                                       key_frames=_key_frames(session))


def _key_frames(session: SessionInfo) -> list[tuple[str, bytes]]:
    """``(caption, PNG)`` of this browser session's analyses, when it records ``session``."""
    key_frames: list[tuple[str, bytes]] = []
    if st.session_state.get(state.SESSION_ID) != session.id:
        return key_frames
    order = {"pre": 0, "post": 1}
    for (test, _side, phase), analysis in sorted(
        state.analyses().items(), key=lambda item: (item[0][0], item[0][1], order[item[0][2]])
    ):
        if analysis.key_frame_png:
            m = analysis.measurement
            caption = (f"{phase.capitalize()} · {labels.test_label(test).split(' (')[0]} · "
                       f"{m.side}: {labels.trusted_value(m.value, m.unit, m.reliable)}")
            key_frames.append((caption, analysis.key_frame_png))
    return key_frames


def show(store: Store, person: PersonInfo | None) -> None:
    if person is None:
        st.info("Choose a person in the sidebar to export their data.")
    else:
        _exports(store, person)
    st.divider()
    restore_section(store)


def _exports(store: Store, person: PersonInfo) -> None:
    sessions = store.sessions(person.id)
    if not sessions:
        st.info(f"Nothing to export for {literal(person.name)} yet.")
        return
    slug = _slug(person.name)

    st.subheader("Session report (PDF)")
    st.caption("One page for a client file: pre vs post, whether each change is real, left vs "
               "right, and advice where a video was not good enough.")
    newest_first = sorted(sessions, key=lambda s: (s.date, s.id), reverse=True)
    chosen_id = st.selectbox("Session", [s.id for s in newest_first], key="export_session",
                             format_func=lambda i: summary.session_label(
                                 next(s for s in sessions if s.id == i)))
    session = next(s for s in sessions if s.id == chosen_id)
    try:
        pdf = report.session_pdf(session_report(store, person, session))
    except RomError as exc:
        st.error(f"The report could not be made: {literal(exc)}")
    else:
        st.download_button("Download the PDF report", pdf, type="primary",
                           icon=":material/picture_as_pdf:",
                           file_name=f"rom-{slug}-{session.date.isoformat()}-{session.id}.pdf",
                           mime="application/pdf", key="download_pdf", on_click="ignore")

    st.subheader("All measurements (CSV)")
    trials = {s.id: store.trials(s.id) for s in sessions}
    rows = summary.measurement_rows(person, sessions, trials)
    st.caption(f"{len(rows)} measurement(s) from {len(sessions)} session(s); opens in any "
               "spreadsheet. Values are in the unit given on each row.")
    st.download_button("Download the CSV", report.measurements_csv(rows),
                       icon=":material/table_view:",
                       file_name=f"rom-{slug}-measurements.csv", mime="text/csv",
                       key="download_csv", on_click="ignore")

    st.subheader("Backup")
    st.caption("The person's whole history as one file, to move it to another computer "
               "(videos are not included).")
    bundle = json.dumps(store.export_bundle(person.id), indent=1).encode()
    st.download_button("Download the backup (JSON)", bundle, icon=":material/save:",
                       file_name=f"rom-{slug}-backup.json", mime="application/json",
                       key="download_bundle", on_click="ignore")


def restore_section(store: Store) -> None:
    """Add a person's history from a backup file (what is already here is kept as is)."""
    st.subheader("Restore from a backup")
    upload = st.file_uploader("Backup file (JSON) made by rom", type=["json"],
                              key="restore_upload")
    if upload is None or not st.button("Restore", key="restore"):
        return
    try:
        # Size and nesting are checked before parsing (a hostile file cannot crash the page).
        bundle = parse_bundle(upload.getvalue(), "it")
    except RomError as exc:
        st.error(f"“{literal(upload.name)}” is not a rom backup file ({literal(exc)}).")
        return
    try:
        result = store.import_bundle(bundle)
    except RomError as exc:
        st.error(f"“{literal(upload.name)}” could not be restored: {literal(exc)}")
        return
    if result.anything_added:
        state.flash("success", f"Restored {result.sessions_added} session(s) and "
                               f"{result.measurements_added} measurement(s).")
    else:
        state.flash("info", "Everything in that backup is already here.")
    st.session_state[state.PERSON_ID] = result.person_id
    st.session_state[record.PENDING_PERSON] = result.person_id
    st.rerun()
