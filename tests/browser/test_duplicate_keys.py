"""The duplicate queue by keyboard, as in screening: M merges the highlighted pair, N says "not a
duplicate", J/K and the arrows move, ? shows the legend; each pair says why it is uncertain."""

import pytest
from playwright.sync_api import expect

from reviewapp.models import CandidateStatus, DuplicateCandidate, Record

from ..factories import ImportBatchFactory, RecordFactory, SearchSourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pair(review, batch, title, score, guard, reasons):
    a = RecordFactory(batch=batch, title=title)
    b = RecordFactory(batch=batch, title=title + ".")
    return DuplicateCandidate.objects.create(
        review=review, record_a=a, record_b=b, score=score, guard=guard, reasons=reasons
    )


def test_owner_decides_two_pairs_by_keyboard(login, review, alice):
    batch = ImportBatchFactory(source=SearchSourceFactory(review=review, name="Embase"))
    first = _pair(
        review,
        batch,
        "Cord blood MSCs in type 2 diabetes: a randomised trial",
        0.95,
        "identifiers conflict: different DOI",
        ["same title", "same first author", "different DOI"],
    )
    second = _pair(
        review,
        batch,
        'Editorial <img src=x onerror="window.pwned=1">',
        0.90,
        "generic title: journal, volume, issue and pages must all agree",
        ["same title", "same year"],
    )
    page = login(alice)
    page.goto(f"/reviews/{review.slug}/duplicates/")

    first_card, second_card = page.locator(f"#pair-{first.pk}"), page.locator(f"#pair-{second.pk}")
    expect(first_card).to_have_class(r"card pair current")  # the best-scored pair is highlighted
    expect(first_card.get_by_test_id("pair-guard")).to_contain_text("identifiers conflict: different DOI")
    expect(first_card.get_by_test_id("pair-conflict")).to_have_text("different DOI")
    expect(second_card).to_contain_text('Editorial <img src=x onerror="window.pwned=1">')  # shown as text

    # Moving does not decide anything.
    page.keyboard.press("j")
    expect(second_card).to_have_class(r"card pair current")
    page.keyboard.press("ArrowLeft")
    expect(first_card).to_have_class(r"card pair current")

    page.keyboard.press("m")
    expect(page.locator(f"#pair-{first.pk}")).to_contain_text("Merged: the pair now counts as one record.")
    # The highlight goes on to the next pair still to decide.
    expect(page.locator(f"#pair-{second.pk}")).to_have_class(r"card pair current")
    page.keyboard.press("n")
    expect(page.locator(f"#pair-{second.pk}")).to_contain_text("Marked as not a duplicate.")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (CandidateStatus.MERGED, CandidateStatus.REJECTED)
    assert Record.objects.filter(review=review, duplicate_of__isnull=False).count() == 1
    assert page.evaluate("window.pwned") is None

    legend = page.get_by_test_id("dup-key-legend")
    expect(legend).to_be_visible()
    page.keyboard.press("?")
    expect(legend).to_be_hidden()
