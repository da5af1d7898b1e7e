"""The report page of the seed review in a real browser: the PRISMA diagram with the seed's numbers, the
characteristics tables (Tables 1 and 2), the ROBINS-I table (Table 3) and plots, and the forest plot."""

import os
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from reviewapp import registry
from synthesis.demo import seed_review_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOT = os.environ.get("REPORT_SCREENSHOT", "")


def _loaded_images(locator) -> list[int]:
    return locator.evaluate_all("images => images.map(i => i.complete ? i.naturalWidth : 0)")


def test_the_report_of_the_seed_review_shows_its_flow_tables_risk_of_bias_and_forest_plot(login):
    review = seed_review_build()
    for slug, step in registry.DEMO_REVIEW_STEPS:  # what load_demo adds: extraction, Table 3, the analysis
        if slug == review.slug:
            step(review=review)
    viewer = get_user_model().objects.get(username="viewer")
    viewer.set_password("pw-for-tests-1")
    viewer.save()
    page = login(viewer)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/reviews/{review.slug}/synthesis/report/")

    diagram = re.sub(r"\s", "", page.get_by_test_id("report-prisma").text_content())
    seed = ["PubMed/MEDLINE (n = 520)", "Records screened (n = 960)", "Records excluded (n = 870)"]
    seed += ["Reports assessed for eligibility (n = 86)", "New studies included in review (n = 14)"]
    for text in seed:
        assert re.sub(r"\s", "", text) in diagram

    tables = page.get_by_test_id("report-characteristics-table")
    expect(tables).to_have_count(2)
    expect(tables.nth(0).locator("tbody tr")).to_have_count(6)
    expect(tables.nth(1).locator("tbody tr")).to_have_count(8)
    expect(tables.nth(0)).to_contain_text(
        "Adults with insulin-dependent T2DM (n = 91: 61 UC-MSC, 30 placebo)"
    )
    expect(tables.nth(1)).to_contain_text("Rats with diabetic retinopathy (preventive model)")

    table3 = page.get_by_test_id("report-rob-robins_i").get_by_test_id("report-rob-table")
    expect(table3.locator("thead th")).to_have_count(4)
    header = table3.locator("thead th").all_text_contents()
    assert header[0] == "ROBINS-I domain" and sorted(header[1:]) == ["Chin 2025", "Jiang 2011", "Lian 2022"]
    overall = table3.locator("tbody tr").last
    expect(overall.locator("td")).to_have_text(["Serious", "Serious", "Serious"])
    expect(table3).to_contain_text("Serious – retrospective inclusion, incomplete registry cohort")
    assert all(_loaded_images(page.get_by_test_id("report-traffic-light").locator("img")))

    analysis = page.get_by_test_id("report-analysis")
    expect(analysis).to_have_count(1)
    expect(analysis.locator("h3")).to_contain_text("illustrative data")
    expect(analysis.get_by_test_id("result-k")).to_have_text("3")
    forest = analysis.get_by_test_id("report-forest").locator("img")
    forest.scroll_into_view_if_needed()
    assert _loaded_images(forest)[0] > 300
    expect(analysis.get_by_test_id("report-data-notes")).to_contain_text(
        "illustrative: not reported in the seed"
    )
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
        forest.screenshot(path=SCREENSHOT.replace(".png", "-forest.png"))
