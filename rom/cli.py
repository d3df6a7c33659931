"""The ``rom`` command line: one sub-command module per job under :mod:`rom.commands`.

Each module in :data:`COMMAND_MODULES` exposes ``register(subparsers)``, which adds its
sub-command(s) and sets ``func`` (taking the parsed ``argparse.Namespace`` and returning
an exit code) as the parser default.  User mistakes raise :class:`rom.errors.RomError`;
they are printed as one line and exit with code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from rom.errors import RomError
from rom.version import __version__

COMMAND_MODULES = (
    "rom.commands.analyze",
    "rom.commands.batch",
    "rom.commands.models",
    "rom.commands.calibrate",
    "rom.commands.store",
    "rom.commands.report",
)

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rom", description="Range-of-motion measurements from mobility-test videos."
    )
    parser.add_argument("--version", action="version", version=f"rom {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        return int(args.func(args))
    except RomError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
