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
    """N (votes_required) lowered: records that now have enough votes get their verdict or conflict.
    Any change of N changes which records the work lists hold: rebuild them."""
    if after.get("votes_required", 0) < before.get("votes_required", 0):
        from .services.votes import votes_settle_all

        votes_settle_all(review=review, actor=actor)
    if after.get("votes_required") != before.get("votes_required"):
        rebuild_worklists(review=review)


def rebuild_worklists(*, review) -> None:
    """Records changed (an import, a merge, a removal): rebuild the work lists, and retrain the ranking if
    it is on (new records are ranked after the others until then)."""
    from .models import PrioritySettings
    from .services.ranking import ranking_request
    from .services.worklist import worklist_build_enqueue

    worklist_build_enqueue(review=review)
    if PrioritySettings.objects.filter(review=review, rank_by_relevance=True).exists():
        ranking_request(review=review)


def rebuild_member_worklists(*, review, user) -> None:
    from .services.worklist import worklist_build_enqueue

    worklist_build_enqueue(review=review, reviewer_id=user.pk)


def voting_complete(record_ref: str, stage_ref: str):
    from .selectors import voting_complete as complete

    return complete(record_ref, stage_ref)


def label_complete(record_ref: str, stage_ref: str):
    """Tags are blinded like title/abstract votes (their events carry stage=title_abstract)."""
    return voting_complete(record_ref, stage_ref)


def pilot_complete(record_ref: str, stage_ref: str):
    """A pilot vote is hidden from the others until its round is closed."""
    from django.db.models import Exists, OuterRef

    from .models import PilotRecord, PilotStatus

    return Exists(PilotRecord.objects.filter(record=OuterRef(record_ref), pilot__status=PilotStatus.CLOSED))


EVENT_TEXTS = {
    "label.added": "labelled “{label}”",
    "label.removed": "took off the label “{label}”",
    "pilot_vote.cast": "voted {decision} in pilot round {pilot} (practice: does not count)",
}


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


def overview_panel(request, review, member):
    from .views import overview_panel as panel

    return panel(request, review, member)


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
    registry.on_records_changed(rebuild_worklists)
    registry.on_members_changed(rebuild_member_worklists)
    registry.blinded_events("vote.", voting_complete)
    registry.blinded_events("label.", label_complete)
    registry.blinded_events("pilot_vote.", pilot_complete)
    registry.event_texts(EVENT_TEXTS)
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
    registry.backup_models(
        "screening.PrioritySettings",
        "screening.AutomationStop",
        "screening.ScreeningSettings",
        "screening.Label",
        "screening.RecordLabel",
        "screening.Assignment",
        "screening.Pilot",
        "screening.PilotRecord",
        "screening.PilotVote",
    )
    registry.backup_skip("screening.RankingRun", "the relevance ranking: retrained from the votes")
    registry.backup_skip("screening.RankPosition", "the relevance ranking: retrained from the votes")
    registry.backup_event_ids("pilot.", {"pilot": "screening.Pilot", "records": "reviewapp.Record"})
    registry.backup_event_ids("pilot_vote.", {"pilot": "screening.Pilot"})
    registry.backup_event_ids("screening.stop", {"stop": "screening.AutomationStop"})
    registry.backup_skip("screening.QueueItem", "the work list: rebuilt from records and votes when opened")
    registry.backup_skip("screening.QueueSync", "the work list's version stamp: absent means rebuild")
    reason = "screening.ExclusionReason"
    registry.backup_event_ids(
        "vote.", {"vote": "screening.Vote", "revision": "screening.VoteRevision", "reason": reason}
    )
    registry.backup_event_ids("verdict.", {"conflict": "screening.Conflict", "reason": reason})
    registry.backup_event_ids("conflict.", {"conflict": "screening.Conflict", "reason": reason})
    registry.dashboard_panel(overview_panel)
    registry.event_texts(
        {
            "screening.priority_updated": "Prioritised screening settings changed",
            "screening.stopped": "Title/abstract screening stopped on the stopping rule: {records} records "
            "marked ineligible by automation tools (p = {p_value}, estimated recall {recall_estimate})",
            "screening.stop_undone": "Stop of title/abstract screening undone ({records} records restored)",
        }
    )
