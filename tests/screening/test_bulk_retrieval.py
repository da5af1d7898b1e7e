"""Full-text retrieval without page reloads, and several PDFs uploaded at once, matched to reports with a
report before and after attaching (issue 13 item 12)."""

import io
import os
import re
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.test import Client

from reviewapp.models import AuditEvent
from screening.models import Retrieval

PAGES = "/reviews/perinatal-msc/screening/fulltext"
HTMX = {"HTTP_HX_REQUEST": "true"}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf(name, body=b"", content_type="application/pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + body + b"\n%%EOF\n", content_type=content_type)


@pytest.fixture
def sought(make_records, cast, bob, carol):
    """Three reports included at title/abstract, waiting for their full text."""
    records = make_records(3)
    records[0].doi, records[1].pmid, records[2].title = (
        "10.1016/j.jcyt.2020.01.005",
        "31234567",
        "Wharton jelly MSCs heal diabetic ulcers",
    )
    for record in records:
        record.save()
        cast(bob, record, "include")
        cast(carol, record, "include")
    return records


def test_a_retrieval_by_htmx_answers_the_row_alone(bob, sought):
    response = logged_in(bob).post(
        f"{PAGES}/{sought[0].pk}/retrieval/", {"action": "link", "url": "https://example.org/a.pdf"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<tr") and 'data-testid="row-saved"' in html and "<html" not in html
    assert Retrieval.objects.get(record=sought[0]).url == "https://example.org/a.pdf"


def test_a_refused_retrieval_by_htmx_shows_the_reason_in_the_row(bob, sought):
    response = logged_in(bob).post(
        f"{PAGES}/{sought[0].pk}/retrieval/",
        {"action": "attach", "file": pdf("a.txt", content_type="text/plain")},
        **HTMX,
    )
    assert 'data-testid="row-error"' in response.content.decode() and "PDF" in response.content.decode()
    assert not Retrieval.objects.exists()


def test_bulk_upload_matches_before_attaching_and_reports_after(bob, sought):
    client = logged_in(bob)
    files = [
        pdf("10.1016_j.jcyt.2020.01.005.pdf"),
        pdf("PMID 31234567.pdf"),
        pdf("wharton jelly mscs heal diabetic ulcers.pdf"),
        pdf("holiday photos.pdf"),
        SimpleUploadedFile("notes.pdf", b"not a pdf at all", content_type="application/pdf"),
    ]
    response = client.post(f"{PAGES}/bulk/", {"files": files})
    assert response.status_code == 302
    report = client.get(response["Location"]).content.decode()
    states = re.findall(r'data-testid="bulk-file" data-index="\d+" data-state="(\w+)"', report)
    assert states == ["matched", "matched", "matched", "unmatched", "refused"]
    assert not Retrieval.objects.exists()  # nothing attached before the person confirms
    assert "does not start with %PDF-" in report
    chosen = {f"record-{i}": str(sought[i].pk) for i in range(3)}
    after = client.post(response["Location"], {**chosen, "record-3": ""}, follow=True).content.decode()
    assert sorted(Retrieval.objects.values_list("record_id", flat=True)) == sorted(r.pk for r in sought)
    assert re.findall(r'data-state="(\w+)"', after) == [
        "attached",
        "attached",
        "attached",
        "unmatched",
        "refused",
    ]
    assert "holiday photos.pdf" in after and "notes.pdf" in after  # nothing lost without a word
    assert AuditEvent.objects.filter(verb="retrieval.attached").count() == 3


def test_a_bulk_file_is_never_attached_over_an_existing_full_text(bob, alice, review, sought):
    from screening.services.fulltext import retrieval_link

    retrieval_link(review=review, actor=alice, record_id=sought[0].pk, url="https://example.org/x")
    client = logged_in(bob)
    location = client.post(f"{PAGES}/bulk/", {"files": [pdf("scan.pdf")]})["Location"]
    after = client.post(location, {"record-0": str(sought[0].pk)}, follow=True).content.decode()
    assert 'data-testid="bulk-error"' in after
    assert Retrieval.objects.get(record=sought[0]).url == "https://example.org/x"


@pytest.mark.parametrize(("persona", "status"), [("viewer", 403), ("outsider", 404)])
def test_only_the_owner_and_reviewers_upload_in_bulk(team, sought, persona, status):
    response = logged_in(team[persona]).post(f"{PAGES}/bulk/", {"files": [pdf("a.pdf")]})
    assert response.status_code == status


def test_an_unknown_bulk_token_is_a_404(bob, sought):
    assert logged_in(bob).get(f"{PAGES}/bulk/0123456789abcdef/").status_code == 404
    assert logged_in(bob).get(f"{PAGES}/bulk/..%2F..%2Fetc/").status_code == 404


def test_too_large_files_are_refused_by_size(bob, sought, settings):
    settings.FULLTEXT_MAX_BYTES = 100
    client = logged_in(bob)
    location = client.post(f"{PAGES}/bulk/", {"files": [pdf("big.pdf", b"x" * 200)]})["Location"]
    assert "larger than the limit" in client.get(location).content.decode()


# --- the staging area is cleaned up: finished, discarded, failed, stale ----------------------------


def staged_files(review) -> set[str]:
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT) / "fulltext" / "staging" / str(review.pk)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_attached_files_leave_the_staging_area_and_unattached_ones_stay(
    bob, review, sought, django_capture_on_commit_callbacks
):
    client = logged_in(bob)
    location = client.post(
        f"{PAGES}/bulk/", {"files": [pdf("10.1016_j.jcyt.2020.01.005.pdf"), pdf("PMID 31234567.pdf")]}
    )["Location"]
    token = location.rstrip("/").rsplit("/", 1)[1]
    assert staged_files(review) == {f"{token}/0.pdf", f"{token}/1.pdf", f"{token}/manifest.json"}
    with django_capture_on_commit_callbacks(execute=True):  # the staged copy goes once attached for good
        client.post(location, {"record-0": str(sought[0].pk), "record-1": ""})
    assert staged_files(review) == {f"{token}/1.pdf", f"{token}/manifest.json"}  # #1 waits to be attached
    assert Retrieval.objects.get(record=sought[0]).file.read().startswith(b"%PDF-")  # the report's own copy
    with django_capture_on_commit_callbacks(execute=True):
        after = client.post(location, {"record-1": str(sought[1].pk)}, follow=True).content.decode()
    assert staged_files(review) == {f"{token}/manifest.json"}  # finished: only the report of what happened
    assert re.findall(r'data-state="(\w+)"', after) == ["attached", "attached"]
    assert 'data-testid="bulk-discard"' not in after


def test_a_discarded_bulk_upload_deletes_its_unattached_files(
    bob, carol, review, sought, django_capture_on_commit_callbacks
):
    client = logged_in(bob)
    location = client.post(
        f"{PAGES}/bulk/", {"files": [pdf("10.1016_j.jcyt.2020.01.005.pdf"), pdf("holiday.pdf")]}
    )["Location"]
    client.post(location, {"record-0": str(sought[0].pk)})
    page = client.get(location).content.decode()
    assert 'data-testid="bulk-discard"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{location}discard/", follow=True)
    assert "1 file not attached deleted" in response.content.decode()
    assert staged_files(review) == set()
    assert client.get(location).status_code == 404
    assert Retrieval.objects.get(record=sought[0]).file  # what was attached stays
    event = AuditEvent.objects.get(verb="retrieval.bulk_discarded")
    assert event.actor == bob and event.data["dropped"] == 1 and event.data["attached"] == 1
    assert logged_in(carol).post(f"{location}discard/").status_code == 404  # gone for everyone


def test_a_failed_bulk_upload_leaves_no_files_behind(bob, review, sought, monkeypatch):
    from screening import pdfmatch

    def broken(*args, **kwargs):
        raise RuntimeError("matcher crashed")

    monkeypatch.setattr(pdfmatch, "match_files", broken)
    client = logged_in(bob)
    client.raise_request_exception = False
    response = client.post(f"{PAGES}/bulk/", {"files": [pdf("a.pdf"), pdf("b.pdf")]})
    assert response.status_code == 500
    assert staged_files(review) == set()
    assert not AuditEvent.objects.filter(verb="retrieval.bulk_uploaded").exists()


def _age(review, token, hours):
    from django.conf import settings

    then = time.time() - hours * 3600
    for path in (Path(settings.MEDIA_ROOT) / "fulltext" / "staging" / str(review.pk) / token).iterdir():
        os.utime(path, (then, then))


def test_stale_staged_uploads_are_removed_by_the_command_and_fresh_ones_kept(bob, review, sought):
    from django.core.management import call_command

    client = logged_in(bob)
    old, new = (
        client.post(f"{PAGES}/bulk/", {"files": [pdf(name)]})["Location"].rstrip("/").rsplit("/", 1)[1]
        for name in ("old.pdf", "new.pdf")
    )
    _age(review, old, 25)
    _age(review, new, 23)
    out = io.StringIO()
    call_command("clean_fulltext_staging", stdout=out)
    assert "Removed 1 staged bulk upload older than 24 h" in out.getvalue()
    assert {path.split("/")[0] for path in staged_files(review)} == {new}
    call_command("clean_fulltext_staging", "--hours", "0", stdout=io.StringIO())
    assert staged_files(review) == set()
    with pytest.raises(CommandError, match="--hours must be 0 or more"):
        call_command("clean_fulltext_staging", "--hours", "-1")


def test_celery_beat_runs_the_staging_cleanup_task(bob, review, sought):
    from django.conf import settings as django_settings

    from reviewapp.celery import app

    client = logged_in(bob)
    old = client.post(f"{PAGES}/bulk/", {"files": [pdf("old.pdf")]})["Location"].rstrip("/").rsplit("/", 1)[1]
    _age(review, old, 25)
    entry = django_settings.CELERY_BEAT_SCHEDULE["clean-fulltext-staging"]
    app.loader.import_default_modules()  # what a worker does when it starts: autodiscover the tasks
    assert app.tasks[entry["task"]].apply().get() == 1  # the task the schedule names, run by that name
    assert staged_files(review) == set()


def test_a_new_bulk_upload_cleans_its_reviews_stale_batches(bob, review, sought):
    client = logged_in(bob)
    old = client.post(f"{PAGES}/bulk/", {"files": [pdf("old.pdf")]})["Location"].rstrip("/").rsplit("/", 1)[1]
    _age(review, old, 30)
    new = client.post(f"{PAGES}/bulk/", {"files": [pdf("new.pdf")]})["Location"].rstrip("/").rsplit("/", 1)[1]
    assert {path.split("/")[0] for path in staged_files(review)} == {new}
