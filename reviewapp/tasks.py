"""Celery tasks: thin, load by id, call one service, safe to run twice."""

from celery import shared_task

from .services.duplicates import dedup_run_execute
from .services.imports import import_run


@shared_task(name="reviewapp.import_records", acks_late=True)
def import_records_task(batch_id: int) -> int:
    return import_run(batch_id=batch_id).records_count


@shared_task(name="reviewapp.find_duplicates", acks_late=True)
def find_duplicates_task(run_id: int) -> int:
    return dedup_run_execute(run_id=run_id).auto_merged
