"""Invitations: an owner invites an e-mail address or a username; the membership exists only once the
invitee accepts through the link sent to them.

No enumeration: inviting a username answers the same whether or not such an account exists (an invitation
row is written either way; the e-mail goes out only when the account exists and has an address), so the
members page and the API never tell an owner which usernames exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from ..models import Invitation, InvitationStatus, Membership, Review, Role
from ..permissions import membership_for
from .audit import event_log
from .reviews import _role_flags

User = get_user_model()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    invitation: Invitation
    token: str  # shown once (the accept link); only its hash is stored


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_owner(review: Review, actor) -> None:
    member = membership_for(actor, review)
    if member is None or not member.is_owner:
        raise PermissionDenied("Only owners invite people to a review.")


def _invitee(to: str) -> dict[str, str]:
    to = (to or "").strip()
    if not to:
        raise ValidationError({"to": "Give an e-mail address or a username."})
    if "@" in to:
        try:
            validate_email(to)
        except ValidationError:
            raise ValidationError({"to": f"'{to}' is not a valid e-mail address."}) from None
        return {"email": to.lower(), "username": ""}
    if len(to) > 150:
        raise ValidationError({"to": "A username has at most 150 characters."})
    return {"email": "", "username": to}


def _recipient(invitee: dict[str, str]) -> str:
    if invitee["email"]:
        return invitee["email"]
    user = User.objects.filter(username__iexact=invitee["username"]).only("email").first()
    return user.email if user and user.email else ""


@transaction.atomic
def invitation_create(*, review: Review, actor, to: str, roles, accept_url: str) -> Sent:
    """Invite `to` (an e-mail address or a username) with `roles`; `accept_url` is the absolute URL of the
    accept page with "{token}" where the token goes. The e-mail is sent after the transaction commits."""
    _require_owner(review, actor)
    _role_flags(roles)  # refuses unknown roles and none
    invitee = _invitee(to)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        review=review,
        **invitee,
        roles=[role.value for role in Role if role.value in set(roles)],
        token_hash=token_hash(token),
        expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_DAYS),
        invited_by=actor,
    )
    event_log(
        review=review, actor=actor, verb="invitation.sent", to=invitation.invitee, roles=invitation.roles
    )
    recipient = _recipient(invitee)
    if recipient:
        link = accept_url.replace("{token}", token)
        transaction.on_commit(lambda: _send(invitation, actor, recipient, link))
    return Sent(invitation, token)


def _send(invitation: Invitation, actor, recipient: str, link: str) -> None:
    review = invitation.review
    body = (
        f"{actor.get_username()} invites you to the systematic review “{review.title}” as "
        f"{', '.join(invitation.roles)}.\n\nAccept (or decline) here, after logging in:\n{link}\n\n"
        f"The link is valid until {invitation.expires_at:%Y-%m-%d}. If you did not expect this, ignore it."
    )
    try:
        send_mail(f"Invitation to “{review.title}”", body, None, [recipient])
    except OSError:  # the invitation stands; the owner can pass on the link shown on the page
        log.exception("invitation %s: the e-mail could not be sent", invitation.pk)


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("review", "invited_by").filter(token_hash=token_hash(token)).first()
    )


def _require_answerable(invitation: Invitation, user) -> None:
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(f"This invitation was {invitation.get_status_display().lower()} already.")
    if invitation.expires_at <= timezone.now():
        raise ValidationError("This invitation has expired: ask the review's owner for a new one.")
    if invitation.username and invitation.username.lower() != user.get_username().lower():
        raise PermissionDenied("This invitation is for another account: log in as the invited user.")


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """The invitee accepts: they become a member with the invited roles (added to any they hold)."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_answerable(invitation, user)
    member = Membership.objects.select_for_update().filter(review=invitation.review, user=user).first()
    before = member.roles if member else []
    flags = _role_flags({*before, *invitation.roles})
    if member is None:
        member = Membership.objects.create(review=invitation.review, user=user, **flags)
    else:
        for field, value in flags.items():
            setattr(member, field, value)
        member.save()
    _answer(invitation, user, InvitationStatus.ACCEPTED)
    event_log(
        review=invitation.review,
        actor=user,
        verb="invitation.accepted",
        username=user.get_username(),
        before=before,
        after=member.roles,
    )
    return member


@transaction.atomic
def invitation_decline(*, invitation: Invitation, user) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_answerable(invitation, user)
    _answer(invitation, user, InvitationStatus.DECLINED)
    event_log(review=invitation.review, actor=user, verb="invitation.declined", to=invitation.invitee)


@transaction.atomic
def invitation_revoke(*, review: Review, actor, invitation_id: int) -> Invitation:
    _require_owner(review, actor)
    invitation = Invitation.objects.select_for_update().filter(review=review, pk=invitation_id).first()
    if invitation is None:
        raise ValidationError("No such invitation in this review.")
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(f"This invitation was {invitation.get_status_display().lower()} already.")
    _answer(invitation, actor, InvitationStatus.REVOKED)
    event_log(review=review, actor=actor, verb="invitation.revoked", to=invitation.invitee)
    return invitation


def _answer(invitation: Invitation, user, status: str) -> None:
    invitation.status, invitation.answered_by, invitation.answered_at = status, user, timezone.now()
    invitation.save(update_fields=["status", "answered_by", "answered_at", "updated_at"])
