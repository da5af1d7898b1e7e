"""Resolving and reopening conflicts (issue 13 item 5): the banner names the record just decided, the next
conflict keeps the list's stage filter, a resolved conflict can be reopened by whoever may resolve it, and
the resolved list says what was decided, by whom and when."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from reviewapp.models import AuditEvent
from screening.models import Conflict, ConflictStatus, Stage, Verdict
from screening.services import fulltext as fulltext_services
from screening.services import votes as vote_services

PAGES = "/reviews/perinatal-msc/screening"


@pytest.fixture
def browser():
    def client_for(user):
        client = Client()
        client.force_login(user)
        return client

    return client_for


@pytest.fixture
def conflict_at(cast, reasons, retrieved, bob, carol):
    """A conflict on `record` at `stage` (bob includes, carol excludes)."""

    def make(record, stage=Stage.TITLE_ABSTRACT):
        extra = {}
        if stage == Stage.FULL_TEXT:
            retrieved(record)
            extra = {"reason": reasons[0].pk}
        cast(bob, record, "include", stage=stage)
        return cast(carol, record, "exclude", stage=stage, **extra).conflict

    return make


def _banner(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_resolving_names_the_record_and_goes_to_the_next_conflict_of_the_filtered_stage(
    browser, dave, records, conflict_at
):
    ta_first = conflict_at(records[0])  # a title/abstract conflict with a lower id than the full-text ones
    ft_one = conflict_at(records[1], Stage.FULL_TEXT)
    ft_two = conflict_at(records[2], Stage.FULL_TEXT)
    assert ta_first.pk < ft_one.pk < ft_two.pk
    response = browser(dave).post(
        f"{PAGES}/conflicts/{ft_one.pk}/?stage=full_text", {"decision": "include"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"{PAGES}/conflicts/{ft_two.pk}/?stage=full_text"
    assert _banner(response) == [
        f"Conflict on #{records[1].pk} resolved: included. Next: the conflict on #{records[2].pk}."
    ]


def test_the_last_conflict_of_a_stage_goes_back_to_the_filtered_list(browser, dave, records, conflict_at):
    conflict_at(records[0])
    ft = conflict_at(records[1], Stage.FULL_TEXT)
    response = browser(dave).post(f"{PAGES}/conflicts/{ft.pk}/?stage=full_text", {"decision": "include"})
    assert response["Location"] == f"{PAGES}/conflicts/?stage=full_text"


def test_an_exclusion_banner_names_the_reason(browser, dave, records, conflict_at, reasons):
    ft = conflict_at(records[1], Stage.FULL_TEXT)
    response = browser(dave).post(
        f"{PAGES}/conflicts/{ft.pk}/", {"decision": "exclude", "reason": reasons[2].pk}, follow=True
    )
    assert _banner(response)[0].startswith(
        f"Conflict on #{records[1].pk} resolved: excluded ({reasons[2].label})."
    )


def test_the_resolved_list_shows_the_decision_who_and_when(browser, dave, vera, records, conflict_at):
    conflict = conflict_at(records[0])
    vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="exclude", note="")
    html = browser(vera).get(f"{PAGES}/conflicts/?status=resolved").content.decode()
    conflict.refresh_from_db()
    decision = html.split('data-testid="conflict-decision">')[1].split("</td>")[0]
    assert "Exclude" in decision and "arbitration" in decision and "dave" in decision
    assert conflict.resolved_at.strftime("%Y-%m-%d %H:%M") in decision


def test_the_arbiter_reopens_a_resolved_conflict(browser, review, dave, records, conflict_at):
    conflict = conflict_at(records[0])
    vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="exclude")
    client = browser(dave)
    assert 'data-testid="reopen-form"' in client.get(f"{PAGES}/conflicts/{conflict.pk}/").content.decode()
    response = client.post(f"{PAGES}/conflicts/{conflict.pk}/reopen/", {"note": "misread the population"})
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert (conflict.status, conflict.resolved_at, conflict.resolved_by) == (ConflictStatus.OPEN, None, None)
    assert not Verdict.objects.filter(record=records[0], stage=Stage.TITLE_ABSTRACT).exists()
    event = AuditEvent.objects.get(verb="conflict.reopened")
    assert (event.actor, event.record_id) == (dave, records[0].pk)
    assert event.data["was_decision"] == "exclude" and event.data["note"] == "misread the population"
    assert AuditEvent.objects.filter(verb="verdict.withdrawn", record=records[0]).exists()
    # and it can be decided again
    vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="include")
    assert Verdict.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT).decision == "include"


@pytest.mark.parametrize(
    ("persona", "status"), [("reviewer", 403), ("viewer", 403), ("owner", 403), ("outsider", 404)]
)
def test_only_who_may_resolve_reopens(browser, review, team, dave, records, conflict_at, persona, status):
    review.owner_can_resolve = False
    review.save()
    conflict = conflict_at(records[0])
    vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="exclude")
    response = browser(team[persona]).post(f"{PAGES}/conflicts/{conflict.pk}/reopen/")
    assert response.status_code == status
    assert Conflict.objects.get(pk=conflict.pk).status == ConflictStatus.RESOLVED


def test_the_owner_reopens_when_the_review_lets_owners_resolve(review, alice, dave, records, conflict_at):
    review.owner_can_resolve = True
    review.save()
    conflict = conflict_at(records[0])
    vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="exclude")
    vote_services.conflict_reopen(conflict=conflict, actor=alice)
    assert Conflict.objects.get(pk=conflict.pk).status == ConflictStatus.OPEN


def test_an_open_conflict_cannot_be_reopened(dave, records, conflict_at):
    conflict = conflict_at(records[0])
    with pytest.raises(ValidationError, match="open already"):
        vote_services.conflict_reopen(conflict=conflict, actor=dave)


def test_a_title_abstract_conflict_stays_resolved_once_the_full_text_is_handled(
    review, alice, dave, records, conflict_at
):
    conflict = conflict_at(records[0])
    vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="include")
    fulltext_services.retrieval_link(
        review=review, actor=alice, record_id=records[0].pk, url="https://x.org/a"
    )
    with pytest.raises(ValidationError, match="already being handled"):
        vote_services.conflict_reopen(conflict=conflict, actor=dave)
    assert Verdict.objects.filter(record=records[0], stage=Stage.TITLE_ABSTRACT).exists()


def test_a_reviewer_cannot_reopen_through_the_service(bob, dave, records, conflict_at):
    conflict = conflict_at(records[0])
    vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="include")
    with pytest.raises(PermissionDenied):
        vote_services.conflict_reopen(conflict=conflict, actor=bob)


# --- one count of studies (issue 13 item 6) -------------------------------------------------------------


@pytest.mark.parametrize(("included", "grouped", "studies"), [(2, 2, 1), (3, 2, 2), (3, 0, 3), (1, 0, 1)])
def test_the_studies_page_and_prisma_count_the_same_studies(
    browser, review, bob, carol, make_records, retrieved, cast, included, grouped, studies
):
    from reviewapp.services.studies import study_group
    from synthesis.prisma_selectors import prisma_counts

    reports = make_records(included)
    for record in reports:
        retrieved(record)
        cast(bob, record, "include", stage=Stage.FULL_TEXT)
        cast(carol, record, "include", stage=Stage.FULL_TEXT)
    if grouped:
        study_group(review=review, actor=bob, record_ids=[r.pk for r in reports[:grouped]])
    html = browser(bob).get(f"{PAGES}/studies/").content.decode()
    assert f'<span data-testid="studies-total">{studies}</span>' in html
    assert prisma_counts(review).new_studies == studies
