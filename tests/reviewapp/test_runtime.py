"""The production runtime: `check --deploy` is clean, and imports run on a real Celery worker (Redis)."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from reviewapp.models import ImportBatch, ImportStatus, Record
from reviewapp.services.imports import import_start
from reviewapp.services.reviews import source_create

from ..conftest import shared

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings():
    env = dict(
        os.environ,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="reviews.example.org",
    )
    env.pop("PYTEST_VERSION", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _worker_env(tmp_path) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return dict(os.environ, DATABASE_URL=url, MEDIA_ROOT=str(tmp_path / "media"), TASKS_MODE="celery")


@pytest.mark.django_db(transaction=True)
def test_an_import_runs_on_a_real_celery_worker(settings, tmp_path, review, alice):
    if not os.environ.get("CELERY_BROKER_URL") or connection.vendor != "postgresql":
        pytest.skip("needs CELERY_BROKER_URL (Redis) and PostgreSQL")
    from reviewapp.celery import app

    queue = f"test-{secrets.token_hex(4)}"
    app.conf.task_default_queue = queue
    settings.TASKS_MODE = "celery"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "reviewapp",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=_worker_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        source = source_create(review=review, actor=alice, name="MEDLINE")
        with open(shared("formats", "ris_by_database", "citesource_medline_84.ris"), "rb") as handle:
            batch = import_start(review=review, source=source, actor=alice, fileobj=handle, file_name="m.ris")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            batch = ImportBatch.objects.get(pk=batch.pk)
            if batch.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
                break
            time.sleep(0.3)
        assert batch.status == ImportStatus.SUCCEEDED, batch.error
        assert Record.objects.filter(batch=batch).count() == 84
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        app.conf.task_default_queue = "celery"
