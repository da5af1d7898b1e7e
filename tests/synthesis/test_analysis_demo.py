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


def test_on_the_seed_extraction_it_pools_the_three_controlled_hba1c_effects(db):
    """Extraction's demo step enters the seed's HbA1c effects (illustrative spreads); this step pools them."""
    from extraction.demo import demo_extraction
    from extraction.demo_seed import CLINICAL, PRECLINICAL
    from reviewapp.models import Membership, Study
    from tests.factories import UserFactory

    seed = ReviewFactory(slug=SEED_SLUG, title="Seed review")
    for name, roles in (("owner", {"is_owner": True}), ("reviewer1", {"is_reviewer": True}),
                        ("reviewer2", {"is_reviewer": True})):  # fmt: skip
        Membership.objects.create(review=seed, user=UserFactory(username=name), **roles)
    for label in [*CLINICAL, *PRECLINICAL]:
        Study.objects.create(review=seed, label=label)
    demo_extraction(review=seed)

    demo_analysis(review=seed)

    analysis = Analysis.objects.get(review=seed)
    run = analysis.runs.get()
    assert "illustrative data" in analysis.title and analysis.time_point == "end of follow-up"
    assert run.status == JobStatus.SUCCEEDED and run.results["k"] == 3
    used = {e["study"]: e["used"] for e in run.inputs}
    assert used == {"Jiang 2011": False, "Kashbour 2025": True, "Nada 2025": True, "Zang 2022": True}
    assert run.results["estimate"] < 0 and "Zang 2022" in run.forest_svg
