"""``rom report``: the session PDF from the store, the same as the dashboard's export."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rom import cli, labels
from rom.measurement import Measurement
from rom.report import session_pdf
from rom.store import NewTrial, Store

pypdf = pytest.importorskip("pypdf")

NAME = "Odalys Brennemark"


def _m(test: str, side: str, value: float, *, unit: str = "deg", reliable: bool = True,
       reasons: tuple[str, ...] = ()) -> Measurement:
    return Measurement(test=test, side=side, value=value, unit=unit, quality=0.9,
                       reliable=reliable, reasons=reasons, peak_time_s=1.5, peak_frame=45,
                       provenance={"video_sha256": "cd" * 32, "model": "full"})


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A person with an older and a newer session, in a fresh SQLite store."""
    monkeypatch.setenv("ROM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ROM_DATABASE_URL", raising=False)
    with Store() as store:
        person = store.add_person(NAME, height_cm=171.0)
        knee = _m("knee-flexion", "left", 101.0)
        old = store.add_session(person.id, date=dt.date(2026, 10, 2), technique="Sock Pull",
                                trials=[NewTrial("pre", "knee-flexion", "left",
                                                 measurements=(knee,))])
        new = store.add_session(
            person.id, date=dt.date(2026, 11, 25), technique="Toe Spreaders", trials=[
            NewTrial("pre", "ankle-dorsiflexion", "left",
                     measurements=(_m("ankle-dorsiflexion", "left", 30.0),)),
            NewTrial("post", "ankle-dorsiflexion", "left",
                     measurements=(_m("ankle-dorsiflexion", "left", 36.5),)),
            NewTrial("pre", "ankle-dorsiflexion", "right",
                     measurements=(_m("ankle-dorsiflexion", "right", 31.0),)),
            NewTrial("post", "ankle-dorsiflexion", "right",
                     measurements=(_m("ankle-dorsiflexion", "right", 33.0),)),
            NewTrial("pre", "toe-touch", "right",
                     measurements=(_m("toe-touch", "right", 6.0, unit="cm"),)),
            NewTrial("post", "toe-touch", "right",
                     measurements=(_m("toe-touch", "right", 1.0, unit="cm", reliable=False,
                                      reasons=("knees_bent",)),)),
        ])
    return {"person": person, "old": old, "new": new}


def test_report_writes_the_latest_session_as_the_dashboard_does(
    stored: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.pdf"
    assert cli.main(["report", NAME.lower(), "--out", str(out)]) == 0
    assert f"session {stored['new'].id}" in capsys.readouterr().out
    text = _text(out.read_bytes())
    for expected in (NAME, "25 November 2026", "Toe Spreaders",
                     labels.test_label("ankle-dorsiflexion"), labels.test_label("toe-touch"),
                     "30.0°", "36.5°", "+6.5°", "4.7°", "Yes – real change",  # 6.5° > MDC 4.7°
                     "31.0°", "33.0°", "No – within noise",  # 2.0° < 4.7°
                     "6.0 cm", "1.0 cm (unreliable)", "Unreliable – re-film",
                     "left 36.5°, right 33.0° — difference 3.5°", "Powden"):
        assert expected in text, expected
    assert "Knee flexion" not in text  # the older session's test

    from rom.dashboard import export  # the dashboard's own export of the same session

    with Store() as store:
        content = export.session_report(store, stored["person"], stored["new"])
    assert content.key_frames == ()
    assert _text(session_pdf(content)) == text


def test_report_of_a_chosen_session(stored: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "old.pdf"
    assert cli.main(["report", str(stored["person"].id), "--session", str(stored["old"].id),
                     "--out", str(out)]) == 0
    text = _text(out.read_bytes())
    assert "2 October 2026" in text and "Sock Pull" in text and "101.0°" in text
    assert labels.test_label("ankle-dorsiflexion") not in text


def test_unknown_session_is_a_user_error(
    stored: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "none.pdf"
    assert cli.main(["report", NAME, "--session", "999", "--out", str(out)]) == cli.EXIT_USER_ERROR
    assert "no session 999" in capsys.readouterr().err
    assert not out.exists()


def test_the_report_loads_no_video_code() -> None:
    """Building a PDF needs neither PyAV nor OpenCV (rom.style holds the palette)."""
    code = ("import sys, rom.report, rom.style, rom.comparison; "
            "print(sorted(m for m in ('av', 'cv2') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
