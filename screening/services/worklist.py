"""Keeping the materialised screening queues (QueueItem) in step with votes and with the review's records.

Votes update the rows of one record (`worklist_after_new_vote`, `worklist_refresh_record`). Structural changes
(imports, merges, removals: Review.records_version; a change of N) are applied by `worklist_sync`, a set-based
DELETE and INSERT ... SELECT per reviewer and stage, run when the reviewer's stored version differs.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F, IntegerField, QuerySet, Value

from reviewapp.models import Membership, Record, Review

from ..models import QueueItem, QueueSync
from ..offers import reviewers_offered
from ..worklist import offered_records


def _insert_select(model, columns: list[str], rows: QuerySet) -> int:
    """INSERT INTO model (columns) SELECT ...: `rows` is a values_list() in the same column order."""
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({names}) {sql}", params)  # noqa: S608
        return cursor.rowcount


def _queue_is_current(sync: QueueSync | None, review: Review) -> bool:
    return (
        sync is not None
        and sync.records_version == review.records_version
        and sync.votes_required == review.votes_required
    )


def worklist_ensure_synced(*, review: Review, stage: str, reviewer) -> bool:
    """Resynchronise the reviewer's queue if the review's records changed since; True if it did."""
    sync = QueueSync.objects.filter(review=review, stage=stage, reviewer=reviewer).first()
    if _queue_is_current(sync, review):
        return False
    worklist_sync(review=review, stage=stage, reviewer=reviewer)
    return True


@transaction.atomic
def worklist_sync(*, review: Review, stage: str, reviewer) -> QueueSync:
    """Make the reviewer's queue exactly the records offered to them: two set-based statements."""
    sync, _ = QueueSync.objects.get_or_create(
        review=review,
        stage=stage,
        reviewer=reviewer,
        defaults={"records_version": review.records_version, "votes_required": review.votes_required},
    )
    sync = QueueSync.objects.select_for_update().get(
        pk=sync.pk
    )  # one resync per reviewer and stage at a time
    version, needed = Review.objects.values_list("records_version", "votes_required").get(pk=review.pk)
    offered = offered_records(review, stage, reviewer.pk)
    mine = QueueItem.objects.filter(review=review, stage=stage, reviewer=reviewer)
    mine.exclude(record_id__in=offered.values("pk")).delete()
    missing = offered.exclude(pk__in=mine.values("record_id")).values_list(
        "review_id",
        Value(stage),
        Value(reviewer.pk, output_field=IntegerField()),
        "pk",
        "votes_so_far",
        F("sort_key"),
    )
    _insert_select(QueueItem, ["review", "stage", "reviewer", "record", "votes_so_far", "sort_key"], missing)
    sync.records_version, sync.votes_required = version, needed
    sync.save(update_fields=["records_version", "votes_required", "synced_at"])
    return sync


def worklist_after_new_vote(*, record: Record, stage: str, voter, votes: int, still_open: bool) -> None:
    """A new vote on `record`: it leaves the voter's queue, moves up in the others' or leaves every queue."""
    rows = QueueItem.objects.filter(record=record, stage=stage)
    if not still_open:
        rows.delete()
        return
    rows.filter(reviewer=voter).delete()
    rows.update(votes_so_far=votes)


def worklist_refresh_record(*, review: Review, record: Record, stage: str) -> None:
    """Rebuild one record's rows in every materialised queue (after an undo, or a full text arriving)."""
    QueueItem.objects.filter(record=record, stage=stage).delete()
    row = offered_records(review, stage, reviewer_id=0).filter(pk=record.pk).values("votes_so_far").first()
    if row is None:
        return
    voters = set(record.votes.filter(stage=stage).values_list("reviewer_id", flat=True))
    reviewers = QueueSync.objects.filter(
        review=review,
        stage=stage,
        reviewer__in=Membership.objects.filter(review=review, is_reviewer=True).values("user_id"),
    ).values_list("reviewer_id", flat=True)
    reviewers = reviewers_offered(review, stage, record.pk, reviewers)
    QueueItem.objects.bulk_create(
        [
            QueueItem(
                review=review,
                stage=stage,
                reviewer_id=reviewer_id,
                record=record,
                votes_so_far=row["votes_so_far"],
                sort_key=record.sort_key,
            )
            for reviewer_id in reviewers
            if reviewer_id not in voters
        ],
        ignore_conflicts=True,
    )
