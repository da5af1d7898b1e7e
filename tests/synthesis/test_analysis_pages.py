"""Analysis pages: owners define and run, members read results, outsiders get 404; constant query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from extraction.models import Consensus
from synthesis import services
from synthesis.models import Analysis, AnalysisRun, JobStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysis(review, alice, hba1c, normand):
    return services.analysis_create(
        review=review,
        actor=alice,
        title="HbA1c MD",
        outcome=hba1c,
        time_point="12 months",
        measure="MD",
        model="random",
    )


@pytest.fixture
def done(analysis, alice):
    return services.analysis_run_now(analysis=analysis, actor=alice)


def url(name, review, *args):
    return reverse(f"synthesis:{name}", args=[review.slug, *args])


def test_owner_defines_an_analysis_through_the_form(client, review, alice, hba1c, normand):
    client.force_login(alice)
    page = client.get(url("analysis-new", review))
    assert page.status_code == 200 and b"HbA1c" in page.content
    response = client.post(
        url("analysis-new", review),
        {
            "title": "HbA1c at a year",
            "outcome": hba1c.pk,
            "time_point": "12 months",
            "measure": "MD",
            "model": "random",
            "fixed_method": "IV",
            "tau2_method": "REML",
            "subgroup_field": "design.alloc",
            "favours_treatment": "Favours specialist",
            "favours_control": "Favours routine",
        },
    )
    analysis = Analysis.objects.get(title="HbA1c at a year")
    assert response.status_code == 302 and response["Location"] == url("analysis", review, analysis.pk)
    assert analysis.subgroup_field == "design.alloc"


def test_invalid_definition_shows_the_error_next_to_the_field(client, review, alice, hba1c):
    client.force_login(alice)
    response = client.post(
        url("analysis-new", review),
        {
            "title": "Bad",
            "outcome": hba1c.pk,
            "time_point": "12 months",
            "measure": "MD",
            "model": "fixed",
            "fixed_method": "MH",
            "tau2_method": "REML",
            "favours_treatment": "a",
            "favours_control": "b",
        },
    )
    assert response.status_code == 200
    assert b'data-testid="error-fixed_method"' in response.content
    assert not Analysis.objects.exists()


def test_detail_shows_results_plots_and_studies(client, review, vera, done, django_assert_max_num_queries):
    client.force_login(vera)
    with django_assert_max_num_queries(16):
        page = client.get(url("analysis", review, done.analysis_id))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="result-k">9<' in html
    assert "−15.11 (−32.64 to 2.43)" in html  # metafor REML: -15.106 [-32.641, 2.429]
    assert url("run-plot", review, done.analysis_id, done.pk, "forest", "svg") in html
    assert html.count('data-testid="study-row"') == 9
    assert 'data-testid="run-analysis"' not in html  # viewers do not run


def test_detail_query_count_does_not_grow_with_studies(
    client, review, alice, done, enter_consensus, django_assert_max_num_queries
):
    for i in range(10):
        enter_consensus(
            f"Extra {i}",
            [
                {
                    "outcome": "hba1c",
                    "time_point": "12 months",
                    "data_type": "continuous",
                    "arms": [
                        {"arm": "a", "n": 9, "mean": i, "sd": 2},
                        {"arm": "b", "n": 9, "mean": 1, "sd": 2},
                    ],
                }
            ],
        )
    client.force_login(alice)
    with django_assert_max_num_queries(16):
        page = client.get(url("analysis", review, done.analysis_id))
    assert page.content.decode().count('data-testid="study-row"') == 19
    assert b'data-testid="stale"' in page.content  # new data since the run


def test_list_page_bounded_queries(client, review, bob, done, django_assert_max_num_queries):
    client.force_login(bob)
    with django_assert_max_num_queries(8):
        page = client.get(url("analyses", review))
    assert b"HbA1c MD" in page.content and b'data-status="succeeded"' in page.content


def test_owner_runs_from_the_page_and_polls_the_status(
    client, review, alice, analysis, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("analysis-run", review, analysis.pk), {"kind": "primary"})
    assert response.status_code == 302
    run = AnalysisRun.objects.get(analysis=analysis)
    assert run.status == JobStatus.SUCCEEDED  # eager mode in tests: ran after commit
    status = client.get(url("run-status", review, analysis.pk, run.pk) + "?polling=1", HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true" and b'data-status="succeeded"' in status.content


def test_queued_run_status_keeps_polling(client, review, alice, analysis):
    run = services.analysis_run_start(analysis=analysis, actor=alice, enqueue=False)
    client.force_login(alice)
    status = client.get(url("run-status", review, analysis.pk, run.pk) + "?polling=1")
    assert "HX-Refresh" not in status and b"hx-trigger" in status.content


def test_failed_run_says_why(client, review, alice, hba1c, enter_consensus):
    analysis = services.analysis_create(
        review=review, actor=alice, title="None", outcome=hba1c, time_point="3 months", measure="MD"
    )
    services.analysis_run_now(analysis=analysis, actor=alice)
    client.force_login(alice)
    page = client.get(url("analysis", review, analysis.pk))
    assert b'data-testid="run-error"' in page.content and b"no study has data" in page.content


def test_plot_downloads_svg_and_png(client, review, vera, done):
    client.force_login(vera)
    svg = client.get(url("run-plot", review, done.analysis_id, done.pk, "forest", "svg") + "?download=1")
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<?xml")
    assert "attachment" in svg["Content-Disposition"]
    png = client.get(url("run-plot", review, done.analysis_id, done.pk, "funnel", "png"))
    assert png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    forest_png = client.get(url("run-plot", review, done.analysis_id, done.pk, "forest", "png"))
    assert forest_png.content[:4] == b"\x89PNG"


def test_owner_excludes_a_study_with_a_reason_from_the_page(client, review, alice, analysis):
    study = Consensus.objects.get(study__label="04 Orpington-Severe").study
    client.force_login(alice)
    client.post(
        url("analysis-exclude", review, analysis.pk), {"study": study.pk, "reason": "Different population"}
    )
    assert analysis.exclusions.get().reason == "Different population"
    client.post(url("analysis-exclude", review, analysis.pk), {"study": study.pk, "reason": ""})
    assert not analysis.exclusions.exists()


@pytest.mark.parametrize("who", ["bob", "dave", "vera"])
def test_non_owners_cannot_define_run_or_exclude(client, review, request, analysis, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("analysis-new", review)).status_code == 403
    assert client.post(url("analysis-run", review, analysis.pk), {"kind": "primary"}).status_code == 403
    assert client.post(url("analysis-delete", review, analysis.pk)).status_code == 403
    assert not AnalysisRun.objects.exists()


def test_outsiders_get_404_everywhere(client, review, mallory, done):
    client.force_login(mallory)
    pk = done.analysis_id
    for target in [
        url("analyses", review),
        url("analysis", review, pk),
        url("analysis-new", review),
        url("run-status", review, pk, done.pk),
        url("run-plot", review, pk, done.pk, "forest", "svg"),
    ]:
        assert client.get(target).status_code == 404, target
    assert client.post(url("analysis-run", review, pk)).status_code == 404


def test_other_reviews_analysis_is_404(client, review, alice, done):
    from reviewapp.models import Membership
    from tests.factories import ReviewFactory

    other = ReviewFactory(slug="other")
    Membership.objects.create(review=other, user=alice, is_owner=True)
    client.force_login(alice)
    assert client.get(reverse("synthesis:analysis", args=["other", done.analysis_id])).status_code == 404


def test_overview_panel_lists_analyses(client, review, vera, done):
    client.force_login(vera)
    page = client.get(reverse("review-detail", args=[review.slug]))
    assert b"Meta-analyses" in page.content and url("analyses", review).encode() in page.content


def test_anonymous_is_sent_to_login(client, review, done):
    response = client.get(url("analyses", review))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_untrusted_study_labels_are_escaped_in_plots_and_pages(client, review, alice, hba1c, enter_consensus):
    arms = [{"arm": "a", "n": 9, "mean": 2, "sd": 2}, {"arm": "b", "n": 9, "mean": 1, "sd": 2}]
    row = {"outcome": "hba1c", "time_point": "12 months", "data_type": "continuous", "arms": arms}
    enter_consensus("<script>alert(1)</script> 2020", [row])
    enter_consensus("Plain 2021", [row])
    analysis = services.analysis_create(
        review=review, actor=alice, title="T", outcome=hba1c, time_point="12 months", measure="MD"
    )
    run = services.analysis_run_now(analysis=analysis, actor=alice)
    assert "<script>" not in run.forest_svg and "&lt;script&gt;" in run.forest_svg
    client.force_login(alice)
    page = client.get(url("analysis", review, analysis.pk)).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; 2020" in page
