"""The one blinding rule, for querysets: "may this user see others' judgements on this item?"

While a review is blind, someone else's judgement of an item (and the audit events about it) is visible
only once the item's independent work is complete — settled or in conflict (settle.may_see_others). Each
app says what "complete" means for its items as a Q expression; this module applies the rule.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .settle import may_see_others


def visible_judgements(
    queryset: QuerySet, *, review, user, complete: Q, judge_field: str = "reviewer"
) -> QuerySet:
    """`queryset` of judgements cut to those `user` may see: their own, and others' on complete items."""
    if not review.blind:
        return queryset
    return queryset.filter(Q(**{f"{judge_field}_id": user.pk}) | complete)


def may_see(review, *, user, judge_id: int | None, complete: bool) -> bool:
    """The same rule for one judgement already loaded (pages that show a single item)."""
    return may_see_others(blind=review.blind, own=judge_id == getattr(user, "pk", None), complete=complete)
