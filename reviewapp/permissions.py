"""Review membership and roles: the one place that decides who may see or do what.

A non-member gets 404 for a review and everything in it (it does not exist for them); a member
without the needed role gets 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import permissions

from .models import Membership, Review, Role


def membership_for(user, review: Review) -> Membership | None:
    if not user.is_authenticated:
        return None
    cache = getattr(user, "_membership_cache", None)
    if cache is None:
        cache = user._membership_cache = {}
    if review.pk not in cache:
        cache[review.pk] = Membership.objects.filter(review=review, user=user).first()
    return cache[review.pk]


def review_for(user, slug: str, *, role: str | None = None) -> tuple[Review, Membership]:
    """The review named by `slug` if `user` is a member (and holds `role`, when given)."""
    review = Review.objects.filter(slug=slug).first()
    member = membership_for(user, review) if review else None
    if review is None or member is None:
        raise Http404("No such review.")
    if role and not member.has(role):
        raise PermissionDenied(f"This needs the {Role(role).label.lower()} role in this review.")
    return review, member


def can_resolve_conflicts(review: Review, member: Membership) -> bool:
    return member.is_arbiter or (member.is_owner and review.owner_can_resolve)


class ReviewMemberPermission(permissions.BasePermission):
    """DRF: the view's `review` must be visible to the user; writes need `write_role` (default owner).

    Views set `required_roles = {"action": "role"}` to override per action.
    """

    def has_permission(self, request, view) -> bool:
        review, member = review_for(request.user, view.kwargs["review_slug"])
        view.review, view.member = review, member
        role = getattr(view, "required_roles", {}).get(getattr(view, "action", None))
        if role is None and request.method not in permissions.SAFE_METHODS:
            role = Role.OWNER
        if role and not member.has(role):
            raise PermissionDenied(f"This needs the {Role(role).label.lower()} role in this review.")
        return True
