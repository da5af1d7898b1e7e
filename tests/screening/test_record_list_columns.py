"""The records list (issue 13 item 11): status per stage, my votes, and columns sorted on the server by a
query parameter that keeps the filters and resets the page."""

import re

import pytest
from django.test import Client

from screening.models import Stage

RECORDS = "/reviews/perinatal-msc/records/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-testid="record-row" data-record="(\d+)"', html)]


def cell(html: str, record, column: str) -> str:
    row = html.split(f'data-record="{record.pk}"')[1].split("</tr>")[0]
    return re.sub(r"<[^>]+>", "", row.split(f'data-column="{column}">')[1].split("</td>")[0]).strip()


@pytest.fixture
def screened(review, alice, bob, carol, make_records, cast, retrieved, reasons):
    included, excluded, in_conflict, waiting = make_records(4)
    retrieved(included)
    cast(bob, included, "include", stage=Stage.FULL_TEXT)
    cast(carol, included, "include", stage=Stage.FULL_TEXT)
    cast(bob, excluded, "exclude")
    cast(carol, excluded, "exclude")
    cast(bob, in_conflict, "include")
    cast(carol, in_conflict, "exclude")
    cast(carol, waiting, "maybe")  # carol voted, the record still waits for a second vote
    return {"included": included, "excluded": excluded, "conflict": in_conflict, "waiting": waiting}


def test_each_record_shows_its_status_per_stage(screened, vera):
    html = logged_in(vera).get(RECORDS).content.decode()
    assert cell(html, screened["included"], "ta_status") == "included"
    assert cell(html, screened["included"], "ft_status") == "included"
    assert cell(html, screened["excluded"], "ta_status") == "excluded"
    assert cell(html, screened["excluded"], "ft_status") == "—"
    assert cell(html, screened["conflict"], "ta_status") == "conflict"
    assert cell(html, screened["waiting"], "ta_status") == "awaiting"


def test_my_votes_are_mine_only(screened, bob):
    html = logged_in(bob).get(RECORDS).content.decode()
    assert cell(html, screened["conflict"], "my_ta") == "Include"
    assert cell(html, screened["included"], "my_ft") == "Include"
    assert (
        cell(html, screened["waiting"], "my_ta") == "—"
    )  # carol's maybe is not bob's vote, and stays hidden
    assert "Maybe" not in html


@pytest.mark.parametrize(
    ("sort", "first"), [("ta_status", "waiting"), ("-ta_status", "included"), ("my_ta", "excluded")]
)
def test_sorting_by_a_stage_status_or_my_vote(screened, bob, sort, first):
    html = logged_in(bob).get(RECORDS, {"sort": sort}).content.decode()
    assert rows(html)[0] == screened[first].pk
    assert 'aria-sort="' in html


def test_sorting_by_year_keeps_the_filters_and_goes_back_to_page_one(review, vera, make_records):
    for year in (2001, 1999, 2010):
        make_records(1, year=year, title=f"Stem cells {year}")
    make_records(1, year=2005, title="Unrelated")
    client = logged_in(vera)
    html = client.get(RECORDS, {"q": "stem", "sort": "-year"}).content.decode()
    years = [int(y) for y in re.findall(r"<td>(\d{4})</td>", html)]
    assert years == [2010, 2001, 1999]
    link = re.search(r'href="([^"]*)" data-testid="sort-year"', html).group(1)
    assert "q=stem" in link and "sort=year" in link and "page=" not in link
    ascending = client.get(RECORDS + link.replace("&amp;", "&")).content.decode()
    assert [int(y) for y in re.findall(r"<td>(\d{4})</td>", ascending)] == [1999, 2001, 2010]


def test_an_unknown_sort_is_ignored(screened, vera):
    response = logged_in(vera).get(RECORDS, {"sort": "password"})
    assert response.status_code == 200
    assert rows(response.content.decode()) == sorted(rows(response.content.decode()))


def test_the_list_costs_a_constant_number_of_queries(
    review, bob, make_records, django_assert_max_num_queries
):
    make_records(60)
    client = logged_in(bob)
    client.get(RECORDS, {"sort": "-ft_status"})
    with django_assert_max_num_queries(12):
        response = client.get(RECORDS, {"sort": "-ft_status"})
    assert len(rows(response.content.decode())) == 50
