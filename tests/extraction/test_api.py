"""REST API of data extraction: roles for every endpoint, versioning, autosave conflicts, consensus."""

import pytest

from extraction.models import Consensus, Extraction, ExtractionConflict
from extraction.services import extractions as extraction_services
from extraction.services import tables as table_services
from reviewapp.models import Study

from .conftest import SMALL_FORM

API = "/api/v1/reviews/perinatal-msc/extraction"
PERSONAS = ["owner", "reviewer", "arbiter", "viewer", "outsider"]


def _expect(table):
    return [pytest.param(persona, status, id=persona) for persona, status in zip(PERSONAS, table)]


@pytest.fixture
def world(review, alice, bob, carol, dave, vera, mallory, form, studies, extract, hba1c):
    extract(bob, studies[0])
    extract(carol, studies[0], country="Indonesia")
    extract(bob, studies[2])
    extract(carol, studies[2])
    draft = extraction_services.extraction_start(
        review=review, actor=bob, study_id=studies[1].pk, form_id=form.pk
    )
    table = table_services.table_create(
        review=review, actor=alice, form=form, title="Table 1", columns=["design.country"]
    )
    return {
        "form": form,
        "conflict": ExtractionConflict.objects.get(),
        "consensus": Consensus.objects.get(),
        "draft": draft,
        "table": table,
        "hba1c": hba1c,
        "study": Study.objects.create(review=review, label="Chin 2025"),
    }


READS = [
    "/forms/",
    "/forms/{form}/",
    "/forms/{form}/export/",
    "/form-versions/",
    "/outcomes/",
    "/outcomes/{hba1c}/",
    "/tables/",
    "/tables/{table}/",
    "/tables/{table}/rows/",
    "/outcome-data/?outcome=hba1c&time_point=12%20months",
]


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize(("persona", "status"), _expect([200, 200, 200, 200, 404]))
def test_members_read_forms_outcomes_tables(api, team, world, path, persona, status):
    url = API + path.format(form=world["form"].pk, hba1c=world["hba1c"].pk, table=world["table"].pk)
    assert api(team[persona]).get(url).status_code == status


@pytest.mark.parametrize(
    "path",
    [
        "/extractions/",
        "/extractions/{x}/",
        "/conflicts/",
        "/conflicts/{c}/",
        "/conflicts/{c}/comparison/",
        "/consensus/{k}/comparison/",
    ],
)
@pytest.mark.parametrize(("persona", "status"), _expect([200, 200, 200, 403, 404]))
def test_viewers_do_not_read_individual_extractions(api, team, world, path, persona, status):
    x = world["conflict"].extraction_a_id
    url = API + path.format(c=world["conflict"].pk, k=world["consensus"].pk, x=x)
    assert api(team[persona]).get(url).status_code == status


@pytest.mark.parametrize("path", ["/consensus/", "/consensus/{k}/"])
@pytest.mark.parametrize(("persona", "status"), _expect([200, 200, 200, 200, 404]))
def test_every_member_reads_consensus_records(api, team, world, path, persona, status):
    response = api(team[persona]).get(API + path.format(k=world["consensus"].pk))
    assert response.status_code == status
    if status == 200 and path == "/consensus/":
        assert [r["study_label"] for r in response.json()["results"]] == ["Jiang 2011"]


@pytest.mark.parametrize(("persona", "status"), _expect([201, 403, 403, 403, 404]))
def test_only_owners_create_forms(api, team, world, persona, status):
    response = api(team[persona]).post(f"{API}/forms/", {"template": "preclinical"}, format="json")
    assert response.status_code == status


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/forms/{form}/definition/", {"definition": SMALL_FORM}),
        ("/forms/import/", {"data": {"format": "reviewapp.extraction-form", "definition": SMALL_FORM}}),
        ("/forms/{form}/copy/", {"to_review": "perinatal-msc"}),
        ("/outcomes/", {"name": "C-peptide", "data_type": "continuous", "unit": "ng/mL"}),
        ("/tables/", {"title": "Table 2", "form": "{form}", "columns": ["design.type"]}),
    ],
)
@pytest.mark.parametrize(("persona", "status"), _expect([None, 403, 403, 403, 404]))
def test_only_owners_write_forms_outcomes_tables(api, team, world, path, body, persona, status):
    if isinstance(body.get("form"), str):
        body = {**body, "form": world["form"].pk}
    response = api(team[persona]).post(API + path.format(form=world["form"].pk), body, format="json")
    if status is None:
        assert response.status_code in (200, 201), response.json()
    else:
        assert response.status_code == status


@pytest.mark.parametrize(("persona", "status"), _expect([403, 201, 403, 403, 404]))
def test_only_reviewers_start_extractions(api, team, world, persona, status):
    response = api(team[persona]).post(
        f"{API}/extractions/", {"study": world["study"].pk, "form": world["form"].pk}, format="json"
    )
    assert response.status_code == status


@pytest.mark.parametrize("action", ["answer", "rows", "submit", "reopen"])
@pytest.mark.parametrize(("persona", "status"), _expect([403, None, 403, 403, 404]))
def test_extraction_writes_need_the_reviewer_and_their_own_extraction(
    api, team, world, action, persona, status
):
    body = {
        "answer": {"path": "design.country", "value": "Laos", "version": 1},
        "rows": {"action": "add", "section": "arms", "version": 1},
        "submit": {},
        "reopen": {},
    }[action]
    response = api(team[persona]).post(
        f"{API}/extractions/{world['draft'].pk}/{action}/", body, format="json"
    )
    if status is None:
        assert response.status_code in (200, 400)  # bob: his own draft (submit refuses: required fields)
    else:
        assert response.status_code == status
    carol = api(team["reviewer2"]).post(
        f"{API}/extractions/{world['draft'].pk}/{action}/", body, format="json"
    )
    assert carol.status_code == 404


@pytest.mark.parametrize(("persona", "status"), _expect([200, 200, 200, 403, 404]))
def test_settling_needs_a_settler(api, team, world, persona, status):
    response = api(team[persona]).post(
        f"{API}/conflicts/{world['conflict'].pk}/settle/",
        {"path": "design.country", "choice": "a"},
        format="json",
    )
    assert response.status_code == status


@pytest.mark.parametrize(("persona", "status"), _expect([400, 400, 400, 403, 404]))
def test_completing_needs_a_settler_and_every_difference_settled(api, team, world, persona, status):
    response = api(team[persona]).post(f"{API}/conflicts/{world['conflict'].pk}/resolve/", {}, format="json")
    assert response.status_code == status


def test_answer_with_a_stale_version_is_409_and_saves_nothing(api, bob, world):
    draft = world["draft"]
    client = api(bob)
    first = client.post(
        f"{API}/extractions/{draft.pk}/answer/",
        {"path": "design.country", "value": "Laos", "version": draft.version},
        format="json",
    )
    assert first.status_code == 200 and first.json()["version"] == draft.version + 1
    second = client.post(
        f"{API}/extractions/{draft.pk}/answer/",
        {"path": "design.country", "value": "Chile", "version": draft.version},
        format="json",
    )
    assert second.status_code == 409 and second.json()["code"] == "stale_version"
    assert Extraction.objects.get(pk=draft.pk).answers["design"]["country"] == "Laos"


def test_blind_list_shows_others_only_once_complete(api, carol, world):
    rows = api(carol).get(f"{API}/extractions/").json()["results"]
    # bob's draft of Lian 2022 stays hidden; Jiang (agreed) and Zang (in conflict) are complete
    assert sorted((r["reviewer"], r["study_label"]) for r in rows) == [
        ("bob", "Jiang 2011"),
        ("bob", "Zang 2022"),
        ("carol", "Jiang 2011"),
        ("carol", "Zang 2022"),
    ]


def test_list_filters(api, bob, world):
    rows = api(bob).get(f"{API}/extractions/?status=draft&mine=true").json()["results"]
    assert [r["study_label"] for r in rows] == ["Lian 2022"]


def test_comparison_lists_differences_then_consensus_completes(api, dave, world):
    client = api(dave)
    c = world["conflict"]
    diffs = client.get(f"{API}/conflicts/{c.pk}/comparison/").json()
    assert [(d["path"], d["a"], d["b"]) for d in diffs] == [("design.country", "China", "Indonesia")]
    client.post(f"{API}/conflicts/{c.pk}/settle/", {"path": "design.country", "choice": "b"}, format="json")
    response = client.post(f"{API}/conflicts/{c.pk}/resolve/", {}, format="json")
    assert response.status_code == 201
    done = response.json()
    assert (done["method"], done["decided_by"]) == ("arbitration", "dave")
    assert done["answers"]["design"]["country"] == "Indonesia"
    assert done["settlements"]["design.country"]["by_name"] == "dave"
    data = client.get(f"{API}/outcome-data/?outcome=hba1c&time_point=12 months").json()
    assert [(r["study_label"], [a["arm"] for a in r["arms"]]) for r in data] == [
        ("Jiang 2011", ["UC-MSC", "Placebo"]),  # agreed
        ("Zang 2022", ["UC-MSC", "Placebo"]),  # settled just now
    ]


def test_editing_a_used_form_over_the_api_makes_version_2(api, alice, world):
    response = api(alice).post(
        f"{API}/forms/{world['form'].pk}/definition/",
        {"definition": {**SMALL_FORM, "description": "v2"}},
        format="json",
    )
    assert response.json()["number"] == 2
    versions = api(alice).get(f"{API}/form-versions/?form={world['form'].pk}").json()["results"]
    assert [v["number"] for v in versions] == [2, 1]


def test_schema_lists_the_extraction_endpoints(api, alice):
    schema = api(alice).get("/api/schema/").content.decode()
    for path in (
        "/extraction/forms/",
        "/extraction/extractions/{id}/answer/",
        "/extraction/conflicts/{id}/settle/",
        "/extraction/outcome-data/",
        "/extraction/tables/{id}/rows/",
    ):
        assert path in schema, path
