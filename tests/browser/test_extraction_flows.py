"""Data extraction in a real browser (issue 6, acceptance 7): the owner builds a form with a repeatable arms
group; two reviewers extract one study in two browser contexts (one reloads mid-form and loses nothing); the
comparison shows the differences; the arbiter settles them and the consensus record is saved.
"""

import pytest
from playwright.sync_api import expect

from extraction.models import Consensus, ConsensusMethod, Extraction, ExtractionConflict, FormVersion
from extraction.services import measures as measure_services
from reviewapp.models import Study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "perinatal-msc"
BASE = f"/reviews/{SLUG}/extraction"
IDLE = "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
SCREENSHOT = "/tmp/extraction-page-1366x768.png"


def idle(page):
    page.wait_for_function(f"() => {IDLE}")


def builder_add_section(page, title, key, row_label):
    form = page.get_by_test_id("add-section")
    form.get_by_test_id("section-title").fill(title)
    form.get_by_test_id("section-key").fill(key)
    form.get_by_test_id("section-repeatable").check()
    form.get_by_test_id("section-row-label").fill(row_label)
    form.get_by_test_id("add-section-submit").click()
    expect(page.locator(f"[data-testid=builder-section][data-section={key}]")).to_be_visible()
    idle(page)


def builder_add_field(page, section, label, key, kind, row_key=False):
    details = page.get_by_test_id(f"add-field-{section}")
    details.locator("summary").click()
    details.get_by_test_id("field-label").fill(label)
    details.get_by_test_id("field-key").fill(key)
    details.get_by_test_id("field-type").select_option(kind)
    if row_key:
        details.get_by_test_id("field-row-key").check()
    details.get_by_test_id("add-field-submit").click()
    expect(page.locator(f"[data-section={section}] [data-field={key}]")).to_be_visible()
    idle(page)


def save_field(page, path, value):
    """Type a value and leave the field; wait until the server confirmed this field's autosave."""
    field = page.locator(f'[name="{path}"]')
    field.fill(str(value))
    field.press("Tab")
    expect(page.locator(f'[data-testid=save-ok][data-path="{path}"]')).to_be_visible()
    idle(page)


def add_arm(page, n_rows):
    page.get_by_test_id("add-row-arms").click()
    expect(page.get_by_test_id("row-arms")).to_have_count(n_rows)
    idle(page)


def extract(page, study, design, arms, reload_mid_form=False):
    page.goto(f"{BASE}/")
    page.get_by_test_id(f"start-{study.pk}").click()
    expect(page.get_by_test_id("x-form")).to_be_visible()
    save_field(page, "study.design", design)
    for i, (label, n) in enumerate(arms):
        add_arm(page, i + 1)
        save_field(page, f"arms.{i}.label", label)
        if reload_mid_form and i == len(arms) - 1:
            # typed but never left the field: a reload must not lose it
            page.locator(f'[name="arms.{i}.n"]').fill(str(n))
            page.on("dialog", lambda dialog: dialog.accept())
            page.reload()
            expect(page.get_by_test_id("restored")).to_be_visible()
            expect(page.locator(f'[name="arms.{i}.n"]')).to_have_value(str(n))
            expect(page.locator(f'[data-testid=save-ok][data-path="arms.{i}.n"]')).to_be_visible()
            idle(page)
        else:
            save_field(page, f"arms.{i}.n", n)
    page.reload()  # everything saved: the reloaded page shows it all
    expect(page.locator('[name="study.design"]')).to_have_value(design)
    for i, (label, n) in enumerate(arms):
        expect(page.locator(f'[name="arms.{i}.label"]')).to_have_value(label)
        expect(page.locator(f'[name="arms.{i}.n"]')).to_have_value(str(n))


def test_build_extract_twice_compare_and_settle(login, review, alice, bob, carol, dave):
    study = Study.objects.create(review=review, label="Zang 2022")
    measure_services.outcome_measure_create(
        review=review, actor=alice, name="HbA1c", data_type="continuous", unit="%", time_points=["12 months"]
    )
    # the owner builds a form with a repeatable arms group
    owner = login(alice)
    owner.goto(f"{BASE}/forms/")
    owner.get_by_label("Start").select_option("blank")
    owner.get_by_label("Title").fill("Trial form")
    owner.get_by_test_id("new-form-submit").click()
    expect(owner.get_by_test_id("builder")).to_be_visible()
    builder_add_section(owner, "Arms", "arms", "Arm")
    builder_add_field(owner, "arms", "Arm", "label", "text", row_key=True)
    builder_add_field(owner, "arms", "Randomised", "n", "integer")
    schema = FormVersion.objects.get(form__review=review).schema
    assert schema.section("arms").repeatable and schema.section("arms").row_key == ("label",)

    # two reviewers extract the same study in two browser contexts
    first, second = login(bob), login(carol)
    extract(first, study, "RCT", [("UC-MSC", 61), ("Placebo", 30)], reload_mid_form=True)
    first.set_viewport_size({"width": 1366, "height": 768})
    first.screenshot(path=SCREENSHOT)
    extract(second, study, "RCT", [("Placebo", 31), ("UC-MSC", 61)])
    for page in (first, second):
        page.get_by_test_id("submit-extraction").click()
        expect(page.get_by_test_id("x-status")).to_have_text("Submitted")
    assert Extraction.objects.get(reviewer=bob).answers["arms"] == [
        {"label": "UC-MSC", "n": 61},
        {"label": "Placebo", "n": 30},
    ]

    # the comparison shows the one real difference (rows matched by arm, not by position)
    arbiter = login(dave)
    conflict = ExtractionConflict.objects.get()
    arbiter.goto(f"{BASE}/conflicts/{conflict.pk}/")
    differences = arbiter.get_by_test_id("difference")
    expect(differences).to_have_count(1)
    expect(differences.first).to_contain_text("Arms [Placebo]: Randomised")
    expect(differences.first.locator(".val-a")).to_have_text("30")
    expect(differences.first.locator(".val-b")).to_have_text("31")
    differences.first.get_by_test_id("take-b").click()
    expect(arbiter.get_by_test_id("settled-by")).to_have_text("took B · dave")
    idle(arbiter)
    arbiter.get_by_test_id("complete-consensus").click()
    expect(arbiter.get_by_test_id("consensus-status")).to_have_text("Complete")
    consensus = Consensus.objects.get()
    assert (consensus.method, consensus.decided_by) == (ConsensusMethod.ARBITRATION, dave)
    assert consensus.answers["arms"][1] == {"label": "Placebo", "n": 31}
    assert consensus.settlements["arms[Placebo].n"]["by_name"] == "dave"
