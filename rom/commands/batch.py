"""``rom batch FOLDER_OR_MANIFEST.csv``: analyse a screening day's clips into the store.

Clips are ``NAME_TEST_SIDE_PHASE.ext`` files in a folder, or the rows of a CSV manifest
(see :mod:`rom.batch`).  Prints one summary line per clip (``--json``: one JSON object).
The exit code is 0 when the batch ran, even if some clips failed (they are in the
summary); 2 for a missing folder, a bad manifest or a bad option.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from rom.batch import (
    FAILED,
    SKIPPED,
    STORED,
    BatchProgress,
    format_table,
    plan_batch,
    run_batch,
    summary_rows,
)
from rom.commands.analyze import positive_float
from rom.pipeline import AnalysisOptions
from rom.refine import AUTO, refine_choice
from rom.store import Store


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1 worker")
    return value


def default_workers() -> int:
    """One worker per two cores: MediaPipe keeps about two busy per video."""
    return max(1, (os.cpu_count() or 2) // 2)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``batch`` sub-command to the ``rom`` parser."""
    parser = subparsers.add_parser(
        "batch",
        help="analyse a folder (or CSV manifest) of clips into the store",
        description="Analyse many clips in parallel and store every measurement. Clips are "
        "files named NAME_TEST_SIDE_PHASE.ext (e.g. ana_knee-flexion_left_pre.mp4; without "
        "NAME they belong to --person) or the rows of a CSV manifest with the columns "
        "video, person, test, side, phase[, height_cm, session]. Clips already stored are "
        "skipped, so running it again resumes.",
    )
    parser.add_argument("source", type=Path, metavar="FOLDER_OR_MANIFEST.csv")
    parser.add_argument("--workers", type=_workers, default=default_workers(), metavar="N",
                        help="worker processes (default: %(default)s)")
    parser.add_argument("--db", metavar="URL", default=None,
                        help="database URL (default: $ROM_DATABASE_URL or the local SQLite file)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--person", default=None, metavar="NAME",
                        help="person of clips named without NAME (default: the folder's name)")
    parser.add_argument("--model", default=None, metavar="lite|full|heavy|PATH",
                        help="pose model variant or a .task bundle (default: full)")
    parser.add_argument("--refine", type=refine_choice, default=AUTO,
                        metavar="auto|none|heavy|PATH",
                        help="re-read the frames around each measured peak with this more "
                        "accurate model and measure again (default auto: hip-extension "
                        "with heavy when it is provisioned; none: never)")
    parser.add_argument("--fps", type=positive_float, default=None, metavar="N",
                        help="analyse at most N frames per second (default: every frame)")
    parser.add_argument("--camera", type=Path, default=None, metavar="PROFILE.json",
                        help="camera profile from `rom calibrate` (one camera for all clips)")
    parser.add_argument("--no-marker", action="store_true",
                        help="do not look for rom's printed marker on the wall")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the track cache")
    parser.set_defaults(func=run)


def _progress_bar(total_hint: int) -> tuple[BatchProgress | None, Callable[[], None]]:
    """(callback, close) of a tqdm bar of finished clips on stderr; no bar off a terminal."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total_hint, unit="clip", desc="batch", file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return update, bar.close


def run(args: argparse.Namespace) -> int:
    """Plan, run and summarise the batch; returns the exit code."""
    options = AnalysisOptions(
        model=args.model, fps=args.fps, use_marker=not args.no_marker,
        use_cache=not args.no_cache, refine=args.refine,
    ).with_camera_file(args.camera)
    plan = plan_batch(args.source, args.person)
    progress, close_bar = _progress_bar(len(plan.clips))
    try:
        with Store(args.db) as store:
            outcomes = run_batch(plan, store, options, workers=args.workers, progress=progress)
    finally:
        close_bar()
    counts = {status: sum(o.status == status for o in outcomes)
              for status in (STORED, SKIPPED, FAILED)}
    if args.json:
        print(json.dumps({"clips": [asdict(o) for o in outcomes], **counts}))
        return 0
    print(format_table(summary_rows(outcomes)))
    print(f"{counts[STORED]} stored, {counts[SKIPPED]} skipped (already stored), "
          f"{counts[FAILED]} failed")
    return 0
