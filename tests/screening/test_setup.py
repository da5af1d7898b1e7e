"""The team's screening set-up (issue 13, items 4, 8 and 14): title/abstract exclusion reasons, labels,
assignment of records to reviewers, pilot rounds; and the vote panel's guards (a vote names its record,
an undo keeps the note)."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from reviewapp.models import AuditEvent, Membership
from screening import selectors
from screening.models import (
    Assignment,
    PilotStatus,
    PilotVote,
    QueueItem,
    ReasonMode,
    RecordLabel,
    Stage,
    Verdict,
    Vote,
    VoteRevision,
)
from screening.services import fulltext as fulltext_services
from screening.services import pilot as pilot_services
from screening.services import setup as setup_services
from screening.services import votes as vote_services
from screening.services import worklist as worklist_services
from screening.services.setup import split_plan
from tests.factories import UserFactory
from tests.screening.conftest import in_reviewer_order

PAGES = "/reviews/perinatal-msc/screening"
HTMX = {"HTTP_HX_REQUEST": "true"}
TA = Stage.TITLE_ABSTRACT
TA_REASONS = ["Not perinatal MSCs", "Not diabetes"]


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def queue(review, user, stage=TA) -> list[int]:
    """The records the user's work list offers, in order."""
    worklist_services.worklist_ensure_synced(review=review, stage=stage, reviewer=user)
    items = QueueItem.objects.filter(review=review, stage=stage, reviewer=user).order_by("sort_key")
    return list(items.values_list("record_id", flat=True))


def ta_reasons(review, alice, mode):
    reasons = fulltext_services.exclusion_reasons_set(review=review, actor=alice, labels=TA_REASONS, stage=TA)
    setup_services.screening_settings_update(review=review, actor=alice, title_abstract_reasons=mode)
    review.refresh_from_db()
    return reasons


# --- the vote panel: a vote names its record; an undo keeps the note --------------------------------


def test_a_vote_lands_on_the_record_it_names_not_on_the_one_now_shown(client_for, review, bob, records):
    client = client_for(bob)
    first, second = in_reviewer_order(review, bob, records)[:2]
    client.post(f"{PAGES}/screen/title_abstract/vote/", {"record": first.pk, "decision": "exclude"}, **HTMX)
    # A second press whose form was the first record's (the panel has moved on to `second` by now).
    html = client.post(
        f"{PAGES}/screen/title_abstract/vote/", {"record": first.pk, "decision": "exclude"}, **HTMX
    ).content.decode()
    assert list(Vote.objects.filter(reviewer=bob).values_list("record_id", flat=True)) == [first.pk]
    assert f'data-record="{second.pk}"' in html  # the next record is shown, unvoted
    assert f'data-testid="just-voted" data-record="{first.pk}" data-decision="exclude"' in html
    assert f"Excluded #{first.pk}" in html


def test_undoing_a_vote_keeps_its_note_and_offers_it_again(client_for, review, bob, records, cast):
    cast(bob, records[0], "exclude", note="Adipose MSCs only")
    client = client_for(bob)
    html = client.post(f"{PAGES}/screen/title_abstract/undo/", **HTMX).content.decode()
    assert not Vote.objects.filter(reviewer=bob).exists()
    revision = VoteRevision.objects.get(reviewer=bob, record=records[0])
    assert (revision.kind, revision.note) == ("retracted", "Adipose MSCs only")
    assert f'data-record="{records[0].pk}"' in html
    assert ">Adipose MSCs only</textarea>" in html
    assert f"Vote on #{records[0].pk} undone (your note is kept below)" in html
    # Opened again later, the panel still offers the note; re-voting with it keeps it.
    html = client.get(f"{PAGES}/screen/title_abstract/?record={records[0].pk}").content.decode()
    assert ">Adipose MSCs only</textarea>" in html


def test_an_undone_full_text_vote_offers_its_reason_again(
    client_for, review, bob, records, reasons, retrieved
):
    record = retrieved(records[0])
    vote_services.vote_cast(
        review=review,
        actor=bob,
        record_id=record.pk,
        stage=Stage.FULL_TEXT,
        decision="exclude",
        reason=reasons[2],
    )
    html = client_for(bob).post(f"{PAGES}/screen/full_text/undo/", **HTMX).content.decode()
    assert (
        f'value="{reasons[2].pk}" id="vote-reason-3" data-testid="vote-reason-3" data-key="3" checked' in html
    )


# --- title/abstract exclusion reasons -----------------------------------------------------------------


def test_title_abstract_reasons_are_not_asked_by_default(review, alice, bob, records, cast):
    fulltext_services.exclusion_reasons_set(review=review, actor=alice, labels=TA_REASONS, stage=TA)
    outcome = cast(bob, records[0], "exclude")
    assert outcome.vote.reason is None


def test_an_optional_title_abstract_reason_is_stored_when_given(review, alice, bob, carol, records, cast):
    reasons = ta_reasons(review, alice, ReasonMode.OPTIONAL)
    assert cast(bob, records[0], "exclude").vote.reason is None
    assert cast(carol, records[0], "exclude", reason=reasons[1].pk).vote.reason == reasons[1]
    verdict = Verdict.objects.get(record=records[0], stage=TA)
    assert (verdict.decision, verdict.reason) == ("exclude", reasons[1])  # the reason given


def test_a_required_title_abstract_reason_is_refused_when_missing_or_foreign(
    review, alice, bob, records, reasons, cast
):
    ta_reasons(review, alice, ReasonMode.REQUIRED)
    with pytest.raises(ValidationError, match="title/abstract exclusion needs a reason"):
        cast(bob, records[0], "exclude")
    with pytest.raises(ValidationError, match="Not one of this review's title/abstract exclusion reasons"):
        cast(bob, records[0], "exclude", reason=reasons[0].pk)  # a full-text reason
    assert cast(bob, records[0], "include").vote.reason is None
    assert not Vote.objects.filter(decision="exclude").exists()


def test_the_owner_sets_title_abstract_reasons_on_the_setup_page(client_for, review, alice, bob, records):
    response = client_for(alice).post(
        f"{PAGES}/setup/", {"action": "ta_reasons", "mode": "required", "labels": "Not RCT\nNot diabetes\n"}
    )
    assert response.status_code == 302
    assert selectors.exclusion_reasons_of(review, TA).count() == 2
    html = client_for(bob).get(f"{PAGES}/screen/title_abstract/").content.decode()
    assert 'data-testid="vote-reasons"' in html and "Not RCT" in html
    assert client_for(bob).post(f"{PAGES}/setup/", {"action": "ta_reasons", "mode": "off"}).status_code == 403


# --- labels ---------------------------------------------------------------------------------------


def test_reviewers_label_records_and_the_labels_are_blinded_like_votes(
    review, alice, bob, carol, records, cast
):
    rct, _ = setup_services.labels_set(review=review, actor=alice, names=["RCT", "Animal study"])
    assert setup_services.record_label_toggle(
        review=review, actor=bob, record_id=records[0].pk, label_id=rct.pk
    )
    assert [r.pk for r in selectors.records_labelled(review, bob, rct.pk)] == [records[0].pk]
    assert list(selectors.records_labelled(review, carol, rct.pk)) == []  # blind, voting incomplete
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    assert [r.pk for r in selectors.records_labelled(review, carol, rct.pk)] == [records[0].pk]
    # A second toggle takes the tag off again.
    assert not setup_services.record_label_toggle(
        review=review, actor=bob, record_id=records[0].pk, label_id=rct.pk
    )
    assert not RecordLabel.objects.exists()
    assert list(AuditEvent.objects.filter(verb__startswith="label.").values_list("verb", flat=True)) == [
        "label.added",
        "label.removed",
    ]


def test_the_labels_page_filters_records_by_label(
    client_for, review, alice, bob, records, django_assert_max_num_queries
):
    rct, animal = setup_services.labels_set(review=review, actor=alice, names=["RCT", "Animal study"])
    client = client_for(bob)
    for record in records[:3]:
        client.post(f"{PAGES}/records/{record.pk}/label/", {"label": rct.pk}, **HTMX)
    client.post(f"{PAGES}/records/{records[4].pk}/label/", {"label": animal.pk}, **HTMX)
    with django_assert_max_num_queries(12):
        html = client.get(f"{PAGES}/labels/?label={rct.pk}").content.decode()
    shown = {int(pk) for pk in re.findall(r'data-testid="labelled-record" data-record="(\d+)"', html)}
    assert shown == {r.pk for r in records[:3]}


def test_a_retired_or_foreign_label_cannot_be_put_on_a_record(client_for, review, alice, bob, records):
    (rct,) = setup_services.labels_set(review=review, actor=alice, names=["RCT"])
    setup_services.labels_set(review=review, actor=alice, names=["Other"])
    response = client_for(bob).post(f"{PAGES}/records/{records[0].pk}/label/", {"label": rct.pk}, **HTMX)
    assert response.status_code == 422 and "Not one of this review" in response.content.decode()
    assert not RecordLabel.objects.exists()


# --- assignment -------------------------------------------------------------------------------------


def test_a_split_deals_records_evenly_each_to_n_reviewers():
    plan = split_plan(list(range(9)), [1, 2, 3], per_record=2)
    assert all(len(set(whom)) == 2 for whom in plan.values())
    load = {who: sum(who in whom for whom in plan.values()) for who in (1, 2, 3)}
    assert load == {1: 6, 2: 6, 3: 6}


def test_with_assignment_on_a_reviewer_is_offered_only_their_records(
    review, alice, bob, carol, make_records, cast
):
    dan = UserFactory(username="dan")
    Membership.objects.create(review=review, user=dan, is_reviewer=True)
    records = make_records(9)
    setup_services.screening_settings_update(review=review, actor=alice, assignment=True)
    assert queue(review, bob) == []  # on, nothing assigned yet: nothing offered
    count = setup_services.assignment_split(
        review=review, actor=alice, stage=TA, reviewer_ids=[bob.pk, carol.pk, dan.pk], seed=3
    )
    assert count == 9
    for user in (bob, carol, dan):
        mine = set(Assignment.objects.filter(reviewer=user).values_list("record_id", flat=True))
        assert len(mine) == 6 and set(queue(review, user)) == mine
    assert all(Assignment.objects.filter(record=r).count() == 2 for r in records)
    other = next(r for r in records if not Assignment.objects.filter(record=r, reviewer=bob).exists())
    with pytest.raises(ValidationError, match="not assigned to you"):
        cast(bob, other, "include")
    # Votes from the two assigned reviewers complete the record; nobody else is offered it any more.
    first, second = Assignment.objects.filter(record=other).values_list("reviewer_id", flat=True)
    users = {u.pk: u for u in (bob, carol, dan)}
    cast(users[first], other, "include")
    cast(users[second], other, "include")
    assert Verdict.objects.filter(record=other).exists()
    # Assignment off again: every open record is offered to everyone again.
    setup_services.screening_settings_update(review=review, actor=alice, assignment=False)
    assert len(queue(review, bob)) == 9 - 1


def test_the_owner_assigns_a_filtered_set_on_the_setup_page(
    client_for, review, alice, bob, carol, make_records
):
    tagged = make_records(2, title="Umbilical cord MSCs in T2D")
    make_records(3, title="Adipose tissue MSCs")
    client = client_for(alice)
    client.post(f"{PAGES}/setup/", {"action": "assignment_mode", "assignment": "on"})
    response = client.post(
        f"{PAGES}/setup/",
        {
            "action": "assign",
            "stage": TA,
            "text": "in t2d",
            "unassigned_only": "on",
            "reviewers": [bob.pk, carol.pk],
        },
    )
    assert response.status_code == 302
    assert set(queue(review, bob)) == set(queue(review, carol)) == {r.pk for r in tagged}
    html = client.get(f"{PAGES}/setup/").content.decode()
    assert 'data-testid="assignment-state">on<' in html
    assert "3 title/abstract records are assigned to fewer than 2 reviewers" in html


def test_only_the_owner_assigns(review, bob, records):
    with pytest.raises(PermissionDenied):
        setup_services.assignment_split(review=review, actor=bob, stage=TA, reviewer_ids=[bob.pk])


# --- pilot rounds -----------------------------------------------------------------------------------


def test_a_pilot_round_is_screened_by_everyone_and_its_votes_do_not_count(
    review, alice, bob, carol, make_records
):
    records = make_records(6)
    pilot = pilot_services.pilot_start(review=review, actor=alice, size=4, seed=1)
    sample = set(pilot.records.values_list("pk", flat=True))
    assert len(sample) == 4
    # Held out of the work lists while open; the vote service refuses them there too.
    assert set(queue(review, bob)) == {r.pk for r in records} - sample
    with pytest.raises(ValidationError, match="open pilot round"):
        vote_services.vote_cast(review=review, actor=bob, record_id=min(sample), stage=TA, decision="include")
    for user, decisions in ((bob, "iiee"), (carol, "iiei")):
        for record_id, letter in zip(sorted(sample), decisions, strict=True):
            decision = {"i": "include", "e": "exclude"}[letter]
            pilot_services.pilot_vote_cast(pilot=pilot, actor=user, record_id=record_id, decision=decision)
    assert PilotVote.objects.count() == 8
    assert not Vote.objects.exists() and not Verdict.objects.exists()
    assert not selectors.pilot_results_visible(pilot)  # blind review: shown once closed
    pilot_services.pilot_close(pilot=pilot, actor=alice)
    pilot.refresh_from_db()
    assert pilot.status == PilotStatus.CLOSED and selectors.pilot_results_visible(pilot)
    (pair,) = selectors.pilot_agreement(pilot)["pairs"]
    assert pair["items"] == 4 and pair["percent_agreement"] == pytest.approx(0.75)
    assert pair["cohen"]["kappa"] == pytest.approx(0.5)  # po .75, pe .5
    # Closed: the sample goes back into the work lists to be screened for real.
    assert set(queue(review, bob)) == {r.pk for r in records}
    with pytest.raises(ValidationError, match="closed"):
        pilot_services.pilot_vote_cast(pilot=pilot, actor=bob, record_id=min(sample), decision="exclude")


def test_a_pilot_needs_the_owner_enough_fresh_records_and_no_open_round(
    review, alice, bob, make_records, cast
):
    records = make_records(3)
    cast(bob, records[0], "include")
    with pytest.raises(PermissionDenied):
        pilot_services.pilot_start(review=review, actor=bob, size=1)
    with pytest.raises(ValidationError, match="Only 2 records"):
        pilot_services.pilot_start(review=review, actor=alice, size=3)
    pilot_services.pilot_start(review=review, actor=alice, size=2)
    with pytest.raises(ValidationError, match="open already"):
        pilot_services.pilot_start(review=review, actor=alice, size=1)


def test_the_pilot_pages_show_practice_votes_and_the_kappa_once_closed(
    client_for, review, alice, bob, carol, make_records, django_assert_max_num_queries
):
    make_records(5)
    owner = client_for(alice)
    assert owner.post(f"{PAGES}/pilot/", {"action": "start", "size": "3"}).status_code == 302
    pilot = selectors.open_pilot(review)
    for user in (bob, carol):
        client = client_for(user)
        assert 'data-testid="pilot-invite"' in client.get(f"{PAGES}/screen/title_abstract/").content.decode()
        for _ in range(3):
            html = client.get(f"{PAGES}/pilot/screen/", **HTMX).content.decode()
            assert "practice votes: they do not count" in html
            record_id = int(re.search(r'data-pilot="\d+" data-record="(\d+)"', html).group(1))
            client.post(f"{PAGES}/pilot/screen/", {"record": record_id, "decision": "include"}, **HTMX)
        assert 'data-testid="pilot-done"' in client.get(f"{PAGES}/pilot/screen/", **HTMX).content.decode()
    html = owner.get(f"{PAGES}/pilot/").content.decode()
    assert 'data-testid="pilot-results-hidden"' in html
    owner.post(f"{PAGES}/pilot/", {"action": "close"})
    reader = client_for(bob)
    with django_assert_max_num_queries(20):  # at most the 5 latest rounds are shown
        html = reader.get(f"{PAGES}/pilot/").content.decode()
    assert 'data-testid="pilot-agreement"' in html and 'data-testid="pilot-pair"' in html
    assert PilotVote.objects.filter(pilot=pilot).count() == 6 and not Vote.objects.exists()


# --- who may see and do what ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/setup/", "/labels/", "/pilot/"])
def test_members_read_the_setup_pages_and_outsiders_get_404(client_for, team, path):
    assert client_for(team["viewer"]).get(PAGES + path).status_code == 200
    assert client_for(team["outsider"]).get(PAGES + path).status_code == 404


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/setup/", {"action": "assignment_mode", "assignment": "on"}),
        ("/pilot/", {"action": "start", "size": "1"}),
        ("/pilot/screen/", {"record": "1", "decision": "include"}),
        ("/records/1/label/", {"label": "1"}),
    ],
)
def test_outsiders_and_viewers_cannot_write_the_setup(client_for, team, records, path, data):
    assert client_for(team["outsider"]).post(PAGES + path, data).status_code == 404
    assert client_for(team["viewer"]).post(PAGES + path, data).status_code == 403
    assert not Assignment.objects.exists() and not RecordLabel.objects.exists()
    assert selectors.open_pilot(team["owner"].memberships.first().review) is None


def test_the_setup_page_costs_a_constant_number_of_queries(
    client_for, review, alice, bob, carol, make_records, django_assert_max_num_queries
):
    make_records(20)
    setup_services.labels_set(review=review, actor=alice, names=["RCT", "Animal"])
    setup_services.screening_settings_update(review=review, actor=alice, assignment=True)
    setup_services.assignment_split(review=review, actor=alice, stage=TA, reviewer_ids=[bob.pk, carol.pk])
    client = client_for(alice)
    with django_assert_max_num_queries(14):
        assert client.get(f"{PAGES}/setup/").status_code == 200


def test_an_arbiter_gives_a_title_abstract_reason_when_the_review_requires_one(
    client_for, review, alice, bob, carol, dave, records, cast
):
    reasons = ta_reasons(review, alice, ReasonMode.REQUIRED)
    cast(bob, records[0], "include")
    outcome = cast(carol, records[0], "exclude", reason=reasons[0].pk)
    client = client_for(dave)
    url = f"{PAGES}/conflicts/{outcome.conflict.pk}/"
    assert 'data-testid="resolve-reason-2"' in client.get(url).content.decode()
    refused = client.post(url, {"decision": "exclude"})
    assert refused.status_code == 422 and "needs a reason" in refused.content.decode()
    assert client.post(url, {"decision": "exclude", "reason": reasons[1].pk}).status_code == 302
    verdict = Verdict.objects.get(record=records[0], stage=TA)
    assert (verdict.decision, verdict.method, verdict.reason) == ("exclude", "arbitration", reasons[1])
