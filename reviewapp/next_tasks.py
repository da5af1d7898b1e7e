"""The core's part of "your next task" (registry.next_tasks_provider, registered first: de-duplication
comes before screening): for an owner, the possible duplicate pairs still to decide. One query for all of
a user's reviews."""

from __future__ import annotations

from collections import Counter

from django.urls import reverse

from .models import CandidateStatus, DuplicateCandidate
from .registry import Task


def next_tasks(memberships: list) -> dict[int, list[Task]]:
    owners = {m.review_id: m for m in memberships if m.is_owner}
    if not owners:
        return {}
    pending = Counter(
        DuplicateCandidate.objects.filter(review_id__in=owners, status=CandidateStatus.PENDING)
        .order_by()
        .values_list("review_id", flat=True)
    )
    tasks = {}
    for review_id, member in owners.items():
        n = pending[review_id]
        url = reverse("duplicate-queue", kwargs={"slug": member.review.slug})
        tasks[review_id] = [
            Task("dedup", f"Decide {n} possible duplicate pair{'' if n == 1 else 's'}", n, url)
        ]
    return tasks
