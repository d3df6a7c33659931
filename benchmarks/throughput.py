"""Throughput and memory of rom's analysis pipeline against bare MediaPipe.

Usage::

    .venv/bin/python benchmarks/throughput.py VIDEO [--model full] [--seconds N]

Measures, on the first ``N`` seconds of ``VIDEO``:

(a) bare MediaPipe inference: frames decoded beforehand and held in memory, fed to
    :class:`rom.landmarker.PoseDetector` (the landmarker settings the pipeline uses:
    VIDEO mode, same ``num_poses``, same downscaling), model loading excluded;
(b) rom's tracking through the pipeline: ``rom.pipeline.track_trial`` without the cache,
    everything included
    (probe, hashing, model loading, decoding, inference, person following).

(a) deliberately bypasses the pipeline: it is the bare-MediaPipe baseline (b) is held to.

Each is run ``--repeat`` times, interleaved, and the best run counts (the CPU is shared,
so the best run is the least disturbed one). Then the peak resident memory of a whole
analysis, each in its own process, for a 10-second and a 1-minute clip made by looping
the input. The last line is ``ratio <b/a>``; the goal is >= 0.95 on a 1080p clip with the
full model.

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
from rom.pipeline import AnalysisOptions, analyse_trial, track_trial
from rom.posemodels import resolve_model
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


def peak_rss_mb(video: Path, model: str | None, fps: float | None) -> float:
    """Peak resident memory (MB) of one whole analysis in a fresh process."""
    command = [sys.executable, __file__, str(video), "--rss-child"]
    if model:
        command += ["--model", model]
    if fps:
        command += ["--fps", str(fps)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["maxrss_kb"]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--model", default="full")
    parser.add_argument("--seconds", type=float, default=6.0,
                        help="length of the clip for (a) and (b); (a) holds it all decoded")
    parser.add_argument("--repeat", type=int, default=2)
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

    if args.rss_child:  # one analysis, then report this process's high-water mark
        track = track_trial(
            args.video, AnalysisOptions(model=args.model, fps=args.fps, use_cache=False)
        )
        print(json.dumps({"maxrss_kb": high_water_kb(), "frames": len(track)}))
        return 0

    resolved = resolve_model(args.model)
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

        rss_fps = args.rss_fps or None
        short = loop(args.video, 10, Path(tmp) / "loop10.mp4")
        long = loop(args.video, 60, Path(tmp) / "loop60.mp4")
        rss_short = peak_rss_mb(short, args.model, rss_fps)
        rss_long = peak_rss_mb(long, args.model, rss_fps)
        rate = f"{rss_fps:g} fps" if rss_fps else "every frame"
        print(f"peak RSS ({rate}): 10 s clip {rss_short:.0f} MB, 60 s clip {rss_long:.0f} MB "
              f"(x{rss_long / rss_short:.2f})")
        refine_ratio = (
            refinement_figures(args.truth, args.model, args.refine, args.repeat, Path(tmp))
            if args.refine else None
        )
    print(f"ratio {best_b / best_a:.3f}")
    if refine_ratio is not None:
        print(f"refine_time_ratio {refine_ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
