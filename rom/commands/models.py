"""``rom models``: list the installed pose models, or provision one for offline use.

``rom models`` prints one block per bundle in the model cache; ``rom models --provision
[--variant full]`` makes sure a bundle is present (cache, official download, or offline
build from PyPI) and says where it came from.
"""

from __future__ import annotations

import argparse

from rom.models import DEFAULT_VARIANT, VARIANTS, list_models, resolve_model
from rom.paths import model_dir


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``models`` sub-command to the ``rom`` parser."""
    parser = subparsers.add_parser(
        "models",
        help="list installed pose models or provision one",
        description="List the pose model bundles in the model cache, or provision one.",
    )
    parser.add_argument(
        "--provision",
        action="store_true",
        help="make sure a model is installed (download, or build offline for 'full')",
    )
    parser.add_argument(
        "--variant",
        choices=VARIANTS,
        default=DEFAULT_VARIANT,
        help=f"model variant to provision (default: {DEFAULT_VARIANT})",
    )
    parser.add_argument(
        "--no-download",
        action="store_true",
        help="with --provision: use nothing from the network",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Provision or list models; returns the exit code."""
    if args.provision:
        resolved = resolve_model(args.variant, allow_download=not args.no_download)
        print(f"{resolved.name}: {resolved.source}")
        print(f"  path    {resolved.path}")
        print(f"  sha256  {resolved.sha256}")
        return 0
    installed = list_models()
    if not installed:
        print(f"no pose models in {model_dir()} (run `rom models --provision`)")
        return 0
    for model in installed:
        status = "verified" if model.verified else "UNVERIFIED (hash matches no record)"
        print(f"{model.name}")
        print(f"  variant {model.variant or 'unknown'}")
        print(f"  size    {model.size_bytes / 1e6:.1f} MB")
        print(f"  sha256  {model.sha256} ({status})")
        print(f"  source  {model.source}")
        print(f"  path    {model.path}")
    return 0
