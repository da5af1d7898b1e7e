"""De-duplication: find candidate pairs, merge automatically above the high threshold, let people
decide the uncertain band, undo merges, and remove records before screening for other reasons.

Invariant kept here: `duplicate_of` always points at a canonical record (never a chain), so a record
is in exactly one pre-screening state.

Living reviews: a search compares every active record, screened ones included. Of a group of
duplicates the record people have already judged stays canonical (it keeps its votes), then the one of
the earliest round, then the most complete; two judged records are never merged automatically (the
pair waits for a person, with the reason).
"""

from __future__ import annotations

from dataclasses import replace

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .. import dedup, jobs, registry
from ..jobs import JobStatus
from ..models import (
    MERGED_STATUSES,
    AuditEvent,
    CandidateStatus,
    DedupRun,
    DuplicateCandidate,
    ImportBatch,
    Record,
    RemovalReason,
    Review,
)
from .audit import event_log
from .changes import records_changed

_FIELDS = (
    "id",
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "registry_ids",
    "abstract",
)


DEDUP_TASK = "reviewapp.find_duplicates"
BOTH_SCREENED = "both records already have screening votes: merging would set one record's votes aside"


def _completeness(row: dict) -> tuple:
    """Which record of a cluster to keep: the most complete, then the earliest imported."""
    filled = sum(
        bool(row.get(name))
        for name in ("title", "abstract", "doi", "journal", "pages", "year", "volume", "pmid")
    )
    return (filled, len(row.get("authors") or []), -row["id"])


class _Keeper:
    """Which record of a group stays canonical: one people have judged (it keeps its votes), then the
    one of the earliest round, then the most complete, then the earliest imported."""

    def __init__(self, review: Review, rows: dict, *, few: bool = False):
        """`few`: `rows` is one or two clusters (a person's merge), so only their records are looked up."""
        self.rows = rows
        ids = list(rows) if few else None
        in_study = Record.objects.filter(review=review, study__isnull=False)
        if ids is not None:
            in_study = in_study.filter(pk__in=ids)
        self.worked = registry.records_with_work(review, ids) | set(in_study.values_list("pk", flat=True))
        self.round_of = dict(ImportBatch.objects.filter(review=review).values_list("pk", "round__number"))

    def key(self, rid: int) -> tuple:
        row = self.rows[rid]
        round_number = self.round_of.get(row.get("batch_id")) or 1
        return (rid in self.worked, -round_number, _completeness(row))

    def canonical(self, group) -> int:
        return max(group, key=self.key)


def dedup_run_start(*, review: Review, actor, enqueue: bool = True) -> DedupRun:
    """Queue a duplicate search, or return the one already queued or running (the database allows one
    active run per review, so two simultaneous clicks start one search). A run whose process died is
    failed first, so it does not block this one."""
    jobs.job_fail_stale(DedupRun, review=review)
    active = DedupRun.objects.filter(review=review, status__in=jobs.ACTIVE).first()
    if active:
        return active
    try:
        with transaction.atomic():
            run = DedupRun.objects.create(review=review, created_by=actor)
            if enqueue:
                jobs.job_enqueue(DEDUP_TASK, run.pk, job=run)
    except IntegrityError:  # a concurrent start won the race: report its run
        return DedupRun.objects.filter(review=review, status__in=jobs.ACTIVE).first() or dedup_run_start(
            review=review, actor=actor, enqueue=enqueue
        )
    return run


def dedup_run_now(*, review: Review, actor) -> DedupRun:
    """Find duplicates in this process and wait for the result (management command, demo loader). If a
    search is already queued or running elsewhere, that run is returned unfinished."""
    run = dedup_run_start(review=review, actor=actor, enqueue=False)
    if run.status != JobStatus.QUEUED:
        return run
    return dedup_run_execute(run_id=run.pk)


def dedup_run_execute(*, run_id: int) -> DedupRun:
    """Run one queued de-duplication; safe to run twice (only the first claim runs it)."""
    run = jobs.job_claim(DedupRun, run_id)
    if run is None:
        return DedupRun.objects.get(pk=run_id)
    run = DedupRun.objects.select_related("review", "created_by").get(pk=run_id)
    try:
        summary = duplicates_find(
            review=run.review,
            actor=run.created_by,
            progress=lambda done, total: jobs.job_progress(run, done=done, total=total),
        )
    except Exception as exc:
        # A run left "running" would block every later one (dedup_run_start returns it): record the failure.
        jobs.job_fail(run, str(exc)[:2000])
        raise
    jobs.job_succeed(run, progress={"done": 1, "total": 1}, **summary)
    return DedupRun.objects.get(pk=run_id)


def dedup_progress(run: DedupRun) -> dict:
    run = jobs.job_refresh(run)
    if run.status in jobs.FINISHED:
        return {"status": run.status, "fraction": 1.0 if run.status == JobStatus.SUCCEEDED else 0.0}
    live = jobs.progress_of(run)
    return {"status": run.status, "fraction": jobs.fraction(live.get("done"), live.get("total"))}


def _as_dedup_record(row: dict) -> dedup.DedupRecord:
    return dedup.DedupRecord(
        id=row["id"],
        title=row["title"] or "",
        authors=tuple(row["authors"] or ()),
        year=row["year"],
        journal=row["journal"] or "",
        volume=row["volume"] or "",
        issue=row["issue"] or "",
        pages=row["pages"] or "",
        doi=row["doi"] or "",
        pmid=row["pmid"] or "",
        registry_ids=tuple(row["registry_ids"] or ()),
        abstract=row["abstract"] or "",
    )


def duplicates_find(*, review: Review, actor, progress=None) -> dict:
    """Score candidate pairs among the review's screenable records; merge the sure ones."""
    rows = {
        row["id"]: row
        for row in Record.objects.filter(review=review, duplicate_of__isnull=True, removed_reason="").values(
            *_FIELDS, "batch_id"
        )
    }
    found = dedup.find_duplicates((_as_dedup_record(row) for row in rows.values()), progress=progress)
    with transaction.atomic():
        Review.objects.select_for_update().filter(pk=review.pk).first()
        known = set(
            DuplicateCandidate.objects.filter(review=review).values_list("record_a_id", "record_b_id")
        )
        fresh = [c for c in found if (min(c.a, c.b), max(c.a, c.b)) not in known]
        _reopen_undone(review, found)
        keeper = _Keeper(review, rows)
        fresh = _keep_judged_apart(fresh, keeper.worked)
        created = DuplicateCandidate.objects.bulk_create(
            [
                DuplicateCandidate(
                    review=review,
                    record_a_id=min(c.a, c.b),
                    record_b_id=max(c.a, c.b),
                    score=round(c.score, 4),
                    reasons=list(c.reasons),
                    guard=c.guard[:255],
                    status=CandidateStatus.AUTO_MERGED if c.decision == "auto" else CandidateStatus.PENDING,
                    decided_at=timezone.now() if c.decision == "auto" else None,
                )
                for c in fresh
            ]
        )
        auto = [c for c in created if c.status == CandidateStatus.AUTO_MERGED]
        merged = _merge_pairs(
            review,
            actor,
            [(c.record_a_id, c.record_b_id) for c in auto],
            keeper,
            verb="duplicate.auto_merged",
        )
        event_log(
            review=review,
            actor=actor,
            verb="dedup.run",
            records=len(rows),
            candidates=len(created),
            auto_merged=merged,
            queued=len(created) - len(auto),
        )
        if merged:
            records_changed(review=review)
    return {
        "records_checked": len(rows),
        "candidates_found": len(created),
        "auto_merged": merged,
        "queued_for_review": len(created) - len(auto),
    }


def _reopen_undone(review: Review, found) -> None:
    """Pairs whose merge was undone before undo returned them to "to decide": a new search that
    finds them again puts them back in front of a person (never merges them again by itself)."""
    pairs = {(min(c.a, c.b), max(c.a, c.b)) for c in found}
    undone = DuplicateCandidate.objects.filter(review=review, status=CandidateStatus.UNDONE)
    ids = [pk for pk, a, b in undone.values_list("pk", "record_a_id", "record_b_id") if (a, b) in pairs]
    undone.filter(pk__in=ids).update(
        status=CandidateStatus.PENDING, decided_by=None, decided_at=None, updated_at=timezone.now()
    )


def _keep_judged_apart(found: list, worked: set) -> list:
    """Automatic merges that would join two judged records (directly or through a third record) go
    to the people instead, with the reason; ordered by score, so the surest merges are kept."""
    auto = sorted((c for c in found if c.decision == dedup.AUTO), key=lambda c: -c.score)
    _, refused = dedup.merges_keeping_apart(((c.a, c.b) for c in auto), worked)
    if not refused:
        return found
    refused_pairs = set(refused)
    return [
        replace(c, decision=dedup.REVIEW, guard=BOTH_SCREENED) if (c.a, c.b) in refused_pairs else c
        for c in found
    ]


def _merge_pairs(review: Review, actor, pairs, keeper: _Keeper, *, verb: str) -> int:
    """Union the pairs' records into clusters and point every non-canonical member at the canonical."""
    if not pairs:
        return 0
    groups = dedup.clusters(pairs)
    updates, events = [], []
    for group in groups:
        canonical = keeper.canonical(group)
        for rid in group - {canonical}:
            updates.append(Record(pk=rid, duplicate_of_id=canonical))
            events.append(
                AuditEvent(
                    review=review,
                    actor=actor if getattr(actor, "pk", None) else None,
                    verb=verb,
                    record_id=rid,
                    other_record_id=canonical,
                    data={"into": canonical},
                )
            )
    Record.objects.bulk_update(updates, ["duplicate_of"], batch_size=1000)
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(updates)


def _root(record: Record) -> int:
    return record.duplicate_of_id or record.pk


def _cluster_rows(root_ids) -> dict:
    members = Record.objects.filter(Q(pk__in=root_ids) | Q(duplicate_of__in=root_ids))
    return {row["id"]: row for row in members.values(*_FIELDS, "duplicate_of", "batch_id")}


def _locked_candidate(candidate: DuplicateCandidate) -> DuplicateCandidate:
    Review.objects.select_for_update().filter(pk=candidate.review_id).first()
    return DuplicateCandidate.objects.select_related("record_a", "record_b", "review").get(pk=candidate.pk)


@transaction.atomic
def candidate_merge(*, candidate: DuplicateCandidate, actor) -> DuplicateCandidate:
    """A person confirms the pair is one publication: the two clusters become one."""
    candidate = _locked_candidate(candidate)
    if candidate.status in MERGED_STATUSES:
        return candidate  # a double click merges once
    a, b = candidate.record_a, candidate.record_b
    if a.removed_reason or b.removed_reason:
        raise ValidationError("A record of this pair was removed before screening; restore it first.")
    roots = {_root(a), _root(b)}
    rows = _cluster_rows(roots)
    pairs = [(rid, row["duplicate_of"]) for rid, row in rows.items() if row["duplicate_of"]]
    pairs.append((a.pk, b.pk))
    _repoint(candidate.review, actor, rows, dedup.clusters(pairs), keep=None)
    _decide(candidate, actor, CandidateStatus.MERGED)
    event_log(
        review=candidate.review,
        actor=actor,
        verb="duplicate.merged",
        record=b,
        other_record=a,
        candidate=candidate.pk,
        score=candidate.score,
    )
    records_changed(review=candidate.review)
    return candidate


def _decide(candidate: DuplicateCandidate, actor, status: str) -> None:
    candidate.status, candidate.decided_by, candidate.decided_at = status, actor, timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])


def _repoint(review: Review, actor, rows: dict, groups, *, keep) -> None:
    """Give each group one canonical record (an existing canonical in `keep` stays canonical)."""
    updates = []
    keeper = _Keeper(review, rows, few=True)
    for group in groups:
        kept = [rid for rid in group if keep and rid in keep]
        canonical = kept[0] if kept else keeper.canonical(group)
        for rid in group:
            target = None if rid == canonical else canonical
            if rows[rid]["duplicate_of"] != target:
                updates.append(Record(pk=rid, duplicate_of_id=target))
    Record.objects.bulk_update(updates, ["duplicate_of"], batch_size=1000)


@transaction.atomic
def candidate_reject(*, candidate: DuplicateCandidate, actor) -> DuplicateCandidate:
    """A person says the pair are different publications."""
    candidate = _locked_candidate(candidate)
    if candidate.status == CandidateStatus.REJECTED:
        return candidate
    if candidate.status in MERGED_STATUSES:
        raise ValidationError("This pair is merged; undo the merge instead.")
    _decide(candidate, actor, CandidateStatus.REJECTED)
    event_log(
        review=candidate.review,
        actor=actor,
        verb="duplicate.rejected",
        record=candidate.record_b,
        other_record=candidate.record_a,
        candidate=candidate.pk,
    )
    return candidate


@transaction.atomic
def candidate_undo(*, candidate: DuplicateCandidate, actor) -> DuplicateCandidate:
    """Undo a merge (automatic or by a person): the cluster is rebuilt from the merges that remain,
    and the pair goes back to "to decide" (the audit trail keeps who merged and who undid)."""
    candidate = _locked_candidate(candidate)
    if candidate.status not in MERGED_STATUSES:
        raise ValidationError("Only a merged pair can be un-merged.")
    root = _root(candidate.record_a)
    rows = _cluster_rows({root})
    before = candidate.status
    candidate.status, candidate.decided_by, candidate.decided_at = CandidateStatus.PENDING, None, None
    candidate.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    remaining = DuplicateCandidate.objects.filter(
        review=candidate.review,
        status__in=MERGED_STATUSES,
        record_a__in=rows,
        record_b__in=rows,
    ).values_list("record_a_id", "record_b_id")
    groups = dedup.clusters(list(remaining))
    grouped = set().union(*groups) if groups else set()
    groups += [{rid} for rid in rows if rid not in grouped]
    _repoint(candidate.review, actor, rows, groups, keep={root})
    event_log(
        review=candidate.review,
        actor=actor,
        verb="duplicate.unmerged",
        record=candidate.record_b,
        other_record=candidate.record_a,
        candidate=candidate.pk,
        before=before,
    )
    records_changed(review=candidate.review)
    return candidate


@transaction.atomic
def record_remove(*, record: Record, actor, reason: str, note: str = "") -> Record:
    """Remove a record before screening for a stated reason other than duplication."""
    record = Record.objects.select_for_update().get(pk=record.pk)
    if reason not in RemovalReason.values:
        raise ValidationError({"reason": f"Reason must be one of {', '.join(RemovalReason.values)}."})
    if reason == RemovalReason.OTHER and not note.strip():
        raise ValidationError({"note": "Say why the record is removed."})
    if record.duplicate_of_id:
        raise ValidationError("This record is already counted as a duplicate.")
    if record.duplicates.exists():
        raise ValidationError("Other records were merged into this one; un-merge them first.")
    record.removed_reason, record.removed_note = reason, note.strip()
    record.save(update_fields=["removed_reason", "removed_note", "updated_at"])
    event_log(
        review=record.review, actor=actor, verb="record.removed", record=record, reason=reason, note=note
    )
    records_changed(review=record.review)
    return record


@transaction.atomic
def record_restore(*, record: Record, actor) -> Record:
    record = Record.objects.select_for_update().get(pk=record.pk)
    if not record.removed_reason:
        return record
    before = record.removed_reason
    record.removed_reason, record.removed_note = "", ""
    record.save(update_fields=["removed_reason", "removed_note", "updated_at"])
    event_log(review=record.review, actor=actor, verb="record.restored", record=record, before=before)
    records_changed(review=record.review)
    return record
