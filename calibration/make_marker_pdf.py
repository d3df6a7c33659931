"""Print rom's calibration marker: an A4 PDF with the ArUco marker at its true size.

Usage::

    .venv/bin/python calibration/make_marker_pdf.py [--out rom-marker.pdf]

The marker's dictionary, id and printed size come from :mod:`rom.calibrate.marker`, the
same constants the detector uses.  The marker is drawn as vector squares (no raster
scaling), and a 100 mm ruler lets the user check that the printer did not scale the page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.pdfgen.canvas import FILL_NON_ZERO

from rom.calibrate.marker import MARKER_DICTIONARY_NAME, MARKER_ID, MARKER_SIZE_MM, marker_cells

RULER_MM = 100.0

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


def build_marker_pdf(path: Path) -> Path:
    """Write the one-page A4 marker sheet to ``path`` and return it."""
    page_w, page_h = A4
    side = MARKER_SIZE_MM * mm
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(f"rom calibration marker ({MARKER_DICTIONARY_NAME} id {MARKER_ID})")
    pdf.setAuthor("rom")

    top = page_h - 18 * mm
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(20 * mm, top, "rom calibration marker — true vertical and scale")
    pdf.setFont("Helvetica", 9)
    for i, line in enumerate(INSTRUCTIONS):
        pdf.drawString(20 * mm, top - (8 + 4.6 * i) * mm, line)

    marker_left = (page_w - side) / 2
    marker_bottom = 50 * mm
    _draw_up_arrow(pdf, page_w / 2, marker_bottom + side + 6 * mm, 14 * mm)
    _draw_marker(pdf, marker_left, marker_bottom, side)

    _draw_ruler(pdf, 20 * mm, 20 * mm)
    pdf.setFont("Helvetica", 7)
    pdf.drawString(
        20 * mm,
        10 * mm,
        f"ArUco {MARKER_DICTIONARY_NAME}, id {MARKER_ID}, black square {MARKER_SIZE_MM:.0f} mm "
        "wide. Keep the white margin around it.",
    )
    pdf.showPage()
    pdf.save()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write rom's printable calibration marker.")
    parser.add_argument("--out", type=Path, default=Path("rom-marker.pdf"), help="PDF to write")
    args = parser.parse_args(argv)
    path = build_marker_pdf(args.out)
    print(f"wrote {path} — print at 100 % and check the 100 mm ruler")
    return 0


if __name__ == "__main__":
    sys.exit(main())
