"""Reads never write: the services that change the data build the work lists; pages and the API only read."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviewapp.models import Membership, RemovalReason
from reviewapp.services import duplicates as duplicate_services
from reviewapp.services import reviews as review_services
from reviewapp.services.imports import import_file_now
from screening.models import QueueItem, QueueSync, Stage
from tests.concurrency import at_once
from tests.factories import UserFactory

from ..conftest import shared

BASE = "/api/v1/reviews/perinatal-msc/screening"
PAGES = "/reviews/perinatal-msc/screening"
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
RIS = "formats/ris_by_database/citesource_pubmed_46.ris"


def _writes(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if WRITE.match(q["sql"])]


@pytest.fixture
def browser(client):
    def client_for(user):
        client.force_login(user)
        return client

    return client_for


def test_reading_the_next_record_progress_and_the_page_writes_nothing(api, browser, review, bob, records):
    token, page = api(bob), browser(bob)  # logged in before the queries are captured
    reads = [
        lambda: token.get(BASE + "/queue/next/"),
        lambda: token.get(BASE + "/progress/"),
        lambda: token.get(BASE + "/progress/?stage=full_text"),
        lambda: page.get(PAGES + "/screen/title_abstract/"),
        lambda: page.get(PAGES + "/screen/title_abstract/progress/"),
    ]
    review.records_version += 5  # even with the stored queue behind the records, a read does not rebuild it
    review.save(update_fields=["records_version"])
    for read in reads:
        with CaptureQueriesContext(connection) as captured:
            assert read().status_code == 200
        assert _writes(captured) == []


def test_a_reviewer_whose_work_list_is_not_built_yet_is_told_it_is_being_prepared(
    api, browser, review, records, dave, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=dave).update(is_reviewer=True)  # no build has run for dave yet
    data = api(dave).get(BASE + "/queue/next/").json()
    assert data == {"stage": "title_abstract", "record": None, "worklist": "preparing"}
    html = browser(dave).get(PAGES + "/screen/title_abstract/").content.decode()
    assert 'data-testid="queue-preparing"' in html and 'data-testid="queue-empty"' not in html
    with django_capture_on_commit_callbacks(execute=True):  # the task runs after the commit
        response = browser(dave).post(PAGES + "/screen/title_abstract/prepare/")
    assert response.status_code == 302
    data = api(dave).get(BASE + "/queue/next/").json()
    assert data["worklist"] == "ready" and data["record"] is not None


def test_an_import_builds_the_work_lists(review, alice, bob, django_capture_on_commit_callbacks):
    source = review_services.source_create(review=review, actor=alice, name="PubMed")
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_file_now(review=review, source=source, actor=alice, path=shared(RIS))
    mine = QueueItem.objects.filter(reviewer=bob, stage=Stage.TITLE_ABSTRACT)
    assert mine.count() == batch.records_count > 0
    assert QueueSync.objects.filter(reviewer=bob, stage=Stage.FULL_TEXT).exists()


def test_a_new_reviewer_gets_a_work_list_from_the_membership_service(
    review, alice, records, django_capture_on_commit_callbacks
):
    erin = UserFactory(username="erin")
    with django_capture_on_commit_callbacks(execute=True):
        review_services.member_set(review=review, actor=alice, user=erin, roles=["reviewer"])
    assert QueueItem.objects.filter(reviewer=erin).count() == len(records)
    member = Membership.objects.get(review=review, user=erin)
    with django_capture_on_commit_callbacks(execute=True):
        review_services.member_remove(review=review, actor=alice, member=member)
    assert not QueueItem.objects.filter(reviewer=erin).exists()


def test_a_removed_record_leaves_the_work_lists_through_the_service(
    review, alice, bob, records, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        duplicate_services.record_remove(record=records[0], actor=alice, reason=RemovalReason.INCOMPLETE)
    assert not QueueItem.objects.filter(record=records[0]).exists()
    assert QueueItem.objects.filter(reviewer=bob).count() == len(records) - 1


def test_changing_n_rebuilds_the_work_lists_through_the_settings_service(
    review, alice, bob, carol, records, cast, django_capture_on_commit_callbacks
):
    cast(bob, records[0], "include")
    with django_capture_on_commit_callbacks(execute=True):
        review_services.review_update(review=review, actor=alice, votes_required=1)
    assert not QueueItem.objects.filter(reviewer=carol, record=records[0]).exists()
    assert set(QueueSync.objects.filter(review=review).values_list("votes_required", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_concurrent_reads_by_one_reviewer_all_succeed(api, bob, records):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (set DATABASE_URL)")
    paths = [BASE + "/queue/next/", BASE + "/progress/"] * 4
    codes = at_once(*(lambda p=p: api(bob).get(p).status_code for p in paths))
    assert codes == [200] * len(paths)
