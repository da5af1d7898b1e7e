"""Daily-use pages in a real browser (issue 13 items 5, 6, 10-13, 15; issue 15 items 5 and 12): what a review
team does on the conflict, records, full-text, studies, members and overview pages."""

import re

import pytest
from playwright.sync_api import expect

from screening.models import Conflict, ConflictStatus, Stage
from screening.services import fulltext as fulltext_services
from screening.services import votes as vote_services

from ..factories import ImportBatchFactory, RecordFactory
from ..screening.conftest import SEED_REASONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "perinatal-msc"
REVIEW = f"/reviews/{SLUG}/"
SHOTS = "/tmp/dpages"


def make_records(review, n, **fields):
    batch = ImportBatchFactory(source__review=review)
    return [RecordFactory(batch=batch, **fields) for _ in range(n)]


def vote(review, user, record, decision, stage=Stage.TITLE_ABSTRACT, **extra):
    return vote_services.vote_cast(
        review=review, actor=user, record_id=record.pk, stage=stage, decision=decision, **extra
    )


def up_for_full_text(review, alice, bob, carol, record):
    vote(review, bob, record, "include")
    vote(review, carol, record, "include")
    fulltext_services.retrieval_link(
        review=review, actor=alice, record_id=record.pk, url=f"https://example.org/{record.pk}.pdf"
    )


def test_the_arbiter_resolves_within_a_stage_filter_and_reopens(login, review, alice, bob, carol, dave):
    reasons = fulltext_services.exclusion_reasons_set(review=review, actor=alice, labels=SEED_REASONS)
    ta, ft1, ft2 = make_records(review, 3)
    vote(review, bob, ta, "include")
    vote(review, carol, ta, "exclude")
    for record in (ft1, ft2):
        up_for_full_text(review, alice, bob, carol, record)
        vote(review, bob, record, "include", Stage.FULL_TEXT)
        vote(review, carol, record, "exclude", Stage.FULL_TEXT, reason=reasons[0].pk)
    page = login(dave)
    page.goto(f"{REVIEW}screening/conflicts/")
    page.get_by_role("navigation", name="Filter").get_by_role("link", name="Full text").click()
    expect(page.get_by_test_id("conflict-row")).to_have_count(2)
    page.locator(f"[data-testid=conflict-row][data-record='{ft1.pk}'] a.button").click()
    page.get_by_test_id("resolve-include").click()
    expect(page.locator(".messages")).to_contain_text(f"Conflict on #{ft1.pk} resolved: included")
    # the next conflict is the other full-text one, not the title/abstract conflict with a lower id
    expect(page.get_by_test_id("conflict-record")).to_have_attribute("data-record", str(ft2.pk))
    page.get_by_test_id("resolve-exclude").click()
    expect(page.get_by_test_id("resolve-error")).to_contain_text("reason")  # a full-text exclusion needs one
    page.get_by_test_id("resolve-reason-2").check()
    page.get_by_test_id("resolve-exclude").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Conflict on #{ft2.pk} resolved: excluded ({SEED_REASONS[1]})"
    )
    page.get_by_test_id("conflicts-resolved").click()
    expect(page.get_by_test_id("conflict-decision")).to_have_count(2)
    expect(page.locator(f"[data-record='{ft2.pk}'] [data-testid=conflict-decision]")).to_contain_text("dave")
    page.locator(f"[data-testid=conflict-row][data-record='{ft2.pk}'] a.button").click()
    page.get_by_test_id("reopen-note").fill("the reason was wrong")
    page.get_by_test_id("reopen-submit").click()
    expect(page.locator(".messages")).to_contain_text(f"Conflict on #{ft2.pk} reopened")
    expect(page.get_by_test_id("conflict-status")).to_have_text("Open")
    expect(page.get_by_test_id("resolve-form")).to_be_visible()
    assert Conflict.objects.get(record=ft2, stage=Stage.FULL_TEXT).status == ConflictStatus.OPEN


def included_at_full_text(review, alice, bob, carol, records):
    for record in records:
        up_for_full_text(review, alice, bob, carol, record)
        vote(review, bob, record, "include", Stage.FULL_TEXT)
        vote(review, carol, record, "include", Stage.FULL_TEXT)


def test_grouping_two_of_three_reports_counts_two_studies_on_the_studies_page_and_in_prisma(
    login, review, alice, bob, carol
):
    reports = make_records(review, 3)
    included_at_full_text(review, alice, bob, carol, reports)
    page = login(bob)
    page.goto(f"{REVIEW}screening/studies/")
    expect(page.get_by_test_id("studies-total")).to_have_text("3")
    page.get_by_test_id(f"report-check-{reports[0].pk}").check()
    page.get_by_test_id(f"report-check-{reports[1].pk}").check()
    page.get_by_test_id("group-submit").click()
    expect(page.get_by_test_id("study")).to_have_count(1)
    expect(page.get_by_test_id("studies-total")).to_have_text("2")
    expect(page.get_by_test_id("studies-loose")).to_contain_text("1 included report is not grouped yet")
    page.goto(f"{REVIEW}synthesis/prisma/")
    shown = re.sub(r"\s", "", page.get_by_test_id("prisma-diagram").text_content())
    assert "Newstudiesincludedinreview(n=2)" in shown
    assert "Reportsofnewincludedstudies(n=3)" in shown


@pytest.mark.parametrize("name", [" ", ".."])
def test_a_file_without_a_usable_name_is_a_form_error_on_the_import_page(login, review, alice, name):
    from reviewapp.models import ImportBatch

    from ..factories import SearchSourceFactory

    SearchSourceFactory(review=review, name="PubMed")
    page = login(alice)
    page.goto(f"{REVIEW}imports/new/")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": name, "mimeType": "text/plain", "buffer": b"TY  - JOUR\nER  - \n"}],
    )
    page.click("text=Upload and import")
    expect(page.locator(".errorlist").first).to_contain_text(
        re.compile("no usable file name|no file arrived")
    )
    expect(page.get_by_test_id("error-page")).to_have_count(0)
    assert not ImportBatch.objects.exists()


def test_a_record_timeline_reads_as_sentences_and_error_pages_link_back(
    login, review, alice, bob, carol, dave
):
    record = make_records(review, 1)[0]
    vote(review, bob, record, "include")
    conflict = vote(review, carol, record, "exclude").conflict
    vote_services.conflict_resolve(conflict=conflict, actor=dave, decision="include", note="in scope")
    page = login(bob)
    page.goto(f"{REVIEW}records/{record.pk}/")
    history = page.locator("ul.timeline")
    expect(history).to_contain_text("Included at title/abstract by arbitration. Note: in scope")
    text = history.text_content()
    assert not re.search(r"vote: |None|title_abstract|conflict\.|verdict\.", text), text
    page.goto(f"{REVIEW}records/{record.pk + 1000}/")
    expect(page.get_by_test_id("error-page")).to_have_attribute("data-status", "404")
    page.screenshot(path=f"{SHOTS}/error-404.png")
    page.get_by_test_id("error-review").click()
    page.wait_for_url(f"**{REVIEW}")
    page.goto(f"{REVIEW}settings/")
    expect(page.get_by_test_id("error-why")).to_contain_text("owner role")


def test_the_owner_invites_by_e_mail_and_the_invitee_accepts_through_the_link(login, review, alice):
    from django.core import mail

    from reviewapp.models import Membership

    from ..factories import UserFactory

    nina = UserFactory(username="nina", email="nina@example.org")
    page = login(alice)
    page.goto(f"{REVIEW}members/")
    expect(page.locator("#new-account")).to_have_count(0)  # only staff create accounts
    page.get_by_label("E-mail address or username").fill("nina@example.org")
    page.get_by_test_id("invite-submit").click()
    expect(page.locator(".messages")).to_contain_text("Invitation for “nina@example.org” recorded")
    expect(page.get_by_test_id("invitation")).to_have_count(1)
    assert not Membership.objects.filter(review=review, user=nina).exists()
    link = re.search(r"http://[^\s]+/invitations/[-\w]+/", mail.outbox[-1].body).group(0)
    invitee = login(nina)
    invitee.goto(link)
    expect(invitee.get_by_test_id("invitation-page")).to_contain_text(review.title)
    invitee.get_by_test_id("invitation-accept").click()
    invitee.wait_for_url(f"**{REVIEW}")
    expect(invitee.locator(".messages")).to_contain_text("Welcome")
    assert Membership.objects.get(review=review, user=nina).roles == ["reviewer"]
    page.goto(f"{REVIEW}members/")
    expect(page.locator("tr", has_text="nina")).to_have_count(1)
    expect(page.get_by_test_id("invitation")).to_have_count(0)


def test_the_records_list_shows_status_and_my_votes_and_sorts_keeping_the_filters(
    login, review, alice, bob, carol
):
    old, new, other = make_records(review, 3, title="Wharton jelly MSCs")
    old.year, new.year, other.year = 1999, 2020, 2010
    for record in (old, new, other):
        record.save(update_fields=["year"])
    unrelated = make_records(review, 1, title="Bone marrow only")[0]
    vote(review, bob, old, "include")
    vote(review, carol, old, "exclude")
    vote(review, bob, new, "exclude")
    vote(review, carol, new, "exclude")
    page = login(bob)
    page.goto(f"{REVIEW}records/?q=wharton")
    expect(page.get_by_test_id("record-row")).to_have_count(3)
    row = page.locator(f"[data-testid=record-row][data-record='{old.pk}']")
    expect(row.locator("[data-column=ta_status]")).to_have_text("conflict")
    expect(row.locator("[data-column=my_ta]")).to_have_text("Include")
    expect(page.locator(f"[data-record='{new.pk}'] [data-column=ta_status]")).to_have_text("excluded")
    page.get_by_test_id("sort-year").click()
    page.wait_for_url("**sort=year**")
    assert "q=wharton" in page.url
    order = [int(r.get_attribute("data-record")) for r in page.get_by_test_id("record-row").all()]
    assert order == [old.pk, other.pk, new.pk] and unrelated.pk not in order
    page.get_by_test_id("sort-year").click()
    page.wait_for_url("**sort=-year**")
    order = [int(r.get_attribute("data-record")) for r in page.get_by_test_id("record-row").all()]
    assert order == [new.pk, other.pk, old.pk]
    page.get_by_test_id("sort-ta_status").click()
    page.wait_for_url("**sort=ta_status**")
    expect(page.get_by_test_id("record-row").first).to_have_attribute(
        "data-record", str(other.pk)
    )  # awaiting
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path=f"{SHOTS}/records-1366x768.png")


def test_the_next_task_panel_leads_a_reviewer_to_the_work_and_the_home_page_shows_progress(
    login, review, alice, bob, carol, dave
):
    records = make_records(review, 6)
    for record in records[:2]:
        vote(review, bob, record, "include")
        vote(review, carol, record, "include" if record is records[0] else "exclude")
    page = login(carol)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/")
    row = page.locator(f"[data-testid=home-review][data-review='{SLUG}']")
    expect(row.get_by_test_id("next-tasks")).to_contain_text("Screen 4 records at title/abstract")
    expect(row.get_by_test_id("home-progress")).to_contain_text("1/6")
    page.screenshot(path=f"{SHOTS}/home-1366x768.png")
    page.goto(REVIEW)
    panel = page.get_by_test_id("next-tasks-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Screen 4 records at title/abstract")
    expect(panel).to_contain_text("Retrieve 1 full-text report")
    box = panel.bounding_box()
    assert box and box["y"] + box["height"] <= 768, "the panel shows without scrolling"
    page.screenshot(path=f"{SHOTS}/overview-1366x768.png")
    panel.get_by_role("link", name="Screen 4 records at title/abstract").click()
    expect(page.locator("#screen-panel")).to_be_visible()
    arbiter = login(dave)
    arbiter.goto(REVIEW)
    expect(arbiter.get_by_test_id("next-tasks-panel")).to_contain_text("Resolve 1 conflict")


def test_retrieval_without_reloads_and_a_bulk_upload_matched_by_doi(
    login, review, alice, bob, carol, tmp_path
):
    first, second = make_records(review, 2)
    second.doi = "10.1186/s13287-021-02345-6"
    second.save(update_fields=["doi"])
    for record in (first, second):
        vote(review, bob, record, "include")
        vote(review, carol, record, "include")
    page = login(bob)
    page.goto(f"{REVIEW}screening/fulltext/")
    page.evaluate("window.sameDocument = true")
    page.get_by_test_id(f"retrieval-open-{first.pk}").click()
    page.get_by_test_id(f"link-url-{first.pk}").fill("https://example.org/first.pdf")
    page.get_by_test_id(f"link-{first.pk}").click()
    row = page.locator(f"[data-testid=retrieval-row][data-record='{first.pk}']")
    expect(row.get_by_test_id("row-saved")).to_be_visible()
    expect(row.get_by_test_id("retrieval-status")).to_contain_text("Retrieved")
    assert page.evaluate("window.sameDocument") is True, "the page was reloaded"
    named = tmp_path / "10.1186_s13287-021-02345-6.pdf"
    named.write_bytes(b"%PDF-1.4\n%%EOF\n")
    stray = tmp_path / "scan 0001.pdf"
    stray.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.get_by_test_id("bulk-upload").locator("summary").click()
    page.get_by_test_id("bulk-files").set_input_files([str(named), str(stray)])
    page.get_by_test_id("bulk-submit").click()
    files = page.get_by_test_id("bulk-file")
    expect(files).to_have_count(2)
    expect(files.nth(0)).to_have_attribute("data-state", "matched")
    expect(files.nth(0)).to_contain_text("doi in file name")
    expect(files.nth(1)).to_have_attribute("data-state", "unmatched")
    page.screenshot(path=f"{SHOTS}/bulk-before.png")
    page.get_by_test_id("bulk-attach").click()
    expect(page.locator(".messages")).to_contain_text("Attached: 1")
    expect(files.nth(0)).to_have_attribute("data-state", "attached")
    expect(files.nth(1)).to_contain_text("scan 0001.pdf")
    page.screenshot(path=f"{SHOTS}/bulk-after.png")
    from screening.models import Retrieval

    assert Retrieval.objects.get(record=second).file_name == "10.1186_s13287-021-02345-6.pdf"
