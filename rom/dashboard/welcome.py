"""First visit: what rom does, how a session goes, and a one-click demo on the sample clips.

Shown instead of the tabs while the database holds nobody.  *Try it with the sample
videos* adds (or reuses) a clearly named demo person, chooses the bundled sample clips of
a test on the record form and analyses them on the next run, so the results, the pre/post
comparison and the history appear without any further input.  The demo person is an
ordinary person in the database: it is deleted like any other.
"""

from __future__ import annotations

import streamlit as st

from rom import labels, paths
from rom.dashboard import record, services, state
from rom.dashboard.text import literal
from rom.errors import RomError
from rom.i18n import N_, _
from rom.store import Store
from rom.store.records import PersonInfo
from rom.vocabulary import SIDES

DEMO_PERSON_NAME = labels.DEMO_PERSON_NAME
DEMO_TECHNIQUE = labels.DEMO_TECHNIQUE
DEMO_NOTES = ("Made by 'Try it with the sample videos': a synthetic body from rom's bundled "
              "sample clips, not a real person. Delete it at any time.")
#: Session-state flag: analyse the record form's input on this run, as if pressed.
RUN_DEMO = "_run_demo"

_STEPS = (
    (":material/videocam:", N_("Film “before” from the side"),
     N_("Phone at hip height, the whole body in frame. Do the test, e.g. a knee-to-wall "
        "lunge.")),
    (":material/self_improvement:", N_("Do the technique"),
     N_("Toe spreaders, a sock pull, foam rolling… whatever you want to check.")),
    (":material/compare_arrows:", N_("Film “after” the same way"),
     N_("rom measures both clips and tells you whether the change is bigger than "
        "measurement noise.")),
)


def demo_test() -> str | None:
    """The first offered test with a bundled pre/post pair of sample clips."""
    for test in record.tests_offered():
        if services.sample_pair(test, "auto") is not None:
            return test
    return None


def demo_person(store: Store) -> PersonInfo:
    """The demo person: reused when already there, else added (without a height)."""
    for person in store.list_people():
        if person.name == DEMO_PERSON_NAME:
            return person
    return store.add_person(DEMO_PERSON_NAME, notes=DEMO_NOTES)


def is_demo(person: PersonInfo | None) -> bool:
    return person is not None and person.name == DEMO_PERSON_NAME


def start_demo(store: Store) -> None:
    """Button callback: pick the demo person and the sample clips, then analyse them.

    It runs before the next script run, so it may still set the record form's widgets.
    """
    test = demo_test()
    if test is None:
        folder = paths.sample_dir()
        where = (_("in {folder}").format(folder=folder) if folder is not None
                 else f"({paths.NO_SAMPLE_DIR_MESSAGE})")
        state.flash("error", _("No sample videos were found {where}.").format(
            where=literal(where)))
        return
    try:
        person = demo_person(store)
    except RomError as exc:
        state.flash("error", _("The demo could not start: {error}").format(error=literal(exc)))
        return
    pair = services.sample_pair(test, "auto")
    side = pair[0].side if pair is not None and pair[0].side in SIDES else "auto"
    st.session_state.update({
        state.PERSON_ID: person.id, "person_select": person.id,
        "test": test, "side": side, "source": record.SOURCE_SAMPLES,
        "technique": "Other", "technique_other": DEMO_TECHNIQUE, RUN_DEMO: True,
    })
    st.session_state.pop(state.SESSION_ID, None)


def show(store: Store) -> None:
    """The welcome page (the database holds nobody yet)."""
    st.subheader(_("Welcome! Measure what a mobility technique really changes"))
    st.markdown(_(
        "rom measures your range of motion from a phone video: ankle dorsiflexion, knee "
        "flexion, hip extension and the toe touch. Film a test **before** and **after** a "
        "technique and rom shows the angle or distance, the change, and whether it is larger "
        "than measurement noise."
    ))
    cols = st.columns(3)
    for number, (col, (icon, title, text)) in enumerate(zip(cols, _STEPS, strict=True), 1):
        with col.container(border=True, height="stretch"):
            st.markdown(f"##### {icon} {number} · {_(title)}")
            st.caption(_(text))
    st.markdown(_(":material/lock: **Private:** videos, measurements and reports stay on this "
                  "computer. Nothing is uploaded; the dashboard only listens on 127.0.0.1."))

    left, right = st.columns(2, gap="medium")
    with left.container(border=True, height="stretch"):
        st.markdown("##### :material/play_circle: " + _("See it work first"))
        test = demo_test()
        if test is None:
            st.caption(_("No sample videos were found in {folder}, so the demo is not "
                         "available.").format(folder=literal(services.sample_dir())))
        else:
            st.caption(_("Analyses the bundled sample clips of the **{test}** test (a synthetic "
                         "runner, before and after) for a demo person called “{person}”. Takes "
                         "about half a minute; delete the demo person in the sidebar any "
                         "time.").format(test=labels.test_label(test), person=DEMO_PERSON_NAME))
        st.button(_("Try it with the sample videos"), type="primary",
                  icon=":material/play_arrow:",
                  key="try_samples", on_click=start_demo, args=(store,),
                  disabled=test is None, width="stretch")
    with right.container(border=True, height="stretch"):
        st.markdown("##### :material/person_add: " + _("Measure a real person"))
        st.caption(_("**:material/arrow_back: In the sidebar on the left** (on a phone, open "
                     "it with the **»** button at the top left): type a name or a pseudonym "
                     "(the height is optional) and press **Add person**. Then upload a before "
                     "and an after video from your phone, or record them with the webcam."))

    with st.expander(_("Moving from another computer? Restore a backup")):
        from rom.dashboard import export

        export.restore_section(store)
