"""The review navigation at laptop widths: at 1366 px every link (16 for an owner who also reviews) sits on
one row under the brand on every review page; at 1024 px the links that would wrap move into "More", whose
menu opens and leads to them, and marks itself current when the page's own link is inside it."""

import pytest
from playwright.sync_api import expect

from reviewapp.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REVIEW = "/reviews/perinatal-msc/"
ROWS = """() => {
  const shown = [...document.querySelectorAll('.review-nav > a, .review-nav > .nav-more:not([hidden])')];
  return new Set(shown.map((el) => Math.round(el.getBoundingClientRect().top))).size;
}"""


def nav_links(page) -> list[str]:
    return page.eval_on_selector_all(".review-nav a", "links => links.map(a => a.getAttribute('href'))")


def test_every_review_page_keeps_the_navigation_on_one_row_at_1366(login, review, alice):
    Membership.objects.filter(review=review, user=alice).update(is_reviewer=True)
    page = login(alice)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(REVIEW)
    hrefs = nav_links(page)
    assert len(hrefs) == 16 and hrefs[-1] == f"{REVIEW}settings/"
    for href in hrefs:
        page.goto(href)
        assert page.evaluate(ROWS) == 1, href
        expect(page.get_by_test_id("nav-more")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, href


def test_at_1024_the_links_that_do_not_fit_are_under_more(login, review, alice):
    Membership.objects.filter(review=review, user=alice).update(is_reviewer=True)
    page = login(alice)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{REVIEW}members/")
    assert page.evaluate(ROWS) == 1
    more = page.get_by_test_id("nav-more")
    expect(more).to_be_visible()
    expect(more).to_have_class("nav-more current")  # the Members link is in the menu
    assert len(nav_links(page)) == 16  # every link is still there, in the row or the menu
    settings = more.get_by_role("link", name="Settings")
    expect(settings).to_be_hidden()
    more.locator("summary").click()
    settings.click()
    expect(page.get_by_role("heading", name="Review settings")).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 768})  # wider again: all back in the row
    expect(page.get_by_test_id("nav-more")).to_be_hidden()
    assert page.evaluate(ROWS) == 1
