"""The History tab through AppTest: a person with two dated sessions, on a time axis."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from rom import norms
from rom.store import Store
from rom.store.records import NewTrial
from tests.test_app import _app
from tests.test_store import measurement


def _figures(at: AppTest) -> dict[str, dict[str, object]]:
    """The page's Plotly charts by element key, as Plotly JSON."""
    found = {}
    for element in at.get("plotly_chart"):
        proto = element.proto  # type: ignore[attr-defined]
        found[proto.id] = json.loads(proto.spec)
    return found


def test_the_history_tab_draws_both_sides_over_two_dated_sessions(
    store: Store, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROM_DATABASE_URL", db_url)  # the page opens the fixture's database
    person = store.add_person("Ana Runner", height_cm=170.0)
    # Ankle values in degrees with their knee-to-wall distances in cm, before and after.
    for day, technique, left, right in (
            (3, "Sock Pull", ((30.0, 9.0), (36.0, 11.0)), ((28.0, 8.0), (31.0, 9.0))),
            (17, "Toe Spreaders", ((33.0, 10.0), (34.0, 10.5)), ((29.0, 10.0), (35.0, 10.0)))):
        store.add_session(person.id, date=dt.date(2026, 11, day), technique=technique, trials=[
            NewTrial(phase, "ankle-dorsiflexion", side, measurements=(replace(
                measurement(value, side=side), secondary={norms.KNEE_TO_WALL: cm}),))
            for side, values in (("left", left), ("right", right))
            for phase, (value, cm) in zip(("pre", "post"), values, strict=True)])
    at = _app()
    at.sidebar.selectbox(key="person_select").set_value(person.id).run()
    assert not at.exception, at.exception
    # The tab's filters: every test and technique of this person, all chosen.
    tests = at.multiselect(key=f"trend_tests_{person.id}")
    assert tests.value == ["ankle-dorsiflexion"]
    techniques = at.multiselect(key=f"trend_techniques_{person.id}")
    assert techniques.value == ["Sock Pull", "Toe Spreaders"]
    (figure,) = _figures(at).values()
    traces = {trace["name"]: trace for trace in figure["data"]}  # type: ignore[index]
    assert traces["left · before"]["y"] == [30.0, 33.0]
    assert traces["left · after"]["y"] == [36.0, 34.0]
    assert traces["right · before"]["y"] == [28.0, 29.0]
    assert traces["right · after"]["y"] == [31.0, 35.0]
    assert [x[:10] for x in traces["right · after"]["x"]] == ["2026-11-03", "2026-11-17"]
    assert "MDC band · left (± 4.7° around the first before)" in traces
    # The asymmetry over time, in knee-to-wall centimetres, and its 1.5 cm threshold.
    assert traces["left–right difference · before"]["y"] == [1.0, 0.0]
    assert traces["left–right difference · after"]["y"] == [2.0, 0.5]
    assert figure["layout"]["shapes"][0]["y0"] == 1.5  # type: ignore[index]

    # What each technique did: ankle left +6 and right +3 with the sock pull, +1 and +6
    # with the toe spreaders (a pair per leg, one session each).
    pairs = "on average over 2 before/after pairs in 1 session"
    assert _effects(at) == [f"Sock Pull · Ankle dorsiflexion: +4.5° {pairs}",
                            f"Toe Spreaders · Ankle dorsiflexion: +3.5° {pairs}"]

    # Filtered to one technique: only its session is drawn, only its average is given.
    techniques.set_value(["Toe Spreaders"]).run()
    assert not at.exception, at.exception
    (figure,) = _figures(at).values()
    traces = {trace["name"]: trace for trace in figure["data"]}  # type: ignore[index]
    assert traces["left · before"]["y"] == [33.0]
    assert _effects(at) == [f"Toe Spreaders · Ankle dorsiflexion: +3.5° {pairs}"]
    # No test chosen: nothing drawn, and the page says so.
    at.multiselect(key=f"trend_tests_{person.id}").set_value([]).run()
    assert _figures(at) == {}
    assert _effects(at) == []
    assert any("No values of these tests" in str(i.value) for i in at.info)


def _effects(at: AppTest) -> list[str]:
    """The sentences of "What each technique did", up to their verdict on the MDC."""
    return [str(m.value)[2:].split(", beyond")[0] for m in at.markdown
            if " on average over " in str(m.value)]
