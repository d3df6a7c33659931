"""Accuracy of rom against synthetic ground truth, per test.

    .venv/bin/python benchmarks/accuracy.py                 # sample_videos/ + .cache/synth/
    .venv/bin/python benchmarks/accuracy.py --generate 8    # first render 8 more clips (4 pairs)
    .venv/bin/python benchmarks/accuracy.py --seed 7 --generate 40   # a fresh seed's set
    .venv/bin/python benchmarks/accuracy.py --model full+heavy --dirs DIR   # refined

``--model`` is ``lite``, ``full``, ``heavy``, a ``.task`` path (none of them refined), or a
refinement setting ``MODEL+REFINING_MODEL`` such as ``full+heavy`` (track with the first,
re-read the frames around the peak with the second, see :mod:`rom.refine`); without it
rom runs with its defaults (full, and each test's default refinement,
:data:`rom.refine.DEFAULT_REFINEMENT`).  ``--seed S`` reads (and
with ``--generate`` first renders) the generator's set of seed ``S`` in
``--cache/seedS`` (``hard-seedS`` with ``--hard``).

For every clip (``*.mp4`` with its ground-truth ``*.json``, see ``tools/synth``) rom is run
three ways, so that each error source is seen on its own:

* ``geometry``  rom's measurement on the *true* 2D landmarks with the true roll (and, for
  toe-touch, the true scale at the person): definitions, filtering and projection only.
* ``pose``      rom on the video (MediaPipe) with the true roll and scale: adds the pose
  model's error.
* ``rom``       rom on the video as a user runs it: roll and scale from the wall marker
  when there is one (else the camera is assumed level and toe-touch is scaled from the
  stated body height): adds calibration error.  This is the number that counts.

Printed per test and mode: trials, mean absolute error (MAE), 95th percentile absolute
error, bias (mean signed error, measured - true) and the share of trials rom flagged
unreliable (errors are over all trials that gave a value in the true unit); on the
``rom`` line also the pre/post change error (mean absolute and largest, over the pairs)
and how many pairs' verdicts (improved, worse, or no change beyond the MDC, by
:func:`rom.compare.change`) agree with the truth's.  Then the change error of every
pair.  The last line is ``worst_mae_deg <value>``: the largest ``rom`` MAE among the
angle tests.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rom.compare import change  # noqa: E402
from rom.errors import CalibrationError, RomError  # noqa: E402
from rom.measurement import Measurement  # noqa: E402
from rom.pipeline import (  # noqa: E402
    AnalysisOptions,
    TrialAnalysis,
    analyse_trial,
    remeasure,
)
from rom.protocols import measure  # noqa: E402
from rom.refine import AUTO, parse_model_spec  # noqa: E402
from rom.vocabulary import PHASES  # noqa: E402
from tools.synth import groundtruth  # noqa: E402
from tools.synth.groundtruth import GroundTruth  # noqa: E402

MODES = ("geometry", "pose", "rom")
#: MAE goals of the accuracy issue (11), per test, in the test's unit.
GOALS = {
    "ankle-dorsiflexion": 1.5,
    "knee-flexion": 2.5,
    "knee-flexion-prone": 2.5,
    "hip-extension": 1.5,
    "toe-touch": 1.5,
}


@dataclass
class Trial:
    clip: GroundTruth
    results: dict[str, Measurement | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def error(self, mode: str) -> float | None:
        m = self.results.get(mode)
        if m is None or m.value is None or m.unit != self.clip.doc["unit"]:
            return None
        return float(m.value) - self.clip.true_value


def run_trial(
    clip: GroundTruth,
    model_spec: str | None,
    use_cache: bool,
    user_side: str | None = None,
    height_always: bool = False,
) -> Trial:
    """One clip measured three ways (see the module docstring); ``model_spec`` as ``--model``.

    ``user_side`` is the side the user asks for in the ``rom`` mode (e.g. ``"auto"``, as
    the dashboard defaults to); None gives rom the clip's true side, as before.
    ``height_always``: see :func:`user_analysis`.
    """
    model, refine = parse_model_spec(model_spec)
    if model_spec is None:
        refine = AUTO  # the defaults, each test's default refinement included
    trial = Trial(clip)
    test, side = clip.test, clip.side
    truth_scale = "subject" if test == "toe-touch" else None
    true_cal = clip.calibration(truth_scale)
    # 'geometry' and 'pose' are deliberate references that bypass the pipeline: they measure
    # with the *true* calibration, on the true landmarks and on the tracked ones.
    trial.results["geometry"] = measure(
        clip.pose_track(), test, side=side, calibration=true_cal
    ).measurement
    try:
        analysis, trial.notes["rom"] = user_analysis(
            clip,
            AnalysisOptions(
                model=model, refine=refine, side=user_side or side, use_cache=use_cache
            ),
            height_always=height_always,
        )
    except RomError as err:
        trial.notes["pose"] = trial.notes["rom"] = f"{type(err).__name__}: {err}"
        trial.results["pose"] = trial.results["rom"] = None
        return trial
    trial.results["rom"] = analysis.measurement
    trial.results["pose"] = measure(
        analysis.track, test, side=side, calibration=true_cal
    ).measurement
    return trial


def user_analysis(
    clip: GroundTruth, options: AnalysisOptions, *, height_always: bool = False
) -> tuple[TrialAnalysis, str]:
    """rom as a user runs it: the marker when there is one, else level and the stated height.

    The height is given only when the marker gave no scale (as before the pipeline layer),
    so the marker's scale is what toe-touch is measured with whenever it is found; with
    ``height_always`` it is always given, as when the person's profile holds it (the
    dashboard keeps it), so a marker's scale is checked against it.
    """
    height_cm = round(100 * float(clip.doc["body"]["height_m"]), 1)
    options = replace(options, use_marker=bool(clip.doc.get("marker")))
    note = "no marker"
    try:
        analysis = analyse_trial(clip.video, clip.test, options)
    except CalibrationError as err:  # the marker was found but rejected: measure level
        note = f"marker rejected: {err}"
        options = replace(options, use_marker=False)
        analysis = analyse_trial(clip.video, clip.test, options)
    if analysis.calibration.roll_source == "marker":
        note = "marker"
    elif options.use_marker:
        note = "marker not found"
    if height_always or analysis.calibration.cm_per_px is None:
        analysis = remeasure(analysis, replace(options, height_cm=height_cm))
    return analysis, note


@dataclass(frozen=True)
class PairResult:
    """One pre/post pair: the true and the measured (``rom`` mode) change and verdicts."""

    test: str
    name: str
    true_change: float
    measured_change: float | None
    true_verdict: bool | None  # compare.Change.improved: True better, False worse, None same
    measured_verdict: bool | None

    @property
    def error(self) -> float | None:
        if self.measured_change is None:
            return None
        return self.measured_change - self.true_change


def pair_key(clip: GroundTruth) -> str | None:
    """The clip's pre/post pair, unique across folders: its path without the session
    suffix (the truth's ``pair`` name repeats in every set made with the same options);
    None for a clip that is not half of a pair."""
    session = clip.doc.get("session")
    if not clip.doc.get("pair") or session not in PHASES:
        return None
    return str(clip.path.with_name(clip.path.stem.removesuffix(f"_{session}")))


def pairs(trials: list[Trial]) -> list[PairResult]:
    """Every complete pre/post pair, by name."""
    by_pair: dict[str, dict[str, Trial]] = {}
    for t in trials:
        if (key := pair_key(t.clip)) is not None:
            by_pair.setdefault(key, {})[t.clip.doc["session"]] = t
    results = []
    for name, ts in sorted(by_pair.items()):
        if set(ts) != {"pre", "post"}:
            continue
        pre, post = ts["pre"], ts["post"]
        test, unit = pre.clip.test, str(pre.clip.doc["unit"])
        truth = change(pre.clip.true_value, post.clip.true_value, test, unit)
        e_pre, e_post = pre.error("rom"), post.error("rom")
        measured = None
        if e_pre is not None and e_post is not None:
            measured = change(
                pre.clip.true_value + e_pre, post.clip.true_value + e_post, test, unit
            )
        results.append(PairResult(
            test, f"{Path(name).parent.name}/{Path(name).name}", truth.absolute,
            None if measured is None else measured.absolute,
            truth.improved, None if measured is None else measured.improved,
        ))
    return results


def summarise(trials: list[Trial]) -> list[str]:
    lines = [
        f"{'test':<20}{'mode':<10}{'n':>4}{'valued':>7}{'MAE':>8}{'P95':>8}{'bias':>8}"
        f"{'unreliable':>12}  unit  goal    {'chgMAE':>7}{'chgMax':>7}  verdicts"
    ]
    pair_results = pairs(trials)
    for test in sorted({t.clip.test for t in trials}):
        group = [t for t in trials if t.clip.test == test]
        unit = group[0].clip.doc["unit"]
        for mode in MODES:
            errs = np.array([e for t in group if (e := t.error(mode)) is not None])
            flagged = [t for t in group if (m := t.results.get(mode)) is None or not m.reliable]
            share = len(flagged) / len(group)
            if errs.size:
                mae, p95, bias = (
                    np.mean(np.abs(errs)),
                    np.percentile(np.abs(errs), 95),
                    np.mean(errs),
                )
                stats = f"{mae:8.2f}{p95:8.2f}{bias:+8.2f}"
            else:
                stats = f"{'-':>8}{'-':>8}{'-':>8}"
            goal = f"<= {GOALS[test]}" if mode == "rom" and test in GOALS else ""
            extra = ""
            if mode == "rom":
                ours = [p for p in pair_results if p.test == test]
                change_errs = np.abs([e for p in ours if (e := p.error) is not None])
                agree = sum(
                    p.measured_change is not None and p.measured_verdict == p.true_verdict
                    for p in ours
                )
                if change_errs.size:
                    extra = f"{np.mean(change_errs):7.2f}{np.max(change_errs):7.2f}"
                else:
                    extra = f"{'-':>7}{'-':>7}"
                extra += f"  {agree}/{len(ours)}" if ours else "  -"
            lines.append(
                f"{test:<20}{mode:<10}{len(group):>4}{errs.size:>7}{stats}{share:>12.0%}"
                f"  {unit:<5} {goal:<7} {extra}".rstrip()
            )
    return lines


def pre_post(trials: list[Trial]) -> list[str]:
    lines = [f"{'pair':<44}{'true change':>12}{'rom change':>12}{'error':>8}  verdict"]
    for p in pairs(trials):
        if p.measured_change is None or p.error is None:
            lines.append(f"{p.name:<44}{p.true_change:>12.2f}{'-':>12}{'-':>8}")
            continue
        verdict = "agrees" if p.measured_verdict == p.true_verdict else "WRONG"
        lines.append(
            f"{p.name:<44}{p.true_change:>12.2f}{p.measured_change:>12.2f}"
            f"{p.error:>+8.2f}  {verdict}"
        )
    return lines


def generate(
    n_clips: int, out: Path, *, seed: int, hard: bool = False, python: Path | None = None
) -> None:
    """Render ``n_clips`` more clips of the generator's seed ``seed`` into ``out``.

    Pairs (``make_set --pairs``) by default; single hard clips (``make_set --hard``) with
    ``hard``.  The generator runs in its own venv (``python``, default ``.venv-synth``).
    """
    python = python or REPO / ".venv-synth" / "bin" / "python"
    if not python.exists():
        sys.exit(
            f"error: --generate needs the generator venv ({python}): "
            "see tools/synth/requirements.txt"
        )
    if hard:
        count = ["--hard", str(n_clips)]
    else:
        existing = len(list(out.glob("set*.json"))) // 2 if out.exists() else 0
        count = ["--pairs", str(max(1, math.ceil(n_clips / 2))), "--start", str(existing)]
    subprocess.run(
        [str(python), "-m", "tools.synth.make_set", *count, "--seed", str(seed),
         "--out", str(out)],
        cwd=REPO,
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--generate",
        type=int,
        default=0,
        metavar="N",
        help="first render N more varied clips (pre/post pairs) into --cache",
    )
    parser.add_argument("--cache", type=Path, default=REPO / ".cache" / "synth")
    parser.add_argument(
        "--seed", type=int, default=None,
        help="the generator's seed: clips in --cache/seedS (hard-seedS with --hard)",
    )
    parser.add_argument("--hard", action="store_true",
                        help="with --seed: the hard single-clip set (make_set --hard)")
    parser.add_argument("--synth-python", type=Path, default=None,
                        help="the generator venv's python (default .venv-synth/bin/python)")
    parser.add_argument(
        "--dirs", type=Path, nargs="*", help="clip folders (default: sample_videos and --cache)"
    )
    parser.add_argument(
        "--model", default=None,
        help="pose model: lite, full (default), heavy, a .task path, or MODEL+REFINING "
        "(e.g. full+heavy: refine the frames around the peak)",
    )
    parser.add_argument("--no-cache", action="store_true", help="do not reuse cached pose tracks")
    parser.add_argument("--verbose", action="store_true", help="print every trial")
    args = parser.parse_args()
    try:
        parse_model_spec(args.model)
    except ValueError as err:
        parser.error(str(err))
    cache = args.cache
    if args.seed is not None:
        cache = cache / f"{'hard-' if args.hard else ''}seed{args.seed}"
    if args.generate:
        generate(args.generate, cache, seed=1 if args.seed is None else args.seed,
                 hard=args.hard, python=args.synth_python)
    dirs = args.dirs or ([cache] if args.seed is not None else [REPO / "sample_videos", cache])
    clips = [c for d in dirs if d.exists() for c in groundtruth.find(d)]
    if not clips:
        sys.exit("error: no clips with ground truth found in " + ", ".join(map(str, dirs)))
    trials = []
    started = time.time()
    for i, clip in enumerate(clips, 1):
        trial = run_trial(clip, args.model, not args.no_cache)
        trials.append(trial)
        if args.verbose:
            parts = []
            for mode in MODES:
                e = trial.error(mode)
                m = trial.results.get(mode)
                flag = "" if m is not None and m.reliable else "!"
                parts.append(f"{mode} {'-' if e is None else f'{e:+.2f}'}{flag}")
            rom_result = trial.results.get("rom")
            reasons = rom_result.reasons if rom_result is not None else ()
            print(
                f"[{i}/{len(clips)}] {clip.path.stem}: true {clip.true_value:.2f}  "
                + "  ".join(parts)
                + f"  ({trial.notes.get('rom', '')}; {','.join(reasons)})",
                flush=True,
            )
    print(
        f"{len(trials)} clips from {', '.join(str(d) for d in dirs)}"
        f" in {time.time() - started:.0f} s, model {args.model or 'default'}"
    )
    print()
    print("\n".join(summarise(trials)))
    print()
    print("\n".join(pre_post(trials)))
    print()
    angle_maes = []
    for test in sorted({t.clip.test for t in trials} - {"toe-touch"}):
        errs = [e for t in trials if t.clip.test == test and (e := t.error("rom")) is not None]
        angle_maes.append(float(np.mean(np.abs(errs))) if errs else float("inf"))
    print(f"worst_mae_deg {max(angle_maes) if angle_maes else float('nan'):.2f}")


if __name__ == "__main__":
    main()
