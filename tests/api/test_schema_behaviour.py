"""What the schema says is what the API does (issue #12): path names, parameter types, defaults, and the
parameters each operation really reads."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from reviewapp.api.fields import MAX_ID
from reviewapp.models import Record
from screening.models import Stage, Vote

from ..factories import RecordFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reviews/perinatal-msc"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _params(schema, path, method="get"):
    return {
        p["name"]: p
        for p in schema["paths"][f"/api/v1/reviews/{{review_slug}}{path}"][method].get("parameters", [])
    }


def test_every_path_names_the_review_review_slug(schema):
    paths = [p for p in schema["paths"] if p.startswith("/api/v1/reviews/{")]
    assert "/api/v1/reviews/{review_slug}/" in paths
    assert [p for p in paths if not p.startswith("/api/v1/reviews/{review_slug}/")] == []


def test_the_review_is_read_and_updated_under_review_slug(api, alice, review):
    assert api(alice).get(f"{BASE}/").json()["slug"] == review.slug
    response = api(alice).patch(f"{BASE}/", {"title": "Renamed"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Renamed"


@pytest.mark.parametrize(
    "path, name",
    [
        ("/records/", "batch"),
        ("/screening/votes/", "record"),
        ("/screening/conflicts/", "record"),
        ("/screening/verdicts/", "record"),
        ("/extraction/extractions/", "study"),
        ("/risk-of-bias/assessments/", "item"),
    ],
)
def test_id_filters_are_typed_as_64_bit_integers(schema, path, name):
    found = _params(schema, path)[name]["schema"]
    assert found == {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}


def test_year_filters_are_integers(schema):
    assert _params(schema, "/records/")["year_min"]["schema"]["type"] == "integer"


def test_one_records_timeline_lists_no_record_list_filters(schema):
    assert set(_params(schema, "/records/{id}/events/")) == {"review_slug", "id", "page", "page_size"}


def test_one_records_timeline_ignores_record_list_filters(api, alice, review):
    record = RecordFactory(batch__source__review=review)
    response = api(alice).get(f"{BASE}/records/{record.pk}/events/?status=duplicate&year_min=3000")
    assert response.status_code == 200


def test_setting_exclusion_reasons_lists_no_list_parameters(schema):
    assert set(_params(schema, "/screening/exclusion-reasons/set/", "post")) == {"review_slug"}


def test_agreement_documents_and_applies_the_stage(schema, api, bob, review):
    assert _params(schema, "/screening/agreement/")["stage"]["schema"]["enum"] == sorted(Stage.values)
    assert set(api(bob).get(f"{BASE}/screening/agreement/?stage=full_text").json()) == {"full_text"}
    assert set(api(bob).get(f"{BASE}/screening/agreement/").json()) == {"full_text", "title_abstract"}
    assert api(bob).get(f"{BASE}/screening/agreement/?stage=abstract").status_code == 400


def test_stage_defaults_to_title_abstract_on_votes_as_everywhere(schema, api, bob, review):
    vote_write = schema["components"]["schemas"]["VoteWriteRequest"]
    assert "stage" not in vote_write["required"]
    assert vote_write["properties"]["stage"]["default"] == Stage.TITLE_ABSTRACT
    record = RecordFactory(batch__source__review=review)
    response = api(bob).post(
        f"{BASE}/screening/votes/", {"record": record.pk, "decision": "include"}, format="json"
    )
    assert response.status_code == 201
    assert Vote.objects.get(record=record).stage == Stage.TITLE_ABSTRACT


def test_a_vote_on_a_record_that_does_not_exist_is_a_404(api, bob, review):
    missing = (Record.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    response = api(bob).post(
        f"{BASE}/screening/votes/",
        {"record": missing, "stage": "title_abstract", "decision": "include"},
        format="json",
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "No such record in this review.", "code": "not_found"}
    assert not Vote.objects.exists()


def test_review_keywords_null_is_a_400_not_a_500(api, alice, review):
    response = api(alice).patch(f"{BASE}/", {"include_keywords": None}, format="json")
    assert response.status_code == 400 and "include_keywords" in response.json()


def test_review_keywords_in_a_form_are_words_never_null(api, alice, review):
    # multipart "null" used to be parsed as JSON null and reach the NOT NULL column: a 500
    response = api(alice).patch(f"{BASE}/", {"include_keywords": "null"}, format="multipart")
    assert response.status_code == 200 and response.json()["include_keywords"] == ["null"]


def test_review_keywords_are_a_list_of_words(api, alice, review):
    response = api(alice).patch(f"{BASE}/", {"include_keywords": ["umbilical", "HbA1c"]}, format="json")
    assert response.status_code == 200 and response.json()["include_keywords"] == ["umbilical", "HbA1c"]


def test_the_schema_these_tests_and_the_contract_tests_read_is_the_one_api_schema_serves(client, alice):
    """The contract tests generate the schema in-process (no request): it must be what clients get."""
    from .contract import load_schema

    client.force_login(alice)
    served = client.get("/api/schema/?format=json")
    assert served.status_code == 200
    assert served.json() == load_schema().raw_schema


def test_every_jobs_status_is_one_enum_named_for_jobs(schema):
    components = schema["components"]["schemas"]
    assert "ImportStatusEnum" not in components  # a ranking's status is not an import's
    assert components["JobStatusEnum"]["enum"] == ["queued", "running", "succeeded", "failed"]
    users = {
        name
        for name, component in components.items()
        for field in component.get("properties", {}).values()
        if "JobStatusEnum" in str(field)
    }
    assert {"ImportBatch", "DedupRun", "Run"} <= users
