"""Blinding reaches the core timelines: nobody learns that a colleague voted on a record before its
voting is complete (API events, record events and the record page)."""

import pytest

from screening.services.votes import vote_cast

from ..factories import ImportBatchFactory, RecordFactory, SearchSourceFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reviews/perinatal-msc"


@pytest.fixture
def record(review):
    return RecordFactory(batch=ImportBatchFactory(source=SearchSourceFactory(review=review)))


def _verbs(response):
    return [event["verb"] for event in response.json()["results"]]


def test_a_colleagues_vote_is_invisible_until_voting_completes(api, review, bob, carol, record):
    vote_cast(review=review, actor=bob, record_id=record.pk, stage="title_abstract", decision="include")
    assert "vote.cast" not in _verbs(api(carol).get(f"{BASE}/records/{record.pk}/events/"))
    assert "vote.cast" not in _verbs(api(carol).get(f"{BASE}/events/"))
    assert "vote.cast" in _verbs(api(bob).get(f"{BASE}/records/{record.pk}/events/"))

    vote_cast(review=review, actor=carol, record_id=record.pk, stage="title_abstract", decision="exclude")
    assert _verbs(api(carol).get(f"{BASE}/records/{record.pk}/events/")).count("vote.cast") == 2


def test_the_record_page_hides_a_colleagues_vote(client, review, bob, carol, record):
    vote_cast(review=review, actor=bob, record_id=record.pk, stage="title_abstract", decision="include")
    client.force_login(carol)
    page = client.get(f"/reviews/perinatal-msc/records/{record.pk}/").content.decode()
    assert "bob" not in page


def test_without_blinding_votes_show_at_once(api, review, bob, carol, record):
    review.blind = False
    review.save()
    vote_cast(review=review, actor=bob, record_id=record.pk, stage="title_abstract", decision="include")
    assert "vote.cast" in _verbs(api(carol).get(f"{BASE}/records/{record.pk}/events/"))
