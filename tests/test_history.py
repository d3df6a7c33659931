"""Which technique works for a person: rom.history's average immediate change, known numbers."""

from __future__ import annotations

import dataclasses
import datetime as dt

from rom.dashboard.summary import effect_sentence
from rom.history import TechniqueEffect, session_changes, technique_effects
from rom.store.records import HistoryPoint
from tests.test_store import measurement

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def point(session: int, technique: str | None, phase: str, value: float | None, *,
          side: str = "left", reliable: bool = True, minutes: int = 0) -> HistoryPoint:
    m = measurement(value, side=side, reliable=reliable)  # ankle dorsiflexion, deg, ±0.42
    return HistoryPoint(
        person_id=1, session_id=session, session_uid=f"s{session}",
        date=dt.date(2026, 11, session), technique=technique, place=None, trial_id=0,
        phase=phase, measurement_id=0, measurement=m,
        recorded_at=T0 + dt.timedelta(days=session, minutes=minutes))


def history() -> list[HistoryPoint]:
    sock = "Sock Pull"
    return [
        # Sock Pull: +6, +2, +5.5 and -1 degrees; the MDC is 4.7 degrees.
        point(1, sock, "pre", 30.0), point(1, sock, "post", 36.0),
        point(2, sock, "pre", 31.0), point(2, sock, "post", 33.0),
        # Re-measured before: the later pre (30.0) counts, not the first (20.0).
        point(3, sock, "pre", 20.0), point(3, sock, "pre", 30.0, minutes=5),
        point(3, sock, "post", 35.5),
        point(4, sock, "pre", 32.0), point(4, sock, "post", 31.0),
        # Toe Spreaders, both legs in one session: +1 (left) and +5 (right).
        point(5, "Toe Spreaders", "pre", 30.0), point(5, "Toe Spreaders", "post", 31.0),
        point(5, "Toe Spreaders", "pre", 28.0, side="right"),
        point(5, "Toe Spreaders", "post", 33.0, side="right"),
        # Never counted: an unreliable post, a missing post, an unmeasured pre.
        point(6, sock, "pre", 30.0), point(6, sock, "post", 45.0, reliable=False),
        point(7, sock, "pre", 30.0),
        point(8, sock, "pre", None, reliable=False), point(8, sock, "post", 40.0),
    ]


def test_each_session_gives_one_change_per_side_from_reliable_pairs() -> None:
    changes = session_changes(history())
    assert [(c.session_id, c.side, c.change.absolute) for c in changes] == [
        (1, "left", 6.0), (2, "left", 2.0), (3, "left", 5.5), (4, "left", -1.0),
        (5, "left", 1.0), (5, "right", 5.0)]
    assert [c.change.real_change for c in changes] == [True, False, True, False, False, True]


def test_the_average_change_per_technique() -> None:
    sock, spreaders = technique_effects(session_changes(history()))
    assert sock == TechniqueEffect(technique="Sock Pull", test="ankle-dorsiflexion", unit="deg",
                                   mean_change=3.125, pairs=4, sessions=4, beyond_mdc=2,
                                   mdc=4.7)
    assert (spreaders.technique, spreaders.mean_change, spreaders.pairs, spreaders.sessions,
            spreaders.beyond_mdc) == ("Toe Spreaders", 3.0, 2, 1, 1)
    assert effect_sentence(sock) == (
        "Sock Pull · Ankle dorsiflexion: +3.1° on average over 4 sessions, beyond the MDC "
        "(4.7°) in 2")
    assert effect_sentence(spreaders) == (
        "Toe Spreaders · Ankle dorsiflexion: +3.0° on average over 2 before/after pairs in "
        "1 session, beyond the MDC (4.7°) in 1")


def test_points_left_out_of_trends_do_not_count() -> None:
    # The hook for trials kept out of trends: leave session 1 out.
    effects = technique_effects(session_changes(history(), include=lambda p: p.session_id != 1))
    sock = next(e for e in effects if e.technique == "Sock Pull")
    assert (sock.mean_change, sock.sessions, sock.beyond_mdc) == (6.5 / 3, 3, 1)


def test_a_test_without_an_mdc_says_so() -> None:
    no_mdc = dataclasses.replace(
        technique_effects(session_changes(history()))[0], technique=None, mdc=None)
    assert effect_sentence(no_mdc).startswith("No technique named · Ankle dorsiflexion: +3.1°")
    assert effect_sentence(no_mdc).endswith("no MDC to judge it by")
    assert technique_effects([]) == []
