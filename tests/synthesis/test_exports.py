"""Exports: records with every decision (CSV, XLSX, JSON, RIS), extraction data, analysis results, the
Exports page and the records list's buttons (owners only, exactly the filtered list, an audit event each)."""

from __future__ import annotations

import csv
import io
import json

import pytest
import rispy
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from reviewapp.models import AuditEvent
from screening.models import Stage
from synthesis import exports
from synthesis.services import analysis_create, analysis_run_now
from tests.screening.conftest import SEED_REASONS, batch, cast, make_records, reasons, retrieved  # noqa: F401

pytestmark = pytest.mark.django_db
FT = Stage.FULL_TEXT


@pytest.fixture
def screened(review, alice, bob, carol, dave, cast, make_records, reasons, retrieved):  # noqa: F811
    """r0 excluded at full text (reason, notes), r1 in conflict at title/abstract, r2 included, r3 hostile."""
    r0, r1, r2 = make_records(3)
    (r3,) = make_records(1, title='=HYPERLINK("http://evil.example","open me")', doi="10.1/evil")
    retrieved(r0)
    cast(bob, r0, "exclude", stage=FT, reason=reasons[0], note="bone marrow only")
    cast(carol, r0, "exclude", stage=FT, reason=reasons[0])
    cast(bob, r1, "include", note="looks relevant")
    cast(carol, r1, "exclude")
    retrieved(r2)
    cast(bob, r2, "include", stage=FT)
    cast(carol, r2, "include", stage=FT)
    return r0, r1, r2, r3


def _csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_records_export_has_each_reviewers_vote_the_verdict_its_reason_and_the_notes(screened):
    r0, r1, r2, _ = screened
    content, count = exports.render(r0.review, "records", "csv")
    rows = {int(r["id"]): r for r in _csv(content)}
    assert count == len(rows) == 4
    excluded = rows[r0.pk]
    assert (excluded["ta_vote_bob"], excluded["ta_vote_carol"], excluded["ta_verdict"]) == (
        "include",
        "include",
        "include",
    )
    assert excluded["ft_vote_bob"] == f"exclude ({SEED_REASONS[0]})"
    assert (excluded["ft_verdict"], excluded["ft_settled_by"], excluded["ft_reason"]) == (
        "exclude",
        "agreement",
        SEED_REASONS[0],
    )
    assert excluded["ft_notes"] == "bob: bone marrow only"
    assert excluded["full_text_retrieval"] == "retrieved"
    conflict = rows[r1.pk]
    assert (conflict["ta_conflict"], conflict["ta_verdict"], conflict["ta_notes"]) == (
        "open",
        "",
        "bob: looks relevant",
    )
    assert rows[r2.pk]["ft_verdict"] == "include"


def test_ris_holds_the_included_reports_only(screened):
    _, _, included, _ = screened
    content, count = exports.render(included.review, "included", "ris")
    entries = rispy.loads(content.decode("utf-8"))
    assert count == 1 and [e["title"] for e in entries] == [included.title]
    assert entries[0]["authors"] == included.authors and entries[0]["id"] == str(included.pk)


def test_a_hostile_title_stays_text_in_csv_and_xlsx(screened):
    *_, hostile = screened
    content, _ = exports.render(hostile.review, "records", "csv")
    row = next(r for r in _csv(content) if r["id"] == str(hostile.pk))
    assert row["title"] == '\'=HYPERLINK("http://evil.example","open me")'
    book = load_workbook(io.BytesIO(exports.render(hostile.review, "records", "xlsx")[0]))
    sheet = book["Records"]
    header = [c.value for c in sheet[1]]
    cells = [r for r in sheet.iter_rows(min_row=2) if r[0].value == hostile.pk][0]
    title = cells[header.index("title")]
    assert title.value.startswith("'=HYPERLINK") and title.data_type == "s"


@pytest.fixture
def analysed(review, alice, normand, hba1c):
    analysis = analysis_create(
        review=review,
        actor=alice,
        title="Length of stay",
        outcome=hba1c,
        time_point="12 months",
        measure="MD",
        model="random",
        tau2_method="REML",
    )
    return analysis_run_now(analysis=analysis, actor=alice)


def test_extraction_data_has_one_row_per_study_outcome_and_arm(review, normand):
    content, count = exports.render(review, "extraction", "csv")
    rows = _csv(content)
    assert count == len(rows) == 2 * len(normand)
    first = normand[0]
    specialist = next(r for r in rows if r["study"].startswith("01") and r["arm_arm"] == "Specialist care")
    assert (specialist["outcome"], specialist["time_point"]) == ("hba1c", "12 months")
    assert float(specialist["arm_mean"]) == float(first["m1i"]) and int(specialist["arm_n"]) == int(
        first["n1i"]
    )
    assert float(specialist["arm_sd_used"]) == float(first["sd1i"])


def test_analysis_results_give_the_pooled_row_and_each_studys_weight(review, analysed, normand):
    content, count = exports.render(review, "analyses", "csv")
    rows = _csv(content)
    pooled = [r for r in rows if r["row"] == "pooled"]
    studies = [r for r in rows if r["row"] == "study"]
    assert len(pooled) == 1 and len(studies) == len(normand) == count - 1
    results = analysed.results
    assert float(pooled[0]["estimate"]) == pytest.approx(results["estimate"])
    assert float(pooled[0]["ci_lb"]) == pytest.approx(results["ci_lb"])
    assert (
        float(pooled[0]["tau2"]) == pytest.approx(results["tau2"]) and pooled[0]["I2"] and pooled[0]["pi_lb"]
    )
    assert sum(float(r["weight"]) for r in studies) == pytest.approx(100, abs=0.01)
    data = json.loads(exports.render(review, "analyses", "json")[0])
    assert data["analyses"][0]["results"]["k"] == len(normand)


def test_everything_as_xlsx_has_one_sheet_per_section(review, analysed):
    book = load_workbook(io.BytesIO(exports.render(review, "all", "xlsx")[0]))
    assert book.sheetnames[:4] == ["Records", "Extraction", "Risk of bias", "Analyses"]
    with pytest.raises(ValueError, match="A CSV file holds one table"):
        exports.render(review, "all", "csv")


def test_the_command_writes_each_section_and_logs_the_export(screened, alice, tmp_path, capsys):
    review = screened[0].review
    out = tmp_path / "included.ris"
    call_command("export_review", review.slug, "--format", "ris", "--out", str(out), "--json")
    assert json.loads(capsys.readouterr().out)["rows"] == 1
    assert rispy.loads(out.read_text(encoding="utf-8"))[0]["title"] == screened[2].title
    event = AuditEvent.objects.get(review=review, verb="export.downloaded")
    assert (event.data["what"], event.data["format"], event.actor) == ("included", "ris", alice)
    with pytest.raises(CommandError, match="A CSV file holds one table"):
        call_command("export_review", review.slug, "--what", "all", "--format", "csv", "--out", str(out))


# --- browser ------------------------------------------------------------------------------------------------


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_only_owners_see_the_exports_page_and_download(client, screened, team, django_assert_max_num_queries):
    review = screened[0].review
    page_url = reverse("synthesis:exports", args=[review.slug])
    download = reverse("synthesis:export-download", args=[review.slug, "records", "csv"])
    backup = reverse("synthesis:backup-download", args=[review.slug])
    for who, status in (("outsider", 404), ("reviewer", 403), ("viewer", 403), ("arbiter", 403)):
        for url in (page_url, download, backup):
            assert _get(client, team[who], url).status_code == status, (who, url)
    assert not AuditEvent.objects.filter(verb__startswith="export.").exists()
    client.force_login(team["owner"])
    with django_assert_max_num_queries(6):
        response = client.get(page_url)
    assert response.status_code == 200
    body = response.content.decode()
    for section in exports.SECTIONS.values():
        for fmt in section.formats:
            assert reverse("synthesis:export-download", args=[review.slug, section.key, fmt]) in body
    assert backup in body


def test_each_download_is_an_attachment_and_an_audit_event(client, screened, alice):
    review = screened[0].review
    client.force_login(alice)
    for key, section in exports.SECTIONS.items():
        for fmt in section.formats:
            response = client.get(reverse("synthesis:export-download", args=[review.slug, key, fmt]))
            assert response.status_code == 200, (key, fmt)
            assert response["Content-Disposition"] == f'attachment; filename="{review.slug}-{key}.{fmt}"'
    logged = set(
        AuditEvent.objects.filter(verb="export.downloaded").values_list("data__what", "data__format")
    )
    assert logged == {(k, f) for k, s in exports.SECTIONS.items() for f in s.formats}
    assert (
        client.get(reverse("synthesis:export-download", args=[review.slug, "rob", "ris"])).status_code == 400
    )


def test_the_records_list_exports_exactly_its_filtered_records(
    client, screened, alice, django_assert_max_num_queries
):
    review = screened[0].review
    client.force_login(alice)
    listing = client.get(reverse("record-list", args=[review.slug]), {"q": "HYPERLINK", "page": "1"})
    export_url = reverse("synthesis:export-download", args=[review.slug, "records", "csv"]) + "?q=HYPERLINK"
    assert export_url in listing.content.decode()  # the list's filters, not its page
    with django_assert_max_num_queries(20):
        response = client.get(export_url)
    rows = _csv(response.content)
    assert [r["id"] for r in rows] == [str(screened[3].pk)]
    assert response["Content-Disposition"].endswith('-records-filtered.csv"')
    event = AuditEvent.objects.get(verb="export.downloaded")
    assert event.data["filters"] == {"q": "HYPERLINK"} and event.data["rows"] == 1
    assert client.get(export_url.replace("q=HYPERLINK", "year_min=abc")).status_code == 400


def test_the_backup_download_restores(client, screened, alice):
    from reviewapp.backup import review_restore

    review = screened[0].review
    client.force_login(alice)
    response = client.get(reverse("synthesis:backup-download", args=[review.slug]))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('-backup.json"')
    assert response["Content-Type"] == "application/json" and response.streaming
    copy = review_restore(source=io.BytesIO(response.getvalue()), slug="copy")
    assert copy.records.count() == 4 and copy.votes.count() == review.votes.count()
    assert AuditEvent.objects.filter(review=review, verb="review.backed_up", actor=alice).exists()


def test_risk_of_bias_has_each_consensus_domain_with_its_support_and_a_traffic_light_sheet(
    review, bob, carol
):
    from tests.extraction.rob_app import enter_table3, seed_studies
    from tests.extraction.rob_seed import seed_table3, split_cell

    studies = seed_studies(review)
    lian = next(s for s in studies if s.label.startswith("Lian"))
    enter_table3(review, bob, [lian])
    enter_table3(review, carol, [lian])
    content, count = exports.render(review, "rob", "csv")
    rows = _csv(content)
    assert count == len(rows) == 8  # seven ROBINS-I domains and the overall judgement
    table = seed_table3()
    level, support = split_cell(table[1][table[0].index(lian.label)])
    d1 = rows[0]
    assert (d1["study"], d1["tool"], d1["domain"], d1["settled_by"]) == (
        lian.label,
        "ROBINS-I",
        "d1",
        "agreement",
    )
    assert (d1["judgement"].casefold(), d1["support"]) == (level.casefold(), support)
    assert rows[-1]["domain"] == "overall" and rows[-1]["judgement"]
    book = load_workbook(io.BytesIO(exports.render(review, "rob", "xlsx")[0]))
    assert book.sheetnames == ["Risk of bias", "ROBINS-I lights"]
    assert book["ROBINS-I lights"]["A2"].value == lian.label
