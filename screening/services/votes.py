"""Votes, verdicts and conflicts: the dual-screening state machine of one record at one stage.

Every write here first locks the record row (SELECT ... FOR NO KEY UPDATE on PostgreSQL; SQLite serialises
writers anyway), so two reviewers voting at the same instant, a double-submitted vote, or an arbiter resolving
while a reviewer changes a vote are applied one after the other and always leave a consistent state:

- fewer than N votes: no verdict, no conflict (a vote can be undone only until voting is complete);
- N votes that agree ("maybe" counts as include): a verdict by agreement — or by consensus, when the votes
  came to agree while the record was in conflict;
- N votes that disagree: an open conflict, until consensus or an arbiter's decision.

Once voting is complete a reviewer may have seen the other votes: votes can no longer be undone, and a
changed vote settles by consensus (agreement statistics keep the vote as first cast). Votes are closed once a
verdict was reached by consensus or arbitration, and at title/abstract once the record's full text is
being handled.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404

from reviewapp.dualwork.services import DualWork, WorkState
from reviewapp.dualwork.settle import most_common
from reviewapp.models import Record, Review
from reviewapp.permissions import can_resolve_conflicts, membership_for

from ..models import (
    Conflict,
    ConflictStatus,
    Decision,
    ExclusionReason,
    ReasonMode,
    Retrieval,
    Stage,
    Verdict,
    VerdictDecision,
    VerdictMethod,
    Vote,
    VoteRevision,
)
from ..offers import offer_refusal, settings_of
from ..worklist import eligible_records
from .ranking import ranking_vote_counted
from .worklist import worklist_after_new_vote, worklist_refresh_record


@dataclass(frozen=True)
class VoteOutcome:
    vote: Vote | None
    created: bool
    changed: bool
    verdict: Verdict | None
    conflict: Conflict | None


def counts_as(vote: Vote) -> str:
    """The comparison at title/abstract: the verdict a vote argues for ("maybe" counts as include)."""
    return vote.counts_as


def counts_as_with_reason(vote: Vote) -> tuple[str, int | None]:
    """The comparison at full text: two exclusions agree only when they cite the same reason. Different
    reasons are a conflict to settle (consensus or the arbiter), never a reason silently dropped: the
    PRISMA 2020 diagram counts full-text exclusions per reason."""
    return (vote.counts_as, vote.reason_id if vote.counts_as == VerdictDecision.EXCLUDE else None)


class ScreeningWork(DualWork):
    """Screening on the dual-work kernel: the item is (record, stage), the judgement a Vote."""

    judgement_model = Vote
    outcome_model = Verdict
    conflict_model = Conflict
    revision_model = VoteRevision
    outcome_fields = ("decision", "reason_id")

    def lock_item(self, review, item):
        record = (
            Record.objects.select_for_update(no_key=True)
            .only("id", "review_id", "sort_key", "duplicate_of_id", "removed_reason")
            .filter(review=review, pk=item["record"])
            .first()
        )
        if record is None:  # another review's record does not exist for this one
            raise Http404("No such record in this review.")
        return {"record": record, "stage": item["stage"]}

    def compare(self, state):
        return counts_as_with_reason if state.stage == Stage.FULL_TEXT else counts_as

    def agreed_values(self, state, value):
        if isinstance(value, tuple):  # full text: (decision, reason), agreed on both
            return {"decision": value[0], "reason_id": value[1]}
        exclude = value == VerdictDecision.EXCLUDE
        reason_id = most_common(v.reason_id for v in state.judgements) if exclude else None
        return {"decision": value, "reason_id": reason_id}

    def revision_values(self, vote):
        return {
            "review_id": vote.review_id,
            "record_id": vote.record_id,
            "stage": vote.stage,
            "reviewer_id": vote.reviewer_id,
            "vote_id": vote.pk,
            "decision": vote.decision,
            "reason_id": vote.reason_id,
            "note": vote.note,
            "voted_at": vote.updated_at,
        }

    def outcome_summary(self, values):
        return {"decision": values["decision"]}

    def outcome_event_data(self, values):
        return {"decision": values["decision"], "reason": values["reason_id"]}


WORK = ScreeningWork()


def _lock(review: Review, record_id: int, stage: str) -> WorkState:
    return WORK.lock(review, record=record_id, stage=stage)


def _require_reviewer(review: Review, actor) -> None:
    member = membership_for(actor, review)
    if member is None or not member.is_reviewer:
        raise PermissionDenied("Only reviewers of this review vote in screening.")


def _reason_mode(review: Review, stage: str) -> str:
    return ReasonMode.REQUIRED if stage == Stage.FULL_TEXT else settings_of(review).title_abstract_reasons


def _clean_reason(review: Review, stage: str, decision: str, reason) -> ExclusionReason | None:
    """The exclusion reason to store: required at full text; at title/abstract as the review asks (none,
    optional or required); never on an inclusion or a "maybe"."""
    if decision == Decision.MAYBE and stage != Stage.TITLE_ABSTRACT:
        raise ValidationError({"decision": "“Maybe” is only for title/abstract screening."})
    mode = _reason_mode(review, stage)
    if decision != Decision.EXCLUDE or mode == ReasonMode.OFF:
        return None
    stage_name = Stage(stage).label.lower()
    if reason is None or reason == "":
        if mode == ReasonMode.OPTIONAL:
            return None
        raise ValidationError({"reason": f"A {stage_name} exclusion needs a reason from the review's list."})
    reason_id = getattr(reason, "pk", reason)
    found = ExclusionReason.objects.filter(review=review, stage=stage, pk=reason_id, is_active=True).first()
    if found is None:
        raise ValidationError({"reason": f"Not one of this review's {stage_name} exclusion reasons."})
    return found


def _require_eligible(review: Review, state: WorkState) -> None:
    if state.stage == Stage.TITLE_ABSTRACT:  # active: read with the lock already
        eligible = state.record.duplicate_of_id is None and not state.record.removed_reason
    else:
        eligible = eligible_records(review, state.stage).filter(pk=state.record.pk).exists()
    if not eligible:
        raise ValidationError(
            {"record": f"This record is not up for {Stage(state.stage).label.lower()} screening."}
        )


def _require_open_votes(state: WorkState, review: Review, *, retract: bool) -> None:
    """May a vote on this record still be changed or undone?"""
    if state.outcome and state.outcome.method != VerdictMethod.AGREEMENT:
        raise ValidationError(
            f"This record was decided by {state.outcome.get_method_display().lower()}; its votes are closed."
        )
    if state.conflict_open and retract:
        raise ValidationError("This record is in conflict: change your vote, or leave it to the arbiter.")
    if state.outcome and retract:  # complete: undoing would let a reviewer who saw the votes re-vote blind
        raise ValidationError(
            "Voting on this record is complete, so its votes cannot be undone. Change your vote instead: "
            "the change is recorded as made after seeing the other votes (consensus)."
        )
    if state.conflict_open and not review.allow_consensus:
        raise ValidationError("This record is in conflict and this review settles conflicts by arbitration.")
    if state.outcome and state.stage == Stage.TITLE_ABSTRACT and _fulltext_started(state.record):
        raise ValidationError(
            "The full text of this record is already being handled; its title/abstract votes are closed."
        )


def _fulltext_started(record: Record) -> bool:
    return (
        Retrieval.objects.filter(record=record).exists()
        or Vote.objects.filter(record=record, stage=Stage.FULL_TEXT).exists()
    )


@transaction.atomic
def vote_cast(
    *, review: Review, actor, record_id: int, stage: str, decision: str, reason=None, note: str = ""
) -> VoteOutcome:
    """Cast or change the actor's vote; an identical repeat (a double submit) changes nothing."""
    _require_reviewer(review, actor)
    reason = _clean_reason(review, stage, decision, reason)
    note = (note or "").strip()
    state = _lock(review, record_id, stage)
    vote = state.judgement_of(actor)
    if vote and (vote.decision, vote.reason_id, vote.note) == (decision, getattr(reason, "pk", None), note):
        return VoteOutcome(vote, False, False, state.outcome, state.conflict)
    created = vote is None
    if created:
        vote = _vote_create(review, state, actor, decision=decision, reason=reason, note=note)
    else:
        _vote_change(review, state, actor, vote, decision=decision, reason=reason, note=note)
    WORK.settle(state, actor)
    if created:
        worklist_after_new_vote(
            record=state.record,
            stage=stage,
            voter=actor,
            votes=len(state.judgements),
            still_open=state.outcome is None and not state.conflict_open,
        )
        if stage == Stage.TITLE_ABSTRACT:
            ranking_vote_counted(review=review)
    return VoteOutcome(vote, created, not created, state.outcome, state.conflict)


def _vote_create(review: Review, state: WorkState, actor, **values) -> Vote:
    _require_eligible(review, state)
    refusal = offer_refusal(review, state.stage, state.record.pk, actor.pk)
    if refusal:
        raise ValidationError({"record": refusal})
    if state.outcome or state.conflict_open or len(state.judgements) >= review.votes_required:
        raise ValidationError("Voting on this record is complete.")
    return WORK.judgement_add(state, actor, **values)


def _vote_change(review: Review, state: WorkState, actor, vote: Vote, **values) -> None:
    _require_open_votes(state, review, retract=False)
    WORK.judgement_change(state, actor, vote, **values)


@transaction.atomic
def vote_retract(*, review: Review, actor, vote_id: int) -> Record:
    """Undo a vote: it is removed (its content kept as a revision) and the record is offered again."""
    row = Vote.objects.filter(review=review, pk=vote_id).values("record_id", "stage", "reviewer_id").first()
    if row is None:
        raise ValidationError("No such vote.")
    if row["reviewer_id"] != actor.pk:
        raise PermissionDenied("Only the reviewer who cast a vote can undo it.")
    state = _lock(review, row["record_id"], row["stage"])
    vote = state.judgement_of(actor)
    if vote is None or vote.pk != vote_id:
        raise ValidationError("This vote has been undone already.")
    _require_open_votes(state, review, retract=True)
    WORK.judgement_retract(state, actor, vote)
    WORK.settle(state, actor)
    worklist_refresh_record(review=review, record=state.record, stage=state.stage)
    return state.record


def vote_undo_last(*, review: Review, actor, stage: str) -> Record:
    """Undo the actor's most recent vote at `stage` (the U key)."""
    last = (
        Vote.objects.filter(review=review, stage=stage, reviewer=actor)
        .order_by("-updated_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if last is None:
        raise ValidationError("You have no vote to undo at this stage.")
    return vote_retract(review=review, actor=actor, vote_id=last)


# --- arbitration --------------------------------------------------------------------------------


@transaction.atomic
def conflict_resolve(*, conflict: Conflict, actor, decision: str, note: str = "", reason=None) -> Verdict:
    """The arbiter's (or, if the review allows it, the owner's) decision on a record in conflict."""
    review = conflict.review
    member = membership_for(actor, review)
    if member is None or not can_resolve_conflicts(review, member):
        raise PermissionDenied("Only the arbiter (or the owner, if the review allows it) resolves conflicts.")
    if decision not in VerdictDecision.values:
        raise ValidationError({"decision": "Decide include or exclude."})
    reason = _clean_reason(review, conflict.stage, decision, reason)
    state = _lock(review, conflict.record_id, conflict.stage)
    if not state.conflict_open:
        raise ValidationError("This conflict has been resolved already.")
    values = {"decision": decision, "reason_id": reason.pk if reason else None}
    return WORK.arbitrate(state, actor, values=values, note=(note or "").strip())


@transaction.atomic
def conflict_reopen(*, conflict: Conflict, actor, note: str = "") -> Conflict:
    """Reopen a resolved conflict (the arbiter's, or the allowed owner's, second thought): its verdict is
    withdrawn and the record is in conflict again. Refused once later work builds on the verdict: the full
    text handled (title/abstract), or the report grouped into a study (full text)."""
    review = conflict.review
    member = membership_for(actor, review)
    if member is None or not can_resolve_conflicts(review, member):
        raise PermissionDenied("Only the arbiter (or the owner, if the review allows it) reopens conflicts.")
    state = _lock(review, conflict.record_id, conflict.stage)
    if state.conflict is None or state.conflict_open:
        raise ValidationError("This conflict is open already.")
    if state.stage == Stage.TITLE_ABSTRACT and _fulltext_started(state.record):
        raise ValidationError(
            "The full text of this record is already being handled, so its title/abstract conflict stays "
            "resolved."
        )
    if (
        state.stage == Stage.FULL_TEXT
        and Record.objects.filter(pk=state.record.pk, study__isnull=False).exists()
    ):
        raise ValidationError("This report is grouped into a study: split it off the study first.")
    WORK.reopen(state, actor, note=(note or "").strip())
    worklist_refresh_record(review=review, record=state.record, stage=state.stage)
    return state.conflict


@transaction.atomic
def votes_settle_all(*, review: Review, actor) -> int:
    """After the review's N (votes_required) was lowered: records that now have enough votes get their
    verdict or conflict. Verdicts reached under a larger N stand. Returns how many records changed."""
    settled = 0
    for stage in Stage.values:
        verdict = Verdict.objects.filter(record=OuterRef("pk"), stage=stage)
        open_conflict = Conflict.objects.filter(
            record=OuterRef("pk"), stage=stage, status=ConflictStatus.OPEN
        )
        waiting = (
            Record.objects.filter(review=review)
            .annotate(n=Count("votes", filter=Q(votes__stage=stage)))
            .filter(n__gte=review.votes_required)
            .exclude(Exists(verdict))
            .exclude(Exists(open_conflict))
            .values_list("pk", flat=True)
        )
        for record_id in list(waiting):
            state = _lock(review, record_id, stage)
            if state.outcome is None and not state.conflict_open:
                WORK.settle(state, actor)
                worklist_refresh_record(review=review, record=state.record, stage=stage)
                settled += 1
    return settled
