"""Prioritised screening in a real browser (issue 11, acceptance 6): the owner turns ranking on, a reviewer
screens by keyboard and, once the model has trained (the task runs eagerly after the vote commits), the
relevant records come first and say why; the stopping panel shows the test; the owner stops and undoes.
"""

import os
import re

import pytest
from playwright.sync_api import expect

from reviewapp.models import RemovalReason
from screening.models import RankingRun, Vote

from ..factories import ImportBatchFactory, RecordFactory
from ..screening.conftest import imported
from .test_screening_flows import open_screen, shown, vote_by_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DASHBOARD = "/reviews/perinatal-msc/screening/agreement/"
RELEVANT = "Umbilical cord mesenchymal stromal cells lower glucose in diabetic rats"
IRRELEVANT = "Statin adherence after myocardial infarction in elderly heart patients"
SHOTS = os.environ.get("SCREENSHOT_DIR", "/tmp")


def topical(review):
    batch = ImportBatchFactory(source__review=review)
    relevant = [
        RecordFactory(batch=batch, title=f"{RELEVANT}, cohort {i}", abstract=RELEVANT) for i in range(15)
    ]
    other = [
        RecordFactory(batch=batch, title=f"{IRRELEVANT}, cohort {i}", abstract=IRRELEVANT) for i in range(15)
    ]
    imported(review)
    return {r.pk for r in relevant}, {r.pk for r in other}


def turn_ranking_on(page, every: int):
    page.goto(DASHBOARD)
    settings = page.get_by_test_id("priority-settings")
    if settings.get_attribute("open") is None:
        settings.locator("summary").click()
    page.check("#id_rank_by_relevance")
    page.fill("#id_retrain_every", str(every))
    page.get_by_test_id("priority-save").click()
    expect(page.get_by_test_id("ranking-state")).to_contain_text("ordered by predicted relevance")


def test_a_reviewer_sees_the_relevance_order_change_after_training(login, review, alice, bob):
    relevant, other = topical(review)
    turn_ranking_on(login(alice), every=2)
    page = login(bob)
    open_screen(page)
    expect(page.get_by_test_id("relevance")).to_have_count(0)  # no model yet: the stable random order

    done, included, excluded = 0, 0, 0
    while not (included and excluded):  # until the first include and the first exclude
        key = "i" if shown(page) in relevant else "e"
        included, excluded = included + (key == "i"), excluded + (key == "e")
        done += 1
        vote_by_key(page, key, done)
    if done % 2:  # the model retrains every 2 votes
        key = "i" if shown(page) in relevant else "e"
        included += key == "i"
        done += 1
        vote_by_key(page, key, done)
    assert RankingRun.objects.filter(review=review, cold_start=False, status="succeeded").exists()

    expect(page.get_by_test_id("relevance")).to_be_visible()
    expect(page.get_by_test_id("relevance-term").first).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path=os.path.join(SHOTS, "ranking_screen.png"))
    voted = set(Vote.objects.filter(review=review, reviewer=bob).values_list("record_id", flat=True))
    assert len(voted) == done and len(voted & relevant) == included
    for _ in range(len(relevant - voted)):  # every remaining relevant record comes next
        assert shown(page) in relevant, "an irrelevant record came before a relevant one"
        done += 1
        vote_by_key(page, "i", done)
    assert shown(page) in other


def test_the_owner_reads_the_stopping_test_stops_and_undoes(login, review, alice, bob, carol):
    relevant, other = topical(review)
    from screening.services import votes as vote_services

    for pk in sorted(relevant)[:3] + sorted(other)[:9]:
        for reviewer in (bob, carol):
            vote_services.vote_cast(
                review=review,
                actor=reviewer,
                record_id=pk,
                stage="title_abstract",
                decision="include" if pk in relevant else "exclude",
            )
    page = login(alice)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(DASHBOARD)
    expect(page.get_by_test_id("stopping-test")).to_be_visible()
    expect(page.get_by_test_id("stopping-p")).to_have_text(page.get_by_test_id("stopping-p").text_content())
    expect(page.get_by_test_id("stopping-streak")).to_have_text(str(_streak(review)))
    expect(page.get_by_test_id("stopping-verdict")).to_contain_text("12 of 30 records screened, 3 relevant")
    page.get_by_test_id("priority-panel").screenshot(path=os.path.join(SHOTS, "stopping_panel.png"))

    page.get_by_test_id("stop-screening").click()
    expect(page.get_by_test_id("stop-active")).to_contain_text(
        "18 records marked ineligible by automation tools"
    )
    assert review.records.filter(removed_reason=RemovalReason.AUTOMATION).count() == 18
    page.goto(f"/reviews/{review.slug}/synthesis/prisma/")
    expect(page.get_by_test_id("prisma-diagram")).to_contain_text(
        re.compile(r"ineligible by\s*automation tools \(n\s=\s18\)")
    )

    page.goto(DASHBOARD)
    page.get_by_test_id("stop-undo").click()
    expect(page.get_by_test_id("stop-screening")).to_be_visible()
    assert not review.records.filter(removed_reason=RemovalReason.AUTOMATION).exists()
    bob_page = login(bob)
    open_screen(bob_page)
    expect(bob_page.get_by_test_id("progress-mine-remaining")).to_have_text("18")  # back in the work list


def _streak(review):
    from screening import selectors

    return selectors.stopping_state(review)["streak"]
