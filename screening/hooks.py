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
    registry.on_settings_changed(settle_after_settings_change)
    registry.blinded_events("vote.", voting_complete)
    registry.blinded_events("label.", label_complete)
    registry.blinded_events("pilot_vote.", pilot_complete)
    registry.event_texts(EVENT_TEXTS)
    registry.included_reports_provider(included_reports)
    registry.demo_step(demo_screening)
