"""Extraction fixtures: studies, a small form with an arms group, outcomes, and shortcuts to extract."""

import pytest

from extraction.services import consensus as consensus_services
from extraction.services import extractions as extraction_services
from extraction.services import forms as form_services
from extraction.services import measures as measure_services
from reviewapp.models import Study

SMALL_FORM = {
    "title": "Trial form",
    "sections": [
        {
            "key": "design",
            "title": "Design",
            "fields": [
                {
                    "key": "type",
                    "label": "Study type",
                    "type": "single_choice",
                    "required": True,
                    "choices": [
                        {"value": "rct", "label": "RCT"},
                        {"value": "single_arm", "label": "Single arm"},
                    ],
                },
                {"key": "country", "label": "Country", "type": "text"},
                {"key": "follow_up", "label": "Follow-up", "type": "decimal", "unit": "months", "min": 0},
            ],
        },
        {
            "key": "arms",
            "title": "Arms",
            "repeatable": True,
            "row_label": "Arm",
            "row_key": ["label"],
            "fields": [
                {"key": "label", "label": "Arm", "type": "text", "required": True},
                {"key": "n", "label": "Randomised", "type": "integer", "min": 0},
            ],
        },
    ],
}


@pytest.fixture
def studies(review):
    return [
        Study.objects.create(review=review, label=label) for label in ("Zang 2022", "Lian 2022", "Jiang 2011")
    ]


@pytest.fixture
def form(review, alice):
    return form_services.form_create(review=review, actor=alice, definition=SMALL_FORM)


@pytest.fixture
def hba1c(review, alice):
    return measure_services.outcome_measure_create(
        review=review,
        actor=alice,
        name="HbA1c",
        data_type="continuous",
        unit="%",
        time_points="3 months, 12 months",
    )


@pytest.fixture
def fill():
    """Autosave a set of answers for a user's extraction through the service, field by field."""

    def fill_in(extraction, user, values: dict, arms=()):
        for label in arms:
            extraction = extraction_services.extraction_row_add(
                extraction_id=extraction.pk,
                actor=user,
                section_key="arms",
                expected_version=None,
                values={"label": label},
            )
        for path, value in values.items():
            extraction = extraction_services.extraction_answer_set(
                extraction_id=extraction.pk, actor=user, path=path, value=value, expected_version=None
            ).extraction
        return extraction

    return fill_in


@pytest.fixture
def extract(review, form, fill, hba1c):
    """A submitted extraction of a study by a reviewer: design, two arms and HbA1c at 12 months."""

    def run(user, study, country="China", n_uc=61, mean_uc=7.1):
        e = extraction_services.extraction_start(
            review=review, actor=user, study_id=study.pk, form_id=form.pk
        )
        e = fill(
            e,
            user,
            {"design.type": "rct", "design.country": country, "arms.0.n": n_uc, "arms.1.n": 30},
            arms=("UC-MSC", "Placebo"),
        )
        e = extraction_services.extraction_outcome_add(
            extraction_id=e.pk, actor=user, measure_id=hba1c.pk, time_point="12 months", expected_version=None
        )
        e = fill(
            e,
            user,
            {
                "@outcomes.0.arms.0.n": n_uc,
                "@outcomes.0.arms.0.mean": mean_uc,
                "@outcomes.0.arms.0.sd": 1.1,
                "@outcomes.0.arms.1.n": 30,
                "@outcomes.0.arms.1.median": 7.8,
                "@outcomes.0.arms.1.q1": 7.0,
                "@outcomes.0.arms.1.q3": 8.6,
            },
        )
        return extraction_services.extraction_submit(extraction_id=e.pk, actor=user, expected_version=None)

    return run


@pytest.fixture
def settle():
    def run(conflict, user, path, choice, value=None):
        return consensus_services.conflict_settle(
            conflict_id=conflict.pk, actor=user, path=path, choice=choice, value=value
        )

    return run
