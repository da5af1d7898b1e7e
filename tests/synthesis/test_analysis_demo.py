"""Demo step: on the seed review, one complete HbA1c meta-analysis when consensus outcome data exist;
nothing when they do not (the seed text itself has no per-arm SDs or CIs to enter)."""

import pytest

from reviewapp import registry
from synthesis.hooks import SEED_SLUG, demo_analysis
from synthesis.models import Analysis, JobStatus
from tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(db):
    return ReviewFactory(slug=SEED_SLUG, title="Seed review")


def test_demo_step_is_registered_for_the_seed_review():
    assert (SEED_SLUG, demo_analysis) in registry.DEMO_REVIEW_STEPS


def test_without_outcome_data_the_step_does_nothing(review, alice, hba1c):
    demo_analysis(review=review)
    assert not Analysis.objects.exists()


def test_with_hba1c_data_it_defines_and_runs_one_analysis_once(review, alice, hba1c, normand):
    demo_analysis(review=review)
    demo_analysis(review=review)  # load_demo runs steps on every call
    analysis = Analysis.objects.get()
    run = analysis.runs.get()
    assert (analysis.measure, analysis.model, run.status) == ("MD", "random", JobStatus.SUCCEEDED)
    assert run.results["k"] == 9 and "<svg" in run.forest_svg
