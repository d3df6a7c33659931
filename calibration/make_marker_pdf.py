"""Thin wrapper kept for old instructions: use ``rom calibrate marker-pdf --out FILE.pdf``."""

from __future__ import annotations

import sys
from pathlib import Path

from rom.calibrate.marker_pdf import build_marker_pdf

if __name__ == "__main__":
    out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else Path(
        "rom-marker.pdf"
    )
    print(f"wrote {build_marker_pdf(out)} — print at 100 % and check the 100 mm ruler")
