"""RoB 2 per result: the assessor picks the result from the study's extracted outcomes x time points
(consensus outcome rows) -- service, page and API -- or types it when no extraction exists."""

import pytest
from django.core.exceptions import ValidationError

from extraction.rob import services
from extraction.rob.models import RobItem
from extraction.selectors import study_results

pytestmark = pytest.mark.django_db
PAGE = "/reviews/perinatal-msc/risk-of-bias"
API = "/api/v1/reviews/perinatal-msc/risk-of-bias"


@pytest.fixture
def extracted(studies, bob, carol, extract):
    """Zang 2022 has consensus outcome data: HbA1c at 12 months (two identical extractions agree)."""
    extract(bob, studies[0])
    extract(carol, studies[0])
    return studies[0]


def test_the_study_results_are_its_consensus_outcome_rows(review, extracted, studies, hba1c):
    results = study_results(review)
    assert [(r.study_id, r.outcome.pk, r.time_point, r.label) for r in results] == [
        (extracted.pk, hba1c.pk, "12 months", "HbA1c at 12 months")
    ]
    assert study_results(review, studies[1].pk) == []


def test_a_result_picked_from_the_extraction_links_the_outcome(review, bob, extracted, hba1c):
    a = services.assessment_start(review=review, actor=bob, study_id=extracted.pk, tool="rob2",
                                  outcome_id=hba1c.pk)  # fmt: skip
    item = RobItem.objects.get(pk=a.item_id)
    assert (item.outcome_id, item.outcome_label, item.timepoint) == (hba1c.pk, "HbA1c", "12 months")
    again = services.assessment_start(review=review, actor=bob, study_id=extracted.pk, tool="rob2",
                                      outcome_id=hba1c.pk, timepoint=" 12  Months ")  # fmt: skip
    assert again.pk == a.pk


def test_a_result_the_study_has_no_data_for_is_refused_naming_what_it_has(review, bob, extracted, hba1c):
    with pytest.raises(ValidationError) as error:
        services.assessment_start(review=review, actor=bob, study_id=extracted.pk, tool="rob2",
                                  outcome_id=hba1c.pk, timepoint="3 months")  # fmt: skip
    assert "Zang 2022 has no consensus outcome data for HbA1c at 3 months" in str(error.value)
    assert "its extracted results: HbA1c at 12 months" in str(error.value)
    assert not RobItem.objects.exists()


def test_without_extraction_the_result_is_typed_and_has_no_outcome(review, bob, studies, hba1c):
    with pytest.raises(ValidationError, match="has no consensus outcome data"):
        services.assessment_start(review=review, actor=bob, study_id=studies[1].pk, tool="rob2",
                                  outcome_id=hba1c.pk)  # fmt: skip
    a = services.assessment_start(review=review, actor=bob, study_id=studies[1].pk, tool="rob2",
                                  outcome_label="HbA1c", timepoint="6 months")  # fmt: skip
    assert RobItem.objects.get(pk=a.item_id).outcome_id is None


def test_an_outcome_is_never_linked_for_robins_i(review, bob, extracted, hba1c):
    a = services.assessment_start(review=review, actor=bob, study_id=extracted.pk, tool="robins_i",
                                  outcome_id=hba1c.pk)  # fmt: skip
    item = RobItem.objects.get(pk=a.item_id)
    assert (item.outcome_id, item.outcome_label, item.timepoint) == (None, "", "")


def test_the_start_form_offers_each_studys_extracted_results(client, bob, extracted, hba1c):
    client.force_login(bob)
    html = client.get(f"{PAGE}/").content.decode()
    group = f'<optgroup label="Zang 2022" data-study="{extracted.pk}">'
    assert group in html and f'<option value="{hba1c.pk}|12 months">HbA1c at 12 months</option>' in html
    response = client.post(f"{PAGE}/start/", {"study": extracted.pk, "tool": "rob2",
                                              "result": f"{hba1c.pk}|12 months"})  # fmt: skip
    item = RobItem.objects.get()
    assert response.status_code == 302 and (item.outcome_id, item.timepoint) == (hba1c.pk, "12 months")


def test_the_api_starts_an_assessment_of_an_extracted_result(api, bob, extracted, hba1c, studies):
    client = api(bob)
    start = {"study": extracted.pk, "tool": "rob2", "outcome": hba1c.pk}
    created = client.post(f"{API}/assessments/", start, format="json")
    assert created.status_code == 201, created.content
    item = created.json()["item"]
    assert (item["outcome"], item["result"]) == (hba1c.pk, "HbA1c at 12 months")
    refused = client.post(f"{API}/assessments/", {**start, "study": studies[1].pk}, format="json")
    assert refused.status_code == 400 and "outcome" in refused.json()
