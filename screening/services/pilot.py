"""Pilot (calibration) rounds: the owner draws N random records that every reviewer screens, to see how
well the team agrees before screening for real.

Pilot votes are practice and do not count: they are PilotVote rows, never Votes, so no verdict, conflict,
PRISMA count or agreement statistic of the review uses them. While the round is open its records are held
out of every work list (screening.offers); once the owner closes it they are screened as usual. The round's
own agreement (kappa) is shown on the pilot page once it is closed (at once in a review that is not blind).
"""

from __future__ import annotations

import random

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from reviewapp.models import Record, Review
from reviewapp.permissions import membership_for
from reviewapp.services.audit import event_log

from ..models import Decision, Pilot, PilotRecord, PilotStatus, PilotVote, Stage, Verdict, Vote
from ..offers import worklists_invalidate
from ..worklist import eligible_records

MAX_PILOT = 500


def pilot_candidates(review: Review):
    """Records a pilot may draw: up for title/abstract, no votes or verdict yet, in no earlier pilot."""
    stage = Stage.TITLE_ABSTRACT
    return (
        eligible_records(review, stage)
        .exclude(Exists(Vote.objects.filter(record=OuterRef("pk"), stage=stage)))
        .exclude(Exists(Verdict.objects.filter(record=OuterRef("pk"), stage=stage)))
        .exclude(Exists(PilotRecord.objects.filter(record=OuterRef("pk"))))
    )


@transaction.atomic
def pilot_start(*, review: Review, actor, size: int, seed: int | None = None) -> Pilot:
    """Draw `size` random records for a title/abstract pilot round that every reviewer screens."""
    member = membership_for(actor, review)
    if member is None or not member.is_owner:
        raise PermissionDenied("Only the owner starts a pilot round.")
    if not isinstance(size, int) or not 1 <= size <= MAX_PILOT:
        raise ValidationError({"size": f"A pilot has 1 to {MAX_PILOT} records."})
    if Pilot.objects.filter(review=review, status=PilotStatus.OPEN).exists():
        raise ValidationError("A pilot round is open already: close it first.")
    candidates = list(pilot_candidates(review).order_by("pk").values_list("pk", flat=True))
    if len(candidates) < size:
        raise ValidationError(
            {"size": f"Only {len(candidates)} records have no votes yet and were in no pilot: ask for fewer."}
        )
    chosen = sorted(random.Random(seed).sample(candidates, size))  # noqa: S311 - a sample, not a secret
    try:
        with transaction.atomic():
            pilot = Pilot.objects.create(review=review, size=size, started_by=actor)
    except IntegrityError:  # another owner started one at the same instant
        raise ValidationError("A pilot round is open already: close it first.") from None
    PilotRecord.objects.bulk_create([PilotRecord(pilot=pilot, record_id=pk) for pk in chosen])
    event_log(review=review, actor=actor, verb="pilot.started", pilot=pilot.pk, size=size, records=chosen)
    worklists_invalidate(review)
    return pilot


@transaction.atomic
def pilot_close(*, pilot: Pilot, actor) -> Pilot:
    review = pilot.review
    member = membership_for(actor, review)
    if member is None or not member.is_owner:
        raise PermissionDenied("Only the owner closes a pilot round.")
    pilot = Pilot.objects.select_for_update().get(pk=pilot.pk)
    if pilot.status != PilotStatus.OPEN:
        raise ValidationError("This pilot round is closed already.")
    pilot.status, pilot.closed_at = PilotStatus.CLOSED, timezone.now()
    pilot.save(update_fields=["status", "closed_at", "updated_at"])
    event_log(review=review, actor=actor, verb="pilot.closed", pilot=pilot.pk)
    worklists_invalidate(review)
    return pilot


@transaction.atomic
def pilot_vote_cast(*, pilot: Pilot, actor, record_id: int, decision: str, note: str = "") -> PilotVote:
    """A reviewer's practice vote on one of the round's records (changeable while the round is open)."""
    review = pilot.review
    member = membership_for(actor, review)
    if member is None or not member.is_reviewer:
        raise PermissionDenied("Only reviewers screen in a pilot round.")
    pilot = Pilot.objects.select_for_update().get(pk=pilot.pk)
    if pilot.status != PilotStatus.OPEN:
        raise ValidationError("This pilot round is closed: its votes can no longer change.")
    if decision not in Decision.values:
        raise ValidationError({"decision": "Vote include, maybe or exclude."})
    if not PilotRecord.objects.filter(pilot=pilot, record_id=record_id).exists():
        raise ValidationError({"record": "This record is not in the pilot round."})
    note = (note or "").strip()
    vote, created = PilotVote.objects.get_or_create(
        pilot=pilot, record_id=record_id, reviewer=actor, defaults={"decision": decision, "note": note}
    )
    if not created and (vote.decision, vote.note) == (decision, note):
        return vote
    before = None if created else vote.decision
    vote.decision, vote.note = decision, note
    vote.save()
    event_log(
        review=review,
        actor=actor,
        verb="pilot_vote.cast",
        record=Record.objects.only("id").get(pk=record_id),
        pilot=pilot.pk,
        decision=decision,
        before=before,
    )
    return vote
