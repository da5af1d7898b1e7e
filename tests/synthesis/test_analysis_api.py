"""Analysis API: every endpoint for every role (owner, reviewer, arbiter, viewer read; only the owner writes;
outsiders 404; anonymous 401), start -> 202 + id, polling, results JSON, filters and pagination, schema."""

from __future__ import annotations

import pytest

from synthesis import services
from synthesis.models import Analysis, AnalysisRun

from .conftest import reference
from .metafor_data import close

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reviews/perinatal-msc"
READERS = ["owner", "reviewer", "arbiter", "viewer"]


@pytest.fixture
def analysis(review, alice, hba1c, normand):
    return services.analysis_create(
        review=review,
        actor=alice,
        title="HbA1c MD",
        outcome=hba1c,
        time_point="12 months",
        measure="MD",
        model="random",
    )


@pytest.fixture
def run(analysis, alice):
    return services.analysis_run_now(analysis=analysis, actor=alice)


def body(hba1c, **extra):
    data = {
        "title": "Fixed MD",
        "outcome": hba1c.pk,
        "time_point": "12 months",
        "measure": "MD",
        "model": "fixed",
    }
    return {**data, **extra}


def read_endpoints(analysis, run):
    return [
        f"{BASE}/analyses/",
        f"{BASE}/analyses/{analysis.pk}/",
        f"{BASE}/analyses/{analysis.pk}/inputs/",
        f"{BASE}/analysis-runs/",
        f"{BASE}/analysis-runs/{run.pk}/",
        f"{BASE}/analysis-runs/{run.pk}/results/",
    ]


@pytest.mark.parametrize("who", READERS)
def test_members_read_every_endpoint(api, team, analysis, run, who):
    client = api(team[who])
    for target in read_endpoints(analysis, run):
        assert client.get(target).status_code == 200, target


def test_outsider_gets_404_and_anonymous_401_everywhere(api, team, analysis, run, hba1c):
    outsider, anonymous = api(team["outsider"]), api()
    writes = [
        ("post", f"{BASE}/analyses/", body(hba1c)),
        ("patch", f"{BASE}/analyses/{analysis.pk}/", {"hksj": True}),
        ("delete", f"{BASE}/analyses/{analysis.pk}/", None),
        ("post", f"{BASE}/analyses/{analysis.pk}/exclusions/", {"study": 1, "reason": "x"}),
        ("post", f"{BASE}/analysis-runs/", {"analysis": analysis.pk}),
    ]
    for target in read_endpoints(analysis, run):
        assert outsider.get(target).status_code == 404, target
        assert anonymous.get(target).status_code == 401, target
    for method, target, data in writes:
        assert getattr(outsider, method)(target, data, format="json").status_code == 404, target
        assert getattr(anonymous, method)(target, data, format="json").status_code == 401, target


@pytest.mark.parametrize("who", ["reviewer", "arbiter", "viewer"])
def test_only_the_owner_writes(api, team, analysis, hba1c, who):
    client = api(team[who])
    study = analysis.review.studies.first()
    assert client.post(f"{BASE}/analyses/", body(hba1c), format="json").status_code == 403
    assert client.patch(f"{BASE}/analyses/{analysis.pk}/", {"hksj": True}, format="json").status_code == 403
    assert client.delete(f"{BASE}/analyses/{analysis.pk}/").status_code == 403
    response = client.post(
        f"{BASE}/analyses/{analysis.pk}/exclusions/", {"study": study.pk, "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert client.post(f"{BASE}/analysis-runs/", {"analysis": analysis.pk}, format="json").status_code == 403
    assert not AnalysisRun.objects.exists() and not analysis.exclusions.exists()


def test_owner_crud(api, team, hba1c, normand):
    client = api(team["owner"])
    created = client.post(f"{BASE}/analyses/", body(hba1c, subgroup_field="design.country"), format="json")
    assert created.status_code == 201, created.data
    pk = created.data["id"]
    assert client.patch(f"{BASE}/analyses/{pk}/", {"model": "random", "hksj": True}, format="json").data[
        "hksj"
    ]
    bad = client.patch(f"{BASE}/analyses/{pk}/", {"model": "fixed", "fixed_method": "PETO"}, format="json")
    assert bad.status_code == 400 and "fixed_method" in bad.data
    assert client.delete(f"{BASE}/analyses/{pk}/").status_code == 204
    assert not Analysis.objects.exists()


def test_owner_excludes_a_study_through_the_api(api, team, analysis):
    study = analysis.review.studies.get(label="01 Edinburgh")
    response = api(team["owner"]).post(
        f"{BASE}/analyses/{analysis.pk}/exclusions/",
        {"study": study.pk, "reason": "Quasi-randomised"},
        format="json",
    )
    assert response.data["exclusions"] == [
        {"study": study.pk, "label": "01 Edinburgh", "reason": "Quasi-randomised"}
    ]


def test_start_returns_202_with_an_id_then_poll_and_read_results(
    api, team, analysis, django_capture_on_commit_callbacks
):
    client = api(team["owner"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = client.post(f"{BASE}/analysis-runs/", {"analysis": analysis.pk}, format="json")
    assert started.status_code == 202 and started.data["status"] == "queued"
    run_id = started.data["id"]
    early = client.get(f"{BASE}/analysis-runs/{run_id}/results/")
    assert early.status_code == 400 and "queued" in str(early.data)
    for callback in callbacks:  # the worker picks the task up
        callback()
    polled = api(team["viewer"]).get(f"{BASE}/analysis-runs/{run_id}/")
    assert (polled.data["status"], polled.data["progress"]["fraction"], polled.data["stale"]) == (
        "succeeded",
        1.0,
        None,
    )
    results = api(team["viewer"]).get(f"{BASE}/analysis-runs/{run_id}/results/").data
    ref = reference("dat.normand1999", "MD", "REML")
    assert close(results["results"]["estimate"], ref["estimate"]) and close(
        results["results"]["tau2"], ref["tau2"]
    )
    assert results["stale"] is False and len(results["inputs"]) == 9


def test_lists_are_filtered_and_paginated(api, team, analysis, run, alice, hba1c):
    services.analysis_create(
        review=analysis.review, actor=alice, title="SMD", outcome=hba1c, time_point="12 months", measure="SMD"
    )
    client = api(team["viewer"])
    listed = client.get(f"{BASE}/analyses/", {"measure": "SMD"}).data
    assert listed["count"] == 1 and listed["results"][0]["title"] == "SMD"
    runs = client.get(f"{BASE}/analysis-runs/", {"analysis": analysis.pk, "status": "succeeded"}).data
    assert runs["count"] == 1 and "next" in runs


def test_analyses_are_in_the_openapi_schema(api, team):
    schema = api(team["viewer"]).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "/api/v1/reviews/{review_slug}/analyses/" in paths
    assert "post" in paths["/api/v1/reviews/{review_slug}/analysis-runs/"]
    assert "/api/v1/reviews/{review_slug}/analysis-runs/{id}/results/" in paths
