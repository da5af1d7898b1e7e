"""Screening's part of "your next task" and of each review's progress (registry.next_tasks_provider,
registry.review_progress_provider): one grouped query per kind of task for all of a user's reviews, so the
home page costs the same for two reviews as for fifty.

- screen N records: records offered to the reviewer at each stage (open, not voted on by them, fewer
  than the review's N votes) — the same rule as the work list (screening.worklist.offered_records);
- resolve N conflicts: open conflicts, for whoever may resolve them (arbiter, or owner if allowed);
- retrieve N reports: reports included at title/abstract whose full text nobody has recorded yet.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse

from reviewapp.permissions import can_resolve_conflicts
from reviewapp.registry import Progress, Task

from .models import Conflict, ConflictStatus, RetrievalStatus, Stage, Verdict, VerdictDecision, Vote
from .worklist import undecided, vote_count

ACTIVE = Q(duplicate_of__isnull=True, removed_reason="")


def _ta_included() -> Exists:
    return Exists(
        Verdict.objects.filter(
            record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT, decision=VerdictDecision.INCLUDE
        )
    )


def _up_for(stage: str) -> Q:
    if stage == Stage.TITLE_ABSTRACT:
        return ACTIVE
    return ACTIVE & Q(_ta_included()) & Q(retrieval__status=RetrievalStatus.RETRIEVED)


def _per_review(queryset) -> dict[int, int]:
    return dict(queryset.order_by().values("review_id").annotate(n=Count("id")).values_list("review_id", "n"))


def _to_screen(review_ids: list[int], user, stage: str) -> dict[int, int]:
    from reviewapp.models import Record

    mine = Vote.objects.filter(record=OuterRef("pk"), stage=stage, reviewer_id=user.pk)
    offered = (
        Record.objects.filter(review_id__in=review_ids)
        .filter(_up_for(stage), undecided(stage))
        .exclude(Exists(mine))
        .annotate(votes_so_far=vote_count(stage))
        .filter(votes_so_far__lt=F("review__votes_required"))
    )
    return _per_review(offered)


def _to_retrieve(review_ids: list[int]) -> dict[int, int]:
    from reviewapp.models import Record

    sought = Record.objects.filter(review_id__in=review_ids).filter(ACTIVE, _ta_included())
    return _per_review(sought.filter(retrieval__isnull=True))


def _url(name: str, slug: str, **kwargs) -> str:
    return reverse(f"screening:{name}", kwargs={"slug": slug, **kwargs})


def next_tasks(memberships: list) -> dict[int, list[Task]]:
    user = memberships[0].user if memberships else None
    if user is None:
        return {}
    reviewers = [m.review_id for m in memberships if m.is_reviewer]
    resolvers = [m.review_id for m in memberships if can_resolve_conflicts(m.review, m)]
    retrievers = [m.review_id for m in memberships if m.is_owner or m.is_reviewer]
    screen = {stage: _to_screen(reviewers, user, stage) if reviewers else {} for stage in Stage.values}
    conflicts = _per_review(Conflict.objects.filter(review_id__in=resolvers, status=ConflictStatus.OPEN))
    retrieve = _to_retrieve(retrievers) if retrievers else {}
    tasks: dict[int, list[Task]] = defaultdict(list)
    for m in memberships:
        slug = m.review.slug
        for stage, label in Stage.choices:
            n = screen[stage].get(m.review_id, 0)
            url = _url("screen", slug, stage=stage)
            tasks[m.review_id].append(Task("screen", f"Screen {n} record{_s(n)} at {label.lower()}", n, url))
        n = retrieve.get(m.review_id, 0)
        tasks[m.review_id].append(
            Task(
                "retrieve",
                f"Retrieve {n} full-text report{_s(n)}",
                n,
                _url("fulltext", slug) + "?status=sought",
            )
        )
        n = conflicts.get(m.review_id, 0)
        tasks[m.review_id].append(Task("resolve", f"Resolve {n} conflict{_s(n)}", n, _url("conflicts", slug)))
    return tasks


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def review_progress(reviews: list) -> dict[int, list[Progress]]:
    """Per review: title/abstract and full-text records decided (a verdict) of those up for the stage."""
    from reviewapp.models import Record

    ids = [r.pk for r in reviews]
    found: dict[int, list[Progress]] = defaultdict(list)
    for stage, label in Stage.choices:
        decided = Exists(Verdict.objects.filter(record=OuterRef("pk"), stage=stage))
        rows = (
            Record.objects.filter(review_id__in=ids)
            .filter(_up_for(stage))
            .order_by()
            .values("review_id")
            .annotate(total=Count("id"), done=Count("id", filter=Q(decided)))
        )
        for row in rows:
            found[row["review_id"]].append(Progress(label, row["done"], row["total"]))
    return found
