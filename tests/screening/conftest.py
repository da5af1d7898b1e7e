"""Screening fixtures: records ready for screening, and shortcuts to vote through the services."""

import pytest
from django.db.models import F

from reviewapp.models import Record, Review
from screening.models import Stage
from screening.services import fulltext as fulltext_services
from screening.services import votes as vote_services
from screening.services import worklist as worklist_services
from screening.worklist import ReviewerOrder
from tests.factories import ImportBatchFactory, RecordFactory

# The seed review's four full-text exclusion reasons (shared/seeds/003, Results).
SEED_REASONS = [
    "only bone marrow- or adipose-derived MSCs without a perinatal component",
    "exclusively in vitro without a diabetic animal model",
    "no diabetes-related outcomes",
    "review, commentary, conference abstract without full text, or duplicate data",
]


@pytest.fixture
def batch(review):
    return ImportBatchFactory(source__review=review)


def imported(review):
    """What an import does after adding records: a new records version, and the work lists rebuilt (the
    task the import's hook queues; run here directly, as the test transaction never commits)."""
    Review.objects.filter(pk=review.pk).update(records_version=F("records_version") + 1)
    worklist_services.worklist_build(review_id=review.pk)


def reviewer_keys(review, user, records) -> dict[int, int]:
    """Each record's key in the user's own stable order (ReviewerOrder, as the database computes it)."""
    rows = Record.objects.filter(pk__in=[r.pk for r in records]).annotate(
        key=ReviewerOrder(F("sort_key"), review.seed, user.pk)
    )
    return dict(rows.values_list("pk", "key"))


def in_reviewer_order(review, user, records) -> list:
    """`records` in the order the user's work list walks them (unranked): their own stable order."""
    keys = reviewer_keys(review, user, records)
    return sorted(records, key=lambda r: (keys[r.pk], r.pk))


@pytest.fixture
def make_records(batch):
    def make(n=1, **fields):
        made = [RecordFactory(batch=batch, **fields) for _ in range(n)]
        imported(batch.source.review)
        return made

    return make


@pytest.fixture
def records(make_records):
    return make_records(5)


@pytest.fixture
def cast(review):
    def cast_vote(user, record, decision, stage=Stage.TITLE_ABSTRACT, **kwargs):
        return vote_services.vote_cast(
            review=review, actor=user, record_id=record.pk, stage=stage, decision=decision, **kwargs
        )

    return cast_vote


@pytest.fixture
def reasons(review, alice):
    return fulltext_services.exclusion_reasons_set(review=review, actor=alice, labels=SEED_REASONS)


@pytest.fixture
def retrieved(review, alice, bob, carol, cast):
    """A record included at title/abstract by bob and carol, with its full text linked: up for full text."""

    def make(record):
        cast(bob, record, "include")
        cast(carol, record, "include")
        fulltext_services.retrieval_link(
            review=review, actor=alice, record_id=record.pk, url=f"https://example.org/{record.pk}.pdf"
        )
        return record

    return make


@pytest.fixture
def screened(make_records, bob, carol, cast):
    """30 records: the first 12 screened by both (2 included), 18 nobody has voted on."""
    records = make_records(30)
    for i, record in enumerate(records[:12]):
        decision = "include" if i in (0, 3) else "exclude"
        cast(bob, record, decision)
        cast(carol, record, decision)
    return records
