"""TFLite model metadata: the input ``NormalizationOptions`` the Tasks API insists on.

The Tasks API refuses float-input models without TFLite metadata that says how pixels are
normalized.  The metadata is a ``ModelMetadata`` flatbuffer stored in the model's
``TFLITE_METADATA`` buffer, the way MediaPipe's own metadata populator lays it out.
MediaPipe 1.2.3's ``metadata_writers`` cannot be imported (a compiled helper is missing),
but the generated flatbuffer modules for both schemas are present and used here.
Pure functions on bytes; no file access.
"""

from __future__ import annotations

from collections.abc import Sequence

import flatbuffers
import numpy as np
from mediapipe.tasks.metadata import metadata_schema_py_generated as metadata_fb
from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

from rom.errors import ModelError

TFLITE_METADATA_NAME = "TFLITE_METADATA"  # key the Tasks API's metadata extractor reads
TFLITE_FILE_IDENTIFIER = b"TFL3"
METADATA_FILE_IDENTIFIER = b"M001"
# Lowest metadata parser version that understands what we write (tensor names, image
# properties and NormalizationOptions all date from the first schema release).
METADATA_MIN_PARSER_VERSION = "1.0.0"


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
