"""A living review's update in a real browser (issue 11, acceptance 4 and 6): the owner starts an update
round and uploads the re-run search; the record found again is merged onto the screened one, so the
reviewer's work list offers only the genuinely new record; the PRISMA page draws the update in the
template for updated reviews."""

import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reviewapp.models import Record
from reviewapp.services import studies
from reviewapp.services.duplicates import duplicates_find
from reviewapp.services.imports import import_file_now
from reviewapp.services.reviews import source_create
from screening.services import fulltext, votes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "perinatal-msc"
SCREENSHOTS = os.environ.get("LIVING_SCREENSHOTS", "")  # a folder for the pages' PNGs


def screenshot(page, name):
    if SCREENSHOTS:
        page.set_viewport_size({"width": 1366, "height": 768})
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


FIRST = [
    ("Umbilical cord mesenchymal stromal cells lower HbA1c in type 2 diabetes", "Zhang", "10.5555/live.1"),
    ("Placenta-derived cells restore islet function in diabetic mice", "Okafor", "10.5555/live.2"),
    ("Amniotic membrane grafts heal diabetic foot ulcers", "Silva", "10.5555/live.3"),
]
NEW_TITLE = "Exosomes from cord blood protect the diabetic kidney"


def ris(entries, abstract="") -> str:
    return "".join(
        f"TY  - JOUR\nTI  - {title}\nAU  - {author}, A.\nPY  - 2021\nJO  - Stem Cell Res Ther\nDO  - {doi}\n"
        + (f"AB  - {abstract}\n" if abstract else "")
        + "ER  - \n\n"
        for title, author, doi in entries
    )


def screened_first_round(review, alice, bob, carol, tmp_path):
    """Round 1 imported, de-duplicated and screened; the first record included as a study."""
    source = source_create(review=review, actor=alice, name="PubMed")
    path = tmp_path / "first.ris"
    path.write_text(ris(FIRST))
    import_file_now(review=review, source=source, actor=alice, path=str(path))
    duplicates_find(review=review, actor=alice)
    records = list(review.records.order_by("id"))
    for number, record in enumerate(records):
        for user in (bob, carol):
            decision = "include" if number == 0 else "exclude"
            votes.vote_cast(
                review=review, actor=user, record_id=record.pk, stage="title_abstract", decision=decision
            )
    fulltext.retrieval_link(
        review=review, actor=alice, record_id=records[0].pk, url="https://example.org/1.pdf"
    )
    for user in (bob, carol):
        votes.vote_cast(
            review=review, actor=user, record_id=records[0].pk, stage="full_text", decision="include"
        )
    studies.study_create(review=review, actor=alice, record_ids=[records[0].pk], label="Zhang 2021")
    return records


def test_an_update_import_adds_only_new_records_and_prisma_draws_the_update(
    login, review, alice, bob, carol, tmp_path
):
    first = screened_first_round(review, alice, bob, carol, tmp_path)
    owner = login(alice)
    owner.goto(f"/reviews/{SLUG}/sources/")
    form = owner.locator("#start-round form")
    form.locator("[name=label]").fill("Update 2026")
    form.locator("[name=date]").fill(f"{timezone.localdate():%Y-%m-%d}")
    form.locator("button", has_text="Start round 2").click()
    expect(owner.get_by_test_id("rounds")).to_contain_text("Update 2026")

    # the re-run search finds the included paper again (now with an abstract) and one new paper
    update = tmp_path / "pubmed-update.ris"
    update.write_text(
        ris([FIRST[0], (NEW_TITLE, "Haddad", "10.5555/live.4")], abstract="Background: adults.")
    )
    owner.goto(f"/reviews/{SLUG}/imports/new/")
    owner.locator("[name=source]").select_option(label="PubMed")
    owner.set_input_files("input[type=file]", str(update))
    owner.click("text=Upload and import")
    expect(owner.get_by_test_id("update-dedup")).to_contain_text("1 found again and merged", timeout=20_000)
    screenshot(owner, "import")
    repeat = Record.objects.get(review=review, doi="10.5555/live.1", batch__round__number=2)
    assert repeat.duplicate_of_id == first[0].pk

    reviewer = login(bob)
    reviewer.goto(f"/reviews/{SLUG}/screening/screen/title_abstract/")
    panel = reviewer.locator("#screen-panel")
    expect(panel).to_contain_text(NEW_TITLE)
    assert int(panel.get_attribute("data-record")) == Record.objects.get(doi="10.5555/live.4").pk
    expect(panel).to_have_attribute("data-keys-ready", "1")  # keys count once the record is on screen
    reviewer.keyboard.press("e")
    expect(panel).not_to_have_attribute("data-record", re.compile(r"\d"))  # nothing else to screen
    expect(reviewer.locator("body")).not_to_contain_text(FIRST[0][0])

    owner.goto(f"/reviews/{SLUG}/synthesis/prisma/")
    owner.get_by_test_id("prisma-rounds").locator("a[data-round='2']").click()
    owner.wait_for_url("**/prisma/?round=2")
    expect(owner.get_by_test_id("prisma-template")).to_contain_text("template for updated reviews")
    shown = re.sub(r"\s", "", owner.get_by_test_id("prisma-diagram").text_content())
    for text in (
        "Previous studies",
        "Studies included in previous version of review (n = 1)",
        "Reports of studies included in previous version of review (n = 1)",
        "Duplicate records (n = 1)",
        "Records screened (n = 1)",
        "awaiting a decision (n = 1)",  # bob voted, carol has not yet
        "Total studies included in review (n = 1)",
    ):
        assert re.sub(r"\s", "", text) in shown, text
    screenshot(owner, "prisma-update")
    owner.locator('text[data-key="duplicates"]').first.click()
    owner.wait_for_url("**/prisma/records/?box=duplicates&round=2")
    rows = owner.get_by_test_id("box-records").locator("tbody tr")
    expect(rows).to_have_count(1)
    assert int(rows.first.get_attribute("data-record")) == repeat.pk
    owner.goto(f"/reviews/{SLUG}/sources/")
    screenshot(owner, "sources")
