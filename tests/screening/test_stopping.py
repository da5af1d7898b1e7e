"""The stopping panel and the owner's stop / undo: the records nobody voted on leave screening as "marked
ineligible by automation tools", in their own PRISMA box, and come back on undo."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reviewapp.models import AuditEvent, RemovalReason
from screening import selectors
from screening.models import AutomationStop, QueueItem, Stage
from screening.ranking.stopping import hypergeometric_test
from screening.services import stopping as stopping_services
from synthesis.prisma_selectors import prisma_counts

PAGES = "/reviews/perinatal-msc/screening"


@pytest.fixture
def browser(client):
    def client_for(user):
        client.force_login(user)
        return client

    return client_for


def test_the_sequence_follows_first_votes_and_verdicts(review, screened, bob, cast):
    cast(bob, screened[20], "maybe")  # one vote, no verdict: maybe counts as relevant
    sequence = selectors.screening_sequence(review)
    assert sequence == [1, 0, 0, 1] + [0] * 8 + [1]


def test_the_panel_shows_the_test_the_streak_and_the_stop_button(review, alice, screened, browser):
    html = browser(alice).get(PAGES + "/agreement/").content.decode()
    expected = hypergeometric_test([1, 0, 0, 1] + [0] * 8, 30, 0.95, 0.95)
    assert f'data-testid="stopping-p">{expected.p_value:.3f}'.replace("0.", "0.") in html
    assert 'data-testid="stopping-streak">8<' in html
    assert 'data-testid="stop-screening"' in html and "exclude 18 unscreened records" in html


def test_with_every_record_voted_on_the_owner_is_told_there_is_nothing_to_stop(
    review, alice, make_records, bob, cast, browser
):
    for record in make_records(5):
        cast(bob, record, "exclude")  # one vote each: not unscreened, though the pairs are not complete
    html = browser(alice).get(PAGES + "/agreement/").content.decode()
    assert 'data-testid="nothing-to-stop"' in html and 'data-testid="stop-screening"' not in html


def test_a_reviewer_sees_the_panel_but_no_stop_button(review, bob, screened, browser):
    html = browser(bob).get(PAGES + "/agreement/").content.decode()
    assert 'data-testid="stopping-test"' in html and 'data-testid="stop-screening"' not in html
    assert browser(bob).post(PAGES + "/stop/").status_code == 403


def test_stopping_excludes_the_unscreened_records_into_their_own_prisma_box(
    review, alice, bob, carol, screened, cast, django_capture_on_commit_callbacks
):
    cast(bob, screened[12], "include")  # half-voted: stays in screening for carol
    before = prisma_counts(review)
    with django_capture_on_commit_callbacks(execute=True):
        stop = stopping_services.screening_stop(review=review, actor=alice)
    assert stop.records_count == 17
    stopped = review.records.filter(removed_reason=RemovalReason.AUTOMATION)
    assert set(stopped.values_list("pk", flat=True)) == {r.pk for r in screened[13:]}
    after = prisma_counts(review)
    assert after.excluded_automatic == before.excluded_automatic + 17
    assert after.identified == before.identified  # the boxes still add up (prisma_counts checks them)
    assert list(QueueItem.objects.filter(reviewer=carol).values_list("record_id", flat=True)) == [
        screened[12].pk
    ]
    assert AuditEvent.objects.filter(verb="screening.stopped", data__records=17).exists()


def test_undo_puts_the_records_back_into_the_work_lists(
    review, alice, bob, screened, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        stop = stopping_services.screening_stop(review=review, actor=alice)
    assert not QueueItem.objects.filter(reviewer=bob, stage=Stage.TITLE_ABSTRACT).exists()
    with django_capture_on_commit_callbacks(execute=True):
        stopping_services.screening_stop_undo(review=review, actor=alice, stop_id=stop.pk)
    assert not review.records.filter(removed_reason=RemovalReason.AUTOMATION).exists()
    assert QueueItem.objects.filter(reviewer=bob, stage=Stage.TITLE_ABSTRACT).count() == 18
    assert prisma_counts(review).excluded_automatic == 0
    assert AuditEvent.objects.filter(verb="screening.stop_undone", data__records=18).exists()
    with pytest.raises(ValidationError):
        stopping_services.screening_stop_undo(review=review, actor=alice, stop_id=stop.pk)


def test_undo_restores_only_its_own_batch(review, alice, screened, django_capture_on_commit_callbacks):
    from reviewapp.services.duplicates import record_remove

    record_remove(record=screened[29], actor=alice, reason=RemovalReason.AUTOMATION, note="by hand")
    stop = stopping_services.screening_stop(review=review, actor=alice)
    stopping_services.screening_stop_undo(review=review, actor=alice, stop_id=stop.pk)
    assert list(review.records.filter(removed_reason=RemovalReason.AUTOMATION)) == [screened[29]]


def test_stopping_twice_or_as_a_reviewer_is_refused(review, alice, bob, screened):
    with pytest.raises(PermissionDenied):
        stopping_services.screening_stop(review=review, actor=bob)
    stopping_services.screening_stop(review=review, actor=alice)
    with pytest.raises(ValidationError):
        stopping_services.screening_stop(review=review, actor=alice)
    assert AutomationStop.objects.filter(review=review).count() == 1


def test_the_owner_stops_and_undoes_from_the_dashboard(review, alice, screened, browser):
    page = browser(alice)
    assert page.post(PAGES + "/stop/").status_code == 302
    html = page.get(PAGES + "/agreement/").content.decode()
    assert 'data-testid="stop-active"' in html and "18 records marked ineligible" in html
    stop = AutomationStop.objects.get(review=review)
    assert page.post(PAGES + f"/stop/{stop.pk}/undo/").status_code == 302
    assert 'data-testid="stop-screening"' in page.get(PAGES + "/agreement/").content.decode()


def test_outsiders_get_404(mallory, screened, browser):
    assert browser(mallory).get(PAGES + "/agreement/").status_code == 404
    assert browser(mallory).post(PAGES + "/stop/").status_code == 404


def test_the_owner_saves_settings_and_bad_values_are_named(review, alice, browser):
    page = browser(alice)
    page.post(
        PAGES + "/priority/", {"retrain_every": 5, "recall_target": 0.9, "confidence": 0.95, "streak": 50}
    )
    assert selectors.priority_settings(review).retrain_every == 5
    response = page.post(
        PAGES + "/priority/",
        {"retrain_every": 0, "recall_target": 0.9, "confidence": 0.95, "streak": 50},
        follow=True,
    )
    assert "Retrain after every" in response.content.decode()
    assert selectors.priority_settings(review).retrain_every == 5


def test_the_dashboard_costs_a_bounded_number_of_queries(
    review, alice, screened, browser, django_assert_max_num_queries
):
    page = browser(alice)
    with django_assert_max_num_queries(45):
        page.get(PAGES + "/agreement/")
