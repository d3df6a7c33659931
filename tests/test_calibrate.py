"""Calibration: marker roll/scale, floor line, height scale, lens intrinsics, profiles, CLI.

Lens intrinsics are checked on real checkerboard photographs (Pose2Sim's demo, four
cameras) against the intrinsics a Qualisys system computed for the same cameras.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from rom.calibrate import floor, height, intrinsics, marker, profile
from rom.calibrate.floor import calibration_from_user_angle
from rom.calibrate.scene import calibration_for_video
from rom.calibration import Calibration, level_points, rotate_points
from rom.cli import main as rom_main
from rom.errors import CalibrationError
from rom.landmarks import Landmark
from tests import datasets

POSE2SIM_CALIB = "Pose2Sim/Demo_SinglePerson/calibration/"
# Pose2Sim's Config.toml: intrinsics_corners_nb = [4, 7], intrinsics_square_size = 60 (mm).
BOARD_COLS, BOARD_ROWS, BOARD_SQUARE_MM = 4, 7, 60.0
CAMERAS = ("cam01", "cam02", "cam03", "cam04")

RNG_SEED = 20261125


# --------------------------------------------------------------------------------------
# Synthetic marker scenes
# --------------------------------------------------------------------------------------


def _background(height_px: int, width_px: int, rng: np.random.Generator) -> np.ndarray:
    """A mid-grey wall with smooth shading and texture, so the marker is not alone."""
    yy, xx = np.mgrid[0:height_px, 0:width_px]
    shade = 150 + 40 * np.sin(xx / 97.0) * np.cos(yy / 131.0)
    return np.clip(shade + rng.normal(0, 6, shade.shape), 0, 255).astype(np.uint8)


def _marker_scene(
    roll_deg: float,
    side_px: float,
    *,
    centre: tuple[float, float] = (420.0, 300.0),
    size: tuple[int, int] = (800, 600),
    squash_x: float = 1.0,
    rng: np.random.Generator,
    source: np.ndarray | None = None,
    source_side_px: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Place the marker, turned clockwise on screen by ``roll_deg``, into a noisy wall.

    Returns the grey image and the true marker corners (TL, TR, BR, BL) in pixels. The
    rotation uses :func:`rom.calibration.rotate_points`, i.e. the convention the roll must
    follow, not OpenCV's angle sign.
    """
    if source is None:
        source_side_px = 240.0
        source = marker.marker_image(int(source_side_px), quiet_zone_px=40)
        quiet = 40.0
    else:
        assert source_side_px is not None
        quiet = (source.shape[0] - source_side_px) / 2  # marker centred in the crop
    width_px, height_px = size
    k = side_px / source_side_px
    source_centre = np.array([(source.shape[1] - 1) / 2, (source.shape[0] - 1) / 2])
    a = math.radians(roll_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    linear = rot @ np.diag([k * squash_x, k])
    offset = np.asarray(centre) - linear @ source_centre
    affine = np.hstack([linear, offset[:, None]])

    canvas = _background(height_px, width_px, rng).astype(np.float64)
    warped = cv2.warpAffine(
        source.astype(np.float32),
        affine,
        (width_px, height_px),
        flags=cv2.INTER_LINEAR,
        borderValue=-1.0,
    )
    # Only the sheet of paper replaces the wall; borderValue -1 marks "outside the sheet".
    sheet = warped >= 0
    canvas[sheet] = warped[sheet]
    canvas = cv2.GaussianBlur(canvas, (5, 5), 1.0)
    canvas += rng.normal(0, 5, canvas.shape)
    image = np.clip(canvas, 0, 255).astype(np.uint8)

    # Outer corners of the black square in the source image (pixel-centre coordinates).
    lo, hi = quiet - 0.5, quiet + source_side_px - 0.5
    src_corners = np.array([[lo, lo], [hi, lo], [hi, hi], [lo, hi]])
    true_corners = src_corners @ linear.T + offset
    return image, true_corners


@pytest.mark.parametrize("roll_deg", [-12.0, -3.0, 0.0, 1.5, 7.0, 20.0])
def test_marker_roll_and_scale_recovered(roll_deg: float) -> None:
    rng = np.random.default_rng(RNG_SEED)
    side_px = 160.0
    image, _ = _marker_scene(roll_deg, side_px, rng=rng)
    observation = marker.observe_marker(image)
    assert observation is not None
    assert observation.roll_deg == pytest.approx(roll_deg, abs=0.5)
    expected_cm_per_px = marker.MARKER_SIZE_MM / 10 / side_px
    assert observation.cm_per_px is not None
    assert observation.cm_per_px == pytest.approx(expected_cm_per_px, rel=0.02)


def test_marker_roll_sign_agrees_with_level_points() -> None:
    """A plumb line leaning right gives a positive roll, and levelling makes it vertical."""
    rng = np.random.default_rng(RNG_SEED + 1)
    image, true_corners = _marker_scene(6.0, 150.0, rng=rng)
    tl, _, _, bl = true_corners
    assert tl[0] > bl[0]  # the marker's left edge (a plumb line) leans right on screen
    observation = marker.observe_marker(image)
    assert observation is not None
    assert observation.roll_deg > 0
    calibration = Calibration(roll_deg=observation.roll_deg, roll_source="marker")
    levelled = level_points(observation.corners_px, calibration, centre=(400, 300))
    left_edge = levelled[0] - levelled[3]
    lean_deg = math.degrees(math.atan2(left_edge[0], -left_edge[1]))
    assert abs(lean_deg) < 0.5


def test_marker_from_printed_pdf_keeps_true_size(tmp_path: Path) -> None:
    """The generator's PDF, rasterised at a known resolution, measures at its true size."""
    import pypdfium2 as pdfium

    from rom.calibrate import marker_pdf as generator

    pdf_path = generator.build_marker_pdf(tmp_path / "marker.pdf")

    dpi = 50.0  # the whole A4 page: 413 x 585 px
    page = pdfium.PdfDocument(str(pdf_path))[0]
    width_pt, height_pt = page.get_size()
    assert (width_pt, height_pt) == pytest.approx((595.28, 841.89), abs=0.1)  # A4
    page_px = np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
    flat = marker.observe_marker(page_px)
    assert flat is not None and flat.roll_deg == pytest.approx(0.0, abs=0.2)
    # 150 mm at 50 dpi is 295.3 px: the printed size is true.
    assert flat.side_px == pytest.approx(marker.MARKER_SIZE_MM / 25.4 * dpi, rel=0.01)

    # Now photograph it: crop around the marker, rotate, shrink, blur, add noise.
    x0, y0 = flat.corners_px.min(axis=0).astype(int) - 30
    x1, y1 = flat.corners_px.max(axis=0).astype(int) + 30
    crop = page_px[y0 : y1 + 1, x0 : x1 + 1]
    rng = np.random.default_rng(RNG_SEED + 2)
    image, _ = _marker_scene(
        -4.0, 120.0, rng=rng, source=crop, source_side_px=flat.side_px, centre=(300.0, 250.0)
    )
    seen = marker.observe_marker(image)
    assert seen is not None
    assert seen.roll_deg == pytest.approx(-4.0, abs=0.5)
    assert seen.cm_per_px == pytest.approx(marker.MARKER_SIZE_MM / 10 / 120.0, rel=0.02)


def test_marker_seen_obliquely_gives_roll_but_no_scale() -> None:
    rng = np.random.default_rng(RNG_SEED + 3)
    image, _ = _marker_scene(3.0, 160.0, squash_x=0.8, rng=rng)
    observation = marker.observe_marker(image)
    assert observation is not None
    assert observation.side_ratio > marker.MAX_SIDE_RATIO
    assert observation.cm_per_px is None
    assert observation.roll_deg == pytest.approx(3.0, abs=0.5)


def test_no_marker_and_upside_down_marker() -> None:
    rng = np.random.default_rng(RNG_SEED + 4)
    assert marker.observe_marker(_background(480, 640, rng)) is None
    image, _ = _marker_scene(180.0, 150.0, rng=rng)
    observation = marker.observe_marker(image)
    assert observation is not None and abs(observation.roll_deg) == pytest.approx(180.0, abs=0.5)
    with pytest.raises(CalibrationError, match="upright"):
        marker.combine_observations([observation], 1)


def test_lens_profile_undistorts_the_marker() -> None:
    """Barrel distortion near the frame's corner inflates the scale; the profile fixes it."""
    camera_matrix = np.array([[700.0, 0, 400], [0, 700, 300], [0, 0, 1]])
    dist_coeffs = np.array([-0.32, 0.12, 0, 0, 0])
    ideal, _ = _marker_scene(3.0, 150.0, rng=np.random.default_rng(RNG_SEED + 9), centre=(620, 160))
    # Distort: each output pixel samples the ideal image where the lens would have put it.
    yy, xx = np.mgrid[0 : ideal.shape[0], 0 : ideal.shape[1]].astype(np.float64)
    ideal_xy = intrinsics.undistort_points(np.stack([xx, yy], -1), camera_matrix, dist_coeffs)
    ideal_xy = ideal_xy.astype(np.float32)
    distorted = cv2.remap(ideal, ideal_xy[..., 0], ideal_xy[..., 1], cv2.INTER_LINEAR)

    true_scale = marker.MARKER_SIZE_MM / 10 / 150.0
    raw = marker.observe_marker(distorted)
    assert raw is not None and raw.cm_per_px is not None
    assert abs(raw.cm_per_px / true_scale - 1) > 0.05  # the distortion matters here
    fixed = marker.observe_marker(distorted, camera_matrix, dist_coeffs)
    assert fixed is not None
    assert fixed.cm_per_px == pytest.approx(true_scale, rel=0.02)
    assert fixed.roll_deg == pytest.approx(3.0, abs=0.5)
    assert abs(fixed.vertical_convergence_deg) < 0.3


def test_pitched_camera_is_flagged() -> None:
    """A camera tilted down sees the marker's top wider than its bottom."""
    source = marker.marker_image(240, quiet_zone_px=40)
    lo, hi = 39.5, 279.5
    src = np.float32([[lo, lo], [hi, lo], [hi, hi], [lo, hi]])
    dst = np.float32([[240, 180], [420, 180], [410, 350], [250, 350]])  # top 180 px, bottom 160
    warp = cv2.getPerspectiveTransform(src, dst)
    rng = np.random.default_rng(RNG_SEED + 10)
    canvas = _background(480, 640, rng)
    warped = cv2.warpPerspective(source, warp, (640, 480), borderValue=0)
    sheet = cv2.warpPerspective(np.ones_like(source), warp, (640, 480), borderValue=0) > 0
    canvas[sheet] = warped[sheet]
    observation = marker.observe_marker(canvas)
    assert observation is not None
    expected = 2 * math.degrees(math.atan2(10, 170))  # each side leans out by atan(10/170)
    assert observation.vertical_convergence_deg == pytest.approx(expected, abs=0.3)
    assert observation.roll_deg == pytest.approx(0.0, abs=0.3)  # symmetric: cancels out
    estimate = marker.combine_observations([observation], 1)
    assert estimate is not None and estimate.camera_pitched


def _pinhole(
    roll_deg: float, pitch_deg: float, focal_px: float, principal: tuple[float, float]
) -> Callable[[np.ndarray], np.ndarray]:
    """Projection of a camera 3 m from a wall, pitched (+ = looking down) and rolled.

    World: x towards the wall, y to the left, z up; the camera at the origin, 1 m high.
    """
    p, r = math.radians(pitch_deg), math.radians(roll_deg)
    # Camera axes in world coordinates before the roll: right, down, forward.
    forward = np.array([math.cos(p), 0.0, -math.sin(p)])
    right = np.array([0.0, -1.0, 0.0])
    down = np.cross(forward, right)
    # The roll turns the image clockwise on screen for a positive angle: true up leans right.
    right_r = math.cos(r) * right - math.sin(r) * down
    down_r = math.sin(r) * right + math.cos(r) * down
    rotation = np.stack([right_r, down_r, forward])
    matrix = np.array([[focal_px, 0, principal[0]], [0, focal_px, principal[1]], [0, 0, 1]])

    def project(points: np.ndarray) -> np.ndarray:
        cam = (np.atleast_2d(points) - [0.0, 0.0, 1.0]) @ rotation.T @ matrix.T
        return cam[:, :2] / cam[:, 2:]

    return project


def _lean_deg(project: Callable[[np.ndarray], np.ndarray], point: np.ndarray) -> float:
    """Roll of the true vertical through ``point`` in the image (convention of rom)."""
    low, high = project(np.stack([point, point + np.array([0.0, 0.0, 0.2])]))
    up = high - low
    return math.degrees(math.atan2(up[0], -up[1]))


def test_marker_roll_is_carried_to_the_person() -> None:
    """A pitched phone: the true vertical at the person is not the one at the marker.

    Pure projective geometry on exact corners: the marker (15 cm) on the wall 3 m away,
    far to the left of the picture's centre, the person at the centre.  The four sides'
    roll is off at the person by about a degree; carried by :func:`marker.roll_at_column`
    from the horizontal and vertical sides it is within 0.05 deg.
    """
    project = _pinhole(roll_deg=3.0, pitch_deg=7.0, focal_px=1000.0, principal=(640.0, 360.0))
    half = 0.075
    centre = np.array([3.0, 0.9, 1.1])  # 0.9 m to the person's left of the optical axis
    corners_3d = centre + np.array(
        [[0, half, half], [0, -half, half], [0, -half, -half], [0, half, -half]]
    )  # top-left, top-right, bottom-right, bottom-left as seen from the camera
    corners = project(corners_3d)
    person = np.array([2.6, 0.0, 0.5])
    person_x = float(project(person)[0, 0])
    true_at_person = _lean_deg(project, person)
    four_sides = marker.roll_from_marker_corners(corners)
    assert abs(four_sides - true_at_person) > 0.8  # the problem this solves
    horizontal, vertical = marker.side_rolls_deg(corners)
    assert vertical == pytest.approx(_lean_deg(project, centre), abs=0.05)
    carried = marker.roll_at_column(
        horizontal, vertical, float(corners[:, 0].mean()), 640.0, person_x
    )
    assert carried == pytest.approx(true_at_person, abs=0.05)


def test_marker_estimate_at_column() -> None:
    """Carried only across a baseline long enough; the random part grows with the weights."""
    estimate = marker.MarkerEstimate(
        roll_deg=1.5, roll_spread_deg=0.1, cm_per_px=0.3, cm_per_px_spread=0.01,
        frames_with_marker=20, frames_sampled=20, roll_uncertainty_deg=1.0,
        horizontal_roll_deg=1.0, vertical_roll_deg=2.0, marker_x_px=100.0,
        roll_random_sigma_deg=0.1,
    )
    carried = estimate.at_column(500.0, principal_x_px=300.0)
    # The lean grows by 1 deg per 200 px towards the marker: 2 at 100, 1 at 300, 0 at 500.
    assert carried.roll_deg == pytest.approx(0.0)
    assert carried.roll_random_sigma_deg == pytest.approx(0.1 * math.sqrt(2) * math.hypot(2, 1))
    assert carried.roll_uncertainty_deg == pytest.approx(
        2 * math.hypot(carried.roll_random_sigma_deg, marker.MARKER_SYSTEMATIC_SIGMA_DEG)
    )
    near = estimate.at_column(500.0, principal_x_px=100.0 + marker.MIN_TRANSFER_BASELINE_PX / 2)
    assert near is estimate
    unknown = marker.MarkerEstimate(1.5, 0.1, 0.3, 0.01, 20, 20)
    assert unknown.at_column(500.0, 300.0) is unknown


def test_calibration_from_video(make_video) -> None:  # type: ignore[no-untyped-def]
    """Frames with small hand-held jitter: median roll/scale and a spread are reported."""
    rng = np.random.default_rng(RNG_SEED + 5)
    true_roll, true_side = 4.0, 150.0
    jitter = rng.normal(0, 0.3, 20)
    frames = []
    for d in jitter:
        grey, _ = _marker_scene(
            true_roll + d, true_side, rng=rng, size=(640, 480), centre=(320, 240)
        )
        frames.append(np.repeat(grey[:, :, None], 3, axis=2))
    path = make_video("marker.mp4", frames, fps=10.0, options={"crf": "18"})

    estimate = marker.marker_estimate_from_video(path, sample_fps=5.0)
    assert estimate is not None
    assert estimate.frames_sampled == 10  # 2 s sampled at 5 fps
    assert estimate.frames_with_marker == 10
    assert estimate.roll_deg == pytest.approx(true_roll, abs=0.5)
    assert 0.0 < estimate.roll_spread_deg < 1.0
    assert estimate.cm_per_px == pytest.approx(marker.MARKER_SIZE_MM / 10 / true_side, rel=0.02)

    calibration = marker.calibration_from_video(path)
    assert calibration is not None
    assert calibration.roll_source == "marker" and calibration.scale_source == "marker"
    assert calibration.roll_deg == pytest.approx(true_roll, abs=0.5)


def test_calibration_for_video_precedence(make_video) -> None:  # type: ignore[no-untyped-def]
    """The user's roll beats the marker's; the marker's scale is kept; no marker -> level."""
    rng = np.random.default_rng(RNG_SEED + 7)
    frames = []
    for _ in range(20):
        grey, _ = _marker_scene(3.0, 150.0, rng=rng, size=(640, 480), centre=(320, 240))
        frames.append(np.repeat(grey[:, :, None], 3, axis=2))
    path = make_video("marker.mp4", frames, fps=10.0, options={"crf": "18"})

    from_marker = calibration_for_video(path, (640, 480))
    assert from_marker.roll_source == "marker"
    assert from_marker.roll_deg == pytest.approx(3.0, abs=0.5)

    overridden = calibration_for_video(
        path, (640, 480), user_roll=calibration_from_user_angle(-2.0)
    )
    assert (overridden.roll_deg, overridden.roll_source) == (-2.0, "user")
    assert overridden.scale_source == "marker"
    assert overridden.cm_per_px == pytest.approx(from_marker.cm_per_px)

    ignored = calibration_for_video(path, (640, 480), use_marker=False, use_scene=False)
    assert (ignored.roll_deg, ignored.roll_source, ignored.cm_per_px) == (0.0, "none", None)
    # Without the marker search, the marker's straight edges still count as scene verticals.
    scene = calibration_for_video(path, (640, 480), use_marker=False)
    assert scene.roll_source == "scene" and scene.cm_per_px is None
    assert scene.roll_uncertainty_deg is not None
    assert abs(scene.roll_deg - 3.0) <= scene.roll_uncertainty_deg


def test_calibration_from_video_without_marker(make_video) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(RNG_SEED + 6)
    frames = [np.repeat(_background(240, 320, rng)[:, :, None], 3, axis=2) for _ in range(10)]
    assert marker.calibration_from_video(make_video("wall.mp4", frames, fps=10.0)) is None


# --------------------------------------------------------------------------------------
# Floor line and user angle
# --------------------------------------------------------------------------------------


def test_floor_line_roll_matches_level_points() -> None:
    # A level line seen with the camera rolled +5°: it falls to the right on screen.
    world_line = np.array([[100.0, 700.0], [900.0, 700.0]])
    seen = rotate_points(world_line, 5.0, centre=(500, 500))
    assert seen[1, 1] > seen[0, 1]
    roll = floor.roll_from_horizontal_line(seen[1], seen[0])  # order does not matter
    assert roll == pytest.approx(5.0, abs=1e-9)
    calibration = floor.calibration_from_floor_line(seen[0], seen[1])
    assert calibration.roll_source == "floor"
    levelled = level_points(seen, calibration, centre=(500, 500))
    assert levelled[0, 1] == pytest.approx(levelled[1, 1], abs=1e-9)


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ((10, 10), (30, 12), "apart"),
        ((0, 0), (100, 100), "off horizontal"),
        ((0, float("nan")), (300, 0), "finite"),
    ],
)
def test_floor_line_rejects_bad_points(a, b, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CalibrationError, match=message):
        floor.roll_from_horizontal_line(a, b)


def test_user_angle() -> None:
    assert floor.calibration_from_user_angle(-2.5).roll_deg == -2.5
    assert floor.calibration_from_user_angle(-2.5).roll_source == "user"
    with pytest.raises(CalibrationError):
        floor.calibration_from_user_angle(90.0)


# --------------------------------------------------------------------------------------
# Scale from the person's height
# --------------------------------------------------------------------------------------


def _standing_landmarks(height_cm: float, cm_per_px: float, roll_deg: float = 0.0) -> np.ndarray:
    """33 landmarks of an upright person: eyes at Winter's eye level, feet on the floor."""
    floor_y, x = 900.0, 400.0
    stature_px = height_cm / cm_per_px
    xy = np.full((33, 2), np.nan)
    eye_y = floor_y - height.EYE_LEVEL_FRACTION * stature_px
    ankle_y = floor_y - 0.039 * stature_px
    xy[Landmark.LEFT_EYE] = (x + 8, eye_y)
    xy[Landmark.RIGHT_EYE] = (x - 8, eye_y)
    xy[Landmark.LEFT_ANKLE] = (x + 20, ankle_y)
    xy[Landmark.RIGHT_ANKLE] = (x - 20, ankle_y)
    # Side-on feet (one behind the other in the picture); heels and the far toe a little
    # above the near toe's floor contact: the lowest foot point is the floor.
    xy[Landmark.LEFT_HEEL] = (x, floor_y - 3.0)
    xy[Landmark.RIGHT_HEEL] = (x, floor_y - 4.0)
    xy[Landmark.LEFT_FOOT_INDEX] = (x, floor_y)
    xy[Landmark.RIGHT_FOOT_INDEX] = (x, floor_y - 1.0)
    xy[Landmark.NOSE] = (x, eye_y + 10)
    return rotate_points(xy, roll_deg, centre=(x, floor_y))


def test_height_scale_from_standing_landmarks() -> None:
    true_scale = 0.25  # cm per px: 175 cm person is 700 px tall
    xy = _standing_landmarks(175.0, true_scale)
    assert height.cm_per_px_from_height(xy, 175.0) == pytest.approx(true_scale, rel=1e-9)

    # Camera rolled 10°: levelled with the roll it is exact, ignoring it overestimates.
    rolled = _standing_landmarks(175.0, true_scale, roll_deg=10.0)
    assert height.cm_per_px_from_height(rolled, 175.0, roll_deg=10.0) == pytest.approx(true_scale)
    unlevelled = height.cm_per_px_from_height(rolled, 175.0)
    assert unlevelled == pytest.approx(true_scale / math.cos(math.radians(10.0)), rel=1e-6)

    # Several frames, one missing an eye and one with no landmarks: median of the rest.
    frames = np.stack([xy, xy, xy])
    frames[1, Landmark.LEFT_EYE] = np.nan
    frames[2] = np.nan
    assert height.cm_per_px_from_height(frames, 175.0) == pytest.approx(true_scale, rel=1e-9)


def test_with_height_scale_uses_the_calibration_roll() -> None:
    rolled = _standing_landmarks(160.0, 0.2, roll_deg=-8.0)
    base = Calibration(roll_deg=-8.0, roll_source="user")
    scaled = height.with_height_scale(base, rolled, 160.0)
    assert scaled.scale_source == "height" and scaled.roll_source == "user"
    assert scaled.cm_per_px == pytest.approx(0.2)


def test_height_scale_rejects_bad_input() -> None:
    xy = _standing_landmarks(175.0, 0.25)
    with pytest.raises(CalibrationError, match="between"):
        height.cm_per_px_from_height(xy, 1.75)  # metres typed as centimetres
    with pytest.raises(CalibrationError, match="eyes and the feet"):
        height.cm_per_px_from_height(np.full((33, 2), np.nan), 175.0)
    upside_down = xy.copy()
    upside_down[:, 1] *= -1
    with pytest.raises(CalibrationError, match="upright"):
        height.cm_per_px_from_height(upside_down, 175.0)


# --------------------------------------------------------------------------------------
# Lens intrinsics: synthetic (exact answer) and real photographs (Qualisys reference)
# --------------------------------------------------------------------------------------

SYNTH_K = np.array([[900.0, 0.0, 330.0], [0.0, 905.0, 235.0], [0.0, 0.0, 1.0]])
SYNTH_DIST = np.array([-0.21, 0.09, 0.001, -0.0015, 0.0])


def _synthetic_views(n: int, cols: int = 9, rows: int = 6, square_mm: float = 25.0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(RNG_SEED + 7)
    board = intrinsics.board_object_points(cols, rows, square_mm)
    board_centre = board.mean(axis=0)
    views = []
    for i in range(n):
        rvec = rng.uniform(-0.45, 0.45, 3)
        tvec = np.array([rng.uniform(-40, 40), rng.uniform(-30, 30), rng.uniform(350, 550)])
        tvec -= cv2.Rodrigues(rvec)[0] @ board_centre  # board centred in view
        corners, _ = cv2.projectPoints(board, rvec, tvec, SYNTH_K, SYNTH_DIST)
        corners = corners.reshape(-1, 2) + rng.normal(0, 0.05, (cols * rows, 2))
        views.append(intrinsics.BoardView(f"view{i}", corners.astype(np.float32)))
    return views


def test_calibrate_intrinsics_recovers_synthetic_camera() -> None:
    views = _synthetic_views(12)
    result = intrinsics.calibrate_intrinsics(views, (640, 480), 9, 6, 25.0)
    assert result.n_views == 12 and not result.views_rejected
    assert result.rms_px < 0.1
    np.testing.assert_allclose(result.camera_matrix, SYNTH_K, rtol=0, atol=2.0)
    np.testing.assert_allclose(result.dist_coeffs[:2], SYNTH_DIST[:2], atol=0.02)


def test_calibrate_intrinsics_drops_a_bad_view_and_refuses_too_few() -> None:
    views = _synthetic_views(8)
    scrambled = views[3].corners_px[np.random.default_rng(0).permutation(54)]
    views[3] = intrinsics.BoardView("scrambled", scrambled)
    result = intrinsics.calibrate_intrinsics(views, (640, 480), 9, 6, 25.0)
    assert list(result.views_rejected) == ["scrambled"]
    assert result.n_views == 7
    assert result.camera_matrix[0, 0] == pytest.approx(900.0, rel=0.01)
    with pytest.raises(CalibrationError, match="at least 5"):
        intrinsics.calibrate_intrinsics(views[:4], (640, 480), 9, 6, 25.0)


def test_undistort_points_inverts_projection() -> None:
    rays = np.array([[0.3, -0.2, 1.0], [-0.35, 0.25, 1.0], [0.0, 0.0, 1.0]])
    distorted, _ = cv2.projectPoints(rays, np.zeros(3), np.zeros(3), SYNTH_K, SYNTH_DIST)
    distorted = distorted.reshape(-1, 2)
    ideal = (rays[:, :2] / rays[:, 2:]) * [SYNTH_K[0, 0], SYNTH_K[1, 1]] + SYNTH_K[:2, 2]
    assert np.abs(distorted - ideal).max() > 10  # the distortion is not negligible
    points = np.vstack([distorted, [np.nan, np.nan]]).reshape(2, 2, 2)
    undistorted = intrinsics.undistort_points(points, SYNTH_K, SYNTH_DIST).reshape(-1, 2)
    np.testing.assert_allclose(undistorted[:3], ideal, atol=0.01)
    assert np.all(np.isnan(undistorted[3]))


def _qualisys_intrinsics(qca: Path) -> dict[str, tuple[float, float, float, float]]:
    """``{serial: (fx, fy, cx, cy)}`` in pixels from a Qualisys ``.qca.txt`` file.

    Qualisys stores the intrinsics in sub-pixel units of 1/64 pixel on the sensor
    (``sensorMaxU`` = 69568 = 1087 x 64 for a 1088-px-wide image); the principal point is
    relative to the video field of view's origin (``fov_video`` left/top).
    """
    root = ET.parse(qca).getroot()
    out = {}
    for camera in root.iter("camera"):
        fov = camera.find("fov_video")
        lens = camera.find("intrinsic")
        assert fov is not None and lens is not None
        assert float(lens.get("sensorMaxU", 0)) / 64 == float(fov.get("right", 0))
        out[camera.get("serial", "")] = (
            float(lens.get("focalLengthU", 0)) / 64,
            float(lens.get("focalLengthV", 0)) / 64,
            float(lens.get("centerPointU", 0)) / 64 - float(fov.get("left", 0)),
            float(lens.get("centerPointV", 0)) / 64 - float(fov.get("top", 0)),
        )
    return out


@pytest.fixture(scope="module")
def qualisys_reference() -> dict[str, tuple[float, float, float, float]]:
    qca = datasets.wheel_member(*datasets.POSE2SIM, POSE2SIM_CALIB + "Calib.qca.txt")
    return _qualisys_intrinsics(qca)


def _camera_images(camera: str) -> list[Path]:
    members = datasets.wheel_members(*datasets.POSE2SIM, POSE2SIM_CALIB + "intrinsics/")
    return [p for p in members if p.suffix == ".jpg" and p.parent.name == f"int_{camera}_img"]


@pytest.mark.parametrize("camera", CAMERAS)
def test_checkerboard_calibration_matches_qualisys(camera: str, qualisys_reference) -> None:  # type: ignore[no-untyped-def]
    """Seven real photographs per camera of a 5x8-square board (60 mm squares).

    Tolerances: the focal length within 1.5 % of Qualisys's (an independent wand
    calibration; 1.5 % of focal length changes a 30° angle off the optical axis by
    <0.4°). The principal point is the least well-determined intrinsic of a planar-board
    calibration from few views, and differs between independent calibrations by a few
    percent of the image size: within 4 % of the long side (77 px, a 2.6° shift of the
    optical axis, which does not affect 2-D joint angles measured near it).
    """
    images = _camera_images(camera)
    assert len(images) == 7
    result, without_board = intrinsics.calibrate_from_files(
        images, BOARD_COLS, BOARD_ROWS, BOARD_SQUARE_MM
    )
    assert result.image_size == (1088, 1920)
    assert result.n_views + len(without_board) + len(result.views_rejected) == 7
    assert result.n_views >= 6
    assert result.rms_px < 0.5

    fx_ref, fy_ref, cx_ref, cy_ref = qualisys_reference[camera]
    k = result.camera_matrix
    assert k[0, 0] == pytest.approx(fx_ref, rel=0.015)
    assert k[1, 1] == pytest.approx(fy_ref, rel=0.015)
    assert k[0, 0] / k[1, 1] == pytest.approx(1.0, abs=0.005)  # square pixels
    long_side = max(result.image_size)
    assert abs(k[0, 2] - cx_ref) < 0.04 * long_side
    assert abs(k[1, 2] - cy_ref) < 0.04 * long_side


def test_board_detection_on_real_photo_is_a_right_handed_grid() -> None:
    image = cv2.imread(str(_camera_images("cam02")[4]), cv2.IMREAD_GRAYSCALE)
    corners = intrinsics.find_board_corners(image, BOARD_COLS, BOARD_ROWS)
    assert corners is not None and corners.shape == (28, 2)
    assert intrinsics.grid_fit_error(corners, BOARD_COLS, BOARD_ROWS) < 0.05
    grid = corners.reshape(BOARD_ROWS, BOARD_COLS, 2)
    along, across = grid[0, -1] - grid[0, 0], grid[-1, 0] - grid[0, 0]
    assert along[0] * across[1] - along[1] * across[0] > 0


def test_no_board_and_corrupt_image_are_clear_errors(tmp_path: Path) -> None:
    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), _background(480, 640, np.random.default_rng(1)))
    with pytest.raises(CalibrationError, match="found in 0 of 1"):
        intrinsics.calibrate_from_files([blank], 9, 6, 25.0)
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(CalibrationError, match="cannot be read as an image"):
        intrinsics.calibrate_from_files([corrupt], 9, 6, 25.0)
    with pytest.raises(CalibrationError, match="COLSxROWS"):
        intrinsics.parse_board_size("nine by six")


# --------------------------------------------------------------------------------------
# Camera profiles and the command line
# --------------------------------------------------------------------------------------


def test_profile_round_trip_and_resizing(tmp_path: Path) -> None:
    result = intrinsics.calibrate_intrinsics(_synthetic_views(10), (640, 480), 9, 6, 25.0)
    path = profile.save_camera_profile(result, tmp_path / "p.json", cols=9, rows=6, square_mm=25.0)
    data = json.loads(path.read_text())
    assert data["n_views"] == 10 and data["image_size"] == [640, 480]
    assert data["rom_version"]

    loaded = profile.load_camera_profile(path)
    np.testing.assert_allclose(loaded.camera_matrix, result.camera_matrix)
    np.testing.assert_allclose(loaded.dist_coeffs, result.dist_coeffs)
    calibration = loaded.apply_to(Calibration(roll_deg=2.0, roll_source="marker"))
    assert calibration.roll_deg == 2.0 and calibration.camera_matrix is not None

    half = loaded.for_image_size(320, 240)
    assert half.camera_matrix[0, 0] == pytest.approx(loaded.camera_matrix[0, 0] / 2)
    assert half.camera_matrix[0, 2] == pytest.approx((loaded.camera_matrix[0, 2] + 0.5) / 2 - 0.5)
    with pytest.raises(CalibrationError, match="aspect ratio"):
        loaded.for_image_size(480, 640)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such"), ("{not json", "not a readable"), ('{"format": "other"}', "not a rom")],
)
def test_damaged_profiles_are_refused(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "profile.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(CalibrationError, match=message):
        profile.load_camera_profile(path)


def test_cli_checkerboard_writes_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    images = [str(p) for p in _camera_images("cam03")]
    out = tmp_path / "cam03.json"
    code = rom_main(
        ["calibrate", "--checkerboard", "4x7", "--square-mm", "60", *images, "--out", str(out)]
    )
    assert code == 0
    loaded = profile.load_camera_profile(out)
    assert loaded.image_size == (1088, 1920)
    assert "reprojection RMS" in capsys.readouterr().out

    code = rom_main(
        ["calibrate", "--checkerboard", "9x6", "--square-mm", "60", images[0], "--out", str(out)]
    )
    assert code == 2
    assert "error: the 9x6 board" in capsys.readouterr().err


def test_cli_marker_reports_roll(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image, _ = _marker_scene(-2.0, 150.0, rng=np.random.default_rng(RNG_SEED + 8))
    path = tmp_path / "wall.png"
    cv2.imwrite(str(path), image)
    assert rom_main(["calibrate", "--marker", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["roll_deg"] == pytest.approx(-2.0, abs=0.5)
    assert report["frames_with_marker"] == 1


def test_scene_vertical_when_no_marker_nor_user(make_video) -> None:  # type: ignore[no-untyped-def]
    """No marker: the room's vertical edges give the roll, with its uncertainty."""
    from rom.calibrate.scene import USER_ROLL_UNCERTAINTY_DEG, calibrate_video
    from tests.test_vertical import _room

    frames = []
    for seed in range(10):
        image, truth, _ = _room(6.0, 5.0, seed=3)  # one room, a still camera
        noise = np.random.default_rng(seed).normal(0, 3, image.shape)
        frames.append(np.clip(image + noise, 0, 255).astype(np.uint8))
    path = make_video("room.mp4", frames, fps=5.0, options={"crf": "20"})

    report = calibrate_video(path, (1280, 720))
    assert report.marker_rejection is not None and report.marker_rejection.reason == "not_found"
    scene = report.calibration
    assert scene.roll_source == "scene" and scene.roll_uncertainty_deg is not None
    assert abs(scene.roll_deg - truth) <= scene.roll_uncertainty_deg < 1.5

    user = calibration_for_video(path, (1280, 720), user_roll=calibration_from_user_angle(2.0))
    assert (user.roll_deg, user.roll_source) == (2.0, "user")
    assert user.roll_uncertainty_deg == USER_ROLL_UNCERTAINTY_DEG

    level = calibration_for_video(path, (1280, 720), use_scene=False)
    assert (level.roll_deg, level.roll_source, level.roll_uncertainty_deg) == (0.0, "none", None)


def test_cli_marker_pdf_has_the_size_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pypdf

    from rom.calibrate.marker_pdf import marker_size_needed_cm

    out = tmp_path / "sheet.pdf"
    assert rom_main(["calibrate", "marker-pdf", "--out", str(out)]) == 0
    text = pypdf.PdfReader(str(out)).pages[0].extract_text()
    assert "Marker size needed" in text and f"{marker.MIN_MARKER_SIDE_PX:.0f} px" in text
    assert "360p" in text and "1080p" in text
    # 3 m at 720p: 18 px * 3 m / (640 / tan(34 deg)) = 5.69 cm, printed rounded up.
    assert marker_size_needed_cm(3.0, 1280) == pytest.approx(5.69, abs=0.01)
    row = next(line for line in text.splitlines() if line.startswith("3 m"))
    assert row.split() == ["3", "m", "12", "cm", "9", "cm", "6", "cm", "4", "cm"]

    small = tmp_path / "small.pdf"
    assert rom_main(["calibrate", "marker-pdf", "--out", str(small), "--size-cm", "10"]) == 0
    assert "black square 100 mm" in pypdf.PdfReader(str(small)).pages[0].extract_text()
    assert rom_main(["calibrate", "marker-pdf", "--out", str(small), "--size-cm", "30"]) != 0
    assert "4-17 cm" in capsys.readouterr().err


def test_person_box_from_track() -> None:
    from rom.calibrate.scene import PERSON_BOX_MARGIN, person_box_from_track
    from rom.pose import PoseTrack

    landmarks = np.zeros((33, 8), np.float32)
    landmarks[:, 0] = np.linspace(100, 200, 33)  # x
    landmarks[:, 1] = np.linspace(50, 450, 33)  # y
    moved = landmarks.copy()
    moved[:, 0] += 100
    track = PoseTrack.from_frames([(0.0, 0, landmarks), (0.1, 1, None), (0.2, 2, moved)],
                                  frame_size=(640, 480))
    box = person_box_from_track(track)
    assert box == pytest.approx((100 - PERSON_BOX_MARGIN * 200, 50 - PERSON_BOX_MARGIN * 400,
                                 300 + PERSON_BOX_MARGIN * 200, 450 + PERSON_BOX_MARGIN * 400))
    assert person_box_from_track(PoseTrack.from_frames([(0.0, 0, None)], (640, 480))) is None
