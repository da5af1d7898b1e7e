"""The review's outcomes (what outcome data is collected for): created and edited by the owner."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from reviewapp.models import Review, Role
from reviewapp.services.audit import event_log

from ..models import OutcomeMeasure
from ..outcomes import DataType
from ..permissions import require


def _clean(name: str, data_type: str, time_points) -> tuple[str, str, list[str]]:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Name the outcome."})
    if data_type not in DataType.__members__.values():
        raise ValidationError({"data_type": "Data type must be continuous, binary or generic."})
    if isinstance(time_points, str):
        time_points = time_points.replace("\n", ",").split(",")
    points = [" ".join(p.split()) for p in time_points or [] if p.strip()]
    return name, data_type, list(dict.fromkeys(points))


@transaction.atomic
def outcome_measure_create(
    *,
    review: Review,
    actor,
    name: str,
    data_type: str,
    unit: str = "",
    scale: str = "",
    time_points=(),
    key: str = "",
) -> OutcomeMeasure:
    require(review, actor, Role.OWNER, "Only the owner defines the review's outcomes.")
    name, data_type, points = _clean(name, data_type, time_points)
    key = slugify(key or name).replace("-", "_")[:64] or "outcome"
    if OutcomeMeasure.objects.filter(review=review, key=key).exists():
        raise ValidationError({"name": f"There is an outcome “{key}” already."})
    measure = OutcomeMeasure.objects.create(
        review=review,
        key=key,
        name=name,
        data_type=data_type,
        unit=unit.strip(),
        scale=scale.strip(),
        time_points=points,
        position=OutcomeMeasure.objects.filter(review=review).count(),
    )
    event_log(
        review=review,
        actor=actor,
        verb="extraction.outcome_defined",
        outcome=measure.pk,
        key=key,
        name=name,
        data_type=data_type,
        unit=measure.unit,
    )
    return measure


@transaction.atomic
def outcome_measure_update(*, measure: OutcomeMeasure, actor, **values) -> OutcomeMeasure:
    """Rename, change unit/scale/time points (the key and data type stay: extracted rows use them)."""
    require(measure.review, actor, Role.OWNER, "Only the owner defines the review's outcomes.")
    changes = {}
    if "time_points" in values:
        values["time_points"] = _clean(measure.name, measure.data_type, values["time_points"])[2]
    for name in ("name", "unit", "scale", "time_points"):
        if name in values and values[name] != getattr(measure, name):
            changes[name] = [getattr(measure, name), values[name]]
            setattr(measure, name, values[name])
    if changes:
        measure.save(update_fields=[*changes, "updated_at"])
        event_log(
            review=measure.review,
            actor=actor,
            verb="extraction.outcome_changed",
            outcome=measure.pk,
            changes=changes,
        )
    return measure
