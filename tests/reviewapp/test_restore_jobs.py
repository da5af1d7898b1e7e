"""Restores as background jobs and backups under concurrent work: the restore and its job commit together,
a lost or killed restore ends as failed without its upload, other threads' saves keep their timestamps
while a restore runs, and a backup taken while people work is one snapshot (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from reviewapp import jobs
from reviewapp.backup import backup_build, review_restore
from reviewapp.models import AuditEvent, Record, RestoreJob, Review
from reviewapp.services import restores

from ..factories import RecordFactory, UserFactory


def _backup(review) -> bytes:
    RecordFactory(review=review, batch__source__review=review, title="First")
    out = io.BytesIO()
    backup_build(review).write(out)
    return out.getvalue()


def _job(content: bytes, **fields) -> RestoreJob:
    job = RestoreJob(file_name="b.json", created_by=UserFactory(username="root", is_staff=True), **fields)
    job.file.save("b.json", ContentFile(content), save=False)
    job.save()
    return job


@pytest.mark.django_db
def test_a_second_run_of_the_same_restore_is_a_no_op(review, alice):
    job = _job(_backup(review), slug="copy")
    assert restores.restore_run(job_id=job.pk).status == "succeeded"
    assert restores.restore_run(job_id=job.pk).status == "succeeded"  # a redelivered task
    assert Review.objects.filter(slug="copy").count() == 1


@pytest.mark.django_db
def test_a_restore_that_lost_its_lease_is_rolled_back_not_kept_behind_a_failed_job(
    review, alice, monkeypatch
):
    job = _job(_backup(review), slug="copy")
    real = jobs.job_succeed

    def lost(job, **values):  # the lease ran out meanwhile: the next look had failed the job
        RestoreJob.objects.filter(pk=job.pk).update(status="failed", error=jobs.STALE_ERROR)
        return real(job, **values)

    monkeypatch.setattr(jobs, "job_succeed", lost)
    done = restores.restore_run(job_id=job.pk)
    assert done.status == "failed" and "took too long" in done.error
    assert not Review.objects.filter(slug="copy").exists()
    assert not AuditEvent.objects.filter(verb="review.restored").exists()


@pytest.mark.django_db
def test_a_killed_or_lost_restore_shows_as_failed_and_its_upload_goes_with_the_next(review, alice, settings):
    content = _backup(review)
    long_ago = timezone.now() - jobs.lease() - dt.timedelta(seconds=5)
    killed = _job(content, status="running", heartbeat_at=long_ago)  # its worker was SIGKILLed
    waiting = _job(content)  # queued behind other jobs for longer than the lease: still waiting
    RestoreJob.objects.filter(pk=waiting.pk).update(created_at=long_ago)
    waiting.refresh_from_db()
    assert restores.restore_progress(waiting)["status"] == "queued"
    lost = _job(content)  # its task message never reached a worker
    RestoreJob.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - restores.queued_limit() - dt.timedelta(seconds=5)
    )
    lost.refresh_from_db()
    shown = restores.restore_progress(lost)
    assert shown["status"] == "failed" and "its task was lost" in shown["error"]  # the page stops polling
    killed_shown = restores.restore_progress(killed)
    assert killed_shown["status"] == "failed" and jobs.STALE_ERROR in killed_shown["error"]
    restores.restore_start(
        actor=killed.created_by, fileobj=io.BytesIO(content), file_name="b.json", slug="copy"
    )  # eager in tests: runs at commit, which pytest's transaction never does; the cleanup runs first
    for job in (killed, lost, waiting):
        job.refresh_from_db()
    assert not killed.file and not lost.file and waiting.file  # the waiting one keeps its upload


@pytest.mark.django_db
def test_a_started_restore_says_at_once_that_it_checks_the_backup(review, alice, monkeypatch):
    job = _job(_backup(review), slug="copy")
    seen = []
    real = restores.review_restore

    def watched(**kwargs):  # what another process reads from the row while the backup is checked
        seen.append(RestoreJob.objects.get(pk=job.pk).progress)
        return real(**kwargs)

    monkeypatch.setattr(restores, "review_restore", watched)
    restores.restore_run(job_id=job.pk)
    assert seen == [{"done": 0, "total": 0, "step": "checking the backup"}]


@pytest.mark.django_db
def test_the_progress_partial_shows_the_table_being_written(review, alice):
    job = _job(_backup(review), status="running", heartbeat_at=timezone.now())
    jobs.job_progress(job, done=500, total=2000, step="writing records")
    shown = restores.restore_progress(job)
    assert shown["fraction"] == 0.25 and shown["step"] == "writing records"


@pytest.mark.django_db
def test_other_threads_keep_their_timestamps_while_a_restore_runs(review, alice):
    content = _backup(review)
    seen = []

    def during(done, total, table):  # called in the middle of the restore: what another thread sees
        fields = [f for m in (Record, AuditEvent) for f in m._meta.concrete_fields]
        seen.append(
            all(f.auto_now or f.auto_now_add for f in fields if f.name in ("created_at", "updated_at"))
        )

    review_restore(source=io.BytesIO(content), slug="copy", progress=during)
    assert seen and all(seen)
    original = Record.objects.get(review=review)
    copy = Record.objects.get(review__slug="copy")
    assert copy.created_at == original.created_at and copy.updated_at == original.updated_at


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_people_work_is_one_snapshot(review, alice, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("isolation levels: PostgreSQL (set DATABASE_URL)")
    from reviewapp.backup import archive

    first = RecordFactory(review=review, batch__source__review=review, title="First")
    real, added = archive._row, []

    def row(obj, plan):  # right after the review's row is read, someone imports a record
        if not added:
            worker = threading.Thread(
                target=lambda: (added.append(RecordFactory(batch=first.batch)), _close())
            )
            worker.start()
            worker.join()
        return real(obj, plan)

    monkeypatch.setattr(archive, "_row", row)
    backup = backup_build(review)
    assert added and Record.objects.filter(review=review).count() == 2  # committed meanwhile
    titles = [r["title"] for r in backup.data["tables"]["reviewapp.Record"]]
    assert titles == ["First"]  # the backup's snapshot predates it: nothing half-seen
    restored = review_restore(source=io.BytesIO(_write(backup)), slug="copy")
    assert restored.records.count() == 1


def _close():
    from django.db import connections

    connections.close_all()


def _write(backup) -> bytes:
    out = io.BytesIO()
    backup.write(out)
    return out.getvalue()
