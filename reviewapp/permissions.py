"""Review membership and roles: the one place that decides who may see or do what, for pages and API.

A non-member gets 404 for a review and everything in it (it does not exist for them); a member without
the needed role gets 403. A *rule* is a role ("owner"), a tuple of roles (any one suffices) or a
predicate `(review, member) -> bool` (e.g. `can_resolve_conflicts`).

- pages and services: `member_or_404(user, review_slug, role=rule)` -> (review, member)
- API viewsets: `permission_classes = [IsAuthenticated, ReviewPermission]` and
  `action_rules = {"action": rule}`; reads need membership only, writes a view does not list need the
  owner. The services check the same rules again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import permissions

from .models import Membership, Review, Role

Rule = str | Iterable[str] | Callable[[Review, Membership], bool]
REVIEWER = (Role.REVIEWER,)
OWNER = (Role.OWNER,)
OWNER_OR_REVIEWER = (Role.OWNER, Role.REVIEWER)


def membership_for(user, review: Review) -> Membership | None:
    if not user.is_authenticated:
        return None
    cache = getattr(user, "_membership_cache", None)
    if cache is None:
        cache = user._membership_cache = {}
    if review.pk not in cache:
        cache[review.pk] = Membership.objects.filter(review=review, user=user).first()
    return cache[review.pk]


def allowed(review: Review, member: Membership, rule: Rule) -> bool:
    if callable(rule):
        return bool(rule(review, member))
    roles = (rule,) if isinstance(rule, str) else tuple(rule)
    return any(member.has(role) for role in roles)


def _refusal(rule: Rule) -> str:
    if isinstance(rule, str):
        return f"This needs the {Role(rule).label.lower()} role in this review."
    return "Your role in this review does not allow this."


def member_or_404(user, review_slug: str, *, role: Rule | None = None) -> tuple[Review, Membership]:
    """The review named by `review_slug` if `user` is a member (and satisfies `role`, when given)."""
    review = Review.objects.filter(slug=review_slug).first()
    member = membership_for(user, review) if review else None
    if review is None or member is None:
        raise Http404("No such review.")
    if role is not None and not allowed(review, member, role):
        raise PermissionDenied(_refusal(role))
    return review, member


def can_resolve_conflicts(review: Review, member: Membership) -> bool:
    return member.is_arbiter or (member.is_owner and review.owner_can_resolve)


class ReviewPermission(permissions.BasePermission):
    """DRF: the view's review (`review_slug` URL kwarg) must be visible to the user; the view's
    `action_rules = {"action": rule}` names who may do each action; unlisted writes need the owner."""

    def has_permission(self, request, view) -> bool:
        review, member = member_or_404(request.user, view.kwargs["review_slug"])
        view.review, view.member = review, member
        rule = getattr(view, "action_rules", {}).get(getattr(view, "action", None))
        if rule is None and request.method not in permissions.SAFE_METHODS:
            rule = Role.OWNER
        if rule is not None and not allowed(review, member, rule):
            raise PermissionDenied(_refusal(rule))
        return True
