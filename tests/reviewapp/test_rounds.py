"""Rounds of searching: backfilling existing reviews, and the pure rule that keeps judged records apart."""

import importlib

import pytest
from django.apps import apps

from reviewapp.dedup import merges_keeping_apart
from reviewapp.models import ImportBatch, ReviewRound
from tests.factories import ImportBatchFactory, ReviewFactory

backfill = importlib.import_module("reviewapp.migrations.0006_review_rounds").backfill_first_rounds


@pytest.mark.django_db
def test_the_migration_puts_every_existing_import_in_round_1_of_its_review():
    first, second, empty = ReviewFactory(), ReviewFactory(), ReviewFactory()
    batches = [ImportBatchFactory(source__review=review) for review in (first, first, second)]
    assert all(batch.round_id is None for batch in batches)
    backfill(apps, None)
    rounds = {r.review_id: r for r in ReviewRound.objects.all()}
    assert set(rounds) == {first.pk, second.pk, empty.pk}
    assert {(r.number, r.label) for r in rounds.values()} == {(1, "First searches")}
    for batch in ImportBatch.objects.all():
        assert batch.round_id == rounds[batch.review_id].pk
    assert rounds[first.pk].date == min(b.created_at for b in batches[:2]).date()


@pytest.mark.parametrize(
    ("pairs", "judged", "refused"),
    [
        ([(1, 2)], {1}, []),  # a new record merges onto a judged one
        ([(1, 2)], {1, 2}, [(1, 2)]),  # two judged records: a person decides
        ([(1, 3), (3, 2)], {1, 2}, [(3, 2)]),  # ... also when a third record would join them
        ([(1, 3), (2, 4), (3, 4)], {1, 2}, [(3, 4)]),
        ([(3, 4), (4, 5), (1, 3)], {1}, []),
        ([(1, 2), (2, 1)], {1, 2}, [(1, 2), (2, 1)]),
    ],
)
def test_merges_that_would_join_two_judged_records_are_refused(pairs, judged, refused):
    accepted, kept_apart = merges_keeping_apart(pairs, judged)
    assert kept_apart == refused
    assert accepted == [pair for pair in pairs if pair not in refused]
