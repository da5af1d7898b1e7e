"""Who may do what in data extraction (pages and API call these; services check them again).

Non-members get 404 (reviewapp.permissions.member_or_404). Owners build forms and tables; only reviewers
extract; consensus is settled by the arbiter, by the owner if the review allows owners to resolve, or by the
reviewers themselves if the review allows consensus; viewers read consensus data only.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from reviewapp.models import Membership, Review
from reviewapp.permissions import can_resolve_conflicts, membership_for


def may_settle(review: Review, member: Membership | None) -> bool:
    if member is None:
        return False
    return can_resolve_conflicts(review, member) or (member.is_reviewer and review.allow_consensus)


def may_read_extractions(member: Membership | None) -> bool:
    """Individual extractions are for the team (blinding applies); viewers see consensus data only."""
    return member is not None and member.is_team


def require(review: Review, actor, role: str, message: str) -> Membership:
    member = membership_for(actor, review)
    if member is None or not member.has(role):
        raise PermissionDenied(message)
    return member


def require_settler(review: Review, actor) -> Membership:
    member = membership_for(actor, review)
    if not may_settle(review, member):
        raise PermissionDenied(
            "Only the arbiter, the owner (if allowed) or the reviewers (if consensus is allowed) settle."
        )
    return member
