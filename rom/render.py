"""Annotated video and key-frame images: skeleton, measured segments and the angle drawn.

The output video is written by :class:`rom.videowriter.H264Writer` (browser-playable H.264).

Drawing uses OpenCV on RGB ``uint8`` images in pixels of the *upright* frame (``x`` right,
``y`` down), the same coordinates as :attr:`rom.pose.PoseTrack.image_xy`.  Colours come
from the Okabe–Ito palette (:mod:`rom.style`) so the overlay reads for colour-blind viewers
too; the measured segments also differ from the skeleton by thickness, not only by colour.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from rom.labels import format_value, measured_side
from rom.landmarks import SKELETON_EDGES
from rom.measurement import TrialResult
from rom.pose import PoseTrack
from rom.style import OKABE_ITO, RGB, hex_to_rgb
from rom.video import iter_frames
from rom.videowriter import H264Writer

SKELETON_RGB: RGB = (235, 235, 235)
SEGMENT_RGB: RGB = hex_to_rgb(OKABE_ITO["orange"])
ARC_RGB: RGB = hex_to_rgb(OKABE_ITO["sky_blue"])
REFERENCE_RGB: RGB = hex_to_rgb(OKABE_ITO["yellow"])
PEAK_RGB: RGB = hex_to_rgb(OKABE_ITO["reddish_purple"])

#: Landmarks whose visibility is below this are drawn faint (probably hidden).
VISIBLE_THRESHOLD = 0.5

#: Bump when the drawing changes, so cached renders made by older code are not reused.
RENDER_VERSION = 5

#: Longest side of the rendered video in pixels (smaller files, faster encoding).
DEFAULT_MAX_SIDE = 960


# -- pure drawing -------------------------------------------------------------------------


def _scale_style(image: NDArray[np.uint8]) -> tuple[int, float]:
    """Line thickness in px and font scale suited to the image's size."""
    short_side = min(image.shape[0], image.shape[1])
    thickness = max(2, round(short_side / 220))
    return thickness, max(0.5, short_side / 700)


def draw_label(
    image: NDArray[np.uint8],
    text: str,
    origin: tuple[int, int],
    *,
    degrees: bool = False,
    colour: RGB = (255, 255, 255),
    scale: float | None = None,
) -> None:
    """Draw ``text`` on a dark box at ``origin`` (top-left), in place.

    With ``degrees=True`` a small ring is drawn after the text as the degree sign.
    """
    thickness, default_scale = _scale_style(image)
    scale = default_scale if scale is None else scale
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), baseline = cv2.getTextSize(text, font, scale, thickness)
    ring_r = max(2, int(th * 0.22))
    extra = 3 * ring_r if degrees and text != "--" else 0
    pad = max(4, th // 3)
    h, w = image.shape[:2]
    x = int(np.clip(origin[0], 0, max(0, w - tw - extra - 2 * pad)))
    y = int(np.clip(origin[1], 0, max(0, h - th - baseline - 2 * pad)))
    box = image[y : y + th + baseline + 2 * pad, x : x + tw + extra + 2 * pad]
    # Semi-transparent dark box keeps the text legible on any background.
    box[:] = (box.astype(np.float32) * 0.35).astype(np.uint8)
    base = (x + pad, y + pad + th)
    cv2.putText(image, text, base, font, scale, colour, thickness, cv2.LINE_AA)
    if extra:
        centre = (x + pad + tw + int(1.6 * ring_r), y + pad + ring_r + 1)
        cv2.circle(image, centre, ring_r, colour, max(1, thickness // 2), cv2.LINE_AA)


def _point(xy: NDArray[np.floating[Any]]) -> tuple[int, int]:
    return (round(float(xy[0])), round(float(xy[1])))


def _finite(xy: NDArray[np.floating[Any]]) -> bool:
    return bool(np.all(np.isfinite(xy)))


def draw_angle_arc(
    image: NDArray[np.uint8],
    vertex: NDArray[np.floating[Any]],
    toward_a: NDArray[np.floating[Any]],
    toward_b: NDArray[np.floating[Any]],
    radius: int,
    colour: RGB = ARC_RGB,
) -> None:
    """Draw the smaller arc at ``vertex`` between the directions to ``toward_a`` and ``toward_b``.

    Angles follow OpenCV's ``ellipse``: degrees, 0 along ``+x``, growing clockwise on screen
    (because ``y`` points down).
    """
    thickness, _ = _scale_style(image)
    a = math.degrees(math.atan2(float(toward_a[1] - vertex[1]), float(toward_a[0] - vertex[0])))
    b = math.degrees(math.atan2(float(toward_b[1] - vertex[1]), float(toward_b[0] - vertex[0])))
    sweep = (b - a) % 360.0
    start, end = (a, a + sweep) if sweep <= 180.0 else (b, b + (360.0 - sweep))
    # A translucent filled wedge makes small angles visible; the outline keeps it crisp.
    wedge = image.copy()
    cv2.ellipse(wedge, _point(vertex), (radius, radius), 0.0, start, end, colour, -1, cv2.LINE_AA)
    cv2.addWeighted(wedge, 0.35, image, 0.65, 0.0, dst=image)
    cv2.ellipse(
        image, _point(vertex), (radius, radius), 0.0, start, end, colour, thickness, cv2.LINE_AA
    )


def _dashed_line(
    image: NDArray[np.uint8],
    start: NDArray[np.floating[Any]],
    end: NDArray[np.floating[Any]],
    colour: RGB,
    thickness: int,
) -> None:
    """A dashed line (a reference, not a body segment)."""
    length = float(np.hypot(*(end - start)))
    dash = max(6.0, 3.0 * thickness)
    steps = max(1, int(length // dash))
    for k in range(0, steps, 2):
        a = start + (end - start) * (k / steps)
        b = start + (end - start) * (min(k + 1, steps) / steps)
        cv2.line(image, _point(a), _point(b), colour, thickness, cv2.LINE_AA)


def draw_skeleton(image: NDArray[np.uint8], xy: NDArray[np.floating[Any]],
                  visibility: NDArray[np.floating[Any]]) -> None:
    """Draw the thin skeleton and the joints (not the face) on ``image``, in place.

    Landmarks seen less than :data:`VISIBLE_THRESHOLD` are drawn grey (edges) or hollow
    (joints).
    """
    thickness, _ = _scale_style(image)
    for i, j in SKELETON_EDGES:
        if _finite(xy[i]) and _finite(xy[j]):
            seen = min(float(visibility[i]), float(visibility[j])) >= VISIBLE_THRESHOLD
            colour = SKELETON_RGB if seen else (140, 140, 140)
            cv2.line(image, _point(xy[i]), _point(xy[j]), colour, max(1, thickness // 2),
                     cv2.LINE_AA)
    for k in range(xy.shape[0]):
        if k > 10 and _finite(xy[k]):  # face points clutter the picture; skip 1..10
            filled = -1 if float(visibility[k]) >= VISIBLE_THRESHOLD else 1
            cv2.circle(image, _point(xy[k]), _joint_radius(thickness), SKELETON_RGB, filled,
                       cv2.LINE_AA)


def draw_measured_chain(image: NDArray[np.uint8],
                        points: Sequence[NDArray[np.floating[Any]]]) -> None:
    """Draw one measured chain of body points thick, with large joints, in place."""
    thickness, _ = _scale_style(image)
    for p, q in itertools.pairwise(points):
        cv2.line(image, _point(p), _point(q), SEGMENT_RGB, thickness * 2, cv2.LINE_AA)
    for p in points:
        cv2.circle(image, _point(p), _joint_radius(thickness) + thickness, SEGMENT_RGB, -1,
                   cv2.LINE_AA)


def draw_chain_angle(image: NDArray[np.uint8], points: Sequence[NDArray[np.floating[Any]]],
                     roll_deg: float = 0.0) -> tuple[int, int] | None:
    """Draw the angle one chain measures, with its reference line, in place.

    With three or more points the angle is at the second point, between the first segment
    continued straight on (dashed; rom's joint angles are 0° when the limb is straight)
    and the next segment.  With two points it is at the lower end (larger ``y``), between
    true vertical (solid; tilted by the camera's ``roll_deg``, clockwise on screen) and
    the segment.

    Returns
    -------
    (int, int) or None
        Top-left pixel for the value's label beside the arc; None when the chain defines
        no angle (fewer than two points, or a first segment of no length), nothing drawn.
    """
    thickness, _ = _scale_style(image)
    arc_r = _arc_radius(image)
    if len(points) >= 3:
        vertex = points[1]
        along = vertex - points[0]
        length = float(np.hypot(*along))
        if length == 0.0:
            return None
        reach = max(float(np.hypot(*(points[2] - vertex))) * 0.6, arc_r * 1.5)
        straight_on = vertex + along / length * reach
        radius = arc_r
        draw_angle_arc(image, vertex, straight_on, points[2], radius, ARC_RGB)
        _dashed_line(image, vertex, straight_on, REFERENCE_RGB, thickness)
    elif len(points) == 2:
        lower, upper = ((points[0], points[1]) if points[0][1] >= points[1][1]
                        else (points[1], points[0]))
        length = float(np.hypot(*(upper - lower)))
        roll = math.radians(roll_deg)
        up = np.array([math.sin(roll), -math.cos(roll)])
        top = lower + up * max(length, arc_r * 1.5)
        radius = max(arc_r, int(0.4 * length))
        draw_angle_arc(image, lower, top, upper, radius, ARC_RGB)
        cv2.line(image, _point(lower), _point(top), REFERENCE_RGB, thickness, cv2.LINE_AA)
        vertex = lower
    else:
        return None
    return (int(vertex[0]) + arc_r // 2 + 2 * thickness, int(vertex[1]) - radius)


def draw_pose(
    image: NDArray[np.uint8],
    xy: NDArray[np.floating[Any]],
    visibility: NDArray[np.floating[Any]],
    segments: Sequence[Sequence[int]] = (),
    *,
    value_text: str | None = None,
    degrees: bool = False,
    roll_deg: float = 0.0,
    caption: str | None = None,
    caption_colour: RGB = (255, 255, 255),
) -> NDArray[np.uint8]:
    """A copy of ``image`` with the skeleton, measured segments and the angle drawn.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3), uint8, RGB
    xy : ndarray, shape (33, 2)
        Landmark pixels in ``image``'s coordinates; NaN where unknown.
    visibility : ndarray, shape (33,)
        MediaPipe visibility in [0, 1]; faint drawing below :data:`VISIBLE_THRESHOLD`.
    segments : sequence of landmark-index chains
        The body segments the measurement uses, drawn thick.  With ``degrees``, the first
        complete chain that defines an angle has it drawn (:func:`draw_chain_angle`).
    value_text : str, optional
        Running value drawn beside the angle (e.g. ``"42"``).
    degrees : bool
        Draw the angle arc, and a degree ring after ``value_text``.
    roll_deg : float
        Camera roll, clockwise on screen, as in :mod:`rom.calibration`.
    caption : str, optional
        Text drawn in the top-left corner (e.g. ``"PEAK"``).
    """
    out = image.copy()
    thickness, _ = _scale_style(out)
    draw_skeleton(out, xy, visibility)
    chains = [[xy[k] for k in chain] for chain in segments]
    chains = [pts for pts in chains if pts and all(_finite(p) for p in pts)]
    # The angle first (under the segments), on the first chain that defines one.
    anchors = (draw_chain_angle(out, pts, roll_deg) for pts in (chains if degrees else []))
    label_anchor = next((anchor for anchor in anchors if anchor is not None), None)
    for pts in chains:
        draw_measured_chain(out, pts)
    if value_text is not None:
        if label_anchor is None:
            label_anchor = (out.shape[1] // 20, out.shape[0] // 20 + 4 * thickness * 8)
        draw_label(out, value_text, label_anchor, degrees=degrees)
    if caption:
        draw_label(out, caption, (thickness * 4, thickness * 4), colour=caption_colour)
    return out


def _joint_radius(thickness: int) -> int:
    return max(3, thickness + 1)


def _arc_radius(image: NDArray[np.uint8]) -> int:
    return max(24, int(min(image.shape[:2]) * 0.09))


# -- frames of a video + track ------------------------------------------------------------


def _resize_factor(frame_size: tuple[int, int], max_side: int) -> float:
    return min(1.0, max_side / max(frame_size))


def _even(n: float) -> int:
    return max(2, round(n / 2.0) * 2)


def annotate_track_row(
    image: NDArray[np.uint8],
    track: PoseTrack,
    row: int | None,
    trial: TrialResult,
    *,
    roll_deg: float = 0.0,
    caption: str | None = None,
    caption_colour: RGB = (255, 255, 255),
    region: tuple[float, float, float, float] | None = None,
) -> NDArray[np.uint8]:
    """Draw row ``row`` of ``track`` (scaled to ``image``'s size) and the trial's value.

    ``image`` shows ``region`` ``(x0, y0, x1, y1)`` of the track's frame, in track pixels
    (default: the whole frame), at any size; landmarks are mapped onto it.
    """
    if row is None or not bool(track.detected[row]):
        out = image.copy()
        draw_label(out, "no person found", (8, 8), colour=hex_to_rgb(OKABE_ITO["yellow"]))
        return out
    x0, y0, x1, y1 = region if region is not None else (0.0, 0.0, *map(float, track.frame_size))
    scale = np.array([image.shape[1] / (x1 - x0), image.shape[0] / (y1 - y0)])
    xy = (track.image_xy[row].astype(np.float64) - np.array([x0, y0])) * scale
    unit = str(trial.measurement.unit)
    value = float(trial.values[row]) if row < len(trial.values) else float("nan")
    peak_value = trial.measurement.value
    # The running angle in whole degrees; other units as the report prints them.
    value_text = format_value(value, unit, digits=0 if unit == "deg" else None, plain=True)
    if row == trial.measurement.peak_frame and peak_value is not None:
        # At the peak show the reported number (a held peak, not one frame's reading).
        value_text = format_value(float(peak_value), unit, plain=True)
        if not bool(trial.measurement.reliable):
            # Never a bare number for an unreliable measurement, on video or on paper.
            caption = f"{caption} - UNRELIABLE" if caption else "UNRELIABLE"
            caption_colour = hex_to_rgb(OKABE_ITO["yellow"])
    out = draw_pose(
        image,
        xy,
        track.visibility[row],
        trial.segments,
        value_text=value_text,
        degrees=unit == "deg",
        roll_deg=roll_deg,
        caption=caption,
        caption_colour=caption_colour,
    )
    # The measured leg in the top-right corner (draw_label keeps the box inside the image);
    # the top-left holds the PEAK caption.
    thickness, _ = _scale_style(out)
    draw_label(out, measured_side(str(trial.measurement.side), plain=True),
               (out.shape[1], thickness * 4))
    return out


def _row_for_frames(track: PoseTrack, frame_index: int, max_gap: int) -> int | None:
    """Track row analysed at or just before decoded frame ``frame_index`` (None if too far)."""
    if len(track) == 0:
        return None
    pos = int(np.searchsorted(track.frame_indices, frame_index, side="right")) - 1
    if pos < 0:
        return None
    if frame_index - int(track.frame_indices[pos]) > max_gap:
        return None
    return pos


def render_video(
    video_path: str | Path,
    track: PoseTrack,
    trial: TrialResult,
    out_path: str | Path,
    *,
    roll_deg: float = 0.0,
    max_side: int = DEFAULT_MAX_SIDE,
    progress: Callable[[int, int], None] | None = None,
    frames: Iterable[Any] | None = None,
) -> Path:
    """Write the annotated video as browser-playable H.264 MP4.

    Parameters
    ----------
    video_path : path
        The video the track was made from (read with :func:`rom.video.iter_frames`).
    track : PoseTrack
    trial : TrialResult
        Supplies the per-frame values, the segments and the peak frame.
    out_path : path
        Destination ``.mp4``; written to a temporary name and renamed when complete.
    roll_deg : float
        Camera roll for the drawn vertical reference.
    max_side : int
        Longest side of the output in pixels (never upscaled).
    progress : callable(done, total), optional
    frames : iterable of rom.video.Frame, optional
        Frames to draw on instead of decoding ``video_path`` (used by tests).

    Returns
    -------
    Path
        ``out_path``.
    """
    out_path = Path(out_path)
    factor = _resize_factor(track.frame_size, max_side)
    width, height = _even(track.frame_size[0] * factor), _even(track.frame_size[1] * factor)
    peak_row = trial.measurement.peak_frame
    fps = track.fps or 30.0
    stride = max(1, int(np.median(np.diff(track.frame_indices)))) if len(track) > 1 else 1
    total = int(track.frame_indices[-1]) + 1 if len(track) else 0

    if frames is None:
        frames = iter_frames(video_path, max_long_side=max_side)

    with H264Writer(out_path, fps, (width, height)) as writer:
        for frame in frames:
            image = np.asarray(
                cv2.resize(frame.image, (width, height), interpolation=cv2.INTER_AREA), np.uint8
            )
            row = _row_for_frames(track, int(frame.index), max_gap=stride)
            caption = "PEAK" if peak_row is not None and row == peak_row else None
            drawn = annotate_track_row(
                image, track, row, trial,
                roll_deg=roll_deg, caption=caption, caption_colour=PEAK_RGB,
            )
            # Keep the true (possibly variable) timestamps so the video matches the chart.
            writer.write(drawn, float(frame.time_s))
            if progress is not None:
                progress(int(frame.index) + 1, max(total, int(frame.index) + 1))
    return out_path


def key_frame(
    video_path: str | Path,
    track: PoseTrack,
    trial: TrialResult,
    *,
    roll_deg: float = 0.0,
    max_side: int = DEFAULT_MAX_SIDE,
    frames: Iterable[Any] | None = None,
    crop_to_person: bool = True,
) -> NDArray[np.uint8] | None:
    """The annotated frame at the measurement's peak, RGB ``uint8``; ``None`` without a peak.

    With ``crop_to_person`` the image is cut to the person (all landmarks plus a margin),
    so the measured joint is large enough to see in a report.
    """
    peak_row = trial.measurement.peak_frame
    if peak_row is None or not 0 <= peak_row < len(track):
        return None
    wanted = int(track.frame_indices[peak_row])
    if frames is None:
        frames = iter_frames(video_path)
    for frame in frames:
        if int(frame.index) == wanted:
            width, height = track.frame_size
            region = (0.0, 0.0, float(width), float(height))
            if crop_to_person and bool(track.detected[peak_row]):
                region = person_region(track.image_xy[peak_row], (width, height))
            x0, y0, x1, y1 = region
            fx, fy = frame.image.shape[1] / width, frame.image.shape[0] / height
            crop = frame.image[round(y0 * fy) : round(y1 * fy), round(x0 * fx) : round(x1 * fx)]
            factor = max_side / max(crop.shape[:2])
            size = (_even(crop.shape[1] * factor), _even(crop.shape[0] * factor))
            image = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), np.uint8)
            return annotate_track_row(image, track, peak_row, trial, roll_deg=roll_deg,
                                      region=region)
        if int(frame.index) > wanted:
            break
    return None


def person_region(
    xy: NDArray[np.floating[Any]], frame_size: tuple[int, int], margin: float = 0.15
) -> tuple[float, float, float, float]:
    """Box ``(x0, y0, x1, y1)`` around the finite landmarks ``xy`` (33, 2), in pixels.

    Grown by ``margin`` of the box's larger side on every side, and clipped to the frame.
    """
    finite = xy[np.all(np.isfinite(xy), axis=1)]
    width, height = frame_size
    if len(finite) == 0:
        return (0.0, 0.0, float(width), float(height))
    lo, hi = finite.min(axis=0), finite.max(axis=0)
    pad = margin * float(max(hi - lo)) + 8.0
    x0, y0 = max(0.0, float(lo[0]) - pad), max(0.0, float(lo[1]) - pad)
    x1, y1 = min(float(width), float(hi[0]) + pad), min(float(height), float(hi[1]) + pad)
    if x1 - x0 < 16 or y1 - y0 < 16:  # degenerate: keep the whole frame
        return (0.0, 0.0, float(width), float(height))
    return (x0, y0, x1, y1)


def png_bytes(image: NDArray[np.uint8]) -> bytes:
    """Encode an RGB image as PNG."""
    ok, buf = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - OpenCV only fails on empty images
        raise ValueError("could not encode image as PNG")
    return bytes(buf)
