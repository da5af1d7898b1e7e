"""Votes (blinded), verdicts, conflicts, exclusion reasons."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from reviewapp.dualwork.blinding import visible_judgements
from reviewapp.models import Membership, Review

from ..models import Conflict, ExclusionReason, Stage, Verdict, Vote

# --- votes, verdicts, conflicts -------------------------------------------------------------------


def voting_complete(record_ref: str = "record_id", stage_ref: str = "stage") -> Q:
    """The "stage complete" rule of screening, the one definition: a record's voting at a stage is complete
    once it has a verdict or a conflict. Blinding (votes and timeline events) and agreement use it."""
    return Q(Exists(Verdict.objects.filter(record=OuterRef(record_ref), stage=OuterRef(stage_ref)))) | Q(
        Exists(Conflict.objects.filter(record=OuterRef(record_ref), stage=OuterRef(stage_ref)))
    )


def votes_visible_to(review: Review, member: Membership) -> QuerySet[Vote]:
    """Votes the member may see: their own, and others' once a record's voting is complete (if blind)."""
    votes = Vote.objects.filter(review=review).select_related("reviewer", "reason").order_by("id")
    return visible_judgements(votes, review=review, user=member.user, complete=voting_complete())


def conflicts_of(review: Review) -> QuerySet[Conflict]:
    votes = Vote.objects.select_related("reviewer", "reason").order_by("reviewer__username")
    return (
        Conflict.objects.filter(review=review)
        .select_related("record", "resolved_by")
        .defer("record__raw")
        .prefetch_related(
            Prefetch("record__votes", queryset=votes, to_attr="all_votes"),
            Prefetch(
                "record__verdicts",
                queryset=Verdict.objects.select_related("decided_by", "reason"),
                to_attr="all_verdicts",
            ),
        )
        .order_by("status", "id")
    )


def conflict_votes(conflict: Conflict) -> list[Vote]:
    """The votes of a conflict (a complete record: visible to every member)."""
    return [v for v in conflict.record.all_votes if v.stage == conflict.stage]


def conflict_verdict(conflict: Conflict) -> Verdict | None:
    return next((v for v in conflict.record.all_verdicts if v.stage == conflict.stage), None)


def verdicts_of(review: Review) -> QuerySet[Verdict]:
    return Verdict.objects.filter(review=review).select_related("decided_by", "reason").order_by("id")


def exclusion_reasons_of(
    review: Review, stage: str | None = Stage.FULL_TEXT, *, active_only: bool = True
) -> QuerySet[ExclusionReason]:
    reasons = ExclusionReason.objects.filter(review=review)
    reasons = reasons.filter(stage=stage) if stage else reasons
    return reasons.filter(is_active=True) if active_only else reasons
