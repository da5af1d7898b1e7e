"""Risk-of-bias services on the dual-work kernel: Table 3 through the services, proposals, reasons,
dual assessment, blinding, conflicts settled by consensus, revisions and audit events."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from extraction.rob import selectors, services
from extraction.rob.models import Assessment, AssessmentRevision, ConsensusAssessment, RobItem
from reviewapp.models import AuditEvent, Membership, Study

from .rob_app import CHIN_REASON, enter_table3, seed_studies
from .rob_seed import seed_table3

pytestmark = pytest.mark.django_db


@pytest.fixture
def studies(review):
    return seed_studies(review)


def test_table3_through_the_services_gives_serious_overall_for_all_three(review, bob, studies):
    assessments = enter_table3(review, bob, studies)

    assert [a.overall for a in assessments] == ["serious", "serious", "serious"]
    assert [a.overall_proposed for a in assessments] == ["serious", "serious", "serious"]
    chin = assessments[1]
    assert chin.domains["d7"]["judgement"] == "serious" and chin.domains["d7"]["reason"] == CHIN_REASON
    assert chin.domains["d5"] == {
        "proposed": None,
        "judgement": "serious",
        "reason": "",
        "support": "not all patients had 12-month data",
    }


def test_two_reviewers_entering_table3_agree_and_the_consensus_table_matches_table3(
    review, bob, carol, studies
):
    enter_table3(review, bob, studies)
    enter_table3(review, carol, studies)

    tool, rows = selectors.consensus_table(review, "robins_i")
    from extraction.rob.tools.tables import judgement_table

    rendered = judgement_table(tool, rows)
    seed = seed_table3()
    assert rendered[0][1:] == seed[0][1:]
    for ours, theirs in zip(rendered[1:], seed[1:]):
        for col in (1, 2, 3):
            expected = theirs[col].replace("Moderate/serious", "Serious")
            assert ours[col] == expected, (theirs[0], col)
    assert {c.method for c in ConsensusAssessment.objects.all()} == {"agreement"}


def test_moderate_serious_is_refused_asking_to_choose_one_level(review, bob, studies):
    a = services.assessment_start(review=review, actor=bob, study_id=studies[1].pk, tool="robins_i")
    with pytest.raises(ValidationError) as refused:
        services.assessment_judge(
            review=review, actor=bob, assessment_id=a.pk, domain="d7", judgement="Moderate/serious"
        )
    message = refused.value.message_dict["d7"][0]
    assert "choose one (Moderate or Serious)" in message and "record why" in message
    with pytest.raises(ValidationError, match="say why you chose Serious"):
        services.assessment_judge(
            review=review,
            actor=bob,
            assessment_id=a.pk,
            domain="d7",
            judgement="Moderate/serious",
            choice="serious",
        )
    a.refresh_from_db()
    assert a.domains == {} and AssessmentRevision.objects.count() == 0


def test_answers_give_a_proposal_and_departing_from_it_needs_a_reason(review, bob, studies):
    a = services.assessment_start(review=review, actor=bob, study_id=studies[0].pk, tool="robins_i")
    a = services.assessment_answer(
        review=review,
        actor=bob,
        assessment_id=a.pk,
        domain="d6",
        answers={"6.1": "N", "6.2": "Y", "6.3": "Y", "6.4": "N"},
        support={"6.1": "p. 3: HbA1c by HPLC"},
    )
    assert a.domains["d6"]["proposed"] == "low" and a.judgement_of("d6") == "low"
    assert a.support["d6"] == {"6.1": "p. 3: HbA1c by HPLC"}

    with pytest.raises(ValidationError, match="proposes Low; give a reason for Moderate"):
        services.assessment_judge(
            review=review, actor=bob, assessment_id=a.pk, domain="d6", judgement="moderate"
        )
    a = services.assessment_judge(
        review=review,
        actor=bob,
        assessment_id=a.pk,
        domain="d6",
        judgement="moderate",
        reason="Assay changed.",
    )
    assert (a.domains["d6"]["judgement"], a.domains["d6"]["reason"]) == ("moderate", "Assay changed.")
    event = AuditEvent.objects.filter(verb="assessment.changed").last()
    assert event.data["before"]["domains"]["d6"]["judgement"] is None
    assert event.data["after"]["domains"]["d6"]["judgement"] == "moderate"
    assert AssessmentRevision.objects.filter(assessment_id=a.pk).count() == 2


def test_answers_on_hidden_questions_are_dropped_and_bad_answers_refused(review, bob, studies):
    a = services.assessment_start(review=review, actor=bob, study_id=studies[0].pk, tool="robins_i")
    a = services.assessment_answer(
        review=review, actor=bob, assessment_id=a.pk, domain="d1", answers={"1.1": "N", "1.2": "Y"}
    )
    assert a.answers["d1"] == {"1.1": "N"} and a.domains["d1"]["proposed"] == "low"
    with pytest.raises(ValidationError, match="Question 1.1"):
        services.assessment_answer(
            review=review, actor=bob, assessment_id=a.pk, domain="d1", answers={"1.1": "X"}
        )


def test_overall_departing_from_the_rule_needs_a_reason_also_in_the_database(review, bob, studies):
    (a,) = enter_table3(review, bob, studies[:1], submit=False)
    with pytest.raises(ValidationError, match="overall rule gives Serious; give a reason for Critical"):
        services.assessment_judge(
            review=review, actor=bob, assessment_id=a.pk, domain="overall", judgement="critical"
        )
    with transaction.atomic(), pytest.raises(IntegrityError):
        Assessment.objects.filter(pk=a.pk).update(overall="critical", overall_reason="")


def test_only_reviewers_assess_and_only_their_own(review, team, studies):
    for who in ("owner", "arbiter", "viewer"):
        with pytest.raises(PermissionDenied):
            services.assessment_start(review=review, actor=team[who], study_id=studies[0].pk, tool="robins_i")
    a = services.assessment_start(
        review=review, actor=team["reviewer"], study_id=studies[0].pk, tool="robins_i"
    )
    with pytest.raises(PermissionDenied):
        services.assessment_judge(
            review=review, actor=team["reviewer2"], assessment_id=a.pk, domain="d1", judgement="low"
        )


def test_rob2_needs_a_named_result_and_keeps_one_item_per_result(review, bob, studies):
    with pytest.raises(ValidationError, match="name its outcome"):
        services.assessment_start(review=review, actor=bob, study_id=studies[0].pk, tool="rob2")
    a = services.assessment_start(
        review=review,
        actor=bob,
        study_id=studies[0].pk,
        tool="rob2",
        outcome_label="HbA1c",
        timepoint="12 months",
    )
    b = services.assessment_start(
        review=review,
        actor=bob,
        study_id=studies[0].pk,
        tool="rob2",
        outcome_label="C-peptide",
        timepoint="12 months",
    )
    assert a.item_id != b.item_id and str(a.item).endswith("HbA1c at 12 months")


def test_a_difference_in_one_domain_is_a_conflict_settled_by_consensus(
    review, bob, carol, alice, dave, vera, studies
):
    enter_table3(review, bob, studies[1:2], choice="serious")
    (c,) = enter_table3(review, carol, studies[1:2], choice="moderate")
    item = RobItem.objects.get(pk=c.item_id)
    assert item.conflict.status == "open" and not ConsensusAssessment.objects.exists()

    comparison = selectors.compare(item, list(item.assessments.order_by("id")))
    assert comparison.differing == ["d7"] and not comparison.overall_differs

    with pytest.raises(PermissionDenied):
        services.consensus_settle(review=review, actor=vera, item_id=item.pk, domains={})
    with pytest.raises(ValidationError, match="D7: the assessments differ; choose the level"):
        services.consensus_settle(review=review, actor=dave, item_id=item.pk, domains={})
    consensus = services.consensus_settle(
        review=review,
        actor=dave,
        item_id=item.pk,
        domains={"d7": {"judgement": "serious", "reason": "No protocol."}},
        note="Met on Monday.",
    )
    assert consensus.method == "consensus" and consensus.decided_by == dave
    assert consensus.domains["d7"]["settled_by"] == "dave" and consensus.domains["d1"]["settled_by"] is None
    assert consensus.overall == "serious"
    item.conflict.refresh_from_db()
    assert item.conflict.status == "resolved" and item.conflict.resolved_by == dave
    verbs = list(AuditEvent.objects.filter(data__item=item.pk).values_list("verb", flat=True))
    assert verbs[-2:] == ["rob_consensus.reached", "rob_conflict.resolved"] and "rob_conflict.opened" in verbs
    with pytest.raises(ValidationError, match="settled by consensus"):
        services.assessment_reopen(
            review=review,
            actor=bob,
            assessment_id=c.pk - 0 if False else item.assessments.get(assessor=bob).pk,
        )


def test_blind_review_hides_the_other_assessment_until_the_item_is_complete(
    review, bob, carol, dave, studies
):
    enter_table3(review, bob, studies[:1])
    (draft,) = enter_table3(review, carol, studies[:1], submit=False)
    bob_member = Membership.objects.get(review=review, user=bob)
    carol_member = Membership.objects.get(review=review, user=carol)
    dave_member = Membership.objects.get(review=review, user=dave)
    assert [a.assessor.username for a in selectors.assessments_visible_to(review, carol_member)] == ["carol"]
    assert [a.assessor.username for a in selectors.assessments_visible_to(review, bob_member)] == ["bob"]
    assert list(selectors.assessments_visible_to(review, dave_member)) == []
    from reviewapp.selectors import review_events

    assert not review_events(review, carol).filter(actor=bob).exists()

    services.assessment_submit(review=review, actor=carol, assessment_id=draft.pk)
    assert {a.assessor.username for a in selectors.assessments_visible_to(review, carol_member)} == {
        "bob",
        "carol",
    }
    assert selectors.assessments_visible_to(review, dave_member).count() == 2
    assert review_events(review, carol).filter(actor=bob, verb="assessment.started").exists()


def test_reopening_withdraws_an_agreement(review, bob, carol, studies):
    enter_table3(review, bob, studies[:1])
    (c,) = enter_table3(review, carol, studies[:1])
    assert ConsensusAssessment.objects.count() == 1
    services.assessment_reopen(review=review, actor=carol, assessment_id=c.pk)
    assert not ConsensusAssessment.objects.exists()
    assert AuditEvent.objects.filter(verb="rob_consensus.withdrawn").count() == 1


def test_demo_step_enters_table3_with_a_settled_consensus(db, django_user_model):
    from extraction.rob.demo import demo_table3
    from tests.factories import ReviewFactory

    other = ReviewFactory(slug="demo-gambling-covid")
    assert demo_table3(review=other, users={}) == 0  # no perinatal review: nothing happens
    review = ReviewFactory(slug="perinatal-msc-diabetes")
    users = {
        k: django_user_model.objects.create(username=k)
        for k in ("owner", "reviewer1", "reviewer2", "arbiter")
    }
    Membership.objects.create(review=review, user=users["owner"], is_owner=True, is_reviewer=True)
    Membership.objects.create(review=review, user=users["reviewer1"], is_reviewer=True)
    Membership.objects.create(review=review, user=users["reviewer2"], is_reviewer=True)
    Membership.objects.create(review=review, user=users["arbiter"], is_arbiter=True)
    assert demo_table3(review=other, users=users) == 0  # the studies are absent
    for label in ("Lian 2022", "Chin 2025", "Jiang 2011", "Other 2020"):
        Study.objects.create(review=review, label=label)

    assert demo_table3(review=other, users=users) == 3

    consensus = {c.item.study.label: c for c in selectors.consensus_of(review)}
    assert {k: c.overall for k, c in consensus.items()} == {
        "Chin 2025": "serious",
        "Jiang 2011": "serious",
        "Lian 2022": "serious",
    }
    assert (
        consensus["Chin 2025"].method == "consensus" and consensus["Chin 2025"].decided_by == users["arbiter"]
    )
    assert consensus["Lian 2022"].method == "agreement"
    assert demo_table3(review=other, users=users) == 3  # idempotent
    assert ConsensusAssessment.objects.filter(review=review).count() == 3


def test_lowering_n_settles_items_that_now_have_enough_assessments(review, alice, bob, carol, studies):
    from reviewapp.services.reviews import review_update

    review.votes_required = 3
    review.save()
    enter_table3(review, bob, studies[:1])
    enter_table3(review, carol, studies[:1])
    assert not ConsensusAssessment.objects.exists()

    review_update(review=review, actor=alice, votes_required=2)

    consensus = ConsensusAssessment.objects.get()
    assert consensus.method == "agreement" and consensus.overall == "serious"
