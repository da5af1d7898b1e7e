"""What screening adds to the core, registered from ScreeningConfig.ready() (see reviewapp.registry)."""

from __future__ import annotations

from reviewapp import registry

DEMO_FULL_TEXT_REASONS = [  # the demo review (gambling during COVID-19)
    "Not about gambling",
    "No COVID-19 period data",
    "No social or family outcome",
    "Review, commentary or conference abstract without full text",
]


def settle_after_settings_change(*, review, actor, before: dict, after: dict) -> None:
    """N (votes_required) lowered: records that now have enough votes get their verdict or conflict."""
    if after.get("votes_required", 0) < before.get("votes_required", 0):
        from .services.votes import votes_settle_all

        votes_settle_all(review=review, actor=actor)


def voting_complete(record_ref: str, stage_ref: str):
    from .selectors import voting_complete as complete

    return complete(record_ref, stage_ref)


def included_reports(review):
    from .selectors import included_reports as included

    return included(review)


def records_with_votes(review, record_ids=None):
    from .models import Vote

    votes = Vote.objects.filter(review=review)
    if record_ids is not None:
        votes = votes.filter(record_id__in=list(record_ids))
    return votes.order_by().values_list("record_id", flat=True).distinct()


def demo_screening(*, review, users: dict) -> None:
    """Exclusion reasons, and a first batch of dual votes so the arbiter has conflicts to settle."""
    from .services.fulltext import exclusion_reasons_set
    from .services.votes import vote_cast

    exclusion_reasons_set(review=review, actor=users["owner"], labels=DEMO_FULL_TEXT_REASONS)
    first = review.records.filter(duplicate_of__isnull=True, removed_reason="").order_by("sort_key")[:16]
    for number, record in enumerate(first):
        for who, every in (("reviewer1", 3), ("reviewer2", 4)):
            vote_cast(
                review=review,
                actor=users[who],
                record_id=record.pk,
                stage="title_abstract",
                decision="include" if number % every else "exclude",
            )


def register() -> None:
    from .next_tasks import next_tasks, review_progress
    from .record_columns import COLUMNS
    from .timeline import TEXTS

    registry.next_tasks_provider(next_tasks)
    registry.review_progress_provider(review_progress)
    registry.event_texts(TEXTS)
    for column in COLUMNS:
        registry.record_column(column)
    registry.on_settings_changed(settle_after_settings_change)
    registry.blinded_events("vote.", voting_complete)
    registry.included_reports_provider(included_reports)
    registry.records_with_work_provider(records_with_votes)
    registry.demo_step(demo_screening)
    registry.backup_models(
        "screening.ExclusionReason",
        "screening.Vote",
        "screening.VoteRevision",
        "screening.Verdict",
        "screening.Conflict",
        "screening.Retrieval",
        ids={"screening.VoteRevision": {"vote_id": "screening.Vote"}},
    )
    registry.backup_skip("screening.QueueItem", "the work list: rebuilt from records and votes when opened")
    registry.backup_skip("screening.QueueSync", "the work list's version stamp: absent means rebuild")
    reason = "screening.ExclusionReason"
    registry.backup_event_ids(
        "vote.", {"vote": "screening.Vote", "revision": "screening.VoteRevision", "reason": reason}
    )
    registry.backup_event_ids("verdict.", {"conflict": "screening.Conflict", "reason": reason})
    registry.backup_event_ids("conflict.", {"conflict": "screening.Conflict", "reason": reason})
