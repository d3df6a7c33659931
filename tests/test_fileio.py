"""Crash-safety of rom.fileio: a failed write leaves the old target and no temporary file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from rom.fileio import atomic_output, atomic_write_bytes, atomic_write_text


def test_write_replaces_target_and_leaves_only_it(tmp_path: Path) -> None:
    target = tmp_path / "track.npz"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["track.npz"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # private by default: health data


def test_text_is_utf8_with_newlines_untranslated(tmp_path: Path) -> None:
    target = tmp_path / "bundle.csv"
    atomic_write_text(target, "Zoë,1\r\nÅsa,2\n", permissions=0o644)
    assert target.read_bytes() == "Zoë,1\r\nÅsa,2\n".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_exception_mid_write_keeps_old_target_and_no_temp_file(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "profile.json"
    target.write_bytes(b"the previous, complete file")
    with pytest.raises(type(error)), atomic_output(target) as out:
        out.write(b"half of the new")
        out.flush()
        assert Path(out.name).read_bytes() == b"half of the new"  # really on disk
        raise error
    assert target.read_bytes() == b"the previous, complete file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profile.json"]


def test_failed_first_write_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "copy.mp4"
    with pytest.raises(ValueError, match="refused"), atomic_output(target) as out:
        out.write(b"\x00" * 1000)
        raise ValueError("refused")
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_an_error_not_created(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write_bytes(tmp_path / "no" / "such" / "file.json", b"{}")
    assert list(tmp_path.iterdir()) == []
