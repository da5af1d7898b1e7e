"""Screening in a real browser (issue 3, acceptance 11): two reviewers in two browser contexts screen the same
records by keyboard only and a conflict reaches the arbiter, who resolves it; a full-text exclusion without a
reason is refused; a reviewer never sees the other's vote before the record's voting is complete.

Synchronisation: keys are ignored while any htmx request is in flight (static/js/screening.js) and a swapped
panel is wired up only once htmx has settled it, so after every key the test waits for the panel to change,
for the progress box (refreshed 300 ms after a vote) to show the new count, and for htmx to be idle.
"""

import re

import pytest
from playwright.sync_api import expect

from screening.models import Conflict, ConflictStatus, Stage, Verdict, VerdictMethod, Vote
from screening.services import fulltext as fulltext_services
from screening.services import votes as vote_services

from ..factories import ImportBatchFactory, RecordFactory
from ..screening.conftest import SEED_REASONS, imported

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "perinatal-msc"
SCREEN = f"/reviews/{SLUG}/screening/screen/{{}}/"
CONFLICTS = f"/reviews/{SLUG}/screening/conflicts/"
VOTES_API = f"/api/v1/reviews/{SLUG}/screening/votes/"
# htmx is idle: no request in flight, nothing being swapped or settled (a panel is wired up once settled),
# and the panel takes keys (static/js/screening.js ignores them until a new record was on screen briefly).
IDLE = (
    "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    " && (!document.querySelector('#screen-panel')"
    " || document.querySelector('#screen-panel').dataset.keysReady === '1')"
)
# A vote has been answered: another record (or none) on the panel, my progress refreshed, htmx idle.
VOTED = f"""([before, done]) => document.querySelector('#screen-panel')?.dataset.record !== before
    && document.querySelector('[data-testid=progress-mine-done]')?.textContent.trim() === done && {IDLE}"""


def make_records(review, n):
    batch = ImportBatchFactory(source__review=review)
    made = [RecordFactory(batch=batch) for _ in range(n)]
    imported(review)  # what an import's hook does: the work lists are built
    return made


def shown(page) -> int | None:
    """The record on the voting panel, None when the queue is empty."""
    value = page.locator("#screen-panel").get_attribute("data-record")
    return int(value) if value else None


def idle(page):
    page.wait_for_function(f"() => {IDLE}")


def open_screen(page, stage=Stage.TITLE_ABSTRACT, record=None):
    page.goto(SCREEN.format(stage) + (f"?record={record}" if record else ""))
    expect(page.locator(f"#screen-panel[data-stage={stage}]")).to_be_visible()
    page.evaluate("window.sameDocument = true")  # gone if a key ever reloads the page instead of htmx
    idle(page)


def vote_by_key(page, key, done):
    """Press a voting key; wait for the next record (or the empty queue) and my progress to show `done`."""
    before = shown(page)
    assert before is not None, "no record to vote on"
    page.keyboard.press(key)
    page.wait_for_function(VOTED, arg=[str(before), str(done)])  # polls every frame: faster than expect()
    expect(page.locator(f'#screen-panel:not([data-record="{before}"])')).to_be_attached()
    expect(page.get_by_test_id("progress-mine-done")).to_have_text(str(done))
    assert page.evaluate("window.sameDocument") is True, "the vote reloaded the page"
    return before


def navigate_by_key(page, key, to):
    page.keyboard.press(key)
    expect(page.locator(f'#screen-panel[data-record="{to}"]')).to_be_attached()
    idle(page)
    assert page.evaluate("window.sameDocument") is True, "the key reloaded the page"


def api_votes(page) -> list[dict]:
    """The votes API as the page's logged-in user sees it (the browser context's session cookie)."""
    response = page.request.get(VOTES_API)
    assert response.ok, response.status
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def no_trace_of(page, other: str, record_id: int):
    """The page shows nothing of `other`'s vote on the record: not their name, no outcome, no verdict."""
    html = page.content()
    assert not re.search(rf"\b{other}\b", html, re.I), f"{other} appears on the page"
    expect(page.get_by_test_id("record-outcome")).to_have_count(0)
    expect(page.locator("#screen-panel [data-decision]:not([data-testid=my-vote])")).to_have_count(0)
    assert shown(page) == record_id


def test_two_reviewers_screen_by_keyboard_and_the_arbiter_resolves_a_conflict(
    login, review, alice, bob, carol, dave
):
    records = make_records(review, 10)
    ids = {r.pk for r in records}
    carol_excludes = {records[1].pk, records[4].pk, records[8].pk}
    bob_page, carol_page = login(bob), login(carol)
    open_screen(bob_page)
    open_screen(carol_page)
    expect(bob_page.get_by_test_id("progress-mine-remaining")).to_have_text("10")
    expect(carol_page.get_by_test_id("progress-team-percent")).to_have_text("0%")

    # The legend toggles with "?".
    expect(carol_page.locator("#key-legend")).to_be_visible()
    carol_page.keyboard.press("?")
    expect(carol_page.locator("#key-legend")).to_be_hidden()
    carol_page.keyboard.press("?")
    expect(carol_page.locator("#key-legend")).to_be_visible()

    seen = {"bob": [], "carol": []}

    def bob_votes(n):
        for _ in range(n):
            seen["bob"].append(vote_by_key(bob_page, "i", len(seen["bob"]) + 1))

    def carol_votes(n):
        for _ in range(n):
            record_id = shown(carol_page)
            if record_id == records[4].pk:
                carol_page.keyboard.press("n")  # a note, typed and left with Esc, then the vote
                expect(carol_page.locator("#vote-note")).to_be_focused()
                carol_page.keyboard.type("Adipose MSCs only, no perinatal arm")
                carol_page.keyboard.press("Escape")
                expect(carol_page.locator("#vote-note")).not_to_be_focused()
            key = "e" if record_id in carol_excludes else "i"
            seen["carol"].append(vote_by_key(carol_page, key, len(seen["carol"]) + 1))

    # Interleaved: each works through their own queue while the other votes too.
    bob_votes(3)
    carol_votes(3)
    bob_votes(4)
    carol_votes(4)
    bob_votes(3)
    carol_votes(3)

    for page in (bob_page, carol_page):
        expect(page.get_by_test_id("queue-empty")).to_be_visible()
        expect(page.get_by_test_id("progress-mine-done")).to_have_text("10")
        expect(page.get_by_test_id("progress-mine-remaining")).to_have_text("0")
    expect(carol_page.get_by_test_id("progress-team-percent")).to_have_text("100%")
    assert set(seen["bob"]) == ids and set(seen["carol"]) == ids  # each saw every record exactly once
    assert len(seen["bob"]) == len(seen["carol"]) == 10

    votes = Vote.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT)
    assert votes.count() == 20
    assert set(votes.filter(decision="exclude").values_list("reviewer__username", "record_id")) == {
        ("carol", pk) for pk in carol_excludes
    }
    assert votes.get(reviewer=carol, record=records[4]).note == "Adipose MSCs only, no perinatal arm"
    verdicts = Verdict.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT)
    assert verdicts.count() == 7
    assert set(verdicts.values_list("decision", "method")) == {("include", VerdictMethod.AGREEMENT)}
    assert set(verdicts.values_list("record_id", flat=True)) == ids - carol_excludes
    conflicts = Conflict.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT)
    assert set(conflicts.values_list("record_id", "status")) == {
        (pk, ConflictStatus.OPEN) for pk in carol_excludes
    }

    # Carol goes back by key to her last vote and sees its outcome now that the voting is complete.
    last = seen["carol"][-1]
    navigate_by_key(carol_page, "k", last)
    expect(carol_page.get_by_test_id("my-vote")).to_have_attribute(
        "data-decision", "exclude" if last in carol_excludes else "include"
    )
    outcome = "conflict" if last in carol_excludes else "decided"
    expect(carol_page.locator(f"[data-testid=record-outcome][data-outcome={outcome}]")).to_be_visible()

    # The arbiter sees the three conflicts and decides one by keyboard, with a note.
    dave_page = login(dave)
    dave_page.goto(CONFLICTS)
    rows = dave_page.locator("[data-testid=conflict-row]")
    expect(rows).to_have_count(3)
    conflict = conflicts.get(record=records[4])
    dave_page.get_by_test_id(f"conflict-open-{conflict.pk}").click()
    expect(dave_page).to_have_url(re.compile(rf"/conflicts/{conflict.pk}/$"))
    expect(dave_page.get_by_test_id("conflict-status")).to_have_text("Open")
    cards = dave_page.locator("[data-testid=conflict-vote]")
    expect(cards).to_have_count(2)
    expect(dave_page.locator("[data-testid=conflict-vote][data-reviewer=bob]")).to_have_attribute(
        "data-decision", "include"
    )
    carol_card = dave_page.locator("[data-testid=conflict-vote][data-reviewer=carol]")
    expect(carol_card).to_have_attribute("data-decision", "exclude")
    expect(carol_card.get_by_test_id("conflict-vote-note")).to_have_text(
        "Adipose MSCs only, no perinatal arm"
    )

    dave_page.keyboard.press("n")
    expect(dave_page.locator("#resolve-note")).to_be_focused()
    dave_page.keyboard.type("Umbilical cord arm present in the abstract")
    dave_page.keyboard.press("Escape")
    with dave_page.expect_navigation():
        dave_page.keyboard.press("i")
    # On to the next open conflict.
    expect(dave_page).not_to_have_url(re.compile(rf"/conflicts/{conflict.pk}/$"))
    expect(dave_page.get_by_test_id("conflict-status")).to_have_text("Open")

    verdict = Verdict.objects.get(record=records[4], stage=Stage.TITLE_ABSTRACT)
    assert (verdict.decision, verdict.method, verdict.decided_by) == (
        "include",
        VerdictMethod.ARBITRATION,
        dave,
    )
    assert verdict.note == "Umbilical cord arm present in the abstract"
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.RESOLVED and conflict.resolved_by == dave

    dave_page.goto(f"{CONFLICTS}{conflict.pk}/")
    expect(dave_page.get_by_test_id("conflict-status")).to_have_text("Resolved")
    decision = dave_page.get_by_test_id("conflict-verdict")
    expect(decision).to_have_attribute("data-decision", "include")
    expect(decision).to_contain_text("arbitration")
    expect(decision).to_contain_text("Umbilical cord arm present in the abstract")
    expect(dave_page.locator("#resolve-form")).to_have_count(0)
    dave_page.goto(CONFLICTS)
    expect(rows).to_have_count(2)
    expect(dave_page.locator(f"[data-testid=conflict-row][data-conflict='{conflict.pk}']")).to_have_count(0)


def test_a_reviewer_never_sees_the_others_vote_before_the_voting_is_complete(login, review, bob, carol):
    make_records(review, 3)
    bob_page, carol_page = login(bob), login(carol)

    # Bob votes on one record, Carol on another: each record has one vote, neither is complete.
    open_screen(bob_page)
    bobs = vote_by_key(bob_page, "i", 1)
    open_screen(carol_page)
    assert shown(carol_page) is not None  # bob's record or a fresh one: the page does not say which
    carols = review.records.exclude(pk=bobs).order_by("sort_key").values_list("pk", flat=True).first()
    open_screen(carol_page, record=carols)  # any record of her queue may be opened
    assert vote_by_key(carol_page, "e", 1) == carols

    # Carol's page for Bob's record: no trace of his vote.
    open_screen(carol_page, record=bobs)
    no_trace_of(carol_page, "bob", bobs)
    expect(carol_page.get_by_test_id("my-vote")).to_have_count(0)
    # Bob's page for Carol's record (in his queue): no trace of hers.
    open_screen(bob_page, record=carols)
    assert shown(bob_page) == carols
    no_trace_of(bob_page, "carol", carols)
    expect(bob_page.get_by_test_id("my-vote")).to_have_count(0)
    # Bob's own vote, reached by key: his decision, but no outcome and nothing of Carol.
    navigate_by_key(bob_page, "k", bobs)
    expect(bob_page.get_by_test_id("my-vote")).to_have_attribute("data-decision", "include")
    no_trace_of(bob_page, "carol", bobs)

    # The API, from each browser's session, shows only the caller's own votes.
    assert [(v["reviewer"], v["record"]) for v in api_votes(carol_page)] == [("carol", carols)]
    assert [(v["reviewer"], v["record"]) for v in api_votes(bob_page)] == [("bob", bobs)]
    response = carol_page.request.get(f"{VOTES_API}?record={bobs}")
    assert response.ok and response.json()["count"] == 0
    # Nor does the record's page with its timeline.
    carol_page.goto(f"/reviews/{SLUG}/records/{bobs}/")
    expect(carol_page.locator("h1")).to_be_visible()
    assert not re.search(r"\bbob\b", carol_page.content(), re.I)

    # Carol completes Bob's record (she excludes, he included): both now see the outcome and both votes.
    open_screen(carol_page, record=bobs)
    vote_by_key(carol_page, "e", 2)
    navigate_by_key(carol_page, "k", bobs)
    expect(carol_page.get_by_test_id("my-vote")).to_have_attribute("data-decision", "exclude")
    expect(carol_page.locator("[data-testid=record-outcome][data-outcome=conflict]")).to_be_visible()
    assert Conflict.objects.filter(record_id=bobs, status=ConflictStatus.OPEN).exists()
    open_screen(bob_page, record=bobs)
    expect(bob_page.locator("[data-testid=record-outcome][data-outcome=conflict]")).to_be_visible()
    carol_page.goto(f"/reviews/{SLUG}/records/{bobs}/")
    expect(carol_page.locator("body")).to_contain_text("bob")  # the timeline shows his vote now

    seen_by_carol = {(v["reviewer"], v["record"], v["decision"]) for v in api_votes(carol_page)}
    assert seen_by_carol == {
        ("carol", carols, "exclude"),
        ("carol", bobs, "exclude"),
        ("bob", bobs, "include"),
    }
    # Carol's own record is still incomplete: Bob still does not see her vote on it.
    seen_by_bob = {(v["reviewer"], v["record"]) for v in api_votes(bob_page)}
    assert seen_by_bob == {("bob", bobs), ("carol", bobs)}


def test_a_full_text_exclusion_without_a_reason_is_refused(login, review, alice, bob, carol):
    record, other = make_records(review, 2)
    reasons = fulltext_services.exclusion_reasons_set(review=review, actor=alice, labels=SEED_REASONS)
    for reviewer in (bob, carol):
        vote_services.vote_cast(
            review=review, actor=reviewer, record_id=record.pk, stage=Stage.TITLE_ABSTRACT, decision="include"
        )
    fulltext_services.retrieval_link(
        review=review, actor=alice, record_id=record.pk, url=f"https://example.org/{record.pk}.pdf"
    )

    page = login(bob)
    open_screen(page, Stage.FULL_TEXT)
    assert shown(page) == record.pk
    expect(page.get_by_test_id("fulltext-link")).to_have_attribute(
        "href", f"https://example.org/{record.pk}.pdf"
    )
    expect(page.locator("#vote-maybe")).to_have_count(0)
    for n, label in enumerate(SEED_REASONS, start=1):
        expect(page.locator(f"#vote-reason-{n}")).not_to_be_checked()
        expect(page.get_by_test_id("vote-reasons")).to_contain_text(label)

    # E with no reason: refused, the record stays, nothing is stored.
    page.keyboard.press("e")
    error = page.get_by_test_id("vote-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("needs a reason")
    idle(page)
    assert page.evaluate("window.sameDocument") is True
    assert shown(page) == record.pk
    expect(page.get_by_test_id("my-vote")).to_have_count(0)
    expect(page.locator("#htmx-error")).to_have_count(0)
    assert not Vote.objects.filter(record=record, stage=Stage.FULL_TEXT).exists()

    # 1 picks the first reason, E excludes: stored with that reason.
    page.keyboard.press("1")
    expect(page.locator("#vote-reason-1")).to_be_checked()
    vote_by_key(page, "e", 1)
    expect(page.get_by_test_id("queue-empty")).to_be_visible()  # `other` is not up for full text
    vote = Vote.objects.get(record=record, stage=Stage.FULL_TEXT)
    assert (vote.reviewer, vote.decision, vote.reason) == (bob, "exclude", reasons[0])
    assert vote.reason.label == SEED_REASONS[0]

    navigate_by_key(page, "k", record.pk)
    mine = page.get_by_test_id("my-vote")
    expect(mine).to_have_attribute("data-decision", "exclude")
    expect(mine).to_contain_text(SEED_REASONS[0])
