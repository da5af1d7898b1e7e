"""Extraction's part of "your next task" (registry.next_tasks_provider): for a reviewer, the studies still to
extract; for whoever may settle, the extraction conflicts still open. A fixed number of queries for all of a
user's reviews.

A study is extracted with the form that fits it (a clinical study with the clinical form), so a study counts
as waiting for a reviewer when
- nobody has extracted it with any active form yet (it is up for its first extraction), or
- an active form's extraction of it has begun (someone's extraction, draft or submitted) and that item has
  neither a consensus, nor a conflict (that is the settlers' step), nor the reviewer's own submitted
  extraction.
A study settled by consensus with one form is therefore done, and is not offered again for every other
active form nobody uses on it.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.urls import reverse

from reviewapp.models import Study
from reviewapp.registry import Task

from .models import ConflictStatus, Consensus, Extraction, ExtractionConflict, ExtractionStatus, Form
from .permissions import may_settle


def _studies_waiting(reviewers: dict, user) -> Counter:
    active = defaultdict(set)
    for review_id, form_id in Form.objects.filter(review_id__in=reviewers, is_active=True).values_list(
        "review_id", "id"
    ):
        active[review_id].add(form_id)
    begun: dict[int, set[int]] = defaultdict(set)  # study -> forms with any extraction, consensus or conflict
    closed: set[tuple[int, int]] = set()  # (study, form) with nothing left for this reviewer
    extractions = Extraction.objects.filter(review_id__in=reviewers).order_by()
    for study_id, form_id, reviewer_id, status in extractions.values_list(
        "study_id", "form_id", "reviewer_id", "status"
    ):
        begun[study_id].add(form_id)
        if reviewer_id == user.pk and status == ExtractionStatus.SUBMITTED:
            closed.add((study_id, form_id))
    for model in (Consensus, ExtractionConflict):
        for study_id, form_id in (
            model.objects.filter(review_id__in=reviewers).order_by().values_list("study_id", "form_id")
        ):
            begun[study_id].add(form_id)
            closed.add((study_id, form_id))
    waiting: Counter = Counter()
    for review_id, study_id in Study.objects.filter(review_id__in=reviewers).values_list("review_id", "id"):
        forms = active[review_id]
        if not forms:
            continue
        started = begun[study_id] & forms
        if not begun[study_id] or any((study_id, form_id) not in closed for form_id in started):
            waiting[review_id] += 1
    return waiting


def next_tasks(memberships: list) -> dict[int, list[Task]]:
    if not memberships:
        return {}
    user = memberships[0].user
    reviewers = {m.review_id: m for m in memberships if m.is_reviewer}
    settlers = {m.review_id: m for m in memberships if may_settle(m.review, m)}
    waiting = _studies_waiting(reviewers, user) if reviewers else Counter()
    conflicts = Counter(
        ExtractionConflict.objects.filter(review_id__in=settlers, status=ConflictStatus.OPEN)
        .order_by()
        .values_list("review_id", flat=True)
    )
    tasks: dict[int, list[Task]] = defaultdict(list)
    for review_id, member in reviewers.items():
        n = waiting[review_id]
        url = reverse("extraction:index", kwargs={"slug": member.review.slug})
        tasks[review_id].append(Task("extract", f"Extract {n} stud{'y' if n == 1 else 'ies'}", n, url))
    for review_id, member in settlers.items():
        n = conflicts[review_id]
        url = reverse("extraction:consensus-list", kwargs={"slug": member.review.slug})
        label = f"Settle {n} extraction conflict{'' if n == 1 else 's'}"
        tasks[review_id].append(Task("settle_extraction", label, n, url))
    return tasks
