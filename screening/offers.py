"""Which of the open records a reviewer is offered, beyond "open and not voted on by them": the team's
set-up (assignment, pilot rounds). The work list (`worklist.offered_records`) applies `offered_filter` at
one point; the record-by-record refresh asks `reviewers_offered`; the vote service asks `offer_refusal`.

- Assignment on (ScreeningSettings.assignment): a reviewer is offered only records assigned to them at
  that stage (`Assignment`); records nobody was assigned to are offered to nobody.
- An open pilot round holds its records out of every work list: they are screened on the pilot page, and
  for real once the round is closed (pilot votes never count).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from reviewapp.models import Review
from reviewapp.services.changes import records_changed

from .models import Assignment, PilotRecord, PilotStatus, ScreeningSettings

ANY_REVIEWER = 0  # offered_records(reviewer_id=0): "open for someone", before asking who


def settings_of(review: Review) -> ScreeningSettings:
    """The review's screening settings (defaults when the owner never set any), cached on the review."""
    cached = getattr(review, "_screening_settings", None)
    if cached is None:
        cached = ScreeningSettings.objects.filter(review=review).first() or ScreeningSettings(review=review)
        review._screening_settings = cached
    return cached


def settings_forget(review: Review) -> None:
    review.__dict__.pop("_screening_settings", None)


def in_open_pilot(record_ref: str = "pk") -> Exists:
    return Exists(PilotRecord.objects.filter(record=OuterRef(record_ref), pilot__status=PilotStatus.OPEN))


def offered_filter(review: Review, stage: str, reviewer_id: int) -> Q:
    """The set-up's condition on Record rows offered to `reviewer_id` (ANY_REVIEWER: to anyone). Plain SQL
    conditions, so the work list costs no extra query and always reads the current settings."""
    condition = ~Q(in_open_pilot())
    if reviewer_id != ANY_REVIEWER:
        assignment_on = ScreeningSettings.objects.filter(review=review, assignment=True)
        assigned = Assignment.objects.filter(record=OuterRef("pk"), stage=stage, reviewer_id=reviewer_id)
        condition &= ~Q(Exists(assignment_on)) | Q(Exists(assigned))
    return condition


def reviewers_offered(review: Review, stage: str, record_id: int, reviewer_ids) -> list[int]:
    """Those of `reviewer_ids` the set-up offers the (open) record to."""
    if not settings_of(review).assignment:
        return list(reviewer_ids)
    assigned = set(
        Assignment.objects.filter(record_id=record_id, stage=stage).values_list("reviewer_id", flat=True)
    )
    return [pk for pk in reviewer_ids if pk in assigned]


def offer_refusal(review: Review, stage: str, record_id: int, reviewer_id: int) -> str | None:
    """Why the set-up does not let this reviewer vote on this record now, or None."""
    if PilotRecord.objects.filter(record_id=record_id, pilot__status=PilotStatus.OPEN).exists():
        return "This record is in the open pilot round: screen it on the pilot page."
    if (
        settings_of(review).assignment
        and not Assignment.objects.filter(record_id=record_id, stage=stage, reviewer_id=reviewer_id).exists()
    ):
        return "This record is not assigned to you."
    return None


def worklists_invalidate(review: Review) -> None:
    """The set-up changed who is offered what: every work list of the review resyncs on its next look."""
    records_changed(review=review)  # the services' rebuild (reads never write)
    review.refresh_from_db(fields=["records_version"])
    settings_forget(review)
