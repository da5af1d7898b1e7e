"""Small daily-use defects found clicking through the seed demo at 1366x768: the duplicate queue opens at
its top (not scrolled to the first pair, hiding the heading and tabs), and the key hint on the green
"Merge" button is readable (it was a blank white box outside the screening pages)."""

import pytest
from playwright.sync_api import expect

from reviewapp.models import DuplicateCandidate

from ..factories import ImportBatchFactory, RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_duplicate_queue_opens_at_its_top_with_readable_key_hints(login, review, alice):
    batch = ImportBatchFactory(source__review=review)
    for _ in range(2):
        a, b = RecordFactory(batch=batch), RecordFactory(batch=batch)
        DuplicateCandidate.objects.create(review=review, record_a=a, record_b=b, score=0.8)
    page = login(alice)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/reviews/{review.slug}/duplicates/")
    expect(page.locator("[data-pair].current")).to_have_count(1)  # the first pair is highlighted ...
    assert page.evaluate("window.scrollY") == 0  # ... but the page is not scrolled to it
    merge = page.get_by_test_id("pair-merge").first
    button, hint = (
        merge.evaluate("el => getComputedStyle(el).color"),
        merge.locator("kbd").evaluate(
            "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
        ),
    )
    assert hint[0] == button  # white on the green button, like the label beside it
    assert hint[1] != "rgb(255, 255, 255)"
