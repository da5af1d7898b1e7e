"""Which records a reviewer may still vote on, as querysets shared by the queue service and the selectors.

A record is *eligible* at a stage when it goes on to that stage (title/abstract: active, i.e. neither a
duplicate nor removed; full text: also included at title/abstract and retrieved). It is *open* while it has
no verdict, no open conflict and fewer than the review's N votes; it is *offered* to a reviewer when it is
open and the reviewer has not voted on it.
"""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from reviewapp.models import Record, Review

from .models import Conflict, ConflictStatus, QueueItem, RetrievalStatus, Stage, Verdict, VerdictDecision, Vote


def queue_order() -> list[str]:
    """The order the queue offers records in: records that already have votes first (so pairs complete),
    then the stable per-review random order. A relevance ranking replaces this (and QueueItem.sort_key)."""
    return ["-votes_so_far", "sort_key"]


def eligible_records(review: Review, stage: str) -> QuerySet[Record]:
    records = Record.objects.filter(review=review, duplicate_of__isnull=True, removed_reason="")
    if stage == Stage.FULL_TEXT:
        records = records.filter(
            Exists(Verdict.objects.filter(record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT,
                                          decision=VerdictDecision.INCLUDE)),
            retrieval__status=RetrievalStatus.RETRIEVED,
        )
    return records


def vote_count(stage: str) -> Coalesce:
    counted = (Vote.objects.filter(record=OuterRef("pk"), stage=stage).order_by()
               .values("record").annotate(n=Count("id")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def undecided(stage: str, record_ref: str = "pk") -> Q:
    """No verdict and no open conflict at `stage` (with N votes there is always one or the other)."""
    return ~Exists(Verdict.objects.filter(record=OuterRef(record_ref), stage=stage)) & ~Exists(
        Conflict.objects.filter(record=OuterRef(record_ref), stage=stage, status=ConflictStatus.OPEN))


def offered_records(review: Review, stage: str, reviewer_id: int) -> QuerySet[Record]:
    """Open records at `stage` that `reviewer_id` has not voted on, annotated with `votes_so_far`."""
    return (eligible_records(review, stage)
            .filter(undecided(stage))
            .exclude(Exists(Vote.objects.filter(record=OuterRef("pk"), stage=stage, reviewer_id=reviewer_id)))
            .annotate(votes_so_far=vote_count(stage))
            .filter(votes_so_far__lt=review.votes_required))


def queue_rows(review: Review, stage: str, reviewer_id: int) -> QuerySet[QueueItem]:
    """The reviewer's queue, in queue order, skipping rows a concurrent change has made stale."""
    mine = Vote.objects.filter(record=OuterRef("record_id"), stage=stage, reviewer_id=reviewer_id)
    return (QueueItem.objects.filter(review=review, stage=stage, reviewer_id=reviewer_id)
            .filter(undecided(stage, "record_id"))
            .exclude(Exists(mine))
            .order_by(*queue_order()))
