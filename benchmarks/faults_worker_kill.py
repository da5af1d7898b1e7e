"""Fault: a Celery worker SIGKILLed in the middle of an import and in the middle of an analysis.

Expected: nothing of the half-done job is kept (no records of the import, no results of the run), the job
is marked failed once its lease expires (JOB_LEASE_SECONDS, 5 s here), and running it again on a fresh
worker succeeds with everything. Uses a throwaway PostgreSQL cluster (127.0.0.1:55433) and a private
Redis (127.0.0.1:56380). Prints a JSON summary; exit status 0 when every check held.

    .venv/bin/python benchmarks/faults_worker_kill.py [--records 40000]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time

from faults_common import (
    ROOT,
    PrivatePostgres,
    PrivateRedis,
    app_env,
    django_here,
    stop,
    synthetic_ris,
    tiny_review,
)
from faults_common import worker as start_worker

LEASE = 5
QUEUE = "faults"


def _wait(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def _kill_import(env, review, records: int) -> dict:
    from django.contrib.auth import get_user_model

    from reviewapp import jobs
    from reviewapp.models import ImportBatch, Record
    from reviewapp.services.imports import import_start
    from reviewapp.services.reviews import source_create

    alice = get_user_model().objects.get(username="alice")
    source = source_create(review=review, actor=alice, name="Embase")
    path = synthetic_ris(os.path.join(tempfile.mkdtemp(), "big.ris"), records)
    worker = start_worker(env, QUEUE)
    with open(path, "rb") as fh:
        batch = import_start(review=review, source=source, actor=alice, fileobj=fh, file_name="big.ris")
    seen = _wait(
        lambda: (b := ImportBatch.objects.get(pk=batch.pk)).progress.get("records") and b, 300, "progress"
    )
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    killed_at = {"status": seen.status, "progress": seen.progress}
    kept = Record.objects.filter(batch_id=batch.pk).count()
    time.sleep(LEASE + 1)
    after_lease = jobs.job_refresh(ImportBatch.objects.get(pk=batch.pk))
    worker = start_worker(env, QUEUE)
    try:
        with open(path, "rb") as fh:
            again = import_start(
                review=review, source=source, actor=alice, fileobj=fh, file_name="big.ris", force=True
            )
        final = _wait(
            lambda: (b := ImportBatch.objects.get(pk=again.pk)).is_finished and b, 600, "the re-run"
        )
    finally:
        stop(worker)
    stored = Record.objects.filter(batch_id=again.pk).count()
    return {
        "killed_while": killed_at,
        "records_kept_from_the_killed_import": kept,
        "status_after_lease": after_lease.status,
        "error_after_lease": after_lease.error,
        "rerun_status": final.status,
        "rerun_records": stored,
        "ok": kept == 0
        and after_lease.status == "failed"
        and final.status == "succeeded"
        and stored == records,
    }


def _kill_analysis(env, review) -> dict:
    from django.contrib.auth import get_user_model

    from extraction.services import forms as form_services
    from extraction.services import measures as measure_services
    from reviewapp import jobs
    from synthesis import selectors, services
    from synthesis.models import AnalysisRun

    alice = get_user_model().objects.get(username="alice")
    from tests.extraction.conftest import SMALL_FORM  # the form the analysis tests use

    form = form_services.form_create(review=review, actor=alice, definition=SMALL_FORM)
    measure = measure_services.outcome_measure_create(
        review=review, actor=alice, name="HbA1c", data_type="continuous", unit="%", time_points="12 months"
    )
    for i, mean in enumerate((7.1, 7.4, 6.9, 7.6)):
        _consensus(review, form, get_user_model().objects.get(username="bob"), f"Trial {i}", mean)
    analysis = services.analysis_create(
        review=review,
        actor=alice,
        title="HbA1c MD",
        outcome=measure,
        time_point="12 months",
        measure="MD",
        model="random",
    )
    worker = start_worker(
        dict(env, SLOW_ANALYSIS_SECONDS="120"), QUEUE, script=str(ROOT / "benchmarks/faults_slow_worker.py")
    )
    run = services.analysis_run_start(analysis=analysis, actor=alice)
    seen = _wait(
        lambda: (r := AnalysisRun.objects.get(pk=run.pk)).status == "running" and r, 120, "the run to start"
    )
    time.sleep(1)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    killed = AnalysisRun.objects.get(pk=run.pk)
    time.sleep(LEASE + 1)
    after_lease = jobs.job_refresh(AnalysisRun.objects.get(pk=run.pk))
    worker = start_worker(env, QUEUE)
    try:
        again = services.analysis_run_start(analysis=analysis, actor=alice)
        final = _wait(
            lambda: (r := AnalysisRun.objects.get(pk=again.pk)).is_finished and r, 300, "the re-run"
        )
    finally:
        stop(worker)
    return {
        "killed_while": {"status": seen.status, "progress": seen.progress},
        "results_kept_from_the_killed_run": bool(killed.results or killed.forest_svg),
        "status_after_lease": after_lease.status,
        "rerun_status": final.status,
        "rerun_k": (final.results or {}).get("k"),
        "rerun_error": final.error,
        "study_rows_read": len(selectors.current_inputs(analysis).inputs),
        "ok": not (killed.results or killed.forest_svg)
        and after_lease.status == "failed"
        and final.status == "succeeded"
        and (final.results or {}).get("k") == 4,
    }


def _consensus(review, form, reviewer, label, mean) -> None:
    from django.utils import timezone

    from extraction.models import Consensus, ConsensusMethod, Extraction, ExtractionStatus, FormVersion
    from reviewapp.models import Study

    version = FormVersion.objects.get(form=form, number=1)
    study = Study.objects.create(review=review, label=label)
    extraction = Extraction.objects.create(
        review=review,
        study=study,
        form=form,
        reviewer=reviewer,
        form_version=version,
        status=ExtractionStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    arms = [
        {"arm": "MSC", "n": 40, "mean": mean, "sd": 1.1},
        {"arm": "Placebo", "n": 40, "mean": 7.9, "sd": 1.2},
    ]
    Consensus.objects.create(
        review=review,
        study=study,
        form=form,
        form_version=version,
        method=ConsensusMethod.AGREEMENT,
        extraction_a=extraction,
        answers={},
        outcomes=[
            {
                "outcome": "hba1c",
                "time_point": "12 months",
                "data_type": "continuous",
                "measure": "final",
                "unit": "%",
                "arms": arms,
            }
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=40_000)
    parser.add_argument("--only", choices=["import", "analysis"], help="run one of the two faults")
    args = parser.parse_args()
    pg, redis = PrivatePostgres(port=55433), PrivateRedis(port=56380)
    try:
        pg.start()
        redis.start()
        env = app_env(
            pg.create_db("ra_faults"),
            TASKS_MODE="celery",
            CELERY_BROKER_URL=redis.url,
            JOB_LEASE_SECONDS=str(LEASE),
        )
        django_here(env)
        from reviewapp.celery import app

        app.conf.task_default_queue = QUEUE
        review, _ = tiny_review()
        summary = {}
        if args.only in (None, "import"):
            summary["import"] = _kill_import(env, review, args.records)
        if args.only in (None, "analysis"):
            summary["analysis"] = _kill_analysis(env, review)
        summary["ok"] = all(part["ok"] for part in summary.values())
        print(json.dumps(summary, indent=1, default=str))
        sys.exit(0 if summary["ok"] else 1)
    finally:
        redis.stop()
        pg.remove()


if __name__ == "__main__":
    main()
