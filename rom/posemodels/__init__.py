"""Pose model acquisition: find, download or build the MediaPipe ``.task`` bundle to run.

Modules
-------
:mod:`~rom.posemodels.resolver`
    :func:`resolve_model` (user path → model cache → official download → offline build)
    and :func:`list_models` for ``rom models``.
:mod:`~rom.posemodels.builder`
    The deterministic offline build of the *lite*, *full* and *heavy* bundles from pinned
    registry packages (PyPI wheel, npm tarball), cached per user.
:mod:`~rom.posemodels.sources`
    The pins: packages, networks and bundles with their SHA-256 (pure data).
:mod:`~rom.posemodels.tflite_metadata`
    The TFLite ``NormalizationOptions`` metadata the Tasks API needs (pure functions).
"""

from rom.posemodels.resolver import (
    InstalledModel,
    ResolvedModel,
    check_bundle,
    list_models,
    resolve_model,
)
from rom.posemodels.sources import DEFAULT_VARIANT, VARIANTS, bundle_name

__all__ = [
    "DEFAULT_VARIANT",
    "VARIANTS",
    "InstalledModel",
    "ResolvedModel",
    "bundle_name",
    "check_bundle",
    "list_models",
    "resolve_model",
]
