"""Analysis fixtures: consensus outcome data of reference datasets (dat.normand1999, dat.bcg) entered as
extraction consensus records, so analyses read them through extraction's selector like real data."""

from __future__ import annotations

import pytest
from django.utils import timezone

from extraction.models import Consensus, ConsensusMethod, Extraction, ExtractionStatus, FormVersion
from extraction.services import forms as form_services
from extraction.services import measures as measure_services
from reviewapp.models import Study
from tests.conftest import shared

from .metafor_data import read_rows

TRIAL_FORM = {
    "title": "Trial form",
    "sections": [
        {
            "key": "design",
            "title": "Design",
            "fields": [
                {
                    "key": "alloc",
                    "label": "Allocation",
                    "type": "single_choice",
                    "choices": [
                        {"value": "random", "label": "Random"},
                        {"value": "alternate", "label": "Alternate"},
                        {"value": "systematic", "label": "Systematic"},
                    ],
                },
                {"key": "country", "label": "Country", "type": "text"},
            ],
        }
    ],
}


@pytest.fixture
def trial_form(review, alice):
    return form_services.form_create(review=review, actor=alice, definition=TRIAL_FORM)


@pytest.fixture
def enter_consensus(review, trial_form, bob):
    """Store a study's consensus record (answers + outcome rows) as settled extraction data."""
    version = FormVersion.objects.get(form=trial_form, number=1)

    def enter(label: str, outcomes: list[dict], answers: dict | None = None) -> Consensus:
        study, _ = Study.objects.get_or_create(review=review, label=label)
        extraction, _ = Extraction.objects.get_or_create(
            review=review,
            study=study,
            form=trial_form,
            reviewer=bob,
            defaults={
                "form_version": version,
                "status": ExtractionStatus.SUBMITTED,
                "submitted_at": timezone.now(),
            },
        )
        consensus, _ = Consensus.objects.update_or_create(
            review=review,
            study=study,
            form=trial_form,
            defaults={
                "form_version": version,
                "method": ConsensusMethod.AGREEMENT,
                "extraction_a": extraction,
                "answers": answers or {},
                "outcomes": outcomes,
            },
        )
        return consensus

    return enter


@pytest.fixture
def hba1c(review, alice):
    return measure_services.outcome_measure_create(
        review=review, actor=alice, name="HbA1c", data_type="continuous", unit="%", time_points="12 months"
    )


@pytest.fixture
def deaths(review, alice):
    return measure_services.outcome_measure_create(
        review=review, actor=alice, name="Tuberculosis", data_type="binary", time_points="end of follow-up"
    )


@pytest.fixture
def normand(enter_consensus, hba1c):
    """dat.normand1999 (9 studies, length of stay) as continuous outcome data at 12 months."""
    rows = read_rows(shared("meta", "dat.normand1999.csv"))
    for r in rows:
        arms = [
            {"arm": "Specialist care", "n": int(r["n1i"]), "mean": float(r["m1i"]), "sd": float(r["sd1i"])},
            {"arm": "Routine care", "n": int(r["n2i"]), "mean": float(r["m2i"]), "sd": float(r["sd2i"])},
        ]
        outcome = {
            "outcome": "hba1c",
            "time_point": "12 months",
            "data_type": "continuous",
            "measure": "final",
            "unit": "%",
            "arms": arms,
        }
        enter_consensus(f"{int(r['study']):02d} {r['source']}", [outcome])
    return rows


@pytest.fixture
def bcg(enter_consensus, deaths):
    """dat.bcg (13 trials) as binary outcome data, with the allocation as a form answer (subgroups)."""
    rows = read_rows(shared("meta", "dat.bcg.csv"))
    for r in rows:
        arms = [
            {"arm": "BCG", "events": int(r["tpos"]), "total": int(r["tpos"]) + int(r["tneg"])},
            {"arm": "No vaccine", "events": int(r["cpos"]), "total": int(r["cpos"]) + int(r["cneg"])},
        ]
        outcome = {
            "outcome": "tuberculosis",
            "time_point": "end of follow-up",
            "data_type": "binary",
            "arms": arms,
        }
        label = f"{int(r['trial']):02d} {r['author']} {r['year']}"
        enter_consensus(label, [outcome], answers={"design": {"alloc": r["alloc"]}})
    return rows


def reference(dataset: str, measure: str, method: str, test: str = "z") -> dict[str, float | None]:
    for row in read_rows(shared("meta", "metafor_reference_results.csv")):
        if (row["dataset"], row["measure"], row["method"], row["test"]) == (dataset, measure, method, test):
            return {
                k: (None if v in ("NA", "") else float(v))
                for k, v in row.items()
                if k not in ("dataset", "measure", "method", "test")
            }
    raise LookupError((dataset, measure, method, test))
