"""Does "reliable" mean reliable?  rom's verdicts against synthetic truth (issue 10).

    ROM_CACHE_DIR=/work/cache-synth/rom-cache \\
        .venv/bin/python benchmarks/reliability.py --dirs /work/cache-synth/hard-seed1 [--json]

Every clip in the folders (``*.mp4`` with its truth ``*.json``, found as
``benchmarks/accuracy.py`` finds them) is run as a user would run rom -- the pose track,
the calibration rom finds (the marker when there is one, else the room's vertical edges,
else unknown), the person's height (``--height always``, the default: a profile holds it;
``fallback``: only when no marker gave a scale) and the side on automatic, then the
measurement: ``benchmarks/accuracy.py``'s ``rom`` mode, which this reuses (its
``geometry`` mode, rom on the true landmarks, is kept to tell projection from pose error).

A value is **within tolerance** when ``|measured - true|`` is at most 5 deg (angles) or
3 cm (toe-touch).  A **confident miss** is a value rom called reliable that is outside.

Printed, per test: ``n``; how many values rom called reliable; the share of those within
tolerance and the share that are confident misses; the worst reliable error; the share of
clean clips (no hard condition in the truth, see ``tools.synth.truth.conditions``)
flagged unreliable, and of those not even comparable (``not_cmp``: no change can be made
of them either); and the share of good values (within tolerance) flagged unreliable.
Then quality score bins against the median / 95th percentile absolute error and the
miss rate (all valued trials), and Kendall's tau of the score against the absolute error
per unit (over all valued trials and over the reliable ones): the score
(:func:`rom.protocols.assessment.quality_score`) is made of factors and reasons that each
only lower it as their evidence of error grows -- the view, the visibility, the coverage,
the value's own uncertainty against the tolerance (``precision``), each advisory doubt --
and is capped at 0.3 by any invalidating reason; nothing in it is fitted to these clips,
so the bins and tau are the check that it falls as the error grows; then every
condition's breakdown of the confident misses (from the truth JSON), how often
``heel_lift`` was flagged per band of the true heel rise (knee-to-wall clips whose truth
has it, e.g. ``make_set --heel-lift N``), the pre/post pairs whose change rom promises
(both ends :attr:`rom.measurement.Measurement.comparable`, some resting on values not
reliable themselves, e.g. deep knee flexion) with the share of changes within tolerance,
and the list of misses.  The last line is
``reliable_within_tolerance <share>`` over all tests;
``--json`` prints one JSON document instead (with the same share under that key).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.accuracy import Trial, pair_key, run_trial  # noqa: E402
from tools.synth import groundtruth, truth  # noqa: E402

TOLERANCE = {"deg": 5.0, "cm": 3.0}
QUALITY_BINS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 1.0001))


@dataclass(frozen=True)
class Verdict:
    """One clip's outcome: rom's value and verdict against the truth."""

    name: str
    test: str
    unit: str
    true_value: float
    value: float | None
    error: float | None  # measured - true, in the clip's unit; None without a value
    geometry_error: float | None  # rom on the true landmarks
    reliable: bool
    quality: float
    reasons: tuple[str, ...]
    conditions: dict[str, object]
    clean: bool
    note: str
    true_heel_rise_cm: float | None = None  # knee-to-wall clips whose truth has it
    comparable: bool = False  # rom.measurement.Measurement.comparable: its change is promised
    pair: str | None = None  # benchmarks.accuracy.pair_key, with ``session``
    session: str | None = None

    @property
    def within(self) -> bool:
        return self.error is not None and abs(self.error) <= TOLERANCE[self.unit]

    @property
    def confident_miss(self) -> bool:
        return self.reliable and self.error is not None and not self.within


def verdict(trial: Trial) -> Verdict:
    clip = trial.clip
    m = trial.results.get("rom")
    error = trial.error("rom")
    return Verdict(
        name=clip.path.stem,
        test=clip.test,
        unit=str(clip.doc["unit"]),
        true_value=clip.true_value,
        value=None if m is None or m.value is None else float(m.value),
        error=error,
        geometry_error=trial.error("geometry"),
        reliable=bool(m is not None and m.reliable and error is not None),
        quality=0.0 if m is None else float(m.quality),
        reasons=() if m is None else tuple(m.reasons),
        conditions=truth.conditions(clip.doc),
        clean="conditions" not in clip.doc,
        note=trial.notes.get("rom", ""),
        true_heel_rise_cm=clip.doc.get("true_secondary", {}).get("heel_rise_cm"),
        comparable=bool(m is not None and m.comparable and error is not None),
        pair=pair_key(clip),
        session=clip.doc.get("session"),
    )


def _share(k: int, n: int) -> float | None:
    return k / n if n else None


def per_test(verdicts: list[Verdict]) -> list[dict[str, object]]:
    out = []
    for test in sorted({v.test for v in verdicts}):
        group = [v for v in verdicts if v.test == test]
        reliable = [v for v in group if v.reliable]
        clean = [v for v in group if v.clean]
        good = [v for v in group if v.within]
        worst = max(reliable, key=lambda v: abs(v.error or 0.0), default=None)
        out.append(
            {
                "test": test,
                "unit": group[0].unit,
                "n": len(group),
                "reliable": len(reliable),
                "reliable_within": _share(sum(v.within for v in reliable), len(reliable)),
                "confident_miss": _share(sum(v.confident_miss for v in reliable), len(reliable)),
                "worst_reliable_error": None if worst is None else worst.error,
                "clean_n": len(clean),
                "clean_flagged": _share(sum(not v.reliable for v in clean), len(clean)),
                # ... and not even comparable: no change can be made of them either.
                "clean_not_comparable": _share(sum(not v.comparable for v in clean), len(clean)),
                "good_flagged": _share(sum(not v.reliable for v in good), len(good)),
            }
        )
    return out


#: Bands of the true heel rise at the measured moment, cm: rom must flag ``heel_lift``
#: above its 1.5 cm limit and leave the heel alone below 1 cm (in between it may go
#: either way: the landmarks are not that precise).
HEEL_RISE_BANDS_CM = ((0.0, 1.0), (1.0, 1.5), (1.5, float("inf")))


def heel_lift_detection(verdicts: list[Verdict]) -> list[dict[str, object]]:
    """Per band of the true heel rise: how many knee-to-wall clips, how many flagged."""
    out = []
    for lo, hi in HEEL_RISE_BANDS_CM:
        group = [
            v for v in verdicts
            if v.true_heel_rise_cm is not None and lo <= v.true_heel_rise_cm < hi
        ]
        if group:
            out.append(
                {
                    "true_rise_cm": f"{lo:g}-{hi:g}" if np.isfinite(hi) else f">={lo:g}",
                    "n": len(group),
                    "flagged": sum("heel_lift" in v.reasons for v in group),
                }
            )
    return out


def change_promise(verdicts: list[Verdict]) -> list[dict[str, object]]:
    """Per test, the pre/post pairs whose two ends are comparable (the change is promised):
    how many, how many of those rest on a value that is not itself reliable, and the share
    whose change error (measured change - true change) is within the tolerance."""
    ends: dict[str, dict[str, Verdict]] = {}
    for v in verdicts:
        if v.pair and v.session in ("pre", "post"):
            ends.setdefault(v.pair, {})[v.session] = v
    out = []
    for test in sorted({v.test for v in verdicts}):
        promised = [(e["pre"], e["post"]) for e in ends.values()
                    if set(e) == {"pre", "post"} and e["pre"].test == test
                    and e["pre"].comparable and e["post"].comparable]
        if not promised:
            continue
        errors = [abs((post.error or 0.0) - (pre.error or 0.0)) for pre, post in promised]
        tolerance = TOLERANCE[promised[0][0].unit]
        out.append({
            "test": test,
            "unit": promised[0][0].unit,
            "pairs_promised": len(promised),
            "change_only": sum(not (pre.reliable and post.reliable) for pre, post in promised),
            "change_within": _share(sum(e <= tolerance for e in errors), len(errors)),
            "worst_change_error": max(errors),
        })
    return out


def quality_bins(verdicts: list[Verdict]) -> list[dict[str, object]]:
    out = []
    for unit in ("deg", "cm"):
        for lo, hi in QUALITY_BINS:
            group = [
                v
                for v in verdicts
                if v.unit == unit and v.error is not None and lo <= v.quality < hi
            ]
            errs = np.abs([v.error for v in group if v.error is not None])
            out.append(
                {
                    "unit": unit,
                    "quality": f"{lo:.2f}-{min(hi, 1.0):.2f}",
                    "n": len(group),
                    "reliable": sum(v.reliable for v in group),
                    "median_abs_error": float(np.median(errs)) if errs.size else None,
                    "p95_abs_error": float(np.percentile(errs, 95)) if errs.size else None,
                    "miss_rate": _share(sum(not v.within for v in group), len(group)),
                }
            )
    return out


def kendall_tau(x: list[float], y: list[float]) -> float | None:
    """Kendall's tau-a of two equally long samples (-1: y falls whenever x rises).

    Pairs tied in either sample count as neither concordant nor discordant.  None with
    fewer than two values.
    """
    a, b = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n = a.size
    if n < 2:
        return None
    i, j = np.triu_indices(n, k=1)
    return float(np.sum(np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])) / (n * (n - 1) / 2))


def quality_monotonicity(verdicts: list[Verdict]) -> list[dict[str, object]]:
    """Kendall's tau of quality against the absolute error, per unit, over every valued
    trial and over the reliable ones (negative: a higher score, a smaller error)."""
    out = []
    for unit in ("deg", "cm"):
        valued = [v for v in verdicts if v.unit == unit and v.error is not None]
        reliable = [v for v in valued if v.reliable]
        out.append(
            {
                "unit": unit,
                "n": len(valued),
                "tau_all": kendall_tau([v.quality for v in valued],
                                       [abs(v.error or 0.0) for v in valued]),
                "n_reliable": len(reliable),
                "tau_reliable": kendall_tau([v.quality for v in reliable],
                                            [abs(v.error or 0.0) for v in reliable]),
            }
        )
    return out


def condition_bucket(key: str, value: object) -> str:
    """A readable bucket for one condition's value (continuous ones are binned)."""
    if key == "yaw_deg":
        a = abs(float(value))  # type: ignore[arg-type]
        return (
            "0-5"
            if a < 5
            else "5-10"
            if a < 10
            else "10-15"
            if a < 15
            else ("15-20" if a < 20 else "20-25+")
        )
    if key == "roll_deg":
        a = abs(float(value))  # type: ignore[arg-type]
        return "0-3" if a < 3 else "3-6" if a < 6 else "6-10"
    if key == "crf":
        c = int(value)  # type: ignore[call-overload]
        return "18-23" if c <= 23 else "24-29" if c <= 29 else "30-35"
    if key == "noise_sigma":
        s = float(value)  # type: ignore[arg-type]
        return "0" if s == 0 else "2-6" if s < 6 else "6-12"
    if key == "heel_lift_deg":
        return "lifted" if float(value) > 0 else "down"  # type: ignore[arg-type]
    if key == "resolution":
        w, h = (int(x) for x in str(value).split("x"))
        return f"{min(w, h)}p"
    return str(value)


def by_condition(verdicts: list[Verdict]) -> dict[str, list[dict[str, object]]]:
    keys = sorted({k for v in verdicts for k in v.conditions})
    out: dict[str, list[dict[str, object]]] = {}
    for key in keys:
        buckets: dict[str, list[Verdict]] = {}
        for v in verdicts:
            if key in v.conditions:
                buckets.setdefault(condition_bucket(key, v.conditions[key]), []).append(v)
        out[key] = [
            {
                "bucket": b,
                "n": len(g),
                "reliable": sum(v.reliable for v in g),
                "confident_misses": sum(v.confident_miss for v in g),
                "miss_share_of_reliable": _share(
                    sum(v.confident_miss for v in g), sum(v.reliable for v in g)
                ),
            }
            for b, g in sorted(buckets.items())
        ]
    return out


def _fmt(x: object, spec: str = ".2f") -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return format(x, spec)
    return str(x)


def report(verdicts: list[Verdict]) -> list[str]:
    lines = [
        f"{'test':<20}{'n':>4}{'reliable':>9}{'within':>8}{'misses':>8}{'worst':>9}"
        f"{'clean':>7}{'clean_flag':>11}{'not_cmp':>8}{'good_flag':>10}  unit"
    ]
    for row in per_test(verdicts):
        lines.append(
            f"{row['test']:<20}{row['n']:>4}{row['reliable']:>9}"
            f"{_fmt(row['reliable_within'], '.0%'):>8}{_fmt(row['confident_miss'], '.0%'):>8}"
            f"{_fmt(row['worst_reliable_error'], '+.1f'):>9}{row['clean_n']:>7}"
            f"{_fmt(row['clean_flagged'], '.0%'):>11}{_fmt(row['clean_not_comparable'], '.0%'):>8}"
            f"{_fmt(row['good_flagged'], '.0%'):>10}"
            f"  {row['unit']}"
        )
    lines += [
        "",
        f"{'quality':<12}{'unit':<6}{'n':>4}{'reliable':>9}{'median':>8}{'P95':>8}"
        f"{'miss rate':>10}",
    ]
    for row in quality_bins(verdicts):
        lines.append(
            f"{row['quality']:<12}{row['unit']:<6}{row['n']:>4}{row['reliable']:>9}"
            f"{_fmt(row['median_abs_error']):>8}{_fmt(row['p95_abs_error']):>8}"
            f"{_fmt(row['miss_rate'], '.0%'):>10}"
        )
    lines.append("quality vs |error|, Kendall's tau (negative = higher score, smaller error)")
    for row in quality_monotonicity(verdicts):
        lines.append(
            f"  {row['unit']:<4} all {row['n']:>3}: {_fmt(row['tau_all'], '+.2f')}   "
            f"reliable {row['n_reliable']:>3}: {_fmt(row['tau_reliable'], '+.2f')}"
        )
    promise = change_promise(verdicts)
    if promise:
        lines += ["", "pre/post changes promised (both ends comparable; change_only: an end "
                  "not reliable itself)"]
        lines += [f"  {r['test']:<20} pairs {r['pairs_promised']} change_only "
                  f"{r['change_only']} within {_fmt(r['change_within'], '.0%')} worst "
                  f"{_fmt(r['worst_change_error'], '.1f')} {r['unit']}" for r in promise]
    detection = heel_lift_detection(verdicts)
    if detection:
        lines += ["", "heel_lift flagged, by the true heel rise at the peak (knee-to-wall)"]
        lines += [f"  {r['true_rise_cm']} cm: {r['flagged']} of {r['n']}" for r in detection]
    lines += ["", "confident misses by condition (bucket: misses / reliable / n)"]
    for key, rows in by_condition(verdicts).items():
        cells = [f"{r['bucket']}: {r['confident_misses']}/{r['reliable']}/{r['n']}" for r in rows]
        lines.append(f"  {key:<14}" + "   ".join(cells))
    misses = [v for v in verdicts if v.confident_miss]
    lines += ["", f"confident misses ({len(misses)})"]
    for v in sorted(misses, key=lambda v: -abs(v.error or 0.0)):
        c = v.conditions
        lines.append(
            f"  {v.name}: true {v.true_value:.1f} rom {_fmt(v.value, '.1f')} "
            f"err {_fmt(v.error, '+.1f')} (geometry {_fmt(v.geometry_error, '+.1f')}) "
            f"q {v.quality:.2f}; yaw {float(c['yaw_deg']):+.0f} roll {float(c['roll_deg']):+.0f} "  # type: ignore[arg-type]
            f"{c['resolution']} crf {c['crf']} {c['light']} noise {float(c['noise_sigma']):.0f} "  # type: ignore[arg-type]
            f"close {c['close_camera']} 2nd {c['second_person']} body {c['body']} "
            f"marker {c['marker']}; {v.note}; {','.join(v.reasons)}"
        )
    return lines


def overall_within(verdicts: list[Verdict]) -> float:
    reliable = [v for v in verdicts if v.reliable]
    return sum(v.within for v in reliable) / len(reliable) if reliable else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dirs", type=Path, nargs="+", required=True, help="clip folders")
    parser.add_argument("--model", default=None, help="pose model: lite, full (default), heavy")
    parser.add_argument("--no-cache", action="store_true", help="do not reuse cached pose tracks")
    parser.add_argument(
        "--height", choices=("always", "fallback"), default="always",
        help="give the person's height always (a profile holds it: the marker's scale is "
        "checked) or only when no marker gave a scale",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--verbose", action="store_true", help="print every trial (stderr)")
    args = parser.parse_args()
    clips = [c for d in args.dirs if d.exists() for c in groundtruth.find(d)]
    if not clips:
        sys.exit("error: no clips with ground truth in " + ", ".join(map(str, args.dirs)))
    started = time.time()
    verdicts = []
    for i, clip in enumerate(clips, 1):
        v = verdict(
            run_trial(clip, args.model, not args.no_cache, user_side="auto",
                      height_always=args.height == "always")
        )
        verdicts.append(v)
        if args.verbose:
            print(
                f"[{i}/{len(clips)}] {v.name}: true {v.true_value:.2f} err {_fmt(v.error, '+.2f')}"
                f" {'reliable' if v.reliable else 'unreliable'} q {v.quality:.2f} "
                f"({','.join(v.reasons)}; {v.note})",
                file=sys.stderr,
                flush=True,
            )
    share = overall_within(verdicts)
    if args.json:
        doc = {
            "clips": len(verdicts),
            "dirs": [str(d) for d in args.dirs],
            "tolerance": TOLERANCE,
            "per_test": per_test(verdicts),
            "quality_bins": quality_bins(verdicts),
            "quality_monotonicity": quality_monotonicity(verdicts),
            "by_condition": by_condition(verdicts),
            "heel_lift_detection": heel_lift_detection(verdicts),
            "change_promise": change_promise(verdicts),
            "trials": [
                {**v.__dict__, "within": v.within, "confident_miss": v.confident_miss}
                for v in verdicts
            ],
            "reliable_within_tolerance": share,
        }
        print(json.dumps(doc, indent=1))
    else:
        print(
            f"{len(verdicts)} clips from {', '.join(map(str, args.dirs))} "
            f"in {time.time() - started:.0f} s"
        )
        print()
        print("\n".join(report(verdicts)))
        print()
        print(f"reliable_within_tolerance {share:.3f}")


if __name__ == "__main__":
    main()
