"""The dual-screening state machine: votes, verdicts, conflicts, consensus, arbitration, undo."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from reviewapp.models import AuditEvent
from reviewapp.selectors import record_timeline
from screening.models import (
    Conflict,
    ConflictStatus,
    Decision,
    Retrieval,
    RevisionKind,
    Stage,
    Verdict,
    VerdictMethod,
    Vote,
    VoteRevision,
)
from screening.services import votes as vote_services


@pytest.mark.parametrize(
    ("first", "second", "verdict"),
    [
        ("include", "include", "include"),
        ("exclude", "exclude", "exclude"),
        ("maybe", "include", "include"),
        ("maybe", "maybe", "include"),
    ],
)
def test_agreeing_votes_decide_the_record_by_agreement(records, bob, carol, cast, first, second, verdict):
    record = records[0]
    cast(bob, record, first)
    assert not Verdict.objects.filter(record=record).exists()
    outcome = cast(carol, record, second)
    assert outcome.verdict.decision == verdict
    assert outcome.verdict.method == VerdictMethod.AGREEMENT
    assert not Conflict.objects.filter(record=record).exists()


@pytest.mark.parametrize("first", ["include", "maybe"])
def test_second_vote_that_disagrees_opens_a_conflict(records, bob, carol, cast, first):
    record = records[0]
    cast(bob, record, first)
    outcome = cast(carol, record, "exclude")
    assert outcome.conflict.status == ConflictStatus.OPEN
    assert outcome.verdict is None
    assert not Verdict.objects.filter(record=record).exists()
    assert AuditEvent.objects.filter(record=record, verb="conflict.opened").count() == 1


def test_a_double_submitted_vote_is_stored_once(records, bob, cast):
    record = records[0]
    first = cast(bob, record, "include", note="perinatal")
    again = cast(bob, record, "include", note="perinatal")
    assert first.created and not again.created and not again.changed
    assert Vote.objects.filter(record=record).count() == 1
    assert AuditEvent.objects.filter(record=record, verb="vote.cast").count() == 1
    assert not VoteRevision.objects.exists()


def test_changing_a_vote_keeps_the_earlier_one(records, bob, cast):
    record = records[0]
    cast(bob, record, "include", note="first look")
    outcome = cast(bob, record, "exclude", note="adipose MSCs only")
    assert outcome.changed
    vote = Vote.objects.get(record=record)
    assert (vote.decision, vote.note) == ("exclude", "adipose MSCs only")
    revision = VoteRevision.objects.get(record=record)
    assert (revision.decision, revision.note, revision.kind) == (
        "include",
        "first look",
        RevisionKind.CHANGED,
    )
    assert [e.verb for e in record_timeline(record, bob) if e.verb.startswith("vote.")] == [
        "vote.cast",
        "vote.changed",
    ]


def test_one_vote_per_record_stage_and_reviewer_is_a_database_constraint(records, bob, cast):
    cast(bob, records[0], "include")
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(
            review=records[0].review,
            record=records[0],
            stage=Stage.TITLE_ABSTRACT,
            reviewer=bob,
            decision="exclude",
        )


def test_maybe_at_full_text_is_refused_by_the_service_and_the_database(records, bob, retrieved, cast):
    record = retrieved(records[0])
    with pytest.raises(ValidationError):
        cast(bob, record, "maybe", stage=Stage.FULL_TEXT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(
            review=record.review, record=record, stage=Stage.FULL_TEXT, reviewer=bob, decision="maybe"
        )


def test_a_fulltext_exclusion_without_a_reason_is_refused(records, bob, retrieved, reasons, cast):
    record = retrieved(records[0])
    with pytest.raises(ValidationError) as refused:
        cast(bob, record, "exclude", stage=Stage.FULL_TEXT)
    assert "reason" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(
            review=record.review, record=record, stage=Stage.FULL_TEXT, reviewer=bob, decision="exclude"
        )


def test_fulltext_exclusions_that_agree_carry_the_reason(records, bob, carol, retrieved, reasons, cast):
    record = retrieved(records[0])
    cast(bob, record, "exclude", stage=Stage.FULL_TEXT, reason=reasons[1].pk)
    outcome = cast(carol, record, "exclude", stage=Stage.FULL_TEXT, reason=reasons[1].pk)
    assert (outcome.verdict.decision, outcome.verdict.reason_id) == ("exclude", reasons[1].pk)


def test_a_reason_of_another_review_is_refused(records, bob, retrieved, reasons, cast):
    from screening.models import ExclusionReason
    from tests.factories import ReviewFactory

    other = ExclusionReason.objects.create(review=ReviewFactory(), label="elsewhere")
    record = retrieved(records[0])
    with pytest.raises(ValidationError):
        cast(bob, record, "exclude", stage=Stage.FULL_TEXT, reason=other.pk)


def test_the_fulltext_stage_takes_only_retrieved_reports(records, bob, carol, cast):
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    with pytest.raises(ValidationError):
        cast(bob, records[0], "include", stage=Stage.FULL_TEXT)


@pytest.mark.parametrize("persona", ["alice", "dave", "vera"])
def test_only_reviewers_vote(request, records, cast, persona):
    with pytest.raises(PermissionDenied):
        cast(request.getfixturevalue(persona), records[0], "include")


def test_a_record_with_its_votes_takes_no_more(review, records, bob, carol, dave, cast):
    from reviewapp.models import Membership

    Membership.objects.filter(user=dave).update(is_reviewer=True)
    dave.refresh_from_db()
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    with pytest.raises(ValidationError):
        cast(dave, records[0], "include")


def test_three_votes_when_the_review_needs_three(review, records, bob, carol, dave, cast):
    from reviewapp.models import Membership

    review.votes_required = 3
    review.save()
    Membership.objects.filter(user=dave).update(is_reviewer=True)
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    assert not Verdict.objects.filter(record=records[0]).exists()
    assert cast(dave, records[0], "maybe").verdict.decision == "include"


def test_reviewers_reach_consensus_by_changing_their_votes(records, bob, carol, cast):
    record = records[0]
    cast(bob, record, "include")
    cast(carol, record, "exclude")
    outcome = cast(bob, record, "exclude", note="agreed after discussion")
    assert outcome.verdict.method == VerdictMethod.CONSENSUS
    assert outcome.verdict.decision == "exclude"
    assert Conflict.objects.get(record=record).status == ConflictStatus.RESOLVED
    assert VoteRevision.objects.get(record=record).during_conflict


def test_consensus_is_refused_when_the_review_arbitrates_only(review, records, bob, carol, cast):
    review.allow_consensus = False
    review.save()
    cast(bob, records[0], "include")
    cast(carol, records[0], "exclude")
    with pytest.raises(ValidationError):
        cast(bob, records[0], "exclude")
    assert Conflict.objects.get(record=records[0]).status == ConflictStatus.OPEN


def test_the_arbiter_decides_a_conflict_with_a_note(records, bob, carol, dave, cast):
    cast(bob, records[0], "include")
    conflict = cast(carol, records[0], "exclude").conflict
    verdict = vote_services.conflict_resolve(
        conflict=conflict, actor=dave, decision="include", note="perinatal source confirmed"
    )
    assert (verdict.decision, verdict.method, verdict.decided_by, verdict.note) == (
        "include",
        VerdictMethod.ARBITRATION,
        dave,
        "perinatal source confirmed",
    )
    conflict.refresh_from_db()
    assert (conflict.status, conflict.resolved_by) == (ConflictStatus.RESOLVED, dave)
    verbs = [e.verb for e in record_timeline(records[0], dave)]
    assert verbs[-2:] == ["verdict.reached", "conflict.resolved"]


def test_a_resolved_conflict_cannot_be_resolved_again(records, bob, carol, dave, cast):
    cast(bob, records[0], "include")
    conflict = cast(carol, records[0], "exclude").conflict
    vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="include")
    with pytest.raises(ValidationError):
        vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="exclude")
    assert Verdict.objects.get(record=records[0]).decision == "include"


def test_votes_are_closed_after_arbitration(records, bob, carol, dave, cast):
    cast(bob, records[0], "include")
    conflict = cast(carol, records[0], "exclude").conflict
    vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="exclude")
    with pytest.raises(ValidationError):
        cast(bob, records[0], "exclude")


@pytest.mark.parametrize(
    ("persona", "owner_can_resolve", "allowed"),
    [
        ("dave", False, True),
        ("alice", True, True),
        ("alice", False, False),
        ("bob", True, False),
        ("vera", True, False),
    ],
)
def test_who_may_resolve_a_conflict(
    request, review, records, bob, carol, dave, vera, alice, cast, persona, owner_can_resolve, allowed
):
    review.owner_can_resolve = owner_can_resolve
    review.save()
    cast(bob, records[0], "include")
    conflict = cast(carol, records[0], "exclude").conflict
    user = request.getfixturevalue(persona)
    if allowed:
        assert vote_services.conflict_resolve(conflict=conflict, actor=user, decision="include").pk
    else:
        with pytest.raises(PermissionDenied):
            vote_services.conflict_resolve(conflict=conflict, actor=user, decision="include")


def test_undo_withdraws_a_vote_while_voting_is_incomplete(records, bob, carol, cast):
    cast(bob, records[0], "exclude")
    record = vote_services.vote_undo_last(review=records[0].review, actor=bob, stage=Stage.TITLE_ABSTRACT)
    assert record.pk == records[0].pk
    assert not Vote.objects.filter(record=record).exists()
    revision = VoteRevision.objects.get(record=record)
    assert (revision.kind, revision.decision) == (RevisionKind.RETRACTED, "exclude")
    assert [e.verb for e in record_timeline(record, bob)][-1] == "vote.retracted"


def test_undo_is_refused_once_voting_is_complete(records, bob, carol, cast):
    cast(bob, records[0], "exclude")
    cast(carol, records[0], "exclude")
    with pytest.raises(ValidationError, match="cannot be undone"):
        vote_services.vote_undo_last(review=records[0].review, actor=carol, stage=Stage.TITLE_ABSTRACT)
    assert Vote.objects.filter(record=records[0]).count() == 2
    assert Verdict.objects.get(record=records[0]).method == VerdictMethod.AGREEMENT


def test_a_vote_changed_after_voting_completed_settles_by_consensus_and_keeps_the_first_vote_for_kappa(
    api, review, records, bob, carol, cast
):
    # carol agrees with bob on record 0 and disagrees on record 1; then, having seen bob's vote on record 1
    # through the completed record, she tries to "fix" her disagreement
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    cast(bob, records[1], "include")
    cast(carol, records[1], "exclude")
    cast(carol, records[0], "exclude")  # a change after completion: agreement is gone, a conflict opens
    assert Conflict.objects.get(record=records[0]).status == ConflictStatus.OPEN
    assert VoteRevision.objects.get(record=records[0]).during_conflict
    outcome = cast(carol, records[0], "include")
    assert outcome.verdict.method == VerdictMethod.CONSENSUS
    agreement = api(bob).get(f"/api/v1/reviews/{review.slug}/screening/agreement/").json()
    pair = agreement["title_abstract"]["pairs"][0]
    assert pair["percent_agreement"] == pytest.approx(0.5)  # carol's first votes: 1 of 2 agree


def test_undo_is_refused_on_a_record_in_conflict(records, bob, carol, cast):
    cast(bob, records[0], "include")
    cast(carol, records[0], "exclude")
    with pytest.raises(ValidationError):
        vote_services.vote_undo_last(review=records[0].review, actor=carol, stage=Stage.TITLE_ABSTRACT)


def test_only_the_voter_undoes_a_vote(records, bob, carol, cast):
    vote = cast(bob, records[0], "include").vote
    with pytest.raises(PermissionDenied):
        vote_services.vote_retract(review=records[0].review, actor=carol, vote_id=vote.pk)


def test_title_abstract_votes_close_once_the_full_text_is_handled(records, bob, carol, retrieved, cast):
    record = retrieved(records[0])
    assert Retrieval.objects.filter(record=record).exists()
    with pytest.raises(ValidationError):
        cast(bob, record, "exclude")


def test_a_verdict_exists_only_when_votes_agree_or_someone_decided(records, bob, carol, dave, cast):
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    cast(bob, records[1], "include")
    cast(carol, records[1], "exclude")
    cast(bob, records[2], "exclude")
    for verdict in Verdict.objects.all():
        votes = {v.counts_as for v in Vote.objects.filter(record=verdict.record, stage=verdict.stage)}
        assert votes == {verdict.decision} or verdict.method != VerdictMethod.AGREEMENT
    assert set(Verdict.objects.values_list("record_id", flat=True)) == {records[0].pk}
    assert Decision.MAYBE not in Verdict.objects.values_list("decision", flat=True)


def test_lowering_n_settles_records_that_now_have_enough_votes(review, alice, records, bob, carol, cast):
    from reviewapp.services.reviews import review_update

    review_update(review=review, actor=alice, votes_required=3)
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    cast(bob, records[1], "include")
    cast(carol, records[1], "exclude")
    assert not Verdict.objects.exists() and not Conflict.objects.exists()
    review_update(review=review, actor=alice, votes_required=2)
    verdict = Verdict.objects.get(record=records[0])
    assert (verdict.decision, verdict.method) == ("include", VerdictMethod.AGREEMENT)
    assert Conflict.objects.get(record=records[1]).status == ConflictStatus.OPEN


def test_fulltext_exclusions_citing_different_reasons_are_a_conflict(
    records, bob, carol, dave, cast, retrieved, reasons
):
    record = records[0]
    retrieved(record)
    cast(bob, record, "exclude", stage=Stage.FULL_TEXT, reason=reasons[0])
    outcome = cast(carol, record, "exclude", stage=Stage.FULL_TEXT, reason=reasons[1])
    assert outcome.verdict is None
    assert outcome.conflict.status == ConflictStatus.OPEN
    verdict = vote_services.conflict_resolve(
        conflict=outcome.conflict, actor=dave, decision="exclude", reason=reasons[1]
    )
    assert (verdict.decision, verdict.reason_id, verdict.method) == (
        "exclude",
        reasons[1].pk,
        VerdictMethod.ARBITRATION,
    )


def test_fulltext_exclusions_citing_the_same_reason_agree_with_that_reason(
    records, bob, carol, cast, retrieved, reasons
):
    record = records[0]
    retrieved(record)
    cast(bob, record, "exclude", stage=Stage.FULL_TEXT, reason=reasons[2])
    outcome = cast(carol, record, "exclude", stage=Stage.FULL_TEXT, reason=reasons[2])
    assert (outcome.verdict.decision, outcome.verdict.reason_id) == ("exclude", reasons[2].pk)
    assert outcome.verdict.method == VerdictMethod.AGREEMENT


def test_a_reviewer_who_changes_to_the_other_reason_settles_it_by_consensus(
    records, bob, carol, cast, retrieved, reasons
):
    record = records[0]
    retrieved(record)
    cast(bob, record, "exclude", stage=Stage.FULL_TEXT, reason=reasons[0])
    cast(carol, record, "exclude", stage=Stage.FULL_TEXT, reason=reasons[1])
    outcome = cast(bob, record, "exclude", stage=Stage.FULL_TEXT, reason=reasons[1])
    assert (outcome.verdict.reason_id, outcome.verdict.method) == (reasons[1].pk, VerdictMethod.CONSENSUS)
