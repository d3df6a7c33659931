"""What the page remembers between reruns: the store, the chosen person, the analyses.

Streamlit reruns the whole script on every click; anything that must survive a rerun
lives in ``st.session_state`` under the keys below, and the database handle is a cached
resource shared by all reruns of one process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import streamlit as st

from rom.dashboard.services import AnalysedVideo
from rom.errors import RomError
from rom.measurement import Measurement
from rom.store import Store
from rom.store.records import NewTrial, SessionInfo
from rom.store.validate import TECHNIQUE_SIDES

PERSON_ID = "person_id"
SESSION_ID = "session_id"  # the database session that new trials are added to
SESSION_FINGERPRINT = "session_fingerprint"  # (person, technique) the session was made for
ANALYSES = "analyses"  # {(test, side, phase): AnalysedVideo}, a phase's first trial
EXTRA_TRIALS = "extra_trials"  # {(test, side, phase): (AnalysedVideo, ...)}: its 2nd, 3rd
MANUAL = "manual_measurements"  # {(test, side, phase): Measurement} marked on a photo/frame
LAST_PAIR = "last_pair"  # (test, side) of the most recent analysis
FLASH = "flash"  # one-shot message shown after a rerun
SHOWN_PERSON = "_shown_person"  # whose session and analyses are held (see forget_session)
SIDE_SWITCH = "_side_switch"  # a "measure the other leg" click, done on the next run
SIDE_SWITCHED = "_side_switched"  # what the last switch did, shown once with the results
# {(test, side): [(kind, text)]}: what became of manual corrections when a pair's clips were
# measured again ("info": applied again, "warning": dropped, and why); shown with the pair.
CORRECTION_NOTES = "_correction_notes"
# The session's details (see rom.dashboard.sessions, which draws them).
SESSION_DATE = "session_date"
SESSION_NOTES = "session_notes"
TECHNIQUE_MINUTES = "technique_minutes"
TECHNIQUE_SIDE = "technique_side"
SESSION_DATE_EDITED = "_session_date_edited"  # the user chose the date: keep it
DETAIL_KEYS = (SESSION_DATE, SESSION_NOTES, TECHNIQUE_MINUTES, TECHNIQUE_SIDE,
               SESSION_DATE_EDITED)
UPLOAD_ROUND = "_upload_round"  # counts client switches: each client gets new upload widgets
DELETE_OPEN = "delete_person_open"  # the "Delete this person" expander is open
DELETE_CONFIRM = "delete_person_confirm"  # the name typed to confirm the delete
# (session id, trials) of a session continued after a reload: see continue_session.
CONTINUED = "_continued_trials"


@dataclass(frozen=True)
class SessionDetails:
    """What the user told about the session being recorded.

    Attributes
    ----------
    date : datetime.date
        The day the session took place (local calendar date).
    notes : str or None
        Free notes, None when empty.
    technique_duration_s : float or None
        How long the technique was applied, in seconds.
    technique_side : str or None
        ``"left"``, ``"right"`` or ``"both"``: where the technique was applied.
    """

    date: dt.date
    notes: str | None = None
    technique_duration_s: float | None = None
    technique_side: str | None = None


def current_details() -> SessionDetails:
    """The session's details as the form holds them (today and nothing else, if not drawn)."""
    minutes = st.session_state.get(TECHNIQUE_MINUTES)
    side = st.session_state.get(TECHNIQUE_SIDE) or None
    notes = (st.session_state.get(SESSION_NOTES) or "").strip() or None
    chosen = st.session_state.get(SESSION_DATE)
    return SessionDetails(
        date=chosen if isinstance(chosen, dt.date) else dt.date.today(),
        notes=notes,
        technique_duration_s=None if minutes is None else float(minutes) * 60.0,
        technique_side=side if side in TECHNIQUE_SIDES else None,
    )


@st.cache_resource(show_spinner=False)
def _open_store(url: str | None, data_dir: str | None) -> Store:
    # The arguments only key the cache: Store() reads the same environment itself.
    del data_dir
    return Store(url)


def get_store() -> Store:
    """The process-wide :class:`rom.store.Store` for the configured database."""
    return _open_store(os.environ.get("ROM_DATABASE_URL"), os.environ.get("ROM_DATA_DIR"))


def analyses() -> dict[tuple[str, str, str], AnalysedVideo]:
    """Analyses of this browser session, keyed by ``(test, side, phase)``."""
    result: dict[tuple[str, str, str], AnalysedVideo] = st.session_state.setdefault(ANALYSES, {})
    return result


def extra_trials() -> dict[tuple[str, str, str], tuple[AnalysedVideo, ...]]:
    """A phase's further trials (its second and third clip), keyed as :func:`analyses`.

    The first trial stays in :func:`analyses`, so everything that shows one trial per phase
    reads it as before; :func:`phase_trials` gives all of a phase's trials in order.
    """
    result: dict[tuple[str, str, str], tuple[AnalysedVideo, ...]] = (
        st.session_state.setdefault(EXTRA_TRIALS, {}))
    return result


def phase_trials(test: str, side: str, phase: str) -> list[AnalysedVideo]:
    """Every trial of one phase of a result pair (``side`` as the pair is keyed), in order."""
    first = analyses().get((test, side, phase))
    if first is None:
        return []
    return [first, *extra_trials().get((test, side, phase), ())]


class TrialSlot(NamedTuple):
    """Where one held trial is: its pair's ``(test, side, phase)`` key and its place among
    the phase's trials (``position`` 0 = the first, in :func:`analyses`; 1 and 2 = its extra
    trials)."""

    test: str
    side: str
    phase: str
    position: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.test, self.side, self.phase)


def find_trial(analysis: AnalysedVideo) -> TrialSlot | None:
    """The slot of a held trial (the same object, any trial of any phase); None if not held."""
    for key in analyses():
        for index, held in enumerate(phase_trials(*key)):
            if held is analysis:
                return TrialSlot(*key, index)
    return None


def replace_trial(slot: TrialSlot, analysis: AnalysedVideo) -> None:
    """Put ``analysis`` in place of the trial held at ``slot``."""
    if slot.position == 0:
        analyses()[slot.key] = analysis
        return
    extras = list(extra_trials()[slot.key])
    extras[slot.position - 1] = analysis
    extra_trials()[slot.key] = tuple(extras)


def measured_trials(test: str, side: str, leg: str) -> dict[str, list[Measurement]]:
    """The measurements of a result pair's trials per phase (``"pre"``, ``"post"``), of the
    leg ``leg`` only: with the side detected automatically a clip may measure the other."""
    return {phase: [a.measurement for a in phase_trials(test, side, phase)
                    if a.measurement.side == leg] for phase in ("pre", "post")}


def keep_analyses(side: str, finished: Iterable[AnalysedVideo]) -> None:
    """File an analysis's videos under ``(test, side, phase)``: the phase's trials in order.

    ``side`` is the side the analysis was asked for (``"auto"``, ``"left"``, ``"right"``).
    A phase analysed again replaces all its earlier trials; the first trial that could be
    measured becomes the phase's first (:func:`analyses`), the others its extra trials.
    """
    by_phase: dict[tuple[str, str, str], list[AnalysedVideo]] = {}
    for analysis in finished:
        by_phase.setdefault((analysis.test, side, analysis.phase), []).append(analysis)
    for key, trials in by_phase.items():
        first, *rest = sorted(trials, key=lambda a: a.trial)
        analyses()[key] = first
        if rest:
            extra_trials()[key] = tuple(rest)
        else:
            extra_trials().pop(key, None)


def move_extra_trials(test: str, from_side: str, to_side: str) -> None:
    """Move a pair's extra trials with its first trials (the side switch moved the pair)."""
    for phase in ("pre", "post"):
        moved = extra_trials().pop((test, from_side, phase), None)
        if moved:
            extra_trials()[(test, to_side, phase)] = moved


def clear_analyses() -> None:
    """Forget every analysis of this browser session, all trials of every phase."""
    analyses().clear()
    extra_trials().clear()
    st.session_state.pop(CORRECTION_NOTES, None)


def manual_measurements() -> dict[tuple[str, str, str], Measurement]:
    """Values measured by hand on a photo or a video frame in this browser session, keyed by
    ``(test, side, phase)``; :func:`save_session` saves them with the analyses."""
    result: dict[tuple[str, str, str], Measurement] = st.session_state.setdefault(MANUAL, {})
    return result


def person_id() -> int | None:
    value = st.session_state.get(PERSON_ID)
    return int(value) if value is not None else None


def upload_limit_bytes() -> int:
    """The upload limit configured in ``.streamlit/config.toml`` (``server.maxUploadSize``)."""
    megabytes = st.get_option("server.maxUploadSize")
    # Streamlit counts megabytes as MiB when it enforces the limit.
    return int(megabytes) * 1024 * 1024


def flash(kind: str, text: str) -> None:
    """Queue a message for the next run (``kind``: success, info, warning, error).

    ``text`` is Markdown: user text in it goes through :func:`rom.dashboard.text.literal`.
    """
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        kind, text = message
        getattr(st, kind)(text)


def forget_session() -> None:
    """Drop this browser's session and its analyses (another person was chosen)."""
    for key in (SESSION_ID, SESSION_FINGERPRINT, LAST_PAIR, CONTINUED):
        st.session_state.pop(key, None)
    clear_analyses()
    manual_measurements().clear()


def upload_key(phase: str) -> str:
    """The key of the ``phase`` upload widget (``"upload_pre"``), new for every client.

    A browser sends an upload widget's files back on every rerun, so they cannot be cleared
    from the server: the next client gets a new, empty widget instead (``"upload_pre_2"``).
    """
    switches = int(st.session_state.get(UPLOAD_ROUND, 0))
    return f"upload_{phase}" if switches == 0 else f"upload_{phase}_{switches + 1}"


def forget_client() -> None:
    """Drop everything of the client shown before (another person was chosen).

    Their session and analyses (:func:`forget_session`), the session's details, their
    uploads (new upload widgets, see :func:`upload_key`) and a typed delete confirmation, so
    that nothing of one client can be saved to another.  Widget values are set, not popped:
    the browser would send its old values back.
    """
    forget_session()
    st.session_state.update({SESSION_NOTES: "", TECHNIQUE_MINUTES: None, TECHNIQUE_SIDE: "",
                             DELETE_CONFIRM: "", DELETE_OPEN: False})
    st.session_state.pop(SESSION_DATE_EDITED, None)  # the date follows the next videos
    st.session_state[UPLOAD_ROUND] = int(st.session_state.get(UPLOAD_ROUND, 0)) + 1


def continue_session(store: Store, session: SessionInfo) -> None:
    """Go on recording a saved session (a reload found it in the page's address).

    Its details come back into the form, and its stored trials are kept: the analyses of
    the page that saved them are gone, so :func:`save_session` copies the stored trials of
    every test and leg not analysed again into each new save.
    """
    st.session_state[SESSION_ID] = session.id
    st.session_state[SESSION_FINGERPRINT] = (session.person_id, session.technique or "")
    st.session_state[CONTINUED] = (session.id, tuple(
        NewTrial(phase=t.phase, test=t.test, side=t.side, video_path=t.video_path,
                 video_sha256=t.video_sha256, settings=t.settings,
                 measurements=tuple(m.measurement for m in t.measurements))
        for t in store.trials(session.id)))
    minutes = session.technique_duration_s
    st.session_state.update({
        SESSION_DATE: session.date, SESSION_DATE_EDITED: True,
        SESSION_NOTES: session.notes or "",
        TECHNIQUE_MINUTES: None if minutes is None else minutes / 60.0,
        TECHNIQUE_SIDE: session.technique_side or "",
    })


def _continued_trials(session_id: object) -> tuple[NewTrial, ...]:
    """The stored trials of the continued session, while ``session_id`` is still it."""
    continued = st.session_state.get(CONTINUED)
    if continued is None or session_id is None or continued[0] != session_id:
        return ()
    trials: tuple[NewTrial, ...] = continued[1]
    return trials


def start_session_if_needed(person: int, technique: str) -> None:
    """Begin a new session when the person or the technique changed since the last one."""
    fingerprint = (person, technique)
    if st.session_state.get(SESSION_FINGERPRINT) != fingerprint:
        st.session_state[SESSION_FINGERPRINT] = fingerprint
        st.session_state.pop(SESSION_ID, None)
        st.session_state.pop(LAST_PAIR, None)
        clear_analyses()
        manual_measurements().clear()


def save_session(store: Store, person: int, technique: str,
                 details: SessionDetails | None = None) -> int:
    """Save every analysis of this session as one database session; returns its id.

    The session is written whole each time: when a test is analysed again (say with other
    settings) the earlier save is replaced, so the history never holds stale duplicates.
    ``details`` (date, notes, technique details) default to what the form holds.  A phase
    with several trials is saved as that many trials of the phase, in order, each with its
    clip's number in its settings (``"trial": 1, 2, 3``; a clip that failed leaves a gap).
    A session continued after a reload (:func:`continue_session`) keeps its stored trials
    of the tests and legs not analysed since.
    """
    told = details if details is not None else current_details()
    trials = [
        NewTrial(
            phase=a.phase, test=a.test, side=a.measurement.side, video_path=a.video_path,
            video_sha256=a.track.source_sha256 or None,
            settings={"model": a.track.model_name, **dict(a.track.settings),
                      **({"trial": a.trial} if len(of_phase) > 1 else {})},
            measurements=(a.measurement,),
        )
        for key in analyses()
        for of_phase in (phase_trials(*key),)
        for a in of_phase
    ] + [
        # Measured by hand on a photo or a video frame: the points (and the frame) are in the
        # measurement's provenance.
        NewTrial(phase=phase, test=test, side=side,
                 settings={"source": m.provenance.get("source", "photo")}, measurements=(m,))
        for (test, side, phase), m in manual_measurements().items()
    ]
    previous = st.session_state.get(SESSION_ID)
    continued = _continued_trials(previous)
    analysed = {(t.test, t.side) for t in trials}
    trials += [t for t in continued if (t.test, t.side) not in analysed]
    saved = store.add_session(person, date=told.date, technique=technique, notes=told.notes,
                              technique_duration_s=told.technique_duration_s,
                              technique_side=told.technique_side, trials=trials)
    if previous is not None:
        # Already gone when it was deleted from the History tab.
        with contextlib.suppress(RomError):
            store.delete_session(int(previous))
    st.session_state[SESSION_ID] = saved.id
    if continued:
        st.session_state[CONTINUED] = (saved.id, continued)
    return int(saved.id)
