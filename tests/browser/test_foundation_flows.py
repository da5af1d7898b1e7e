"""The foundation in a real browser: an owner creates a review, imports an export, finds duplicates and
resolves an uncertain pair; an outsider is refused."""

import re

import pytest
from playwright.sync_api import expect

from reviewapp.models import CandidateStatus, DuplicateCandidate, Record, Review

from ..conftest import shared
from ..factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Two records of one article (same DOI) and an uncertain pair a person must judge.
EXPORT = """TY  - JOUR
ID  - 1
TI  - Umbilical cord mesenchymal stem cells for type 2 diabetes: a randomised trial
AU  - Zang, Li
AU  - Hao, Haojie
PY  - 2022
JO  - Stem Cell Research & Therapy
VL  - 13
SP  - 180
EP  - 189
DO  - 10.1186/s13287-022-02848-6
ER  - 

TY  - JOUR
ID  - 2
TI  - Umbilical cord mesenchymal stem cells for type 2 diabetes: a randomised trial.
AU  - Zang, L.
AU  - Hao, H.
PY  - 2022
JO  - Stem Cell Res Ther
VL  - 13
SP  - 180
DO  - https://doi.org/10.1186/S13287-022-02848-6
ER  - 

TY  - JOUR
ID  - 3
TI  - Placental MSC exosomes improve wound healing in diabetic rats
AU  - Wang, Q.
PY  - 2021
JO  - Journal of Diabetes Research
ER  - 

TY  - JOUR
ID  - 4
TI  - Placental MSC-derived exosomes and wound repair in diabetic rats
AU  - Wang, Qian
PY  - 2021
JO  - J Diabetes Res
ER  - 
"""


def test_owner_creates_a_review_imports_and_resolves_duplicates(login, tmp_path):
    owner = UserFactory(username="olivia")
    page = login(owner)

    page.goto("/reviews/new/")
    page.fill("#id_title", "Perinatal MSCs in type 2 diabetes")
    page.fill("#id_slug", "perinatal-t2dm")
    page.click("text=Create review")
    expect(page).to_have_url(re.compile(r"/reviews/perinatal-t2dm/$"))

    page.goto("/reviews/perinatal-t2dm/sources/")
    form = page.locator("form", has=page.locator("button", has_text="Add source")).last
    form.locator("[name=name]").fill("PubMed/MEDLINE")
    form.locator("[name=kind]").select_option("database")
    form.locator("button", has_text="Add source").click()
    expect(page.locator("body")).to_contain_text("PubMed/MEDLINE")

    export = tmp_path / "pubmed.ris"
    export.write_text(EXPORT, encoding="utf-8")
    page.goto("/reviews/perinatal-t2dm/imports/new/")
    page.set_input_files("input[type=file]", str(export))
    page.click("text=Upload and import")
    expect(page.locator("body")).to_contain_text("4 records", timeout=20_000)
    assert Record.objects.filter(review__slug="perinatal-t2dm").count() == 4

    page.goto("/reviews/perinatal-t2dm/duplicates/")
    page.click("text=Find duplicates")
    expect(page.locator("body")).to_contain_text("merged automatically", timeout=20_000)
    assert Record.objects.filter(review__slug="perinatal-t2dm", duplicate_of__isnull=False).count() == 1

    # The uncertain pair, as the detector would queue it, decided by the owner in the browser.
    review = Review.objects.get(slug="perinatal-t2dm")
    a, b = Record.objects.filter(review=review, source_key__in=["3", "4"]).order_by("pk")
    candidate, _ = DuplicateCandidate.objects.get_or_create(
        review=review, record_a=a, record_b=b, defaults={"score": 0.72, "reasons": ["title 0.86"]}
    )
    page.goto("/reviews/perinatal-t2dm/duplicates/?status=pending")
    pair = page.locator(f"#pair-{candidate.pk}")
    expect(pair).to_contain_text("Placental MSC exosomes improve wound healing")
    pair.locator("button", has_text="Merge").click()
    expect(page.locator(f"#pair-{candidate.pk}")).to_contain_text(re.compile("merged", re.I))
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.MERGED
    assert Record.objects.filter(review=review, duplicate_of__isnull=True).count() == 2


def test_an_outsider_is_refused(login, review, alice):
    outsider = UserFactory(username="oscar")
    page = login(outsider)
    for path in (
        "/reviews/perinatal-msc/",
        "/reviews/perinatal-msc/records/",
        "/reviews/perinatal-msc/sources/",
    ):
        response = page.goto(path)
        assert response.status == 404
    page.goto("/")
    expect(page.locator("body")).not_to_contain_text("Perinatal MSCs in type 2 diabetes")


def test_imported_text_is_escaped_in_the_browser(login, review, alice):
    from reviewapp.services.imports import import_file_now
    from reviewapp.services.reviews import source_create

    alice.set_password("pw-for-tests-1")
    alice.save()
    source = source_create(review=review, actor=alice, name="Scopus")
    import_file_now(
        review=review, source=source, actor=alice, path=shared("formats", "scopus", "asysd_scopus.ris")
    )
    record = Record.objects.filter(review=review).first()
    Record.objects.filter(pk=record.pk).update(title='<img src=x onerror="window.pwned=1">Evil <b>title</b>')
    page = login(alice)
    page.goto("/reviews/perinatal-msc/records/")
    expect(page.locator("body")).to_contain_text('<img src=x onerror="window.pwned=1">Evil <b>title</b>')
    assert page.evaluate("window.pwned") is None
