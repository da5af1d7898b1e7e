"""Progress and the conflict list at scale: the counts come from the small tables and the work list's own
definition, in a bounded number of queries whatever the number of records or conflicts."""

from reviewapp.models import Membership, RemovalReason, Review
from reviewapp.services import duplicates as duplicate_services
from screening import selectors
from screening.models import Conflict, QueueItem, Stage
from screening.services import setup as setup_services
from screening.services import votes as vote_services
from screening.services import worklist as worklist_services
from tests.screening.conftest import imported

TA = Stage.TITLE_ABSTRACT
BASE = "/api/v1/reviews/perinatal-msc/screening"


def _queue_size(review, user, stage=TA) -> int:
    review.refresh_from_db()
    worklist_services.worklist_ensure_synced(review=review, stage=stage, reviewer=user)
    return QueueItem.objects.filter(review=review, stage=stage, reviewer=user).count()


def _remaining(review, user, stage=TA) -> int:
    review = Review.objects.get(pk=review.pk)  # as a request loads it
    return selectors.my_progress(review, stage, user)["remaining"]


def _a_busy_review(review, make_records, alice, bob, carol, dave, cast):
    """Votes by everyone, a conflict, a resolved conflict, agreements, a removed and a merged record."""
    Membership.objects.filter(user=dave).update(is_reviewer=True, is_arbiter=True)
    records = make_records(14)
    cast(bob, records[0], "include")  # bob alone
    cast(carol, records[1], "exclude")  # carol alone
    cast(bob, records[2], "include")
    cast(carol, records[2], "exclude")  # a conflict
    cast(bob, records[3], "exclude")
    cast(carol, records[3], "exclude")  # agreed
    cast(bob, records[4], "include")
    cast(dave, records[4], "exclude")
    conflict = Conflict.objects.get(record=records[4])
    vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="include")
    cast(bob, records[5], "include")
    duplicate_services.record_remove(record=records[5], actor=alice, reason=RemovalReason.OTHER, note="x")
    cast(dave, records[6], "maybe")
    records[7].duplicate_of = records[8]
    records[7].save(update_fields=["duplicate_of"])
    imported(review)
    return records


def test_remaining_is_what_the_work_list_still_offers(review, make_records, alice, bob, carol, dave, cast):
    _a_busy_review(review, make_records, alice, bob, carol, dave, cast)
    for user in (bob, carol, dave):
        assert _remaining(review, user) == _queue_size(review, user)
    assert _remaining(review, bob) == 14 - 2 - 3 - 1  # removed/merged, decided or in conflict, his own
    team = selectors.team_progress(Review.objects.get(pk=review.pk), TA)
    assert (team["total"], team["decided"], team["conflicts"]) == (12, 2, 1)


def test_remaining_follows_votes_and_new_records(review, make_records, bob, carol, cast):
    records = make_records(6)
    assert _remaining(review, bob) == 6
    cast(carol, records[0], "include")
    cast(bob, records[1], "include")
    assert _remaining(review, bob) == 5 == _queue_size(review, bob)
    make_records(3)  # a new import: a new records version, counted again
    assert _remaining(review, bob) == 8 == _queue_size(review, bob)


def test_with_assignment_remaining_is_counted_from_the_work_list(review, make_records, alice, bob, carol):
    records = make_records(6)
    setup_services.screening_settings_update(review=review, actor=alice, assignment=True)
    setup_services.assignment_add(
        review=review, actor=alice, stage=TA, record_ids=[r.pk for r in records[:2]], reviewer_ids=[bob.pk]
    )
    assert _queue_size(review, bob) == 2 == _remaining(review, bob)
    assert _queue_size(review, carol) == 0 == _remaining(review, carol)


def test_progress_takes_a_few_queries_whatever_the_size(
    api, review, make_records, bob, carol, cast, django_assert_max_num_queries
):
    records = make_records(30)
    for record in records[:10]:
        cast(carol, record, "include")
        cast(bob, record, "exclude" if record.pk % 2 else "include")
    client = api(bob)
    client.get(BASE + "/progress/")  # the records count is kept per version of the review's records
    with django_assert_max_num_queries(9):
        data = client.get(BASE + "/progress/").json()
    assert data["mine"]["done"] == 10 and data["mine"]["remaining"] == 20
    assert data["team"]["total"] == 30


def test_the_conflict_list_takes_a_few_queries_and_honours_page_size(
    api, review, make_records, bob, carol, dave, cast, django_assert_max_num_queries
):
    records = make_records(12)
    for record in records:
        cast(bob, record, "include")
        cast(carol, record, "exclude")
    client = api(dave)
    with django_assert_max_num_queries(8):
        page = client.get(BASE + "/conflicts/?status=open&page_size=5").json()
    assert page["count"] == 12 and len(page["results"]) == 5
    assert {len(c["votes"]) for c in page["results"]} == {2}
    assert len(client.get(BASE + "/conflicts/?status=open").json()["results"]) == 12
