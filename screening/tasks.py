"""Celery tasks of screening: thin, load by id, call one service, safe to run twice.

Services queue these by name (reviewapp.jobs.job_enqueue), so they never import this module.
"""

from celery import shared_task

from .services.fulltext import STAGING_MAX_AGE, staging_clean
from .services.ranking import ranking_train
from .services.worklist import worklist_build

JOB_TASK = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="screening.worklist_build", **JOB_TASK)
def worklist_build_task(review_id: int, reviewer_id: int | None = None) -> int:
    return worklist_build(review_id=review_id, reviewer_id=reviewer_id)


@shared_task(name="screening.ranking_train", **JOB_TASK)
def ranking_train_task(run_id: int) -> int | None:
    run = ranking_train(run_id=run_id)
    return run.n_ranked if run else None


@shared_task(name="screening.clean_fulltext_staging")
def clean_fulltext_staging_task() -> int:
    """Celery beat runs this every few hours (settings.CELERY_BEAT_SCHEDULE): stale bulk uploads go."""
    return staging_clean(older_than=STAGING_MAX_AGE)
