from __future__ import annotations

from ..models import AuditEvent, Review


def event_log(
    *, review: Review, actor, verb: str, record=None, other_record=None, batch=None, **data
) -> AuditEvent:
    """Write one audit event; call inside the transaction that makes the change."""
    return AuditEvent.objects.create(
        review=review,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        record=record,
        other_record=other_record,
        batch=batch,
        data=data,
    )
