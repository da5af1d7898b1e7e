"""Prioritised screening in the REST API (issue #11): the owner's settings, the stopping statistics, and
the owner's stop / undo, through the same services as the dashboard."""

import pytest

from reviewapp.models import AuditEvent, RemovalReason
from screening import selectors
from screening.models import AutomationStop, PrioritySettings, QueueItem, RankingRun, Stage
from screening.ranking.stopping import hypergeometric_test

BASE = "/api/v1/reviews/perinatal-msc/screening"


# --- settings ------------------------------------------------------------------------------------------


def test_members_read_the_defaults_without_saving_them(api, team, review):
    body = api(team["viewer"]).get(BASE + "/priority/").json()
    assert body["rank_by_relevance"] is False and body["retrain_every"] == 10
    assert body["recall_target"] == 0.95 and body["confidence"] == 0.95 and body["streak"] == 100
    assert body["saved"] is False and body["training"] is None and body["model_trained_at"] is None
    assert not PrioritySettings.objects.filter(review=review).exists()


def test_the_owner_changes_some_settings_and_the_others_stay(api, alice, review):
    response = api(alice).patch(
        BASE + "/priority/", {"retrain_every": 5, "recall_target": 0.9}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["retrain_every"] == 5 and response.json()["saved"] is True
    row = selectors.priority_settings(review)
    assert (row.retrain_every, row.recall_target, row.confidence) == (5, 0.9, 0.95)
    event = AuditEvent.objects.get(verb="screening.priority_updated")
    assert event.data["after"] == {"retrain_every": 5, "recall_target": 0.9}


def test_turning_ranking_on_queues_a_training(api, alice, review, records):
    response = api(alice).patch(BASE + "/priority/", {"rank_by_relevance": True}, format="json")
    assert response.status_code == 200 and response.json()["rank_by_relevance"] is True
    assert RankingRun.objects.filter(review=review).count() == 1
    assert api(alice).get(BASE + "/priority/").json()["training"] == "queued"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"retrain_every": 0}, "retrain_every"),
        ({"retrain_every": "often"}, "retrain_every"),
        ({"recall_target": 1.5}, "recall_target"),
        ({"confidence": 1.0}, "confidence"),
        ({"streak": 0}, "streak"),
        ({"streak": 2**40}, "streak"),
        ({"rank_by_relevance": "maybe"}, "rank_by_relevance"),
        ({"recall": 0.9}, "recall"),
    ],
)
def test_bad_settings_are_400s_naming_the_field_and_change_nothing(api, alice, review, body, field):
    api(alice).patch(BASE + "/priority/", {"retrain_every": 7}, format="json")
    response = api(alice).patch(BASE + "/priority/", {"streak": 20, **body}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field} and response.json()[field]
    row = selectors.priority_settings(review)
    assert (row.retrain_every, row.streak) == (7, 100)


@pytest.mark.parametrize(("persona", "status"), [("reviewer", 403), ("arbiter", 403), ("outsider", 404)])
def test_only_the_owner_changes_settings(api, team, review, persona, status):
    response = api(team[persona]).patch(BASE + "/priority/", {"retrain_every": 3}, format="json")
    assert response.status_code == status
    assert not PrioritySettings.objects.filter(review=review).exists()


def test_anonymous_callers_get_401(api, review):
    assert api().get(BASE + "/priority/").status_code == 401
    assert api().get(BASE + "/stopping/").status_code == 401
    assert api().post(BASE + "/stopping/stop/").status_code == 401


# --- the stopping statistics ---------------------------------------------------------------------------


def test_the_stopping_statistics_are_the_panels(api, team, review, alice, screened):
    api(alice).patch(BASE + "/priority/", {"recall_target": 0.8, "streak": 5}, format="json")
    body = api(team["reviewer"]).get(BASE + "/stopping/").json()
    expected = hypergeometric_test([1, 0, 0, 1] + [0] * 8, 30, 0.8, 0.95)
    assert body["p_value"] == pytest.approx(expected.p_value)
    assert body["recall_estimate"] == pytest.approx(expected.recall_estimate)
    assert body["stop_advised"] is expected.stop
    assert (body["recall_target"], body["confidence"]) == (0.8, 0.95)
    assert (body["screened"], body["relevant"], body["records"], body["unscreened"]) == (12, 2, 30, 18)
    assert (body["irrelevant_in_a_row"], body["streak_flag"], body["streak_reached"]) == (8, 5, True)
    assert body["stop"] is None


@pytest.mark.parametrize("persona", ["owner", "reviewer", "arbiter", "viewer"])
def test_every_member_reads_the_stopping_statistics(api, team, screened, persona):
    assert api(team[persona]).get(BASE + "/stopping/").status_code == 200


def test_outsiders_get_404_everywhere(api, mallory, screened):
    client = api(mallory)
    assert client.get(BASE + "/priority/").status_code == 404
    assert client.get(BASE + "/stopping/").status_code == 404
    assert client.post(BASE + "/stopping/stop/").status_code == 404
    assert client.post(BASE + "/stopping/undo/").status_code == 404


# --- stop and undo -------------------------------------------------------------------------------------


def test_stop_then_undo_restores_the_records(
    api, alice, bob, review, screened, django_capture_on_commit_callbacks
):
    unscreened = {r.pk for r in screened[12:]}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).post(BASE + "/stopping/stop/")
    assert response.status_code == 201
    stop = response.json()
    assert stop["records_count"] == 18 and stop["created_by"] == "alice" and stop["undone_at"] is None
    marked = review.records.filter(removed_reason=RemovalReason.AUTOMATION)
    assert set(marked.values_list("pk", flat=True)) == unscreened
    assert not QueueItem.objects.filter(reviewer=bob, stage=Stage.TITLE_ABSTRACT).exists()
    assert api(bob).get(BASE + "/stopping/").json()["stop"]["id"] == stop["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).post(BASE + "/stopping/undo/")
    assert response.status_code == 200
    assert response.json()["id"] == stop["id"] and response.json()["undone_by"] == "alice"
    assert not review.records.filter(removed_reason=RemovalReason.AUTOMATION).exists()
    queued = QueueItem.objects.filter(reviewer=bob, stage=Stage.TITLE_ABSTRACT)
    assert set(queued.values_list("record_id", flat=True)) == unscreened
    assert api(bob).get(BASE + "/stopping/").json()["stop"] is None


def test_a_second_stop_is_a_400_with_the_reason_and_changes_nothing(api, alice, review, screened):
    assert api(alice).post(BASE + "/stopping/stop/").status_code == 201
    response = api(alice).post(BASE + "/stopping/stop/")
    assert response.status_code == 400
    assert response.json() == {"detail": ["Screening is already stopped; undo that stop first."]}
    assert AutomationStop.objects.filter(review=review).count() == 1
    assert AuditEvent.objects.filter(verb="screening.stopped").count() == 1


def test_an_undo_with_nothing_to_undo_is_a_400_and_changes_nothing(api, alice, review, screened):
    response = api(alice).post(BASE + "/stopping/undo/")
    assert response.status_code == 400
    assert "not stopped" in response.json()["detail"][0]
    stop = api(alice).post(BASE + "/stopping/stop/").json()
    assert api(alice).post(BASE + "/stopping/undo/").status_code == 200
    again = api(alice).post(BASE + "/stopping/undo/")
    assert again.status_code == 400
    assert AutomationStop.objects.get(pk=stop["id"]).undone_at is not None
    assert AuditEvent.objects.filter(verb="screening.stop_undone").count() == 1


def test_stopping_with_nothing_unscreened_is_a_400(api, alice, review, make_records, bob, carol, cast):
    for record in make_records(2):
        cast(bob, record, "exclude")
    response = api(alice).post(BASE + "/stopping/stop/")
    assert response.status_code == 400 and "No title/abstract record" in response.json()["detail"][0]
    assert not AutomationStop.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("reviewer", 403), ("arbiter", 403), ("viewer", 403)])
def test_only_the_owner_stops_and_undoes(api, team, alice, review, screened, persona, status):
    assert api(team[persona]).post(BASE + "/stopping/stop/").status_code == status
    assert not review.records.filter(removed_reason=RemovalReason.AUTOMATION).exists()
    api(alice).post(BASE + "/stopping/stop/")
    assert api(team[persona]).post(BASE + "/stopping/undo/").status_code == status
    assert review.records.filter(removed_reason=RemovalReason.AUTOMATION).count() == 18
