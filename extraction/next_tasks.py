"""Extraction's and risk of bias's part of "your next task" (registry.next_tasks_provider): for a reviewer,
the studies still to extract (with each active form) and the risk-of-bias items still to assess — work
without a consensus yet that they have not submitted. A fixed number of queries for all their reviews."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.urls import reverse

from reviewapp.models import Study
from reviewapp.registry import Task

from .models import Consensus, Extraction, ExtractionStatus, Form


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def next_tasks(memberships: list) -> dict[int, list[Task]]:
    reviewers = {m.review_id: m for m in memberships if m.is_reviewer}
    if not reviewers:
        return {}
    user = next(iter(reviewers.values())).user
    forms = defaultdict(list)
    for review_id, form_id in Form.objects.filter(review_id__in=reviewers, is_active=True).values_list(
        "review_id", "id"
    ):
        forms[review_id].append(form_id)
    studies = Study.objects.filter(review_id__in=reviewers).values_list("review_id", "id")
    submitted = Extraction.objects.filter(
        review_id__in=reviewers, reviewer_id=user.pk, status=ExtractionStatus.SUBMITTED
    )
    done = {*submitted.order_by().values_list("study_id", "form_id")}
    done |= {*Consensus.objects.filter(review_id__in=reviewers).order_by().values_list("study_id", "form_id")}
    waiting: Counter = Counter()
    for review_id, study_id in studies:
        if any((study_id, form_id) not in done for form_id in forms[review_id]):
            waiting[review_id] += 1
    tasks = {}
    for review_id, member in reviewers.items():
        n = waiting[review_id]
        url = reverse("extraction:index", kwargs={"slug": member.review.slug})
        tasks[review_id] = [Task("extract", f"Extract {n} stud{'y' if n == 1 else 'ies'}", n, url)]
    return tasks
