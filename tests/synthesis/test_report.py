"""The report page: every section present, saying so while its data are missing; characteristics tables,
risk of bias (table and robvis plots), analyses with forest/funnel plots and their data notes; the PDF."""

import base64
import re

import pytest
from django.test import Client

from extraction.services import tables as table_services
from synthesis import report_pdf
from synthesis.services import analysis_create, analysis_run_now
from tests.extraction.rob_app import enter_table3, seed_studies

URL = "/reviews/perinatal-msc/synthesis/report/"
pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def _images(html: str, testid: str) -> list[str]:
    """The decoded SVG of every <img> inside the figures marked `testid`."""
    found = re.findall(rf'data-testid="{testid}"><img src="data:image/svg\+xml;base64,([^"]+)"', html)
    return [base64.b64decode(b).decode() for b in found]


def test_without_data_each_section_says_what_is_missing(alice, vera):
    html = client_for(vera).get(URL).content.decode()
    assert "No characteristics table yet" in html
    assert "No settled risk-of-bias assessment yet" in html
    assert "No meta-analysis has results yet" in html
    assert 'data-testid="report-prisma"' in html


@pytest.fixture
def characteristics(review, alice, trial_form, enter_consensus):
    enter_consensus("Zang 2022", [], answers={"design": {"alloc": "random", "country": "China"}})
    enter_consensus("Lian 2022", [], answers={"design": {"country": "China"}})
    return table_services.table_create(review=review, actor=alice, form=trial_form, title="Table 1. Trials",
                                       columns=["design.alloc", "design.country"])  # fmt: skip


@pytest.fixture
def table3(review, bob, carol):
    studies = seed_studies(review)
    for user in (bob, carol):
        enter_table3(review, user, studies)
    return studies


@pytest.fixture
def analysis(review, alice, hba1c, normand):
    analysis = analysis_create(review=review, actor=alice, title="Length of stay", outcome=hba1c,
                               time_point="12 months", measure="MD")  # fmt: skip
    analysis_run_now(analysis=analysis, actor=alice)
    return analysis


def test_the_report_shows_tables_risk_of_bias_and_analyses(
    vera, characteristics, table3, analysis, django_assert_max_num_queries
):
    client = client_for(vera)
    client.get(URL)  # warm up (template and font caches)
    with django_assert_max_num_queries(40):
        response = client.get(URL)
    html = response.content.decode()
    table = html[html.index("Table 1. Trials") : html.index('data-testid="report-rob"')]
    assert '<th scope="row" class="nw">Zang 2022</th><td>Random</td><td>China</td>' in table
    assert '<th scope="row" class="nw">Lian 2022</th><td></td><td>China</td>' in table
    rob = html[html.index('data-testid="report-rob-robins_i"') : html.index('data-testid="report-analyses"')]
    assert (
        "Bias due to confounding" in rob
        and "Serious – no control, possible changes in standard therapy" in rob
    )
    assert rob.count("<td>Serious</td>") == 3  # the overall row: Serious for each of the three studies
    (traffic,) = _images(html, "report-traffic-light")
    assert all(s.label in traffic for s in table3)
    (forest,) = _images(html, "report-forest")
    assert "Length of stay" in html and "<svg" in forest
    assert len(_images(html, "report-funnel")) == 1  # 9 studies: a funnel plot
    assert "No meta-analysis has results yet" not in html and "No characteristics table yet" not in html


def test_an_analysis_of_two_studies_has_no_funnel_plot_and_shows_the_notes_of_its_data(
    review, alice, vera, hba1c, enter_consensus
):
    arms = [{"arm": "A", "n": 20, "mean": 1.0, "sd": 1.0}, {"arm": "B", "n": 20, "mean": 1.5, "sd": 1.0}]
    row = {"outcome": "hba1c", "time_point": "12 months", "data_type": "continuous", "measure": "final",
           "unit": "%", "arms": arms}  # fmt: skip
    enter_consensus("One 2020", [{**row, "note": "SD illustrative: not reported"}])
    enter_consensus("Two 2021", [row])
    analysis = analysis_create(review=review, actor=alice, title="Two trials", outcome=hba1c,
                               time_point="12 months", measure="MD")  # fmt: skip
    analysis_run_now(analysis=analysis, actor=alice)
    html = client_for(vera).get(URL).content.decode()
    assert len(_images(html, "report-forest")) == 1 and not _images(html, "report-funnel")
    assert "<strong>One 2020:</strong> SD illustrative: not reported" in html


def test_the_pdf_download_is_a_pdf_of_the_report(vera, characteristics):
    response = client_for(vera).get(URL + "report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 5000
    assert 'filename="report-perinatal-msc.pdf"' in response["Content-Disposition"]


def test_without_the_pdf_renderer_the_download_says_why(vera, monkeypatch):
    def unavailable(html):
        raise report_pdf.PdfUnavailable("PDF download is not available on this server.")

    monkeypatch.setattr("synthesis.views.report_pdf_bytes", unavailable)
    response = client_for(vera).get(URL + "report.pdf")
    assert response.status_code == 503 and b"not available" in response.content


def test_outsiders_get_404_for_the_report_and_its_pdf(alice, mallory):
    client = client_for(mallory)
    assert client.get(URL).status_code == 404
    assert client.get(URL + "report.pdf").status_code == 404
