"""Risk of bias's part of "your next task": items without a consensus that the reviewer has not submitted
an assessment of (two queries for all their reviews)."""

from __future__ import annotations

from collections import Counter

from django.db.models import Exists, OuterRef
from django.urls import reverse

from reviewapp.registry import Task

from .models import Assessment, AssessmentStatus, ConsensusAssessment, RobItem


def next_tasks(memberships: list) -> dict[int, list[Task]]:
    reviewers = {m.review_id: m for m in memberships if m.is_reviewer}
    if not reviewers:
        return {}
    user = next(iter(reviewers.values())).user
    mine = Assessment.objects.filter(
        item=OuterRef("pk"), assessor_id=user.pk, status=AssessmentStatus.SUBMITTED
    )
    settled = ConsensusAssessment.objects.filter(item=OuterRef("pk"))
    waiting = Counter(
        RobItem.objects.filter(review_id__in=reviewers)
        .exclude(Exists(mine))
        .exclude(Exists(settled))
        .values_list("review_id", flat=True)
    )
    tasks = {}
    for review_id, member in reviewers.items():
        n = waiting[review_id]
        url = reverse("rob:index", kwargs={"slug": member.review.slug})
        label = f"Assess risk of bias of {n} item{'' if n == 1 else 's'}"
        tasks[review_id] = [Task("assess", label, n, url)]
    return tasks
