"""The "Measure by hand on a photo" section (rom.dashboard.manual): its logic through AppTest
with the points given directly (the click widget only reports clicks, see
tests/test_browser_manual.py for the real browser)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rom.dashboard import manual
from rom.errors import MeasurementError
from rom.store import Store

# A side view of a foot: metatarsal from (100, 300) to the MTP joint at (300, 300), the
# hallux rising 30 deg above the metatarsal's line: extension +30 deg.
MTP = (300.0, 300.0)
HALLUX = (300.0 + 100.0 * math.cos(math.radians(30)), 300.0 - 100.0 * math.sin(math.radians(30)))
EXTENSION_POINTS = [[100.0, 300.0], list(MTP), list(HALLUX)]


def test_point_names_follow_the_test_modules() -> None:
    assert manual.point_names("big-toe-extension") == (
        "first metatarsal shaft", "first MTP joint", "hallux")
    assert len(manual.point_names("toe-spread")) == 3
    assert manual.point_names("toe-spread", "width") == (
        "medial edge of the hallux", "lateral edge of the fifth toe", *manual.REFERENCE_POINTS)
    assert manual.vertex_index("big-toe-flexion") == 1
    assert manual.vertex_index("toe-spread", "width") is None


def test_measure_points_angle_and_width() -> None:
    extension = manual.measure_points("big-toe-extension", "left", EXTENSION_POINTS)
    assert extension.value == pytest.approx(30.0, abs=1e-6) and extension.unit == "deg"
    # Flexion: the same photo mirrored top to bottom (hallux bent down) is +30 flexion.
    down = [[x, 600.0 - y] for x, y in EXTENSION_POINTS]
    assert manual.measure_points("big-toe-flexion", "left", down).value == pytest.approx(30.0)
    # Width: 180 px across the forefoot, a 90 px long reference of 4.5 cm -> 9 cm.
    width = manual.measure_points("toe-spread", "right",
                                  [(10, 50), (190, 50), (0, 100), (90, 100)], "width", 4.5)
    assert width.value == pytest.approx(9.0) and width.unit == "cm"
    with pytest.raises(MeasurementError, match="reference"):
        manual.measure_points("toe-spread", "right", [(10, 50), (190, 50), (0, 100), (90, 100)],
                              "width", None)
    with pytest.raises(MeasurementError, match="3 points"):
        manual.measure_points("big-toe-extension", "left", EXTENSION_POINTS[:2])


def _marking_page(db_url: str, points: list[list[float]]) -> None:
    """A page with only the marking part of the section, on a 600x400 photo."""
    import streamlit as st

    from rom.dashboard import manual, state
    from rom.store import Store

    store = Store(db_url)
    person = store.list_people()[0]
    state.show_flash()
    st.session_state.setdefault(manual.POINTS_KEY, [list(p) for p in points])
    photo = manual.ShownPhoto("photo", "data:image/png;base64,", 600, 400)
    manual._marking(store, person, "big-toe-extension", "left", "pre", "angle", None, photo)


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, int]:
    url = f"sqlite:///{tmp_path / 'rom.db'}"
    with Store(url) as store:
        person = store.add_person("Ana Runner")
    return url, int(person.id)


def test_marking_shows_the_value_and_saves_a_trial_without_video(db: tuple[str, int]) -> None:
    url, person_id = db
    at = AppTest.from_function(_marking_page, args=(url, EXTENSION_POINTS),
                               default_timeout=60).run()
    assert not at.exception
    (metric,) = at.metric
    assert metric.value == "30.0°"
    at.button(key="manual_save").click().run()
    assert not at.exception
    assert any("Saved by hand" in s.value for s in at.success)
    with Store(url) as store:
        (session,) = store.sessions(person_id)
        (trial,) = store.trials(session.id)
    assert (trial.phase, trial.test, trial.side) == ("pre", "big-toe-extension", "left")
    assert trial.video_path is None and trial.video_sha256 is None
    assert trial.settings["source"] == "photo"
    (record,) = trial.measurements
    assert record.measurement.value == pytest.approx(30.0, abs=0.01)
    assert record.measurement.provenance["method"] == "manual"


def test_undo_and_clear_points(db: tuple[str, int]) -> None:
    url, _ = db
    at = AppTest.from_function(_marking_page, args=(url, EXTENSION_POINTS),
                               default_timeout=60).run()
    at.button(key="manual_undo").click().run()
    assert not at.exception
    assert at.session_state[manual.POINTS_KEY] == EXTENSION_POINTS[:2]
    assert not at.metric
    assert "Click point 3 of 3: **hallux**" in [m.value for m in at.markdown]
    at.button(key="manual_clear").click().run()
    assert at.session_state[manual.POINTS_KEY] == []
    assert at.button(key="manual_undo").disabled
    assert "Click point 1 of 3: **first metatarsal shaft**" in [m.value for m in at.markdown]


def test_a_mis_click_is_a_warning_not_a_value(db: tuple[str, int]) -> None:
    url, _ = db
    # Hallux bent 90 deg down from the shaft: outside big-toe extension's range (-40..120).
    points = [[100.0, 300.0], [300.0, 300.0], [300.0, 400.0]]
    at = AppTest.from_function(_marking_page, args=(url, points), default_timeout=60).run()
    assert not at.exception
    assert not at.metric
    assert any("outside the plausible" in w.value for w in at.warning)
    assert not [b for b in at.button if b.key == "manual_save"]


def _two_saves_page(db_url: str) -> None:
    """Save one hand-measured value, then save the session again (as a new video analysis
    does): the session is replaced whole and the photo trial must come along."""
    import streamlit as st

    from rom.dashboard import manual, state
    from rom.store import Store

    store = Store(db_url)
    person = store.list_people()[0]
    if "first" not in st.session_state:
        m = manual.measure_points("big-toe-flexion", "right",
                                  [(100.0, 300.0), (300.0, 300.0), (400.0, 400.0)])
        st.session_state["first"] = manual.save_manual(store, int(person.id), "Sock Pull",
                                                       "post", m)
        st.session_state["second"] = state.save_session(store, int(person.id), "Sock Pull")


def test_a_photo_trial_survives_the_next_save_of_the_session(db: tuple[str, int]) -> None:
    url, person_id = db
    at = AppTest.from_function(_two_saves_page, args=(url,), default_timeout=60).run()
    assert not at.exception
    assert at.session_state["second"] != at.session_state["first"]
    with Store(url) as store:
        (session,) = store.sessions(person_id)  # the first save was replaced, not kept
        (trial,) = store.trials(session.id)
    assert session.id == at.session_state["second"] and session.technique == "Sock Pull"
    assert (trial.test, trial.side, trial.phase) == ("big-toe-flexion", "right", "post")
    assert trial.measurements[0].measurement.value == pytest.approx(45.0)


def test_the_session_tab_offers_the_section(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)
    with Store() as store:
        store.add_person("Ana Runner")
    root = Path(__file__).resolve().parent.parent
    at = AppTest.from_file(str(root / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert manual.TEXT["heading"] in [e.label for e in at.expander]
    assert at.selectbox(key="manual_test").options == [
        "Big-toe extension (first MTP joint, by hand)",
        "Big-toe flexion (first MTP joint, by hand)", "Toe spreading (top view, by hand)"]
    # Toe spreading as a width asks for the reference's length.
    at.selectbox(key="manual_test").set_value("toe-spread").run()
    at.radio(key="manual_mode").set_value("width").run()
    assert not at.exception
    assert at.number_input(key="manual_reference_cm").value == pytest.approx(8.56)


def _encoded(image: object, fmt: str, **options: object) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)  # type: ignore[attr-defined]
    return buffer.getvalue()


def test_shown_photo_reads_heic_turns_upright_and_downscales() -> None:
    import base64
    import io

    from PIL import Image

    # A phone's portrait photo: stored 400x200 (landscape) with EXIF orientation 6
    # ("turn 90 deg clockwise to view"); shown it is 200 wide and 400 high, the red left
    # edge of the stored pixels at the top.
    stored = Image.new("RGB", (400, 200), (255, 255, 255))
    stored.paste((255, 0, 0), (0, 0, 40, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    for fmt in ("JPEG", "HEIF"):
        shown = manual.shown_photo(_encoded(stored, fmt, exif=exif.tobytes()))
        assert (shown.width, shown.height) == (200, 400), fmt
        decoded = Image.open(io.BytesIO(base64.b64decode(shown.src.split(",", 1)[1])))
        top, bottom = decoded.getpixel((100, 5)), decoded.getpixel((100, 395))
        assert top[0] > 200 and top[1] < 60, (fmt, top)  # type: ignore[index]
        assert min(bottom) > 200, (fmt, bottom)  # type: ignore[arg-type]
    big = manual.shown_photo(_encoded(Image.new("RGB", (4000, 3000)), "PNG"))
    assert (big.width, big.height) == (manual.MAX_SIDE_PX, 1200)
    with pytest.raises((OSError, ValueError)):
        manual.shown_photo(b"not a photo at all")
