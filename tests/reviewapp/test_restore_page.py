"""The restore page: staff upload a review's backup and a worker restores it as a new review, with progress;
everyone else is refused, and a bad file fails with its name and the reason, changing nothing; the upload is
not kept once the restore ended."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from reviewapp.backup import backup_build
from reviewapp.models import AuditEvent, Membership, Record, RestoreJob, Review
from screening.models import Retrieval, RetrievalStatus

from ..factories import RecordFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/reviews/restore/"


@pytest.fixture
def admin():
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True))
    return client


@pytest.fixture
def zipped(review, alice, bob):
    """A backup (a zip: the review stores a full text) in which bob is someone this server does not know."""
    record = RecordFactory(review=review, batch__source__review=review, title="First")
    retrieval = Retrieval(review=review, record=record, status=RetrievalStatus.RETRIEVED)
    retrieval.file.save("r.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    retrieval.save()
    out = io.BytesIO()
    backup = backup_build(review)
    for user in backup.data["users"]:
        if user["username"] == "bob":
            user["username"] = "zed"
    backup.write(out)
    return out.getvalue()


def _upload(content: bytes, name: str = "perinatal-msc-backup.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def restore(admin, django_capture_on_commit_callbacks):
    """POST the form as the page does; the queued restore runs when the request's transaction commits (as
    a worker would pick it up); returns the POST's response and the job's page afterwards."""

    def post(data):
        with django_capture_on_commit_callbacks(execute=True):
            response = admin.post(PAGE, data)
        if response.status_code != 302:
            return response, None
        return response, admin.get(response["Location"])

    return post


def test_staff_restore_a_zip_backup_as_a_new_review_and_become_its_owner(restore, zipped, settings):
    posted, page = restore({"backup": _upload(zipped), "slug": "msc-copy", "join_as_owner": "on"})
    job = RestoreJob.objects.get()
    assert posted["Location"] == f"/reviews/restore/{job.pk}/"
    assert job.status == "succeeded" and job.restored_slug == "msc-copy" and job.users_created == ["zed"]
    copy = Review.objects.get(slug="msc-copy")
    assert Record.objects.filter(review=copy, title="First").exists()
    assert Retrieval.objects.get(review=copy).file.read() == b"%PDF-1.4 test"
    assert Membership.objects.get(review=copy, user__username="root").is_owner
    zed = Membership.objects.get(review=copy, user__username="zed").user
    assert not zed.is_active and not zed.has_usable_password()
    assert AuditEvent.objects.filter(review=copy, verb="review.restored", actor__username="root").exists()
    text = page.content.decode()
    assert "Restored as msc-copy." in text and "created inactive, without a password" in text
    assert 'href="/reviews/msc-copy/"' in text and "hx-get" not in text  # done: no more polling
    assert not job.file and not any("restores" in f for f in _media_files(settings))  # upload not kept


def test_without_joining_the_staff_member_is_told_who_owns_it(restore, zipped):
    _, page = restore({"backup": _upload(zipped), "slug": "msc-copy"})
    assert not Membership.objects.filter(review__slug="msc-copy", user__username="root").exists()
    text = page.content.decode()
    assert "You are not a member of msc-copy; its owners: alice" in text
    assert 'href="/reviews/msc-copy/"' not in text  # no link to a page that would answer 404


def test_a_queued_restore_shows_progress_and_polls(admin, zipped):
    response = admin.post(PAGE, {"backup": _upload(zipped), "slug": "msc-copy"})  # never committed: queued
    job = RestoreJob.objects.get()
    text = admin.get(response["Location"]).content.decode()
    assert "Waiting for a worker" in text and f'hx-get="/reviews/restore/{job.pk}/progress/"' in text
    partial = admin.get(f"/reviews/restore/{job.pk}/progress/").content.decode()
    assert 'data-status="queued"' in partial and "<html" not in partial


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04 cut short", "The zip is damaged or truncated"),
        (json.dumps({"format": "something-else"}).encode(), "has no reviewapp backup header"),
        (b"%PDF-1.4 \xff\xfe not a backup", "the file is neither a zip nor UTF-8 JSON"),
    ],
)
def test_a_file_that_is_not_a_good_backup_fails_with_its_name_and_why(
    restore, review, content, reason, settings
):
    reviews, records = Review.objects.count(), Record.objects.count()
    _, page = restore({"backup": _upload(content, "odd.zip"), "slug": "msc-copy"})
    assert RestoreJob.objects.get().status == "failed"
    text = page.content.decode()
    assert "The restore failed; nothing was changed." in text
    assert "odd.zip: " in text and reason in text and "Nothing was changed." in text
    assert (Review.objects.count(), Record.objects.count()) == (reviews, records)
    assert not any("restores" in f for f in _media_files(settings))


def test_a_post_without_a_file_says_the_file_is_missing(admin):
    response = admin.post(PAGE, {"slug": "msc-copy"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()


def test_a_damaged_file_inside_the_zip_is_refused(restore, zipped, settings):
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        names = archive.namelist()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as changed:
            for name in names:
                data = archive.read(name)
                changed.writestr(name, b"%PDF-1.4 other" if name.startswith("files/") else data)
    media = _media_files(settings)
    _, page = restore({"backup": _upload(out.getvalue()), "slug": "msc-copy"})
    assert not Review.objects.filter(slug="msc-copy").exists()
    text = page.content.decode()
    assert "perinatal-msc-backup.zip: The file fulltext/" in text and "in the backup is damaged" in text
    assert _media_files(settings) == media  # no file of the refused restore is left behind, nor the upload


def _media_files(settings) -> set[str]:
    from pathlib import Path

    return {str(p) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def test_a_slug_in_use_is_refused_next_to_the_field(admin, zipped, review):
    response = admin.post(PAGE, {"backup": _upload(zipped), "slug": review.slug})
    assert response.status_code == 400
    assert f"A review with the slug &#x27;{review.slug}&#x27; exists already" in str(
        response.context["form"]["slug"].errors
    )
    response = admin.post(PAGE, {"backup": _upload(zipped), "slug": "restore"})
    assert "names a page of the site" in str(response.context["form"]["slug"].errors)
    assert Review.objects.count() == 1 and not RestoreJob.objects.exists()


def test_the_backups_own_slug_in_use_fails_the_restore(restore, zipped):
    _, page = restore({"backup": _upload(zipped)})
    assert "exists already; choose another slug. Nothing was changed." in page.content.decode()
    assert Review.objects.count() == 1


def test_a_backup_over_the_size_limit_is_refused(admin, zipped, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = admin.post(PAGE, {"backup": _upload(zipped), "slug": "msc-copy"})
    assert response.status_code == 400 and "over this server&#x27;s limit" in response.content.decode()
    assert not Review.objects.filter(slug="msc-copy").exists()


def test_only_staff_see_and_use_the_page(client, alice, zipped, restore):
    restore({"backup": _upload(zipped), "slug": "msc-copy"})
    job = RestoreJob.objects.get()
    client.force_login(alice)  # an owner, not staff
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"backup": _upload(zipped), "slug": "x"}).status_code == 403
    assert client.get(f"/reviews/restore/{job.pk}/").status_code == 403
    assert client.get(f"/reviews/restore/{job.pk}/progress/").status_code == 403
    assert not Review.objects.filter(slug="x").exists() and RestoreJob.objects.count() == 1
    assert 'data-testid="restore-link"' not in client.get("/").content.decode()


def test_staff_find_the_page_from_the_home_page_and_their_restores_on_it(admin, restore, zipped):
    home = admin.get("/").content.decode()
    assert 'data-testid="restore-link"' in home and f'href="{PAGE}"' in home
    assert 'enctype="multipart/form-data"' in admin.get(PAGE).content.decode()
    restore({"backup": _upload(zipped), "slug": "msc-copy"})
    listing = admin.get(PAGE).content.decode()
    assert 'data-testid="restore-list"' in listing and "msc-copy" in listing


def test_the_restore_reports_its_progress_table_by_table(zipped):
    from reviewapp.backup import review_restore

    seen: list[tuple[int, int, str]] = []
    review_restore(source=io.BytesIO(zipped), slug="msc-copy", progress=lambda *report: seen.append(report))
    done = [d for d, _, _ in seen]
    assert done == sorted(done) and done[0] == 0 and {t for _, t, _ in seen} == {seen[0][1]}
    assert "records" in [table for _, _, table in seen]
    restored_rows = Record.objects.filter(review__slug="msc-copy").count()
    assert 0 < restored_rows <= seen[-1][1] and seen[-1][0] <= seen[-1][1]


def test_an_upload_left_by_a_killed_restore_is_removed_by_the_next_one(admin, zipped, restore, settings):
    from django.core.files.base import ContentFile as Content

    dead = RestoreJob(file_name="old.zip", status="failed")
    dead.file.save("old.zip", Content(b"PK old"), save=False)
    dead.save()
    assert any("restores" in f for f in _media_files(settings))
    restore({"backup": _upload(zipped), "slug": "msc-copy"})
    dead.refresh_from_db()
    assert not dead.file and not any("restores" in f for f in _media_files(settings))
