"""Which records a reviewer may still vote on, as querysets shared by the queue service and the selectors.

A record is *eligible* at a stage when it goes on to that stage (title/abstract: active, i.e. neither a
duplicate nor removed; full text: also included at title/abstract and retrieved). It is *open* while it has
no verdict, no open conflict and fewer than the review's N votes; it is *offered* to a reviewer when it is
open and the reviewer has not voted on it.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from reviewapp.models import Record, Review

from .models import (
    Conflict,
    ConflictStatus,
    QueueItem,
    RetrievalStatus,
    Stage,
    Verdict,
    VerdictDecision,
    Vote,
)
from .offers import offered_filter


def worklist_order() -> list[str]:
    """The order a work list offers records in: the review's stable pseudo-random order, the same for
    every reviewer. It never depends on other people's votes — "records someone voted on first" would
    tell a blinded reviewer that someone voted — and because every reviewer walks the same order, pairs
    still complete as they go. A relevance ranking replaces this (and QueueItem.sort_key)."""
    return ["sort_key"]


def eligible_records(review: Review, stage: str) -> QuerySet[Record]:
    records = Record.objects.filter(review=review, duplicate_of__isnull=True, removed_reason="")
    if stage == Stage.FULL_TEXT:
        records = records.filter(
            Exists(
                Verdict.objects.filter(
                    record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT, decision=VerdictDecision.INCLUDE
                )
            ),
            retrieval__status=RetrievalStatus.RETRIEVED,
        )
    return records


def vote_count(stage: str) -> Coalesce:
    counted = (
        Vote.objects.filter(record=OuterRef("pk"), stage=stage)
        .order_by()
        .values("record")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def undecided(stage: str) -> Q:
    """No verdict and no open conflict at `stage` (with N votes there is always one or the other)."""
    return ~Exists(Verdict.objects.filter(record=OuterRef("pk"), stage=stage)) & ~Exists(
        Conflict.objects.filter(record=OuterRef("pk"), stage=stage, status=ConflictStatus.OPEN)
    )


def offered_records(review: Review, stage: str, reviewer_id: int) -> QuerySet[Record]:
    """Open records at `stage` that `reviewer_id` has not voted on, annotated with `votes_so_far`."""
    return (
        eligible_records(review, stage)
        .filter(undecided(stage), offered_filter(review, stage, reviewer_id))
        .exclude(Exists(Vote.objects.filter(record=OuterRef("pk"), stage=stage, reviewer_id=reviewer_id)))
        .annotate(votes_so_far=vote_count(stage))
        .filter(votes_so_far__lt=review.votes_required)
    )


def _order_sql(alias: str) -> str:
    return ", ".join(
        f"{alias}.{name[1:]} DESC" if name.startswith("-") else f"{alias}.{name}" for name in worklist_order()
    )


def next_record(review: Review, stage: str, reviewer_id: int, fields: tuple[str, ...]) -> Record | None:
    """The head of the reviewer's queue, skipping rows a concurrent change has made stale.

    The hot path of screening, so one hand-written statement (portable SQL): the ORM would spend more time
    compiling its three NOT EXISTS than the database spends answering them from the queue_next index.
    """
    quote = connection.ops.quote_name
    tables = {model: quote(model._meta.db_table) for model in (QueueItem, Record, Vote, Verdict, Conflict)}
    columns = ", ".join(f"r.{quote(Record._meta.get_field(name).column)}" for name in fields)
    sql = f"""
        SELECT {columns} FROM {tables[QueueItem]} q JOIN {tables[Record]} r ON r.id = q.record_id
        WHERE q.review_id = %s AND q.stage = %s AND q.reviewer_id = %s
          AND NOT EXISTS (SELECT 1 FROM {tables[Vote]} v
                          WHERE v.record_id = q.record_id AND v.stage = %s AND v.reviewer_id = %s)
          AND NOT EXISTS (SELECT 1 FROM {tables[Verdict]} d WHERE d.record_id = q.record_id AND d.stage = %s)
          AND NOT EXISTS (SELECT 1 FROM {tables[Conflict]} c
                          WHERE c.record_id = q.record_id AND c.stage = %s AND c.status = %s)
        ORDER BY {_order_sql("q")} LIMIT 1"""  # noqa: S608 - names and the order come from the models
    params = [review.pk, stage, reviewer_id, stage, reviewer_id, stage, stage, ConflictStatus.OPEN]
    return next(iter(Record.objects.raw(sql, params)), None)
