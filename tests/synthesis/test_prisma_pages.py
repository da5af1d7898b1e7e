"""The PRISMA page, its box record lists, downloads and the `prisma` command."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client

from reviewapp.services.duplicates import record_remove
from screening.services import votes
from tests.factories import ImportBatchFactory, RecordFactory

BASE = "/reviews/perinatal-msc/synthesis/prisma/"


@pytest.fixture
def flow(review, alice, bob, carol, dave, vera):
    """Six records from one database: one removed, three excluded, one included, one awaiting votes."""
    batch = ImportBatchFactory(source__review=review, source__name="PubMed")
    records = [RecordFactory(batch=batch) for _ in range(6)]
    record_remove(record=records[0], actor=alice, reason="incomplete")
    for record, decision in zip(records[1:5], ["exclude", "exclude", "exclude", "include"], strict=True):
        for user in (bob, carol):
            votes.vote_cast(
                review=review, actor=user, record_id=record.pk, stage="title_abstract", decision=decision
            )
    return records


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_members_see_the_diagram_with_the_live_counts(flow, vera, django_assert_max_num_queries):
    client = client_for(vera)
    with django_assert_max_num_queries(12):
        response = client.get(BASE)
    assert response.status_code == 200
    html = response.content.decode()
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    text = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    text = text.replace("\u00a0", " ")
    assert "PubMed (n = 6)" in text
    assert "Records removed for other reasons (n = 1)" in text
    assert "Records screened (n = 5)" in text and "Records excluded (n = 3)" in text
    assert "awaiting a decision (n = 1)" in text
    assert "Reports sought for retrieval (n = 1)" in text and "awaiting retrieval (n = 1)" in text
    assert f'href="{BASE}records/?box=records_excluded"' in svg


def test_a_box_lists_exactly_its_records(flow, bob):
    response = client_for(bob).get(BASE + "records/", {"box": "records_excluded"})
    assert response.status_code == 200
    listed = [r.pk for r in response.context["records"]]
    assert listed == [r.pk for r in flow[1:4]]
    response = client_for(bob).get(BASE + "records/", {"box": "excluded_other"})
    assert [r.pk for r in response.context["records"]] == [flow[0].pk]


def test_an_unknown_box_is_404(flow, bob):
    assert client_for(bob).get(BASE + "records/", {"box": "nonsense"}).status_code == 404


@pytest.mark.parametrize("url", ["", "records/?box=duplicates", "diagram.svg", "diagram.png", "diagram.pdf"])
def test_outsiders_get_404(flow, mallory, url):
    assert client_for(mallory).get(BASE + url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_or_refused(flow):
    assert Client().get(BASE).status_code in (302, 404)


@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<svg"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_the_diagram_downloads(flow, vera, fmt, magic):
    response = client_for(vera).get(f"{BASE}diagram.{fmt}")
    assert response.status_code == 200 and response.content.startswith(magic)
    assert response["Content-Disposition"] == f'attachment; filename="prisma-perinatal-msc.{fmt}"'


def test_the_prisma_command_prints_the_prisma2020_fields_and_writes_the_diagram(flow, tmp_path, capsys):
    svg, pdf = tmp_path / "flow.svg", tmp_path / "flow.pdf"
    call_command("prisma", "perinatal-msc", "--json", "--svg", str(svg), "--pdf", str(pdf))
    data = json.loads(capsys.readouterr().out)
    assert (data["database_results"], data["excluded_other"], data["records_screened"]) == (6, 1, 5)
    assert (data["records_excluded"], data["records_awaiting_screening"], data["dbr_sought_reports"]) == (
        3,
        1,
        1,
    )
    assert data["database_specific_results"] == [{"name": "PubMed", "n": 6}]
    assert svg.read_text().startswith("<svg") and pdf.read_bytes().startswith(b"%PDF")


API = "/api/v1/reviews/perinatal-msc/prisma/"


def test_the_api_gives_the_counts_and_the_records_of_a_box(flow, api, vera):
    data = api(vera).get(API).json()
    assert (data["records_screened"], data["records_excluded"], data["excluded_other"]) == (5, 3, 1)
    listed = api(vera).get(API + "records/", {"box": "records_excluded"}).json()
    assert [row["id"] for row in listed["results"]] == [r.pk for r in flow[1:4]]
    assert api(vera).get(API + "records/", {"box": "nonsense"}).status_code == 404


@pytest.mark.parametrize("url", ["", "records/?box=duplicates"])
def test_the_api_is_404_for_outsiders(flow, api, mallory, url):
    assert api(mallory).get(API + url).status_code == 404


def test_every_link_of_the_diagram_lists_that_many_records(flow, bob):
    """Each number drawn in the diagram links to a list with exactly that many records."""
    client = client_for(bob)
    html = client.get(BASE).content.decode()
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    ns = "{http://www.w3.org/2000/svg}"
    checked = 0
    for link in root.iter(f"{ns}a"):
        text = "".join(link.itertext()).replace("\u00a0", " ")
        number = re.search(r"\(n = ([\d,]+)\)", text)
        if not number:
            continue
        response = client.get(link.get("href"))
        assert response.status_code == 200, link.get("href")
        assert response.context["records"].paginator.count == int(number[1].replace(",", "")), text
        checked += 1
    assert checked >= 10


def test_the_report_says_the_flow_in_words_and_lists_the_included_study(
    flow, vera, alice, bob, carol, review
):
    from reviewapp.services import studies
    from screening.services import fulltext

    sought = flow[4]
    fulltext.retrieval_link(review=review, actor=alice, record_id=sought.pk, url="https://example.org/a.pdf")
    for user in (bob, carol):
        votes.vote_cast(review=review, actor=user, record_id=sought.pk, stage="full_text", decision="include")
    studies.study_create(review=review, actor=alice, record_ids=[sought.pk], label="Lian 2022")
    response = client_for(vera).get("/reviews/perinatal-msc/synthesis/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The searches identified 6 records (from PubMed (n = 6))." in html
    assert "Before screening, 0 duplicates and 1 record for other reasons were removed" in html
    assert "1 new study (1 report) was included in the review." in html
    assert 'data-study="' in html and "Lian 2022" in html


def test_the_report_is_404_for_outsiders(flow, mallory):
    assert client_for(mallory).get("/reviews/perinatal-msc/synthesis/report/").status_code == 404
