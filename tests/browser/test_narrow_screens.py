"""Phone-width pages (375 px): a wide table scrolls inside its card, the page itself never gets wider
than the screen (no sideways scrolling of the whole page, no card cut off at the right edge)."""

import pytest
from django.contrib.auth import get_user_model

from extraction.models import Extraction
from reviewapp import registry
from reviewapp.models import Membership
from screening.services.votes import vote_cast
from synthesis.demo import seed_review_build
from synthesis.models import Analysis

from ..factories import ImportBatchFactory, RecordFactory
from ..screening.conftest import imported

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 375
OVERFLOW = """(width) => ({
  page: document.documentElement.scrollWidth,
  cards: [...document.querySelectorAll('.card')].map(c => Math.round(c.getBoundingClientRect().right))
           .filter(right => right > width),
})"""


def test_the_overview_home_and_sources_fit_a_phone_and_tables_scroll_in_their_cards(login, review, alice):
    ImportBatchFactory(
        source__review=review,
        source__name="Cochrane Central Register of Controlled Trials (CENTRAL), Wiley",
        file_name="central-perinatal-mesenchymal-stromal-cells-diabetes-2025-full-export.ris",
    )
    page = login(alice)
    page.set_viewport_size({"width": WIDTH, "height": 768})
    for path in (f"/reviews/{review.slug}/", "/", f"/reviews/{review.slug}/sources/"):
        page.goto(path)
        assert page.evaluate(OVERFLOW, WIDTH) == {"page": WIDTH, "cards": []}, path
    page.goto(f"/reviews/{review.slug}/")
    scroller = page.locator(".card .table-scroll").first  # records per source
    assert scroller.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    box = scroller.bounding_box()
    assert box is not None and box["x"] + box["width"] <= WIDTH


def test_a_record_the_conflicts_and_the_report_pages_fit_a_phone(login, review, alice, bob):
    Membership.objects.filter(user=alice).update(is_reviewer=True)
    record = RecordFactory(
        review=review,
        batch__source__review=review,
        title="Umbilical cord mesenchymal stromal cells for type 2 diabetes: a randomised controlled trial",
        keywords=["Mesenchymal Stem Cell Transplantation/*methods", "Diabetes Mellitus, Type 2/*therapy"] * 4,
        doi="10.1186/s13287-021-02345-6-a-very-long-suffix-without-any-break",
    )
    imported(review)
    for user, decision in ((alice, "include"), (bob, "exclude")):  # one conflict for the conflicts list
        vote_cast(review=review, actor=user, record_id=record.pk, stage="title_abstract", decision=decision)
    page = login(alice)
    page.set_viewport_size({"width": WIDTH, "height": 768})
    for path in (
        f"/reviews/{review.slug}/records/{record.pk}/",
        f"/reviews/{review.slug}/screening/conflicts/",
        f"/reviews/{review.slug}/synthesis/exports/",
        f"/reviews/{review.slug}/synthesis/report/",
        f"/reviews/{review.slug}/synthesis/prisma/",
    ):
        page.goto(path)
        assert page.evaluate(OVERFLOW, WIDTH) == {"page": WIDTH, "cards": []}, path
    page.goto(f"/reviews/{review.slug}/records/{record.pk}/")
    label, value = page.locator("dl.fields dt").first, page.locator("dl.fields dd").first
    label_box, value_box = label.bounding_box(), value.bounding_box()
    assert label_box and value_box and value_box["y"] >= label_box["y"] + label_box["height"] - 1  # stacked


def test_the_seed_reviews_analysis_extraction_and_report_pages_fit_a_phone_and_a_small_laptop(login):
    review = seed_review_build()
    for slug, step in registry.DEMO_REVIEW_STEPS:  # what load_demo adds: extraction, tables, the analysis
        if slug == review.slug:
            step(review=review)
    owner = get_user_model().objects.get(username="owner")
    owner.set_password("pw-for-tests-1")
    owner.save()
    analysis = Analysis.objects.filter(review=review).first()
    extraction = Extraction.objects.filter(form__review=review).first()
    assert analysis is not None and extraction is not None
    paths = [
        f"/reviews/{review.slug}/synthesis/analyses/{analysis.pk}/",
        f"/reviews/{review.slug}/extraction/x/{extraction.pk}/view/",
        f"/reviews/{review.slug}/synthesis/report/",
    ]
    page = login(owner)
    for width in (WIDTH, 1024):
        page.set_viewport_size({"width": width, "height": 768})
        for path in paths:
            page.goto(path)
            assert page.evaluate(OVERFLOW, width) == {"page": width, "cards": []}, (width, path)
    page.set_viewport_size({"width": WIDTH, "height": 768})
    page.goto(paths[0])
    delete = page.get_by_role("button", name="Delete")  # an outlined danger button: red on white
    colours = delete.evaluate("b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]")
    assert colours == ["rgb(179, 38, 30)", "rgb(255, 255, 255)"]  # --bad (#b3261e) on white
