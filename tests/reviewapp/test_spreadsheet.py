"""Spreadsheet formula injection is neutralised in every text cell of CSV exports."""

import csv
import io

import pytest

from reviewapp.services.exports import export_review
from reviewapp.spreadsheet import safe_cell

from ..factories import RecordFactory


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "\tcmd", "\r=1"]
)
def test_text_that_starts_like_a_formula_is_prefixed_with_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Umbilical cord MSCs", "a=b", "", "2021"])
def test_ordinary_text_is_unchanged(value):
    assert safe_cell(value) == value


def test_numbers_stay_numbers_and_lists_are_joined_before_checking():
    assert safe_cell(-0.25) == -0.25
    assert safe_cell(2021) == 2021
    assert safe_cell(None) == ""
    assert safe_cell(["=cmd()", "Doe, A."]) == "'=cmd(); Doe, A."


@pytest.mark.django_db
def test_the_csv_export_of_a_hostile_title_opens_as_text():
    record = RecordFactory(title='=HYPERLINK("http://evil.example","open me")', authors=["@attacker"])
    out = io.StringIO()
    export_review(review=record.review, fmt="csv", out=out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["title"] == '\'=HYPERLINK("http://evil.example","open me")'
    assert row["authors"] == "'@attacker"
