"""Risk of bias in a real browser (issue 7, acceptance 6): an assessor completes a ROBINS-I assessment with
mouse and keyboard and watches the proposed overall judgement follow the answers, overrides one domain with a
reason; a second assessor differs on that domain; the arbiter settles it; the traffic-light plot shows it."""

import pytest
from playwright.sync_api import expect

from extraction.rob import services
from extraction.rob.models import Assessment, ConsensusAssessment, RobItem
from reviewapp.models import Study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "perinatal-msc"
ROB = f"/reviews/{SLUG}/risk-of-bias/"
IDLE = "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
SCREENSHOT = "/tmp/rob-assessment-1366x768.png"


def idle(page):
    page.wait_for_function(f"() => {IDLE}")


def test_robins_i_assessment_conflict_and_consensus(login, team):
    study = Study.objects.create(review=team["owner"].memberships.first().review, label="Lian 2022")
    review = study.review

    # bob starts with the mouse
    bob = login(team["reviewer"])
    bob.goto(ROB)
    bob.select_option("[data-testid=start-study]", label="Lian 2022")
    bob.select_option("[data-testid=start-tool]", value="robins_i")
    bob.click("[data-testid=start-submit]")
    expect(bob.locator("[data-testid=rob-form]")).to_be_visible()
    expect(bob.locator("[data-testid=q-d1-1_2]")).to_be_hidden()

    # D1 by mouse: 1.1 Y shows 1.2; 1.1 N hides it again and proposes Low
    bob.click("[data-testid=a-d1-1_1-Y]")
    expect(bob.locator("[data-testid=q-d1-1_2]")).to_be_visible()
    bob.click("[data-testid=a-d1-1_1-N]")
    expect(bob.locator("[data-testid=q-d1-1_2]")).to_be_hidden()
    expect(bob.locator("[data-testid=proposal-d1]")).to_contain_text("Proposed: Low")

    # D2-D5 and D7 typed by keyboard (no answers: the assessor's own level)
    for domain in ("d2", "d3", "d4", "d5", "d7"):
        bob.focus(f"[data-testid=judgement-{domain}]")
        bob.keyboard.type("Low")
        bob.keyboard.press("Tab")
        idle(bob)
    expect(bob.locator("[data-testid=side-overall]")).to_have_text("–")  # D6 still unjudged

    # D6 by keyboard: focus an answer and press Space
    for question, answer in (("6_1", "N"), ("6_2", "Y"), ("6_3", "Y"), ("6_4", "N")):
        bob.focus(f"[data-testid=a-d6-{question}-{answer}]")
        bob.keyboard.press("Space")
        idle(bob)
    expect(bob.locator("[data-testid=proposal-d6]")).to_contain_text("Proposed: Low")
    expect(bob.locator("[data-testid=side-overall]")).to_have_text("Low")
    expect(bob.locator("[data-testid=proposal-overall]")).to_contain_text("Overall rule: Low")

    # an answer changes: methods not comparable -> D6 Serious -> overall Serious
    bob.click("[data-testid=a-d6-6_3-N]")
    expect(bob.locator("[data-testid=proposal-d6]")).to_contain_text("Proposed: Serious")
    expect(bob.locator("[data-testid=side-overall]")).to_have_text("Serious")

    # override D6 with a reason: refused without one, accepted with it
    bob.fill("[data-testid=judgement-d6]", "Moderate")
    bob.press("[data-testid=judgement-d6]", "Tab")
    idle(bob)
    expect(bob.locator("[data-testid=side-overall]")).to_have_text("Moderate")
    bob.click("[data-testid=submit]")
    expect(bob.locator("[data-testid=error-d6]")).to_contain_text("give a reason for Moderate")
    bob.fill("[data-testid=reason-d6]", "Only the lab method differed; HbA1c is robust to it.")
    bob.set_viewport_size({"width": 1366, "height": 768})
    bob.evaluate("window.scrollTo(0, 0)")
    bob.screenshot(path=SCREENSHOT.replace(".png", "-top.png"))
    bob.locator("[data-testid=domain-d6]").scroll_into_view_if_needed()
    bob.screenshot(path=SCREENSHOT)
    bob.click("[data-testid=submit]")
    expect(bob.locator("[data-testid=rob-item]")).to_have_attribute("data-status", "in_progress")
    mine = Assessment.objects.get(assessor=team["reviewer"])
    assert mine.status == "submitted" and mine.overall == "moderate"
    assert mine.domains["d6"]["judgement"] == "moderate" and mine.domains["d6"]["proposed"] == "serious"

    # carol differs on D6 (Serious)
    carol = team["reviewer2"]
    a = services.assessment_start(review=review, actor=carol, study_id=study.pk, tool="robins_i")
    judgements = {d: {"judgement": "Low"} for d in ("d1", "d2", "d3", "d4", "d5", "d7")}
    judgements["d6"] = {"judgement": "Serious", "support": "assay changed between groups"}
    services.assessment_save(review=review, actor=carol, assessment_id=a.pk, judgements=judgements)
    services.assessment_submit(review=review, actor=carol, assessment_id=a.pk)
    item = RobItem.objects.get()
    assert item.conflict.is_open

    # dave settles D6 on the comparison page
    dave = login(team["arbiter"])
    dave.goto(ROB)
    expect(dave.locator("[data-testid=rob-item]")).to_have_attribute("data-status", "conflict")
    dave.click("[data-testid=rob-item-link]")
    expect(dave.locator("[data-testid=compare-d6]")).to_have_attribute("data-differs", "yes")
    expect(dave.locator("[data-testid=compare-d1]")).to_have_attribute("data-differs", "no")
    dave.select_option("[data-testid=settle-d6]", value="moderate")
    dave.fill("[data-testid=settle-reason-d6]", "Agreed at the consensus meeting.")
    dave.click("[data-testid=settle-submit]")
    expect(dave.locator("[data-testid=consensus]")).to_have_attribute("data-method", "consensus")
    expect(dave.locator("[data-testid=consensus-overall]")).to_have_text("Moderate")
    dave.screenshot(path="/tmp/rob-item-consensus.png", full_page=True)
    consensus = ConsensusAssessment.objects.get()
    assert consensus.domains["d6"]["settled_by"] == "dave"

    # the traffic-light plot shows the study
    dave.goto(ROB)
    figure = dave.locator("[data-testid=rob-traffic-light] svg")
    expect(figure).to_be_visible()
    expect(figure).to_contain_text("Lian 2022")
    dave.set_viewport_size({"width": 1366, "height": 768})
    dave.screenshot(path="/tmp/rob-index-1366x768.png", full_page=True)
