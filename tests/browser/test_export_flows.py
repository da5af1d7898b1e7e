"""Exports in a real browser: the owner downloads from the Exports page and exports exactly the filtered
records list; a reviewer has no Exports link and is refused the page."""

import csv
import io
import os

import pytest
from playwright.sync_api import expect

from ..factories import ImportBatchFactory, RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOT_DIR")


def _rows(download) -> list[dict]:
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(io.StringIO(handle.read())))


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=False)


@pytest.fixture
def listed(review, alice, bob):
    batch = ImportBatchFactory(source__review=review)
    titles = [
        "Wharton's jelly MSCs in type 1 diabetes",
        "Placental MSC exosomes in diabetic rats",
        "Cord blood",
    ]
    return [RecordFactory(batch=batch, title=title) for title in titles]


def test_owner_downloads_exports_and_the_filtered_records_list(login, listed, alice, review):
    page = login(alice)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/reviews/{review.slug}/")
    page.get_by_role("link", name="Open the exports").click()
    page.wait_for_selector("[data-testid=export-table]")
    _shot(page, "exports.png")
    with page.expect_download() as info:
        page.get_by_test_id("export-records-csv").click()
    assert info.value.suggested_filename == f"{review.slug}-records.csv"
    assert len(_rows(info.value)) == 3

    page.goto(f"/reviews/{review.slug}/records/")
    page.fill("input[name=q]", "Wharton")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("[data-testid=records-export]")
    _shot(page, "records-export.png")
    with page.expect_download() as info:
        page.get_by_test_id("records-export-csv").click()
    rows = _rows(info.value)
    assert [r["title"] for r in rows] == [listed[0].title]
    assert info.value.suggested_filename == f"{review.slug}-records-filtered.csv"


def test_a_reviewer_has_no_exports(login, listed, bob, review):
    page = login(bob)
    page.goto(f"/reviews/{review.slug}/")
    assert page.get_by_role("link", name="Open the exports").count() == 0
    page.goto(f"/reviews/{review.slug}/records/")
    assert page.get_by_test_id("records-export").count() == 0
    response = page.goto(f"/reviews/{review.slug}/synthesis/exports/")
    assert response.status == 403


def test_a_backup_downloaded_by_the_owner_is_restored_by_staff_on_the_restore_page(
    login, listed, alice, review
):
    from reviewapp.models import Record, Review

    from ..factories import UserFactory

    owner = login(alice)
    owner.goto(f"/reviews/{review.slug}/synthesis/exports/")
    with owner.expect_download() as info:
        owner.get_by_role("link", name="Download backup").click()
    assert info.value.suggested_filename.startswith(f"{review.slug}-backup.")
    backup = info.value.path()

    staff = login(UserFactory(username="root", is_staff=True))
    staff.get_by_test_id("restore-link").click()
    staff.set_input_files("input[name=backup]", backup)
    staff.get_by_role("button", name="Restore").click()  # the backup's slug is taken here: it fails
    expect(staff.get_by_test_id("restore-error")).to_contain_text(
        "exists already; choose another slug. Nothing was changed."
    )
    staff.get_by_role("link", name="Restore another file").click()
    staff.set_input_files("input[name=backup]", backup)
    staff.fill("input[name=slug]", "msc-restored")
    staff.get_by_role("button", name="Restore").click()
    expect(staff.get_by_test_id("restore-progress")).to_have_attribute("data-status", "succeeded")
    _shot(staff, "restored.png")
    staff.get_by_test_id("restored-review").click()
    staff.wait_for_url("**/reviews/msc-restored/")
    copy = Review.objects.get(slug="msc-restored")
    assert sorted(Record.objects.filter(review=copy).values_list("title", flat=True)) == sorted(
        r.title for r in listed
    )
