"""The one way to say "the review's records changed" (imported, merged or unmerged, removed or restored,
excluded by automation, offered differently): a new records version, and the apps' hooks
(`registry.on_records_changed`: screening rebuilds its work lists in a task)."""

from __future__ import annotations

from django.db.models import F

from .. import registry
from ..models import Review


def records_changed(*, review: Review) -> None:
    Review.objects.filter(pk=review.pk).update(records_version=F("records_version") + 1)
    registry.records_changed(review=review)
