from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def model_update(
    *,
    instance,
    fields: dict[str, Any],
    actor,
    verb: str,
    review: Review | None = None,
    clean: Callable[[Any], None] | None = None,
    as_value: Callable[[Any], Any] = lambda value: value,
    only_if_changed: bool = True,
    **event_data,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set `fields` on `instance`, validate (`clean`), save, and write one audit event `verb` with the
    fields' values before and after (`as_value` makes them JSON-friendly, e.g. str for dates). The event
    is skipped when nothing changed, unless `only_if_changed` is False. Returns (before, after).
    Call inside the service's transaction."""
    before = {name: as_value(getattr(instance, name)) for name in fields}
    for name, value in fields.items():
        setattr(instance, name, value)
    if clean is not None:
        clean(instance)
    instance.save()
    after = {name: as_value(getattr(instance, name)) for name in fields}
    changed = before != after
    if changed or not only_if_changed:
        event_log(
            review=review or instance.review,
            actor=actor,
            verb=verb,
            **event_data,
            before=before,
            after=after,
        )
    return before, after
