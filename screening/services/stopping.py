"""Stopping title/abstract screening on the stopping rule, and undoing it (the owner decides; the engine
only reports, see selectors.stopping_state).

Stopping marks every title/abstract record nobody has voted on as "marked ineligible by automation tools"
(Record.removed_reason = automation, which the PRISMA diagram counts in `excluded_automatic`), in one batch
(AutomationStop) with one audit event. Records someone voted on stay in the work lists until they have
their N votes. Undo restores exactly that batch, and the records go back into the work lists.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from reviewapp.models import Record, RemovalReason, Review
from reviewapp.permissions import membership_for
from reviewapp.services.audit import event_log
from reviewapp.services.changes import records_changed

from ..models import AutomationStop
from ..selectors import stopping_state, unscreened_records
from .worklist import worklist_drop_records


def _require_owner(review: Review, actor) -> None:
    member = membership_for(actor, review)
    if member is None or not member.is_owner:
        raise PermissionDenied("Only the owner stops screening or undoes a stop.")


@transaction.atomic
def screening_stop(*, review: Review, actor) -> AutomationStop:
    """Exclude the unscreened title/abstract records as marked ineligible by automation tools."""
    _require_owner(review, actor)
    review = Review.objects.select_for_update().get(pk=review.pk)  # one stop at a time
    if AutomationStop.objects.filter(review=review, undone_at__isnull=True).exists():
        raise ValidationError("Screening is already stopped; undo that stop first.")
    state = stopping_state(review)
    unscreened = unscreened_records(review)
    count = unscreened.count()
    if not count:
        raise ValidationError("No title/abstract record is left that nobody has voted on.")
    test = state["test"]
    stop = AutomationStop.objects.create(
        review=review,
        created_by=actor,
        records_count=count,
        p_value=test.p_value,
        recall_estimate=test.recall_estimate,
        recall_target=test.recall_target,
        confidence=test.confidence,
        screened=test.n_seen,
    )
    _mark(review, stop)
    worklist_drop_records(review=review, record_ids=_batch(review, stop).values("pk"))
    records_changed(review=review)
    event_log(
        review=review,
        actor=actor,
        verb="screening.stopped",
        stop=stop.pk,
        records=count,
        p_value=round(test.p_value, 6),
        recall_estimate=round(test.recall_estimate, 4),
        recall_target=test.recall_target,
        confidence=test.confidence,
        screened=test.n_seen,
    )
    return stop


def _mark(review: Review, stop: AutomationStop) -> int:
    # set-based (no list of ids in the statement: SQLite limits the number of parameters)
    return unscreened_records(review).update(
        removed_reason=RemovalReason.AUTOMATION, removed_note=stop.marker
    )


def _batch(review: Review, stop: AutomationStop):
    return Record.objects.filter(
        review=review, removed_reason=RemovalReason.AUTOMATION, removed_note=stop.marker
    )


@transaction.atomic
def screening_stop_undo(*, review: Review, actor, stop_id: int | None = None) -> AutomationStop:
    """Put the stop's records back into screening (and the work lists); `stop_id` None: the active stop."""
    _require_owner(review, actor)
    stops = AutomationStop.objects.select_for_update().filter(review=review)
    if stop_id is None:
        stop = stops.filter(undone_at__isnull=True).first()
        if stop is None:
            raise ValidationError("Screening is not stopped: there is no stop to undo.")
    else:
        stop = stops.filter(pk=stop_id).first()
        if stop is None:
            raise ValidationError({"stop": f"No stop {stop_id} in this review."})
    if stop.undone_at is not None:
        raise ValidationError("This stop was already undone.")
    restored = _batch(review, stop).update(removed_reason="", removed_note="")
    stop.undone_at, stop.undone_by = timezone.now(), actor
    stop.save(update_fields=["undone_at", "undone_by", "updated_at"])
    records_changed(review=review)
    event_log(review=review, actor=actor, verb="screening.stop_undone", stop=stop.pk, records=restored)
    return stop
