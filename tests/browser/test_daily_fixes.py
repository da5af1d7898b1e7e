"""Issue 13's defects 2, 3 and 7 as a user meets them in the browser (the unit tests of session 2 cover the
services): an undone automatic merge is back to decide and merges by key; two full-text exclusions citing
different reasons reach the arbiter as a conflict; an empty full-text stage is not shown as complete."""

import pytest
from playwright.sync_api import expect

from reviewapp.models import CandidateStatus, DuplicateCandidate, Record
from reviewapp.services.duplicates import duplicates_find
from screening.models import Conflict, ConflictStatus, Stage
from screening.services import fulltext as fulltext_services
from screening.services import votes as vote_services

from ..factories import ImportBatchFactory, RecordFactory, SearchSourceFactory
from ..screening.conftest import SEED_REASONS
from .test_screening_flows import CONFLICTS, make_records, open_screen, shown, vote_by_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE = {
    "title": "Exosomes from placental MSCs heal diabetic wounds in rats",
    "authors": ["Wang, Q.", "Li, X.", "Chen, Y."],
    "journal": "Stem Cell Res Ther",
    "volume": "12",
    "issue": "3",
    "pages": "101-110",
    "doi": "10.1186/s13287-021-02101-1",
}


def test_an_undone_automatic_merge_is_back_to_decide_and_merges_by_key(login, review, alice):
    batch = ImportBatchFactory(source=SearchSourceFactory(review=review, name="Scopus"))
    RecordFactory(batch=batch, **ARTICLE)
    RecordFactory(batch=batch, **ARTICLE)
    assert duplicates_find(review=review, actor=alice)["auto_merged"] == 1
    pair = DuplicateCandidate.objects.get(review=review)

    page = login(alice)
    page.goto(f"/reviews/{review.slug}/duplicates/?status={CandidateStatus.AUTO_MERGED}")
    card = page.locator(f"#pair-{pair.pk}")
    card.get_by_role("button", name="Undo merge").click()
    expect(page.locator(f"#pair-{pair.pk}")).to_contain_text(CandidateStatus.PENDING.label)

    page.goto(f"/reviews/{review.slug}/duplicates/")  # "to decide": the pair with its buttons, highlighted
    card = page.locator(f"#pair-{pair.pk}")
    expect(card.get_by_test_id("pair-merge")).to_be_visible()
    expect(card).to_have_class(r"card pair current")
    page.keyboard.press("m")
    expect(page.locator(f"#pair-{pair.pk}")).to_contain_text("Merged: the pair now counts as one record.")
    pair.refresh_from_db()
    assert pair.status == CandidateStatus.MERGED
    assert Record.objects.filter(review=review, duplicate_of__isnull=True).count() == 1


def test_two_full_text_exclusions_with_different_reasons_reach_the_arbiter(
    login, review, alice, bob, carol, dave
):
    (record,) = make_records(review, 1)
    fulltext_services.exclusion_reasons_set(review=review, actor=alice, labels=SEED_REASONS)
    for reviewer in (bob, carol):
        vote_services.vote_cast(
            review=review, actor=reviewer, record_id=record.pk, stage=Stage.TITLE_ABSTRACT, decision="include"
        )
    fulltext_services.retrieval_link(
        review=review, actor=alice, record_id=record.pk, url=f"https://example.org/{record.pk}.pdf"
    )

    for reviewer, key in ((bob, "1"), (carol, "2")):  # the same decision, different reasons
        page = login(reviewer)
        open_screen(page, Stage.FULL_TEXT)
        assert shown(page) == record.pk
        page.keyboard.press(key)
        expect(page.locator(f"#vote-reason-{key}")).to_be_checked()
        vote_by_key(page, "e", 1)
        page.context.close()

    conflict = Conflict.objects.get(record=record, stage=Stage.FULL_TEXT)
    assert conflict.status == ConflictStatus.OPEN
    page = login(dave)
    page.goto(CONFLICTS + "?stage=full_text")
    row = page.locator(f'[data-testid=conflict-row][data-record="{record.pk}"]')
    expect(row).to_be_visible()
    row.get_by_test_id(f"conflict-open-{conflict.pk}").click()
    for label in SEED_REASONS[:2]:  # both reasons are shown to the arbiter, neither dropped
        expect(page.locator("main")).to_contain_text(label)


def test_an_empty_full_text_stage_is_not_shown_as_complete(login, review, alice):
    make_records(review, 3)
    page = login(alice)
    page.goto(f"/reviews/{review.slug}/screening/agreement/")
    stage = page.get_by_test_id(f"stage-{Stage.FULL_TEXT}")
    expect(stage.get_by_test_id(f"stage-empty-{Stage.FULL_TEXT}")).to_contain_text(
        "No records are up for this stage yet."
    )
    expect(stage).not_to_contain_text("100%")


def test_a_forgotten_password_is_reset_through_the_e_mailed_link(login, review, alice, mailoutbox):
    alice.email = "alice@example.org"
    alice.save(update_fields=["email"])
    page = login(alice)  # a signed-in context, then the reset as a visitor would do it
    page.context.clear_cookies()
    page.goto("/accounts/password_reset/")
    page.fill("#id_email", "alice@example.org")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_load_state()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["alice@example.org"]
    link = next(word for word in mailoutbox[0].body.split() if "/accounts/reset/" in word)
    page.goto(link)
    page.fill("#id_new_password1", "a-new-long-passphrase-42")
    page.fill("#id_new_password2", "a-new-long-passphrase-42")
    page.get_by_role("button", name="Set password").click()
    page.wait_for_load_state()
    page.goto("/accounts/login/")
    page.fill("#id_username", alice.username)
    page.fill("#id_password", "a-new-long-passphrase-42")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text(review.title)


def test_the_duplicate_chip_says_same_first_author_when_only_the_first_author_matches(login, review, alice):
    batch = ImportBatchFactory(source=SearchSourceFactory(review=review, name="Embase"))
    RecordFactory(batch=batch, **ARTICLE)
    RecordFactory(  # a database that kept only the first author ("Wang Q, et al"), and another DOI
        batch=batch, **{**ARTICLE, "authors": ["Wang, Q."], "doi": "10.1186/x-2"}
    )
    duplicates_find(review=review, actor=alice)
    pair = DuplicateCandidate.objects.get(review=review, status=CandidateStatus.PENDING)

    page = login(alice)
    page.goto(f"/reviews/{review.slug}/duplicates/")
    agree = page.locator(f"#pair-{pair.pk}").get_by_test_id("pair-agree")
    expect(agree.filter(has_text="same first author")).to_have_count(1)
    expect(agree.filter(has_text="same authors")).to_have_count(0)
