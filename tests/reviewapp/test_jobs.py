"""The one job machinery: idempotent claim, progress in the row, stale leases, one active search."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from reviewapp import jobs
from reviewapp.jobs import JobStatus
from reviewapp.models import DedupRun, ImportBatch, Record
from reviewapp.services import duplicates as dedup_services
from reviewapp.services.imports import import_progress, import_run, import_start
from reviewapp.services.reviews import source_create

from ..conftest import shared

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(review, alice):
    return source_create(review=review, actor=alice, name="Scopus")


def test_a_second_claim_of_the_same_job_is_a_no_op(review, alice):
    run = DedupRun.objects.create(review=review, created_by=alice)
    first = jobs.job_claim(DedupRun, run.pk)
    second = jobs.job_claim(DedupRun, run.pk)
    assert first is not None and first.status == JobStatus.RUNNING and first.attempts == 1
    assert second is None
    assert DedupRun.objects.get(pk=run.pk).attempts == 1


def test_a_redelivered_import_task_imports_the_file_once(review, alice, source):
    path = shared("formats", "scopus", "asysd_scopus.ris")
    with open(path, "rb") as handle:
        batch = import_start(
            review=review, source=source, actor=alice, fileobj=handle, file_name="s.ris", enqueue=False
        )
    assert import_run(batch_id=batch.pk).records_count == 10
    again = import_run(batch_id=batch.pk)  # the broker delivered the task a second time
    assert again.status == JobStatus.SUCCEEDED and Record.objects.filter(batch=batch).count() == 10


def _stale(model, **values):
    old = timezone.now() - jobs.lease() - dt.timedelta(seconds=5)
    row = model.objects.create(status=JobStatus.RUNNING, started_at=old, **values)
    model.objects.filter(pk=row.pk).update(heartbeat_at=old, updated_at=old)
    return row


def test_a_duplicate_search_whose_process_died_is_failed_on_the_next_look_and_a_new_one_runs(review, alice):
    dead = _stale(DedupRun, review=review, created_by=alice)
    assert dedup_services.dedup_progress(DedupRun.objects.get(pk=dead.pk))["status"] == JobStatus.FAILED
    dead.refresh_from_db()
    assert dead.status == JobStatus.FAILED and "process went away" in dead.error
    fresh = dedup_services.dedup_run_now(review=review, actor=alice)
    assert fresh.pk != dead.pk and fresh.status == JobStatus.SUCCEEDED


def test_a_killed_import_no_longer_blocks_importing_the_same_file(review, alice, source):
    path = shared("formats", "scopus", "asysd_scopus.ris")
    with open(path, "rb") as handle:
        first = import_start(
            review=review, source=source, actor=alice, fileobj=handle, file_name="s.ris", enqueue=False
        )
    old = timezone.now() - jobs.lease() - dt.timedelta(seconds=5)
    ImportBatch.objects.filter(pk=first.pk).update(status=JobStatus.RUNNING, heartbeat_at=old, updated_at=old)
    with open(path, "rb") as handle:  # without the lease this was refused as "already imported"
        second = import_start(
            review=review, source=source, actor=alice, fileobj=handle, file_name="s.ris", enqueue=False
        )
    assert ImportBatch.objects.get(pk=first.pk).status == JobStatus.FAILED
    assert import_run(batch_id=second.pk).records_count == 10


def test_a_running_job_with_a_fresh_heartbeat_is_not_stale(review, alice):
    run = DedupRun.objects.create(review=review, created_by=alice, status=JobStatus.RUNNING)
    DedupRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    assert jobs.job_fail_stale(DedupRun, review=review) == 0
    assert dedup_services.dedup_run_start(review=review, actor=alice).pk == run.pk


def test_progress_is_kept_in_the_jobs_row(review, alice, source):
    batch = ImportBatch.objects.create(
        review=review, source=source, file_name="big.ris", sha256="x" * 64, size=1000, created_by=alice
    )
    claimed = jobs.job_claim(ImportBatch, batch.pk)
    jobs._LOCAL.forget(ImportBatch, batch.pk)  # as seen from another web process
    jobs.HEARTBEAT_EVERY, every = 0, jobs.HEARTBEAT_EVERY
    try:
        jobs.job_progress(claimed, bytes=250, records=40)
    finally:
        jobs.HEARTBEAT_EVERY = every
    jobs._LOCAL.forget(ImportBatch, batch.pk)
    seen = ImportBatch.objects.get(pk=batch.pk)
    assert seen.progress == {"bytes": 250, "records": 40}
    assert import_progress(seen) == {"status": "running", "fraction": 0.25, "records": 40}


def test_a_failed_job_keeps_its_error_text(review, alice):
    run = jobs.job_claim(DedupRun, DedupRun.objects.create(review=review, created_by=alice).pk)
    jobs.job_fail(run, "the matcher ran out of memory")
    run.refresh_from_db()
    assert (run.status, run.error) == (JobStatus.FAILED, "the matcher ran out of memory")
    assert run.finished_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_duplicate_searches_start_one_run(review, alice, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (set DATABASE_URL)")
    settings.TASKS_MODE = "celery-never"  # queue nothing: only the start is raced

    barrier, results = threading.Barrier(2), []

    def start():
        try:
            barrier.wait(timeout=10)
            results.append(dedup_services.dedup_run_start(review=review, actor=alice, enqueue=False).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2 and results[0] == results[1]
    assert DedupRun.objects.filter(review=review).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_another_web_process_sees_an_imports_progress_before_it_commits(review, alice, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    from reviewapp.services import imports

    source = source_create(review=review, actor=alice, name="Scopus")
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 3)
    monkeypatch.setattr(jobs, "HEARTBEAT_EVERY", 0)
    seen, progress = [], jobs.job_progress

    def look_from_elsewhere(job, **values):
        progress(job, **values)

        def read():  # a thread has its own connection: like another gunicorn worker
            try:
                seen.append(ImportBatch.objects.values_list("status", "progress").get(pk=job.pk))
            finally:
                connection.close()

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(timeout=10)

    monkeypatch.setattr(jobs, "job_progress", look_from_elsewhere)
    path = shared("formats", "scopus", "asysd_scopus.ris")
    with open(path, "rb") as handle:
        batch = import_start(
            review=review, source=source, actor=alice, fileobj=handle, file_name="s.ris", enqueue=False
        )
    assert import_run(batch_id=batch.pk).records_count == 10
    assert seen[-1][0] == "running" and seen[-1][1]["records"] == 9


@pytest.mark.django_db(transaction=True)
def test_a_background_thread_closes_its_database_connection_when_its_task_ends(settings, monkeypatch):
    """TASKS_MODE=thread (the embedded server): the pool thread outlives the task; a connection it kept
    (CONN_MAX_AGE) would stay open for the life of the process."""
    from django.db import connections

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory SQLite test database is one connection shared by every thread")
    settings.TASKS_MODE = "thread"
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 600)
    seen, done = [], threading.Event()

    def task(*args):
        here = connections["default"]  # this thread's own connection
        here.ensure_connection()
        seen.append(here)
        done.set()

    monkeypatch.setattr(jobs, "_task", lambda name: task)
    jobs.job_enqueue("reviewapp.anything", 1)
    assert done.wait(10)
    jobs._executor.submit(lambda: None).result(timeout=10)  # the task's thread has finished it
    assert seen[0] is not connections["default"] and seen[0].connection is None
