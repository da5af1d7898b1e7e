"""The team's set-up: labels, assignment, pilot rounds, records matching the set-up filters."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from reviewapp.dualwork.blinding import visible_judgements
from reviewapp.models import Membership, Record, Review

from ..models import (
    Assignment,
    Conflict,
    Decision,
    Label,
    Pilot,
    PilotRecord,
    PilotStatus,
    PilotVote,
    RecordLabel,
    Stage,
    Verdict,
)
from ..worklist import eligible_records
from ._common import User, _multi_rater, _pairwise, screening_records

# --- the team's set-up: labels, assignment, pilot rounds --------------------------------------------


def title_abstract_complete(record_ref: str = "record_id") -> Q:
    """Title/abstract voting of the record is complete (a verdict or a conflict there)."""
    stage = Stage.TITLE_ABSTRACT
    return Q(Exists(Verdict.objects.filter(record=OuterRef(record_ref), stage=stage))) | Q(
        Exists(Conflict.objects.filter(record=OuterRef(record_ref), stage=stage))
    )


def labels_of(review: Review, *, active_only: bool = True) -> QuerySet[Label]:
    labels = Label.objects.filter(review=review)
    return labels.filter(is_active=True) if active_only else labels


def labels_visible_to(review: Review, user) -> QuerySet[RecordLabel]:
    """Tags the user may see: their own, and others' once the record's title/abstract voting is complete
    (if blind) — a tag such as "animal study" says how its author leans, so it is blinded like a vote."""
    tags = RecordLabel.objects.filter(review=review)
    return visible_judgements(
        tags, review=review, user=user, complete=title_abstract_complete(), judge_field="tagged_by"
    )


def record_labels(review: Review, record: Record, user) -> list[dict]:
    """The review's active labels for the panel: whether I tagged the record, and how many tags in all
    I may see on it (no labels configured: one query)."""
    labels = list(labels_of(review))
    if not labels:
        return []
    tags = list(labels_visible_to(review, user).filter(record=record).values_list("label_id", "tagged_by_id"))
    counts = Counter(label_id for label_id, _ in tags)
    mine = {label_id for label_id, who in tags if who == user.pk}
    return [{"label": label, "mine": label.pk in mine, "count": counts.get(label.pk, 0)} for label in labels]


def records_labelled(review: Review, user, label_id: int) -> QuerySet[Record]:
    """Records carrying `label` in the tags the user may see (the filter by label)."""
    tagged = labels_visible_to(review, user).filter(label_id=label_id).values("record_id")
    return screening_records(review).filter(pk__in=tagged).order_by("id")


def label_counts(review: Review, user) -> dict[int, int]:
    """Records per label, counting the tags the user may see."""
    rows = labels_visible_to(review, user).values("label_id").annotate(n=Count("record_id", distinct=True))
    return {row["label_id"]: row["n"] for row in rows.order_by()}


def assignment_counts(review: Review, stage: str) -> dict[int, int]:
    rows = Assignment.objects.filter(review=review, stage=stage).values("reviewer_id").annotate(n=Count("id"))
    return {row["reviewer_id"]: row["n"] for row in rows.order_by()}


def under_assigned(review: Review, stage: str) -> int:
    """Records up for `stage` assigned to fewer reviewers than the votes they need (they cannot complete)."""
    assigned = (
        Assignment.objects.filter(record=OuterRef("pk"), stage=stage)
        .order_by()
        .values("record")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        eligible_records(review, stage)
        .annotate(n=Coalesce(Subquery(assigned), Value(0)))
        .filter(n__lt=review.votes_required)
        .count()
    )


def open_pilot(review: Review) -> Pilot | None:
    return Pilot.objects.filter(review=review, status=PilotStatus.OPEN).first()


def pilot_left_for(review: Review, user) -> int:
    """Records of the open pilot round the reviewer has not screened yet (0 when none is open)."""
    pilot = open_pilot(review)
    if pilot is None:
        return 0
    return pilot.size - PilotVote.objects.filter(pilot=pilot, reviewer=user).count()


def pilots_of(review: Review) -> QuerySet[Pilot]:
    return Pilot.objects.filter(review=review).select_related("started_by").order_by("-id")


def pilot_next_record(pilot: Pilot, user) -> Record | None:
    voted = PilotVote.objects.filter(pilot=pilot, reviewer=user).values("record_id")
    records = PilotRecord.objects.filter(pilot=pilot).exclude(record_id__in=voted).values("record_id")
    return screening_records(pilot.review).filter(pk__in=records).order_by("sort_key", "id").first()


def pilot_progress(pilot: Pilot) -> list[dict]:
    """Per reviewer of the review: how many of the round's records they have screened (counts only)."""
    done = dict(
        PilotVote.objects.filter(pilot=pilot)
        .values("reviewer_id")
        .annotate(n=Count("id"))
        .values_list("reviewer_id", "n")
        .order_by()
    )
    reviewers = Membership.objects.filter(review=pilot.review_id, is_reviewer=True).select_related("user")
    return [
        {"reviewer": m.user.username, "done": done.get(m.user_id, 0), "total": pilot.size}
        for m in sorted(reviewers, key=lambda m: m.user.username)
    ]


def pilot_results_visible(pilot: Pilot) -> bool:
    """The round's votes and agreement are shown once it is closed (at once if the review is not blind)."""
    return pilot.status == PilotStatus.CLOSED or not pilot.review.blind


def pilot_agreement(pilot: Pilot) -> dict:
    """Agreement of the pilot's votes ("maybe" counts as include): Cohen's kappa per pair of reviewers on
    the records both screened, and Fleiss' kappa over the records every one of them screened."""
    ratings: dict[int, dict[int, str]] = defaultdict(dict)
    votes = PilotVote.objects.filter(pilot=pilot).values_list("record_id", "reviewer_id", "decision")
    for record_id, reviewer_id, decision in votes:
        ratings[record_id][reviewer_id] = Decision.INCLUDE if decision == Decision.MAYBE else decision
    reviewers = sorted({who for rated in ratings.values() for who in rated})
    names = dict(User.objects.filter(pk__in=reviewers).values_list("pk", "username"))
    result = {
        "items": len(ratings),
        "reviewers": [names.get(pk) for pk in reviewers],
        "pairs": _pairwise(ratings, names),
        "fleiss": None,
        "fleiss_items": 0,
    }
    if len(reviewers) > 2:
        result.update(_multi_rater(ratings, reviewers))
    return result


def pilot_table(pilot: Pilot) -> list[dict]:
    """Per record of the round: each reviewer's pilot vote (show only when pilot_results_visible)."""
    votes = defaultdict(dict)
    for vote in PilotVote.objects.filter(pilot=pilot).select_related("reviewer"):
        votes[vote.record_id][vote.reviewer.username] = vote
    records = (
        screening_records(pilot.review)
        .filter(pk__in=PilotRecord.objects.filter(pilot=pilot).values("record_id"))
        .order_by("sort_key", "id")
    )
    rows = []
    for record in records:
        mine = votes.get(record.pk, {})
        kinds = {Decision.INCLUDE if v.decision == Decision.MAYBE else v.decision for v in mine.values()}
        rows.append({"record": record, "votes": mine, "agree": len(kinds) <= 1})
    return rows


def records_matching(
    review: Review, user, *, stage: str, label_id: int | None = None, text: str = "", unassigned_only=False
) -> QuerySet[Record]:
    """Records up for `stage` matching the set-up page's filter (to assign them as a set)."""
    records = eligible_records(review, stage)
    if label_id:
        tagged = labels_visible_to(review, user).filter(label_id=label_id).values("record_id")
        records = records.filter(pk__in=tagged)
    if text.strip():
        records = records.filter(Q(title__icontains=text.strip()) | Q(abstract__icontains=text.strip()))
    if unassigned_only:
        records = records.exclude(Exists(Assignment.objects.filter(record=OuterRef("pk"), stage=stage)))
    return records
