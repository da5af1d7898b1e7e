"""Storing a new ranking while reviewers vote, on PostgreSQL (each thread has its own connection)."""

import threading

import pytest
from django.db import connection

from reviewapp import jobs
from screening import selectors
from screening.models import PrioritySettings, QueueItem, RankingRun, RankPosition, Stage, Vote
from screening.ranking.live import score_all
from screening.services import ranking as ranking_services
from screening.services import votes as vote_services
from tests.factories import RecordFactory

from .conftest import imported

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
TA = Stage.TITLE_ABSTRACT


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (set DATABASE_URL)")


def _ranked_review(review, batch, carol):
    relevant = [RecordFactory(batch=batch, title=f"Cord MSCs lower glucose in rats {i}") for i in range(8)]
    other = [RecordFactory(batch=batch, title=f"Statin adherence after infarction {i}") for i in range(8)]
    imported(review)
    PrioritySettings.objects.create(review=review, rank_by_relevance=True, retrain_every=1000)
    for record, decision in [(relevant[0], "include"), (other[0], "exclude")]:
        vote_services.vote_cast(review=review, actor=carol, record_id=record.pk, stage=TA, decision=decision)
    return relevant, other


def test_a_vote_while_a_ranking_is_stored_neither_waits_for_it_nor_deadlocks(
    review, batch, bob, carol, monkeypatch
):
    """The vote service changes the record's work-list rows and then the review's PrioritySettings row;
    the ranking writer re-keys those work-list rows. Were the writer to hold the settings row (as a
    mutex), the two would each wait for the other."""
    relevant, other = _ranked_review(review, batch, carol)
    corpus = ranking_services.corpus_of(review)
    result = score_all(corpus, ranking_services.training_labels(review), seed=review.pk)
    run = jobs.job_claim(RankingRun, RankingRun.objects.create(review=review).pk)
    target = other[3]
    writing, voted = threading.Event(), threading.Event()
    store = ranking_services._store_ranking

    def store_after_the_vote(*args):
        writing.set()  # the writer holds its lock and the transaction is open
        voted.wait(timeout=15)
        store(*args)

    monkeypatch.setattr(ranking_services, "_store_ranking", store_after_the_vote)
    outcome: dict = {}

    def write():
        try:
            ranking_services._store(review, run, result)
            outcome["store"] = "stored"
        except Exception as error:  # noqa: BLE001 - reported to the test
            outcome["store"] = error
        finally:
            connection.close()

    def vote():
        try:
            writing.wait(timeout=15)
            with connection.cursor() as cursor:  # would wait on a lock the writer holds: fail instead
                cursor.execute("SET lock_timeout = '5s'")
            done = vote_services.vote_cast(
                review=review, actor=bob, record_id=target.pk, stage=TA, decision="exclude"
            )
            outcome["vote"] = done.created
        except Exception as error:  # noqa: BLE001 - reported to the test
            outcome["vote"] = error
        finally:
            voted.set()
            connection.close()

    threads = [threading.Thread(target=write), threading.Thread(target=vote)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcome == {"store": "stored", "vote": True}
    assert Vote.objects.filter(record=target, reviewer=bob).exists()
    assert RankingRun.objects.get(pk=run.pk).status == "succeeded"
    assert not QueueItem.objects.filter(record=target, reviewer=bob).exists()
    fresh = QueueItem.objects.filter(review=review, stage=TA, reviewer=carol, votes_so_far=0)
    assert fresh.order_by("sort_key").first().record_id in {r.pk for r in relevant}  # ranked first
    assert selectors.next_record(review, TA, bob) is not None
    assert RankPosition.objects.filter(review=review).count() == len(corpus)
