"""Reads, always scoped to what the user may see, with a constant number of queries per page."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.db.models.fields.json import KT

from . import registry
from .models import (
    AuditEvent,
    CandidateStatus,
    DedupRun,
    DuplicateCandidate,
    ImportBatch,
    Invitation,
    InvitationStatus,
    Membership,
    Record,
    RestoreJob,
    Review,
    ReviewRound,
    SearchSource,
)


def reviews_for(user) -> QuerySet[Review]:
    if not user.is_authenticated:
        return Review.objects.none()
    return (
        Review.objects.filter(memberships__user=user)
        .annotate(
            records_total=Count("records", distinct=True),
        )
        .order_by("-created_at")
    )


def members_of(review: Review) -> QuerySet[Membership]:
    return Membership.objects.filter(review=review).select_related("user").order_by("user__username")


def pending_invitations(review: Review) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(review=review, status=InvitationStatus.PENDING)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def sources_of_review(review: Review) -> QuerySet[SearchSource]:
    return (
        SearchSource.objects.filter(review=review)
        .annotate(
            records_total=Count("records", distinct=True),
            imports_total=Count("imports", distinct=True),
        )
        .order_by("name")
    )


def imports_of(review: Review) -> QuerySet[ImportBatch]:
    return (
        ImportBatch.objects.filter(review=review)
        .select_related("source", "created_by", "round")
        .order_by("-created_at")
    )


def rounds_of(review: Review) -> QuerySet[ReviewRound]:
    """The review's rounds of searching, first to latest, with their imports counted."""
    return (
        ReviewRound.objects.filter(review=review)
        .annotate(imports_total=Count("imports", distinct=True))
        .order_by("number")
    )


def studies_and_reports(included: QuerySet[Record]) -> tuple[int, int]:
    """(studies, reports) of these included reports: the studies they are grouped into, each report not
    (yet) grouped counting as a study of its own. The one way studies are counted: the studies page and
    the PRISMA diagram (whole review or one round) both count with it."""
    found = included.order_by().aggregate(
        grouped=Count("study", distinct=True),
        loose=Count("id", filter=Q(study__isnull=True)),
        reports=Count("id"),
    )
    return found["grouped"] + found["loose"], found["reports"]


def included_studies_count(review: Review) -> int:
    """How many studies the review includes (see `studies_and_reports`)."""
    return studies_and_reports(registry.included_reports(review))[0]


def records_of(review: Review) -> QuerySet[Record]:
    return Record.objects.filter(review=review).select_related("source").defer("raw").order_by("id")


def record_detail(review: Review, pk: int) -> Record:
    return Record.objects.select_related("source", "batch", "duplicate_of", "study").get(review=review, pk=pk)


def record_states(review: Review) -> dict[str, int]:
    """Pre-screening accounting: every record is exactly one of these."""
    counts = Record.objects.filter(review=review).aggregate(
        total=Count("id"),
        duplicates=Count("id", filter=Q(duplicate_of__isnull=False)),
        removed=Count("id", filter=~Q(removed_reason="")),
        untitled=Count("id", filter=Q(title="")),
    )
    counts["active"] = counts["total"] - counts["duplicates"] - counts["removed"]
    return counts


def sources_of_records(records) -> dict[int, list[str]]:
    """Every source a record came from: its own, plus those of duplicates merged into it."""
    ids = [r.pk for r in records]
    wanted = set(ids)
    names: dict[int, set[str]] = defaultdict(set)
    rows = Record.objects.filter(Q(pk__in=ids) | Q(duplicate_of__in=ids)).values_list(
        "id", "duplicate_of_id", "source__name"
    )
    for rid, dup_of, name in rows:
        if rid in wanted:
            names[rid].add(name)  # a record always came from its own source
        if dup_of in wanted:
            names[dup_of].add(name)
    return {rid: sorted(names.get(rid, ())) for rid in ids}


def candidates_of(
    review: Review, status: str | None = CandidateStatus.PENDING
) -> QuerySet[DuplicateCandidate]:
    qs = DuplicateCandidate.objects.filter(review=review).select_related(
        "record_a__source", "record_b__source", "decided_by"
    )
    return qs.filter(status=status) if status else qs


def latest_dedup_run(review: Review) -> DedupRun | None:
    return DedupRun.objects.filter(review=review).first()


def record_timeline(record: Record, user) -> QuerySet[AuditEvent]:
    """What happened to a record that `user` may see: import, merges, removals, votes, decisions."""
    events = AuditEvent.objects.filter(
        Q(record=record) | Q(other_record=record) | Q(batch_id=record.batch_id, verb="import.succeeded")
    )
    return blinded(events, record.review, user).select_related("actor").order_by("created_at", "id")


def review_events(review: Review, user) -> QuerySet[AuditEvent]:
    return blinded(review.events.all(), review, user).select_related("actor").order_by("-created_at", "-id")


def blinded(events: QuerySet[AuditEvent], review: Review, user) -> QuerySet[AuditEvent]:
    """With blinding on, hide other people's judgement events (screening: "vote.*") on an item until its
    work at that stage is complete (registry.blinded_events: each app says what complete means), so not
    even *that* someone voted leaks early."""
    if not review.blind or not registry.BLINDED_EVENTS:
        return events
    events = events.annotate(event_stage=KT("data__stage"))
    for number, kind in enumerate(registry.BLINDED_EVENTS):
        done = f"blind_done_{number}"
        hidden = Q(verb__startswith=kind.verb_prefix) & ~Q(actor=user) & ~Q(**{done: True})
        complete = ExpressionWrapper(kind.complete("record", "event_stage"), output_field=BooleanField())
        events = events.annotate(**{done: complete}).exclude(hidden)
    return events


# --- Added for the browser pages (reviewapp/views/) ---------------------------------------------------------


def memberships_of_user(user) -> dict[int, Membership]:
    """The user's membership in each of their reviews, by review id (for role badges on the home page)."""
    if not user.is_authenticated:
        return {}
    return {m.review_id: m for m in Membership.objects.filter(user=user).select_related("review")}


def candidate_counts(review: Review) -> dict[str, int]:
    """How many duplicate candidates the review has in each status (every status present, zero if none)."""
    counts = dict.fromkeys(CandidateStatus.values, 0)
    rows = DuplicateCandidate.objects.filter(review=review).values_list("status").annotate(n=Count("id"))
    counts.update(dict(rows))
    return counts


def dedup_runs_of(review: Review) -> QuerySet[DedupRun]:
    return DedupRun.objects.filter(review=review).order_by("-created_at")


def duplicates_of_record(record: Record) -> QuerySet[Record]:
    """The records merged into `record` (it is their canonical record)."""
    return Record.objects.filter(duplicate_of=record).select_related("source").defer("raw").order_by("id")


def candidates_of_record(record: Record) -> QuerySet[DuplicateCandidate]:
    """Every scored pair the record is part of, decided or not."""
    return (
        DuplicateCandidate.objects.filter(Q(record_a=record) | Q(record_b=record))
        .select_related("record_a", "record_b", "decided_by")
        .order_by("-score", "id")
    )


def source_choices(review: Review) -> QuerySet[SearchSource]:
    """The review's sources, id and name only (filter menus; no per-source counts to compute)."""
    return SearchSource.objects.filter(review=review).only("id", "name").order_by("name")


def restore_jobs_recent(limit: int = 10):
    """The latest restores started on the restore page (staff see them all)."""
    return RestoreJob.objects.select_related("created_by").order_by("-created_at")[:limit]


def restore_result(slug: str, user) -> dict:
    """The review a restore made, whether `user` may open it, and its owners (to ask, if not)."""
    review = Review.objects.filter(slug=slug).first() if slug else None
    if review is None:
        return {"restored": None, "is_member": False, "owners": []}
    members = list(review.memberships.select_related("user"))
    return {
        "restored": review,
        "is_member": any(m.user_id == user.pk for m in members),
        "owners": [m.user.username for m in members if m.is_owner],
    }
