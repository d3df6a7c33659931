"""Find the MediaPipe pose model bundle (``.task``) to run, fetching or building it if needed.

Resolution order of :func:`resolve_model`:

1. a ``.task`` path the user names (checked to exist and to be an uncompressed zip holding
   the two pose networks);
2. the per-user model cache, :func:`rom.paths.model_dir`
   (``pose_landmarker_{variant}.task``);
3. the official bundle from Google's model storage, verified by SHA-256 and size;
4. an offline build from pinned registry packages (:mod:`rom.posemodels.builder`): the
   ``mediapipe==0.10.21`` wheel on PyPI for *full*, plus the ``@mediapipe/pose`` npm
   package for *lite* and *heavy*.

Download integrity: the official bundles are fetched from the **versioned** path, pinned
by SHA-256 and size (:data:`rom.posemodels.sources.OFFICIAL_BUNDLES`).  A download whose
hash or size differs is refused and deleted, never cached.  ``$ROM_MODEL_BASE_URL`` points
the download at a mirror; the pins still apply.
"""

from __future__ import annotations

import hashlib
import logging
import os
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from rom.errors import ModelError
from rom.fileio import atomic_output, sha256_file
from rom.paths import model_dir
from rom.posemodels import builder
from rom.posemodels.sources import (
    DEFAULT_VARIANT,
    DETECTOR_MEMBER,
    LANDMARKS_MEMBER,
    OFFICIAL_BASE_URL,
    OFFICIAL_BUNDLES,
    OFFICIAL_VERSION,
    OFFLINE_RECIPES,
    VARIANTS,
    OfficialBundle,
    bundle_name,
)

log = logging.getLogger(__name__)

REQUIRED_MEMBERS = (DETECTOR_MEMBER, LANDMARKS_MEMBER)
DOWNLOAD_TIMEOUT_S = 5.0  # per connect/read; an unreachable host must not stall analysis
DOWNLOAD_CHUNK = 1 << 20


@dataclass(frozen=True)
class ResolvedModel:
    """A pose model bundle ready to hand to MediaPipe.

    Attributes
    ----------
    path : Path
        The ``.task`` file.
    name : str
        Bundle name without extension, e.g. ``"pose_landmarker_full"``.
    sha256 : str
        Hex SHA-256 of the file (part of every track's cache key and provenance).
    source : str
        ``"user path"``, ``"cache"``, ``"download"`` or ``"offline build"``.
    """

    path: Path
    name: str
    sha256: str
    source: str


@dataclass(frozen=True)
class InstalledModel:
    """One bundle found in the model cache, for ``rom models``."""

    path: Path
    name: str
    variant: str | None  # "lite" | "full" | "heavy", None for an unrecognised name
    size_bytes: int
    sha256: str
    source: str  # as recorded in the sidecar, "unknown" when there is none
    verified: bool  # hash matches the sidecar record or a pinned official/offline hash


def official_url(variant: str) -> str:
    """Download URL of a variant's official bundle (``$ROM_MODEL_BASE_URL`` overrides host)."""
    base = os.environ.get("ROM_MODEL_BASE_URL") or OFFICIAL_BASE_URL
    name = bundle_name(variant)
    return f"{base.rstrip('/')}/{name}/float16/{OFFICIAL_VERSION}/{name}.task"


def check_bundle(path: Path) -> None:
    """Raise :class:`ModelError` unless ``path`` is a usable pose ``.task`` bundle.

    Usable means: an existing file, a zip archive, holding both pose networks stored
    uncompressed (MediaPipe refuses compressed members).
    """
    if not path.exists():
        raise ModelError(f"model file not found: {path}")
    if not path.is_file():
        raise ModelError(f"model path is not a file: {path}")
    if not zipfile.is_zipfile(path):
        raise ModelError(f"not a MediaPipe .task bundle (not a zip archive): {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(f"cannot read model bundle {path}: {exc}") from exc
    missing = [name for name in REQUIRED_MEMBERS if name not in members]
    if missing:
        raise ModelError(f"not a pose landmarker bundle ({', '.join(missing)} missing): {path}")
    compressed = [n for n in REQUIRED_MEMBERS if members[n].compress_type != zipfile.ZIP_STORED]
    if compressed:
        raise ModelError(f"model bundle members must be stored uncompressed: {path}")


def _parse_spec(spec: str | None) -> tuple[str | None, Path | None]:
    """Split a ``--model`` value into ``(variant, None)`` or ``(None, path)``."""
    if spec is None or spec.strip() == "":
        return DEFAULT_VARIANT, None
    if spec.lower() in VARIANTS:
        return spec.lower(), None
    looks_like_path = spec.endswith(".task") or os.sep in spec or Path(spec).exists()
    if not looks_like_path:
        raise ModelError(
            f"unknown model {spec!r}: use one of {', '.join(VARIANTS)} or a path to a .task file"
        )
    return None, Path(spec).expanduser()


def _from_cache(variant: str, directory: Path) -> ResolvedModel | None:
    """The cached bundle of ``variant`` if present and intact, else ``None``.

    A bundle whose hash contradicts its own sidecar record is treated as damaged (e.g. an
    interrupted copy) and ignored, so resolution goes on to re-fetch or rebuild it.
    """
    path = directory / f"{bundle_name(variant)}.task"
    if not path.is_file():
        return None
    try:
        check_bundle(path)
    except ModelError as exc:
        log.warning("ignoring damaged cached model: %s", exc)
        return None
    digest = sha256_file(path)
    record = builder.read_sidecar(path)
    if record.get("sha256") is not None and record["sha256"] != digest:
        log.warning("ignoring cached model %s: SHA-256 differs from its record", path)
        return None
    if record.get("source") == "offline build" and digest != OFFLINE_RECIPES[variant].bundle_sha256:
        log.info("rebuilding %s: built by an older recipe", path)
        return None
    return ResolvedModel(path=path, name=bundle_name(variant), sha256=digest, source="cache")


def download_bundle(url: str, dest: Path, expected: OfficialBundle,
                    *, timeout_s: float = DOWNLOAD_TIMEOUT_S) -> str:
    """Download ``url`` to ``dest`` atomically, keeping it only if hash and size match.

    Parameters
    ----------
    url
        Where to fetch from.
    dest
        Final path; written through a temporary file in the same directory and renamed.
    expected
        Pinned SHA-256 and size; anything else is deleted and refused.
    timeout_s
        Socket timeout in seconds for connecting and for each read.

    Returns
    -------
    str
        The verified hex SHA-256.

    Raises
    ------
    OSError
        On any network failure (``urllib.error.URLError`` is a subclass); nothing is left.
    ModelError
        When the downloaded bytes are not the pinned file; nothing is left.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with (
        atomic_output(dest, permissions=builder.MODEL_FILE_PERMISSIONS) as out,
        urllib.request.urlopen(url, timeout=timeout_s) as resp,
    ):
        while chunk := resp.read(DOWNLOAD_CHUNK):
            size += len(chunk)
            if size > expected.size_bytes:
                raise ModelError(f"download from {url} is larger than the pinned "
                                 f"{expected.size_bytes} bytes; refused")
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        actual = digest.hexdigest()
        if size != expected.size_bytes or actual != expected.sha256:
            raise ModelError(
                f"download from {url} has SHA-256 {actual} ({size} bytes), expected "
                f"{expected.sha256} ({expected.size_bytes} bytes); refused"
            )
        # Raising here discards the download: the cached bundle is only ever a checked one.
        check_bundle(Path(out.name))
    return actual


def _download(variant: str, directory: Path, failures: list[str]) -> ResolvedModel | None:
    """Fetch the official bundle of ``variant`` into ``directory``; ``None`` on failure."""
    expected = OFFICIAL_BUNDLES.get(variant)
    if expected is None:
        return None
    url = official_url(variant)
    path = directory / f"{bundle_name(variant)}.task"
    try:
        digest = download_bundle(url, path, expected)
    except ModelError as exc:
        # A wrong file is worth a loud warning even when a fallback then succeeds.
        log.warning("%s", exc)
        failures.append(str(exc))
        return None
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
        failures.append(f"download of {url} failed ({exc})")
        return None
    builder.write_sidecar(path, {
        "name": bundle_name(variant), "source": "download", "sha256": digest, "url": url,
    })  # fmt: skip
    return ResolvedModel(path=path, name=bundle_name(variant), sha256=digest, source="download")


def _offline_build(
    variant: str, directory: Path, failures: list[str], *, allow_network: bool
) -> ResolvedModel | None:
    """Build ``variant`` from its pinned registry packages (every variant has a recipe)."""
    if not allow_network:
        missing = builder.missing_packages(variant)
        if missing:
            names = ", ".join(package.requirement for package in missing)
            failures.append(f"offline build needs {names}, not yet downloaded")
            return None
    try:
        built = builder.install_bundle(variant, directory)
    except (ModelError, OSError) as exc:
        failures.append(f"offline build failed ({exc})")
        return None
    return ResolvedModel(
        path=built.path, name=bundle_name(variant), sha256=built.sha256, source="offline build"
    )


def resolve_model(spec: str | None = None, *, allow_download: bool = True) -> ResolvedModel:
    """Return a usable pose model bundle, fetching or building it when needed.

    Parameters
    ----------
    spec
        ``None`` (the default variant, ``"full"``), ``"lite"``, ``"full"``, ``"heavy"``, or
        a path to a ``.task`` file.
    allow_download
        When False, nothing is fetched from the network: neither the official bundle nor
        the PyPI wheel the offline build needs (a wheel already on disk is still used).

    Raises
    ------
    ModelError
        When the named file is not a usable bundle, or no source could provide the variant.
    """
    variant, user_path = _parse_spec(spec)
    if user_path is not None:
        check_bundle(user_path)
        return ResolvedModel(
            path=user_path.resolve(),
            name=user_path.stem,
            sha256=sha256_file(user_path),
            source="user path",
        )
    assert variant is not None
    directory = model_dir()
    cached = _from_cache(variant, directory)
    if cached is not None:
        return cached
    failures: list[str] = []
    if allow_download:
        downloaded = _download(variant, directory, failures)
        if downloaded is not None:
            return downloaded
    else:
        failures.append("downloads disabled")
    built = _offline_build(variant, directory, failures, allow_network=allow_download)
    if built is not None:
        return built
    hint = f"; `rom models --provision --variant {variant}` needs {_registries(variant)} once"
    raise ModelError(f"no pose model '{variant}' available: {'; '.join(failures)}{hint}")


def _registries(variant: str) -> str:
    """What the offline build of ``variant`` downloads from, e.g. ``"PyPI access"``."""
    names = {"pypi": "PyPI access", "npm": "npm registry access"}
    return " and ".join(names[p.registry] for p in OFFLINE_RECIPES[variant].packages)


def _variant_of(path: Path) -> str | None:
    """``"full"`` for ``pose_landmarker_full.task``; ``None`` for any other name."""
    variant = path.stem.removeprefix("pose_landmarker_")
    return variant if variant in VARIANTS and variant != path.stem else None


def list_models() -> list[InstalledModel]:
    """Bundles present in :func:`rom.paths.model_dir`, sorted by file name.

    A bundle counts as verified when its SHA-256 matches its sidecar record, the pinned
    official bundle of its variant, or the pinned offline build of its variant.
    """
    found = []
    for path in sorted(model_dir().glob("*.task")):
        record = builder.read_sidecar(path)
        digest = sha256_file(path)
        variant = _variant_of(path)
        trusted = {record.get("sha256")}
        if variant is not None:
            trusted.add(OFFICIAL_BUNDLES[variant].sha256)
            trusted.add(OFFLINE_RECIPES[variant].bundle_sha256)
        found.append(InstalledModel(
            path=path,
            name=path.stem,
            variant=variant,
            size_bytes=path.stat().st_size,
            sha256=digest,
            source=str(record.get("source", "unknown")),
            verified=digest in trusted,
        ))  # fmt: skip
    return found
