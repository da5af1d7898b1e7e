"""Living reviews in the PRISMA views: an update round drawn in the PRISMA 2020 template for updated
reviews on the page, in its downloads and box lists, by `manage.py prisma --round N` and the API."""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from reviewapp.models import ReviewRound
from reviewapp.services import studies
from screening.services import fulltext, votes
from tests.factories import ImportBatchFactory, RecordFactory

BASE = "/reviews/perinatal-msc/synthesis/prisma/"
API = "/api/v1/reviews/perinatal-msc/prisma/"
NS = "{http://www.w3.org/2000/svg}"


def include(review, alice, bob, carol, record):
    for user in (bob, carol):
        votes.vote_cast(
            review=review, actor=user, record_id=record.pk, stage="title_abstract", decision="include"
        )
    fulltext.retrieval_link(review=review, actor=alice, record_id=record.pk, url=f"https://x.org/{record.pk}")
    for user in (bob, carol):
        votes.vote_cast(review=review, actor=user, record_id=record.pk, stage="full_text", decision="include")


@pytest.fixture
def rounds(review, alice, bob, carol, vera):
    """Round 1: four PubMed records, two included as one study. Round 2 (an update): PubMed again finds
    one of them (merged onto it) and two new records, Embase one more; one new report joins the old
    study, one forms a new study."""
    first = ReviewRound.objects.create(
        review=review, number=1, label="First searches", date=dt.date(2025, 1, 5)
    )
    update = ReviewRound.objects.create(
        review=review, number=2, label="Update 2026", date=dt.date(2026, 6, 1)
    )
    old = ImportBatchFactory(source__review=review, source__name="PubMed", round=first)
    r1 = [RecordFactory(batch=old) for _ in range(4)]
    new = ImportBatchFactory(source=old.source, round=update)
    embase = ImportBatchFactory(source__review=review, source__name="Embase", round=update)
    again = RecordFactory(batch=new, duplicate_of=r1[0])
    r2 = [RecordFactory(batch=new), RecordFactory(batch=new), RecordFactory(batch=embase)]
    for record in (r1[0], r1[1], r2[0], r2[1]):
        include(review, alice, bob, carol, record)
    for record in (r1[2], r2[2]):
        for user in (bob, carol):
            votes.vote_cast(
                review=review, actor=user, record_id=record.pk, stage="title_abstract", decision="exclude"
            )
    old_study = studies.study_create(
        review=review, actor=alice, record_ids=[r1[0].pk, r1[1].pk], label="Lian 2022"
    )
    studies.study_group(review=review, actor=alice, record_ids=[r2[0].pk, r1[0].pk])
    studies.study_create(review=review, actor=alice, record_ids=[r2[1].pk], label="Zhou 2026")
    return {"r1": r1, "r2": r2, "again": again, "old_study": old_study}


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def svg_text(html: str) -> str:
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{NS}text")).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text)


def test_the_update_round_is_drawn_in_the_template_for_updated_reviews(
    rounds, vera, django_assert_max_num_queries
):
    client = client_for(vera)
    with django_assert_max_num_queries(16):
        response = client.get(BASE, {"round": 2})
    assert response.status_code == 200
    html = response.content.decode()
    text = svg_text(html)
    for shown in (
        "Previous studies",
        "Studies included in previous version of review (n = 1)",
        "Reports of studies included in previous version of review (n = 2)",
        "Identification of new studies via databases and registers",
        "PubMed (n = 3)",
        "Embase (n = 1)",
        "Duplicate records (n = 1)",
        "Records screened (n = 3)",
        "Records excluded (n = 1)",
        "New studies included in review (n = 1)",
        "Reports of new included studies (n = 2)",
        "Total studies included in review (n = 2)",
        "Reports of total included studies (n = 4)",
    ):
        assert shown in text, shown
    assert 'href="/reviews/perinatal-msc/synthesis/prisma/records/?box=previous_reports&amp;round=2"' in html
    assert "template for updated reviews" in html
    assert 'aria-current="page">Round 2 (update)' in html


def test_the_whole_review_and_round_1_keep_the_template_for_new_reviews(rounds, vera):
    whole = svg_text(client_for(vera).get(BASE).content.decode())
    assert "Previous studies" not in whole and "PubMed (n = 7)" in whole
    assert "New studies included in review (n = 2)" in whole
    first = svg_text(client_for(vera).get(BASE, {"round": 1}).content.decode())
    assert "Previous studies" not in first and "PubMed (n = 4)" in first and "Embase" not in first
    assert "Reports of new included studies (n = 2)" in first


def test_every_link_of_the_update_diagram_lists_that_many_records(rounds, bob):
    client = client_for(bob)
    html = client.get(BASE, {"round": 2}).content.decode()
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    checked = 0
    for link in ET.fromstring(svg).iter(f"{NS}a"):  # noqa: S314 - our own output
        text = "".join(link.itertext()).replace("\u00a0", " ")
        number = re.search(r"\(n = ([\d,]+)\)", text)
        if not number or re.search(r"box=\w*_studies\b", link.get("href")):
            continue  # a box of studies lists their reports
        response = client.get(link.get("href"))
        assert response.status_code == 200, link.get("href")
        assert response.context["records"].paginator.count == int(number[1]), text
        checked += 1
    assert checked >= 10
    response = client.get(BASE + "records/", {"box": "duplicates", "round": 2})
    assert [r.pk for r in response.context["records"]] == [rounds["again"].pk]


@pytest.mark.parametrize("asked", ["3", "x", "0"])
def test_an_unknown_round_is_404(rounds, vera, asked):
    assert client_for(vera).get(BASE, {"round": asked}).status_code == 404
    assert client_for(vera).get(BASE + "records/", {"box": "duplicates", "round": asked}).status_code == 404


def test_the_previous_boxes_do_not_exist_in_round_1(rounds, vera):
    assert client_for(vera).get(BASE + "records/", {"box": "previous_reports", "round": 1}).status_code == 404


@pytest.mark.parametrize("url", ["?round=2", "records/?box=previous_reports&round=2", "diagram.svg?round=2"])
def test_outsiders_get_404(rounds, mallory, url):
    assert client_for(mallory).get(BASE + url).status_code == 404


def test_the_update_diagram_downloads(rounds, vera):
    response = client_for(vera).get(BASE + "diagram.svg", {"round": 2})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="prisma-perinatal-msc-round-2.svg"'
    assert "Studies included in previous version of review" in svg_text(response.content.decode())


def test_the_prisma_command_prints_an_update_with_the_r_package_field_names(rounds, capsys, tmp_path):
    svg = tmp_path / "update.svg"
    call_command("prisma", "perinatal-msc", "--round", "2", "--json", "--svg", str(svg))
    data = json.loads(capsys.readouterr().out)
    assert (data["previous_studies"], data["previous_reports"]) == (1, 2)
    assert (data["new_studies"], data["new_reports"]) == (1, 2)
    assert (data["total_studies"], data["total_reports"]) == (2, 4)
    assert (data["database_results"], data["duplicates"], data["records_screened"]) == (4, 1, 3)
    assert "Total studies included in review" in svg_text(svg.read_text())
    call_command("prisma", "perinatal-msc", "--json")
    whole = json.loads(capsys.readouterr().out)
    assert (whole["previous_studies"], whole["total_studies"], whole["database_results"]) == (0, 2, 8)


def test_the_prisma_command_names_the_rounds_when_asked_for_another(rounds):
    with pytest.raises(CommandError, match=r"--round 5: no such round .* \(rounds: 1, 2\)"):
        call_command("prisma", "perinatal-msc", "--round", "5")


def test_the_api_gives_an_update_round(rounds, api, vera, mallory):
    data = api(vera).get(API, {"round": 2}).json()
    assert (data["previous_reports"], data["total_reports"], data["duplicates"]) == (2, 4, 1)
    listed = api(vera).get(API + "records/", {"box": "previous_reports", "round": 2}).json()
    assert sorted(row["id"] for row in listed["results"]) == sorted(r.pk for r in rounds["r1"][:2])
    assert api(vera).get(API, {"round": 9}).status_code == 404
    assert api(mallory).get(API, {"round": 2}).status_code == 404
