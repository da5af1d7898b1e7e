"""Extraction's and risk of bias's "your next task": a study settled with one form is done (not offered
again for every other active form), a begun item waits only for those who have not submitted, and open
conflicts are the settlers' next step."""

import pytest

from extraction.models import ExtractionConflict
from extraction.services import extractions as extraction_services
from extraction.services import forms as form_services
from reviewapp.models import Membership
from reviewapp.registry import next_tasks
from tests.factories import UserFactory

from .conftest import SMALL_FORM

pytestmark = pytest.mark.django_db


def counts(review, user) -> dict[str, int]:
    member = Membership.objects.get(review=review, user=user)
    return {task.kind: task.count for task in next_tasks([member])[review.pk]}


@pytest.fixture
def second_form(review, alice):
    return form_services.form_create(review=review, actor=alice, definition={**SMALL_FORM, "title": "Animal"})


def test_a_study_settled_with_one_form_is_not_offered_for_the_other(
    review, studies, form, second_form, extract, bob, carol
):
    assert counts(review, bob)["extract"] == 3
    extract(bob, studies[0])
    extract(carol, studies[0])  # the same answers: consensus by agreement
    assert counts(review, bob)["extract"] == 2
    assert counts(review, carol)["extract"] == 2


def test_a_begun_study_waits_for_whoever_has_not_submitted(
    review, studies, form, second_form, extract, bob, carol
):
    extraction_services.extraction_start(review=review, actor=carol, study_id=studies[1].pk, form_id=form.pk)
    assert counts(review, bob)["extract"] == 3  # carol's draft: still bob's to extract
    assert counts(review, carol)["extract"] == 3  # and carol's to finish
    extract(bob, studies[1])
    assert counts(review, bob)["extract"] == 2
    # the second form begun on a study bob already submitted: that form's item is his to do too
    extraction_services.extraction_start(
        review=review, actor=carol, study_id=studies[1].pk, form_id=second_form.pk
    )
    assert counts(review, bob)["extract"] == 3


def test_a_conflict_goes_to_the_settlers_not_back_to_the_reviewers(
    review, studies, form, extract, alice, bob, carol, dave
):
    extract(bob, studies[0], country="China")
    extract(carol, studies[0], country="Iran")
    assert ExtractionConflict.objects.filter(review=review, study=studies[0]).exists()
    assert counts(review, bob)["extract"] == 2
    assert counts(review, dave).get("settle_extraction") == 1
    assert counts(review, bob).get("settle_extraction") == 1  # the review allows consensus
    assert counts(review, alice).get("settle_extraction") == (1 if review.owner_can_resolve else None)
    review.allow_consensus = review.owner_can_resolve = False
    review.save(update_fields=["allow_consensus", "owner_can_resolve"])
    assert "settle_extraction" not in counts(review, bob)
    assert "settle_extraction" not in counts(review, alice)
    assert counts(review, dave).get("settle_extraction") == 1


def test_a_risk_of_bias_conflict_is_the_arbiters_to_settle(review, bob, carol, dave):
    from .rob_app import enter_table3, seed_studies

    studies = seed_studies(review)
    enter_table3(review, bob, studies[1:2], choice="serious")
    Membership.objects.create(review=review, user=UserFactory(username="erin"), is_reviewer=True)
    erin = Membership.objects.get(review=review, user__username="erin").user
    assert counts(review, erin).get("assess") == 1  # bob's item waits for a second assessment
    enter_table3(review, carol, studies[1:2], choice="moderate")  # differs in D7: a conflict
    assert "assess" not in counts(review, erin)  # the item waits for settling, not for a third assessor
    assert counts(review, dave).get("settle_rob") == 1
    assert "settle_rob" not in counts(review, bob)
