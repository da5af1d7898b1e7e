"""Celery tasks: thin, load by id, call one service, safe to run twice (the service claims the run)."""

from celery import shared_task

from .services import analysis_run_execute


@shared_task(name="synthesis.run_analysis", acks_late=True, reject_on_worker_lost=True)
def run_analysis_task(run_id: int) -> str:
    return analysis_run_execute(run_id=run_id).status
