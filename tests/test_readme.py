"""The README's command-line examples: every ``rom`` command is shown, and each line parses."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from rom.cli import build_parser

README = Path(__file__).resolve().parent.parent / "README.md"


def _command_lines() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    lines = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith(".venv/bin/rom ")]


def _commands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_every_command_has_an_example() -> None:
    shown = {argv[0] for argv in _command_lines()}
    assert shown == _commands()
    assert "marker-pdf" in {argv[1] for argv in _command_lines() if argv[0] == "calibrate"}


@pytest.mark.parametrize("argv", _command_lines(), ids=" ".join)
def test_each_example_parses(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)  # SystemExit on an unknown option or value
    assert args.command == argv[0]
    assert callable(args.func)


def test_the_quick_start_is_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    assert commands == ["bash scripts/demo.sh", "bash scripts/test.sh"]
    assert "serve.py" in (README.parent / "scripts" / "demo.sh").read_text()
