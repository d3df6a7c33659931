"""``rom calibrate``: lens profile from checkerboard views, or roll/scale from rom's marker.

* ``rom calibrate --checkerboard 9x6 --square-mm 25 IMG... --out profile.json`` finds the
  board (inner corners COLSxROWS) in images and/or videos, calibrates the lens and writes
  a camera profile (see :mod:`rom.calibrate.profile`).
* ``rom calibrate --marker VIDEO_OR_IMAGE`` reports the camera roll and the wall-plane
  scale from the printed marker, with their spread and uncertainty, or why it was rejected.
* ``rom calibrate marker-pdf --out marker.pdf [--size-cm N]`` writes the printable marker
  sheet (:mod:`rom.calibrate.marker_pdf`), with the table of marker sizes per distance and
  resolution.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rom.calibrate.intrinsics import calibrate_from_files, parse_board_size
from rom.calibrate.marker import (
    MARKER_DICTIONARY_NAME,
    MARKER_ID,
    MarkerRejection,
    find_marker_in_video,
)
from rom.calibrate.profile import load_camera_profile, save_camera_profile
from rom.errors import CalibrationError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``calibrate`` sub-command to the ``rom`` parser."""
    parser = subparsers.add_parser(
        "calibrate",
        help="lens profile from a checkerboard, or camera roll and scale from the marker",
        description=(
            "Calibrate the lens from checkerboard photos/videos (--checkerboard), measure "
            "camera roll and scale from rom's printed ArUco marker (--marker), or write the "
            "printable marker: rom calibrate marker-pdf --out marker.pdf [--size-cm N]."
        ),
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="IMAGE_OR_VIDEO",
        help="input files, or the word marker-pdf to write the marker sheet",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--checkerboard",
        metavar="COLSxROWS",
        help="inner corners of the board (squares minus one each way), e.g. 9x6",
    )
    mode.add_argument(
        "--marker",
        action="store_true",
        help=f"find the printed marker ({MARKER_DICTIONARY_NAME} id {MARKER_ID})",
    )
    parser.add_argument("--square-mm", type=float, help="checkerboard square side in mm")
    parser.add_argument(
        "--out", help="camera profile JSON (with --checkerboard) or the PDF (marker-pdf) to write"
    )
    parser.add_argument(
        "--size-cm", type=float, help="with marker-pdf: side of the printed black square, cm"
    )
    parser.add_argument(
        "--profile", help="with --marker: camera profile JSON (undistorts the marker first)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the chosen calibration; returns the exit code."""
    if args.inputs == ["marker-pdf"]:
        return _run_marker_pdf(args)
    if args.marker:
        return _run_marker(args)
    if args.checkerboard is None:
        raise CalibrationError("choose --checkerboard COLSxROWS, --marker, or marker-pdf")
    if args.square_mm is None or args.out is None:
        raise CalibrationError("--checkerboard needs --square-mm and --out")
    cols, rows = parse_board_size(args.checkerboard)
    result, without_board = calibrate_from_files(args.inputs, cols, rows, args.square_mm)
    path = save_camera_profile(result, args.out, cols=cols, rows=rows, square_mm=args.square_mm)
    k = result.camera_matrix
    summary = {
        "profile": str(path),
        "views_used": result.n_views,
        "views_without_board": list(without_board),
        "views_rejected": result.views_rejected,
        "rms_reprojection_px": round(result.rms_px, 3),
        "fx_px": round(float(k[0, 0]), 2),
        "fy_px": round(float(k[1, 1]), 2),
        "cx_px": round(float(k[0, 2]), 2),
        "cy_px": round(float(k[1, 2]), 2),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"wrote {path}")
    print(f"  views used        {result.n_views} (board not found in {len(without_board)})")
    for source, reason in result.views_rejected.items():
        print(f"  rejected          {source}: {reason}")
    print(f"  reprojection RMS  {result.rms_px:.3f} px")
    print(f"  focal length      fx {k[0, 0]:.1f} px, fy {k[1, 1]:.1f} px")
    print(f"  principal point   ({k[0, 2]:.1f}, {k[1, 2]:.1f}) px")
    if result.n_views < 10:
        print("  note: fewer than 10 views; more varied views give a steadier calibration")
    return 0


def _run_marker(args: argparse.Namespace) -> int:
    if len(args.inputs) != 1:
        raise CalibrationError("--marker takes one video or image")
    profile = load_camera_profile(args.profile) if args.profile else None
    estimate = find_marker_in_video(args.inputs[0], profile=profile)
    if isinstance(estimate, MarkerRejection):
        raise CalibrationError(
            f"{args.inputs[0]}: {MARKER_DICTIONARY_NAME} id {MARKER_ID} marker not usable "
            f"[{estimate.reason}]: {estimate.message}"
        )
    summary = {
        "roll_deg": round(estimate.roll_deg, 2),
        "roll_spread_deg": round(estimate.roll_spread_deg, 2),
        "roll_uncertainty_deg": round(estimate.roll_uncertainty_deg, 2),
        "cm_per_px": estimate.cm_per_px,
        "cm_per_px_spread": estimate.cm_per_px_spread,
        "frames_with_marker": estimate.frames_with_marker,
        "frames_sampled": estimate.frames_sampled,
        "vertical_convergence_deg": round(estimate.vertical_convergence_deg, 2),
        "camera_pitched": estimate.camera_pitched,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(
        f"camera roll  {estimate.roll_deg:+.2f}° ± {estimate.roll_uncertainty_deg:.2f}° (95 %; "
        f"spread {estimate.roll_spread_deg:.2f}°)"
    )
    if estimate.cm_per_px is None:
        print("scale        none: the marker does not face the camera squarely")
    else:
        spread = 100 * (estimate.cm_per_px_spread or 0.0)
        print(f"scale        {estimate.cm_per_px:.4f} cm/px at the wall (spread {spread:.1f} %)")
        print("             valid for the person only if they stand close to the marker's wall")
    print(f"frames       marker in {estimate.frames_with_marker} of {estimate.frames_sampled}")
    if estimate.camera_pitched:
        convergence = estimate.vertical_convergence_deg
        print(
            f"warning      the marker's sides converge by {convergence:+.1f}°:"
            " the phone is tilted forward/back, so the roll holds only near the marker;"
            " hold the phone upright"
        )
    return 0


def _run_marker_pdf(args: argparse.Namespace) -> int:
    from rom.calibrate.marker_pdf import build_marker_pdf  # reportlab only when printing

    out = Path(args.out) if args.out else Path("rom-marker.pdf")
    try:
        path = build_marker_pdf(out, size_cm=args.size_cm)
    except ValueError as exc:
        raise CalibrationError(str(exc)) from None
    except OSError as exc:
        raise CalibrationError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {path} — print at 100 % and check the 100 mm ruler")
    return 0
