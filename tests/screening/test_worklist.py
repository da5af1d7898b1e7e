"""The materialised screening queue: what is offered, in which order, and how it follows changes."""

import pytest
from django.db.models import F

from reviewapp.models import Membership, RemovalReason, Review
from screening import selectors
from screening.models import QueueItem, Stage
from screening.services import votes as vote_services
from screening.services import worklist as worklist_services
from tests.screening.conftest import in_reviewer_order, reviewer_keys


def _next(review, user, stage=Stage.TITLE_ABSTRACT):
    review.refresh_from_db()
    worklist_services.worklist_ensure_synced(review=review, stage=stage, reviewer=user)
    return selectors.next_record(review, stage, user)


def _drain(review, user, stage=Stage.TITLE_ABSTRACT):
    """The records the queue offers, in order, without voting (by reading the rows)."""
    _next(review, user, stage)
    return list(
        QueueItem.objects.filter(review=review, stage=stage, reviewer=user)
        .order_by("sort_key")
        .values_list("record_id", flat=True)
    )


def _bump(review):
    Review.objects.filter(pk=review.pk).update(records_version=F("records_version") + 1)


def test_each_reviewer_walks_their_own_stable_order(review, make_records, bob, carol):
    records = make_records(30)
    bobs, carols = _drain(review, bob), _drain(review, carol)
    assert bobs == [r.pk for r in in_reviewer_order(review, bob, records)]
    assert carols == [r.pk for r in in_reviewer_order(review, carol, records)]
    assert sorted(bobs) == sorted(carols) == sorted(r.pk for r in records)  # the same records...
    assert bobs != carols  # ...in another order (two equal orders of 30: 1 in 30!)
    assert bobs[:3] != carols[:3]
    assert _next(review, bob).pk == bobs[0]
    _bump(review)  # a full rebuild gives each the same order again
    assert _drain(review, bob) == bobs and _drain(review, carol) == carols


def test_a_reviewers_order_is_a_mix_of_the_records_stable_keys(review, records, bob):
    """Keys are 62-bit (ranked keys, from -2**62, come first), and depend on the record, not on its id."""
    keys = reviewer_keys(review, bob, records)
    assert all(0 <= key < 2**62 for key in keys.values())
    assert len(set(keys.values())) == len(records)
    moved = records[0]
    moved.sort_key += 1
    moved.save(update_fields=["sort_key"])
    assert reviewer_keys(review, bob, [moved])[moved.pk] != keys[moved.pk]


def test_sqlite_computes_the_order_with_the_python_function(review, records, bob):
    from django.db import connection

    from screening.worklist import reviewer_order_key

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL computes it with its own seeded hash")
    keys = reviewer_keys(review, bob, records)
    assert keys == {r.pk: reviewer_order_key(r.sort_key, review.seed, bob.pk) for r in records}


def test_reviewers_take_records_someone_voted_on_in_their_own_order(
    review, make_records, bob, carol, dave, cast
):
    Membership.objects.filter(user=dave).update(is_reviewer=True)
    records = make_records(40)
    started = in_reviewer_order(review, dave, records)[:20]
    for record in started:
        cast(dave, record, "exclude")
    ids = {r.pk for r in started}
    bobs = [pk for pk in _drain(review, bob) if pk in ids]
    carols = [pk for pk in _drain(review, carol) if pk in ids]
    assert sorted(bobs) == sorted(carols) == sorted(ids)
    assert bobs == [r.pk for r in in_reviewer_order(review, bob, started)]
    assert bobs != carols  # not the same record next for both whenever each takes one dave voted on


def test_turning_the_ranking_off_puts_every_queue_back_in_its_own_order(review, make_records, bob, carol):
    make_records(12)
    bobs, carols = _drain(review, bob), _drain(review, carol)
    QueueItem.objects.filter(review=review).update(sort_key=-5, rank_score=0.5)  # as if ranked
    assert worklist_services.worklist_rekey_stable(review=review, stage=Stage.TITLE_ABSTRACT) == 24
    assert _drain(review, bob) == bobs and _drain(review, carol) == carols
    assert set(QueueItem.objects.values_list("rank_score", flat=True)) == {None}


def _walk(review, user, cast, decision="exclude"):
    """Screen the whole queue; return the records in the order they were offered."""
    seen = []
    while (record := _next(review, user)) is not None:
        seen.append(record.pk)
        cast(user, record, decision)
    return seen


def test_records_others_voted_on_are_interleaved_with_fresh_ones(review, make_records, bob, carol, cast):
    in_order = in_reviewer_order(review, bob, make_records(40))
    started = {r.pk for r in in_order[1::2]}
    for record in in_order[1::2]:
        cast(carol, record, "exclude")
    walked = _walk(review, bob, cast)
    flags = [pk in started for pk in walked]
    assert sorted(walked) == sorted(r.pk for r in in_order)
    assert flags != sorted(flags, reverse=True)  # not "someone voted on these" first...
    assert flags != sorted(flags)  # ...nor last
    assert 3 <= sum(flags[:20]) <= 17  # about half of bob's first 20 complete one of carol's pairs


def test_pairs_complete_while_both_keep_screening(review, make_records, bob, carol, cast):
    in_order = in_reviewer_order(review, bob, make_records(30))
    for record in in_order[-10:]:  # carol screened the end of bob's order
        cast(carol, record, "exclude")
    for _ in range(15):
        cast(bob, _next(review, bob), "exclude")
    decided = selectors.team_progress(review, Stage.TITLE_ABSTRACT)["decided"]
    assert decided >= 2  # walking the stable order alone, bob would complete none of them by now


def test_the_interleave_is_deterministic_and_differs_between_reviewers():
    from screening.worklist import interleave_takes_started

    assert all(interleave_takes_started(7, 11, 12) == interleave_takes_started(7, 11, 12) for _ in range(3))
    by_reviewer = {interleave_takes_started(reviewer, 11, 12) for reviewer in range(1, 40)}
    assert by_reviewer == {True, False}  # the same heads: some reviewers get the started one, some not
    share = sum(interleave_takes_started(3, s, f) for s in range(100) for f in range(100, 110)) / 1000
    assert 0.4 < share < 0.6


def test_the_same_page_twice_shows_the_same_record(review, records, bob, carol, cast):
    cast(carol, records[2], "include")
    assert _next(review, bob).pk == _next(review, bob).pk


def test_a_reviewer_is_never_offered_a_record_they_voted_on(review, records, bob, cast):
    seen = []
    while (record := _next(review, bob)) is not None:
        assert record.pk not in seen
        seen.append(record.pk)
        cast(bob, record, "exclude")
    assert sorted(seen) == sorted(r.pk for r in records)


def test_complete_records_are_not_offered(review, records, bob, carol, dave, cast):
    Membership.objects.filter(user=dave).update(is_reviewer=True)
    _next(review, dave)
    cast(bob, records[0], "include")
    cast(carol, records[0], "exclude")  # conflict
    cast(bob, records[1], "include")
    cast(carol, records[1], "include")  # verdict
    offered = _drain(review, dave)
    assert records[0].pk not in offered and records[1].pk not in offered
    assert len(offered) == 3


def test_new_imports_join_the_queue_on_the_next_request(review, records, make_records, bob):
    assert len(_drain(review, bob)) == 5
    new = make_records(2)
    _bump(review)
    offered = _drain(review, bob)
    assert {r.pk for r in new} <= set(offered)
    assert len(offered) == 7


def test_duplicates_and_removed_records_leave_the_queue(review, records, bob):
    _drain(review, bob)
    records[0].removed_reason = RemovalReason.INCOMPLETE
    records[0].save()
    records[1].duplicate_of = records[2]
    records[1].save()
    _bump(review)
    offered = _drain(review, bob)
    assert records[0].pk not in offered and records[1].pk not in offered


def test_an_undone_vote_puts_the_record_back_in_every_queue(review, records, bob, carol, cast):
    _drain(review, bob)
    _drain(review, carol)
    cast(bob, records[0], "exclude")
    assert records[0].pk not in _drain(review, bob)
    vote_services.vote_undo_last(review=review, actor=bob, stage=Stage.TITLE_ABSTRACT)
    assert records[0].pk in _drain(review, bob)  # back in its place in the review's order
    assert records[0].pk in _drain(review, carol)


def test_a_retrieved_report_joins_the_fulltext_queue(review, records, bob, retrieved):
    assert _next(review, bob, Stage.FULL_TEXT) is None
    retrieved(records[0])
    assert _next(review, bob, Stage.FULL_TEXT).pk == records[0].pk


def test_the_resync_costs_the_same_few_queries_for_any_number_of_records(review, make_records, bob, carol):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_records(3)
    with CaptureQueriesContext(connection) as small:
        worklist_services.worklist_sync(review=review, stage=Stage.TITLE_ABSTRACT, reviewer=bob)
    make_records(60)
    with CaptureQueriesContext(connection) as large:
        worklist_services.worklist_sync(review=review, stage=Stage.TITLE_ABSTRACT, reviewer=carol)
    assert len(large) == len(small) <= 12
    assert QueueItem.objects.filter(reviewer=carol).count() == 63


def test_the_resync_writes_the_right_columns(review, records, bob, carol, cast):
    cast(carol, records[3], "include")
    worklist_services.worklist_sync(review=review, stage=Stage.TITLE_ABSTRACT, reviewer=bob)
    rows = {row.record_id: row for row in QueueItem.objects.filter(reviewer=bob)}
    assert rows[records[3].pk].votes_so_far == 1
    assert rows[records[3].pk].sort_key == reviewer_keys(review, bob, [records[3]])[records[3].pk]
    assert {row.stage for row in rows.values()} == {Stage.TITLE_ABSTRACT}
    assert {row.review_id for row in rows.values()} == {review.pk}


def test_a_stale_queue_row_is_skipped(review, records, bob):
    """A row a racing resync left behind for a record decided meanwhile is never offered."""
    from screening.models import Verdict

    head = _next(review, bob)
    Verdict.objects.create(
        review=review, record=head, stage=Stage.TITLE_ABSTRACT, decision="include", method="agreement"
    )
    assert QueueItem.objects.filter(reviewer=bob, record=head).exists()
    assert _next(review, bob).pk != head.pk
