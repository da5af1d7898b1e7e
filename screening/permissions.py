"""Who may do what in screening, for the API (pages call reviewapp.permissions.review_for directly).

Non-members get 404 (the review does not exist for them). Reads need membership only; every write names the
roles that may make it in `action_roles` (any one of them suffices), or a predicate taking (review, member).
Writes a view does not list need the owner. The services check the same rules again.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from rest_framework import permissions

from reviewapp.models import Role
from reviewapp.permissions import can_resolve_conflicts, review_for

REVIEWER = (Role.REVIEWER,)
OWNER = (Role.OWNER,)
OWNER_OR_REVIEWER = (Role.OWNER, Role.REVIEWER)


def may_resolve(review, member) -> bool:
    return can_resolve_conflicts(review, member)


class ScreeningPermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        review, member = review_for(request.user, view.kwargs["review_slug"])
        view.review, view.member = review, member
        rule = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        if rule is None:
            if request.method in permissions.SAFE_METHODS:
                return True
            rule = OWNER
        allowed = rule(review, member) if callable(rule) else any(member.has(role) for role in rule)
        if not allowed:
            raise PermissionDenied("Your role in this review does not allow this.")
        return True
