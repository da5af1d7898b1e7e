"""Record timelines read as sentences (issue 13 item 13): no raw ids ("vote: 3"), no "None", no raw choice
values ("title_abstract"), no sha256, no dotted verbs, for screening's events and the core's."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from reviewapp.services import duplicates as dup_services
from screening.services import fulltext as fulltext_services
from screening.services import votes as vote_services

RAW = re.compile(
    r"\b(vote|revision|conflict|reason|stage|sha256|path): |None|title_abstract|full_text|[0-9a-f]{64}"
)
VERBS = re.compile(r"\b(vote|verdict|conflict|retrieval|record)\.[a-z_]+")


def _timeline(client, record) -> list[str]:
    html = client.get(f"/reviews/perinatal-msc/records/{record.pk}/").content.decode()
    history = html.split('<ul class="timeline">')[1].split("</ul>")[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in history.split("<li>")[1:]]


@pytest.fixture
def history(review, alice, bob, carol, dave, make_records, reasons, cast):
    record, removed = make_records(2)
    cast(bob, record, "include")
    conflict = cast(carol, record, "exclude").conflict
    vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="include")
    pdf = SimpleUploadedFile("trial.pdf", b"%PDF-1.4 body", content_type="application/pdf")
    fulltext_services.retrieval_attach_pdf(review=review, actor=alice, record_id=record.pk, upload=pdf)
    cast(bob, record, "exclude", stage="full_text", reason=reasons[0].pk)
    cast(carol, record, "exclude", stage="full_text", reason=reasons[1].pk)
    cast(bob, record, "exclude", stage="full_text", reason=reasons[1].pk)  # consensus
    dup_services.record_remove(record=removed, actor=alice, reason="other", note="a letter")
    dup_services.record_restore(record=removed, actor=alice)
    return record, removed


def test_the_screening_timeline_reads_as_sentences(history, alice, reasons):
    record, _ = history
    client = Client()
    client.force_login(alice)
    lines = _timeline(client, record)
    text = "\n".join(lines)
    assert not RAW.search(text), text
    assert not VERBS.search(text), text
    for expected in (
        "Voted at title/abstract",
        "The votes at title/abstract disagree",
        "Included at title/abstract by arbitration.",
        "Conflict at title/abstract resolved: included",
        "Full text attached: trial.pdf (13",
        "Changed their vote at full text",
        f"Excluded at full text by consensus of the reviewers. Reason: {reasons[1].label}.",
    ):
        assert expected in text, text


def test_removal_and_restore_name_the_reason_in_words(history, alice):
    _, removed = history
    client = Client()
    client.force_login(alice)
    text = "\n".join(_timeline(client, removed))
    assert "Removed before screening (other reason): a letter" in text
    assert "Restored (it had been removed: other reason)" in text


def test_a_verb_without_a_text_reads_as_words_not_data():
    from types import SimpleNamespace

    from reviewapp.views.records import event_text

    event = SimpleNamespace(verb="exclusion_reasons.set", data={"labels": ["a"], "stage": "full_text"})
    assert event_text(event) == "Exclusion reasons set"


# --- error pages that say why and link back -----------------------------------------------------------


def test_a_missing_record_of_my_review_links_back_to_the_review(review, bob):
    client = Client()
    client.force_login(bob)
    response = client.get("/reviews/perinatal-msc/records/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="error-page"' in html and "not shared with you" in html
    assert 'data-testid="error-review"' in html and "/reviews/perinatal-msc/" in html


def test_an_outsider_gets_no_link_to_a_review_they_do_not_belong_to(review, mallory):
    client = Client()
    client.force_login(mallory)
    response = client.get("/reviews/perinatal-msc/records/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="error-review"' not in html and review.title not in html


def test_a_forbidden_page_says_which_role_and_links_back(review, bob):
    client = Client()
    client.force_login(bob)
    response = client.get("/reviews/perinatal-msc/settings/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "owner role" in html and 'data-testid="error-review"' in html
