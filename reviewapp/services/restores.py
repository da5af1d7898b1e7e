"""Restoring a backup uploaded in the browser: stored, then restored as a new review by a worker with
progress (a large review takes longer than a web request may), all or nothing as `review_restore` is.
The command `import_review` restores in its own process instead."""

from __future__ import annotations

import datetime as dt
import logging
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from .. import jobs
from ..backup import BackupError, review_restore, slug_check, slug_free
from ..jobs import JobStatus
from ..models import RestoreJob, Review
from ..uploads import upload_name, upload_size

log = logging.getLogger(__name__)

RESTORE_TASK = "reviewapp.restore_review"


def require_staff(actor) -> None:
    """Restores (and their pages) are for staff: a restore adds people and their roles."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("Only staff restore backups: a restore adds people and their roles.")


def restore_start(
    *, actor, fileobj: BinaryIO, file_name: str, slug: str = "", join_as_owner: bool = True
) -> RestoreJob:
    """Store the uploaded backup and queue its restore. Raises ValidationError (size, slug in use)."""
    require_staff(actor)
    file_name = upload_name(file_name, field="backup")
    size, limit = upload_size(fileobj), settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            {
                "backup": f"{file_name}: {filesizeformat(size)}, over this server's limit of "
                f"{filesizeformat(limit)} (IMPORT_MAX_BYTES)."
            }
        )
    if slug:  # the restore's own checks, answered now next to the field rather than by the job
        try:
            slug_check(slug)
            slug_free(slug)
        except BackupError as exc:
            raise ValidationError({"slug": str(exc)}) from exc
    _forget_finished()
    with transaction.atomic():
        job = RestoreJob(
            file_name=file_name[:255], size=size, slug=slug, join_as_owner=join_as_owner, created_by=actor
        )
        job.file.save(file_name[-100:] or "backup", File(fileobj), save=False)
        job.save()
        jobs.job_enqueue(RESTORE_TASK, job.pk, job=job)
    log.info("restore %s of %s queued by %s", job.pk, file_name, actor)
    job.refresh_from_db()
    if job.is_finished and job.file:  # not queued (background work paused): its upload is not kept
        _forget_upload(job)
    return job


class _Superseded(Exception):
    """The job stopped being ours while it ran (its lease ended and it was marked failed)."""


def restore_run(*, job_id: int) -> RestoreJob:
    """Restore one queued upload. Safe to run twice: only the first claim runs it. The restore and the
    job's success commit together (a restore that outlived its lease is rolled back, never kept behind a
    job that says it failed). The uploaded file is removed when the job ends, whether it succeeded or not."""
    job = jobs.job_claim(RestoreJob, job_id)
    if job is None:
        return RestoreJob.objects.get(pk=job_id)

    def progress(done: int, total: int, table: str) -> None:
        jobs.job_progress(job, done=done, total=total, step=f"writing {table}")

    def succeed(review: Review, users_created: list[str]) -> None:
        if not jobs.job_succeed(job, restored_slug=review.slug, users_created=users_created):
            raise _Superseded("the restore took longer than its lease")

    checking = {"done": 0, "total": 0, "step": "checking the backup"}
    RestoreJob.objects.filter(pk=job.pk).update(progress=checking)  # seen at once by every web process
    try:
        jobs.job_progress(job, **checking)
        with job.file.open("rb") as handle:
            review_restore(
                source=handle,
                slug=job.slug or None,
                actor=job.created_by,
                join_as_owner=job.join_as_owner,
                progress=progress,
                on_restored=succeed,
            )
    except BackupError as exc:
        log.warning("restore %s of %s refused: %s", job.pk, job.file_name, exc)
        jobs.job_fail(job, f"{job.file_name}: {exc} Nothing was changed.")
    except _Superseded:
        log.warning("restore %s of %s outlived its lease; rolled back", job.pk, job.file_name)
        jobs.job_fail(
            job, f"{job.file_name}: the restore took too long and was stopped. Nothing was changed."
        )
    except Exception as exc:  # never leave a restore "running"
        log.exception("restore %s failed", job.pk)
        jobs.job_fail(job, f"{job.file_name}: the restore stopped unexpectedly ({exc}). Nothing was changed.")
    finally:
        _forget_upload(job)
    return RestoreJob.objects.get(pk=job.pk)


def _forget_upload(job: RestoreJob) -> None:
    """The uploaded backup holds the whole review: it is not kept once the job ended."""
    if job.file:
        job.file.delete(save=False)
        RestoreJob.objects.filter(pk=job.pk).update(file="")


LOST_ERROR = (
    "The restore waited for a worker far longer than any queue takes (its task was lost); nothing was "
    "done. Upload the backup again."
)


def queued_limit() -> dt.timedelta:
    """How long a restore may wait in the queue before its task counts as lost: a restore can wait
    behind other jobs (one background thread runs them all in the embedded mode), so not the lease but
    the broker's redelivery time, which is longer than the longest job."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 7200)
    return max(dt.timedelta(seconds=visibility), jobs.lease())


def _fail_stale(**scope) -> int:
    """Fail the restores whose worker died (the lease) or whose task was lost while queued."""
    return jobs.job_fail_stale(RestoreJob, queued=queued_limit(), queued_error=LOST_ERROR, **scope)


def _forget_finished() -> None:
    """Uploads of restores whose worker was killed (failed once their lease ran out), whose task was lost
    (failed after queued_limit), or that could not be queued, are removed too."""
    _fail_stale()
    for job in RestoreJob.objects.filter(status__in=jobs.FINISHED).exclude(file=""):
        _forget_upload(job)


def restore_progress(job: RestoreJob) -> dict:
    """What the restore page shows: status, share of rows written, the table being written, the result.
    A restore whose worker died shows as failed once its lease ran out, one whose task was lost after
    queued_limit (the page stops polling; its upload is removed by the next restore started)."""
    if not job.is_finished and _fail_stale(pk=job.pk):
        job.refresh_from_db()
    live = jobs.progress_of(job)
    return {
        "status": job.status,
        "fraction": 1.0
        if job.status == JobStatus.SUCCEEDED
        else jobs.fraction(live.get("done"), live.get("total")),
        "step": live.get("step", ""),
        "error": job.error,
        "slug": job.restored_slug,
        "users_created": job.users_created,
    }
