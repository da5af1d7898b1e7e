"""Celery tasks: thin, load by id, call one service, safe to run twice (the service claims the job).

acks_late + reject_on_worker_lost: a task whose worker died is redelivered (the claim makes the repeat a
no-op if the job already ran; a job left running by the dead worker is failed when its lease expires).
Services queue these by name (reviewapp.jobs.job_enqueue), so they never import this module.
"""

from celery import shared_task

from .services.duplicates import dedup_run_execute
from .services.imports import import_run
from .services.restores import restore_run

JOB_TASK = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="reviewapp.import_records", **JOB_TASK)
def import_records_task(batch_id: int) -> int:
    return import_run(batch_id=batch_id).records_count


@shared_task(name="reviewapp.find_duplicates", **JOB_TASK)
def find_duplicates_task(run_id: int) -> int:
    return dedup_run_execute(run_id=run_id).auto_merged


@shared_task(name="reviewapp.restore_review", **JOB_TASK)
def restore_review_task(job_id: int) -> str:
    return restore_run(job_id=job_id).status
