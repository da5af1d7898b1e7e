"""The screening set-up and the panel's guards in a real browser (issue 13, items 4, 8, 14): a fast double key
press votes once, on the record that was on screen, and says what it did; U undoes it and keeps the note;
the owner asks for title/abstract reasons, sets labels, assigns records and runs a pilot round from the
set-up pages, and reviewers use them by keyboard and mouse as they would."""

import re

import pytest
from playwright.sync_api import expect

from reviewapp.models import Membership
from screening.models import Assignment, PilotVote, RecordLabel, Vote

from ..factories import UserFactory
from .test_screening_flows import SLUG, idle, make_records, open_screen, shown, vote_by_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SETUP = f"/reviews/{SLUG}/screening/setup/"
PILOT = f"/reviews/{SLUG}/screening/pilot/"


def test_a_fast_double_key_press_votes_once_and_says_what_it_did(login, review, bob):
    records = make_records(review, 3)
    page = login(bob)
    open_screen(page)
    first = shown(page)
    page.keyboard.press("n")
    page.keyboard.type("Adipose MSCs only")
    page.keyboard.press("Escape")
    # E twice, 60 ms apart: the second press comes before anyone could have seen the next record.
    page.keyboard.press("e")
    page.wait_for_timeout(60)
    page.keyboard.press("e")
    expect(page.locator(f'#screen-panel:not([data-record="{first}"])')).to_be_attached()
    second = shown(page)
    # And E again the instant the next record appears: still too soon to have read it.
    page.keyboard.press("e")
    page.wait_for_timeout(100)
    page.keyboard.press("e")
    idle(page)
    page.wait_for_timeout(400)  # long enough for a stray vote to have been sent and answered
    assert list(Vote.objects.filter(reviewer=bob).values_list("record_id", "decision")) == [
        (first, "exclude")
    ]
    assert shown(page) == second
    just = page.get_by_test_id("just-voted")
    expect(just).to_have_text(re.compile(rf"Excluded #{first}\s+— U to undo"))
    expect(page.get_by_test_id("progress-mine-done")).to_have_text("1")

    # U undoes it: the record comes back with the note typed before the vote.
    page.keyboard.press("u")
    expect(page.locator(f'#screen-panel[data-record="{first}"]')).to_be_attached()
    expect(page.locator("#vote-note")).to_have_value("Adipose MSCs only")
    expect(page.get_by_test_id("just-voted")).to_contain_text(f"Vote on #{first} undone")
    assert not Vote.objects.filter(reviewer=bob).exists()
    idle(page)
    vote_by_key(page, "i", 1)
    assert Vote.objects.get(reviewer=bob, record_id=first).note == "Adipose MSCs only"
    assert {r.pk for r in records} >= {first, second}


def test_the_owner_asks_for_title_abstract_reasons_and_a_reviewer_gives_one(login, review, alice, bob):
    make_records(review, 2)
    owner = login(alice)
    owner.goto(SETUP)
    owner.get_by_test_id("ta-mode-required").check()
    owner.get_by_test_id("ta-reasons").fill("Not perinatal MSCs\nNot diabetes\nReview or commentary")
    owner.get_by_test_id("ta-reasons-save").click()
    expect(owner.get_by_test_id("ta-reasons-mode")).to_have_text("Required")

    page = login(bob)
    open_screen(page)
    record = shown(page)
    expect(page.get_by_test_id("vote-reasons")).to_contain_text("Not diabetes")
    page.keyboard.press("e")
    expect(page.get_by_test_id("vote-error")).to_contain_text("needs a reason")
    idle(page)
    page.keyboard.press("2")
    expect(page.locator("#vote-reason-2")).to_be_checked()
    vote_by_key(page, "e", 1)
    vote = Vote.objects.get(reviewer=bob, record_id=record)
    assert (vote.decision, vote.reason.label) == ("exclude", "Not diabetes")
    expect(page.get_by_test_id("just-voted")).to_contain_text(f"Excluded #{record} (Not diabetes)")


def test_a_reviewer_labels_a_record_and_finds_it_by_its_label(login, review, alice, bob):
    make_records(review, 3)
    owner = login(alice)
    owner.goto(SETUP)
    owner.get_by_test_id("label-names").fill("RCT\nAnimal study")
    owner.get_by_test_id("labels-save").click()
    expect(owner.get_by_test_id("setup-label")).to_have_count(2)

    page = login(bob)
    open_screen(page)
    record = shown(page)
    rct = page.locator("[data-testid=label-toggle][data-label=RCT]")
    expect(rct).to_have_attribute("aria-pressed", "false")
    rct.click()
    expect(page.locator("[data-testid=label-toggle][data-label=RCT]")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert RecordLabel.objects.filter(record_id=record, tagged_by=bob, label__name="RCT").exists()
    idle(page)
    vote_by_key(page, "i", 1)  # the keys still work after a label click

    page.goto(f"/reviews/{SLUG}/screening/labels/")
    page.locator("[data-testid^=label-filter-][data-label=RCT]").click()
    rows = page.get_by_test_id("labelled-record")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-record", str(record))


def test_the_owner_splits_the_records_and_each_reviewer_gets_only_theirs(login, review, alice, bob, carol):
    dan = UserFactory(username="dan")
    Membership.objects.create(review=review, user=dan, is_reviewer=True)
    make_records(review, 6)
    owner = login(alice)
    owner.goto(SETUP)
    owner.get_by_test_id("assignment-on").check()
    owner.get_by_test_id("assignment-save").click()
    expect(owner.get_by_test_id("assignment-state")).to_have_text("on")
    owner.get_by_test_id("split-submit").click()
    expect(owner.locator(".messages")).to_contain_text("Split 6 unassigned records")
    for name in ("bob", "carol", "dan"):  # 6 records x 2 votes over 3 reviewers
        cell = f"[data-testid=assignment-row][data-reviewer={name}] [data-testid=assigned-title_abstract]"
        expect(owner.locator(cell)).to_have_text("4")

    page = login(bob)
    open_screen(page)
    expect(page.get_by_test_id("progress-mine-remaining")).to_have_text("4")
    assigned = set(Assignment.objects.filter(reviewer=bob).values_list("record_id", flat=True))
    seen = set()
    for done in range(1, 5):
        seen.add(vote_by_key(page, "i", done))
    expect(page.get_by_test_id("queue-empty")).to_be_visible()
    assert seen == assigned


def test_a_pilot_round_from_start_to_kappa(login, review, alice, bob, carol):
    make_records(review, 8)
    owner = login(alice)
    owner.goto(PILOT)
    expect(owner.get_by_test_id("pilot-rule")).to_contain_text("Pilot votes are practice and do not count")
    owner.get_by_test_id("pilot-size").fill("3")
    owner.get_by_test_id("pilot-start").click()
    expect(owner.get_by_test_id("pilot-open")).to_be_visible()

    for user, keys in ((bob, "iie"), (carol, "iee")):
        page = login(user)
        open_screen(page)
        expect(page.get_by_test_id("progress-mine-remaining")).to_have_text("5")  # the sample is held out
        page.get_by_test_id("pilot-invite-link").click()
        expect(page.get_by_test_id("pilot-banner")).to_contain_text("do not count")
        for number, key in enumerate(keys, start=1):
            before = page.locator("#screen-panel").get_attribute("data-record")
            idle(page)
            page.keyboard.press(key)
            expect(page.locator(f'#screen-panel:not([data-record="{before}"])')).to_be_attached()
            expect(page.get_by_test_id("pilot-banner")).to_contain_text(f"{number} of 3 done")
        expect(page.get_by_test_id("pilot-done")).to_be_visible()
    assert PilotVote.objects.count() == 6 and not Vote.objects.exists()

    owner.goto(PILOT)
    expect(owner.get_by_test_id("pilot-results-hidden")).to_be_visible()  # blind: shown once closed
    owner.once("dialog", lambda dialog: dialog.accept())
    owner.get_by_test_id("pilot-close").click()
    expect(owner.get_by_test_id("pilot-agreement")).to_be_visible()
    pair = owner.get_by_test_id("pilot-pair")
    expect(pair).to_have_count(1)
    expect(pair).to_contain_text("bob & carol")
    expect(owner.get_by_test_id("pilot-kappa")).to_have_text(re.compile(r"0\.400"))  # po 2/3, pe 4/9
    page = login(bob)
    open_screen(page)
    expect(page.get_by_test_id("progress-mine-remaining")).to_have_text("8")  # the sample is back
