"""The session being recorded: its date, notes and technique details, and "New session".

A session's date is filled from the recording time a phone writes into the video file
(the container's ``creation_time`` tag) until the user edits it; without that tag it is
today.  The details live in ``st.session_state`` under the keys below and go to the store
with the session (:func:`rom.dashboard.state.save_session`); a session already saved is
updated in place when they change.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence

import av
import streamlit as st

from rom.dashboard import state
from rom.dashboard.state import (
    DETAIL_KEYS,
    SessionDetails,
    current_details,
)
from rom.dashboard.state import (
    SESSION_DATE as DATE,
)
from rom.dashboard.state import (
    SESSION_DATE_EDITED as DATE_EDITED,
)
from rom.dashboard.state import (
    SESSION_NOTES as NOTES,
)
from rom.dashboard.state import (
    TECHNIQUE_MINUTES as MINUTES,
)
from rom.dashboard.state import (
    TECHNIQUE_SIDE as SIDE,
)
from rom.dashboard.text import literal
from rom.errors import RomError
from rom.i18n import N_, Texts, _

#: The user-facing words of this module.
TEXT = Texts({
    "expander": N_("Session: date, notes, technique details"),
    "date": N_("Session date"),
    "date_help": N_("Filled from the recording time stored in the video, when it has one; "
                    "otherwise today. Change it if the videos were filmed on another day."),
    "notes": N_("Notes"),
    "notes_placeholder": N_("e.g. sore left calf after Saturday's long run"),
    "minutes": N_("Technique duration (minutes)"),
    "side": N_("Technique applied to"),
    "new": N_("New session"),
    "new_help": N_("Start another session for this person: the results shown here are kept in "
                   "the history, and the next analysis is saved as a new, separately dated "
                   "session."),
    "started": N_("A new session was started."),
    "not_updated": N_("The session details could not be saved: {error}"),
})
SIDE_LABELS = Texts({"": N_("not recorded"), "left": N_("left"), "right": N_("right"),
                     "both": N_("both sides")})


def parse_creation_time(value: str | None) -> dt.datetime | None:
    """A container's ``creation_time`` tag (ISO 8601, e.g. ``2026-11-03T08:15:00.000000Z``).

    Returns an aware datetime (UTC when the tag names no zone), or None for a missing,
    unreadable or placeholder tag (``1970-01-01`` and earlier, or ``1904-01-01``, the zero of
    QuickTime's clock).
    """
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment if moment.year > 1970 else None


def video_recorded_at(path: str | os.PathLike[str]) -> dt.datetime | None:
    """When a video was recorded, from its container's ``creation_time``; None if unknown."""
    try:
        with av.open(os.fspath(path)) as container:
            tags = dict(container.metadata)
            for stream in container.streams.video:
                tags.setdefault("creation_time", stream.metadata.get("creation_time", ""))
    except (OSError, av.FFmpegError):
        return None
    return parse_creation_time(tags.get("creation_time"))


def recorded_date(paths: Sequence[str | os.PathLike[str]]) -> dt.date | None:
    """The local calendar day of the earliest recording among ``paths``, or None."""
    moments = [m for m in (video_recorded_at(p) for p in paths) if m is not None]
    return min(moments).astimezone().date() if moments else None


def date_range() -> tuple[dt.date, dt.date]:
    """The dates a session may have: from 2000 to tomorrow (time zones)."""
    return dt.date(2000, 1, 1), dt.date.today() + dt.timedelta(days=1)


def details_form(video_paths: Sequence[str | os.PathLike[str]]) -> SessionDetails:
    """Draw the session's date, notes and technique details; returns what they hold.

    The date follows the videos' recording time until the user changes it.
    """
    earliest, latest = date_range()
    if not st.session_state.get(DATE_EDITED):
        recorded = recorded_date(video_paths)
        # A camera with a wrong clock: today rather than a date the picker cannot show.
        in_range = recorded is not None and earliest <= recorded <= latest
        st.session_state[DATE] = recorded if in_range else dt.date.today()
    with st.expander(TEXT["expander"]):
        c1, c2, c3 = st.columns([2, 2, 2])
        c1.date_input(TEXT["date"], key=DATE, help=TEXT["date_help"], on_change=_date_edited,
                      min_value=earliest, max_value=latest)
        c2.number_input(TEXT["minutes"], min_value=0.0, max_value=1440.0, value=None,
                        step=0.5, format="%.1f", placeholder=_("not recorded"), key=MINUTES,
                        on_change=_update_saved)
        c3.selectbox(TEXT["side"], tuple(SIDE_LABELS), format_func=SIDE_LABELS.__getitem__,
                     key=SIDE, on_change=_update_saved)
        st.text_area(TEXT["notes"], key=NOTES, placeholder=TEXT["notes_placeholder"],
                     on_change=_update_saved)
    return current_details()


def new_session_button() -> None:
    """The "New session" button: the next analysis starts a new, separately dated session."""
    st.button(TEXT["new"], key="new_session", help=TEXT["new_help"],
              icon=":material/add_circle:", on_click=start_new_session)


def start_new_session() -> None:
    """Forget this browser's current session, its analyses and its details (kept in store)."""
    state.forget_session()
    for key in DETAIL_KEYS:
        st.session_state.pop(key, None)
    state.flash("info", TEXT["started"])


def _date_edited() -> None:
    st.session_state[DATE_EDITED] = True
    _update_saved()


def _update_saved() -> None:
    """Write changed details to the session already saved (if any) right away."""
    session_id = st.session_state.get(state.SESSION_ID)
    if session_id is None:
        return
    details = current_details()
    try:
        state.get_store().update_session(
            int(session_id), date=details.date, notes=details.notes,
            technique_duration_s=details.technique_duration_s,
            technique_side=details.technique_side)
    except RomError as exc:
        state.flash("error", TEXT["not_updated"].format(error=literal(exc)))
