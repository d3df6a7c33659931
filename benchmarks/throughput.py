"""Throughput and memory of rom's analysis pipeline against bare MediaPipe.

Usage::

    .venv/bin/python benchmarks/throughput.py VIDEO [--model full] [--seconds N]
        [--memory-seconds 10 600] [--memory-only] [--render]

Measures, on the first ``N`` seconds of ``VIDEO``:

(a) bare MediaPipe inference: frames decoded beforehand and held in memory, fed to
    :class:`rom.landmarker.PoseDetector` (the landmarker settings the pipeline uses:
    VIDEO mode, same ``num_poses``, same downscaling), model loading excluded;
(b) rom's tracking through the pipeline: ``rom.pipeline.track_trial`` without the cache,
    everything included
    (probe, hashing, model loading, decoding, inference, person following).

(a) deliberately bypasses the pipeline: it is the bare-MediaPipe baseline (b) is held to.

Each is run ``--repeat`` times, interleaved, and the best run counts (the CPU is shared,
so the best run is the least disturbed one). The last line is ``ratio <b/a>``; the goal is
>= 0.95 on a 1080p clip with the full model.

Then the peak resident memory of a whole analysis, each in its own process, for clips of
``--memory-seconds`` (default a 10-second and a 10-minute clip) made by looping the input
(kept in ``.cache/benchmarks/``, ignored by git, so a long clip is encoded once).  Each
step's own peak is reported: tracking, then calibration and measurement (the high-water
mark is reset between steps through ``/proc/self/clear_refs``, Linux), then with
``--render`` the annotated video and key frame.  ``--memory-only`` skips (a) and (b).

With ``--refine heavy`` it also times peak-window refinement (:mod:`rom.refine`): the
whole analysis (``rom.pipeline.analyse_trial``, no cache) of a clip with ground truth
(``--truth``, default a bundled sample) looped to 10 seconds, with ``--model`` alone, with
``--model`` refined by ``--refine``, and with ``--refine`` alone; and each one's error
against the truth on the clip itself.  Its last line is ``refine_time_ratio <x>``
(refined / ``--model`` alone); the goal is <= 1.25.

A 1080p clip from the Sports2D demo (see tests/datasets.py)::

    ffmpeg -i .cache/datasets/sports2d-0.8.34/Sports2D/Demo/demo.mp4 -an \\
        -vf scale=1920:1080 -c:v libx264 -crf 18 /tmp/demo1080.mp4
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

# Runnable from a checkout without installing: make ``rom`` importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rom.landmarker import PoseDetector
from rom.pipeline import (
    AnalysisOptions,
    TrialAnalysis,
    analyse_trial,
    calibrate_trial,
    render_trial,
    track_trial,
)
from rom.posemodels import resolve_model
from rom.protocols import measure
from rom.tracking import INFERENCE_MAX_SIDE, NUM_POSES
from rom.video import iter_frames, probe


def ffmpeg(*args: str | Path) -> None:
    binary = shutil.which("ffmpeg")
    if binary is None:
        sys.exit("error: ffmpeg is needed to cut and loop the clip")
    subprocess.run([binary, "-hide_banner", "-loglevel", "error", "-y", *map(str, args)],
                   check=True)


def cut(video: Path, seconds: float, out: Path) -> Path:
    """The first ``seconds`` of ``video``, stream-copied (no re-encoding), no audio."""
    ffmpeg("-i", video, "-t", f"{seconds}", "-an", "-c:v", "copy", out)
    return out


#: Where looped clips for the memory runs are kept between runs (ignored by git).
LOOP_DIR = Path(__file__).resolve().parent.parent / ".cache" / "benchmarks"


def loop(video: Path, seconds: float, out: Path) -> Path:
    """``video`` repeated to last ``seconds`` (re-encoded so timestamps run on)."""
    ffmpeg("-stream_loop", "-1", "-i", video, "-t", f"{seconds}", "-an", "-c:v", "libx264",
           "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p", out)
    return out


def bare_inference(video: Path, model_path: Path) -> tuple[int, float]:
    """(frames, seconds) of MediaPipe alone on frames decoded in advance."""
    frames = list(iter_frames(video, max_long_side=INFERENCE_MAX_SIDE))
    with PoseDetector(model_path, num_poses=NUM_POSES) as detector:
        started = time.perf_counter()
        for frame in frames:
            detector.detect(frame.image, frame.time_s, frame.full_size)
        elapsed = time.perf_counter() - started
    return len(frames), elapsed


def whole_pipeline(video: Path, model: str | None) -> tuple[int, float]:
    """(frames, seconds) of the pipeline's tracking without the cache."""
    started = time.perf_counter()
    track = track_trial(video, AnalysisOptions(model=model, use_cache=False))
    return len(track), time.perf_counter() - started


def timed_analysis(
    video: Path, test: str, options: AnalysisOptions
) -> tuple[float, float | None]:
    """(seconds, measured value) of one whole analysis of ``video`` without the cache."""
    started = time.perf_counter()
    analysis = analyse_trial(video, test, replace(options, use_cache=False))
    return time.perf_counter() - started, analysis.measurement.value


def refinement_figures(
    truth_json: Path, model: str, refine: str, repeat: int, folder: Path
) -> float:
    """Print the refinement's time (10-second loop) and error (the clip); returns the ratio
    of the refined analysis's best time to ``model`` alone's."""
    doc = json.loads(truth_json.read_text())
    clip = truth_json.with_suffix(".mp4")
    test, true_value = str(doc["test"]), float(doc["true_value"])
    base = AnalysisOptions(side=str(doc["side"]), use_marker=bool(doc.get("marker")))
    settings = {
        model: replace(base, model=model, refine=None),
        f"{model}+{refine}": replace(base, model=model, refine=refine),
        refine: replace(base, model=refine, refine=None),
    }
    looped = loop(clip, 10, folder / "truth10.mp4")
    best: dict[str, float] = {}
    for run in range(1, repeat + 1):  # interleaved: the CPU is shared
        for name, options in settings.items():
            seconds, _ = timed_analysis(looped, test, options)
            best[name] = min(best.get(name, seconds), seconds)
            print(f"refine run {run}: {name:<12} 10 s clip analysed in {seconds:.2f} s")
    print(f"truth  {clip.name}: {test} true {true_value:.2f} {doc['unit']}")
    for name, options in settings.items():
        _, value = timed_analysis(clip, test, options)
        error = "-" if value is None else f"{value - true_value:+.2f}"
        print(f"{name:<12} best {best[name]:.2f} s (x{best[name] / best[model]:.2f})  "
              f"value {value}  error {error}")
    return best[f"{model}+{refine}"] / best[model]


def high_water_kb() -> int:
    """This process's peak resident memory in KiB.

    Linux's ``ru_maxrss`` survives ``exec``: a child forked from a big parent inherits the
    parent's peak. ``VmHWM`` in ``/proc/self/status`` belongs to the new program alone.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def resident_kb() -> int:
    """This process's resident memory now in KiB (0 when unknown)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_high_water() -> bool:
    """Reset this process's peak resident memory (Linux 4.0+); False when it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def looped_clip(video: Path, seconds: float) -> Path:
    """``video`` looped to ``seconds``, made once and kept in :data:`LOOP_DIR`."""
    LOOP_DIR.mkdir(parents=True, exist_ok=True)
    out = LOOP_DIR / f"{video.stem}-{video.stat().st_size}-{seconds:g}s.mp4"
    if not out.exists():
        partial = out.with_suffix(".partial.mp4")
        loop(video, seconds, partial)
        partial.replace(out)
    return out


def analysis_peaks(
    video: Path, model: str | None, fps: float | None, test: str, render: bool
) -> dict[str, float]:
    """Peak RSS (KiB) of each step of one whole analysis, in this process."""
    options = AnalysisOptions(model=model, fps=fps, use_cache=False)
    peaks: dict[str, float] = {}
    track = track_trial(video, options)
    peaks["tracking"] = high_water_kb()
    peaks["after_tracking"] = resident_kb()
    steps_apart = reset_high_water()
    calibration = calibrate_trial(video, track, options)
    result = measure(track, test, options.side, calibration=calibration)
    peaks["measurement"] = high_water_kb()
    if render:
        reset_high_water()
        analysis = TrialAnalysis(video, test, options, track, calibration, result)
        rendered = render_trial(analysis)
        if rendered.error:
            raise SystemExit(rendered.error)
        peaks["render"] = high_water_kb()
    peaks["frames"] = len(track)
    peaks["steps_apart"] = float(steps_apart)
    return peaks


def peak_rss(
    video: Path, model: str | None, fps: float | None, test: str, render: bool
) -> dict[str, float]:
    """:func:`analysis_peaks` (in KiB) run in a fresh process."""
    command = [sys.executable, __file__, str(video), "--rss-child", "--test", test]
    if model:
        command += ["--model", model]
    if fps:
        command += ["--fps", str(fps)]
    if render:
        command.append("--render")
    with tempfile.TemporaryDirectory(prefix="rom-bench-cache-") as cache:
        # The render cache goes to a throw-away folder; the model stays where it is.
        env = {**os.environ, "ROM_CACHE_DIR": cache,
               "ROM_MODEL_DIR": str(resolve_model(model).path.parent)}
        done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    peaks: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return peaks


def memory_report(seconds: float, peaks: dict[str, float], rate: str) -> str:
    """One line: each step's peak RSS in MB for a clip of ``seconds``."""
    steps = ", ".join(
        f"{step} {peaks[step] / 1024:.0f} MB"
        for step in ("tracking", "measurement", "render") if step in peaks
    )
    whole = max(peaks[s] for s in ("tracking", "measurement", "render") if s in peaks)
    above = (peaks["measurement"] - peaks["after_tracking"]) / 1024
    return (f"peak RSS, {seconds:g} s clip ({int(peaks['frames'])} frames at {rate}): "
            f"{steps} (+{above:.0f} MB over the {peaks['after_tracking'] / 1024:.0f} MB "
            f"held after tracking); whole analysis {whole / 1024:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--model", default="full")
    parser.add_argument("--seconds", type=float, default=6.0,
                        help="length of the clip for (a) and (b); (a) holds it all decoded")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--memory-seconds", type=float, nargs="+", default=[10.0, 600.0],
                        metavar="S", help="lengths of the looped clips of the memory runs")
    parser.add_argument("--memory-only", action="store_true",
                        help="skip the throughput runs (a) and (b)")
    parser.add_argument("--render", action="store_true",
                        help="the memory runs draw the annotated video and key frame too")
    parser.add_argument("--test", default="ankle-dorsiflexion",
                        help="the test the memory runs measure")
    parser.add_argument("--rss-fps", type=float, default=10.0,
                        help="frame rate of the memory runs (0: every frame)")
    parser.add_argument("--refine", default=None, metavar="MODEL",
                        help="also time refinement of --model by MODEL (e.g. heavy)")
    parser.add_argument("--truth", type=Path,
                        default=Path(__file__).resolve().parent.parent / "sample_videos"
                        / "hip-extension_left_pre.json",
                        help="clip with ground truth (.json beside its .mp4) for --refine")
    parser.add_argument("--fps", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.rss_child:  # one analysis, then report each step's high-water mark
        print(json.dumps(analysis_peaks(args.video, args.model, args.fps, args.test,
                                        args.render)))
        return 0

    resolved = resolve_model(args.model)
    ratio: float | None = None
    if not args.memory_only:
        with tempfile.TemporaryDirectory(prefix="rom-bench-") as tmp:
            clip = cut(args.video, args.seconds, Path(tmp) / f"clip{args.video.suffix or '.mp4'}")
            info = probe(clip)
            print(f"video  {args.video}: {info.width}x{info.height} {info.codec}, "
                  f"first {args.seconds:g} s")
            print(f"model  {resolved.name} ({resolved.source}), num_poses {NUM_POSES}, "
                  f"cpus {os.cpu_count()}")
            bare: list[float] = []
            pipeline: list[float] = []
            for run in range(1, args.repeat + 1):
                n_a, t_a = bare_inference(clip, resolved.path)
                bare.append(n_a / t_a)
                n_b, t_b = whole_pipeline(clip, args.model)
                pipeline.append(n_b / t_b)
                print(f"run {run}: (a) {n_a} frames in {t_a:.2f} s = {n_a / t_a:.1f} frames/s; "
                      f"(b) {n_b} frames in {t_b:.2f} s = {n_b / t_b:.1f} frames/s")
            best_a, best_b = max(bare), max(pipeline)
            print(f"(a) bare MediaPipe inference on decoded frames: {best_a:.1f} frames/s (best)")
            print(f"(b) rom track_trial, whole pipeline:          {best_b:.1f} frames/s (best)")
            ratio = best_b / best_a

    rss_fps = args.rss_fps or None
    rate = f"{rss_fps:g} fps" if rss_fps else "every frame"
    for seconds in args.memory_seconds:
        clip = looped_clip(args.video, seconds)
        peaks = peak_rss(clip, args.model, rss_fps, args.test, args.render)
        print(memory_report(seconds, peaks, rate), flush=True)
        if not peaks["steps_apart"]:
            print("  (the peak could not be reset between steps: each is the peak so far)")
    if ratio is not None:
        print(f"ratio {ratio:.3f}")
    if args.refine:
        with tempfile.TemporaryDirectory(prefix="rom-bench-") as tmp:
            refine_ratio = refinement_figures(
                args.truth, args.model, args.refine, args.repeat, Path(tmp)
            )
        print(f"refine_time_ratio {refine_ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
