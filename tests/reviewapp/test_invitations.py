"""Invitations (issue 13 item 15, issue 15 item 5): an owner invites an e-mail address or a username; the
membership exists only once the invitee accepts; the members page and API give the same answer whether or
not a username exists; only staff create accounts."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from reviewapp.models import AuditEvent, Invitation, InvitationStatus, Membership
from reviewapp.services import invitations as services

from ..factories import UserFactory

SLUG = "perinatal-msc"
MEMBERS = f"/reviews/{SLUG}/members/"
API = f"/api/v1/reviews/{SLUG}/members/"
LINK = re.compile(r"https?://[^\s]+/invitations/[-\w]+/")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _invite(alice, to, roles=("reviewer",)):
    return services.invitation_create(
        review=alice.memberships.first().review,
        actor=alice,
        to=to,
        roles=list(roles),
        accept_url="http://testserver/invitations/{token}/",
    )


def test_an_invited_address_gets_a_link_and_joins_only_on_accepting(
    review, alice, django_capture_on_commit_callbacks
):
    newcomer = UserFactory(username="nina", email="nina@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(alice).post(
            MEMBERS, {"to": "Nina@Example.org", "roles": ["reviewer", "arbiter"]}
        )
    assert response.status_code == 302
    assert not Membership.objects.filter(review=review, user=newcomer).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nina@example.org"]
    link = LINK.search(mail.outbox[0].body).group(0)
    client = logged_in(newcomer)
    page = client.get(link.replace("http://testserver", "")).content.decode()
    assert review.title in page and 'data-testid="invitation-accept"' in page
    response = client.post(link.replace("http://testserver", ""), {"answer": "accept"})
    assert response["Location"] == f"/reviews/{SLUG}/"
    assert Membership.objects.get(review=review, user=newcomer).roles == ["reviewer", "arbiter"]
    assert Invitation.objects.get().status == InvitationStatus.ACCEPTED
    assert AuditEvent.objects.filter(verb="invitation.accepted", actor=newcomer).exists()


def test_the_answer_is_the_same_for_an_existing_and_an_unknown_username(review, alice):
    UserFactory(username="nina", email="nina@example.org")
    client = logged_in(alice)

    def answer(to):
        response = client.post(MEMBERS, {"to": to, "roles": ["reviewer"]}, follow=True)
        html = response.content.decode()
        banner = re.search(r"Invitation for “[^”]+” recorded\.[^<]*", html).group(0)
        return (
            response.status_code,
            LINK.sub("LINK", banner.replace(to, "NAME")),
            html.count('data-testid="invitation"'),
        )

    known, unknown = answer("nina"), answer("ghost")
    assert known[:2] == unknown[:2]
    assert (known[2], unknown[2]) == (1, 2)  # both listed as pending: the list does not tell either
    assert not Membership.objects.filter(review=review, user__username="nina").exists()


def test_the_api_answers_the_same_for_an_existing_and_an_unknown_username(api, review, alice):
    UserFactory(username="nina")
    client = api(alice)
    known = client.post(API, {"username": "nina", "roles": ["reviewer"]}, format="json")
    unknown = client.post(API, {"username": "ghost", "roles": ["reviewer"]}, format="json")
    assert known.status_code == unknown.status_code == 202

    def shape(body):
        return {
            k: v for k, v in body.items() if k not in ("id", "to", "accept_url", "created_at", "expires_at")
        }

    assert shape(known.json()) == shape(unknown.json())
    assert set(known.json()) == set(unknown.json())


def test_a_username_invitation_is_accepted_only_by_that_account(review, alice):
    nina, mallory = UserFactory(username="nina"), UserFactory(username="mallory")
    sent = _invite(alice, "nina")
    with pytest.raises(PermissionDenied):
        services.invitation_accept(invitation=sent.invitation, user=mallory)
    services.invitation_accept(invitation=sent.invitation, user=nina)
    assert Membership.objects.get(review=review, user=nina).roles == ["reviewer"]


def test_an_expired_or_answered_invitation_cannot_be_accepted(review, alice):
    nina = UserFactory(username="nina")
    sent = _invite(alice, "nina")
    Invitation.objects.filter(pk=sent.invitation.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(invitation=sent.invitation, user=nina)
    again = _invite(alice, "nina")
    services.invitation_decline(invitation=again.invitation, user=nina)
    with pytest.raises(ValidationError, match="declined already"):
        services.invitation_accept(invitation=again.invitation, user=nina)
    assert not Membership.objects.filter(review=review, user=nina).exists()


def test_the_owner_revokes_a_pending_invitation(review, alice):
    nina = UserFactory(username="nina")
    sent = _invite(alice, "nina")
    logged_in(alice).post(f"{MEMBERS}invitations/{sent.invitation.pk}/revoke/")
    assert Invitation.objects.get().status == InvitationStatus.REVOKED
    with pytest.raises(ValidationError, match="revoked"):
        services.invitation_accept(invitation=sent.invitation, user=nina)


@pytest.mark.parametrize(("persona", "status"), [("reviewer", 403), ("viewer", 403), ("outsider", 404)])
def test_only_owners_invite(team, persona, status):
    response = logged_in(team[persona]).post(MEMBERS, {"to": "x@example.org", "roles": ["viewer"]})
    assert response.status_code == status
    assert not Invitation.objects.exists()


def test_an_unknown_token_is_a_404(review, alice):
    assert logged_in(alice).get("/invitations/not-a-token/").status_code == 404


def test_only_staff_see_and_use_the_account_form(review, alice):
    client = logged_in(alice)
    assert "Create an account" not in client.get(MEMBERS).content.decode()
    body = {"new-username": "eve", "new-password": "a-long-Passw0rd!", "new-roles": ["viewer"]}
    assert client.post(f"{MEMBERS}new-account/", body).status_code == 403
    assert not Membership.objects.filter(user__username="eve").exists()


def test_the_token_is_stored_hashed(review, alice):
    sent = _invite(alice, "someone@example.org")
    assert sent.token not in Invitation.objects.values_list("token_hash", flat=True)[0]
    assert services.invitation_for_token(sent.token) == sent.invitation
