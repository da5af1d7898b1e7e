"""What extraction adds to the core, registered from ExtractionConfig.ready() (see reviewapp.registry)."""

from __future__ import annotations

from reviewapp import registry

EVENT_TEXTS = {
    "extract.started": "started an extraction",
    "extract.answer_changed": "changed an extracted value",
    "extract.row_added": "added a row to an extraction",
    "extract.row_removed": "removed a row from an extraction",
    "extract.arm_added": "added an arm to outcome data",
    "extract.submitted": "submitted an extraction",
    "extract.reopened": "reopened an extraction",
    "extract.upgraded": "moved an extraction to a newer form version",
    "extraction.form_created": "created an extraction form",
    "extraction.form_edited": "edited an extraction form",
    "extraction.form_versioned": "saved a new version of an extraction form",
    "extraction.conflict_opened": "extractions of a study differ",
    "extraction.difference_settled": "settled a difference between extractions",
    "extraction.consensus_reached": "a study's consensus record was reached",
    "extraction.conflict_resolved": "resolved the differences between extractions",
}


def events_complete(record_ref: str, stage_ref: str):
    from .selectors import extraction_events_complete

    return extraction_events_complete(record_ref, stage_ref)


def settle_after_settings_change(*, review, actor, before: dict, after: dict) -> None:
    """N lowered: studies that now have enough submitted extractions settle."""
    if after.get("votes_required", 0) < before.get("votes_required", 0):
        from .services.consensus import consensus_settle_all

        consensus_settle_all(review=review, actor=actor)


def demo_step(*, review) -> None:
    """On the seed demo review: Tables 1 and 2 extracted by two reviewers, with their consensus."""
    from .demo import demo_extraction

    demo_extraction(review=review)


def register() -> None:
    from .next_tasks import next_tasks

    registry.next_tasks_provider(next_tasks)
    registry.blinded_events("extract.", events_complete)
    registry.event_texts(EVENT_TEXTS)
    registry.on_settings_changed(settle_after_settings_change)
    registry.demo_review_step("perinatal-msc-diabetes")(demo_step)
    register_backup()


def register_backup() -> None:
    models = (
        "extraction.Form",
        "extraction.FormVersion",
        "extraction.OutcomeMeasure",
        "extraction.Extraction",
        "extraction.ExtractionConflict",
        "extraction.Consensus",
        "extraction.ExtractionRevision",
        "extraction.TableLayout",
    )
    registry.backup_models(
        *models, ids={"extraction.ExtractionRevision": {"extraction_id": "extraction.Extraction"}}
    )
    ids = {
        "extraction": "extraction.Extraction",
        "extraction_a": "extraction.Extraction",
        "extraction_b": "extraction.Extraction",
        "study": "reviewapp.Study",
        "form": "extraction.Form",
        "to_form": "extraction.Form",
        "conflict": "extraction.ExtractionConflict",
        "consensus": "extraction.Consensus",
        "revision": "extraction.ExtractionRevision",
        "outcome": "extraction.OutcomeMeasure",
        "table": "extraction.TableLayout",
    }
    for label in ("extraction.Consensus", "extraction.ExtractionConflict"):
        registry.backup_json_ids(label, "settlements", {"by": "user"})
    registry.backup_event_ids("extract.", ids)
    registry.backup_event_ids("extraction.", ids)
