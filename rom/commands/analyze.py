"""``rom analyze VIDEO``: pose track of a video, and optionally one clinical measurement.

Without ``--test`` it prints a summary of the track (frames, share with the person found,
frame rate, duration, model); with ``--test`` it also measures the track and prints the
result. ``--json`` prints one JSON object instead. ``--out`` saves the track (``.npz``).
A progress bar appears only when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rom.errors import RomError
from rom.measurement import Measurement
from rom.pipeline import AnalysisOptions, analyse_trial, track_trial
from rom.pose import PoseTrack
from rom.protocols import TESTS
from rom.refine import AUTO, refine_choice


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value != value or abs(value) == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return value


def _person(text: str) -> int | tuple[float, float]:
    """``N`` (size rank, 0 = largest) or ``X,Y`` (a pixel on the person)."""
    try:
        if "," in text:
            x_text, y_text = text.split(",")
            return float(x_text), float(y_text)
        rank = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a rank like 0 or a pixel like 640,360, not {text!r}"
        ) from None
    if rank < 0:
        raise argparse.ArgumentTypeError("the person rank must be 0 or more")
    return rank


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``analyze`` sub-command to the ``rom`` parser."""
    parser = subparsers.add_parser(
        "analyze",
        help="find the person's pose in a video (and measure a test)",
        description="Track one person's pose landmarks through a video; optionally "
        "measure a mobility test on the track.",
    )
    parser.add_argument("video", type=Path, help="video file (MP4, MOV, ...)")
    parser.add_argument(
        "--model",
        default=None,
        metavar="lite|full|heavy|PATH",
        help="pose model variant or a .task bundle (default: full)",
    )
    parser.add_argument(
        "--refine", type=refine_choice, default=AUTO, metavar="auto|none|heavy|PATH",
        help="with --test: re-read the frames around the measured peak with this more "
        "accurate model and measure again (default auto: hip-extension with heavy when "
        "it is provisioned; none: never)",
    )
    parser.add_argument(
        "--fps", type=positive_float, default=None, metavar="N",
        help="analyse at most N frames per second (default: every frame)",
    )
    parser.add_argument("--out", type=Path, default=None, metavar="TRACK.npz",
                        help="save the pose track to this file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the track cache")
    parser.add_argument(
        "--person", type=_person, default=None, metavar="N|X,Y",
        help="whom to follow: size rank at the start (0 = largest, the default) "
        "or a pixel X,Y on the person in the first frames",
    )
    measure_group = parser.add_argument_group("measurement")
    measure_group.add_argument("--test", choices=TESTS, default=None,
                               help="measure this mobility test")
    measure_group.add_argument("--side", choices=("left", "right", "auto"), default="auto",
                               help="the person's side being tested (default: auto)")
    measure_group.add_argument("--height-cm", type=positive_float, default=None, metavar="N",
                               help="the person's height, for a centimetre scale")
    measure_group.add_argument("--camera", type=Path, default=None, metavar="PROFILE.json",
                               help="camera profile from `rom calibrate`")
    measure_group.add_argument("--roll-deg", type=_finite_float, default=None, metavar="X",
                               help="camera roll in degrees, clockwise on screen "
                               "(overrides the wall marker's)")
    measure_group.add_argument("--no-marker", action="store_true",
                               help="do not look for rom's printed marker on the wall")
    parser.set_defaults(func=run)


def analysis_options(args: argparse.Namespace) -> AnalysisOptions:
    """The parsed options as one :class:`AnalysisOptions`; the lens profile is read and the
    roll checked here, before the analysis, so that a bad option fails at once."""
    options = AnalysisOptions(
        model=args.model, fps=args.fps, person=args.person, side=args.side,
        height_cm=args.height_cm, roll_deg=args.roll_deg, use_marker=not args.no_marker,
        use_cache=not args.no_cache, refine=args.refine,
    )
    return options.with_camera_file(args.camera)


def track_summary(track: PoseTrack, video: Path, out: Path | None) -> dict[str, Any]:
    """JSON-ready facts about a track."""
    frames = len(track)
    detected = int(track.detected.sum())
    duration = float(track.timestamps_s[-1] - track.timestamps_s[0]) if frames else 0.0
    return {
        "video": str(video),
        "video_sha256": track.source_sha256,
        "frames": frames,
        "detected_frames": detected,
        "detected_share": detected / frames if frames else 0.0,
        "fps": track.fps,
        "duration_s": duration,
        "frame_size": list(track.frame_size),
        "model": track.model_name,
        "model_sha256": track.model_sha256,
        "video_truncated": bool(track.settings.get("video_truncated", False)),
        "track": str(out) if out is not None else None,
    }


def _progress_bar() -> tuple[Any, Any]:
    """(callback, bar) drawing a tqdm bar on stderr, or (None, None) off a terminal."""
    if not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=0, unit="frame", desc="analysing", file=sys.stderr, leave=False)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    return update, bar


def run(args: argparse.Namespace) -> int:
    """Analyse (and measure); returns the exit code."""
    options = analysis_options(args)  # bad profile or roll: fail before the analysis
    progress, bar = _progress_bar()
    measurement = None
    try:
        if args.test is not None:
            analysis = analyse_trial(args.video, args.test, options, progress)
            track, measurement = analysis.track, analysis.measurement
        else:
            track = track_trial(args.video, options, progress)
    finally:
        if bar is not None:
            bar.close()
    if args.out is not None:
        try:
            track.save(args.out)
        except OSError as exc:
            raise RomError(f"cannot write {args.out}: {exc.strerror or exc}") from exc
    summary = track_summary(track, args.video, args.out)
    if summary["video_truncated"]:
        print(
            "warning: the video looks truncated or damaged; "
            f"only the {summary['frames']} frames that decoded were analysed",
            file=sys.stderr,
        )

    if args.json:
        payload: dict[str, Any]
        if measurement is not None:
            payload = {**measurement.to_dict(), "track": summary}
        else:
            payload = summary
        print(json.dumps(payload, indent=None, sort_keys=False))
        return 0
    _print_summary(summary)
    if measurement is not None:
        _print_measurement(measurement)
    return 0


def _print_summary(summary: dict[str, Any]) -> None:
    frames, detected = summary["frames"], summary["detected_frames"]
    width, height = summary["frame_size"]
    print(f"video     {summary['video']} ({width}x{height})")
    print(f"frames    {frames} analysed, {summary['fps']:.1f} fps, "
          f"{summary['duration_s']:.2f} s")
    print(f"person    found in {detected} of {frames} frames "
          f"({100 * summary['detected_share']:.0f} %)")
    print(f"model     {summary['model']} (sha256 {summary['model_sha256'][:12]})")
    if summary["track"]:
        print(f"track     saved to {summary['track']}")


def _print_measurement(measurement: Measurement) -> None:
    value = measurement.value
    spread = measurement.uncertainty
    plus_minus = f" ± {spread:.1f}" if spread is not None and value is not None else ""
    shown = "not measurable" if value is None else f"{value:.1f}{plus_minus} {measurement.unit}"
    when = (
        f" at {measurement.peak_time_s:.2f} s" if measurement.peak_time_s is not None else ""
    )
    print(f"{measurement.test} ({measurement.side}): {shown}{when}, "
          f"quality {measurement.quality:.2f}")
    if measurement.comparable and not measurement.reliable:
        print("NOT EXACT ON ITS OWN: use only its change from a reading with the same bias")
    elif not measurement.reliable:
        print("UNRELIABLE: do not use this number as a result")
    for code, text in zip(measurement.reasons, measurement.advice(), strict=True):
        print(f"  - {code}: {text}")
