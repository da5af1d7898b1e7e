"""Risk of bias's part of "your next task": for a reviewer, items without a consensus or an open conflict
that they have not submitted an assessment of; for whoever may settle (arbiter, or owner if allowed), the
items in an open conflict. Two queries for all of a user's reviews."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Exists, OuterRef
from django.urls import reverse

from reviewapp.permissions import can_resolve_conflicts
from reviewapp.registry import Task

from .models import (
    Assessment,
    AssessmentConflict,
    AssessmentStatus,
    ConflictStatus,
    ConsensusAssessment,
    RobItem,
)


def next_tasks(memberships: list) -> dict[int, list[Task]]:
    if not memberships:
        return {}
    user = memberships[0].user
    reviewers = {m.review_id: m for m in memberships if m.is_reviewer}
    settlers = {m.review_id: m for m in memberships if can_resolve_conflicts(m.review, m)}
    mine = Assessment.objects.filter(
        item=OuterRef("pk"), assessor_id=user.pk, status=AssessmentStatus.SUBMITTED
    )
    settled = ConsensusAssessment.objects.filter(item=OuterRef("pk"))
    in_conflict = AssessmentConflict.objects.filter(item=OuterRef("pk"), status=ConflictStatus.OPEN)
    waiting = Counter(
        RobItem.objects.filter(review_id__in=reviewers)
        .exclude(Exists(mine))
        .exclude(Exists(settled))
        .exclude(Exists(in_conflict))
        .values_list("review_id", flat=True)
    )
    conflicts = Counter(
        AssessmentConflict.objects.filter(review_id__in=settlers, status=ConflictStatus.OPEN)
        .order_by()
        .values_list("review_id", flat=True)
    )
    tasks: dict[int, list[Task]] = defaultdict(list)
    for review_id, member in reviewers.items():
        n = waiting[review_id]
        url = reverse("rob:index", kwargs={"slug": member.review.slug})
        label = f"Assess risk of bias of {n} item{'' if n == 1 else 's'}"
        tasks[review_id].append(Task("assess", label, n, url))
    for review_id, member in settlers.items():
        n = conflicts[review_id]
        url = reverse("rob:index", kwargs={"slug": member.review.slug})
        label = f"Settle {n} risk-of-bias conflict{'' if n == 1 else 's'}"
        tasks[review_id].append(Task("settle_rob", label, n, url))
    return tasks
