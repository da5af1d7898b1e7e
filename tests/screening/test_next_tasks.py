"""'Your next task' (issue 13 item 10): per role, what waits for me in each review, on the home page (with
progress per review) and on the overview; the home page costs the same number of queries for any number of
reviews."""

import re

import pytest
from django.test import Client

from reviewapp.models import Membership
from reviewapp.registry import next_tasks
from screening.models import Stage
from tests.factories import ImportBatchFactory, RecordFactory, ReviewFactory

HOME = "/"
OVERVIEW = "/reviews/perinatal-msc/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def tasks_in(html: str) -> dict[str, int]:
    return {kind: int(n) for kind, n in re.findall(r'data-task="(\w+)" data-count="(\d+)"', html)}


def test_a_reviewer_sees_records_to_screen_and_full_texts_to_retrieve(
    review, bob, carol, make_records, cast, retrieved
):
    records = make_records(5)
    cast(bob, records[0], "include")  # bob has 4 left at title/abstract
    cast(carol, records[1], "include")
    cast(bob, records[1], "include")  # included: a report to retrieve
    html = logged_in(bob).get(OVERVIEW).content.decode()
    tasks = tasks_in(html.split('data-testid="next-tasks-panel"')[1].split("</section>")[0])
    assert tasks == {"screen": 3, "retrieve": 1}
    assert "Screen 3 records at title/abstract" in html and "Retrieve 1 full-text report" in html
    retrieved(records[1])
    panel = logged_in(bob).get(OVERVIEW).content.decode().split('data-testid="next-tasks-panel"')[1]
    assert "Screen 1 record at full text" in panel


def test_the_arbiter_sees_conflicts_to_resolve_and_nothing_to_screen(
    review, bob, carol, dave, make_records, cast
):
    a, b = make_records(2)
    for record in (a, b):
        cast(bob, record, "include")
        cast(carol, record, "exclude")
    html = logged_in(dave).get(OVERVIEW).content.decode()
    assert tasks_in(html) == {"resolve": 2}
    assert "Resolve 2 conflicts" in html and "/screening/conflicts/" in html


def test_a_viewer_has_nothing_waiting(review, vera, make_records):
    make_records(3)
    html = logged_in(vera).get(OVERVIEW).content.decode()
    assert tasks_in(html) == {} and 'data-testid="next-tasks-none"' in html


def test_the_home_page_shows_tasks_and_progress_per_review(review, bob, carol, make_records, cast):
    records = make_records(4)
    cast(bob, records[0], "exclude")
    cast(carol, records[0], "exclude")
    html = logged_in(bob).get(HOME).content.decode()
    row = html.split('data-review="perinatal-msc"')[1].split("</tr>")[0]
    assert tasks_in(row) == {"screen": 3}
    assert "Title/abstract" in row and "1/4" in row


def test_extraction_and_risk_of_bias_tasks_count_for_reviewers(review, bob):
    from extraction.models import Form
    from reviewapp.models import Study

    Form.objects.create(review=review, title="Clinical")
    Study.objects.create(review=review, label="Smith 2020")
    Study.objects.create(review=review, label="Lee 2021")
    tasks = {t.kind: t.count for t in next_tasks([Membership.objects.get(user=bob)])[review.pk]}
    assert tasks["extract"] == 2


def _review_with_work(n, bob):
    review = ReviewFactory()
    Membership.objects.create(review=review, user=bob, is_reviewer=True, is_arbiter=True)
    batch = ImportBatchFactory(source__review=review)
    for _ in range(n):
        RecordFactory(batch=batch)
    return review


def test_the_home_page_costs_the_same_queries_for_two_or_six_reviews(db, bob, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in(bob)
    for _ in range(2):
        _review_with_work(3, bob)
    client.get(HOME)
    with CaptureQueriesContext(connection) as two:
        client.get(HOME)
    for _ in range(4):
        _review_with_work(2, bob)
    with CaptureQueriesContext(connection) as six:
        response = client.get(HOME)
    assert response.content.decode().count('data-testid="home-review"') == 7  # and bob's fixture review
    assert len(six.captured_queries) == len(two.captured_queries)
    assert tasks_in(response.content.decode())["screen"] in (2, 3)


def test_the_overview_stays_within_a_query_budget(review, bob, make_records, django_assert_max_num_queries):
    make_records(30)
    client = logged_in(bob)
    client.get(OVERVIEW)
    with django_assert_max_num_queries(40):
        client.get(OVERVIEW)


@pytest.mark.parametrize("stage", [Stage.TITLE_ABSTRACT])
def test_screening_everything_empties_the_task(review, bob, carol, make_records, cast, stage):
    for record in make_records(2):
        cast(bob, record, "include")
    assert "screen" not in tasks_in(logged_in(bob).get(OVERVIEW).content.decode())


def test_the_owner_is_asked_to_decide_possible_duplicates(review, alice, bob, make_records):
    from reviewapp.models import CandidateStatus, DuplicateCandidate

    a, b, c = make_records(3)
    DuplicateCandidate.objects.create(review=review, record_a=a, record_b=b, score=0.9)
    DuplicateCandidate.objects.create(
        review=review, record_a=a, record_b=c, score=0.8, status=CandidateStatus.REJECTED
    )
    html = logged_in(alice).get(OVERVIEW).content.decode()
    assert tasks_in(html) == {"dedup": 1}
    assert "Decide 1 possible duplicate pair" in html and f"{OVERVIEW}duplicates/" in html
    assert "dedup" not in tasks_in(logged_in(bob).get(OVERVIEW).content.decode())  # owners decide
