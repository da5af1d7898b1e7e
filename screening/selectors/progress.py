"""The work list and one reviewer's history; my progress and the team's."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from reviewapp.models import INACTIVE_RECORD, Membership, Record, Review

from .. import worklist
from ..models import (
    Conflict,
    ConflictStatus,
    QueueItem,
    QueueSync,
    RevisionKind,
    Stage,
    Verdict,
    VerdictDecision,
    Vote,
    VoteRevision,
)
from ..worklist import eligible_records
from ._common import SCREEN_FIELDS

# --- the work list and one reviewer's history -------------------------------------------------------


def next_record(review: Review, stage: str, reviewer) -> Record | None:
    """The record the reviewer screens next, from the materialised queue (built by the services)."""
    return worklist.next_record(review, stage, reviewer.pk, SCREEN_FIELDS)


def worklist_ready(review: Review, stage: str, reviewer) -> bool:
    """False until the reviewer's first build of this stage's queue is done (a task; see
    services.worklist): pages then say the work list is being prepared instead of "nothing left"."""
    return QueueSync.objects.filter(review=review, stage=stage, reviewer=reviewer).exists()


def my_vote(record: Record, stage: str, reviewer) -> Vote | None:
    return Vote.objects.filter(record=record, stage=stage, reviewer=reviewer).select_related("reason").first()


def retracted_vote(record: Record, stage: str, reviewer) -> VoteRevision | None:
    """The reviewer's undone vote on the record (the newest), when they have no vote on it now: its note
    and reason are offered again when they re-vote, so an undo never throws a note away."""
    return (
        VoteRevision.objects.filter(
            record=record, stage=stage, reviewer=reviewer, kind=RevisionKind.RETRACTED
        )
        .order_by("-created_at", "-id")
        .first()
    )


def history_neighbours(
    review: Review, stage: str, reviewer, vote: Vote | None
) -> tuple[int | None, int | None]:
    """(previous, next) records in the order the reviewer voted; None for next means the queue head."""
    mine = Vote.objects.filter(review=review, stage=stage, reviewer=reviewer)
    if vote is None:
        return mine.order_by("-id").values_list("record_id", flat=True).first(), None
    previous = mine.filter(id__lt=vote.pk).order_by("-id").values_list("record_id", flat=True).first()
    following = mine.filter(id__gt=vote.pk).order_by("id").values_list("record_id", flat=True).first()
    return previous, following


def my_progress(review: Review, stage: str, reviewer, *, team: dict | None = None) -> dict:
    """The reviewer's done / remaining. `remaining` is what their work list still offers them; without
    assignment or an open pilot round that is the team's open records less those they voted on, counted
    from the small tables (votes, verdicts, conflicts) rather than by walking a 100,000-row queue."""
    done = Vote.objects.filter(review=review, stage=stage, reviewer=reviewer).count()
    if worklist.narrowed(review):
        remaining = QueueItem.objects.filter(review=review, stage=stage, reviewer=reviewer).count()
    else:
        team = team if team is not None else team_progress(review, stage)
        remaining = max(team["awaiting_votes"] - _my_votes_still_open(review, stage, reviewer), 0)
    return {
        "worklist": "ready" if worklist_ready(review, stage, reviewer) else "preparing",
        "done": done,
        "remaining": remaining,
        "total": done + remaining,
        # nothing done and nothing left is not "100 % done" (the team's percent says the same)
        "percent": round(100 * done / (done + remaining)) if done + remaining else 0,
    }


def _my_votes_still_open(review: Review, stage: str, reviewer) -> int:
    """The reviewer's votes on records still up at `stage` and not yet decided or in conflict."""
    return (
        Vote.objects.filter(_on_eligible(review, stage), review=review, stage=stage, reviewer=reviewer)
        .exclude(Exists(Verdict.objects.filter(record=OuterRef("record_id"), stage=stage)))
        .exclude(
            Exists(
                Conflict.objects.filter(record=OuterRef("record_id"), stage=stage, status=ConflictStatus.OPEN)
            )
        )
        .count()
    )


def _on_eligible(review: Review, stage: str) -> Q:
    """Rows (votes, verdicts, conflicts) of records up for `stage`. At title/abstract: not of one of the
    few inactive records (merged, removed: a partial index), rather than a join with every record."""
    if stage == Stage.TITLE_ABSTRACT:
        return ~Q(record__in=Record.objects.filter(INACTIVE_RECORD, review=review).values("pk"))
    return Q(record__in=eligible_records(review, stage))


def progress_of(review: Review, stage: str, user, member: Membership) -> tuple[dict | None, dict]:
    """(mine, team) at `stage`: the user's own progress if their membership reviews (else None) and the
    team's, the team's counts computed once for both."""
    team = team_progress(review, stage)
    mine = my_progress(review, stage, user, team=team) if member.is_reviewer else None
    return mine, team


def team_progress(review: Review, stage: str) -> dict:
    """Records up for this stage and how many of them are decided, in conflict or still being voted on:
    three counts (the records up for title/abstract: once per version of the review's records)."""
    total = worklist.eligible_count(review, stage)
    on_eligible = _on_eligible(review, stage)
    verdicts = Verdict.objects.filter(on_eligible, review=review, stage=stage).aggregate(
        decided=Count("id"),
        included=Count("id", filter=Q(decision=VerdictDecision.INCLUDE)),
        excluded=Count("id", filter=Q(decision=VerdictDecision.EXCLUDE)),
    )
    conflicts = Conflict.objects.filter(
        on_eligible, review=review, stage=stage, status=ConflictStatus.OPEN
    ).count()
    complete = verdicts["decided"] + conflicts
    return {
        "total": total,
        **verdicts,
        "conflicts": conflicts,
        "awaiting_votes": total - complete,
        "percent": round(100 * complete / total) if total else 0,  # nothing up yet is not "done"
    }
