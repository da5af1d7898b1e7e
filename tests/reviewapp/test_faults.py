"""Faults (issue #12): the database unreachable answers 503 (JSON for the API, a page for people) and the
next request recovers; Redis down leaves screening working, says background work is paused, and a job
that cannot be queued fails at once with that explanation (nothing half-done, it can be started again).

The real thing — a worker SIGKILLed, Redis stopped, PostgreSQL restarted under load — is in
benchmarks/faults_*.py (they start and kill real processes; see the README)."""

import pytest
from celery import current_app
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client
from rest_framework.test import APIClient

from reviewapp import jobs
from reviewapp.models import ImportBatch, Record
from tests.factories import RecordFactory
from tests.screening.conftest import imported

pytestmark = pytest.mark.django_db
GONE = OperationalError("server closed the connection unexpectedly")
RIS = b"TY  - JOUR\nTI  - Umbilical cord MSCs in type 2 diabetes\nPY  - 2021\nER  - \n"


def _down(*args, **kwargs):
    raise GONE


@pytest.fixture(autouse=True)
def _views_imported():
    """Load every view module before a selector is patched: one imported meanwhile (the URLconf loads
    them at the first request of the process) would keep the patched function for good, and a later
    test elsewhere would meet the "unreachable database"."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and with it every view


def test_the_api_answers_503_json_while_the_database_is_unreachable(monkeypatch, review, alice):
    monkeypatch.setattr("reviewapp.api.views.selectors.records_of", _down)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(alice)
    response = client.get(f"/api/v1/reviews/{review.slug}/records/")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
    assert response["Retry-After"] == "5"
    monkeypatch.undo()
    assert client.get(f"/api/v1/reviews/{review.slug}/records/").status_code == 200


def test_pages_answer_a_503_page_while_the_database_is_unreachable(monkeypatch, review, alice):
    monkeypatch.setattr("reviewapp.views.reviews.selectors.reviews_for", _down)
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert b"Temporarily unavailable" in response.content and b"Nothing was saved" in response.content


def test_other_errors_stay_a_500(monkeypatch, review, alice):
    monkeypatch.setattr("reviewapp.views.reviews.selectors.reviews_for", lambda user: 1 / 0)
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    assert client.get("/").status_code == 500


@pytest.fixture
def redis_down(settings, monkeypatch):
    """Celery mode with a broker on a port where nothing listens, and the cache on that Redis (as
    settings make it when REDIS_URL or a redis:// broker is set)."""
    settings.TASKS_MODE = "celery"
    settings.CACHES = {
        "default": {
            "BACKEND": "reviewapp.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    monkeypatch.setattr(current_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(current_app.conf, "broker_write_url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(jobs, "_broker_seen", {"at": 0.0, "up": True})
    yield
    current_app.pool.force_close_all()


def test_without_redis_screening_works_and_says_background_work_is_paused(redis_down, client, review, bob):
    RecordFactory(batch__source__review=review)
    client.force_login(bob)
    page = client.get(f"/reviews/{review.slug}/screening/screen/title_abstract/")
    assert page.status_code == 200
    assert b'data-testid="background-paused"' in page.content
    assert b"Background work is paused" in page.content


def test_without_redis_the_cache_misses_and_progress_next_record_and_votes_still_answer(
    redis_down, api, client, review, bob
):
    records = [RecordFactory(batch__source__review=review) for _ in range(3)]
    imported(review)
    cache.set("k", 1)  # skipped, not raised
    assert cache.get("k", "missed") == "missed" and cache.add("k", 1) is False
    base = f"/api/v1/reviews/{review.slug}/screening"
    progress = api(bob).get(base + "/progress/")
    assert progress.status_code == 200 and progress.json()["team"]["total"] == 3
    head = api(bob).get(base + "/queue/next/").json()["record"]
    assert head["id"] in {r.pk for r in records}
    vote = api(bob).post(base + "/votes/", {"record": head["id"], "decision": "include"}, format="json")
    assert vote.status_code == 201
    client.force_login(bob)
    assert client.get(f"/reviews/{review.slug}/screening/screen/title_abstract/progress/").status_code == 200


def test_with_the_task_queue_up_there_is_no_banner(client, review, bob):
    client.force_login(bob)
    page = client.get(f"/reviews/{review.slug}/")
    assert page.status_code == 200 and b"background-paused" not in page.content


def test_without_redis_an_import_fails_at_once_with_the_reason_and_can_be_run_again(
    redis_down, settings, api, alice, review, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("pubmed.ris", RIS)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).post(
            f"/api/v1/reviews/{review.slug}/imports/",
            {"file": upload, "source_name": "PubMed"},
            format="multipart",
        )
    assert response.status_code == 202
    batch = ImportBatch.objects.get(pk=response.json()["id"])
    assert (batch.status, batch.error) == ("failed", jobs.PAUSED_ERROR)
    assert not Record.objects.filter(batch=batch).exists()

    settings.TASKS_MODE = (
        "eager"  # the queue is back: the same file imports (a failed import is no duplicate)
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = api(alice).post(
            f"/api/v1/reviews/{review.slug}/imports/",
            {"file": SimpleUploadedFile("pubmed.ris", RIS), "source_name": "PubMed"},
            format="multipart",
        )
    assert again.status_code == 202
    assert ImportBatch.objects.get(pk=again.json()["id"]).status == "succeeded"
    assert Record.objects.filter(review=review).count() == 1
