"""Background analysis jobs (rom.dashboard.jobs): the pure state logic and the registry."""

from __future__ import annotations

import threading

import pytest

from rom.dashboard import jobs


def _job(n_items: int = 2) -> jobs.JobState[str, int]:
    return jobs.new_job("abc", "request", n_items, now=100.0)


def test_fraction_counts_items_stages_and_frames() -> None:
    job = _job(2)
    assert jobs.fraction(job) == 0.0
    # Half of the first video's tracking: half of the tracking span of one of two items.
    half = jobs.advanced(job, 0, "Pre · before", "tracking", 50, 100)
    assert jobs.fraction(half) == pytest.approx(0.5 * 0.85 / 2)
    drawing = jobs.advanced(job, 0, "Pre · before", "drawing", 0, 10)
    assert jobs.fraction(drawing) == pytest.approx(0.85 / 2)
    second = jobs.advanced(job, 1, "Post · after", "drawing", 10, 10)
    assert jobs.fraction(second) == pytest.approx(1.0)
    # Unknown frame count: the start of the stage; more frames than announced: capped.
    assert jobs.fraction(jobs.advanced(job, 1, "x", "tracking", 7, 0)) == pytest.approx(0.5)
    assert jobs.fraction(jobs.advanced(job, 0, "x", "tracking", 300, 100)) == pytest.approx(
        0.85 / 2)
    assert jobs.fraction(jobs.ended(half, "done", now=101.0)) == 1.0
    assert jobs.fraction(_job(0)) == 1.0


def test_progress_text_names_the_video_and_frames() -> None:
    job = _job(2)
    assert jobs.progress_text(job) == jobs.STARTING_TEXT
    tracking = jobs.advanced(job, 0, "Pre · before", "tracking", 12, 90)
    assert jobs.progress_text(tracking) == "Pre · before: finding the body… frame 12 of 90"
    unknown = jobs.advanced(job, 0, "Pre · before", "tracking", 3, 0)
    assert jobs.progress_text(unknown) == "Pre · before: finding the body… frame 3 of ?"
    drawing = jobs.advanced(job, 1, "Post · after", "drawing", 1, 9)
    assert jobs.progress_text(drawing) == "Post · after: drawing the annotated video…"
    assert jobs.progress_text(jobs.ended(drawing, "done", now=1.0)) == jobs.DONE_TEXT


def test_a_finished_job_does_not_move_and_versions_count_changes() -> None:
    job = jobs.with_result(_job(1), 7)
    job = jobs.with_error(job, "Post · after: no body")
    assert (job.results, job.errors, job.version) == ((7,), ("Post · after: no body",), 2)
    done = jobs.ended(job, "done", now=105.0)
    assert done.finished and done.finished_at == 105.0 and done.item == 1
    assert jobs.advanced(done, 0, "x", "tracking", 1, 2) is done
    with pytest.raises(ValueError):
        jobs.ended(job, "running", now=1.0)
    with pytest.raises(ValueError):
        jobs.new_job("x", None, -1, now=0.0)


def test_job_ids_are_fresh_and_checked() -> None:
    ids = {jobs.new_job_id() for _ in range(50)}
    assert len(ids) == 50 and all(jobs.is_job_id(i) for i in ids)
    for bad in ("", "short", "x" * 23, "a" * 21 + "/", None, 5):
        assert not jobs.is_job_id(bad)


def _wait_finished(registry: jobs.JobRegistry[str, int], job_id: str) -> jobs.JobState[str, int]:
    version = -1
    for _ in range(200):
        job = registry.wait(job_id, version, 0.05)
        assert job is not None
        if job.finished:
            return job
        version = job.version
    raise AssertionError("the job did not finish")


def test_registry_runs_work_in_the_background_and_hands_results_out_once() -> None:
    registry: jobs.JobRegistry[str, int] = jobs.JobRegistry()
    go = threading.Event()

    def work(report: jobs.Reporter[str, int]) -> None:
        report.progress(0, "Pre", "tracking", 1, 2)
        go.wait(5)
        report.result(41)
        report.error("Post: no body")

    job_id = registry.submit("ctx", 2, work)
    running = registry.wait(job_id, 0, 5)
    assert running is not None and running.label == "Pre" and not running.finished
    assert registry.claim(job_id) is None  # still running: nothing to take
    go.set()
    done = _wait_finished(registry, job_id)
    assert (done.status, done.results, done.errors, done.context) == (
        "done", (41,), ("Post: no body",), "ctx")
    taken = registry.claim(job_id)
    assert taken is not None and taken.results == (41,)
    assert registry.claim(job_id) is None  # once only (a second tab gets nothing)
    assert registry.get("unknown") is None


def test_two_jobs_at_once_both_finish() -> None:
    registry: jobs.JobRegistry[str, int] = jobs.JobRegistry()
    barrier = threading.Barrier(2, timeout=5)

    def work(value: int) -> jobs.Work[str, int]:
        def run(report: jobs.Reporter[str, int]) -> None:
            barrier.wait()  # both are running at the same time
            report.result(value)
        return run

    first, second = registry.submit("a", 1, work(1)), registry.submit("b", 1, work(2))
    assert first != second
    assert _wait_finished(registry, first).results == (1,)
    assert _wait_finished(registry, second).results == (2,)


def test_cancel_and_crash_end_the_job_with_their_status() -> None:
    registry: jobs.JobRegistry[str, int] = jobs.JobRegistry(on_crash=lambda exc: f"ref {exc}")
    started = threading.Event()
    release = threading.Event()

    def slow(report: jobs.Reporter[str, int]) -> None:
        started.set()
        release.wait(5)
        report.progress(0, "Pre", "tracking", 2, 3)  # raises: cancelled
        report.result(1)

    job_id = registry.submit("c", 1, slow)
    started.wait(5)
    registry.cancel(job_id)
    release.set()
    cancelled = _wait_finished(registry, job_id)
    assert cancelled.status == "cancelled" and cancelled.results == ()

    def broken(report: jobs.Reporter[str, int]) -> None:
        raise KeyError("boom")

    crashed = _wait_finished(registry, registry.submit("d", 1, broken))
    assert crashed.status == "failed" and crashed.failure == "ref 'boom'"


def test_finished_jobs_are_forgotten_after_keep_s() -> None:
    registry: jobs.JobRegistry[str, int] = jobs.JobRegistry(keep_s=0.0)
    first = registry.submit("a", 0, lambda report: None)
    _wait_finished(registry, first)
    threading.Event().wait(0.01)
    second = registry.submit("b", 0, lambda report: None)  # a submit sweeps the old ones
    assert registry.get(first) is None and registry.get(second) is not None
