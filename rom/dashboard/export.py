"""Export: the person's measurements as CSV and a one-page PDF report per session."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import streamlit as st

from rom import report
from rom.dashboard import record, state, summary, trials
from rom.dashboard.text import literal
from rom.errors import RomError
from rom.i18n import N_, Texts, _
from rom.store import Store
from rom.store.bundle_file import parse_bundle
from rom.store.records import PersonInfo, SessionInfo


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "person"


#: The export tab's words (one table, ready for translation).
EXPORT_TEXT: Mapping[str, str] = Texts({
    "download": N_("Download the report"),
    "download_help": N_("The one-page PDF of this session, for the client file."),
    "header": N_("Clinic header"),
    "header_help": N_("Printed at the top of every report; set once, kept for all clients."),
    "clinic": N_("Clinic"),
    "clinician": N_("Clinician"),
    "save_header": N_("Save the header"),
    "saved_header": N_("The report header is saved."),
})
#: Session-state keys of this module.
EXPORT_SESSION = "export_session"  # the session chosen for the PDF
_NEWEST_SEEN = "_export_newest_seen"  # the newest session when the choice was last drawn


def session_report(store: Store, person: PersonInfo, session: SessionInfo) -> report.SessionReport:
    """The PDF's content for one stored session, as ``rom report`` makes it.

    Key frames come from the stored renders (:func:`rom.report.stored_key_frames`), so a
    session analysed in another browser, or before a reload, has them too; the clinic
    header from the store's settings.
    """
    return report.build_session_report(
        person, session, store.trials(session.id),
        clinic=store.setting(report.CLINIC_SETTING) or "",
        clinician=store.setting(report.CLINICIAN_SETTING) or "",
        history=store.history(person.id), statistic=trials.chosen_statistic(store))


def pdf_file_name(person: PersonInfo, session: SessionInfo) -> str:
    """``rom-<person>-<date>-<id>.pdf``."""
    return f"rom-{_slug(person.name)}-{session.date.isoformat()}-{session.id}.pdf"


def saved_session_download(store: Store) -> None:
    """The "Download the report" button for the session this page just saved, if any.

    Drawn under the verdict cards (:func:`rom.dashboard.compare.show_verdicts`), so the
    client's PDF is one click from the answer.
    """
    session_id = st.session_state.get(state.SESSION_ID)
    if session_id is None:
        return
    try:
        session = store.get_session(session_id)
        person = store.get_person(session.person_id)
    except RomError:  # deleted meanwhile (e.g. in another tab): nothing to offer
        return
    try:
        pdf = report.session_pdf(session_report(store, person, session))
    except RomError as exc:
        st.error(_("The report could not be made: {error}").format(error=literal(exc)))
        return
    st.download_button(EXPORT_TEXT["download"], pdf, type="primary",
                       icon=":material/picture_as_pdf:", help=EXPORT_TEXT["download_help"],
                       file_name=pdf_file_name(person, session), mime="application/pdf",
                       key="download_saved_pdf", on_click="ignore")


def clinic_header_form(store: Store) -> None:
    """A small form saving the report header (clinic, clinician) in the store, once."""
    with st.expander(EXPORT_TEXT["header"], icon=":material/badge:"):
        st.caption(EXPORT_TEXT["header_help"])
        with st.form("clinic_header"):
            clinic = st.text_input(EXPORT_TEXT["clinic"], max_chars=200,
                                   value=store.setting(report.CLINIC_SETTING) or "")
            clinician = st.text_input(EXPORT_TEXT["clinician"], max_chars=200,
                                      value=store.setting(report.CLINICIAN_SETTING) or "")
            if st.form_submit_button(EXPORT_TEXT["save_header"]):
                try:
                    store.set_setting(report.CLINIC_SETTING, clinic.strip() or None)
                    store.set_setting(report.CLINICIAN_SETTING, clinician.strip() or None)
                except RomError as exc:
                    st.error(literal(exc))
                else:
                    st.success(EXPORT_TEXT["saved_header"])


def _default_to_newest(newest_id: int, known_ids: list[int]) -> None:
    """Select the newest session whenever a newer one appears (or the choice is stale).

    A selectbox keeps its value across reruns, so without this the tab stays on the
    session chosen (or first shown) before the latest was saved.
    """
    if (st.session_state.get(_NEWEST_SEEN) != newest_id
            or st.session_state.get(EXPORT_SESSION) not in known_ids):
        st.session_state[EXPORT_SESSION] = newest_id
    st.session_state[_NEWEST_SEEN] = newest_id


def show(store: Store, person: PersonInfo | None) -> None:
    if person is None:
        st.info(_("Choose a person in the sidebar to export their data."))
    else:
        _exports(store, person)
    clinic_header_form(store)  # for every report, so also before anybody has a session
    st.divider()
    restore_section(store)


def _exports(store: Store, person: PersonInfo) -> None:
    sessions = store.sessions(person.id)
    if not sessions:
        st.info(_("Nothing to export for {person} yet.").format(person=literal(person.name)))
        return
    slug = _slug(person.name)

    st.subheader(_("Session report (PDF)"))
    st.caption(_("One page for a client file: before vs after, whether each change is real, "
                 "left vs right, and advice where a video was not good enough."))
    newest_first = sorted(sessions, key=lambda s: (s.date, s.id), reverse=True)
    _default_to_newest(newest_first[0].id, [s.id for s in newest_first])
    chosen_id = st.selectbox(_("Session"), [s.id for s in newest_first], key=EXPORT_SESSION,
                             format_func=lambda i: summary.session_label(
                                 next(s for s in sessions if s.id == i)))
    session = next(s for s in sessions if s.id == chosen_id)
    try:
        pdf = report.session_pdf(session_report(store, person, session))
    except RomError as exc:
        st.error(_("The report could not be made: {error}").format(error=literal(exc)))
    else:
        st.download_button(_("Download the PDF report"), pdf, type="primary",
                           icon=":material/picture_as_pdf:",
                           file_name=pdf_file_name(person, session),
                           mime="application/pdf", key="download_pdf", on_click="ignore")

    st.subheader(_("All measurements (CSV)"))
    trials = {s.id: store.trials(s.id) for s in sessions}
    rows = summary.measurement_rows(person, sessions, trials)
    st.caption(_("{measurements} measurement(s) from {sessions} session(s); opens in any "
                 "spreadsheet. Values are in the unit given on each row.").format(
        measurements=len(rows), sessions=len(sessions)))
    st.download_button(_("Download the CSV"), report.measurements_csv(rows),
                       icon=":material/table_view:",
                       file_name=f"rom-{slug}-measurements.csv", mime="text/csv",
                       key="download_csv", on_click="ignore")

    st.subheader(_("Backup"))
    st.caption(_("The person's whole history as one file, to move it to another computer "
                 "(videos are not included)."))
    bundle = json.dumps(store.export_bundle(person.id), indent=1).encode()
    st.download_button(_("Download the backup (JSON)"), bundle, icon=":material/save:",
                       file_name=f"rom-{slug}-backup.json", mime="application/json",
                       key="download_bundle", on_click="ignore")


def restore_section(store: Store) -> None:
    """Add a person's history from a backup file (what is already here is kept as is)."""
    st.subheader(_("Restore from a backup"))
    upload = st.file_uploader(_("Backup file (JSON) made by rom"), type=["json"],
                              key="restore_upload")
    if upload is None or not st.button(_("Restore"), key="restore"):
        return
    try:
        # Size and nesting are checked before parsing (a hostile file cannot crash the page).
        bundle = parse_bundle(upload.getvalue(), "it")
    except RomError as exc:
        st.error(_("“{file}” is not a rom backup file ({error}).").format(
            file=literal(upload.name), error=literal(exc)))
        return
    try:
        result = store.import_bundle(bundle)
    except RomError as exc:
        st.error(_("“{file}” could not be restored: {error}").format(
            file=literal(upload.name), error=literal(exc)))
        return
    if result.anything_added:
        state.flash("success", _("Restored {sessions} session(s) and {measurements} "
                                 "measurement(s).").format(
            sessions=result.sessions_added, measurements=result.measurements_added))
    else:
        state.flash("info", _("Everything in that backup is already here."))
    st.session_state[state.PERSON_ID] = result.person_id
    st.session_state[record.PENDING_PERSON] = result.person_id
    st.rerun()
