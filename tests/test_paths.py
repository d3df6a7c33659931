"""Where rom finds its sample videos: ``$ROM_SAMPLE_DIR``, else the editable install's checkout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rom import paths

CHECKOUT = Path(__file__).resolve().parent.parent


def _direct_url(url: str, *, editable: bool = True) -> str:
    return json.dumps({"url": url, "dir_info": {"editable": editable}})


def test_environment_variable_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROM_SAMPLE_DIR", str(tmp_path / "clips"))
    assert paths.sample_dir() == tmp_path / "clips"


def test_editable_install_finds_the_checkouts_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test environment installs rom with ``pip install -e .`` (scripts/setup.sh)."""
    monkeypatch.delenv("ROM_SAMPLE_DIR", raising=False)
    checkout = paths.source_checkout()
    assert checkout is not None and (checkout / "pyproject.toml").is_file()
    found = paths.sample_dir()
    assert found == checkout / "sample_videos"
    # The same clips as this checkout's (the environment may be another worktree's).
    assert sorted(p.name for p in found.glob("*.mp4")) == sorted(
        p.name for p in (CHECKOUT / "sample_videos").glob("*.mp4")
    )


def test_no_samples_without_an_editable_checkout(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROM_SAMPLE_DIR", raising=False)
    monkeypatch.setattr(paths, "source_checkout", lambda: None)
    assert paths.sample_dir() is None
    monkeypatch.setattr(paths, "source_checkout", lambda: tmp_path)  # no sample_videos/ there
    assert paths.sample_dir() is None
    assert "$ROM_SAMPLE_DIR" in paths.NO_SAMPLE_DIR_MESSAGE


def test_editable_source_dir_parses_pep610_records() -> None:
    assert paths.editable_source_dir(_direct_url("file:///work/my%20rom")) == Path("/work/my rom")
    assert paths.editable_source_dir(_direct_url("file://localhost/srv/rom")) == Path("/srv/rom")
    # Not an editable local directory: a wheel install, a remote URL, a VCS install.
    assert paths.editable_source_dir(_direct_url("file:///work/rom", editable=False)) is None
    assert paths.editable_source_dir(_direct_url("https://example.org/rom.tar.gz")) is None
    assert paths.editable_source_dir(_direct_url("file://fileserver/share/rom")) is None
    vcs = json.dumps({"url": "https://github.com/x/rom", "vcs_info": {"vcs": "git"}})
    assert paths.editable_source_dir(vcs) is None
    for broken in (None, "", "{not json", "[]", json.dumps({"dir_info": {"editable": True}})):
        assert paths.editable_source_dir(broken) is None


def test_unknown_distribution_has_no_checkout() -> None:
    assert paths.source_checkout("no-such-distribution-of-rom") is None


def test_a_metadata_folder_without_direct_url_first_on_the_path_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from the checkout, the editable build's ``rom.egg-info`` shadows the install."""
    shadow = tmp_path / "rom.egg-info"
    shadow.mkdir()
    (shadow / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: rom\nVersion: 0.1.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("ROM_SAMPLE_DIR", raising=False)
    checkout = paths.source_checkout()
    assert checkout is not None and (checkout / "pyproject.toml").is_file()
