"""Prioritised screening in the app: settings, training off the request path, the ranked work list."""

import pytest
from django.core.exceptions import ValidationError

from reviewapp.models import AuditEvent
from screening import selectors
from screening.models import PrioritySettings, QueueItem, RankingRun, RankPosition, Stage
from screening.services import ranking as ranking_services
from tests.factories import RecordFactory

from .conftest import imported

TA = Stage.TITLE_ABSTRACT
RELEVANT = "Umbilical cord mesenchymal stromal cells lower glucose in diabetic rats"
IRRELEVANT = "Statin adherence after myocardial infarction in elderly heart patients"


@pytest.fixture
def topical(review, batch):
    """Twenty records about the topic, twenty about something else, in one import."""

    def make():
        relevant = [RecordFactory(batch=batch, title=f"{RELEVANT} {i}", abstract=RELEVANT) for i in range(20)]
        other = [
            RecordFactory(batch=batch, title=f"{IRRELEVANT} {i}", abstract=IRRELEVANT) for i in range(20)
        ]
        imported(review)
        return relevant, other

    return make


def _ranking_on(review, alice, captured, **extra):
    with captured(execute=True):
        return ranking_services.priority_settings_update(
            review=review, actor=alice, rank_by_relevance=True, **extra
        )


def _queue(review, user):
    return list(
        QueueItem.objects.filter(review=review, stage=TA, reviewer=user)
        .order_by("votes_so_far", "sort_key")
        .values_list("record_id", flat=True)
    )


def test_turning_ranking_on_with_no_include_and_exclude_yet_keeps_the_stable_order(
    review, alice, bob, records, django_capture_on_commit_callbacks
):
    before = _queue(review, bob)
    _ranking_on(review, alice, django_capture_on_commit_callbacks)
    run = RankingRun.objects.get(review=review)
    assert run.status == "succeeded" and run.cold_start
    assert _queue(review, bob) == before and not RankPosition.objects.exists()
    assert AuditEvent.objects.filter(verb="screening.priority_updated").count() == 1


def test_after_k_votes_the_model_is_retrained_and_relevant_records_come_first(
    review, alice, bob, carol, topical, cast, django_capture_on_commit_callbacks
):
    relevant, other = topical()
    _ranking_on(review, alice, django_capture_on_commit_callbacks, retrain_every=4)
    with django_capture_on_commit_callbacks(execute=True):
        for record, decision in [(relevant[0], "include"), (other[0], "exclude")] * 1 + [
            (relevant[1], "include"),
            (other[1], "exclude"),
        ]:
            cast(carol, record, decision)
    run = RankingRun.objects.filter(review=review, cold_start=False).get()
    assert run.status == "succeeded" and run.n_included == 2 and run.n_excluded == 2
    fresh = [pk for pk in _queue(review, bob) if pk not in {r.pk for r in relevant[:2] + other[:2]}]
    relevant_ids = {r.pk for r in relevant}
    assert set(fresh[:18]) == relevant_ids - {relevant[0].pk, relevant[1].pk}  # every relevant one first
    head = QueueItem.objects.get(review=review, stage=TA, reviewer=bob, record_id=fresh[0])
    assert head.rank_score is not None and head.rank_score > 0
    assert any("glucose" in term for term, _ in run.top_terms)


def test_votes_below_k_queue_no_training(
    review, alice, carol, topical, cast, django_capture_on_commit_callbacks
):
    relevant, other = topical()
    _ranking_on(review, alice, django_capture_on_commit_callbacks, retrain_every=10)
    with django_capture_on_commit_callbacks(execute=True):
        cast(carol, relevant[0], "include")
        cast(carol, other[0], "exclude")
    assert RankingRun.objects.filter(review=review).count() == 1  # only the first, on switching it on
    assert PrioritySettings.objects.get(review=review).votes_since_training == 2


def test_a_second_request_while_one_is_queued_is_a_no_op(review, alice, records):
    PrioritySettings.objects.create(review=review, rank_by_relevance=True)
    first = ranking_services.ranking_request(review=review)
    assert first is not None
    assert ranking_services.ranking_request(review=review) is None
    assert RankingRun.objects.filter(review=review).count() == 1


def test_a_retried_task_changes_nothing(review, alice, carol, topical, cast):
    relevant, other = topical()
    PrioritySettings.objects.create(review=review, rank_by_relevance=True)
    cast(carol, relevant[0], "include")
    cast(carol, other[0], "exclude")
    run = ranking_services.ranking_request(review=review)
    ranking_services.ranking_train(run_id=run.pk)
    stored = list(RankPosition.objects.order_by("key").values_list("record_id", "key"))
    again = ranking_services.ranking_train(run_id=run.pk)  # redelivered: the claim refuses it
    assert again is None
    assert list(RankPosition.objects.order_by("key").values_list("record_id", "key")) == stored
    assert len(stored) == 40


def test_reviewers_keep_the_previous_ranking_until_the_new_one_is_stored(
    review, alice, bob, carol, topical, cast
):
    relevant, other = topical()
    PrioritySettings.objects.create(review=review, rank_by_relevance=True)
    cast(carol, relevant[0], "include")
    cast(carol, other[0], "exclude")
    before = _queue(review, bob)
    run = ranking_services.ranking_request(review=review)  # queued, not yet run
    assert _queue(review, bob) == before
    assert selectors.next_record(review, TA, bob) is not None
    ranking_services.ranking_train(run_id=run.pk)
    assert _queue(review, bob) != before


def test_turning_ranking_off_restores_the_stable_order(
    review, alice, bob, carol, topical, cast, django_capture_on_commit_callbacks
):
    relevant, other = topical()
    stable = _queue(review, bob)
    cast(carol, relevant[0], "include")
    cast(carol, other[0], "exclude")
    _ranking_on(review, alice, django_capture_on_commit_callbacks)
    assert RankPosition.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        ranking_services.priority_settings_update(review=review, actor=alice, rank_by_relevance=False)
    assert not RankPosition.objects.exists()
    assert set(QueueItem.objects.filter(reviewer=bob).values_list("rank_score", flat=True)) == {None}
    order = [pk for pk in stable if pk in set(_queue(review, bob))]
    assert sorted(_queue(review, bob), key=order.index) == order


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"retrain_every": 0}, "retrain_every"),
        ({"recall_target": 1.5}, "recall_target"),
        ({"confidence": 0.2}, "confidence"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(review, alice, changes, field):
    with pytest.raises(ValidationError) as error:
        ranking_services.priority_settings_update(review=review, actor=alice, **changes)
    assert field in error.value.message_dict


def test_the_screening_page_says_why_a_record_ranks_high(
    review, alice, bob, carol, topical, cast, client, django_capture_on_commit_callbacks
):
    relevant, other = topical()
    cast(carol, relevant[0], "include")
    cast(carol, other[0], "exclude")
    _ranking_on(review, alice, django_capture_on_commit_callbacks)
    client.force_login(bob)
    target = relevant[5]
    html = client.get(
        f"/reviews/perinatal-msc/screening/screen/title_abstract/?record={target.pk}"
    ).content.decode()
    position = RankPosition.objects.get(record=target)
    assert f'data-testid="relevance-rank">{position.key + 2**62 + 1}<' in html
    assert 'data-testid="relevance-term"' in html
    terms = selectors.relevance_of(review, target)["terms"]
    assert terms and all(term in (RELEVANT.lower() + " " + target.title.lower()) for term, _ in terms)
    other_html = client.get(
        f"/reviews/perinatal-msc/screening/screen/title_abstract/?record={other[5].pk}"
    ).content.decode()
    assert 'data-testid="relevance"' in other_html  # ranked low, but still says where


def test_without_ranking_the_page_shows_no_relevance(review, bob, records, client):
    client.force_login(bob)
    html = client.get("/reviews/perinatal-msc/screening/screen/title_abstract/").content.decode()
    assert 'data-testid="relevance"' not in html


def test_new_records_with_ranking_on_queue_a_retraining(
    review, alice, bob, topical, cast, django_capture_on_commit_callbacks
):
    from reviewapp import registry

    topical()
    PrioritySettings.objects.create(review=review, rank_by_relevance=True)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        registry.records_changed(review=review)  # what an import, a merge or a removal calls
    assert RankingRun.objects.filter(review=review, status="queued").count() == 1
    assert len(queued) == 2  # the work-list build and the training


def test_a_record_someone_voted_on_keeps_its_place_from_before_the_vote(
    review, alice, bob, carol, topical, cast, django_capture_on_commit_callbacks
):
    relevant, other = topical()
    cast(carol, relevant[0], "include")
    cast(carol, other[0], "exclude")
    _ranking_on(review, alice, django_capture_on_commit_callbacks, retrain_every=2)
    target = other[7]
    before = RankPosition.objects.get(record=target)
    with django_capture_on_commit_callbacks(execute=True):
        cast(carol, target, "include")  # a surprising include: refitted, its score would jump
        cast(carol, other[8], "exclude")
    assert RankingRun.objects.filter(review=review, status="succeeded", cold_start=False).count() == 2
    after = RankPosition.objects.get(record=target)
    assert (after.key, after.score, after.run_id) == (before.key, before.score, before.run_id)
    assert RankPosition.objects.get(record=other[9]).run_id != before.run_id  # the others were re-ranked


def test_a_reviewer_who_joins_later_gets_the_ranked_order(
    review, alice, carol, topical, cast, django_capture_on_commit_callbacks
):
    from reviewapp.services import reviews as review_services
    from tests.factories import UserFactory

    relevant, other = topical()
    cast(carol, relevant[0], "include")
    cast(carol, other[0], "exclude")
    _ranking_on(review, alice, django_capture_on_commit_callbacks)
    erin = UserFactory(username="erin")
    with django_capture_on_commit_callbacks(execute=True):
        review_services.member_set(review=review, actor=alice, user=erin, roles=["reviewer"])
    fresh = QueueItem.objects.filter(reviewer=erin, stage=TA, votes_so_far=0).order_by("sort_key")
    assert {r.record_id for r in fresh[:19]} == {r.pk for r in relevant[1:]}
    assert None not in {r.rank_score for r in fresh}


@pytest.mark.parametrize("status", ["running", "queued"])
def test_a_lost_training_is_failed_and_the_next_vote_queues_a_new_one(
    review, alice, bob, carol, topical, cast, status, django_capture_on_commit_callbacks
):
    """A training whose worker went away (running without a heartbeat, or queued with its task lost) for
    longer than the job lease no longer blocks the review: the next vote replaces it, K votes or not."""
    import datetime as dt

    from django.utils import timezone

    from reviewapp import jobs

    relevant, other = topical()
    PrioritySettings.objects.create(review=review, rank_by_relevance=True, retrain_every=50)
    long_ago = timezone.now() - jobs.lease() - dt.timedelta(seconds=5)
    lost = RankingRun.objects.create(review=review, status=status)
    RankingRun.objects.filter(pk=lost.pk).update(created_at=long_ago, heartbeat_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        cast(carol, relevant[0], "include")
    lost.refresh_from_db()
    assert (lost.status, lost.error) == ("failed", jobs.STALE_ERROR)
    fresh = RankingRun.objects.exclude(pk=lost.pk).get()
    assert fresh.status == "succeeded"  # ran (eagerly, here) on the vote
    assert PrioritySettings.objects.get(review=review).votes_since_training == 0


def test_a_training_within_its_lease_is_left_running(review, alice, carol, topical, cast):
    relevant, other = topical()
    PrioritySettings.objects.create(review=review, rank_by_relevance=True, retrain_every=50)
    running = RankingRun.objects.create(review=review, status="running")
    cast(carol, relevant[0], "include")
    running.refresh_from_db()
    assert running.status == "running" and RankingRun.objects.count() == 1
    assert PrioritySettings.objects.get(review=review).votes_since_training == 1
