"""Print rom's calibration marker: an A4 PDF with the ArUco marker at its true size.

Usage::

    rom calibrate marker-pdf --out rom-marker.pdf

The sheet also carries a table of the marker size needed so that the marker is at least
:data:`rom.calibrate.marker.MIN_MARKER_SIDE_PX` wide in the picture, for camera distances
and video resolutions (pinhole camera, horizontal field of view
:data:`PHONE_HORIZONTAL_FOV_DEG` on the frame's long side, landscape).

The marker's dictionary, id and printed size come from :mod:`rom.calibrate.marker`, the
same constants the detector uses.  The marker is drawn as vector squares (no raster
scaling), and a 100 mm ruler lets the user check that the printer did not scale the page.
"""

from __future__ import annotations

import math
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.pdfgen.canvas import FILL_NON_ZERO

from rom.calibrate.marker import (
    MARKER_DICTIONARY_NAME,
    MARKER_ID,
    MARKER_SIZE_MM,
    MIN_MARKER_SIDE_PX,
    marker_cells,
)

RULER_MM = 100.0
#: Typical main phone camera, horizontal field of view across the long side (degrees).
PHONE_HORIZONTAL_FOV_DEG = 68.0
#: Rows of the size table: camera distances, metres.
TABLE_DISTANCES_M = (2.0, 3.0, 4.0)
#: Columns of the size table: name and long side of the frame in pixels.
TABLE_RESOLUTIONS = (("360p", 640), ("480p", 854), ("720p", 1280), ("1080p", 1920))


def marker_size_needed_cm(
    distance_m: float, long_side_px: int, *, fov_deg: float = PHONE_HORIZONTAL_FOV_DEG,
    min_side_px: float = MIN_MARKER_SIDE_PX,
) -> float:
    """Printed marker side (cm) that appears ``min_side_px`` wide at ``distance_m``.

    Pinhole camera: focal length ``f = (W / 2) / tan(fov / 2)`` px, and an object of size
    ``s`` at distance ``d`` spans ``f * s / d`` px, so ``s = min_side_px * d / f``.

    Parameters
    ----------
    distance_m : float
        Camera to wall, metres.
    long_side_px : int
        Width of the landscape frame, pixels.
    fov_deg : float
        Horizontal field of view over ``long_side_px``, degrees.
    min_side_px : float

    Returns
    -------
    float
        Centimetres.
    """
    focal_px = (long_side_px / 2.0) / math.tan(math.radians(fov_deg) / 2.0)
    return 100.0 * min_side_px * distance_m / focal_px


def size_table_lines() -> list[str]:
    """The size table as text lines (header first), sizes rounded up to whole cm."""
    header = "distance " + "  ".join(f"{name:>6}" for name, _ in TABLE_RESOLUTIONS)
    lines = [header]
    for distance in TABLE_DISTANCES_M:
        cells = "  ".join(
            # Rounded up: a larger marker is always fine.
            f"{math.ceil(marker_size_needed_cm(distance, width)):3d} cm"
            for _, width in TABLE_RESOLUTIONS
        )
        lines.append(f"{distance:.0f} m       {cells}")
    return lines

INSTRUCTIONS = (
    '1. Print at 100 % ("actual size", no "fit to page"). Check the ruler: it must be 100 mm.',
    "2. Tape the sheet flat on a wall or door that faces the camera, arrow pointing up,",
    "    at about hip height, beside where you will stand. Make its side edges truly vertical",
    "    (a spirit level, a level app or a door frame helps): rom takes true vertical from it.",
    "3. Keep the whole marker, with its white margin, in the picture and in focus.",
    "4. The marker's scale (cm per pixel) holds at the wall's distance from the camera:",
    "    stand as close to that wall as the test allows, or enter your height instead.",
)


def _draw_marker(pdf: canvas.Canvas, left: float, bottom: float, side: float) -> None:
    """Draw the marker's black cells as one filled path.

    One path (not one rectangle per cell) so that viewers and printers rasterise shared
    cell edges together and leave no hairline seams between neighbouring black cells.
    """
    cells = marker_cells()
    n = cells.shape[0]
    cell = side / n
    path = pdf.beginPath()
    for row in range(n):
        y = bottom + (n - 1 - row) * cell  # row 0 is the top of the marker
        for col in range(n):
            if cells[row, col]:
                path.rect(left + col * cell, y, cell, cell)
    pdf.setFillColorRGB(0, 0, 0)
    pdf.drawPath(path, stroke=0, fill=1, fillMode=FILL_NON_ZERO)


def _draw_ruler(pdf: canvas.Canvas, left: float, y: float) -> None:
    pdf.setLineWidth(0.4)
    pdf.line(left, y, left + RULER_MM * mm, y)
    for tick in range(int(RULER_MM) + 1):
        length = 5 * mm if tick % 10 == 0 else (3.5 * mm if tick % 5 == 0 else 2 * mm)
        x = left + tick * mm
        pdf.line(x, y, x, y + length)
        if tick % 10 == 0:
            pdf.setFont("Helvetica", 7)
            pdf.drawCentredString(x, y + 6.5 * mm, f"{tick // 10}")
    pdf.setFont("Helvetica", 8)
    pdf.drawString(left + RULER_MM * mm + 3 * mm, y + 1 * mm, "cm — this ruler must measure 100 mm")


def _draw_up_arrow(pdf: canvas.Canvas, x: float, bottom: float, height: float) -> None:
    pdf.setLineWidth(1.5)
    pdf.line(x, bottom, x, bottom + height)
    head = height * 0.35
    path = pdf.beginPath()
    path.moveTo(x, bottom + height)
    path.lineTo(x - head * 0.6, bottom + height - head)
    path.lineTo(x + head * 0.6, bottom + height - head)
    path.close()
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.setFont("Helvetica-Bold", 10)
    pdf.drawString(x + 4 * mm, bottom + height * 0.3, "UP")


def _draw_size_table(pdf: canvas.Canvas, left: float, top: float, printed_mm: float) -> None:
    pdf.setFont("Helvetica-Bold", 8)
    pdf.drawString(
        left, top,
        f"Marker size needed (cm) to be {MIN_MARKER_SIDE_PX:.0f} px wide "
        f"(phone, {PHONE_HORIZONTAL_FOV_DEG:.0f} deg horizontal field of view, landscape); "
        f"this one is {printed_mm / 10:.0f} cm:",
    )
    pdf.setFont("Courier", 8)
    for i, line in enumerate(size_table_lines()):
        pdf.drawString(left, top - (4 + 3.6 * i) * mm, line)


def build_marker_pdf(path: Path, size_cm: float | None = None) -> Path:
    """Write the one-page A4 marker sheet to ``path`` and return it.

    Parameters
    ----------
    path : Path
    size_cm : float, optional
        Printed side of the black square; :data:`MARKER_SIZE_MM` by default.  Another
        size gives the right roll but the wrong scale unless rom is told the size.

    Raises
    ------
    ValueError
        A size that does not fit the page (4-17 cm).
    """
    page_w, page_h = A4
    size_mm = MARKER_SIZE_MM if size_cm is None else 10.0 * size_cm
    if not 40.0 <= size_mm <= 170.0:
        raise ValueError(f"marker size must be 4-17 cm to fit an A4 sheet, not {size_mm / 10} cm")
    side = size_mm * mm
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(f"rom calibration marker ({MARKER_DICTIONARY_NAME} id {MARKER_ID})")
    pdf.setAuthor("rom")

    top = page_h - 18 * mm
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(20 * mm, top, "rom calibration marker — true vertical and scale")
    pdf.setFont("Helvetica", 9)
    for i, line in enumerate(INSTRUCTIONS):
        pdf.drawString(20 * mm, top - (8 + 4.6 * i) * mm, line)

    _draw_size_table(pdf, 20 * mm, top - (10 + 4.6 * len(INSTRUCTIONS)) * mm, size_mm)
    marker_left = (page_w - side) / 2
    marker_bottom = 44 * mm  # leaves room for the arrow under the size table
    _draw_up_arrow(pdf, page_w / 2, marker_bottom + side + 6 * mm, 14 * mm)
    _draw_marker(pdf, marker_left, marker_bottom, side)

    _draw_ruler(pdf, 20 * mm, 20 * mm)
    pdf.setFont("Helvetica", 7)
    pdf.drawString(
        20 * mm,
        10 * mm,
        f"ArUco {MARKER_DICTIONARY_NAME}, id {MARKER_ID}, black square {size_mm:.0f} mm "
        "wide. Keep the white margin around it."
        + ("" if size_mm == MARKER_SIZE_MM else
           f" rom's scale assumes {MARKER_SIZE_MM:.0f} mm: this size gives the roll only."),
    )
    pdf.showPage()
    pdf.save()
    return path
