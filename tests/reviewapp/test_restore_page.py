"""The restore page: staff upload a review's backup and get a new review; everyone else is refused, and a bad
file is refused with its name and the reason, changing nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from reviewapp.backup import backup_build
from reviewapp.models import AuditEvent, Membership, Record, Review
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


def test_staff_restore_a_zip_backup_as_a_new_review_and_become_its_owner(admin, zipped):
    response = admin.post(PAGE, {"backup": _upload(zipped), "slug": "msc-copy", "join_as_owner": "on"})
    assert response.status_code == 302 and response["Location"] == "/reviews/msc-copy/"
    copy = Review.objects.get(slug="msc-copy")
    assert Record.objects.filter(review=copy, title="First").exists()
    assert Retrieval.objects.get(review=copy).file.read() == b"%PDF-1.4 test"
    root = Membership.objects.get(review=copy, user__username="root")
    assert root.is_owner
    zed = Membership.objects.get(review=copy, user__username="zed").user
    assert not zed.is_active and not zed.has_usable_password()
    assert AuditEvent.objects.filter(review=copy, verb="review.restored", actor__username="root").exists()
    page = admin.get(response["Location"]).content.decode()
    assert "Restored" in page and "created inactive, without a password: zed" in page


def test_without_joining_the_staff_member_is_told_who_owns_it(admin, zipped):
    response = admin.post(PAGE, {"backup": _upload(zipped), "slug": "msc-copy"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert not Membership.objects.filter(review__slug="msc-copy", user__username="root").exists()
    assert "You are not a member of msc-copy; its owners: alice" in response.content.decode()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04 cut short", "The zip is damaged or truncated"),
        (json.dumps({"format": "something-else"}).encode(), "has no reviewapp backup header"),
        (b"%PDF-1.4 \xff\xfe not a backup", "the file is neither a zip nor UTF-8 JSON"),
    ],
)
def test_a_file_that_is_not_a_good_backup_is_refused_with_its_name_and_why(admin, review, content, reason):
    reviews, records = Review.objects.count(), Record.objects.count()
    response = admin.post(PAGE, {"backup": _upload(content, "odd.zip"), "slug": "msc-copy"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "odd.zip: " in text and reason in text and "Nothing was changed." in text
    assert (Review.objects.count(), Record.objects.count()) == (reviews, records)


def test_a_post_without_a_file_says_the_file_is_missing(admin):
    response = admin.post(PAGE, {"slug": "msc-copy"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()


def test_a_damaged_file_inside_the_zip_is_refused(admin, zipped, settings):
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        names = archive.namelist()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as changed:
            for name in names:
                data = archive.read(name)
                changed.writestr(name, b"%PDF-1.4 other" if name.startswith("files/") else data)
    media = _media_files(settings)
    response = admin.post(PAGE, {"backup": _upload(out.getvalue()), "slug": "msc-copy"})
    assert response.status_code == 400 and not Review.objects.filter(slug="msc-copy").exists()
    assert "perinatal-msc-backup.zip: " in response.content.decode()
    assert "checksum" in response.content.decode()
    assert _media_files(settings) == media  # no file of the refused restore is left behind


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
    # the backup's own slug, still in use here, is refused by the restore itself
    response = admin.post(PAGE, {"backup": _upload(zipped)})
    assert response.status_code == 400 and "exists already" in response.content.decode()
    assert Review.objects.count() == 1


def test_a_backup_over_the_size_limit_is_refused(admin, zipped, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = admin.post(PAGE, {"backup": _upload(zipped), "slug": "msc-copy"})
    assert response.status_code == 400 and "over this server&#x27;s limit" in response.content.decode()
    assert not Review.objects.filter(slug="msc-copy").exists()


def test_only_staff_see_and_use_the_page(client, alice, zipped):
    client.force_login(alice)  # an owner, not staff
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"backup": _upload(zipped), "slug": "x"}).status_code == 403
    assert not Review.objects.filter(slug="x").exists()
    assert 'data-testid="restore-link"' not in client.get("/").content.decode()


def test_staff_find_the_page_from_the_home_page(admin):
    home = admin.get("/").content.decode()
    assert 'data-testid="restore-link"' in home and f'href="{PAGE}"' in home
    assert 'enctype="multipart/form-data"' in admin.get(PAGE).content.decode()
