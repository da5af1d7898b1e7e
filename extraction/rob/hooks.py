"""What risk of bias adds to the core, registered from RobConfig.ready() (see reviewapp.registry)."""

from __future__ import annotations

from reviewapp import registry

EVENT_TEXTS = {
    "assessment.started": "started a risk-of-bias assessment",
    "assessment.changed": "changed a risk-of-bias assessment",
    "assessment.retracted": "withdrew a risk-of-bias assessment",
    "rob_consensus.reached": "risk-of-bias consensus reached",
    "rob_consensus.withdrawn": "risk-of-bias consensus withdrawn",
    "rob_conflict.opened": "risk-of-bias assessments differ",
    "rob_conflict.resolved": "settled a risk-of-bias conflict",
}


def item_complete(record_ref: str, stage_ref: str):
    from .selectors import item_complete_for_events

    return item_complete_for_events(record_ref, stage_ref)


def settle_after_settings_change(*, review, actor, before: dict, after: dict) -> None:
    """N lowered: items that now have enough submitted assessments settle."""
    if after.get("votes_required", 0) < before.get("votes_required", 0):
        from .services import items_settle_all

        items_settle_all(review=review, actor=actor)


def demo_step(*, review) -> None:
    """On the seed demo review: the seed's Table 3 as two reviewers' assessments and a consensus."""
    from reviewapp.models import Membership

    from .demo import demo_table3

    members = Membership.objects.filter(review=review).select_related("user")
    demo_table3(review=review, users={m.user.username: m.user for m in members})


def dashboard_panel(request, review, member):
    from .views import dashboard_panel as panel

    return panel(request, review, member)


def register() -> None:
    from .next_tasks import next_tasks

    registry.next_tasks_provider(next_tasks)
    registry.dashboard_panel(dashboard_panel)
    registry.blinded_events("assessment.", item_complete)
    registry.event_texts(EVENT_TEXTS)
    registry.on_settings_changed(settle_after_settings_change)
    registry.demo_review_step("perinatal-msc-diabetes")(demo_step)
    registry.backup_models(
        "rob.RobItem",
        "rob.Assessment",
        "rob.ConsensusAssessment",
        "rob.AssessmentConflict",
        "rob.AssessmentRevision",
        ids={"rob.AssessmentRevision": {"assessment_id": "rob.Assessment"}},
    )
    ids = {
        "item": "rob.RobItem",
        "stage": ("rob.RobItem", "rob-{}"),  # names the item for blinded timelines
        "study": "reviewapp.Study",
        "assessment": "rob.Assessment",
        "conflict": "rob.AssessmentConflict",
        "revision": "rob.AssessmentRevision",
    }
    for prefix in ("assessment.", "rob_consensus.", "rob_conflict.", "rob."):
        registry.backup_event_ids(prefix, ids)
