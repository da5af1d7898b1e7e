"""Characteristics tables (like the seed's Tables 1 and 2): the owner chooses a form's columns."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from reviewapp.models import Review, Role
from reviewapp.services.audit import event_log

from ..models import Form, TableLayout
from ..permissions import require
from .forms import latest_version


@transaction.atomic
def table_create(
    *, review: Review, actor, form: Form, title: str, columns: list[str], source: str = "consensus"
) -> TableLayout:
    require(review, actor, Role.OWNER, "Only the owner designs characteristics tables.")
    if form.review_id != review.pk:
        raise ValidationError("No such form in this review.")
    known = dict(latest_version(form).schema.columns())
    unknown = [c for c in columns if c not in known]
    if unknown or not columns:
        raise ValidationError(
            {"columns": f"Choose columns of the form (unknown: {', '.join(unknown) or 'none chosen'})."}
        )
    if source not in ("consensus", "any"):
        raise ValidationError({"source": "Source must be consensus or any."})
    title = " ".join((title or "").split())
    if not title or TableLayout.objects.filter(review=review, title=title).exists():
        raise ValidationError({"title": "Give the table a title not used yet."})
    table = TableLayout.objects.create(
        review=review, form=form, title=title, columns=list(columns), source=source
    )
    event_log(
        review=review,
        actor=actor,
        verb="extraction.table_created",
        table=table.pk,
        title=title,
        columns=list(columns),
    )
    return table
