"""The annotated video plays in browsers and shows the right frame, segments and angle."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from rom import labels, render
from rom.landmarks import NUM_LANDMARKS, Landmark
from rom.measurement import Measurement, TrialResult
from rom.pose import PoseTrack
from rom.video import Frame

W, H = 320, 480  # portrait, like a phone held upright
KNEE = (160.0, 200.0)
ANKLE = (200.0, 380.0)


def _background(i: int) -> int:
    """Grey level of frame ``i``: lets a test tell which frame it is looking at."""
    return 40 + 6 * i


def _frames(n: int) -> list[Frame]:
    return [
        Frame(index=i, time_s=i / 30.0, image=np.full((H, W, 3), _background(i), np.uint8))
        for i in range(n)
    ]


def _track(frame_indices: list[int], missing: tuple[int, ...] = ()) -> PoseTrack:
    rows = []
    for row, index in enumerate(frame_indices):
        if row in missing:
            rows.append((index / 30.0, index, None))
            continue
        lm = np.zeros((NUM_LANDMARKS, 8), np.float32)
        lm[:, 0:2] = (W / 2, 60.0)  # park everything else at the top
        lm[Landmark.LEFT_KNEE, 0:2] = KNEE
        lm[Landmark.LEFT_ANKLE, 0:2] = ANKLE
        lm[:, 3] = 0.9  # visibility
        lm[:, 4] = 0.9  # presence
        rows.append((index / 30.0, index, lm))
    return PoseTrack.from_frames(rows, frame_size=(W, H), source_sha256="abc", settings={})


def _trial(track: PoseTrack, peak_row: int) -> TrialResult:
    n = len(track)
    values = np.linspace(10.0, 30.0, n)
    m = Measurement(
        test="ankle-dorsiflexion", side="left", value=float(values[peak_row]), unit="deg",
        quality=0.9, reliable=True, reasons=(), peak_time_s=float(track.timestamps_s[peak_row]),
        peak_frame=peak_row,
    )
    segments = ((int(Landmark.LEFT_KNEE), int(Landmark.LEFT_ANKLE)),)
    return TrialResult(m, track.timestamps_s, values, values.copy(), segments)


def _decode(path: Path) -> tuple[list[np.ndarray], str, str]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        images = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        return images, stream.codec_context.name, stream.codec_context.pix_fmt


def _near(pixel: np.ndarray, rgb: tuple[int, int, int], tol: int) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - np.array(rgb)) <= tol))


def test_draw_pose_marks_segment_and_vertical_reference() -> None:
    image = np.zeros((H, W, 3), np.uint8)
    xy = np.full((NUM_LANDMARKS, 2), np.nan)
    xy[Landmark.LEFT_KNEE] = KNEE
    xy[Landmark.LEFT_ANKLE] = ANKLE
    out = render.draw_pose(image, xy, np.ones(NUM_LANDMARKS), ((25, 27),), value_text="24",
                           degrees=True)
    mid = ((KNEE[0] + ANKLE[0]) / 2, (KNEE[1] + ANKLE[1]) / 2)
    assert _near(out[round(mid[1]), round(mid[0])], render.SEGMENT_RGB, 0)
    # The vertical reference rises straight up from the ankle (the lower end).
    assert _near(out[round(ANKLE[1]) - 60, round(ANKLE[0])], render.REFERENCE_RGB, 0)
    assert np.any(np.all(out == render.ARC_RGB, axis=-1)), "no angle arc drawn"
    assert image.max() == 0, "the input image must not be drawn on"


def test_draw_pose_tilts_reference_with_camera_roll() -> None:
    image = np.zeros((H, W, 3), np.uint8)
    xy = np.full((NUM_LANDMARKS, 2), np.nan)
    xy[Landmark.LEFT_KNEE] = KNEE
    xy[Landmark.LEFT_ANKLE] = ANKLE
    out = render.draw_pose(image, xy, np.ones(NUM_LANDMARKS), ((25, 27),), degrees=True,
                           roll_deg=20.0)
    # With a 20° clockwise roll, true vertical leans right: 60 px up is ~21.8 px right.
    x = ANKLE[0] + 60 * np.tan(np.deg2rad(20.0))
    assert _near(out[round(ANKLE[1]) - 60, round(x)], render.REFERENCE_RGB, 0)
    assert not _near(out[round(ANKLE[1]) - 60, round(ANKLE[0])], render.REFERENCE_RGB, 0)


def test_render_video_is_browser_playable_h264(tmp_path: Path) -> None:
    frames = _frames(12)
    track = _track(list(range(12)), missing=(3,))
    trial = _trial(track, peak_row=7)
    out = render.render_video("unused.mp4", track, trial, tmp_path / "out.mp4", frames=frames)

    images, codec, pix_fmt = _decode(out)
    assert (codec, pix_fmt) == ("h264", "yuv420p")
    assert len(images) == 12
    assert images[0].shape == (H, W, 3)
    data = out.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat"), "moov atom must come first (faststart)"
    # Frames keep their order: the untouched corner shows each frame's own grey level.
    corners = [int(img[H - 5, 5].mean()) for img in images]
    assert all(abs(c - _background(i)) <= 4 for i, c in enumerate(corners)), corners
    mid = (round((KNEE[1] + ANKLE[1]) / 2), round((KNEE[0] + ANKLE[0]) / 2))
    assert _near(images[0][mid], render.SEGMENT_RGB, 40), "segment missing on a tracked frame"
    assert not _near(images[3][mid], render.SEGMENT_RGB, 40), "drawn where nobody was found"


def test_render_video_fills_frames_between_subsampled_rows(tmp_path: Path) -> None:
    frames = _frames(10)
    track = _track([0, 2, 4, 6, 8])  # analysed at half the frame rate
    out = render.render_video("unused.mp4", track, _trial(track, 2), tmp_path / "half.mp4",
                              frames=frames)
    images, _, _ = _decode(out)
    assert len(images) == 10
    mid = (round((KNEE[1] + ANKLE[1]) / 2), round((KNEE[0] + ANKLE[0]) / 2))
    assert all(_near(img[mid], render.SEGMENT_RGB, 40) for img in images)


def test_render_video_downscales_to_even_size(tmp_path: Path) -> None:
    track = _track(list(range(4)))
    out = render.render_video("unused.mp4", track, _trial(track, 1), tmp_path / "small.mp4",
                              frames=_frames(4), max_side=201)
    images, _, _ = _decode(out)
    h, w = images[0].shape[:2]
    assert max(h, w) <= 202 and h % 2 == 0 and w % 2 == 0
    assert w / h == pytest.approx(W / H, rel=0.03)


def test_key_frame_is_the_peak_frame() -> None:
    track = _track(list(range(12)))
    image = render.key_frame("unused.mp4", track, _trial(track, peak_row=9), frames=_frames(12))
    assert image is not None
    assert abs(int(image[H - 5, 5].mean()) - _background(9)) <= 1


def test_key_frame_without_peak_is_none() -> None:
    track = _track(list(range(3)))
    trial = _trial(track, 1)
    no_peak = TrialResult(
        Measurement(**{**trial.measurement.__dict__, "peak_frame": None, "value": None}),
        trial.time_s, trial.values, trial.raw_values, trial.segments,
    )
    assert render.key_frame("unused.mp4", track, no_peak, frames=_frames(3)) is None


def test_render_reads_a_real_video_file(tmp_path: Path) -> None:
    """End to end through rom.video: a real MP4 in, an annotated MP4 out, same length."""
    src = tmp_path / "src.mp4"
    with av.open(str(src), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(30))
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for frame in _frames(15):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame.image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    track = _track(list(range(15)))
    out = render.render_video(src, track, _trial(track, 5), tmp_path / "annotated.mp4")
    images, codec, _ = _decode(out)
    assert codec == "h264" and len(images) == 15
    key = render.key_frame(src, track, _trial(track, 5))
    assert key is not None and abs(int(key[H - 5, 5].mean()) - _background(5)) <= 4


def test_format_value_units() -> None:
    # The overlay's words: labels.format_value in its ASCII form, whole running degrees.
    assert labels.format_value(42.4, "deg", digits=0, plain=True) == "42"
    assert labels.format_value(3.26, "cm", plain=True) == "3.3 cm"
    assert labels.format_value(float("nan"), "deg", plain=True) == "--"
    assert labels.format_value(0.12, "fraction_of_height", plain=True) == "12% height"


def test_key_frame_is_cropped_to_the_person() -> None:
    track = _track(list(range(4)))
    trial = _trial(track, 2)
    whole = render.key_frame("unused.mp4", track, trial, frames=_frames(4), crop_to_person=False)
    cropped = render.key_frame("unused.mp4", track, trial, frames=_frames(4))
    assert whole is not None and cropped is not None
    assert whole.shape[1] / whole.shape[0] == pytest.approx(W / H, rel=0.02)
    # Landmarks span x 160..200 and y 60..380: the crop is much narrower than the frame.
    assert cropped.shape[1] / cropped.shape[0] < 0.6 * W / H
    x0, y0, x1, y1 = render.person_region(track.image_xy[2], (W, H))
    assert x0 < 160 and x1 > 200 and y0 < 60 and y1 > 380 and x1 - x0 < W
    # The shank is still drawn where it belongs in the cropped picture.
    sx, sy = cropped.shape[1] / (x1 - x0), cropped.shape[0] / (y1 - y0)
    mid = ((KNEE[0] + ANKLE[0]) / 2, (KNEE[1] + ANKLE[1]) / 2)
    pixel = cropped[round((mid[1] - y0) * sy), round((mid[0] - x0) * sx)]
    assert _near(pixel, render.SEGMENT_RGB, 0)


def test_joint_angle_is_drawn_from_straight() -> None:
    """A three-point chain: the first segment continued (dashed) is the 0° reference."""
    image = np.zeros((H, W, 3), np.uint8)
    xy = np.full((NUM_LANDMARKS, 2), np.nan)
    hip, knee, ankle = (160.0, 60.0), (160.0, 200.0), (60.0, 300.0)
    xy[Landmark.LEFT_HIP], xy[Landmark.LEFT_KNEE], xy[Landmark.LEFT_ANKLE] = hip, knee, ankle
    out = render.draw_pose(image, xy, np.ones(NUM_LANDMARKS), ((23, 25, 27),), degrees=True)
    # Straight on from the thigh is straight down from the knee: dashes there, in yellow.
    column = out[215:300, 160]
    assert np.any(np.all(column == render.REFERENCE_RGB, axis=-1))
    assert np.any(np.all(out == render.ARC_RGB, axis=-1))
