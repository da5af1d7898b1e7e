"""Real parallel requests on PostgreSQL: the per-record lock keeps votes, conflicts and verdicts consistent.

Each thread has its own database connection; a barrier releases them at the same instant.
"""

import pytest
from django.db import connection

from reviewapp.models import AuditEvent
from screening.models import Conflict, ConflictStatus, Verdict, VerdictMethod, Vote
from tests.concurrency import at_once

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
BASE = "/api/v1/reviews/perinatal-msc/screening"


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (set DATABASE_URL)")


def _vote(api, user, record, decision):
    return lambda: (
        api(user)
        .post(
            BASE + "/votes/",
            {"record": record.pk, "stage": "title_abstract", "decision": decision},
            format="json",
        )
        .status_code
    )


@pytest.mark.parametrize("round_", range(5))
def test_two_reviewers_voting_at_the_same_instant_open_one_conflict(api, bob, carol, records, round_):
    record = records[round_]
    assert at_once(_vote(api, bob, record, "include"), _vote(api, carol, record, "exclude")) == [201, 201]
    assert Vote.objects.filter(record=record).count() == 2
    assert Conflict.objects.filter(record=record, status=ConflictStatus.OPEN).count() == 1
    assert not Verdict.objects.filter(record=record).exists()


@pytest.mark.parametrize("round_", range(5))
def test_two_reviewers_agreeing_at_the_same_instant_give_one_verdict(api, bob, carol, records, round_):
    record = records[round_]
    assert at_once(_vote(api, bob, record, "maybe"), _vote(api, carol, record, "include")) == [201, 201]
    verdict = Verdict.objects.get(record=record)
    assert (verdict.decision, verdict.method) == ("include", VerdictMethod.AGREEMENT)
    assert not Conflict.objects.filter(record=record).exists()


@pytest.mark.parametrize("round_", range(5))
def test_a_double_submitted_vote_is_stored_once(api, bob, records, round_):
    record = records[round_]
    statuses = at_once(_vote(api, bob, record, "exclude"), _vote(api, bob, record, "exclude"))
    assert sorted(statuses) == [200, 201]
    assert Vote.objects.filter(record=record).count() == 1
    assert AuditEvent.objects.filter(record=record, verb="vote.cast").count() == 1


@pytest.mark.parametrize("round_", range(5))
def test_an_arbiter_resolving_while_a_reviewer_changes_the_vote_ends_consistent(
    api, bob, carol, dave, records, cast, round_
):
    record = records[round_]
    cast(bob, record, "include")
    conflict = cast(carol, record, "exclude").conflict

    def resolve():
        answer = api(dave).post(
            f"{BASE}/conflicts/{conflict.pk}/resolve/", {"decision": "include"}, format="json"
        )
        return answer.status_code

    statuses = at_once(resolve, _vote(api, bob, record, "exclude"))
    verdict = Verdict.objects.get(record=record)
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.RESOLVED
    votes = {
        v.reviewer.username: v.decision for v in Vote.objects.filter(record=record).select_related("reviewer")
    }
    if statuses == [200, 400]:  # the arbiter came first: the votes were closed
        assert (verdict.method, verdict.decision) == (VerdictMethod.ARBITRATION, "include")
        assert votes == {"bob": "include", "carol": "exclude"}
    else:  # the reviewer came first: consensus, and the conflict was no longer open for the arbiter
        assert statuses == [400, 200]
        assert (verdict.method, verdict.decision) == (VerdictMethod.CONSENSUS, "exclude")
        assert votes == {"bob": "exclude", "carol": "exclude"}
