"""Peak-window refinement: a fast model tracks the whole clip, an accurate one the peak.

Two passes over one video::

    full model, every frame  ->  measure (find the peak)
        ->  accurate model on the frames around the peak  ->  splice  ->  measure again

The clinical value is read from the frames around the held peak only, so running the
slower, more accurate model there alone gives (nearly) its accuracy for a fraction of its
cost.  The accurate model runs on *anchor* frames: every frame of the window at most
:data:`ANCHOR_FPS` apart (the held peak and :data:`MARGIN_S` either side), after a
:data:`WARMUP_S` stretch that lets its VIDEO-mode tracking settle.  At an anchor the
accurate pose replaces the fast one; between anchors the fast pose is moved by the
accurate-minus-fast offset interpolated in time (a *correction field*).  The offset is
what the models disagree on -- mostly a pose-dependent bias (a knee landmark pulled
toward the thigh) that changes as slowly as the pose itself -- while the fast model's
frame-to-frame motion is kept, so every frame of the window is refined and the track
keeps its frames.  Outside the window the track is unchanged.

Pure functions (window, anchors, pose choice, splice) are separate from
:func:`refine_track`, which runs MediaPipe and caches the refined track.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rom.fileio import sha256_bytes
from rom.landmarker import Rows, box_diagonal, match_cost, person_box
from rom.measurement import TrialResult
from rom.pose import PoseTrack
from rom.swaps import MIRRORED, SIDED

__all__ = [
    "ANCHOR_FPS",
    "AUTO",
    "DEFAULT_REFINEMENT",
    "MARGIN_S",
    "NEAR_PEAK_FRACTION",
    "REFINE_VERSION",
    "SAME_PERSON_COST",
    "WARMUP_S",
    "anchor_rows",
    "choose_pose",
    "labelled_like",
    "landmark_rows",
    "model_available",
    "parse_model_spec",
    "peak_window",
    "refine_choice",
    "refine_track",
    "refinement_for",
    "splice",
]

#: Bump when a change here changes the refined tracks (part of their cache key).
REFINE_VERSION = 2  # 2: labels chosen on the sided landmarks (labelled_like)
#: Seconds refined either side of the held peak (the peak may move a little when the
#: accurate model reads it).
MARGIN_S = 1.0
#: Seconds of video fed to the accurate model before the window and then dropped: its
#: VIDEO-mode tracking starts from a detection and settles over the first frames.
WARMUP_S = 0.5
#: Most anchor frames per second of video.  The held peak's pose changes slowly, so the
#: correction field between anchors 0.1 s apart follows it; denser anchors cost the
#: accurate model's time on every frame.
ANCHOR_FPS = 10.0
#: The held peak is every frame, next to the peak frame, whose value lies within this
#: share of the clip's excursion (peak to the opposite extreme) from the peak.
NEAR_PEAK_FRACTION = 0.25
#: Largest :func:`rom.landmarker.match_cost` between the two models' poses of one person
#: in one frame (a quarter of the body's diagonal; another person is further off).
SAME_PERSON_COST = 0.25

#: ``AnalysisOptions.refine`` value that picks each test's default (:func:`refinement_for`).
AUTO = "auto"
#: Tests whose default analysis is refined, and the refining model: where
#: ``benchmarks/accuracy.py --model full+heavy`` was clearly better than ``full`` on both
#: the bundled samples and the hard set (2026-12-01).  Hip extension: MAE 4.16 -> 0.23 deg
#: (samples), 7.03 -> 4.66 deg (hard seed 1, every clip better).  Not ankle (heel_lift
#: flagged on the good sample clips), knee (samples 9.36 -> 9.63 deg) or toe-touch (worse on
#: the hard set).
DEFAULT_REFINEMENT: dict[str, str] = {"hip-extension": "heavy"}

#: Columns of landmark rows (see :mod:`rom.landmarker`) that are probabilities.
_PROBABILITY_COLUMNS = (3, 4)


def parse_model_spec(spec: str | None) -> tuple[str | None, str | None]:
    """``"full+heavy"`` -> ``("full", "heavy")``: the tracking model and the refining one.

    A spec without ``+`` names the tracking model alone (``"heavy"`` -> ``("heavy",
    None)``); None is the default model without refinement.

    Raises
    ------
    ValueError
        More than one ``+``, or an empty part.
    """
    if spec is None:
        return None, None
    parts = spec.split("+")
    if len(parts) > 2 or not all(p.strip() for p in parts):
        raise ValueError(f"a model spec is MODEL or MODEL+REFINING_MODEL, not {spec!r}")
    return parts[0].strip(), parts[1].strip() if len(parts) == 2 else None


def refine_choice(text: str) -> str | None:
    """A ``--refine`` argument: ``"none"`` -> None, anything else as given (``"auto"``,
    a model variant or a ``.task`` path)."""
    return None if text.strip().lower() == "none" else text


def model_available(spec: str) -> bool:
    """Whether the pose model ``spec`` is usable without fetching anything."""
    from rom.errors import ModelError
    from rom.posemodels import resolve_model

    try:
        resolve_model(spec, allow_download=False)
    except ModelError:
        return False
    return True


def refinement_for(
    test: str,
    model: str | None,
    refine: str | None,
    *,
    available: Callable[[str], bool] = model_available,
) -> str | None:
    """The refining model an analysis of ``test`` uses (None: no refinement).

    ``refine`` itself unless it is :data:`AUTO`; then the test's entry of
    :data:`DEFAULT_REFINEMENT`, only when tracking with the default model (``model`` None or
    ``"full"``) and when that refining model is provisioned (``available``): an analysis
    never fails, nor downloads, for want of its default refinement.
    """
    if refine != AUTO:
        return refine
    default = DEFAULT_REFINEMENT.get(test)
    if default is None or model not in (None, "full") or not available(default):
        return None
    return default


def landmark_rows(track: PoseTrack) -> NDArray[np.float32]:
    """The track's landmarks as per-frame rows, shape (T, 33, 8), float32.

    Columns as :meth:`rom.pose.PoseTrack.from_frames` takes them: pixel x, y, image z,
    visibility, presence, world x, y, z (NaN in frames without the person).
    """
    return np.concatenate(
        [
            track.image_xy,
            track.image_z[..., None],
            track.visibility[..., None],
            track.presence[..., None],
            track.world_xyz,
        ],
        axis=-1,
    ).astype(np.float32)


def peak_window(
    time_s: ArrayLike,
    values: ArrayLike,
    peak_index: int,
    *,
    margin_s: float = MARGIN_S,
    near_fraction: float = NEAR_PEAK_FRACTION,
) -> tuple[int, int]:
    """The frames to refine: the held peak and ``margin_s`` either side.

    The held peak is the run of frames around ``peak_index`` whose finite value stays
    within ``near_fraction`` of the excursion from the peak value; frames without a value
    (NaN) neither end nor join it.  The excursion runs from the peak to the clip's
    opposite extreme: a peak above the median is a maximum (the run holds values at or
    above ``peak - near_fraction * excursion``), one below it a minimum.

    Parameters
    ----------
    time_s : array_like, shape (T,)
        Frame times in seconds, increasing.
    values : array_like, shape (T,)
        The test's per-frame value (any unit), NaN where not measured.
    peak_index : int
        The measured peak's frame.
    margin_s, near_fraction : float

    Returns
    -------
    (start, stop) : tuple of int
        Half-open frame range.
    """
    t = np.asarray(time_s, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    lo = hi = int(peak_index)
    peak = v[peak_index]
    finite = v[np.isfinite(v)]
    if np.isfinite(peak) and finite.size:
        is_max = peak >= float(np.median(finite))
        excursion = peak - float(finite.min()) if is_max else float(finite.max()) - peak
        tolerance = near_fraction * excursion
        with np.errstate(invalid="ignore"):
            held = (v >= peak - tolerance) if is_max else (v <= peak + tolerance)
        stops = np.isfinite(v) & ~held  # a measured frame outside the band ends the run
        before = np.flatnonzero(stops[:peak_index])
        after = np.flatnonzero(stops[peak_index + 1 :])
        first = before[-1] + 1 if before.size else 0
        last = peak_index + after[0] if after.size else len(v) - 1
        in_run = np.flatnonzero(held[first : last + 1]) + first
        lo, hi = int(in_run[0]), int(in_run[-1])
    start = int(np.searchsorted(t, t[lo] - margin_s - 1e-9, side="left"))
    stop = int(np.searchsorted(t, t[hi] + margin_s + 1e-9, side="right"))
    return start, stop


def _every(time_s: NDArray[np.float64], rows: NDArray[np.intp], step_s: float) -> list[int]:
    """Of ``rows`` (increasing), the first and then each one ``step_s`` after the last kept."""
    kept: list[int] = []
    for row in rows.tolist():
        if not kept or time_s[row] >= time_s[kept[-1]] + step_s - 1e-6:
            kept.append(row)
    return kept


def anchor_rows(
    time_s: ArrayLike,
    start: int,
    stop: int,
    *,
    rate_fps: float | None = ANCHOR_FPS,
    warmup_s: float = WARMUP_S,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The frames the accurate model sees: warm-up frames, then the window's anchors.

    Parameters
    ----------
    time_s : array_like, shape (T,)
        Frame times in seconds, increasing.
    start, stop : int
        The window (half-open frame range, see :func:`peak_window`).
    rate_fps : float or None
        Most frames per second of video; None takes every frame.
    warmup_s : float
        Seconds of frames before ``start`` fed first and not used.

    Returns
    -------
    (warmup, anchors) : tuple of int arrays
        Frame rows, increasing.  The anchors start at ``start`` and end at ``stop - 1``,
        so the correction field spans the whole window.
    """
    t = np.asarray(time_s, dtype=np.float64)
    if stop <= start:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    step_s = 0.0 if rate_fps is None else 1.0 / rate_fps
    window = np.arange(start, stop, dtype=np.intp)
    anchors = _every(t, window, step_s)
    if anchors[-1] != stop - 1:
        anchors.append(stop - 1)
    first = int(np.searchsorted(t, t[start] - warmup_s - 1e-9, side="left"))
    warmup = _every(t, np.arange(first, start, dtype=np.intp), step_s)
    return np.asarray(warmup, dtype=np.intp), np.asarray(anchors, dtype=np.intp)


def choose_pose(
    reference: Rows, candidates: Sequence[Rows], max_cost: float = SAME_PERSON_COST
) -> Rows | None:
    """The candidate that is the reference's person, labelled like the reference.

    Each candidate takes the labelling, as given or with every left/right pair exchanged,
    that is nearer the reference's (:func:`labelled_like`; the reference's labels are
    already repaired, see :func:`rom.swaps.repair_track`); the nearest candidate by
    :func:`rom.landmarker.match_cost` is returned, or None when even it costs more than
    ``max_cost`` (somebody else, or the person lost).
    """
    best: Rows | None = None
    best_cost = max_cost
    for candidate in candidates:
        labelled = labelled_like(reference, candidate)
        cost = match_cost(reference, labelled)
        if cost <= best_cost:
            best, best_cost = labelled, cost
    return best


def labelled_like(reference: Rows, candidate: Rows) -> Rows:
    """``candidate`` as labelled or with its left/right pairs exchanged, whichever is nearer.

    Nearness is judged on the sided landmarks only (the face's middle and nothing else
    changes with the labels): their mean distance to the reference's, in the reference's
    box diagonals, plus their mean visibility difference.  Seen from the side the two legs
    and arms can overlap, so position alone is a coin toss there; the near side is the
    well-seen one for either model, so visibility settles it.
    """
    diagonal = box_diagonal(person_box(reference))

    def unlike(rows: Rows) -> float:
        distance = np.hypot(*(rows[SIDED, 0:2] - reference[SIDED, 0:2]).T) / diagonal
        visibility = np.abs(rows[SIDED, 3] - reference[SIDED, 3])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all NaN: no evidence
            mean_distance, mean_visibility = np.nanmean(distance), np.nanmean(visibility)
        return float(np.nan_to_num(mean_distance) + np.nan_to_num(mean_visibility))

    exchanged = candidate[MIRRORED]
    return exchanged if unlike(exchanged) < unlike(candidate) else candidate


def splice(
    track: PoseTrack,
    accurate: Mapping[int, Rows],
    start: int,
    stop: int,
    *,
    model_name: str,
    model_sha256: str,
    meta: Mapping[str, object] | None = None,
) -> PoseTrack:
    """The track with the accurate model's poses spliced into frames ``[start, stop)``.

    * At an anchor (a row of ``accurate``) the frame becomes the accurate pose, also
      where the fast model had not found the person.
    * Between anchors the fast pose is moved by the offset (accurate minus fast, per
      landmark and column: pixels, depth, visibility, presence, world metres) linearly
      interpolated in time between the nearest anchors on either side where both models
      found the person; visibility and presence stay in [0, 1].
    * Frames before the first or after the last such anchor, frames without the person
      and every frame outside the window are unchanged.

    Parameters
    ----------
    track : PoseTrack
        The fast model's track.
    accurate : mapping of row to (33, 8) rows
        The accurate model's pose of the tracked person (see :func:`choose_pose`) per
        track row, in the track's labelling.
    start, stop : int
        The window, half-open.
    model_name, model_sha256 : str
        The accurate model's.
    meta : mapping, optional
        More facts for ``settings["refine"]``.

    Returns
    -------
    PoseTrack
        ``model_name`` is ``"<fast>+<accurate>"``, ``model_sha256`` the SHA-256 of the
        two hashes joined by ``+``; ``settings["refine"]`` records the accurate model, the
        window (rows and seconds) and the anchor rows (``anchor_rows``) whose poses the
        accurate model gave.
    """
    rows = landmark_rows(track)
    out = rows.copy()
    detected = track.detected.copy()
    t = track.timestamps_s
    anchors = sorted(r for r in accurate if start <= r < stop)
    both = [r for r in anchors if track.detected[r]]
    if both:
        offsets = np.stack([accurate[r] - rows[r] for r in both]).astype(np.float64)
        t_anchor = t[both]
        between = np.arange(start, stop)
        between = between[track.detected[between]]
        flat = offsets.reshape(len(both), -1)
        corrected = out[between].reshape(len(between), -1).astype(np.float64)
        for c in range(flat.shape[1]):
            known = np.isfinite(flat[:, c])
            if not known.any():
                continue
            ta, da = t_anchor[known], flat[known, c]
            inside = (t[between] >= ta[0]) & (t[between] <= ta[-1])
            corrected[inside, c] += np.interp(t[between][inside], ta, da)
        out[between] = corrected.reshape(len(between), *rows.shape[1:]).astype(np.float32)
    for r in anchors:
        out[r] = accurate[r]
        detected[r] = True
    for c in _PROBABILITY_COLUMNS:
        np.clip(out[..., c], 0.0, 1.0, out=out[..., c])
    refine_meta: dict[str, object] = {
        "model": model_name,
        "model_sha256": model_sha256,
        "base_model": track.model_name,
        "base_model_sha256": track.model_sha256,
        "window_rows": [int(start), int(stop)],
        "window_s": [float(t[start]), float(t[stop - 1])] if stop > start else [],
        "anchor_rows": [int(r) for r in anchors],
        "version": REFINE_VERSION,
        **(meta or {}),
    }
    return replace(
        track,
        image_xy=out[..., 0:2].copy(),
        image_z=out[..., 2].copy(),
        visibility=out[..., 3].copy(),
        presence=out[..., 4].copy(),
        world_xyz=out[..., 5:8].copy(),
        detected=detected,
        model_name=f"{track.model_name}+{model_name}",
        model_sha256=sha256_bytes(f"{track.model_sha256}+{model_sha256}".encode()),
        settings={**track.settings, "refine": refine_meta},
    )


def refine_track(
    video: str | os.PathLike[str],
    track: PoseTrack,
    result: TrialResult,
    *,
    model: str,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
    mirrored: bool = False,
) -> PoseTrack | None:
    """Re-run ``model`` on the frames around ``result``'s peak and splice them in.

    Parameters
    ----------
    video : path-like
        The video ``track`` was made from.
    track : PoseTrack
        The fast model's track (:func:`rom.tracking.track_video`).
    result : TrialResult
        A measurement on ``track``: its peak frame and per-frame values give the window
        (:func:`peak_window`).
    model : str
        The accurate model: ``"heavy"``, another variant or a ``.task`` path.
    use_cache : bool
        Read and write the refined track in the track cache (its key holds the fast
        track's identity, both models, the window and the anchor rate).
    progress : callable(done, total), optional
        Called after each frame the accurate model sees.
    mirrored : bool
        Show ``model`` the frames mirrored left to right (:func:`rom.tracking.detect_frames`):
        the same window read a second time, independently (see
        :func:`rom.pipeline.analyse_trial`).

    Returns
    -------
    PoseTrack or None
        The refined track (see :func:`splice`); None when the measurement found no peak.

    Raises
    ------
    ModelError
        ``model`` cannot be resolved or loaded.
    VideoError
        The video cannot be read.
    """
    # Imported late: the resolver pulls in model building, tracking the video reader.
    from rom.posemodels import resolve_model
    from rom.tracking import cache_key, detect_frames, track_cache_path

    peak = result.measurement.peak_frame
    if peak is None or len(track) == 0:
        return None
    start, stop = peak_window(track.timestamps_s, result.values, peak)
    warmup, anchors = anchor_rows(
        track.timestamps_s, start, stop, rate_fps=ANCHOR_FPS, warmup_s=WARMUP_S
    )
    resolved = resolve_model(model)
    params = {
        "base": {"model": track.model_sha256, "settings": track.settings},
        "window_rows": [start, stop],
        "anchor_fps": ANCHOR_FPS,
        "warmup_s": WARMUP_S,
        "same_person_cost": SAME_PERSON_COST,
        "version": REFINE_VERSION,
        **({"mirrored": True} if mirrored else {}),
    }
    key = cache_key(track.source_sha256, resolved.sha256, json.loads(json.dumps(params)))
    cache_file = track_cache_path(track.source_sha256, key)
    if use_cache and cache_file.exists():
        try:
            return PoseTrack.load(cache_file)
        except (OSError, ValueError, KeyError):
            cache_file.unlink(missing_ok=True)

    fed = np.concatenate([warmup, anchors])
    index_to_row = {int(track.frame_indices[r]): int(r) for r in fed}
    total = len(fed)
    found = detect_frames(
        video,
        list(index_to_row),
        model_path=resolved.path,
        fps=track.settings.get("fps"),
        progress=None if progress is None else (lambda done: progress(done, total)),
        mirrored=mirrored,
    )
    full = landmark_rows(track)
    accurate: dict[int, Rows] = {}
    rejected: list[int] = []
    reference: Rows | None = None
    for row in anchors.tolist():
        if track.detected[row]:
            reference = full[row]
        people = found.get(int(track.frame_indices[row]), [])
        chosen = None if reference is None else choose_pose(reference, people)
        if chosen is None:
            rejected.append(row)
            continue
        accurate[row] = chosen
        if not track.detected[row]:
            reference = chosen  # follow the person through the fast model's gap
    refined = splice(
        track, accurate, start, stop, model_name=resolved.name, model_sha256=resolved.sha256,
        meta={"anchor_fps": ANCHOR_FPS, "warmup_rows": len(warmup), "rejected_rows": rejected,
              "peak_row": int(peak), "mirrored": mirrored},
    )
    if use_cache:
        try:
            refined.save(cache_file)
        except OSError as exc:  # a read-only cache must not lose the analysis
            warnings.warn(f"cannot write the track cache {cache_file}: {exc}", stacklevel=2)
    return refined

