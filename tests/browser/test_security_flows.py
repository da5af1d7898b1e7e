"""In a real browser: the API docs render offline under the CSP, and removing a member asks first."""

import pytest
from playwright.sync_api import expect

from reviewapp.models import Membership

from ..factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_render_from_local_files_under_the_policy(login, live_server, alice):
    page = login(alice)
    foreign = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else foreign.append(r.url))
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
    assert foreign == []


def test_removing_a_member_asks_for_confirmation_and_cancel_keeps_them(login, review, alice, bob):
    page = login(alice)
    page.goto(f"/reviews/{review.slug}/members/")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.locator("tr", has_text="bob").get_by_role("button", name="Remove").click()
    page.wait_for_timeout(300)
    assert questions == ["Remove bob from this review?"]
    assert Membership.objects.filter(review=review, user=bob).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr", has_text="bob").get_by_role("button", name="Remove").click()
    page.wait_for_load_state()
    expect(page.locator("tr", has_text="bob")).to_have_count(0)
    assert not Membership.objects.filter(review=review, user=bob).exists()
    assert UserFactory._meta.model.objects.filter(username="bob").exists()
