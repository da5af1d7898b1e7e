"""Rounds of searching: the first searches are round 1, every re-run of the searches (a living review's
update) starts the next round. Imports join the review's latest round; an import into an update round
is de-duplicated against everything already in the review before its records reach screening
(`imports._import_all_or_nothing`)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..jobs import JobStatus
from ..models import Review, ReviewRound
from ..permissions import membership_for
from .audit import event_log

FIRST_ROUND_LABEL = "First searches"  # the label migration 0006 gives the rounds it backfills


def round_latest(review: Review) -> ReviewRound:
    """The round imports go into now; round 1 is created with the review's first import."""
    latest = ReviewRound.objects.filter(review=review).order_by("-number").first()
    if latest is not None:
        return latest
    first, _ = ReviewRound.objects.get_or_create(
        review=review,
        number=1,
        defaults={"label": FIRST_ROUND_LABEL, "date": timezone.localdate(), "created_by": review.created_by},
    )
    return first


@transaction.atomic
def round_start(
    *, review: Review, actor, label: str, date: dt.date | None = None, notes: str = ""
) -> ReviewRound:
    """Start an update: the searches were run again on `date`; the imports that follow form this round."""
    member = membership_for(actor, review)
    if member is None or not member.is_owner:
        raise PermissionDenied("Only the review's owners start an update round.")
    Review.objects.select_for_update().filter(pk=review.pk).first()  # two clicks start one round
    label, date = label.strip(), date or timezone.localdate()
    if not label:
        raise ValidationError({"label": "Give the update a label, e.g. 'Update 2026'."})
    if len(label) > ReviewRound._meta.get_field("label").max_length:
        raise ValidationError({"label": "The label is longer than 200 characters."})
    latest = round_latest(review)
    if not latest.imports.exclude(status=JobStatus.FAILED).exists():
        raise ValidationError(
            {"label": f"Round {latest.number} ('{latest.label}') has no imports yet: import into it first."}
        )
    if date < latest.date:
        raise ValidationError(
            {"date": f"An update cannot be dated before round {latest.number} ({latest.date:%Y-%m-%d})."}
        )
    started = ReviewRound.objects.create(
        review=review, number=latest.number + 1, label=label, date=date, notes=notes.strip(), created_by=actor
    )
    event_log(
        review=review, actor=actor, verb="round.started", round=started.number, label=label, date=str(date)
    )
    return started
