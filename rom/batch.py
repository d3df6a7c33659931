"""A screening day in one go: many clips analysed in worker processes, stored as they finish.

Clips come from a folder, named ``NAME_TEST_SIDE_PHASE.ext`` (for example
``ana_knee-flexion_left_pre.mp4``), or from a CSV manifest.  Names are read from the
right, so a person's name may itself contain underscores (``ana_maria_toe-touch_auto_post
.mov``); a clip named just ``TEST_SIDE_PHASE`` (the bundled ``sample_videos/`` are named
so) belongs to the default person.  The manifest has the columns ``video, person, test,
side, phase`` and optionally ``height_cm`` and ``session``; video paths are relative to
the manifest's folder.

Each clip is analysed by :func:`rom.pipeline.analyse_trial` in a worker process (spawned,
so each has its own MediaPipe graph); results are written to the store by this, the
parent, process, each in its own transaction: the first trial of a person (per manifest
``session`` value) creates a session, the next ones are added to it.  A clip that fails
is reported and skipped.  Clips whose video is already stored (same SHA-256) for that
person, test, side and phase are skipped, so running a batch again resumes it.
"""

from __future__ import annotations

import csv
import math
import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

from rom.errors import RomError, StorageError
from rom.fileio import sha256_file
from rom.measurement import Measurement
from rom.pipeline import AnalysisOptions, analyse_trial
from rom.protocols import TESTS
from rom.store import Store
from rom.store.records import NewTrial
from rom.video import VIDEO_TYPES
from rom.vocabulary import PHASES, SIDE_CHOICES

#: Columns a manifest must have (``height_cm`` and ``session`` are optional).
MANIFEST_COLUMNS = ("video", "person", "test", "side", "phase")

#: Status of a clip in the summary.
STORED, SKIPPED, FAILED = "stored", "skipped", "failed"

#: Notes of the sessions a batch creates.
SESSION_NOTE = "rom batch"

#: Called with the number of finished clips and their total.
BatchProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class BatchClip:
    """One clip to analyse.

    Attributes
    ----------
    video : Path
    person : str
        The person's name (found in the store, case-insensitive, or added).
    test : str
        One of :data:`rom.protocols.TESTS`.
    side : {"auto", "left", "right"}
    phase : {"pre", "post"}
    height_cm : float or None
        The person's height for this clip; None uses the stored height, if any.
    session : str or None
        Manifest's session label: trials of one person with the same label share a stored
        session (None: one session per person per run).
    """

    video: Path
    person: str
    test: str
    side: str
    phase: str
    height_cm: float | None = None
    session: str | None = None


@dataclass(frozen=True)
class ClipOutcome:
    """What happened to one clip (one row of the summary).

    ``value`` is in ``unit``; ``side`` is the measured side once measured.
    ``detail`` says why a clip failed or was skipped.
    """

    clip: str
    person: str | None
    test: str | None
    side: str | None
    phase: str | None
    status: str
    value: float | None = None
    unit: str | None = None
    reliable: bool | None = None
    detail: str = ""


@dataclass(frozen=True)
class BatchPlan:
    """The clips found and the files that could not be read as clips (already failed)."""

    clips: tuple[BatchClip, ...]
    rejected: tuple[ClipOutcome, ...]


@dataclass(frozen=True)
class _Job:
    clip: BatchClip
    options: AnalysisOptions


@dataclass(frozen=True)
class _Analysed:
    """What a worker sends back: small and picklable (no track, no frames)."""

    measurement: Measurement | None
    model_name: str = ""
    track_settings: tuple[tuple[str, object], ...] = ()
    error: str = ""


def parse_clip_name(path: Path, default_person: str | None) -> BatchClip:
    """The clip a file stands for, from its name ``[NAME_]TEST_SIDE_PHASE.ext``.

    Raises
    ------
    RomError
        The name does not follow the pattern (or has no NAME and no default person).
    """
    parts = path.stem.split("_")
    expected = "NAME_TEST_SIDE_PHASE (e.g. ana_knee-flexion_left_pre.mp4)"
    if len(parts) < 3:
        raise RomError(f"the file name is not {expected}")
    test, side, phase = (part.lower() for part in parts[-3:])
    name = "_".join(parts[:-3]).strip() or default_person
    if test not in TESTS:
        raise RomError(f"unknown test {parts[-3]!r} in the name; one of {', '.join(TESTS)}")
    if side not in SIDE_CHOICES:
        raise RomError(f"unknown side {parts[-2]!r} in the name; one of "
                       f"{', '.join(SIDE_CHOICES)}")
    if phase not in PHASES:
        raise RomError(f"unknown phase {parts[-1]!r} in the name; pre or post")
    if not name:
        raise RomError(f"the file name has no person; name it {expected} or give --person")
    return BatchClip(video=path, person=name, test=test, side=side, phase=phase)


def clips_in_folder(folder: Path, default_person: str | None) -> BatchPlan:
    """Every video in ``folder`` (not its sub-folders) as a clip, sorted by file name."""
    clips: list[BatchClip] = []
    rejected: list[ClipOutcome] = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower().lstrip(".") not in VIDEO_TYPES:
            continue
        try:
            clips.append(parse_clip_name(path, default_person))
        except RomError as exc:
            rejected.append(ClipOutcome(path.name, None, None, None, None, FAILED,
                                        detail=str(exc)))
    return BatchPlan(tuple(clips), tuple(rejected))


def read_manifest(path: Path) -> BatchPlan:
    """The clips of a CSV manifest (see the module docstring).

    Raises
    ------
    RomError
        Unreadable file, missing columns or a row with an impossible value (all rows'
        problems are listed), so that nothing runs on a half-understood manifest.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            columns = set(rows[0]) if rows else set()
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RomError(f"cannot read the manifest {path}: {exc}") from exc
    missing = [c for c in MANIFEST_COLUMNS if c not in columns]
    if not rows or missing:
        raise RomError(f"{path}: the manifest needs the columns {', '.join(MANIFEST_COLUMNS)}"
                       + (f" (missing: {', '.join(missing)})" if rows else " and a row"))
    clips: list[BatchClip] = []
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            clips.append(_manifest_clip(path.parent, row))
        except RomError as exc:
            problems.append(f"line {line}: {exc}")
    if problems:
        raise RomError(f"{path}: " + "; ".join(problems))
    return BatchPlan(tuple(clips), ())


def _manifest_clip(base: Path, row: dict[str, str | None]) -> BatchClip:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    test, side, phase = cell("test").lower(), cell("side").lower() or "auto", cell("phase").lower()
    if not cell("video") or not cell("person"):
        raise RomError("video and person must not be empty")
    if test not in TESTS:
        raise RomError(f"unknown test {cell('test')!r}")
    if side not in SIDE_CHOICES:
        raise RomError(f"side must be one of {', '.join(SIDE_CHOICES)}, not {cell('side')!r}")
    if phase not in PHASES:
        raise RomError(f"phase must be pre or post, not {cell('phase')!r}")
    height_cm: float | None = None
    if cell("height_cm"):
        try:
            height_cm = float(cell("height_cm"))
        except ValueError:
            raise RomError(f"height_cm is not a number: {cell('height_cm')!r}") from None
        if not (math.isfinite(height_cm) and height_cm > 0):
            raise RomError(f"height_cm must be a positive number, not {height_cm}")
    video = Path(cell("video"))
    return BatchClip(
        video=video if video.is_absolute() else base / video, person=cell("person"),
        test=test, side=side, phase=phase, height_cm=height_cm, session=cell("session") or None,
    )


def plan_batch(source: Path, default_person: str | None = None) -> BatchPlan:
    """The clips of a folder or a ``.csv`` manifest.

    ``default_person`` names the person of clips whose file name has none; None uses the
    folder's name.

    Raises
    ------
    RomError
        No such folder or file, or a bad manifest.
    """
    if source.is_dir():
        return clips_in_folder(source, default_person or source.resolve().name)
    if source.is_file() and source.suffix.lower() == ".csv":
        return read_manifest(source)
    if source.exists():
        raise RomError(f"{source} is neither a folder of clips nor a .csv manifest")
    raise RomError(f"no such folder or manifest: {source}")


def _analyse_in_worker(job: _Job) -> _Analysed:
    """One clip in a worker process (top level, so a spawned process can import it)."""
    try:
        analysis = analyse_trial(job.clip.video, job.clip.test, job.options)
    except Exception as exc:  # any failure is one clip's, never the batch's
        text = _reason(exc)
        return _Analysed(None, error=text)
    track = analysis.track
    return _Analysed(analysis.measurement, track.model_name,
                     tuple(sorted(track.settings.items())))


class _Filing:
    """Where each person's trials go in the store, found or made as results arrive."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._people: dict[str, tuple[int, float | None]] = {}
        self._stored: dict[int, list[tuple[str | None, str, str | None, str]]] = {}
        self._sessions: dict[tuple[int, str | None], int] = {}

    def person(self, name: str, height_cm: float | None) -> tuple[int, float | None]:
        """(id, stored height) of the person called ``name``, added when new."""
        key = name.casefold()
        if key not in self._people:
            same = [p for p in self._store.list_people() if p.name.casefold() == key]
            if len(same) > 1:  # the clip fails: whose it is cannot be told
                ids = ", ".join(str(p.id) for p in same)
                raise StorageError(f"{len(same)} people are called {name!r} ({ids}); "
                                   "rename one or use a manifest with distinct names")
            found = same[0] if same else self._store.add_person(name, height_cm=height_cm)
            self._people[key] = (found.id, found.height_cm)
        return self._people[key]

    def already_stored(self, person_id: int, sha256: str, clip: BatchClip) -> bool:
        if person_id not in self._stored:
            self._stored[person_id] = [
                (trial.video_sha256, trial.test, trial.side, trial.phase)
                for session in self._store.sessions(person_id)
                for trial in self._store.trials(session.id)
            ]
        return any(
            stored_sha == sha256 and test == clip.test and phase == clip.phase
            and (clip.side == "auto" or side == clip.side)
            for stored_sha, test, side, phase in self._stored[person_id]
        )

    def store(self, person_id: int, clip: BatchClip, sha256: str, done: _Analysed) -> None:
        """Write one trial with its measurement, in one transaction."""
        assert done.measurement is not None
        trial = NewTrial(
            phase=clip.phase, test=clip.test, side=done.measurement.side,
            video_path=clip.video, video_sha256=sha256,
            settings={"model": done.model_name, **dict(done.track_settings)},
            measurements=(done.measurement,),
        )
        group = (person_id, clip.session)
        if group in self._sessions:
            self._store.add_trial(self._sessions[group], trial)
        else:
            note = SESSION_NOTE + (f": {clip.session}" if clip.session else "")
            session = self._store.add_session(person_id, notes=note, trials=[trial])
            self._sessions[group] = session.id
        self._stored[person_id].append((sha256, clip.test, done.measurement.side, clip.phase))


def _outcome(clip: BatchClip, status: str, detail: str = "",
             measurement: Measurement | None = None) -> ClipOutcome:
    return ClipOutcome(
        clip=clip.video.name, person=clip.person, test=clip.test,
        side=measurement.side if measurement is not None else clip.side, phase=clip.phase,
        status=status, value=measurement.value if measurement is not None else None,
        unit=measurement.unit if measurement is not None else None,
        reliable=measurement.reliable if measurement is not None else None, detail=detail,
    )


def run_batch(
    plan: BatchPlan,
    store: Store,
    options: AnalysisOptions,
    *,
    workers: int = 1,
    progress: BatchProgress | None = None,
) -> list[ClipOutcome]:
    """Analyse the plan's clips in ``workers`` processes and store each result.

    Parameters
    ----------
    plan : BatchPlan
    store : Store
        Written from this process only, one transaction per clip.
    options : AnalysisOptions
        Shared settings (model, fps, marker, lens, cache); each clip's side and height
        replace the options' own.
    workers : int
        Worker processes (each runs its own MediaPipe graph).
    progress : callable(done, total), optional
        Called when a clip is finished (analysed, skipped or failed).

    Returns
    -------
    list of ClipOutcome
        One per clip and rejected file, in the plan's order.
    """
    if workers < 1:
        raise RomError(f"--workers must be 1 or more, not {workers}")
    filing = _Filing(store)
    outcomes: dict[int, ClipOutcome] = {}
    jobs: dict[int, tuple[_Job, int, str]] = {}
    for index, clip in enumerate(plan.clips):
        try:
            sha256 = sha256_file(clip.video)
            person_id, stored_height = filing.person(clip.person, clip.height_cm)
            if filing.already_stored(person_id, sha256, clip):
                outcomes[index] = _outcome(clip, SKIPPED, "already stored")
                continue
            job_options = replace(options, side=clip.side,
                                  height_cm=clip.height_cm or stored_height)
        except (OSError, RomError) as exc:
            outcomes[index] = _outcome(clip, FAILED, _reason(exc))
            continue
        jobs[index] = (_Job(clip, job_options), person_id, sha256)
    total = len(plan.clips)
    finished = len(outcomes)
    if progress is not None:
        progress(finished, total)
    if jobs:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)),
                                 mp_context=context) as pool:
            futures: dict[Future[_Analysed], int] = {
                pool.submit(_analyse_in_worker, job): i for i, (job, _, _) in jobs.items()
            }
            for future in as_completed(futures):
                index = futures[future]
                job, person_id, sha256 = jobs[index]
                outcomes[index] = _finish(filing, job.clip, person_id, sha256, future)
                finished += 1
                if progress is not None:
                    progress(finished, total)
    return [*plan.rejected, *(outcomes[i] for i in range(total))]



def _reason(exc: BaseException) -> str:
    if isinstance(exc, RomError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"cannot read the file: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def _finish(filing: _Filing, clip: BatchClip, person_id: int, sha256: str,
            future: Future[_Analysed]) -> ClipOutcome:
    """Store a finished clip's result; any failure is this clip's alone."""
    try:
        done = future.result()
    except Exception as exc:  # e.g. a worker killed by the system
        return _outcome(clip, FAILED, f"the analysis process failed: {_reason(exc)}")
    if done.measurement is None:
        return _outcome(clip, FAILED, done.error)
    try:
        filing.store(person_id, clip, sha256, done)
    except RomError as exc:
        return _outcome(clip, FAILED, f"not stored: {exc}", done.measurement)
    return _outcome(clip, STORED, measurement=done.measurement)


def summary_rows(outcomes: Iterable[ClipOutcome]) -> list[tuple[str, ...]]:
    """The summary table's rows (with a header): clip, person, test, side, phase, value,
    reliable, status."""
    rows: list[tuple[str, ...]] = [
        ("clip", "person", "test", "side", "phase", "value", "reliable", "status")
    ]
    for o in outcomes:
        value = "" if o.value is None else f"{o.value:.1f} {o.unit}"
        reliable = "" if o.reliable is None else ("yes" if o.reliable else "NO")
        status = o.status + (f": {o.detail}" if o.detail and o.status != STORED else "")
        rows.append((o.clip, o.person or "", o.test or "", o.side or "", o.phase or "",
                     value, reliable, status))
    return rows


def format_table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns; the last column (the status) is not padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    )
