"""Meta-analysis in a real browser (issue 8, acceptance 6): the owner defines an analysis on consensus outcome
data, runs it, watches its progress (htmx polling while a background thread computes) and sees the forest
plot; a viewer then sees the same results but no run button."""

import time

import pytest
from playwright.sync_api import expect

from synthesis import compute
from synthesis.models import AnalysisRun
from tests.synthesis.conftest import enter_consensus, hba1c, normand, trial_form  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BASE = "/reviews/perinatal-msc/synthesis/analyses/"
SCREENSHOT = "/tmp/analysis-page-1366x768.png"


@pytest.fixture
def slow_plots(monkeypatch):
    """Make the run take long enough for its progress to be seen (the worker sleeps in the plot step)."""
    real = compute.forest_plot

    def slow(*args, **kwargs):
        time.sleep(1.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(compute, "forest_plot", slow)


@pytest.mark.usefixtures("hba1c", "normand", "slow_plots")
def test_owner_defines_runs_watches_progress_and_sees_the_forest_plot(login, settings, alice, vera):
    settings.TASKS_MODE = "thread"  # a background worker, as in the embedded server
    page = login(alice)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(BASE)
    page.get_by_test_id("analysis-new").click()
    form = page.get_by_test_id("analysis-form")
    form.get_by_label("Title").fill("HbA1c at 12 months")
    form.get_by_label("Time point").fill("12 months")
    form.get_by_label("Measure").select_option("MD")
    form.get_by_label("Model").select_option("random")
    form.get_by_label("τ² estimator").select_option("REML")
    form.get_by_test_id("analysis-save").click()
    expect(page.get_by_test_id("analysis-title")).to_have_text("HbA1c at 12 months")

    page.get_by_test_id("run-analysis").click()
    status = page.get_by_test_id("run-status")
    expect(status).to_have_attribute("data-status", "running", timeout=10_000)  # watched while it computes
    expect(status).to_contain_text("%")
    expect(page.get_by_test_id("forest-plot").locator("img")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    image = page.get_by_test_id("forest-plot").locator("img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    expect(page.get_by_test_id("result-k")).to_have_text("9")
    expect(page.get_by_test_id("result-estimate")).to_contain_text("−15.11")  # metafor REML -15.106
    assert AnalysisRun.objects.get().status == "succeeded"
    page.get_by_test_id("run-card").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOT, full_page=False)

    viewer = login(vera)
    viewer.goto(page.url)
    expect(viewer.get_by_test_id("result-k")).to_have_text("9")
    expect(viewer.get_by_test_id("run-analysis")).to_have_count(0)
