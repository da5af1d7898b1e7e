"""Merging, rejecting and un-merging duplicate pairs; removal for other reasons; accounting."""

import pytest
from django.core.exceptions import ValidationError

from reviewapp.models import AuditEvent, CandidateStatus, DuplicateCandidate, Record
from reviewapp.selectors import record_states, sources_of_records
from reviewapp.services.duplicates import (
    candidate_merge,
    candidate_reject,
    candidate_undo,
    duplicates_find,
    record_remove,
    record_restore,
)

from ..factories import ImportBatchFactory, RecordFactory, SearchSourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(review):
    """The same trial found in three databases."""
    records = []
    for name in ("PubMed", "Scopus", "Web of Science"):
        batch = ImportBatchFactory(source=SearchSourceFactory(review=review, name=name))
        records.append(
            RecordFactory(
                batch=batch,
                title="Umbilical cord MSC infusion in type 2 diabetes: an RCT",
                doi="10.1186/s13287-020-01234-5" if name != "Scopus" else "",
                abstract="Long abstract" if name == "Scopus" else "",
            )
        )
    return records


def _candidate(review, a, b, status=CandidateStatus.PENDING):
    a, b = sorted([a, b], key=lambda r: r.pk)
    return DuplicateCandidate.objects.create(review=review, record_a=a, record_b=b, score=0.9, status=status)


def test_merging_two_pairs_makes_one_cluster_with_one_canonical(review, alice, three):
    first = _candidate(review, three[0], three[1])
    second = _candidate(review, three[1], three[2])
    candidate_merge(candidate=first, actor=alice)
    candidate_merge(candidate=second, actor=alice)
    canonical = Record.objects.filter(duplicate_of__isnull=True, review=review)
    assert canonical.count() == 1
    root = canonical.get()
    assert Record.objects.filter(duplicate_of=root).count() == 2
    assert sources_of_records([root]) == {root.pk: ["PubMed", "Scopus", "Web of Science"]}


def test_a_double_clicked_merge_merges_once(review, alice, three):
    candidate = _candidate(review, three[0], three[1])
    candidate_merge(candidate=candidate, actor=alice)
    candidate_merge(candidate=candidate, actor=alice)
    assert AuditEvent.objects.filter(verb="duplicate.merged").count() == 1


def test_undo_rebuilds_the_cluster_from_the_remaining_merges(review, alice, three):
    first = _candidate(review, three[0], three[1])
    second = _candidate(review, three[1], three[2])
    candidate_merge(candidate=first, actor=alice)
    candidate_merge(candidate=second, actor=alice)
    candidate_undo(candidate=second, actor=alice)
    states = {r.pk: r.duplicate_of_id for r in Record.objects.all()}
    assert states[three[2].pk] is None
    assert {states[three[0].pk], states[three[1].pk]} - {None} != set()
    assert record_states(review)["active"] == 2
    assert AuditEvent.objects.filter(verb="duplicate.unmerged", record=three[2]).exists()


def test_rejecting_a_merged_pair_is_refused(review, alice, three):
    candidate = _candidate(review, three[0], three[1])
    candidate_merge(candidate=candidate, actor=alice)
    with pytest.raises(ValidationError, match="undo"):
        candidate_reject(candidate=candidate, actor=alice)


def test_reject_keeps_both_records(review, alice, three):
    candidate = candidate_reject(candidate=_candidate(review, three[0], three[1]), actor=alice)
    assert candidate.status == CandidateStatus.REJECTED
    assert record_states(review)["active"] == 3


def test_every_record_is_in_exactly_one_prescreening_box(review, alice, three):
    candidate_merge(candidate=_candidate(review, three[0], three[1]), actor=alice)
    record_remove(record=three[2], actor=alice, reason="incomplete")
    states = record_states(review)
    assert states["active"] + states["duplicates"] + states["removed"] == states["total"] == 3


def test_removal_needs_a_reason_and_can_be_restored(review, alice, three):
    with pytest.raises(ValidationError):
        record_remove(record=three[0], actor=alice, reason="other", note="  ")
    record_remove(record=three[0], actor=alice, reason="automation", note="RobotSearch: not an RCT")
    assert Record.objects.get(pk=three[0].pk).removed_reason == "automation"
    record_restore(record=three[0], actor=alice)
    assert Record.objects.get(pk=three[0].pk).removed_reason == ""
    assert list(AuditEvent.objects.filter(record=three[0]).values_list("verb", flat=True)) == [
        "record.removed",
        "record.restored",
    ]


def test_find_duplicates_merges_exact_doi_matches_and_keeps_untitled_records(review, alice):
    batch = ImportBatchFactory(source=SearchSourceFactory(review=review))
    a = RecordFactory(batch=batch, title="Exosomes from placental MSCs heal diabetic wounds", doi="10.1/abc")
    b = RecordFactory(batch=batch, title="Exosomes from placental MSCs heal diabetic wounds.", doi="10.1/abc")
    untitled = RecordFactory(batch=batch, title="", doi="")
    summary = duplicates_find(review=review, actor=alice)
    assert summary["auto_merged"] == 1
    assert {a.pk, b.pk} & set(Record.objects.filter(duplicate_of__isnull=False).values_list("pk", flat=True))
    assert Record.objects.filter(pk=untitled.pk, duplicate_of__isnull=True, removed_reason="").exists()
    again = duplicates_find(review=review, actor=alice)
    assert again["candidates_found"] == 0


def test_a_crashed_duplicate_search_is_marked_failed_and_does_not_block_the_next(review, alice, monkeypatch):
    from reviewapp.models import DedupRun
    from reviewapp.services import duplicates as services

    run = DedupRun.objects.create(review=review, created_by=alice)
    monkeypatch.setattr(services.dedup, "find_duplicates", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        services.dedup_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "division by zero" in run.error
    assert services.dedup_run_start(review=review, actor=alice).pk != run.pk


# --- undo returns a pair to "to decide" (issue 13 item 2); guards stored (issue 10) ----------------------


def _same_article(review, **changes):
    batch = ImportBatchFactory(source=SearchSourceFactory(review=review))
    fields = {
        "title": "Exosomes from placental MSCs heal diabetic wounds in rats",
        "authors": ["Wang, Q.", "Li, X.", "Chen, Y."],
        "journal": "Stem Cell Res Ther",
        "volume": "12",
        "issue": "3",
        "pages": "101-110",
        "doi": "10.1186/s13287-021-02101-1",
    }
    return RecordFactory(batch=batch, **fields), RecordFactory(batch=batch, **{**fields, **changes})


def test_an_undone_automatic_merge_returns_to_to_decide_and_stays_decidable(review, alice):
    a, b = _same_article(review)
    assert duplicates_find(review=review, actor=alice)["auto_merged"] == 1
    pair = DuplicateCandidate.objects.get(review=review)
    assert pair.status == CandidateStatus.AUTO_MERGED

    pair = candidate_undo(candidate=pair, actor=alice)

    assert pair.status == CandidateStatus.PENDING and pair.decided_by is None
    assert record_states(review)["active"] == 2
    again = duplicates_find(review=review, actor=alice)  # a new search does not merge it behind the person
    assert again["auto_merged"] == 0
    assert DuplicateCandidate.objects.get(pk=pair.pk).status == CandidateStatus.PENDING
    merged = candidate_merge(candidate=pair, actor=alice)
    assert merged.status == CandidateStatus.MERGED and record_states(review)["active"] == 1
    undone = AuditEvent.objects.get(verb="duplicate.unmerged")
    assert undone.data["before"] == CandidateStatus.AUTO_MERGED


def test_a_pair_left_in_merges_undone_comes_back_to_decide_when_found_again(review, alice):
    a, b = _same_article(review)
    old = _candidate(review, a, b, status=CandidateStatus.UNDONE)

    duplicates_find(review=review, actor=alice)

    old.refresh_from_db()
    assert old.status == CandidateStatus.PENDING
    assert record_states(review)["active"] == 2  # a person undid it once: never merged again automatically
    assert candidate_reject(candidate=old, actor=alice).status == CandidateStatus.REJECTED


def test_identical_records_with_different_dois_wait_for_a_person_with_the_reason_stored(review, alice):
    a, b = _same_article(review, doi="10.1186/s13287-021-02202-2")

    summary = duplicates_find(review=review, actor=alice)

    assert summary["auto_merged"] == 0 and summary["queued_for_review"] == 1
    pair = DuplicateCandidate.objects.get(review=review)
    assert pair.status == CandidateStatus.PENDING
    assert pair.guard == "identifiers conflict: different DOI"
    assert "different DOI" in pair.reasons and "same title" in pair.reasons
