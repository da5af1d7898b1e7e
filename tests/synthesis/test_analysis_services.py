"""Analyses on extracted outcome data: results agree with metafor, runs are jobs (idempotent, failing with the
engine's reason, killed runs keep nothing), stale results are detected by fingerprint."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from extraction.models import Consensus
from reviewapp import jobs
from reviewapp.models import AuditEvent
from synthesis import selectors, services
from synthesis.models import AnalysisRun, JobStatus, RunKind
from synthesis.stats import ENGINE_VERSION

from .conftest import reference
from .metafor_data import close

pytestmark = pytest.mark.django_db
COLUMNS = (
    "k",
    "estimate",
    "se",
    "pval",
    "ci_lb",
    "ci_ub",
    "tau2",
    "tau2_ci_lb",
    "tau2_ci_ub",
    "I2",
    "H2",
    "Q_p",
    "pi_lb",
    "pi_ub",
)


def define(review, alice, outcome, **values):
    settings = {
        "title": "Main",
        "outcome": outcome,
        "time_point": "12 months",
        "measure": "MD",
        "model": "random",
    }
    settings.update(values)
    return services.analysis_create(review=review, actor=alice, **settings)


def compare(results: dict, ref: dict) -> list[str]:
    names = {"Q_p": "QEp"}
    return [c for c in COLUMNS if not close(results[c], ref[names.get(c, c)])]


@pytest.mark.parametrize("method", ["REML", "DL", "PM"])
def test_md_random_effects_on_extracted_data_match_metafor(review, alice, hba1c, normand, method):
    analysis = define(review, alice, hba1c, tau2_method=method)
    run = services.analysis_run_now(analysis=analysis, actor=alice)
    assert run.status == JobStatus.SUCCEEDED, run.error
    assert compare(run.results, reference("dat.normand1999", "MD", method)) == []
    assert run.engine_version == ENGINE_VERSION
    assert [e["study"] for e in run.inputs if e["used"]][0] == "01 Edinburgh"
    assert "<svg" in run.forest_svg and "Edinburgh" in run.forest_svg and "<svg" in run.funnel_svg


def test_smd_fixed_effect_matches_metafor(review, alice, hba1c, normand):
    analysis = define(review, alice, hba1c, measure="SMD", model="fixed")
    run = services.analysis_run_now(analysis=analysis, actor=alice)
    assert compare(run.results, reference("dat.normand1999", "SMD", "EE")) == []


@pytest.mark.parametrize(
    ("measure", "model", "fixed", "method"),
    [
        ("RR", "random", "IV", "REML"),
        ("OR", "fixed", "MH", "MH"),
        ("OR", "fixed", "PETO", "PETO"),
        ("RD", "random", "IV", "DL"),
    ],
)
def test_binary_analyses_match_metafor(review, alice, deaths, bcg, measure, model, fixed, method):
    analysis = define(
        review,
        alice,
        deaths,
        time_point="End of follow-up",
        measure=measure,
        model=model,
        fixed_method=fixed,
        tau2_method=method if model == "random" else "REML",
    )
    run = services.analysis_run_now(analysis=analysis, actor=alice)
    assert run.status == JobStatus.SUCCEEDED, run.error
    assert compare(run.results, reference("dat.bcg", measure, method)) == []
    if measure != "RD":
        assert math.isclose(run.results["estimate_exp"], math.exp(run.results["estimate"]))


def test_hksj_matches_metafor_knha(review, alice, deaths, bcg):
    analysis = define(review, alice, deaths, time_point="end of follow-up", measure="RR", hksj=True)
    run = services.analysis_run_now(analysis=analysis, actor=alice)
    assert compare(run.results, reference("dat.bcg", "RR", "REML", "knha")) == []
    assert run.results["df"] == 12


def test_subgroups_by_a_form_field_use_choice_labels_and_test_differences(review, alice, deaths, bcg):
    analysis = define(
        review, alice, deaths, time_point="end of follow-up", measure="RR", subgroup_field="design.alloc"
    )
    run = services.analysis_run_now(analysis=analysis, actor=alice)
    groups = run.results["subgroups"]
    assert sorted(groups) == ["Alternate", "Random", "Systematic"]
    assert sum(g["k"] for g in groups.values()) == 13
    assert run.results["Q_between_df"] == 2
    # the same allocation subgroups with REML per subgroup, computed independently of the app: each
    # subgroup's k as in dat.bcg (7 random, 2 alternate, 4 systematic)
    assert (groups["Random"]["k"], groups["Alternate"]["k"], groups["Systematic"]["k"]) == (7, 2, 4)


def test_excluded_studies_are_left_out_with_the_owners_reason(review, alice, hba1c, normand):
    analysis = define(review, alice, hba1c, model="fixed")
    edinburgh = Consensus.objects.get(study__label="01 Edinburgh").study
    services.analysis_exclusion_set(
        analysis=analysis, actor=alice, study_id=edinburgh.pk, reason="Not randomised"
    )
    run = services.analysis_run_now(analysis=analysis, actor=alice)
    assert run.results["k"] == 8
    left = [e for e in run.inputs if not e["used"]]
    assert [(e["study"], e["reason"]) for e in left] == [
        ("01 Edinburgh", "excluded by the owner: Not randomised")
    ]


def test_leave_one_out_run_refits_without_each_study(review, alice, hba1c, normand):
    analysis = define(review, alice, hba1c, model="fixed")
    run = services.analysis_run_now(analysis=analysis, actor=alice, kind=RunKind.LEAVE_ONE_OUT)
    rows = run.results["leave_one_out"]
    assert [r["k"] for r in rows] == [8] * 9
    # fixed effect without study 1 equals the fixed-effect fit of studies 2..9 (a separate run)
    first = Consensus.objects.get(study__label="01 Edinburgh").study
    services.analysis_exclusion_set(analysis=analysis, actor=alice, study_id=first.pk, reason="check")
    again = services.analysis_run_now(analysis=analysis, actor=alice)
    assert close(rows[0]["estimate"], again.results["estimate"]) and close(rows[0]["se"], again.results["se"])


def test_risk_of_bias_run_leaves_out_high_risk_studies(review, alice, hba1c, normand, monkeypatch):
    analysis = define(review, alice, hba1c, model="fixed")
    study = Consensus.objects.get(study__label="03 Orpington-Moderate").study
    monkeypatch.setattr(selectors, "overall_risk_by_study", lambda review: {study.pk: "serious"})
    run = services.analysis_run_now(analysis=analysis, actor=alice, kind=RunKind.RISK_OF_BIAS)
    assert run.results["k"] == 8
    assert run.results["left_out_for_risk"] == ["03 Orpington-Moderate"]


def test_a_run_that_cannot_converge_fails_with_the_engines_reason(review, alice, hba1c, normand, monkeypatch):
    from synthesis.stats import ConvergenceError

    def never(*args, **kwargs):
        raise ConvergenceError("Fisher scoring did not converge after 100 iterations")

    monkeypatch.setattr("synthesis.compute.pool", never)
    analysis = define(review, alice, hba1c)
    run = services.analysis_run_now(analysis=analysis, actor=alice)
    assert run.status == JobStatus.FAILED
    assert "did not converge" in run.error
    assert (run.results, run.inputs, run.forest_svg) == ({}, [], "")


def test_too_few_studies_fail_clearly(review, alice, hba1c, enter_consensus):
    enter_consensus(
        "Only",
        [
            {
                "outcome": "hba1c",
                "time_point": "12 months",
                "data_type": "continuous",
                "arms": [{"arm": "a", "n": 5, "mean": 1, "sd": 1}, {"arm": "b", "n": 5, "mean": 2, "sd": 1}],
            }
        ],
    )
    run = services.analysis_run_now(analysis=define(review, alice, hba1c), actor=alice)
    assert run.status == JobStatus.FAILED and "at least 2 studies" in run.error


def test_running_twice_is_safe(review, alice, hba1c, normand):
    analysis = define(review, alice, hba1c)
    run = services.analysis_run_start(analysis=analysis, actor=alice, enqueue=False)
    assert services.analysis_run_start(analysis=analysis, actor=alice, enqueue=False).pk == run.pk
    services.analysis_run_execute(run_id=run.pk)
    finished = AnalysisRun.objects.get(pk=run.pk).finished_at
    again = services.analysis_run_execute(run_id=run.pk)  # a redelivered task
    assert (again.status, again.attempts, again.finished_at) == (JobStatus.SUCCEEDED, 1, finished)
    assert AuditEvent.objects.filter(verb="analysis.run_succeeded").count() == 1


def test_killed_run_keeps_nothing_and_can_run_again(review, alice, hba1c, normand):
    analysis = define(review, alice, hba1c)
    run = services.analysis_run_start(analysis=analysis, actor=alice, enqueue=False)
    claimed = jobs.job_claim(AnalysisRun, run.pk)  # the worker claims it, then dies (never finishes)
    assert claimed is not None
    jobs._LOCAL.forget(AnalysisRun, run.pk)  # that process is gone
    old = timezone.now() - jobs.lease() - dt.timedelta(seconds=5)
    AnalysisRun.objects.filter(pk=run.pk).update(heartbeat_at=old, updated_at=old)
    dead = selectors.run_progress(AnalysisRun.objects.get(pk=run.pk))
    assert dead["status"] == JobStatus.FAILED and "stopped without finishing" in dead["error"]
    stored = AnalysisRun.objects.get(pk=run.pk)
    assert (stored.results, stored.inputs, stored.fingerprint, stored.forest_svg) == ({}, [], "", "")
    assert selectors.latest_succeeded(analysis) is None
    rerun = services.analysis_run_now(analysis=analysis, actor=alice)
    assert rerun.pk != run.pk and rerun.status == JobStatus.SUCCEEDED
    assert compare(rerun.results, reference("dat.normand1999", "MD", "REML")) == []


def test_late_finish_of_a_run_failed_as_stale_stores_nothing(review, alice, hba1c, normand):
    analysis = define(review, alice, hba1c)
    run = services.analysis_run_start(analysis=analysis, actor=alice, enqueue=False)
    claimed = jobs.job_claim(AnalysisRun, run.pk)
    jobs.job_fail(claimed, jobs.STALE_ERROR)  # its lease expired while it was computing
    assert jobs.job_succeed(claimed, results={"k": 9}, fingerprint="x") is False
    assert AnalysisRun.objects.get(pk=run.pk).results == {}


def test_changed_consensus_data_or_definition_makes_results_stale(review, alice, hba1c, normand):
    analysis = define(review, alice, hba1c)
    run = services.analysis_run_now(analysis=analysis, actor=alice)
    assert not selectors.is_stale(run, selectors.current_inputs(analysis))
    consensus = Consensus.objects.get(study__label="02 Orpington-Mild")
    consensus.outcomes[0]["arms"][0]["mean"] = 26
    consensus.save()
    assert selectors.is_stale(run, selectors.current_inputs(analysis))
    rerun = services.analysis_run_now(analysis=analysis, actor=alice)
    assert not selectors.is_stale(rerun, selectors.current_inputs(analysis))
    services.analysis_update(analysis=analysis, actor=alice, tau2_method="DL")
    assert selectors.is_stale(rerun, selectors.current_inputs(analysis))


def test_only_the_owner_defines_and_runs(review, alice, bob, vera, hba1c, normand):
    with pytest.raises(PermissionDenied):
        define(review, bob, hba1c)
    analysis = define(review, alice, hba1c)
    with pytest.raises(PermissionDenied):
        services.analysis_run_start(analysis=analysis, actor=vera)


def test_invalid_definitions_are_refused_naming_the_field(review, alice, hba1c):
    with pytest.raises(ValidationError) as err:
        define(review, alice, hba1c, measure="MD", model="fixed", fixed_method="MH")
    assert "fixed_method" in err.value.error_dict
    with pytest.raises(ValidationError) as err:
        define(review, alice, hba1c, time_point=" ")
    assert "time_point" in err.value.error_dict


def test_definition_changes_leave_an_audit_trail(review, alice, hba1c):
    analysis = define(review, alice, hba1c)
    services.analysis_update(analysis=analysis, actor=alice, hksj=True)
    event = AuditEvent.objects.get(verb="analysis.changed")
    assert (event.data["before"], event.data["after"]) == ({"hksj": False}, {"hksj": True})
