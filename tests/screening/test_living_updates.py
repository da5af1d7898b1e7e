"""Living reviews: an update round's import is de-duplicated against everything already in the review,
screened records included, before its records reach a screening work list."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from reviewapp.models import AuditEvent, CandidateStatus, DuplicateCandidate, Record, ReviewRound
from reviewapp.services.duplicates import BOTH_SCREENED, candidate_merge, duplicates_find
from reviewapp.services.imports import import_file_now
from reviewapp.services.reviews import source_create
from reviewapp.services.rounds import round_start
from screening import selectors
from screening.models import Stage, Vote
from screening.services.worklist import worklist_ensure_synced

pytestmark = pytest.mark.django_db

FIRST = [
    ("Umbilical cord mesenchymal stromal cells lower HbA1c in type 2 diabetes", "Zhang", "10.5555/a.1", ""),
    ("Placenta-derived cells restore islet function in diabetic mice", "Okafor", "10.5555/a.2", ""),
    ("Amniotic membrane grafts heal diabetic foot ulcers in a randomised trial", "Silva", "10.5555/a.3", ""),
]


def ris(entries) -> str:
    return "".join(
        f"TY  - JOUR\nTI  - {title}\nAU  - {author}, A.\nPY  - 2021\nJO  - Stem Cell Res Ther\nDO  - {doi}\n"
        + (f"AB  - {abstract}\n" if abstract else "")
        + "ER  - \n\n"
        for title, author, doi, abstract in entries
    )


@pytest.fixture
def importer(review, alice, tmp_path):
    def run(name, entries, source="PubMed"):
        found = review.sources.filter(name=source).first()
        source = found or source_create(review=review, actor=alice, name=source)
        path = tmp_path / name
        path.write_text(ris(entries))
        return import_file_now(review=review, source=source, actor=alice, path=str(path))

    return run


@pytest.fixture
def screened_first_round(review, alice, bob, carol, cast, importer):
    """Round 1 imported, de-duplicated and screened by bob and carol (the first record included)."""
    importer("first.ris", FIRST)
    duplicates_find(review=review, actor=alice)
    records = list(review.records.order_by("id"))
    for number, record in enumerate(records):
        for user in (bob, carol):
            cast(user, record, "include" if number == 0 else "exclude")
    return records


def _offered(review, reviewer) -> list[int]:
    """Every record the reviewer's work list offers, walking it as the screening page does."""
    worklist_ensure_synced(review=review, stage=Stage.TITLE_ABSTRACT, reviewer=reviewer)
    from screening.worklist import offered_records

    return sorted(offered_records(review, Stage.TITLE_ABSTRACT, reviewer.pk).values_list("pk", flat=True))


def test_an_update_import_merges_the_repeat_of_a_screened_record_onto_it(
    review, alice, bob, screened_first_round, importer
):
    screened = screened_first_round[0]
    round_start(review=review, actor=alice, label="Update 2026")
    # the update finds the first paper again, now with an abstract (more complete than the screened
    # record), and one genuinely new paper
    batch = importer(
        "update.ris",
        [
            (FIRST[0][0], "Zhang", "10.5555/a.1", "Background: a randomised trial of 120 adults."),
            ("Exosomes from cord blood protect the diabetic kidney", "Haddad", "10.5555/b.1", ""),
        ],
    )
    assert batch.round.number == 2 and batch.status == "succeeded"
    repeat = Record.objects.get(batch=batch, doi="10.5555/a.1")
    new = Record.objects.get(batch=batch, doi="10.5555/b.1")
    assert repeat.duplicate_of_id == screened.pk  # the screened record stays canonical
    assert Vote.objects.filter(record=screened).count() == 2 and not repeat.votes.exists()
    assert _offered(review, bob) == [new.pk]
    assert selectors.next_record(review, Stage.TITLE_ABSTRACT, bob).pk == new.pk
    assert batch.progress["duplicates_merged"] == 1
    event = AuditEvent.objects.get(verb="import.succeeded", batch=batch)
    assert event.data["duplicates_merged"] == 1


def test_without_an_update_round_the_import_waits_for_find_duplicates(
    review, bob, screened_first_round, importer
):
    batch = importer("again.ris", [(FIRST[1][0], "Okafor", "10.5555/a.2", "")], source="Embase")
    assert batch.round.number == 1
    assert Record.objects.get(batch=batch).duplicate_of_id is None  # unchanged behaviour in round 1


def test_two_screened_records_are_not_merged_without_a_person(
    review, alice, bob, carol, cast, screened_first_round, importer
):
    # a second database in round 1, screened before anyone looked for duplicates
    batch = importer("embase.ris", [(FIRST[2][0], "Silva", "10.5555/a.3", "")], source="Embase")
    twin = Record.objects.get(batch=batch)
    cast(bob, twin, "exclude")
    summary = duplicates_find(review=review, actor=alice)
    pair = DuplicateCandidate.objects.get(record_b=twin)
    assert (pair.status, pair.guard) == (CandidateStatus.PENDING, BOTH_SCREENED)
    assert summary["auto_merged"] == 0
    assert Record.objects.filter(duplicate_of__isnull=False).count() == 0
    candidate_merge(candidate=pair, actor=alice)  # a person may still merge them
    twin.refresh_from_db()
    assert twin.duplicate_of_id == screened_first_round[2].pk  # both judged: the earlier import stays


def test_a_repeat_found_twice_in_one_update_is_merged_onto_the_screened_record(
    review, alice, bob, screened_first_round, importer
):
    round_start(review=review, actor=alice, label="Update")
    entry = (FIRST[1][0], "Okafor", "10.5555/a.2", "An abstract makes this one more complete.")
    first = importer("pubmed-update.ris", [entry])
    second = importer("embase-update.ris", [entry], source="Embase")
    canonical = screened_first_round[1].pk
    assert Record.objects.get(batch=first).duplicate_of_id == canonical
    assert Record.objects.get(batch=second).duplicate_of_id == canonical
    assert _offered(review, bob) == []


def test_starting_an_update_needs_a_label_a_date_after_the_last_round_and_imports(review, alice, importer):
    with pytest.raises(ValidationError, match="no imports yet"):
        round_start(review=review, actor=alice, label="Update", date=dt.date(2026, 1, 1))
    importer("first.ris", FIRST)
    first = ReviewRound.objects.get(review=review)
    assert (first.number, first.label) == (1, "First searches")
    with pytest.raises(ValidationError, match="label"):
        round_start(review=review, actor=alice, label="  ")
    with pytest.raises(ValidationError, match="before round 1"):
        round_start(review=review, actor=alice, label="Update", date=first.date - dt.timedelta(days=1))
    update = round_start(review=review, actor=alice, label="Update", date=first.date)
    assert update.number == 2
    assert AuditEvent.objects.filter(verb="round.started", data__round=2).exists()
    with pytest.raises(ValidationError, match="Round 2 .* no imports yet"):
        round_start(review=review, actor=alice, label="Another", date=first.date)


def test_an_update_imports_comparison_with_the_review_shows_as_progress(
    review, alice, screened_first_round, importer
):
    from reviewapp import jobs
    from reviewapp.services.imports import import_progress

    round_start(review=review, actor=alice, label="Update 2026")
    seen: list[dict] = []
    with jobs.job_watch(lambda job, progress: seen.append(dict(progress))):
        batch = importer(
            "update.ris", [("Exosomes from cord blood protect the kidney", "Haddad", "10.5/b", "")]
        )
    comparing = [p for p in seen if "total" in p]
    assert comparing and all(p["records"] == 1 and p["bytes"] == batch.size for p in comparing)
    assert comparing[-1]["done"] == comparing[-1]["total"]  # the search reports its end
    # while it runs, the page shows the comparison, not a file read to 100 % with nothing happening
    batch.status, batch.progress = "running", comparing[0]
    jobs._LOCAL.forget(type(batch), batch.pk)
    shown = import_progress(batch)
    assert "comparing" in shown and shown["records"] == 1 and shown["fraction"] == 1.0
    page = render_to_string(
        "reviewapp/_import_progress.html", {"review": review, "batch": batch, "progress": shown}
    )
    assert "comparing them with every record already in the review" in page
    assert "% of the file read" not in page
