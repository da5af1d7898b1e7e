"""Demo step: the seed review's data extraction (Tables 1 and 2, shared/seeds/003) done by two reviewers.

No-op unless the demo review `perinatal-msc-diabetes` exists with its 14 studies (synthesis builds it) and two
reviewers. The owner makes the clinical and preclinical forms from the ready templates, the review's outcomes
and the two characteristics tables; reviewer 1 and reviewer 2 each extract every study (demo_seed), submit,
and the studies settle: by agreement, except where the two read the seed differently (demo_seed.DIFFERENCES),
which reviewer 1 settles with reviewer 2 by consensus. Every write goes through the extraction services, and
the step is idempotent (load_demo runs it on every call).
"""

from __future__ import annotations

from django.db import transaction

from reviewapp.models import Membership, Review

from . import demo_seed as seed
from .models import (
    ConflictStatus,
    Consensus,
    Extraction,
    ExtractionConflict,
    ExtractionStatus,
    Form,
    OutcomeMeasure,
    TableLayout,
)
from .services import consensus as consensus_services
from .services import extractions as services
from .services import forms as form_services
from .services import measures as measure_services
from .services import tables as table_services

SLUG = "perinatal-msc-diabetes"
FORMS = {"clinical": seed.CLINICAL, "preclinical": seed.PRECLINICAL}
TABLES = {
    "clinical": (seed.TABLE1_TITLE, seed.TABLE1_COLUMNS),
    "preclinical": (seed.TABLE2_TITLE, seed.TABLE2_COLUMNS),
}


def _people(review: Review) -> tuple[object | None, list]:
    """(owner, [reviewer 1, reviewer 2]): the demo's reviewer1/reviewer2 first, else any two reviewers."""
    members = list(Membership.objects.filter(review=review).select_related("user").order_by("id"))
    owner = next((m.user for m in members if m.is_owner), None)
    reviewers = sorted(
        (m.user for m in members if m.is_reviewer and not m.is_owner),
        key=lambda u: (u.username not in ("reviewer1", "reviewer2"), u.username),
    )
    return owner, reviewers[:2]


def _form(review: Review, owner, template: str) -> Form:
    title = form_services.template_definition(template)["title"]
    existing = Form.objects.filter(review=review, title=title).first()
    return existing or form_services.form_from_template(review=review, actor=owner, template=template)


def _outcomes(review: Review, owner) -> dict[str, OutcomeMeasure]:
    found = {m.key: m for m in OutcomeMeasure.objects.filter(review=review)}
    for name, key, data_type, unit, points in seed.OUTCOMES:
        if key not in found:
            found[key] = measure_services.outcome_measure_create(
                review=review,
                actor=owner,
                name=name,
                key=key,
                data_type=data_type,
                unit=unit,
                time_points=points,
            )
    return found


def _answers_for(label: str, data: dict, second: bool) -> dict:
    """The study's answers as reviewer 1 (or, with `second`, reviewer 2) enters them."""
    answers = {k: (dict(v) if isinstance(v, dict) else [dict(r) for r in v]) for k, v in data.items()}
    if second:
        for study, path, value, _ in seed.DIFFERENCES:
            if study == label:
                section, _, name = path.partition(".")
                answers.setdefault(section, {})[name] = value
    return answers


def _enter_answers(extraction: Extraction, actor, answers: dict) -> None:
    schema = extraction.form_version.schema
    for section_key, data in answers.items():
        if schema.section(section_key).repeatable:
            for row in data:
                services.extraction_row_add(
                    extraction_id=extraction.pk,
                    actor=actor,
                    section_key=section_key,
                    values=row,
                    expected_version=None,
                )
            continue
        for name, value in data.items():
            services.extraction_answer_set(
                extraction_id=extraction.pk,
                actor=actor,
                path=f"{section_key}.{name}",
                value=value,
                expected_version=None,
            )


def _enter_outcomes(extraction: Extraction, actor, rows: list[dict], outcomes: dict) -> None:
    for index, row in enumerate(rows):
        extraction = services.extraction_outcome_add(
            extraction_id=extraction.pk,
            actor=actor,
            measure_id=outcomes[row["outcome"]].pk,
            time_point=row["time_point"],
            measure=row["measure"],
            expected_version=None,
        )
        values = {**row.get("values", {}), "note": row["note"]}
        arm_names = [a["arm"] for a in extraction.outcomes[index].get("arms", [])]
        for arm, numbers in row.get("arms", {}).items():
            values.update({f"arms.{arm_names.index(arm)}.{k}": v for k, v in numbers.items()})
        for path, value in values.items():
            services.extraction_answer_set(
                extraction_id=extraction.pk,
                actor=actor,
                value=value,
                path=f"{services.OUTCOMES}.{index}.{path}",
                expected_version=None,
            )


def _extract(
    review: Review, actor, study, form: Form, answers: dict, rows: list[dict], outcomes: dict
) -> None:
    extraction = services.extraction_start(review=review, actor=actor, study_id=study.pk, form_id=form.pk)
    if extraction.status == ExtractionStatus.SUBMITTED:
        return
    if not extraction.answers and not extraction.outcomes:
        _enter_answers(extraction, actor, answers)
        _enter_outcomes(extraction, actor, rows, outcomes)
    services.extraction_submit(extraction_id=extraction.pk, actor=actor, expected_version=None)


def _settle(conflict: ExtractionConflict, actor) -> None:
    settled = {
        f"{path}": value for study, path, _, value in seed.DIFFERENCES if study == conflict.study.label
    }
    for item in consensus_services.differences(conflict.extraction_a, conflict.extraction_b):
        if item.path in conflict.settlements:
            continue
        value = settled.get(item.path)
        choice = (
            "value" if value is not None else ("a" if conflict.extraction_a.reviewer_id == actor.pk else "b")
        )
        consensus_services.conflict_settle(
            conflict_id=conflict.pk, actor=actor, path=item.path, choice=choice, value=value
        )
    consensus_services.conflict_resolve(conflict_id=conflict.pk, actor=actor, note=seed.CONSENSUS_NOTE)


@transaction.atomic
def demo_extraction(*, review: Review) -> int:
    """Enter the seed's extraction (see the module docstring); returns how many studies have consensus."""
    if review.slug != SLUG:
        return 0
    owner, reviewers = _people(review)
    studies = {s.label: s for s in review.studies.all()}
    wanted = {label for data in FORMS.values() for label in data}
    if owner is None or len(reviewers) < 2 or not wanted <= set(studies):
        return 0
    outcomes = _outcomes(review, owner)
    for template, data in FORMS.items():
        form = _form(review, owner, template)
        for label, answers in data.items():
            if Consensus.objects.filter(study=studies[label], form=form).exists():
                continue
            rows = seed.OUTCOME_DATA.get(label, [])
            for number, actor in enumerate(reviewers):
                _extract(
                    review,
                    actor,
                    studies[label],
                    form,
                    _answers_for(label, answers, number == 1),
                    rows,
                    outcomes,
                )
            conflict = ExtractionConflict.objects.filter(
                study=studies[label], form=form, status=ConflictStatus.OPEN
            ).first()
            if conflict is not None:
                _settle(conflict, reviewers[0])
        title, columns = TABLES[template]
        if not TableLayout.objects.filter(review=review, title=title).exists():
            table_services.table_create(review=review, actor=owner, form=form, title=title, columns=columns)
    return Consensus.objects.filter(review=review).count()
