"""Keeping the materialised screening queues (QueueItem) in step with votes and with the review's records.

Reads never write: the pages and the API only read the queue (`selectors.worklist_ready`). The services that
change what a queue holds keep it up to date:

- votes update the rows of one record (`worklist_after_new_vote`, `worklist_refresh_record`);
- structural changes (imports, merges and their undo, removals: Review.records_version), a change of N and
  membership changes queue `worklist_build_enqueue`: the task `screening.worklist_build` runs
  `worklist_build`, i.e. `worklist_sync` (a set-based DELETE and INSERT ... SELECT) for every reviewer and
  stage whose stored version differs. A reviewer's first build of a big review takes seconds, so it never
  runs in a request; until it is done the page says the work list is being prepared. A queue awaiting its
  rebuild stays safe to serve: `next_record` skips records that were removed or merged meanwhile.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import IntegerField, QuerySet, Value

from reviewapp import jobs
from reviewapp.models import Membership, Record, Review

from ..models import QueueItem, QueueSync, Stage
from ..worklist import offered_records, queue_keys, reviewer_order_sql


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
    review.refresh_from_db(fields=["records_version", "votes_required"])
    sync = QueueSync.objects.filter(review=review, stage=stage, reviewer=reviewer).first()
    if _queue_is_current(sync, review):
        return False
    worklist_sync(review=review, stage=stage, reviewer=reviewer)
    return True


WORKLIST_BUILD_TASK = "screening.worklist_build"


def worklist_build_enqueue(*, review: Review, reviewer_id: int | None = None) -> None:
    """Rebuild the review's work lists (or one reviewer's) in a task, after the caller's transaction."""
    jobs.job_enqueue(WORKLIST_BUILD_TASK, review.pk, reviewer_id)


def worklist_build(*, review_id: int, reviewer_id: int | None = None) -> int:
    """Bring every reviewer's queues (or one reviewer's) up to date; drop those of members who no longer
    review. Safe to run twice and concurrently (`worklist_sync` locks per reviewer and stage). Returns the
    number of queues rebuilt."""
    review = Review.objects.filter(pk=review_id).first()
    if review is None:
        return 0
    reviewers = Membership.objects.filter(review=review, is_reviewer=True).select_related("user")
    if reviewer_id is not None:
        reviewers = reviewers.filter(user_id=reviewer_id)
    rebuilt = 0
    for member in reviewers:
        for stage in Stage.values:
            rebuilt += worklist_ensure_synced(review=review, stage=stage, reviewer=member.user)
    _drop_non_reviewers(review)
    return rebuilt


def _drop_non_reviewers(review: Review) -> None:
    reviewing = Membership.objects.filter(review=review, is_reviewer=True).values("user_id")
    QueueItem.objects.filter(review=review).exclude(reviewer__in=reviewing).delete()
    QueueSync.objects.filter(review=review).exclude(reviewer__in=reviewing).delete()


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
    sort_key, rank_score = queue_keys(review, stage, reviewer.pk)
    missing = offered.exclude(pk__in=mine.values("record_id")).values_list(
        "review_id",
        Value(stage),
        Value(reviewer.pk, output_field=IntegerField()),
        "pk",
        "votes_so_far",
        sort_key,
        rank_score,
    )
    columns = ["review", "stage", "reviewer", "record", "votes_so_far", "sort_key", "rank_score"]
    _insert_select(QueueItem, columns, missing)
    sync.records_version, sync.votes_required = version, needed
    sync.save(update_fields=["records_version", "votes_required", "synced_at"])
    return sync


def worklist_drop_records(*, review: Review, record_ids) -> None:
    """Records that left screening (stopped by the stopping rule, removed): out of every queue now, rather
    than at the next rebuild."""
    QueueItem.objects.filter(review=review, record_id__in=record_ids).delete()


def worklist_after_new_vote(*, record: Record, stage: str, voter, votes: int, still_open: bool) -> None:
    """A new vote on `record`: it leaves the voter's queue, moves up in the others' or leaves every queue."""
    rows = QueueItem.objects.filter(record=record, stage=stage)
    if not still_open:
        rows.delete()
        return
    rows.filter(reviewer=voter).delete()
    rows.update(votes_so_far=votes)


def worklist_refresh_record(*, review: Review, record: Record, stage: str) -> None:
    """Rebuild one record's rows in every materialised queue (after an undo, or a full text arriving).
    Per reviewer through `offered_records`, so any narrowing of who is offered what applies here too."""
    QueueItem.objects.filter(record=record, stage=stage).delete()
    reviewers = QueueSync.objects.filter(
        review=review,
        stage=stage,
        reviewer__in=Membership.objects.filter(review=review, is_reviewer=True).values("user_id"),
    ).values_list("reviewer_id", flat=True)
    rows = []
    for reviewer_id in reviewers:
        sort_key, rank_score = queue_keys(review, stage, reviewer_id)
        row = (
            offered_records(review, stage, reviewer_id)
            .filter(pk=record.pk)
            .values("votes_so_far", key=sort_key, score=rank_score)
            .first()
        )
        if row is not None:
            rows.append(
                QueueItem(
                    review=review,
                    stage=stage,
                    reviewer_id=reviewer_id,
                    record=record,
                    votes_so_far=row["votes_so_far"],
                    sort_key=row["key"],
                    rank_score=row["score"],
                )
            )
    QueueItem.objects.bulk_create(rows, ignore_conflicts=True)


def worklist_rekey_stable(*, review: Review, stage: str) -> int:
    """Put every queue row of the review at `stage` back in its reviewer's own stable order (ranking
    turned off): one UPDATE; returns the number of rows."""
    quote = connection.ops.quote_name
    queue, records = quote(QueueItem._meta.db_table), quote(Record._meta.db_table)
    if connection.vendor == "postgresql":
        key = reviewer_order_sql("r.sort_key", "%s", "q.reviewer_id")
        sql = f"""UPDATE {queue} q SET sort_key = {key}, rank_score = NULL FROM {records} r
                  WHERE r.id = q.record_id AND q.review_id = %s AND q.stage = %s"""  # noqa: S608
    else:
        record_key = f"(SELECT r.sort_key FROM {records} r WHERE r.id = {queue}.record_id)"
        key = reviewer_order_sql(record_key, "%s", f"{queue}.reviewer_id")
        sql = f"""UPDATE {queue} SET sort_key = {key}, rank_score = NULL
                  WHERE review_id = %s AND stage = %s"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [review.seed, review.pk, stage])
        return cursor.rowcount
