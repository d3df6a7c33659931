"""Build the MediaPipe ``pose_landmarker_full.task`` bundle offline from PyPI.

The official ``.task`` bundles live on Google's model storage, which is not reachable
everywhere (it is not on the project's CI).  The ``mediapipe==0.10.21`` wheel on PyPI
(Apache-2.0) ships the same two networks that the *full* bundle holds, as bare TFLite
files without the TFLite metadata the Tasks API insists on.  This module:

1. fetches that wheel with ``pip download`` (the ordinary PyPI client, never installed),
2. extracts the two ``.tflite`` files and checks them against SHA-256 values pinned below,
3. attaches TFLite metadata carrying the input ``NormalizationOptions`` (the Tasks API
   refuses float-input models without it), as the ``TFLITE_METADATA`` buffer of the
   TFLite ``Model`` flatbuffer, the way MediaPipe's own metadata populator lays it out.
   Only the landmark model needs it: the wheel's detector already carries metadata with
   the right normalization and goes into the bundle byte for byte,
4. zips both into an *uncompressed* (``ZIP_STORED``) ``.task`` archive with fixed member
   timestamps, so the build is byte-for-byte reproducible and its SHA-256 is pinned too.

MediaPipe 1.2.3's ``metadata_writers`` cannot be imported (a compiled helper is missing),
but the generated flatbuffer modules for both schemas are present and used here.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import flatbuffers
import numpy as np
from mediapipe.tasks.metadata import metadata_schema_py_generated as metadata_fb
from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

from rom.errors import ModelError
from rom.fileio import atomic_write_bytes, sha256_bytes, sha256_file

# --- where the networks come from --------------------------------------------------------
SOURCE_PACKAGE = "mediapipe"
SOURCE_VERSION = "0.10.21"
# Pinning the wheel's platform tags makes every machine fetch the very same file, whatever
# its own OS or Python, so the hashes below hold everywhere (pip only downloads, never
# installs, a foreign-platform wheel).
SOURCE_WHEEL_TAGS = ("cp311", "cp311", "manylinux_2_28_x86_64")  # python, abi, platform
SOURCE_WHEEL_NAME = f"{SOURCE_PACKAGE}-{SOURCE_VERSION}-{'-'.join(SOURCE_WHEEL_TAGS)}.whl"
SOURCE_WHEEL_SHA256 = "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3"

DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKS_MEMBER = "pose_landmarks_detector.tflite"


@dataclass(frozen=True)
class NetworkSource:
    """One TFLite network taken from the wheel, and how its float input is normalized.

    The Tasks API feeds ``(pixel - mean) / std`` per RGB channel, pixels in 0..255.
    """

    wheel_member: str
    sha256: str  # of the bare file inside the wheel, measured 2026-11-25
    bundle_member: str
    norm_mean: float
    norm_std: float
    description: str


FULL_NETWORKS = (
    # Detector: input scaled to [-1, 1] as in the legacy pose_detection graph.
    NetworkSource(
        wheel_member="mediapipe/modules/pose_detection/pose_detection.tflite",
        sha256="9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
        bundle_member=DETECTOR_MEMBER,
        norm_mean=127.5,
        norm_std=127.5,
        description="BlazePose person detector",
    ),
    # Landmark model: input scaled to [0, 1] as in the legacy pose_landmark graph.
    NetworkSource(
        wheel_member="mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        sha256="e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
        bundle_member=LANDMARKS_MEMBER,
        norm_mean=0.0,
        norm_std=255.0,
        description="BlazePose GHUM 3D landmark model (full)",
    ),
)

# SHA-256 of the bundle this module builds from the pinned inputs; the build is
# deterministic (fixed zip timestamps, fixed member order, pure flatbuffer packing).
FULL_BUNDLE_SHA256 = "360f1787a2a4f06adfc07d0591fc653da2c8d6243752964bc25af52f63a94f0f"
FULL_BUNDLE_NAME = "pose_landmarker_full"

TFLITE_METADATA_NAME = "TFLITE_METADATA"  # key the Tasks API's metadata extractor reads
TFLITE_FILE_IDENTIFIER = b"TFL3"
METADATA_FILE_IDENTIFIER = b"M001"
# Lowest metadata parser version that understands what we write (tensor names, image
# properties and NormalizationOptions all date from the first schema release).
METADATA_MIN_PARSER_VERSION = "1.0.0"
# Fixed timestamp for zip members so that the archive bytes never depend on the clock.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
PIP_TIMEOUT_S = 300.0
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


# --- the source wheel ----------------------------------------------------------------------
def default_wheel_dir() -> Path:
    """Where the source wheel is kept (``$ROM_WHEEL_DIR``, default ``cache_dir()/"wheels"``)."""
    from rom.paths import cache_dir

    override = os.environ.get("ROM_WHEEL_DIR")
    path = Path(override) if override else cache_dir() / "wheels"
    path.mkdir(parents=True, exist_ok=True)
    return path


def fetch_source_wheel(wheel_dir: Path | None = None) -> Path:
    """Path to the pinned ``mediapipe`` wheel, downloading it with pip when missing.

    Raises
    ------
    ModelError
        When pip cannot fetch it or the file's SHA-256 is not the pinned one.
    """
    target = wheel_dir if wheel_dir is not None else default_wheel_dir()
    target.mkdir(parents=True, exist_ok=True)
    wheel = target / SOURCE_WHEEL_NAME
    if not wheel.is_file():
        python_tag, abi_tag, platform_tag = SOURCE_WHEEL_TAGS
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--python-version", python_tag.removeprefix("cp"), "--implementation", "cp",
            "--abi", abi_tag, "--platform", platform_tag,
            "--disable-pip-version-check", "--quiet",
            "-d", str(target), f"{SOURCE_PACKAGE}=={SOURCE_VERSION}",
        ]  # fmt: skip
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ModelError(f"could not run pip to fetch {SOURCE_WHEEL_NAME}: {exc}") from exc
        if result.returncode != 0 or not wheel.is_file():
            last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ModelError(
                f"pip could not download {SOURCE_PACKAGE}=={SOURCE_VERSION} "
                f"to build the pose model offline: {last_line}"
            )
    actual = sha256_file(wheel)
    if actual != SOURCE_WHEEL_SHA256:
        raise ModelError(
            f"{wheel} has SHA-256 {actual}, expected {SOURCE_WHEEL_SHA256}; delete it and retry"
        )
    return wheel


def extract_networks(wheel: Path, networks: Sequence[NetworkSource]) -> list[bytes]:
    """Read each network's bare ``.tflite`` bytes from ``wheel``, checking pinned hashes."""
    blobs = []
    try:
        with zipfile.ZipFile(wheel) as archive:
            for network in networks:
                data = archive.read(network.wheel_member)
                if sha256_bytes(data) != network.sha256:
                    raise ModelError(
                        f"{network.wheel_member} in {wheel.name} does not match its pinned SHA-256"
                    )
                blobs.append(data)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ModelError(f"cannot read the pose networks from {wheel}: {exc}") from exc
    return blobs


# --- TFLite metadata -----------------------------------------------------------------------
def _tensor_names(model: tflite_fb.Model, indices: Sequence[int]) -> list[str]:
    subgraph = model.Subgraphs(0)
    return [subgraph.Tensors(i).Name().decode("utf-8") for i in indices]


def build_metadata(model_bytes: bytes, *, name: str, description: str,
                   norm_mean: float, norm_std: float) -> bytes:
    """Serialize a ``ModelMetadata`` flatbuffer for a single-image-input TFLite model.

    Parameters
    ----------
    model_bytes
        The TFLite model the metadata describes; its tensor names and output count are
        copied so the metadata has one entry per input and output tensor.
    name, description
        Free text stored in the metadata.
    norm_mean, norm_std
        The input normalization ``(pixel - mean) / std`` applied to every RGB channel of
        the 0..255 input image.

    Returns
    -------
    bytes
        A flatbuffer with file identifier ``M001``.
    """
    model = tflite_fb.Model.GetRootAs(model_bytes, 0)
    subgraph = model.Subgraphs(0)
    input_names = _tensor_names(model, subgraph.InputsAsNumpy().tolist())
    output_names = _tensor_names(model, subgraph.OutputsAsNumpy().tolist())
    if len(input_names) != 1:
        raise ModelError(f"{name}: expected one image input tensor, found {len(input_names)}")

    normalization = metadata_fb.NormalizationOptionsT()
    normalization.mean = [float(norm_mean)]
    normalization.std = [float(norm_std)]
    process_unit = metadata_fb.ProcessUnitT()
    process_unit.optionsType = metadata_fb.ProcessUnitOptions.NormalizationOptions
    process_unit.options = normalization

    image_properties = metadata_fb.ImagePropertiesT()
    image_properties.colorSpace = metadata_fb.ColorSpaceType.RGB
    content = metadata_fb.ContentT()
    content.contentPropertiesType = metadata_fb.ContentProperties.ImageProperties
    content.contentProperties = image_properties

    image_input = metadata_fb.TensorMetadataT()
    image_input.name = input_names[0]
    image_input.description = "RGB image, normalized as (pixel - mean) / std"
    image_input.content = content
    image_input.processUnits = [process_unit]

    outputs = []
    for output_name in output_names:
        output = metadata_fb.TensorMetadataT()
        output.name = output_name
        outputs.append(output)

    subgraph_metadata = metadata_fb.SubGraphMetadataT()
    subgraph_metadata.inputTensorMetadata = [image_input]
    subgraph_metadata.outputTensorMetadata = outputs

    metadata = metadata_fb.ModelMetadataT()
    metadata.name = name
    metadata.description = description
    metadata.license = "Apache-2.0"
    metadata.subgraphMetadata = [subgraph_metadata]
    metadata.minParserVersion = METADATA_MIN_PARSER_VERSION

    builder = flatbuffers.Builder(1024)
    builder.Finish(metadata.Pack(builder), METADATA_FILE_IDENTIFIER)
    return bytes(builder.Output())


def attach_metadata(model_bytes: bytes, metadata_bytes: bytes) -> bytes:
    """Return ``model_bytes`` with ``metadata_bytes`` stored as its ``TFLITE_METADATA``.

    An existing ``TFLITE_METADATA`` entry is replaced; otherwise a new buffer and a new
    ``Metadata`` entry pointing at it are appended.
    """
    if not tflite_fb.Model.ModelBufferHasIdentifier(model_bytes, 0):
        raise ModelError("not a TFLite model (missing the TFL3 file identifier)")
    model = tflite_fb.ModelT.InitFromObj(tflite_fb.Model.GetRootAs(model_bytes, 0))
    # Buffers stored past the end of the flatbuffer (models > 2 GiB) would not survive
    # the object-API round trip; the pose networks never use that layout.
    if any(getattr(buffer, "offset", 0) for buffer in model.buffers or []):
        raise ModelError("TFLite models with external buffers are not supported")

    metadata_buffer = tflite_fb.BufferT()
    # A numpy array packs as one block copy; a list would be packed byte by byte.
    metadata_buffer.data = np.frombuffer(metadata_bytes, dtype=np.uint8)
    model.buffers = list(model.buffers or [])
    model.metadata = list(model.metadata or [])
    for entry in model.metadata:
        if entry.name is not None and _as_text(entry.name) == TFLITE_METADATA_NAME:
            model.buffers[entry.buffer] = metadata_buffer
            break
    else:
        model.buffers.append(metadata_buffer)
        entry = tflite_fb.MetadataT()
        entry.name = TFLITE_METADATA_NAME
        entry.buffer = len(model.buffers) - 1
        model.metadata.append(entry)

    builder = flatbuffers.Builder(len(model_bytes) + len(metadata_bytes) + 4096)
    builder.Finish(model.Pack(builder), TFLITE_FILE_IDENTIFIER)
    return bytes(builder.Output())


def _as_text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def read_metadata(model_bytes: bytes) -> metadata_fb.ModelMetadataT | None:
    """Parse the ``TFLITE_METADATA`` of a TFLite model, or ``None`` when it has none."""
    model = tflite_fb.Model.GetRootAs(model_bytes, 0)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if entry.Name() is not None and entry.Name().decode("utf-8") == TFLITE_METADATA_NAME:
            data = model.Buffers(entry.Buffer()).DataAsNumpy()
            raw = data.tobytes()
            if not metadata_fb.ModelMetadata.ModelMetadataBufferHasIdentifier(raw, 0):
                raise ModelError("TFLITE_METADATA buffer is not a ModelMetadata flatbuffer")
            return metadata_fb.ModelMetadataT.InitFromObj(
                metadata_fb.ModelMetadata.GetRootAs(raw, 0)
            )
    return None


def input_normalization(model_bytes: bytes) -> tuple[list[float], list[float]]:
    """``(mean, std)`` of the first input's NormalizationOptions in a model's metadata.

    Raises
    ------
    ModelError
        When the model carries no metadata or no NormalizationOptions.
    """
    metadata = read_metadata(model_bytes)
    if metadata is None or not metadata.subgraphMetadata:
        raise ModelError("model carries no TFLite metadata")
    inputs = metadata.subgraphMetadata[0].inputTensorMetadata or []
    for unit in (inputs[0].processUnits or []) if inputs else []:
        if unit.optionsType == metadata_fb.ProcessUnitOptions.NormalizationOptions:
            return [float(v) for v in unit.options.mean], [float(v) for v in unit.options.std]
    raise ModelError("model metadata has no NormalizationOptions")


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


def build_full_bundle_bytes(wheel_dir: Path | None = None) -> bytes:
    """Build ``pose_landmarker_full.task`` in memory from the pinned PyPI wheel."""
    wheel = fetch_source_wheel(wheel_dir)
    members = []
    for network, raw in zip(FULL_NETWORKS, extract_networks(wheel, FULL_NETWORKS), strict=True):
        members.append((network.bundle_member, with_normalization(raw, network)))
    return task_bundle_bytes(members)


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
            f"{network.wheel_member} already declares normalization {present}, expected {wanted}"
        )
    return raw


@dataclass(frozen=True)
class BuiltBundle:
    """A bundle written to disk by :func:`install_full_bundle`."""

    path: Path
    sha256: str


def install_full_bundle(model_dir: Path, wheel_dir: Path | None = None) -> BuiltBundle:
    """Build the full bundle and write it atomically as ``model_dir/pose_landmarker_full.task``.

    A JSON sidecar records the source wheel and the hashes of inputs and output.

    Raises
    ------
    ModelError
        When the wheel cannot be fetched, a pinned hash does not match, or the result
        differs from the pinned bundle hash.
    """
    data = build_full_bundle_bytes(wheel_dir)
    digest = sha256_bytes(data)
    if FULL_BUNDLE_SHA256 and digest != FULL_BUNDLE_SHA256:
        raise ModelError(
            f"offline build produced SHA-256 {digest}, expected {FULL_BUNDLE_SHA256}"
        )
    path = model_dir / f"{FULL_BUNDLE_NAME}.task"
    write_model_file(path, data)
    write_sidecar(path, {
        "name": FULL_BUNDLE_NAME,
        "source": "offline build",
        "sha256": digest,
        "built_from": {
            "wheel": SOURCE_WHEEL_NAME,
            "wheel_sha256": SOURCE_WHEEL_SHA256,
            "networks": {n.bundle_member: {"wheel_member": n.wheel_member, "sha256": n.sha256,
                                           "norm_mean": n.norm_mean, "norm_std": n.norm_std}
                         for n in FULL_NETWORKS},
        },
    })  # fmt: skip
    return BuiltBundle(path=path, sha256=digest)
