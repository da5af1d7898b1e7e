"""Demo step: the seed review's Tables 1 and 2 extracted by two reviewers through the services, settled by
agreement or by their consensus, and shown by the two characteristics tables."""

import pytest

from extraction import demo_seed
from extraction.demo import SLUG, demo_extraction
from extraction.hooks import demo_step
from extraction.models import Consensus, ConsensusMethod, Extraction, ExtractionStatus, TableLayout
from extraction.selectors import characteristics_table, outcome_data_for_analysis
from reviewapp import registry
from reviewapp.models import AuditEvent, Membership, Study
from tests.factories import ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db
LABELS = [*demo_seed.CLINICAL, *demo_seed.PRECLINICAL]


@pytest.fixture
def seed_review(db):
    review = ReviewFactory(slug=SLUG, title="Seed review")
    for name, roles in (("owner", {"is_owner": True}), ("reviewer1", {"is_reviewer": True}),
                        ("reviewer2", {"is_reviewer": True}), ("viewer", {"is_viewer": True})):  # fmt: skip
        Membership.objects.create(review=review, user=UserFactory(username=name), **roles)
    for label in LABELS:
        Study.objects.create(review=review, label=label)
    return review


def test_the_step_is_registered_for_the_seed_review():
    assert (SLUG, demo_step) in registry.DEMO_REVIEW_STEPS


def test_the_seed_extraction_is_entered_settled_and_tabled(seed_review):
    """One run of the step (it enters ~600 values through the services), checked from every side."""
    assert demo_extraction(review=seed_review) == 14
    _every_study_is_extracted_twice_and_settled(seed_review)
    _the_differences_settle_on_the_seeds_readings(seed_review)
    _the_characteristics_tables_hold_the_seeds_tables_1_and_2(seed_review)
    _hba1c_rows_say_their_spreads_are_illustrative(seed_review)
    events = AuditEvent.objects.filter(review=seed_review).count()
    assert demo_extraction(review=seed_review) == 14  # load_demo runs it on every call: nothing changes
    assert AuditEvent.objects.filter(review=seed_review).count() == events
    _nothing_is_left_to_extract(seed_review)


def _nothing_is_left_to_extract(seed_review):
    """Each study was extracted with its own form (clinical or preclinical) and settled: the overview's
    next tasks offer no study to extract, to a reviewer who extracted them nor to one who did not."""
    Membership.objects.filter(review=seed_review, user__username="owner").update(is_reviewer=True)
    for name in ("reviewer1", "owner"):
        member = Membership.objects.get(review=seed_review, user__username=name)
        kinds = {task.kind for task in registry.next_tasks([member])[seed_review.pk]}
        assert not kinds & {"extract", "settle_extraction"}, (name, kinds)


def _every_study_is_extracted_twice_and_settled(seed_review):
    submitted = Extraction.objects.filter(review=seed_review, status=ExtractionStatus.SUBMITTED)
    assert set(submitted.values_list("reviewer__username", flat=True)) == {"reviewer1", "reviewer2"}
    assert submitted.count() == 28
    methods = dict(Consensus.objects.filter(review=seed_review).values_list("study__label", "method"))
    settled = {study for study, *_ in demo_seed.DIFFERENCES}
    assert {label for label, m in methods.items() if m == ConsensusMethod.CONSENSUS} == settled
    assert set(methods) == set(LABELS)


def _the_differences_settle_on_the_seeds_readings(seed_review):
    kashbour = Consensus.objects.get(review=seed_review, study__label="Kashbour 2025")
    effects = kashbour.answers["meta_analysis"]["pooled_effects"]
    assert "14.5 units/day in Table 1" in effects and "14.6 IU/day" in effects
    hendrawan = Consensus.objects.get(review=seed_review, study__label="Hendrawan 2021")
    assert hendrawan.answers["study"]["design"] == "in_vitro_in_vivo"  # Table 2: in vitro + in vivo
    assert set(kashbour.settlements) == {"meta_analysis.pooled_effects"}


def _the_characteristics_tables_hold_the_seeds_tables_1_and_2(seed_review):
    table1 = characteristics_table(TableLayout.objects.get(review=seed_review, title=demo_seed.TABLE1_TITLE))
    table2 = characteristics_table(TableLayout.objects.get(review=seed_review, title=demo_seed.TABLE2_TITLE))
    assert [row[0] for row in table1.rows] == sorted(demo_seed.CLINICAL)
    assert [row[0] for row in table2.rows] == sorted(demo_seed.PRECLINICAL)
    zang = next(row for row in table1.rows if row[0] == "Zang 2022")
    assert zang[1:4] == [
        "Randomised controlled trial",
        "Adults with insulin-dependent T2DM (n = 91: 61 UC-MSC, 30 placebo)",
        "Umbilical cord (UC-MSC)",
    ]
    kim = next(row for row in table2.rows if row[0] == "Kim 2023")
    assert kim[1:5] == ["In vivo", "Rats with diabetic retinopathy (preventive model)",
                        "Exosome-enriched conditioned medium", "Amniotic membrane"]  # fmt: skip


def _hba1c_rows_say_their_spreads_are_illustrative(seed_review):
    rows = outcome_data_for_analysis(seed_review, "hba1c", "end of follow-up")
    assert [r["study_label"] for r in rows] == ["Jiang 2011", "Kashbour 2025", "Nada 2025", "Zang 2022"]
    records = Consensus.objects.filter(study__label__in=[r["study_label"] for r in rows])
    assert all("illustrative: not reported in the seed" in c.outcomes[0]["note"] for c in records)
    zang = next(r for r in rows if r["study_label"] == "Zang 2022")
    assert [(a["arm"], a["n"], a["mean"]) for a in zang["arms"]] == [
        ("UC-MSC", 61, -1.3),
        ("Placebo", 30, -0.6),
    ]
    assert not any(r["problems"] for r in rows)


def test_without_the_seed_studies_it_does_nothing(db):
    review = ReviewFactory(slug=SLUG, title="Seed review")
    assert demo_extraction(review=review) == 0
    assert not Extraction.objects.exists()
