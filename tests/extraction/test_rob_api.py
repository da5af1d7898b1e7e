"""Risk-of-bias API: every endpoint for every persona (owner, reviewer, arbiter, viewer, outsider 404),
proposals without saving, filtering, pagination, comparisons and consensus."""

import pytest

from extraction.rob.models import Assessment, ConsensusAssessment, RobItem

from .rob_app import enter_table3, seed_studies

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reviews/perinatal-msc/risk-of-bias"


@pytest.fixture
def studies(review):
    return seed_studies(review)


@pytest.fixture
def conflict(review, bob, carol, studies):
    """Chin 2025 assessed by bob (D7 Serious) and carol (D7 Moderate): an open conflict."""
    enter_table3(review, bob, studies[1:2], choice="serious")
    enter_table3(review, carol, studies[1:2], choice="moderate")
    return RobItem.objects.get(study=studies[1])


READ_ALL = {"owner": 200, "reviewer": 200, "arbiter": 200, "viewer": 200, "outsider": 404}
READ_ASSESSMENTS = {"owner": 200, "reviewer": 200, "arbiter": 200, "viewer": 403, "outsider": 404}


@pytest.mark.parametrize("who", list(READ_ALL))
@pytest.mark.parametrize(
    "path, codes",
    [
        ("tools/", READ_ALL),
        ("tools/robins_i/", READ_ALL),
        ("items/", READ_ALL),
        ("consensus/", READ_ALL),
        ("assessments/", READ_ASSESSMENTS),
        ("comparisons/", READ_ASSESSMENTS),
    ],
)
def test_reads_by_role(api, team, conflict, who, path, codes):
    assert api(team[who]).get(f"{BASE}/{path}").status_code == codes[who]


@pytest.mark.parametrize(
    "who, code", [("owner", 403), ("reviewer", 201), ("arbiter", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_reviewers_start_assessments(api, team, studies, who, code):
    response = api(team[who]).post(
        f"{BASE}/assessments/", {"study": studies[0].pk, "tool": "robins_i"}, format="json"
    )
    assert response.status_code == code
    assert Assessment.objects.count() == (1 if code == 201 else 0)


@pytest.mark.parametrize(
    "who, code", [("owner", 201), ("reviewer", 403), ("arbiter", 201), ("viewer", 403), ("outsider", 404)]
)
def test_owners_and_arbiters_settle_consensus(api, team, conflict, who, code):
    body = {"item": conflict.pk, "domains": {"d7": {"judgement": "serious", "reason": "No protocol."}}}
    response = api(team[who]).post(f"{BASE}/consensus/", body, format="json")
    assert response.status_code == code
    if code == 201:
        data = response.json()
        assert data["method"] == "consensus" and data["overall"] == "serious"
        assert data["domains"]["d7"] == {
            "judgement": "serious",
            "support": "retrospective analysis, partial reporting",
            "settled_by": team[who].username,
            "reason": "No protocol.",
        }


def test_owner_cannot_settle_when_the_review_keeps_it_to_the_arbiter(api, review, team, conflict):
    review.owner_can_resolve = False
    review.save()
    body = {"item": conflict.pk, "domains": {"d7": {"judgement": "serious"}}}
    assert api(team["owner"]).post(f"{BASE}/consensus/", body, format="json").status_code == 403


@pytest.mark.parametrize("who, code", [("owner", 200), ("reviewer", 200), ("viewer", 200), ("outsider", 404)])
def test_proposals_compute_without_saving(api, team, who, code):
    body = {"tool": "robins_i", "answers": {"d6": {"6.1": "N", "6.2": "Y", "6.3": "Y", "6.4": "N"}}}
    response = api(team[who]).post(f"{BASE}/proposals/", body, format="json")
    assert response.status_code == code
    if code == 200:
        d6 = next(d for d in response.json()["domains"] if d["domain"] == "d6")
        assert d6["judgement"] == "low" and d6["visible"] == ["6.1", "6.2", "6.3", "6.4"]
        assert response.json()["overall"] is None
    assert not Assessment.objects.exists()


def test_proposal_overall_follows_the_domain_levels(api, bob):
    levels = {
        "d1": "serious",
        "d2": "serious",
        "d3": "low",
        "d4": "moderate",
        "d5": "moderate",
        "d6": "low",
        "d7": "moderate",
    }
    response = api(bob).post(f"{BASE}/proposals/", {"tool": "robins_i", "judgements": levels}, format="json")
    assert response.json()["overall"] == "serious"
    bad = api(bob).post(
        f"{BASE}/proposals/", {"tool": "robins_i", "answers": {"d9": {"1.1": "Y"}}}, format="json"
    )
    assert bad.status_code == 400 and "d9" in str(bad.json())


def test_an_assessment_through_the_api(api, bob, carol, studies):
    client = api(bob)
    created = client.post(
        f"{BASE}/assessments/", {"study": studies[0].pk, "tool": "robins_i"}, format="json"
    ).json()
    url = f"{BASE}/assessments/{created['id']}/"
    change = {
        "answers": {"d6": {"6.1": "N", "6.2": "Y", "6.3": "Y", "6.4": "N"}},
        "support": {"d6": {"6.1": "p. 4: HbA1c by HPLC"}},
        "judgements": {"d6": {"judgement": "Moderate"}},
    }
    refused = client.patch(url, change, format="json")
    assert refused.status_code == 400 and "proposes Low; give a reason for Moderate" in str(refused.json())
    change["judgements"]["d6"]["reason"] = "Assay changed mid-study."
    saved = client.patch(url, change, format="json").json()
    assert saved["domains"]["d6"]["proposed"] == "low" and saved["domains"]["d6"]["judgement"] == "moderate"
    assert client.post(f"{url}submit/").status_code == 400  # other domains unjudged
    assert api(carol).patch(url, change, format="json").status_code == 404  # not hers (and not visible)
    assert client.delete(url).status_code == 204 and not Assessment.objects.exists()


def test_assessment_list_is_blind_filtered_and_paginated(api, review, bob, carol, studies):
    enter_table3(review, bob, studies)
    enter_table3(review, carol, studies[:1], submit=False)
    mine = api(carol).get(f"{BASE}/assessments/").json()
    assert mine["count"] == 1 and mine["results"][0]["assessor"] == "carol"
    listed = api(bob).get(f"{BASE}/assessments/", {"study": studies[1].pk}).json()
    assert [r["item"]["study_label"] for r in listed["results"]] == ["Chin et al., 2025 [25] (n=218)"]
    assert api(bob).get(f"{BASE}/items/", {"tool": "rob2"}).json()["count"] == 0


def test_comparison_of_a_conflict_names_the_differing_domain(api, team, conflict):
    data = api(team["arbiter"]).get(f"{BASE}/comparisons/{conflict.pk}/").json()
    assert data["differing"] == ["d7"] and data["assessors"] == ["bob", "carol"]
    d7 = next(d for d in data["domains"] if d["key"] == "d7")
    assert d7["judgements"] == ["serious", "moderate"] and d7["differs"] is True
    assert api(team["viewer"]).get(f"{BASE}/comparisons/{conflict.pk}/").status_code == 403
    assert api(team["outsider"]).get(f"{BASE}/comparisons/{conflict.pk}/").status_code == 404


def test_viewer_reads_the_consensus(api, team, conflict):
    api(team["arbiter"]).post(
        f"{BASE}/consensus/",
        {"item": conflict.pk, "domains": {"d7": {"judgement": "serious"}}},
        format="json",
    )
    listed = api(team["viewer"]).get(f"{BASE}/consensus/", {"tool": "robins_i"}).json()
    assert listed["count"] == 1 and listed["results"][0]["overall"] == "serious"
    assert ConsensusAssessment.objects.get().decided_by == team["arbiter"]


def test_tool_definitions_describe_questions_and_conditions(api, bob):
    data = api(bob).get(f"{BASE}/tools/rob2/", {"effect": "adhering"}).json()
    assert data["definition"]["name"] == "RoB 2" and data["definition"]["variant"] == "adhering"
    assert len(api(bob).get(f"{BASE}/tools/").json()) == 5
    assert api(bob).get(f"{BASE}/tools/nope/").status_code == 404
