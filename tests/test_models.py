"""Pose model resolution, the offline bundle build, and the ``rom models`` command.

Every test gets its own empty ``ROM_MODEL_DIR``; the ``mediapipe==0.10.21`` wheel and the
``@mediapipe/pose`` npm tarball the offline build reads are shared (``.cache/datasets/wheels``
and ``.cache/datasets/npm``) so rebuilding stays fast.  Downloads go
only to HTTP servers on 127.0.0.1 that the tests start themselves.
"""

from __future__ import annotations

import http.server
import logging
import os
import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from rom import fileio
from rom.cli import main as cli_main
from rom.errors import ModelError
from rom.landmarks import Landmark
from rom.posemodels import builder, resolver, sources, tflite_metadata
from tests.datasets import CACHE, SPORTS2D, wheel_member

SHARED_WHEEL_DIR = CACHE / "wheels"
SHARED_NPM_DIR = CACHE / "npm"
FULL_PATH_ON_SERVER = "/pose_landmarker_full/float16/1/pose_landmarker_full.task"
LITE_PATH_ON_SERVER = "/pose_landmarker_lite/float16/1/pose_landmarker_lite.task"


# --- fixtures --------------------------------------------------------------------------------
class _Server:
    """A tiny HTTP server on 127.0.0.1 serving fixed bytes per path and logging requests."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # keep pytest output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    yield srv
    srv.close()


def _closed_port_url() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def model_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Empty model dir, shared package caches, and downloads pointed at a dead loopback port."""
    directory = tmp_path / "models"
    monkeypatch.setenv("ROM_MODEL_DIR", str(directory))
    monkeypatch.setenv("ROM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ROM_WHEEL_DIR", str(SHARED_WHEEL_DIR))
    monkeypatch.setenv("ROM_NPM_DIR", str(SHARED_NPM_DIR))
    monkeypatch.setenv("ROM_MODEL_BASE_URL", _closed_port_url())
    return directory


@pytest.fixture(scope="session")
def full_bundle_bytes() -> bytes:
    return builder.build_bundle_bytes("full", wheel_dir=SHARED_WHEEL_DIR)


@pytest.fixture(scope="session")
def bare_networks() -> list[bytes]:
    wheel = builder.fetch_source_wheel(SHARED_WHEEL_DIR)
    return builder.extract_networks(wheel, sources.OFFLINE_RECIPES["full"].networks)


@pytest.fixture(scope="session")
def npm_tarball() -> Path:
    """The pinned ``@mediapipe/pose`` tarball in the shared cache (``npm pack`` once)."""
    package = sources.MEDIAPIPE_POSE_NPM
    if not (SHARED_NPM_DIR / package.file_name).is_file() and shutil.which("npm") is None:
        message = "npm is not installed (apt-get install npm); it fetches the lite/heavy models"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must build every variant
        pytest.skip(message)
    return builder.fetch_npm_package(package, SHARED_NPM_DIR)


def _members(bundle: bytes) -> list[tuple[str, bytes]]:
    import io

    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _other_valid_bundle(full_bundle: bytes) -> bytes:
    """A valid bundle with different bytes (members in reverse order) to tell sources apart."""
    return builder.task_bundle_bytes(list(reversed(_members(full_bundle))))


def _pin(monkeypatch: pytest.MonkeyPatch, variant: str, data: bytes) -> None:
    pinned = sources.OfficialBundle(fileio.sha256_bytes(data), len(data))
    monkeypatch.setitem(sources.OFFICIAL_BUNDLES, variant, pinned)


# --- the offline build -----------------------------------------------------------------------
def test_offline_bundle_is_stored_zip_with_both_networks(full_bundle_bytes: bytes,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "b.task"
    path.write_bytes(full_bundle_bytes)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
    resolver.check_bundle(path)  # what resolve_model accepts
    # Member data starts on aligned offsets so TFLite can use the weights in place.
    for info in infos:
        data_start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        assert data_start % builder.MEMBER_ALIGNMENT == 0


def test_offline_bundle_metadata_carries_normalization(full_bundle_bytes: bytes,
                                                       bare_networks: list[bytes]) -> None:
    from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

    members = dict(_members(full_bundle_bytes))
    detector, landmarks = members["pose_detector.tflite"], members["pose_landmarks_detector.tflite"]
    assert tflite_metadata.input_normalization(detector) == ([127.5], [127.5])
    assert tflite_metadata.input_normalization(landmarks) == ([0.0], [255.0])
    bare_detector, bare_landmarks = bare_networks
    # The wheel's detector already declares the right normalization and is kept as is;
    # its landmark model has no metadata at all, so that metadata is ours.
    assert detector == bare_detector
    assert tflite_metadata.read_metadata(bare_landmarks) is None

    before = tflite_fb.Model.GetRootAs(bare_landmarks, 0)
    after = tflite_fb.Model.GetRootAs(landmarks, 0)
    # Same graph, one buffer more (the metadata), the existing metadata entries kept.
    assert after.BuffersLength() == before.BuffersLength() + 1
    assert after.Subgraphs(0).OperatorsLength() == before.Subgraphs(0).OperatorsLength()
    names_before = [before.Metadata(i).Name() for i in range(before.MetadataLength())]
    names_after = [after.Metadata(i).Name() for i in range(after.MetadataLength())]
    assert names_after == [*names_before, b"TFLITE_METADATA"]
    for i in range(before.BuffersLength()):  # every weight byte unchanged
        assert np.array_equal(before.Buffers(i).DataAsNumpy(), after.Buffers(i).DataAsNumpy())
    metadata = tflite_metadata.read_metadata(landmarks)
    assert metadata is not None
    graph = after.Subgraphs(0)
    sub = metadata.subgraphMetadata[0]
    input_name = graph.Tensors(graph.Inputs(0)).Name().decode()
    assert sub.inputTensorMetadata[0].name.decode() == input_name
    assert len(sub.outputTensorMetadata) == graph.OutputsLength()


def test_attach_metadata_replaces_rather_than_duplicates(bare_networks: list[bytes]) -> None:
    raw = bare_networks[1]
    first = tflite_metadata.build_metadata(raw, name="d", description="", norm_mean=1, norm_std=2)
    second = tflite_metadata.build_metadata(raw, name="d", description="", norm_mean=3, norm_std=4)
    twice = tflite_metadata.attach_metadata(tflite_metadata.attach_metadata(raw, first), second)
    assert tflite_metadata.input_normalization(twice) == ([3.0], [4.0])
    from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

    entries = tflite_fb.Model.GetRootAs(twice, 0)
    names = [entries.Metadata(i).Name() for i in range(entries.MetadataLength())]
    assert names.count(b"TFLITE_METADATA") == 1


def test_conflicting_existing_normalization_is_refused(bare_networks: list[bytes]) -> None:
    detector_spec = sources.OFFLINE_RECIPES["full"].networks[0]
    wrong = sources.NetworkSource(**{**vars(detector_spec), "norm_mean": 0.0})
    with pytest.raises(ModelError, match="already declares"):
        builder.with_normalization(bare_networks[0], wrong)


def test_offline_build_is_reproducible_and_matches_pin(full_bundle_bytes: bytes) -> None:
    again = builder.build_bundle_bytes("full", wheel_dir=SHARED_WHEEL_DIR)
    assert again == full_bundle_bytes
    assert fileio.sha256_bytes(again) == sources.FULL_BUNDLE_SHA256


def test_install_writes_bundle_and_sidecar(model_env: Path) -> None:
    built = builder.install_bundle("full", model_env, wheel_dir=SHARED_WHEEL_DIR)
    assert built.path == model_env / "pose_landmarker_full.task"
    assert fileio.sha256_file(built.path) == built.sha256 == sources.FULL_BUNDLE_SHA256
    record = builder.read_sidecar(built.path)
    assert record["source"] == "offline build"
    assert record["sha256"] == built.sha256
    assert sorted(p.name for p in model_env.iterdir()) == [
        "pose_landmarker_full.task", "pose_landmarker_full.task.json"
    ]  # no temporary files left behind


def test_wheel_with_wrong_hash_is_refused(tmp_path: Path) -> None:
    (tmp_path / sources.MEDIAPIPE_WHEEL.file_name).write_bytes(b"PK\x05\x06" + b"\0" * 18)
    with pytest.raises(ModelError, match="SHA-256"):
        builder.fetch_source_wheel(tmp_path)


def test_npm_tarball_with_wrong_hash_is_refused(tmp_path: Path) -> None:
    package = sources.MEDIAPIPE_POSE_NPM
    (tmp_path / package.file_name).write_bytes(b"\x1f\x8b" + b"\0" * 18)
    with pytest.raises(ModelError, match="SHA-256"):
        builder.fetch_npm_package(package, tmp_path)


def test_build_that_differs_from_its_pin_is_refused(model_env: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    full = sources.OFFLINE_RECIPES["full"]
    wrong_pin = sources.OfflineRecipe(full.variant, full.networks, "0" * 64)
    monkeypatch.setitem(sources.OFFLINE_RECIPES, "full", wrong_pin)
    with pytest.raises(ModelError, match=f"produced SHA-256 {sources.FULL_BUNDLE_SHA256}"):
        builder.install_bundle("full", model_env, wheel_dir=SHARED_WHEEL_DIR)
    assert not model_env.exists() or list(model_env.iterdir()) == []


def test_every_variant_has_its_own_pinned_offline_build() -> None:
    pins = {variant: sources.OFFLINE_RECIPES[variant].bundle_sha256 for variant in sources.VARIANTS}
    assert all(len(pin) == 64 and int(pin, 16) >= 0 for pin in pins.values())
    assert len(set(pins.values())) == len(sources.VARIANTS)
    for variant in sources.VARIANTS:  # one shared detector, the variant's own landmark model
        detector, landmarks = sources.OFFLINE_RECIPES[variant].networks
        assert detector == sources.DETECTOR
        assert landmarks == sources.LANDMARK_NETWORKS[variant]
        assert landmarks.member.endswith(f"pose_landmark_{variant}.tflite")


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["lite", "heavy"])
def test_npm_offline_build_is_reproducible_and_matches_pin(variant: str, npm_tarball: Path,
                                                           full_bundle_bytes: bytes) -> None:
    first = builder.build_bundle_bytes(variant, wheel_dir=SHARED_WHEEL_DIR, npm_dir=SHARED_NPM_DIR)
    again = builder.build_bundle_bytes(variant, wheel_dir=SHARED_WHEEL_DIR, npm_dir=SHARED_NPM_DIR)
    assert again == first
    assert fileio.sha256_bytes(first) == sources.OFFLINE_RECIPES[variant].bundle_sha256
    members = dict(_members(first))
    assert list(members) == [sources.DETECTOR_MEMBER, sources.LANDMARKS_MEMBER]
    # The same detector as the full bundle; the npm landmark model with our metadata.
    assert members[sources.DETECTOR_MEMBER] == dict(_members(full_bundle_bytes))[
        sources.DETECTOR_MEMBER]
    landmarks = members[sources.LANDMARKS_MEMBER]
    assert tflite_metadata.input_normalization(landmarks) == ([0.0], [255.0])
    (bare,) = builder.extract_networks(npm_tarball, [sources.LANDMARK_NETWORKS[variant]])
    assert tflite_metadata.read_metadata(bare) is None
    from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

    before = tflite_fb.Model.GetRootAs(bare, 0)
    after = tflite_fb.Model.GetRootAs(landmarks, 0)
    assert after.BuffersLength() == before.BuffersLength() + 1
    for i in range(before.BuffersLength()):  # every weight byte unchanged
        assert np.array_equal(before.Buffers(i).DataAsNumpy(), after.Buffers(i).DataAsNumpy())


# --- the built model really works ------------------------------------------------------------
# The demo clip (1768x994) shows a man doing jumping jacks on a box; this window (rows 0..520,
# columns 440..840 of the frame) holds his whole body at the scale of a mobility-test video.
# In the full frame he is only a quarter of the frame high, too small for BlazePose's 224x224
# detector to find reliably in a single frame (measured: 6 of 30 frames in IMAGE mode).
DEMO_ROWS, DEMO_COLS = slice(0, 520), slice(440, 840)
# Read off the frames by eye: the top edge of the box he stands on (+-4 px); he stands still
# in frames 0..9 and is in the air, feet off the box, around frame 15.
BOX_TOP_ROW_PX = 452
STANDING_FRAMES, AIRBORNE_FRAME = range(10), 15


def _demo_frames(count: int) -> list[tuple[np.ndarray, float]]:
    import av

    video = wheel_member(*SPORTS2D, "Sports2D/Demo/demo.mp4")
    frames = []
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            image = frame.to_ndarray(format="rgb24")[DEMO_ROWS, DEMO_COLS]
            frames.append((np.ascontiguousarray(image), float(frame.time)))
            if len(frames) == count:
                break
    return frames


def _landmarks_over_video(task_path: Path, frames: list[tuple[np.ndarray, float]]) -> list:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(task_path)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    results = []
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        for image, time_s in frames:
            mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=image)
            results.append(landmarker.detect_for_video(mp_image, round(time_s * 1000)))
    return results


def _assert_man_on_the_box(task_path: Path) -> None:
    """Run ``task_path`` over the demo frames; assert the landmarks of a real upright body."""
    frames = _demo_frames(30)
    height_px, width_px = frames[0][0].shape[:2]
    results = _landmarks_over_video(task_path, frames)
    assert all(len(r.pose_landmarks) == 1 for r in results)
    ankle_y = np.empty((len(results), 2))
    for k, result in enumerate(results):
        pose = result.pose_landmarks[0]
        assert len(pose) == 33
        xy = np.array([(lm.x * width_px, lm.y * height_px) for lm in pose])
        visibility = np.array([lm.visibility for lm in pose])
        assert np.all((xy > -0.05 * width_px) & (xy < 1.05 * np.array([width_px, height_px])))
        # A real upright body: head above shoulders above hips above knees above ankles
        # (image y grows downward), on both sides.
        for side in ("LEFT", "RIGHT"):
            chain = [Landmark.NOSE, Landmark[f"{side}_SHOULDER"], Landmark[f"{side}_HIP"],
                     Landmark[f"{side}_KNEE"], Landmark[f"{side}_ANKLE"]]
            assert np.all(np.diff(xy[chain, 1]) > 0), side
        assert visibility[[Landmark.NOSE, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]].min() > 0.9
        ankle_y[k] = xy[[Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE], 1]
    # Standing: ankles a little above the box edge (the ankle joint sits above the sole).
    standing = ankle_y[list(STANDING_FRAMES)]
    assert np.all((standing > BOX_TOP_ROW_PX - 25) & (standing < BOX_TOP_ROW_PX))
    # In the air: both ankles clearly higher than when standing.
    assert np.all(np.median(standing, axis=0) - ankle_y[AIRBORNE_FRAME] > 20)


@pytest.mark.slow
def test_built_model_detects_a_person_in_real_footage(model_env: Path) -> None:
    resolved = resolver.resolve_model("full")
    assert resolved.source == "offline build"
    _assert_man_on_the_box(resolved.path)


@pytest.mark.slow
def test_built_heavy_model_detects_a_person_in_real_footage(model_env: Path,
                                                            npm_tarball: Path) -> None:
    resolved = resolver.resolve_model("heavy")
    assert resolved.source == "offline build"
    assert resolved.sha256 == sources.HEAVY_BUNDLE_SHA256
    _assert_man_on_the_box(resolved.path)


@pytest.mark.slow
def test_tasks_api_refuses_the_networks_without_metadata(tmp_path: Path,
                                                         bare_networks: list[bytes]) -> None:
    """Negative control: the metadata is what makes the bare wheel files usable."""
    names = [sources.DETECTOR_MEMBER, sources.LANDMARKS_MEMBER]
    bare = tmp_path / "bare.task"
    bare.write_bytes(builder.task_bundle_bytes(list(zip(names, bare_networks, strict=True))))
    with pytest.raises(Exception, match="NormalizationOptions"):
        _landmarks_over_video(bare, _demo_frames(1))


# --- resolution order ------------------------------------------------------------------------
def test_user_path_wins_over_cache(model_env: Path, tmp_path: Path,
                                   full_bundle_bytes: bytes) -> None:
    builder.install_bundle("full", model_env, wheel_dir=SHARED_WHEEL_DIR)
    mine = tmp_path / "mine" / "custom.task"
    mine.parent.mkdir()
    mine.write_bytes(_other_valid_bundle(full_bundle_bytes))
    resolved = resolver.resolve_model(str(mine))
    assert resolved.source == "user path"
    assert resolved.path == mine.resolve()
    assert resolved.name == "custom"
    assert resolved.sha256 == fileio.sha256_file(mine) != sources.FULL_BUNDLE_SHA256


def test_cache_wins_over_download(model_env: Path, server: _Server, full_bundle_bytes: bytes,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROM_MODEL_BASE_URL", server.url)
    served = _other_valid_bundle(full_bundle_bytes)
    server.files[FULL_PATH_ON_SERVER] = served
    _pin(monkeypatch, "full", served)
    builder.install_bundle("full", model_env, wheel_dir=SHARED_WHEEL_DIR)
    resolved = resolver.resolve_model()
    assert (resolved.source, resolved.name) == ("cache", "pose_landmarker_full")
    assert resolved.sha256 == sources.FULL_BUNDLE_SHA256
    assert server.requests == []


def test_download_wins_over_offline_build(model_env: Path, server: _Server,
                                          full_bundle_bytes: bytes,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROM_MODEL_BASE_URL", server.url)
    served = _other_valid_bundle(full_bundle_bytes)
    server.files[FULL_PATH_ON_SERVER] = served
    _pin(monkeypatch, "full", served)
    resolved = resolver.resolve_model("full")
    assert resolved.source == "download"
    assert server.requests == [FULL_PATH_ON_SERVER]
    assert resolved.path.read_bytes() == served
    assert resolved.sha256 == fileio.sha256_bytes(served)
    assert builder.read_sidecar(resolved.path)["source"] == "download"
    # Second call: served from the cache, no new request.
    assert resolver.resolve_model("full").source == "cache"
    assert len(server.requests) == 1


def test_hash_mismatch_is_refused_and_leaves_nothing(model_env: Path, server: _Server,
                                                      full_bundle_bytes: bytes,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("ROM_MODEL_BASE_URL", server.url)
    tampered = _other_valid_bundle(full_bundle_bytes)
    server.files[LITE_PATH_ON_SERVER] = tampered
    # Same size as pinned, different content.
    pinned = sources.OfficialBundle("0" * 64, len(tampered))
    monkeypatch.setitem(sources.OFFICIAL_BUNDLES, "lite", pinned)
    # Take away lite's offline build (no npm tarball, no npm) so that the refusal surfaces.
    monkeypatch.setenv("ROM_NPM_DIR", str(model_env.parent / "no-npm-cache"))
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ModelError, match="refused"):
        resolver.resolve_model("lite")
    assert server.requests == [LITE_PATH_ON_SERVER]
    assert not model_env.exists() or list(model_env.iterdir()) == []

    # For 'full' the refused download falls through to the offline build, loudly.
    server.files[FULL_PATH_ON_SERVER] = tampered
    monkeypatch.setitem(sources.OFFICIAL_BUNDLES, "full", pinned)
    with caplog.at_level(logging.WARNING, logger="rom.posemodels.resolver"):
        resolved = resolver.resolve_model("full")
    assert resolved.source == "offline build"
    assert resolved.sha256 == sources.FULL_BUNDLE_SHA256
    assert any("refused" in rec.getMessage() for rec in caplog.records)


def test_oversized_download_is_refused(tmp_path: Path, server: _Server) -> None:
    server.files["/big.task"] = b"x" * 5000
    dest = tmp_path / "big.task"
    with pytest.raises(ModelError, match="larger"):
        resolver.download_bundle(f"{server.url}/big.task", dest,
                                 sources.OfficialBundle("0" * 64, 100))
    assert list(tmp_path.iterdir()) == []


def test_unreachable_download_falls_through_quickly(model_env: Path) -> None:
    start = time.monotonic()
    resolved = resolver.resolve_model("full")  # ROM_MODEL_BASE_URL is a closed loopback port
    assert resolved.source == "offline build"
    assert time.monotonic() - start < 10  # the build itself takes about a second


def test_silent_server_times_out(tmp_path: Path) -> None:
    """A host that accepts but never answers costs one timeout, not a hang."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/x.task"
        start = time.monotonic()
        with pytest.raises(OSError):
            resolver.download_bundle(url, tmp_path / "x.task", sources.OfficialBundle("0" * 64, 10),
                                   timeout_s=0.5)
        assert time.monotonic() - start < 3
    assert list(tmp_path.iterdir()) == []


def test_no_download_means_no_request(model_env: Path, server: _Server,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROM_MODEL_BASE_URL", server.url)
    resolved = resolver.resolve_model("full", allow_download=False)
    assert resolved.source == "offline build"  # from the wheel already on disk
    assert server.requests == []
    monkeypatch.setenv("ROM_NPM_DIR", str(model_env.parent / "empty-npm-cache"))
    with pytest.raises(ModelError, match=r"needs @mediapipe/pose@0\.5\.1675469404, not yet"):
        resolver.resolve_model("heavy", allow_download=False)


def test_stale_offline_build_is_rebuilt(model_env: Path, full_bundle_bytes: bytes) -> None:
    path = model_env / "pose_landmarker_full.task"
    older = _other_valid_bundle(full_bundle_bytes)  # stands for an older recipe's output
    builder.write_model_file(path, older)
    builder.write_sidecar(path, {"source": "offline build",
                                      "sha256": fileio.sha256_bytes(older)})
    resolved = resolver.resolve_model("full")
    assert resolved.source == "offline build"
    assert resolved.sha256 == sources.FULL_BUNDLE_SHA256


def test_damaged_cache_is_rebuilt(model_env: Path) -> None:
    built = builder.install_bundle("full", model_env, wheel_dir=SHARED_WHEEL_DIR)
    data = bytearray(built.path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # a flipped weight: still a valid zip, wrong hash
    built.path.write_bytes(bytes(data))
    resolved = resolver.resolve_model("full")
    assert resolved.source == "offline build"
    assert fileio.sha256_file(resolved.path) == sources.FULL_BUNDLE_SHA256


# --- bad user input --------------------------------------------------------------------------
def test_missing_task_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        resolver.resolve_model(str(tmp_path / "nope.task"))


def test_non_zip_task_path(tmp_path: Path) -> None:
    fake = tmp_path / "fake.task"
    fake.write_text("not a model")
    with pytest.raises(ModelError, match="not a zip"):
        resolver.resolve_model(str(fake))


def test_zip_without_pose_networks(tmp_path: Path) -> None:
    other = tmp_path / "other.task"
    other.write_bytes(builder.task_bundle_bytes([("hand_detector.tflite", b"x")]))
    with pytest.raises(ModelError, match=r"pose_detector\.tflite"):
        resolver.resolve_model(str(other))


def test_compressed_bundle_is_refused(tmp_path: Path, full_bundle_bytes: bytes) -> None:
    squeezed = tmp_path / "squeezed.task"
    with zipfile.ZipFile(squeezed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in _members(full_bundle_bytes):
            archive.writestr(name, data)
    with pytest.raises(ModelError, match="uncompressed"):
        resolver.resolve_model(str(squeezed))


def test_unknown_variant() -> None:
    with pytest.raises(ModelError, match="unknown model 'medium'"):
        resolver.resolve_model("medium")


# --- the command -----------------------------------------------------------------------------
def test_cli_provision_then_list(model_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["models"]) == 0
    out = capsys.readouterr().out
    assert "no pose models" in out
    assert out.count("state   not installed") == 3
    assert "`rom models --provision --variant heavy`" in out

    assert cli_main(["models", "--provision"]) == 0
    out = capsys.readouterr().out
    assert "pose_landmarker_full: offline build" in out
    assert sources.FULL_BUNDLE_SHA256 in out

    assert cli_main(["models"]) == 0
    out = capsys.readouterr().out
    assert f"{sources.FULL_BUNDLE_SHA256} (verified)" in out
    assert "source  offline build" in out
    assert str(model_env / "pose_landmarker_full.task") in out
    assert out.count("state   not installed") == 2  # lite and heavy


@pytest.mark.slow
def test_cli_provisions_all_variants_and_lists_them(model_env: Path, npm_tarball: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["models", "--provision", "--all"]) == 0
    out = capsys.readouterr().out
    for variant in sources.VARIANTS:
        assert f"pose_landmarker_{variant}: offline build" in out
    assert cli_main(["models"]) == 0
    out = capsys.readouterr().out
    assert "not installed" not in out
    for variant in sources.VARIANTS:
        assert f"{sources.OFFLINE_RECIPES[variant].bundle_sha256} (verified)" in out
        assert str(model_env / f"pose_landmarker_{variant}.task") in out


def test_cli_lists_unverified_file(model_env: Path, full_bundle_bytes: bytes,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    model_env.mkdir(parents=True, exist_ok=True)
    (model_env / "pose_landmarker_full.task").write_bytes(_other_valid_bundle(full_bundle_bytes))
    assert cli_main(["models"]) == 0
    out = capsys.readouterr().out
    assert "UNVERIFIED" in out and "source  unknown" in out


def test_cli_error_is_one_line(model_env: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROM_NPM_DIR", str(model_env.parent / "empty-npm-cache"))
    assert cli_main(["models", "--provision", "--variant", "heavy", "--no-download"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no pose model 'heavy'") and "\n" not in err
