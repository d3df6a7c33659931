"""``rom``'s public API: every name in ``rom.__all__`` is the object its module defines,
loaded only when first used (``import rom`` loads no heavy dependency)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import rom

HEAVY = ("rom.pipeline", "rom.store", "rom.protocols", "scipy", "sqlalchemy", "cv2", "av",
         "mediapipe", "streamlit")


def test_every_public_name_is_its_modules_object() -> None:
    names = set(rom.__all__) - {"__version__"}
    assert names == set(rom._HOMES)
    for name in sorted(names):
        home = importlib.import_module(rom._HOMES[name])
        assert getattr(rom, name) is getattr(home, name), name
    assert rom.analyse_trial.__module__ == "rom.pipeline"
    assert tuple(rom.CATALOGUE) == rom.TESTS
    assert issubclass(rom.StorageError, rom.RomError)
    assert set(rom.__all__) <= set(dir(rom))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'analyze_trial'"):
        _ = rom.analyze_trial  # type: ignore[attr-defined]


def test_import_rom_loads_nothing_heavy() -> None:
    code = ("import json, sys, rom; "
            f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == []
