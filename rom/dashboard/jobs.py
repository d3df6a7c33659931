"""Analyses that outlive the page: background jobs in a process-wide registry.

Streamlit reruns the script on every click and forgets ``st.session_state`` on a reload,
while analysing two videos takes a minute.  The work therefore runs in a worker thread
owned by a :class:`JobRegistry` shared by the whole server process, keyed by a random job
id that the page keeps in its URL (``?job=...``) and in its session state.  Every rerun
reads the job's :class:`JobState` (a frozen snapshot) and draws its progress; the first run
after it finished claims the results (once, :meth:`JobRegistry.claim`) and saves them.

The state logic (:func:`new_job`, :func:`advanced`, :func:`fraction`, ...) is pure; only the
registry holds threads and a lock.  No Streamlit here.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Generic, Literal, TypeVar

from rom.i18n import N_, _

C = TypeVar("C")  # what the job was started with (e.g. the analysis request)
T = TypeVar("T")  # one item's result (e.g. one analysed video)

Stage = Literal["tracking", "drawing"]
Status = Literal["running", "done", "failed", "cancelled"]

#: Share of one item's progress bar given to each stage: finding the body takes most of it.
STAGE_SPAN: dict[Stage, tuple[float, float]] = {"tracking": (0.0, 0.85),
                                                "drawing": (0.85, 1.0)}
#: Progress words per stage (``{label}``: the item, ``{frame}``/``{frames}``: frame counts).
STAGE_TEXT: dict[Stage, str] = {
    "tracking": N_("{label}: finding the body… frame {frame} of {frames}"),
    "drawing": N_("{label}: drawing the annotated video…"),
}
STARTING_TEXT = N_("Starting the analysis…")
DONE_TEXT = N_("Analysis finished.")
#: A job id as made by :func:`new_job_id`; anything else in a URL is ignored.
JOB_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")


class JobCancelled(Exception):
    """Raised inside the worker by :meth:`Reporter.progress` once the job was cancelled."""


@dataclass(frozen=True)
class JobState(Generic[C, T]):
    """One snapshot of a background job.

    Attributes
    ----------
    job_id : str
    context : C
        What the job was started with (for the analysis: the request, which names the person,
        test, side and technique the results belong to).
    n_items : int
        Items to do (videos); progress counts them in order.
    item : int
        Index of the item being worked on (0-based); ``n_items`` once all are done.
    label : str
        The current item's name in words (e.g. ``"Pre · before"``).
    stage : Stage
        What is being done to the item: ``"tracking"`` or ``"drawing"``.
    frame, frames : int
        Frames done and frames in all of the stage (``frames`` 0: not known yet).
    status : Status
        ``"running"`` until the worker returns; ``"done"``, ``"failed"`` (an unexpected error,
        ``failure`` says which) or ``"cancelled"`` after.
    results : tuple of T
        Finished items, in the order they finished.
    errors : tuple of str
        One line per item that could not be done (the others go on).
    failure : str or None
        The unexpected error's one line, when ``status == "failed"``.
    claimed : bool
        The results were taken by a page run (they are handed out once).
    started_at, finished_at : float
        ``time.time()`` seconds; ``finished_at`` is ``None`` while running.
    version : int
        Increases with every change (a waiting page redraws when it moves).
    """

    job_id: str
    context: C
    n_items: int
    item: int = 0
    label: str = ""
    stage: Stage = "tracking"
    frame: int = 0
    frames: int = 0
    status: Status = "running"
    results: tuple[T, ...] = ()
    errors: tuple[str, ...] = ()
    failure: str | None = None
    claimed: bool = False
    started_at: float = 0.0
    finished_at: float | None = None
    version: int = 0

    @property
    def finished(self) -> bool:
        return self.status != "running"


def new_job_id() -> str:
    """A fresh unguessable job id (22 URL-safe characters)."""
    return secrets.token_urlsafe(16)


def is_job_id(text: object) -> bool:
    """Whether ``text`` (e.g. read from the URL) has the shape of a job id."""
    return isinstance(text, str) and JOB_ID_PATTERN.fullmatch(text) is not None


def new_job(job_id: str, context: C, n_items: int, now: float) -> JobState[C, T]:
    """A job that has not started its first item."""
    if n_items < 0:
        raise ValueError(f"n_items must be >= 0, got {n_items}")
    return JobState(job_id=job_id, context=context, n_items=n_items, started_at=now)


def advanced(job: JobState[C, T], item: int, label: str, stage: Stage, frame: int,
             frames: int) -> JobState[C, T]:
    """The job at ``frame`` of ``frames`` of ``stage`` of item ``item`` (a running job only)."""
    if job.finished:
        return job
    return replace(job, item=item, label=label, stage=stage, frame=max(0, frame),
                   frames=max(0, frames), version=job.version + 1)


def with_result(job: JobState[C, T], result: T) -> JobState[C, T]:
    return replace(job, results=(*job.results, result), version=job.version + 1)


def with_error(job: JobState[C, T], message: str) -> JobState[C, T]:
    return replace(job, errors=(*job.errors, message), version=job.version + 1)


def ended(job: JobState[C, T], status: Status, now: float,
          failure: str | None = None) -> JobState[C, T]:
    """The job after its worker returned (``status`` other than ``"running"``)."""
    if status == "running":
        raise ValueError("a job ends as done, failed or cancelled")
    return replace(job, status=status, failure=failure, item=job.n_items, finished_at=now,
                   version=job.version + 1)


def fraction(job: JobState[C, T]) -> float:
    """Progress of the whole job in [0, 1]: items weigh equally, each split by
    :data:`STAGE_SPAN`, a stage by its frames."""
    if job.finished or job.n_items == 0:
        return 1.0
    start, end = STAGE_SPAN[job.stage]
    within = min(1.0, job.frame / job.frames) if job.frames > 0 else 0.0
    item = min(job.item, job.n_items - 1)
    return min(1.0, (item + start + (end - start) * within) / job.n_items)


def progress_text(job: JobState[C, T]) -> str:
    """The progress bar's words."""
    if job.finished:
        return _(DONE_TEXT)
    if not job.label:
        return _(STARTING_TEXT)
    return _(STAGE_TEXT[job.stage]).format(label=job.label, frame=job.frame,
                                           frames=job.frames or "?")


# -- the registry (threads) -----------------------------------------------------------------


@dataclass
class Reporter(Generic[C, T]):
    """What a worker is handed to tell its registry how far it got."""

    _registry: JobRegistry[C, T]
    job_id: str

    def progress(self, item: int, label: str, stage: Stage, frame: int, frames: int) -> None:
        """Record progress; raises :class:`JobCancelled` when the job was cancelled."""
        if self._registry.is_cancelled(self.job_id):
            raise JobCancelled(self.job_id)
        self._registry._update(self.job_id,
                               lambda j: advanced(j, item, label, stage, frame, frames))

    def result(self, result: T) -> None:
        self._registry._update(self.job_id, lambda j: with_result(j, result))

    def error(self, message: str) -> None:
        self._registry._update(self.job_id, lambda j: with_error(j, message))


Work = Callable[[Reporter[C, T]], None]


@dataclass
class JobRegistry(Generic[C, T]):
    """Background jobs of one server process, each in its own daemon thread.

    Parameters
    ----------
    keep_s : float
        Finished jobs are forgotten this many seconds after they ended (claimed or not), so a
        page reloaded later than that starts afresh.
    on_crash : callable or None
        Turns an unexpected exception of a worker into the job's ``failure`` line (e.g. logs
        it and returns a reference); by default the exception's class name.
    """

    keep_s: float = 3600.0
    on_crash: Callable[[Exception], str] | None = None
    _jobs: dict[str, JobState[C, T]] = field(default_factory=dict)
    _cancelled: set[str] = field(default_factory=set)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def submit(self, context: C, n_items: int, work: Work[C, T]) -> str:
        """Start ``work`` in a new thread; returns the job id."""
        job_id = new_job_id()
        with self._changed:
            self._forget_old(time.time())
            self._jobs[job_id] = new_job(job_id, context, n_items, time.time())
        thread = threading.Thread(target=self._run, args=(job_id, work),
                                  name=f"rom-job-{job_id[:6]}", daemon=True)
        thread.start()
        return job_id

    def get(self, job_id: str) -> JobState[C, T] | None:
        with self._changed:
            return self._jobs.get(job_id)

    def claim(self, job_id: str) -> JobState[C, T] | None:
        """The finished job, handed out once (later calls, and running jobs: ``None``)."""
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None or not job.finished or job.claimed:
                return None
            self._jobs[job_id] = replace(job, claimed=True)
            return job

    def cancel(self, job_id: str) -> None:
        """Ask the worker to stop at its next progress report."""
        with self._changed:
            if job_id in self._jobs:
                self._cancelled.add(job_id)

    def is_cancelled(self, job_id: str) -> bool:
        with self._changed:
            return job_id in self._cancelled

    def wait(self, job_id: str, after_version: int, timeout_s: float) -> JobState[C, T] | None:
        """The job once its version passed ``after_version``, or as it is after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                job = self._jobs.get(job_id)
                left = deadline - time.monotonic()
                if job is None or job.version > after_version or left <= 0:
                    return job
                self._changed.wait(left)

    def _update(self, job_id: str, change: Callable[[JobState[C, T]], JobState[C, T]]) -> None:
        with self._changed:
            job = self._jobs.get(job_id)
            if job is not None:
                self._jobs[job_id] = change(job)
                self._changed.notify_all()

    def _run(self, job_id: str, work: Work[C, T]) -> None:
        status: Status = "done"
        failure: str | None = None
        try:
            work(Reporter(self, job_id))
        except JobCancelled:
            status = "cancelled"
        except Exception as exc:  # a worker must never die silently: the page shows it
            status = "failed"
            failure = self.on_crash(exc) if self.on_crash else type(exc).__name__
        now = time.time()
        self._update(job_id, lambda j: ended(j, status, now, failure))

    def _forget_old(self, now: float) -> None:
        old = [job_id for job_id, job in self._jobs.items()
               if job.finished_at is not None and now - job.finished_at > self.keep_s]
        for job_id in old:
            del self._jobs[job_id]
            self._cancelled.discard(job_id)
