"""Votes, verdicts and conflicts: the dual-screening state machine of one record at one stage.

Every write here first locks the record row (SELECT ... FOR NO KEY UPDATE on PostgreSQL; SQLite serialises
writers anyway), so two reviewers voting at the same instant, a double-submitted vote, or an arbiter resolving
while a reviewer changes a vote are applied one after the other and always leave a consistent state:

- fewer than N votes: no verdict, no conflict (an agreement verdict is withdrawn when a vote is undone);
- N votes that agree ("maybe" counts as include): a verdict by agreement — or by consensus, when the votes
  came to agree while the record was in conflict;
- N votes that disagree: an open conflict, until consensus or an arbiter's decision.

Votes are closed once a verdict was reached by consensus or arbitration, and at title/abstract once the
record's full text is being handled.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from reviewapp.models import Record, Review
from reviewapp.permissions import can_resolve_conflicts, membership_for
from reviewapp.services.audit import event_log

from ..models import (
    Conflict,
    ConflictStatus,
    Decision,
    ExclusionReason,
    Retrieval,
    RevisionKind,
    Stage,
    Verdict,
    VerdictDecision,
    VerdictMethod,
    Vote,
    VoteRevision,
)
from ..queue import eligible_records
from .queue import queue_after_new_vote, queue_refresh_record


@dataclass(frozen=True)
class VoteOutcome:
    vote: Vote | None
    created: bool
    changed: bool
    verdict: Verdict | None
    conflict: Conflict | None


@dataclass
class _State:
    """What is decided about one record at one stage, read under the record lock."""

    record: Record
    stage: str
    votes: list[Vote]
    verdict: Verdict | None
    conflict: Conflict | None

    def vote_of(self, user) -> Vote | None:
        return next((v for v in self.votes if v.reviewer_id == user.pk), None)

    @property
    def conflict_open(self) -> bool:
        return self.conflict is not None and self.conflict.status == ConflictStatus.OPEN


def _lock(review: Review, record_id: int, stage: str) -> _State:
    record = (
        Record.objects.select_for_update(no_key=True)
        .only("id", "review_id", "sort_key", "duplicate_of_id", "removed_reason")
        .filter(review=review, pk=record_id)
        .first()
    )
    if record is None:
        raise ValidationError({"record": "No such record in this review."})
    votes = list(Vote.objects.filter(record=record, stage=stage).order_by("id"))
    verdict = Verdict.objects.filter(record=record, stage=stage).first()
    conflict = Conflict.objects.filter(record=record, stage=stage).first()
    return _State(record, stage, votes, verdict, conflict)


def _require_reviewer(review: Review, actor) -> None:
    member = membership_for(actor, review)
    if member is None or not member.is_reviewer:
        raise PermissionDenied("Only reviewers of this review vote in screening.")


def _clean_reason(review: Review, stage: str, decision: str, reason) -> ExclusionReason | None:
    if decision == Decision.MAYBE and stage != Stage.TITLE_ABSTRACT:
        raise ValidationError({"decision": "“Maybe” is only for title/abstract screening."})
    if not (stage == Stage.FULL_TEXT and decision == Decision.EXCLUDE):
        return None
    if reason is None or reason == "":
        raise ValidationError({"reason": "A full-text exclusion needs a reason from the review's list."})
    reason_id = getattr(reason, "pk", reason)
    found = ExclusionReason.objects.filter(
        review=review, stage=Stage.FULL_TEXT, pk=reason_id, is_active=True
    ).first()
    if found is None:
        raise ValidationError({"reason": "Not one of this review's full-text exclusion reasons."})
    return found


def _require_eligible(review: Review, state: _State) -> None:
    if state.stage == Stage.TITLE_ABSTRACT:  # active: read with the lock already
        eligible = state.record.duplicate_of_id is None and not state.record.removed_reason
    else:
        eligible = eligible_records(review, state.stage).filter(pk=state.record.pk).exists()
    if not eligible:
        raise ValidationError(
            {"record": f"This record is not up for {Stage(state.stage).label.lower()} screening."}
        )


def _require_open_votes(state: _State, review: Review, *, retract: bool) -> None:
    """May a vote on this record still be changed or undone?"""
    if state.verdict and state.verdict.method != VerdictMethod.AGREEMENT:
        raise ValidationError(
            f"This record was decided by {state.verdict.get_method_display().lower()}; its votes are closed."
        )
    if state.conflict_open and retract:
        raise ValidationError("This record is in conflict: change your vote, or leave it to the arbiter.")
    if state.conflict_open and not review.allow_consensus:
        raise ValidationError("This record is in conflict and this review settles conflicts by arbitration.")
    if state.verdict and state.stage == Stage.TITLE_ABSTRACT and _fulltext_started(state.record):
        raise ValidationError(
            "The full text of this record is already being handled; its title/abstract votes are closed."
        )


def _fulltext_started(record: Record) -> bool:
    return (
        Retrieval.objects.filter(record=record).exists()
        or Vote.objects.filter(record=record, stage=Stage.FULL_TEXT).exists()
    )


def _keep_revision(vote: Vote, kind: str, *, during_conflict: bool) -> VoteRevision:
    return VoteRevision.objects.create(
        review_id=vote.review_id,
        record_id=vote.record_id,
        stage=vote.stage,
        reviewer_id=vote.reviewer_id,
        vote_id=vote.pk,
        decision=vote.decision,
        reason_id=vote.reason_id,
        note=vote.note,
        voted_at=vote.updated_at,
        kind=kind,
        during_conflict=during_conflict,
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
    vote = state.vote_of(actor)
    if vote and (vote.decision, vote.reason_id, vote.note) == (decision, getattr(reason, "pk", None), note):
        return VoteOutcome(vote, False, False, state.verdict, state.conflict)
    created = vote is None
    if created:
        vote = _vote_create(review, state, actor, decision=decision, reason=reason, note=note)
    else:
        _vote_change(review, state, actor, vote, decision=decision, reason=reason, note=note)
    _settle(review, state, actor)
    if created:
        queue_after_new_vote(
            record=state.record,
            stage=stage,
            voter=actor,
            votes=len(state.votes),
            still_open=state.verdict is None and not state.conflict_open,
        )
    return VoteOutcome(vote, created, not created, state.verdict, state.conflict)


def _vote_create(review: Review, state: _State, actor, **values) -> Vote:
    _require_eligible(review, state)
    if state.verdict or state.conflict_open or len(state.votes) >= review.votes_required:
        raise ValidationError("Voting on this record is complete.")
    vote = Vote.objects.create(
        review=review, record=state.record, stage=state.stage, reviewer=actor, **values
    )
    state.votes.append(vote)
    event_log(
        review=review, actor=actor, verb="vote.cast", record=state.record, stage=state.stage, vote=vote.pk
    )
    return vote


def _vote_change(review: Review, state: _State, actor, vote: Vote, **values) -> None:
    _require_open_votes(state, review, retract=False)
    revision = _keep_revision(vote, RevisionKind.CHANGED, during_conflict=state.conflict_open)
    for name, value in values.items():
        setattr(vote, name, value)
    vote.save(update_fields=["decision", "reason", "note", "updated_at"])
    event_log(
        review=review,
        actor=actor,
        verb="vote.changed",
        record=state.record,
        stage=state.stage,
        vote=vote.pk,
        revision=revision.pk,
    )


@transaction.atomic
def vote_retract(*, review: Review, actor, vote_id: int) -> Record:
    """Undo a vote: it is removed (its content kept as a revision) and the record is offered again."""
    row = Vote.objects.filter(review=review, pk=vote_id).values("record_id", "stage", "reviewer_id").first()
    if row is None:
        raise ValidationError("No such vote.")
    if row["reviewer_id"] != actor.pk:
        raise PermissionDenied("Only the reviewer who cast a vote can undo it.")
    state = _lock(review, row["record_id"], row["stage"])
    vote = state.vote_of(actor)
    if vote is None or vote.pk != vote_id:
        raise ValidationError("This vote has been undone already.")
    _require_open_votes(state, review, retract=True)
    revision = _keep_revision(vote, RevisionKind.RETRACTED, during_conflict=False)
    vote.delete()
    state.votes.remove(vote)
    event_log(
        review=review,
        actor=actor,
        verb="vote.retracted",
        record=state.record,
        stage=state.stage,
        vote=vote_id,
        revision=revision.pk,
    )
    _settle(review, state, actor)
    queue_refresh_record(review=review, record=state.record, stage=state.stage)
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


# --- settling the votes of one record -----------------------------------------------------------


def _settle(review: Review, state: _State, actor) -> None:
    """Bring the verdict and conflict of the record in line with its votes (see the module docstring)."""
    if len(state.votes) < review.votes_required:
        _withdraw_agreement(review, state, actor)
        return
    sides = {vote.counts_as for vote in state.votes}
    if len(sides) > 1:
        _withdraw_agreement(review, state, actor)
        _open_conflict(review, state, actor)
        return
    decision = sides.pop()
    reason_id = _common_reason(state.votes) if decision == VerdictDecision.EXCLUDE else None
    if state.conflict_open:
        _close_conflict(state, actor)
        _decide(review, state, actor, decision=decision, reason_id=reason_id, method=VerdictMethod.CONSENSUS)
    elif state.verdict is None or (state.verdict.decision, state.verdict.reason_id) != (decision, reason_id):
        _decide(review, state, actor, decision=decision, reason_id=reason_id, method=VerdictMethod.AGREEMENT)


def _common_reason(votes: list[Vote]) -> int | None:
    """The reason most exclusions give (ties: the earliest vote's); None at title/abstract."""
    ids = [vote.reason_id for vote in votes if vote.reason_id]
    if not ids:
        return None
    counts = Counter(ids)
    return next(rid for rid in ids if counts[rid] == max(counts.values()))


def _withdraw_agreement(review: Review, state: _State, actor) -> None:
    if state.verdict is None:
        return
    event_log(
        review=review,
        actor=actor,
        verb="verdict.withdrawn",
        record=state.record,
        stage=state.stage,
        decision=state.verdict.decision,
        method=state.verdict.method,
    )
    state.verdict.delete()
    state.verdict = None


def _open_conflict(review: Review, state: _State, actor) -> None:
    if state.conflict_open:
        return
    if state.conflict is None:
        state.conflict = Conflict.objects.create(review=review, record=state.record, stage=state.stage)
    else:  # defensive: votes are closed once a conflict is resolved, so this is not expected
        state.conflict.status, state.conflict.resolved_at, state.conflict.resolved_by = (
            ConflictStatus.OPEN,
            None,
            None,
        )
        state.conflict.save(update_fields=["status", "resolved_at", "resolved_by", "updated_at"])
    event_log(
        review=review,
        actor=actor,
        verb="conflict.opened",
        record=state.record,
        stage=state.stage,
        conflict=state.conflict.pk,
    )


def _close_conflict(state: _State, actor) -> None:
    state.conflict.status, state.conflict.resolved_at, state.conflict.resolved_by = (
        ConflictStatus.RESOLVED,
        timezone.now(),
        actor,
    )
    state.conflict.save(update_fields=["status", "resolved_at", "resolved_by", "updated_at"])


def _decide(
    review: Review, state: _State, actor, *, decision: str, reason_id: int | None, method: str, note: str = ""
) -> None:
    values = {
        "decision": decision,
        "reason_id": reason_id,
        "method": method,
        "note": note,
        "decided_by": actor if method != VerdictMethod.AGREEMENT else None,
    }
    if state.verdict is None:
        state.verdict = Verdict.objects.create(
            review=review, record=state.record, stage=state.stage, **values
        )
    else:
        for name, value in values.items():
            setattr(state.verdict, name, value)
        state.verdict.save()
    event_log(
        review=review,
        actor=actor,
        verb="verdict.reached",
        record=state.record,
        stage=state.stage,
        decision=decision,
        method=method,
        reason=reason_id,
        note=note,
        conflict=state.conflict.pk if state.conflict else None,
    )


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
    _close_conflict(state, actor)
    _decide(
        review,
        state,
        actor,
        decision=decision,
        reason_id=reason.pk if reason else None,
        method=VerdictMethod.ARBITRATION,
        note=(note or "").strip(),
    )
    event_log(
        review=review,
        actor=actor,
        verb="conflict.resolved",
        record=state.record,
        stage=state.stage,
        conflict=state.conflict.pk,
        decision=decision,
        method=VerdictMethod.ARBITRATION,
    )
    return state.verdict


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
            if state.verdict is None and not state.conflict_open:
                _settle(review, state, actor)
                queue_refresh_record(review=review, record=state.record, stage=stage)
                settled += 1
    return settled
