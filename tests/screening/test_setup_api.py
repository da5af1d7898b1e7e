"""The screening set-up through the API (labels, who screens which records, pilot rounds): what a team
automating its review does, through the same services as the set-up, labels and pilot pages."""

from reviewapp.models import AuditEvent
from screening.models import Assignment, PilotVote, QueueItem, RecordLabel, Stage, Vote
from screening.offers import settings_of
from screening.services import worklist as worklist_services

BASE = "/api/v1/reviews/perinatal-msc/screening"


def queue(review, user) -> list[int]:
    """The records the user's title/abstract work list offers (synced as the queue endpoint would)."""
    worklist_services.worklist_ensure_synced(review=review, stage=Stage.TITLE_ABSTRACT, reviewer=user)
    items = QueueItem.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT, reviewer=user)
    return list(items.values_list("record_id", flat=True))


def post(client, path, body=None):
    return client.post(BASE + path, body or {}, format="json")


# --- labels ---------------------------------------------------------------------------------------


def test_the_owner_sets_the_labels_and_reviewers_tag_records(api, alice, bob, carol, make_records):
    records = make_records(2)
    owner, reviewer = api(alice), api(bob)
    assert post(reviewer, "/labels/set/", {"names": ["RCT"]}).status_code == 403
    response = post(owner, "/labels/set/", {"names": ["RCT", "needs translation", "RCT"]})
    assert response.status_code == 200
    rct, translation = response.json()
    assert (rct["name"], rct["position"], translation["name"]) == ("RCT", 1, "needs translation")

    tagged = post(reviewer, f"/labels/{rct['id']}/tag/", {"record": records[0].pk})
    assert tagged.status_code == 200 and tagged.json() == {
        "label": rct["id"],
        "record": records[0].pk,
        "tagged": True,
    }
    post(reviewer, f"/labels/{rct['id']}/tag/", {"record": records[0].pk})  # idempotent: still one tag
    assert RecordLabel.objects.filter(record=records[0], tagged_by=bob).count() == 1
    assert AuditEvent.objects.filter(verb="label.added").count() == 1

    mine = reviewer.get(f"{BASE}/labels/{rct['id']}/records/").json()
    assert [r["id"] for r in mine["results"]] == [records[0].pk]
    # blinded like a vote: carol sees neither bob's tag nor its count while the record is open
    assert api(carol).get(f"{BASE}/labels/{rct['id']}/records/").json()["results"] == []
    assert api(carol).get(f"{BASE}/labels/{rct['id']}/").json()["records"] == 0
    assert reviewer.get(f"{BASE}/labels/{rct['id']}/").json()["records"] == 1

    untagged = post(reviewer, f"/labels/{rct['id']}/tag/", {"record": records[0].pk, "tagged": False})
    assert untagged.json()["tagged"] is False and not RecordLabel.objects.exists()

    post(owner, "/labels/set/", {"names": ["needs translation"]})  # RCT retired
    listed = {row["name"]: row["is_active"] for row in owner.get(f"{BASE}/labels/").json()["results"]}
    assert listed == {"RCT": False, "needs translation": True}
    refused = post(reviewer, f"/labels/{rct['id']}/tag/", {"record": records[1].pk})
    assert refused.status_code == 400 and "label" in refused.json()


def test_tagging_a_record_of_another_review_is_refused_by_name(api, alice, bob, make_records):
    from tests.factories import RecordFactory

    (label,) = post(api(alice), "/labels/set/", {"names": ["RCT"]}).json()
    elsewhere = RecordFactory()
    response = post(api(bob), f"/labels/{label['id']}/tag/", {"record": elsewhere.pk})
    assert response.status_code == 400 and response.json() == {"record": ["No such record in this review."]}
    assert post(api(bob), f"/labels/{label['id']}/tag/", {"record": "x"}).status_code == 400


# --- assignment -----------------------------------------------------------------------------------


def test_the_owner_assigns_records_and_reviewers_are_offered_only_theirs(
    api, alice, bob, carol, review, make_records
):
    records = make_records(4)
    owner = api(alice)
    assert post(api(bob), "/assignments/mode/", {"enabled": True}).status_code == 403
    summary = post(owner, "/assignments/mode/", {"enabled": True})
    assert summary.status_code == 200 and summary.json()["enabled"] is True
    assert settings_of(records[0].review).assignment is True

    added = post(owner, "/assignments/", {"records": [records[0].pk, records[1].pk], "reviewers": [bob.pk]})
    assert added.status_code == 201 and added.json() == {"stage": "title_abstract", "count": 2}
    listed = owner.get(f"{BASE}/assignments/?reviewer={bob.pk}").json()["results"]
    assert sorted(row["record"] for row in listed) == [records[0].pk, records[1].pk]
    assert {row["reviewer_username"] for row in listed} == {"bob"}

    assert sorted(queue(review, bob)) == [records[0].pk, records[1].pk]
    assert queue(review, carol) == []  # nothing assigned to carol

    split = post(owner, "/assignments/split/", {"reviewers": [bob.pk, carol.pk], "seed": 3})
    assert split.json()["count"] == 2  # the two records nobody had, each to both (N = 2 votes)
    counts = owner.get(f"{BASE}/assignments/summary/").json()
    assert {r["username"]: r["assigned"] for r in counts["reviewers"]} == {"bob": 4, "carol": 2}
    assert counts["under_assigned"] == 2  # records 0 and 1 have one reviewer of the two they need

    cleared = post(owner, "/assignments/clear/", {"stage": "title_abstract"})
    assert cleared.json()["count"] == 6 and not Assignment.objects.exists()
    assert AuditEvent.objects.filter(verb__startswith="assignment.").count() == 3


def test_assigning_by_filter_and_bad_input(api, alice, bob, make_records):
    a, b = make_records(2)
    a.title = "Wharton jelly MSCs in diabetic mice"
    a.save()
    owner = api(alice)
    added = post(owner, "/assignments/", {"reviewers": [bob.pk], "text": "wharton"})
    assert added.json()["count"] == 1 and Assignment.objects.get().record_id == a.pk
    nobody = post(owner, "/assignments/", {"reviewers": [alice.pk], "records": [b.pk]})
    assert nobody.status_code == 400 and "reviewers" in nobody.json()  # alice is no reviewer
    nothing = post(owner, "/assignments/", {"reviewers": [bob.pk], "text": "no such words"})
    assert nothing.status_code == 400 and "records" in nothing.json()
    assert post(owner, "/assignments/", {"reviewers": [bob.pk], "stage": "abstract"}).status_code == 400
    assert Assignment.objects.count() == 1


# --- pilot rounds ---------------------------------------------------------------------------------


def test_a_pilot_round_through_the_api(api, alice, bob, carol, review, make_records):
    make_records(5)
    owner = api(alice)
    assert post(api(bob), "/pilots/", {"size": 2}).status_code == 403
    started = post(owner, "/pilots/", {"size": 2, "seed": 7})
    assert started.status_code == 201
    pilot = started.json()
    assert (pilot["status"], pilot["size"], pilot["started_by"]) == ("open", 2, "alice")
    assert pilot["results_visible"] is False and pilot["agreement"] is None  # blind review: after closing
    again = post(owner, "/pilots/", {"size": 1})
    assert again.status_code == 400 and "open already" in str(again.json())

    for client in (api(bob), api(carol)):
        for _ in range(2):
            nxt = client.get(f"{BASE}/pilots/{pilot['id']}/next/").json()
            voted = post(
                client, f"/pilots/{pilot['id']}/vote/", {"record": nxt["record"]["id"], "decision": "include"}
            )
            assert voted.status_code == 200
        assert voted.json()["left"] == 0
        assert client.get(f"{BASE}/pilots/{pilot['id']}/next/").json()["record"] is None
    assert PilotVote.objects.count() == 4 and not Vote.objects.exists()  # practice: no real votes

    closed = post(owner, f"/pilots/{pilot['id']}/close/")
    assert closed.status_code == 200
    body = closed.json()
    assert body["status"] == "closed" and body["results_visible"] is True
    assert body["agreement"]["items"] == 2
    assert {p["reviewer"]: p["done"] for p in body["progress"]} == {"bob": 2, "carol": 2}
    late = post(api(bob), f"/pilots/{pilot['id']}/vote/", {"record": 1, "decision": "exclude"})
    assert late.status_code == 400 and "closed" in str(late.json())
    assert post(owner, f"/pilots/{pilot['id']}/close/").status_code == 400
    assert [p["id"] for p in api(bob).get(f"{BASE}/pilots/?status=closed").json()["results"]] == [pilot["id"]]


def test_a_pilot_larger_than_the_records_left_is_refused_by_field(api, alice, make_records):
    make_records(2)
    response = post(api(alice), "/pilots/", {"size": 3})
    assert response.status_code == 400 and "Only 2 records" in response.json()["size"][0]
    assert post(api(alice), "/pilots/", {"size": 0}).status_code == 400
