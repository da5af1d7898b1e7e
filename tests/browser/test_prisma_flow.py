"""The PRISMA page in a real browser: the seed review's numbers, and a box click lists its records."""

import os
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from synthesis.demo import seed_review_build
from synthesis.prisma_selectors import box_records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOT = os.environ.get("PRISMA_SCREENSHOT", "")


def test_the_prisma_page_shows_the_seed_numbers_and_a_box_lists_its_records(login):
    review = seed_review_build()
    viewer = get_user_model().objects.get(username="viewer")
    viewer.set_password("pw-for-tests-1")
    viewer.save()
    page = login(viewer)
    page.goto(f"/reviews/{review.slug}/synthesis/prisma/")
    expect(page.get_by_test_id("prisma-diagram")).to_contain_text("Records identified from:")
    # wrapped lines are separate <text> elements: compare without white space
    shown = re.sub(r"\s", "", page.get_by_test_id("prisma-diagram").text_content())
    for text in ("PubMed/MEDLINE (n = 520)", "Web of Science Core Collection (n = 380)", "Scopus (n = 410)",
                 "Cochrane CENTRAL (n = 60)", "ClinicalTrials.gov (n = 30)", "Duplicate records (n = 420)",
                 "Records removed for other reasons (n = 20)", "Records screened (n = 960)",
                 "Records excluded (n = 870)", "Reports sought for retrieval (n = 90)",
                 "Reports not retrieved (n = 4)", "Reports assessed for eligibility (n = 86)",
                 "Reports excluded (n = 72)", "New studies included in review (n = 14)"):  # fmt: skip
        assert re.sub(r"\s", "", text) in shown
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
    page.locator('g[data-box="dbr_notretrieved_reports"] text').first.click()
    page.wait_for_url("**/prisma/records/?box=dbr_notretrieved_reports")
    rows = page.get_by_test_id("box-records").locator("tbody tr")
    expect(rows).to_have_count(4)
    shown = sorted(int(row.get_attribute("data-record")) for row in rows.all())
    assert shown == sorted(box_records(review, "dbr_notretrieved_reports").values_list("pk", flat=True))
