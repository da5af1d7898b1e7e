"""Pure grouping of reports into suggested studies, and the progress chart layout (no database)."""

import datetime as dt

from reviewapp.grouping import Report, normalise_doi, suggest_groups
from screening.charts import cumulative, line_chart


def test_reports_sharing_an_nct_id_or_a_doi_are_grouped_transitively():
    reports = [
        Report(1, ["NCT01234567"]),
        Report(2, ["nct 0123-4567"], doi="10.1/A"),
        Report(3, doi="https://doi.org/10.1/a"),
        Report(4, ["NCT09999999"]),
    ]
    (suggestion,) = suggest_groups(reports)
    assert suggestion.report_ids == (1, 2, 3)
    assert suggestion.shared == ("NCT01234567", "doi:10.1/a")


def test_reports_already_in_one_study_are_not_suggested_again():
    assert (
        suggest_groups([Report(1, ["NCT01234567"], study_id=7), Report(2, ["NCT01234567"], study_id=7)]) == []
    )
    (partly,) = suggest_groups([Report(1, ["NCT01234567"], study_id=7), Report(2, ["NCT01234567"])])
    assert partly.study_ids == (7,)


def test_doi_prefixes_are_ignored():
    assert (
        normalise_doi("doi: 10.1000/XYZ") == normalise_doi("https://dx.doi.org/10.1000/xyz") == "10.1000/xyz"
    )


def test_the_chart_starts_at_zero_the_day_before_and_ends_at_the_total():
    day = dt.date(2026, 3, 1)
    votes = cumulative([(day, 4), (day + dt.timedelta(days=2), 6)])
    assert votes == [(day, 4), (day + dt.timedelta(days=2), 10)]
    chart = line_chart([("Votes cast", "line-votes", votes)], width=300, height=120)
    (line,) = chart.lines
    points = [tuple(map(float, p.split(","))) for p in line.points.split()]
    assert points[0] == (chart.left, chart.top + chart.plot_height)  # zero, the day before
    assert points[-1][0] == chart.left + chart.plot_width and line.last == 10
    assert line_chart([("Votes cast", "line-votes", [])]).empty
