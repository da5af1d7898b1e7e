"""Rounds of searching: backfilling existing reviews, and the pure rule that keeps judged records apart."""

import datetime as dt
import importlib
import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client

from reviewapp.dedup import merges_keeping_apart
from reviewapp.models import ImportBatch, ReviewRound
from tests.factories import ImportBatchFactory, ReviewFactory

backfill = importlib.import_module("reviewapp.migrations.0006_review_rounds").backfill_first_rounds


@pytest.mark.django_db
def test_the_migration_puts_every_existing_import_in_round_1_of_its_review():
    first, second, empty = ReviewFactory(), ReviewFactory(), ReviewFactory()
    batches = [ImportBatchFactory(source__review=review) for review in (first, first, second)]
    assert all(batch.round_id is None for batch in batches)
    backfill(apps, None)
    rounds = {r.review_id: r for r in ReviewRound.objects.all()}
    assert set(rounds) == {first.pk, second.pk, empty.pk}
    assert {(r.number, r.label) for r in rounds.values()} == {(1, "First searches")}
    for batch in ImportBatch.objects.all():
        assert batch.round_id == rounds[batch.review_id].pk
    assert rounds[first.pk].date == min(b.created_at for b in batches[:2]).date()


@pytest.mark.parametrize(
    ("pairs", "judged", "refused"),
    [
        ([(1, 2)], {1}, []),  # a new record merges onto a judged one
        ([(1, 2)], {1, 2}, [(1, 2)]),  # two judged records: a person decides
        ([(1, 3), (3, 2)], {1, 2}, [(3, 2)]),  # ... also when a third record would join them
        ([(1, 3), (2, 4), (3, 4)], {1, 2}, [(3, 4)]),
        ([(3, 4), (4, 5), (1, 3)], {1}, []),
        ([(1, 2), (2, 1)], {1, 2}, [(1, 2), (2, 1)]),
    ],
)
def test_merges_that_would_join_two_judged_records_are_refused(pairs, judged, refused):
    accepted, kept_apart = merges_keeping_apart(pairs, judged)
    assert kept_apart == refused
    assert accepted == [pair for pair in pairs if pair not in refused]


PAGE = "/reviews/perinatal-msc/sources/"
NEW_ROUND = "/reviews/perinatal-msc/rounds/new/"


@pytest.fixture
def first_round(review, alice):
    first = ReviewRound.objects.create(
        review=review, number=1, label="First searches", date=dt.date(2025, 3, 1)
    )
    ImportBatchFactory(source__review=review, source__name="PubMed", round=first, file_name="pubmed.ris")
    return first


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_owner_starts_an_update_round_from_the_sources_page(
    first_round, alice, django_assert_max_num_queries
):
    client = logged_in(alice)
    response = client.post(NEW_ROUND, {"label": "Update 2026", "date": "2026-06-01", "notes": "same strings"})
    assert response.status_code == 302 and response["Location"].endswith("/sources/#rounds")
    update = ReviewRound.objects.get(review=first_round.review, number=2)
    assert (update.label, update.date, update.created_by) == ("Update 2026", dt.date(2026, 6, 1), alice)
    with django_assert_max_num_queries(14):
        page = client.get(PAGE).content.decode()
    assert 'data-round="2"' in page and "Update 2026" in page and "Start round 3" in page
    assert '?round=2">flow diagram</a>' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"label": "", "date": "2026-06-01"}, "This field is required."),
        ({"label": "Update", "date": "2020-01-01"}, "An update cannot be dated before round 1 (2025-03-01)."),
        ({"label": "Update", "date": "not a date"}, "Enter a valid date."),
    ],
)
def test_a_bad_update_round_is_refused_next_to_its_field(first_round, alice, data, message):
    response = logged_in(alice).post(NEW_ROUND, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ReviewRound.objects.filter(review=first_round.review).count() == 1


def test_only_the_owner_starts_a_round(first_round, bob, mallory):
    assert logged_in(bob).post(NEW_ROUND, {"label": "U", "date": "2026-06-01"}).status_code == 403
    assert logged_in(mallory).post(NEW_ROUND, {"label": "U", "date": "2026-06-01"}).status_code == 404
    assert logged_in(mallory).get(PAGE).status_code == 404
    assert ReviewRound.objects.filter(review=first_round.review).count() == 1


ROUNDS_API = "/api/v1/reviews/perinatal-msc/rounds/"


def test_a_script_starts_an_update_round_through_the_api(first_round, api, alice, vera):
    response = api(alice).post(ROUNDS_API, {"label": "Update 2026", "date": "2026-06-01"}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["number"], response.json()["label"]) == (2, "Update 2026")
    listed = api(vera).get(ROUNDS_API).json()["results"]
    assert [(r["number"], r["imports"]) for r in listed] == [(1, 1), (2, 0)]
    imports = api(vera).get("/api/v1/reviews/perinatal-msc/imports/", {"round": 1}).json()["results"]
    assert [row["round"] for row in imports] == [1]


def test_the_rounds_api_refuses_bad_input_and_non_owners(first_round, api, bob, mallory):
    refused = api(first_round.review.memberships.get(is_owner=True).user).post(
        ROUNDS_API, {"label": "Update", "date": "2020-01-01"}, format="json"
    )
    assert refused.status_code == 400 and "before round 1" in refused.content.decode()
    assert api(bob).post(ROUNDS_API, {"label": "U"}, format="json").status_code == 403
    assert api(mallory).get(ROUNDS_API).status_code == 404
    assert ReviewRound.objects.filter(review=first_round.review).count() == 1


def test_the_start_round_command_starts_an_update_and_says_why_not(first_round, alice, capsys):
    call_command("start_round", "perinatal-msc", "--label", "Update 2026", "--date", "2026-06-01", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary == {"review": "perinatal-msc", "round": 2, "label": "Update 2026", "date": "2026-06-01"}
    with pytest.raises(CommandError, match="Round 2 .* no imports yet"):
        call_command("start_round", "perinatal-msc", "--label", "Again")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("start_round", "perinatal-msc", "--label", "Again", "--date", "June")
