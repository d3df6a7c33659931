"""The committed sample clips and their ground truth agree with rom's definitions.

For every clip in ``sample_videos/``: the JSON has the promised keys; the video decodes to
the frame count, frame rate and size the JSON states; rom's geometry on the true 2D
landmarks reproduces ``true_value`` (the side camera is a perspective camera, not an
orthographic one, so projected angles differ from sagittal-plane angles by a little);
rom's whole measurement pipeline on the true landmarks finds the same peak; and each
pre/post pair differs by the few degrees (or centimetres) the README states.
"""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np
import pytest

from rom import geometry
from rom.calibrate.marker import detect_marker
from rom.calibration import Calibration, level_points
from rom.landmarks import sided
from rom.protocols import TESTS, measure
from tools.synth import groundtruth
from tools.synth.groundtruth import GroundTruth

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"
CLIPS = groundtruth.find(SAMPLES)
IDS = [c.path.stem for c in CLIPS]

#: Perspective: Anny's legs are not in one sagittal plane (the ankle is ~4 cm further out
#: than the knee), so the near end of a segment is magnified a little more than the far
#: end; with the camera 2.5-4 m away this turns projected angles by up to ~0.8 deg.
ANGLE_TOLERANCE_DEG = 1.5
#: Camera pitch and roll tilt the fingertip-to-floor segment a little in the image.
REACH_TOLERANCE_CM = 0.5


def test_samples_exist() -> None:
    tests = {c.test for c in CLIPS}
    # No hip-flexion sample; no prone sample either: the generator poses standing bodies only.
    expected = set(TESTS) - {"hip-flexion", "knee-flexion-prone"}
    assert expected <= tests, f"missing sample clips for {expected - tests}"
    assert {c.doc["session"] for c in CLIPS} == {"pre", "post"}


@pytest.mark.parametrize("clip", CLIPS, ids=IDS)
def test_json_has_the_promised_keys(clip: GroundTruth) -> None:
    for key in groundtruth.REQUIRED_KEYS:
        assert key in clip.doc
    assert clip.test in TESTS
    assert clip.side in ("left", "right")
    assert clip.doc["unit"] == ("cm" if clip.test == "toe-touch" else "deg")
    assert clip.values[clip.doc["peak_frame"]] == pytest.approx(clip.true_value, abs=1e-3)
    n = clip.doc["frame_count"]
    assert clip.landmarks_2d_px.shape == (n, 33, 2)
    assert clip.landmarks_3d_m.shape == (n, 33, 3)


@pytest.mark.parametrize("clip", CLIPS, ids=IDS)
def test_video_decodes_as_stated(clip: GroundTruth) -> None:
    with av.open(str(clip.video)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.average_rate is not None
        assert float(stream.average_rate) == pytest.approx(clip.doc["fps"], rel=1e-3)
        frames = list(container.decode(stream))
    assert len(frames) == clip.doc["frame_count"]
    assert (frames[0].width, frames[0].height) == (clip.doc["width"], clip.doc["height"])
    assert frames[0].format.name == "yuv420p"
    times = np.array([float(f.time) for f in frames])
    assert np.allclose(np.diff(times), 1.0 / clip.doc["fps"], atol=1e-3)


@pytest.mark.parametrize("clip", CLIPS, ids=IDS)
def test_stored_projection_matches_the_rendered_pixels(clip: GroundTruth) -> None:
    """The 2D truth is the 3D truth through the stored camera, and that camera is the one
    that rendered the video: rom's marker detector finds the marker where the JSON says."""
    # 3D positions are stored to 0.1 mm: a few hundredths of a pixel.
    assert np.allclose(clip.project(clip.landmarks_3d_m), clip.landmarks_2d_px, atol=0.1)
    if not clip.doc.get("marker"):
        pytest.skip("no marker in this clip")
    with av.open(str(clip.video)) as container:
        image = np.asarray(
            next(iter(container.decode(video=0))).to_ndarray(format="gray"), np.uint8
        )
    found = detect_marker(image)
    assert found is not None
    expected = np.asarray(clip.doc["marker"]["corners_px"])
    assert np.allclose(
        clip.project(np.asarray(clip.doc["marker"]["corners_3d_m"])), expected, atol=0.01
    )
    # OpenCV puts pixel centres on integer coordinates; rom (and the JSON) put the origin
    # at the top-left pixel's corner, half a pixel away.
    found_px = found + 0.5
    # Sub-pixel corners of a 40-60 px marker in an H.264 frame: within a pixel.
    assert np.max(np.abs(found_px - expected)) < 0.8


def _levelled(clip: GroundTruth, points: np.ndarray) -> np.ndarray:
    cal = Calibration(roll_deg=clip.roll_deg)
    return level_points(points, cal, centre=(clip.doc["width"] / 2, clip.doc["height"] / 2))


def _side_index(clip: GroundTruth) -> int:
    return 0 if clip.side == "left" else 1


def _facing(xy: np.ndarray, side: str) -> float:
    toe, heel = xy[:, sided(side, "FOOT_INDEX")], xy[:, sided(side, "HEEL")]
    return float(np.sign(np.median(toe[:, 0] - heel[:, 0])))


def _geometry_value(clip: GroundTruth, xy: np.ndarray, tip_xy: np.ndarray) -> np.ndarray:
    """rom's formula for the clip's test on levelled 2D landmarks (T, 33, 2) and the
    measured side's levelled index fingertip (T, 2), per frame."""
    s = clip.side
    facing = _facing(xy, s)
    p = {name: xy[:, sided(s, name)] for name in ("HIP", "KNEE", "ANKLE")}
    if clip.test == "ankle-dorsiflexion":
        return geometry.inclination_from_vertical_deg(p["ANKLE"], p["KNEE"], facing)
    if clip.test == "knee-flexion":
        return 180.0 - geometry.joint_angle_deg(p["HIP"], p["KNEE"], p["ANKLE"])
    if clip.test == "hip-extension":
        shoulder_mid = geometry.midpoint(xy[:, 11], xy[:, 12])
        hip_mid = geometry.midpoint(xy[:, 23], xy[:, 24])
        # The trunk line through the hip midpoint, the thigh from the measured hip.
        return -geometry.signed_angle_deg(hip_mid - shoulder_mid, p["KNEE"] - p["HIP"], facing)
    # toe-touch: the fingertip's height over the floor point straight below it, both in
    # the image, scaled at the fingertip's depth (the floor recedes: a floor line taken at
    # another depth would be pixels off).
    tip_3d = clip.fingertips_3d_m[:, _side_index(clip)]
    floor_xy = _levelled(clip, clip.project(tip_3d * np.array([1.0, 1.0, 0.0])))
    cm_per_px = 100.0 * clip.depth_m(tip_3d) / clip.doc["camera"]["focal_px"]
    return geometry.height_above(tip_xy, floor_xy[:, 1]) * cm_per_px


@pytest.mark.parametrize("clip", CLIPS, ids=IDS)
def test_definitions_agree_exactly_in_the_sagittal_plane(clip: GroundTruth) -> None:
    """rom's formulas on an orthographic side view of the true 3D joints give the truth.

    No camera at all: the image is the sagittal plane itself (1 px = 1 mm, forward to the
    right, up towards -y), so any difference is a difference of definitions.
    """

    def ortho(xyz: np.ndarray) -> np.ndarray:
        return np.stack([-xyz[..., 1] * 1000.0, -xyz[..., 2] * 1000.0], axis=-1)

    if clip.test == "toe-touch":
        tip = ortho(clip.fingertips_3d_m[:, _side_index(clip)])
        values = geometry.height_above(tip, np.zeros(len(tip))) / 10.0
    else:
        values = _geometry_value(clip, ortho(clip.landmarks_3d_m), np.zeros((len(clip.values), 2)))
    # The JSON stores positions to 0.1 mm and values to 0.001: rounding alone is < 0.02.
    assert np.allclose(values, clip.values, atol=0.05)


@pytest.mark.parametrize("clip", CLIPS, ids=IDS)
def test_rom_geometry_on_true_2d_reproduces_true_value(clip: GroundTruth) -> None:
    tip = _levelled(clip, clip.fingertips_2d_px[:, _side_index(clip)])
    values = _geometry_value(clip, _levelled(clip, clip.landmarks_2d_px), tip)
    peak = clip.doc["peak_frame"]
    tol = REACH_TOLERANCE_CM if clip.test == "toe-touch" else ANGLE_TOLERANCE_DEG
    assert values[peak] == pytest.approx(clip.true_value, abs=tol)
    # Not just at one frame: the whole movement agrees (toe-touch: once the hand is low;
    # standing upright the fingertip is ~70 cm above the floor and far from its depth).
    near = clip.values < 30.0 if clip.test == "toe-touch" else np.ones(len(values), bool)
    assert np.max(np.abs(values - clip.values)[near]) < 1.5 * tol


@pytest.mark.parametrize("clip", CLIPS, ids=IDS)
def test_rom_pipeline_on_true_2d_finds_the_peak(clip: GroundTruth) -> None:
    """rom.protocols.measure on perfect landmarks: only definition, filtering and projection
    remain."""
    scale = "subject" if clip.test == "toe-touch" else None
    result = measure(
        clip.pose_track(), clip.test, side=clip.side, calibration=clip.calibration(scale)
    )
    m = result.measurement
    assert m.value is not None, m.reasons
    assert m.unit == clip.doc["unit"]
    if clip.test == "toe-touch":
        # rom's floor is the lowest heel/toe landmark, which sits on the foot ~2 cm above
        # the floor (the toe's joint, not its sole): rom reads heights that much short.
        foot_lift_cm = 100 * float(np.min(clip.landmarks_3d_m[0, [29, 30, 31, 32], 2]))
        peak = clip.doc["peak_frame"]
        knuckle_cm = 100 * clip.landmarks_3d_m[peak, sided(clip.side, "INDEX"), 2]
        # The knuckle (MediaPipe's INDEX) is measured directly: definitions must agree.
        # It is ahead of the feet (another depth) and the scale is the hip's: 1 cm.
        assert m.secondary["knuckle_to_floor_cm"] == pytest.approx(
            knuckle_cm - foot_lift_cm, abs=1.0
        )
        # The fingertip is extrapolated from wrist and knuckle with human hand proportions
        # (finger 1.05 x palm); Anny's finger is 0.7 x its palm, so rom puts the tip ~4 cm
        # too far on these bodies.  Checked loosely; benchmarks/accuracy.py reports it.
        assert m.value == pytest.approx(clip.true_value - foot_lift_cm, abs=5.0)
    else:
        assert m.value == pytest.approx(clip.true_value, abs=ANGLE_TOLERANCE_DEG)
    assert abs(m.peak_time_s - clip.doc["peak_time_s"]) < 1.0  # within the held plateau


PAIRS = sorted({c.doc["pair"] for c in CLIPS})


@pytest.mark.parametrize("pair", PAIRS)
def test_pre_post_differ_as_stated(pair: str) -> None:
    clips = {c.doc["session"]: c for c in CLIPS if c.doc["pair"] == pair}
    pre, post = clips["pre"], clips["post"]
    assert pre.test == post.test and pre.side == post.side
    # Same person and camera: only the range of motion changes.
    assert pre.doc["body"] == post.doc["body"]
    assert pre.doc["camera"]["position_m"] == pytest.approx(
        post.doc["camera"]["position_m"], abs=0.2
    )
    change = post.true_value - pre.true_value
    if pre.test == "toe-touch":
        assert -8.0 <= change <= -2.0  # the fingertip gets a few cm nearer the floor
    else:
        assert 2.0 <= change <= 8.0  # a few degrees more range
    readme = (SAMPLES / "README.md").read_text()
    assert f"{change:+.2f}" in readme
    assert math.isfinite(change)
