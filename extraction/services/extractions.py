"""One reviewer's extraction of a study: start, autosave one field at a time, rows, outcome data, submit.

Every write locks the extraction row, checks the optimistic `version` the client last saw (so two tabs of
the same reviewer never overwrite each other silently), bumps it, and writes an audit event with the value
before and after. A submitted extraction is read-only until its reviewer reopens it.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from reviewapp.models import Review, Role, Study
from reviewapp.services.audit import event_log

from .. import outcomes as od
from ..forms_schema import carry_answers, clean_value, is_blank, validate_answers
from ..models import (
    Consensus,
    Extraction,
    ExtractionConflict,
    ExtractionStatus,
    Form,
    OutcomeMeasure,
    RevisionKind,
)
from ..permissions import require
from .forms import latest_version

OUTCOMES = od.OUTCOMES
OUTCOME_ROW_TEXT = ("outcome", "time_point", "unit", "scale", "note", "measure", "data_type")


class StaleVersion(ValidationError):
    """The client edited an older version of the extraction than the one stored."""


@dataclass(frozen=True)
class Saved:
    extraction: Extraction
    path: str
    before: object
    after: object


def _event(extraction: Extraction, actor, verb: str, **data) -> None:
    """An audit event on one extraction, naming it, its study and its form (plus `data`)."""
    event_log(
        review=extraction.review,
        actor=actor,
        verb=verb,
        extraction=extraction.pk,
        study=extraction.study_id,
        form=extraction.form_id,
        **data,
    )


def _reviewer(review: Review, actor) -> None:
    require(review, actor, Role.REVIEWER, "Only reviewers extract data.")


def _lock(
    extraction_id: int, actor, expected_version: int | None, review: Review | None = None
) -> Extraction:
    extraction = (
        Extraction.objects.select_for_update()
        .select_related("form_version", "review")
        .filter(pk=extraction_id, **({"review": review} if review is not None else {}))
        .first()
    )
    if extraction is None:
        raise ValidationError("No such extraction.")
    if extraction.reviewer_id != actor.pk:
        raise PermissionDenied("Only its reviewer edits an extraction.")
    if expected_version is not None and int(expected_version) != extraction.version:
        raise StaleVersion(
            f"This extraction was changed in another tab or window (it is at version {extraction.version}, "
            f"this page had version {expected_version}). Nothing was saved: reload the page to see the "
            f"latest answers, then enter your change again.",
            code="stale",
        )
    return extraction


def _editable(extraction: Extraction) -> None:
    if extraction.status != ExtractionStatus.DRAFT:
        raise ValidationError("This extraction is submitted; reopen it to change it.")


def _bump(extraction: Extraction, *fields: str) -> None:
    extraction.version += 1
    extraction.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def extraction_start(*, review: Review, actor, study_id: int, form_id: int) -> Extraction:
    """The actor's extraction of a study with a form: the existing one, or a new draft (latest version)."""
    _reviewer(review, actor)
    study = Study.objects.filter(review=review, pk=study_id).first()
    form = Form.objects.filter(review=review, pk=form_id).first()
    if study is None or form is None:
        raise ValidationError("No such study or form in this review.")
    existing = Extraction.objects.filter(study=study, form=form, reviewer=actor).first()
    if existing:
        return existing
    if not form.is_active:
        raise ValidationError(f"The form “{form.title}” is not offered for new extractions.")
    version = latest_version(form)
    extraction = Extraction.objects.create(
        review=review, study=study, form=form, form_version=version, reviewer=actor
    )
    event_log(
        review=review,
        actor=actor,
        verb="extract.started",
        extraction=extraction.pk,
        study=study.pk,
        form=form.pk,
        version=version.number,
    )
    return extraction


def _split(path: str) -> list[str]:
    parts = path.split(".")
    if not all(parts):
        raise ValidationError(f"Bad field address {path!r}.")
    return parts


def _index(text: str, items: list, what: str) -> int:
    if not text.isdigit() or int(text) >= len(items):
        raise ValidationError(f"There is no {what} {text} (reload the page).")
    return int(text)


def _answer_slot(extraction: Extraction, path: str):
    """(holder dict, key, field definition) that `path` addresses in the answers."""
    parts = _split(path)
    schema = extraction.form_version.schema
    section = schema.section(parts[0])
    if section is None:
        raise ValidationError(f"{parts[0]!r} is not a section of this form version.")
    answers = extraction.answers
    if section.repeatable:
        if len(parts) != 3:
            raise ValidationError(f"Bad field address {path!r}.")
        rows = answers.setdefault(section.key, [])
        holder, key = rows[_index(parts[1], rows, f"{section.row_label.lower()}")], parts[2]
    else:
        if len(parts) != 2:
            raise ValidationError(f"Bad field address {path!r}.")
        holder, key = answers.setdefault(section.key, {}), parts[1]
    f = section.field(key)
    if f is None:
        raise ValidationError(f"{key!r} is not a field of {section.title}.")
    where = (
        section.title
        if not section.repeatable
        else f"{section.title}, {section.row_label.lower()} {int(parts[1]) + 1}"
    )
    return holder, key, f, where


def _outcome_slot(extraction: Extraction, path: str):
    parts = _split(path)[1:]
    rows = extraction.outcomes
    if len(parts) == 2:
        return rows[_index(parts[0], rows, "outcome row")], parts[1], None
    if len(parts) == 4 and parts[1] == "arms":
        row = rows[_index(parts[0], rows, "outcome row")]
        arms = row.setdefault("arms", [])
        return arms[_index(parts[2], arms, "arm")], parts[3], row
    raise ValidationError(f"Bad field address {path!r}.")


def _clean_outcome_value(holder: dict, key: str, value, arm_of: dict | None):
    where = f"{od.row_title(arm_of or holder)}" + (f", arm {holder.get('arm', '')}" if arm_of else "")
    allowed = (
        ("arm", *od.ARM_NUMBERS) if arm_of is not None else (*OUTCOME_ROW_TEXT, "ci_level", *od.ROW_NUMBERS)
    )
    if key not in allowed:
        raise ValidationError(f"{key!r} is not a field of outcome data.")
    if is_blank(value):
        return None
    if key in ("arm", *OUTCOME_ROW_TEXT):
        return str(value).strip()
    problems: list = []
    number = od._number(value, key, where, problems, integer=key in od.ARM_INTEGERS)
    if problems:
        raise ValidationError(problems[0].message)
    return number


@transaction.atomic
def extraction_answer_set(
    *, extraction_id: int, actor, path: str, value, expected_version: int | None, review: Review | None = None
) -> Saved:
    """Autosave one field ("design.country", "arms.0.n", "@outcomes.0.arms.1.mean"); blank clears it."""
    extraction = _lock(extraction_id, actor, expected_version, review)
    _editable(extraction)
    field_name = "answers"
    if path.startswith(OUTCOMES + "."):
        holder, key, arm_of = _outcome_slot(extraction, path)
        after = _clean_outcome_value(holder, key, value, arm_of)
        field_name = "outcomes"
    else:
        holder, key, f, where = _answer_slot(extraction, path)
        after = None
        if not is_blank(value):
            try:
                after = clean_value(f, value)
            except ValueError as error:
                raise ValidationError(f"{where}: {f.label} {error}.") from None
    before = holder.get(key)
    if before == after:
        return Saved(extraction, path, before, after)
    if after is None:
        holder.pop(key, None)
    else:
        holder[key] = after
    _bump(extraction, field_name)
    _event(
        extraction,
        actor,
        "extract.answer_changed",
        path=path,
        before=before,
        after=after,
        version=extraction.version,
    )
    return Saved(extraction, path, before, after)


@transaction.atomic
def extraction_row_add(
    *, extraction_id: int, actor, section_key: str, expected_version: int | None, values: dict | None = None
) -> Extraction:
    extraction = _lock(extraction_id, actor, expected_version)
    _editable(extraction)
    section = extraction.form_version.schema.section(section_key)
    if section is None or not section.repeatable:
        raise ValidationError(f"{section_key!r} is not a repeatable group of this form.")
    rows = extraction.answers.setdefault(section.key, [])
    if section.max_rows is not None and len(rows) >= section.max_rows:
        raise ValidationError(f"{section.title}: at most {section.max_rows} rows.")
    row = {}
    for key, value in (values or {}).items():
        f = section.field(key)
        if f is None:
            raise ValidationError(f"{key!r} is not a field of {section.title}.")
        if not is_blank(value):
            try:
                row[key] = clean_value(f, value)
            except ValueError as error:
                raise ValidationError(
                    f"{section.title}, new {section.row_label.lower()}: {f.label} {error}."
                ) from None
    rows.append(row)
    _bump(extraction, "answers")
    _event(
        extraction,
        actor,
        "extract.row_added",
        path=f"{section.key}.{len(rows) - 1}",
        before=None,
        after=row,
    )
    return extraction


@transaction.atomic
def extraction_row_remove(
    *, extraction_id: int, actor, section_key: str, index: int, expected_version: int | None
) -> Extraction:
    """Remove a row; its values are kept in the audit event (before)."""
    extraction = _lock(extraction_id, actor, expected_version)
    _editable(extraction)
    if section_key == OUTCOMES:
        rows, field_name = extraction.outcomes, "outcomes"
    else:
        section = extraction.form_version.schema.section(section_key)
        if section is None or not section.repeatable:
            raise ValidationError(f"{section_key!r} is not a repeatable group of this form.")
        rows, field_name = extraction.answers.setdefault(section.key, []), "answers"
    before = rows.pop(_index(str(index), rows, "row"))
    _bump(extraction, field_name)
    _event(
        extraction,
        actor,
        "extract.row_removed",
        path=f"{section_key}.{index}",
        before=before,
        after=None,
    )
    return extraction


def _arm_labels(extraction: Extraction) -> list[str]:
    schema = extraction.form_version.schema
    for section in schema.sections:
        if section.repeatable and section.row_key and section.key in ("arms", "groups"):
            return [
                str(r.get(section.row_key[0]))
                for r in extraction.answers.get(section.key, [])
                if r.get(section.row_key[0])
            ]
    return []


@transaction.atomic
def extraction_outcome_add(
    *,
    extraction_id: int,
    actor,
    measure_id: int,
    time_point: str,
    expected_version: int | None,
    measure: str = "",
) -> Extraction:
    """Add an outcome row (outcome x time point) with one arm per arm of the form's arms group."""
    extraction = _lock(extraction_id, actor, expected_version)
    _editable(extraction)
    outcome = OutcomeMeasure.objects.filter(review_id=extraction.review_id, pk=measure_id).first()
    if outcome is None:
        raise ValidationError("Choose one of the review's outcomes.")
    time_point = " ".join((time_point or "").split())
    if not time_point:
        raise ValidationError("Name the time point (e.g. 12 months).")
    key = (outcome.key, time_point.casefold())
    if any(od.row_identity(r) == key for r in extraction.outcomes):
        raise ValidationError(f"There is a row for {outcome.name} at {time_point} already.")
    row = {
        "outcome": outcome.key,
        "time_point": time_point,
        "data_type": outcome.data_type,
        "unit": outcome.unit,
        "scale": outcome.scale,
        "arms": [{"arm": label} for label in _arm_labels(extraction)],
    }
    if outcome.data_type == od.DataType.CONTINUOUS:
        row["measure"] = measure if measure in od.Measure.__members__.values() else od.Measure.FINAL.value
    row = {k: v for k, v in row.items() if v not in ("", None)}
    extraction.outcomes.append(row)
    _bump(extraction, "outcomes")
    _event(
        extraction,
        actor,
        "extract.row_added",
        path=f"{OUTCOMES}.{len(extraction.outcomes) - 1}",
        before=None,
        after=row,
    )
    return extraction


@transaction.atomic
def extraction_arm_add(
    *, extraction_id: int, actor, row_index: int, arm: str, expected_version: int | None
) -> Extraction:
    extraction = _lock(extraction_id, actor, expected_version)
    _editable(extraction)
    row = extraction.outcomes[_index(str(row_index), extraction.outcomes, "outcome row")]
    arm = " ".join((arm or "").split())
    if not arm or any(od._norm(a.get("arm")) == arm.casefold() for a in row.get("arms", [])):
        raise ValidationError("Name a new arm (each arm once).")
    row.setdefault("arms", []).append({"arm": arm})
    _bump(extraction, "outcomes")
    _event(
        extraction,
        actor,
        "extract.arm_added",
        path=f"{OUTCOMES}.{row_index}.arms",
        before=None,
        after=arm,
    )
    return extraction


def outcome_problems(review: Review, rows: list[dict]) -> list:
    """Every problem of a set of outcome rows, units checked against each outcome's unit."""
    measures = {m.key: m for m in OutcomeMeasure.objects.filter(review=review)}
    problems = []
    for data in rows:
        name = measures[data["outcome"]].name if data.get("outcome") in measures else data.get("outcome", "")
        where = f"Outcome data, {name} at {data.get('time_point', '')}"
        row, parse = od.outcome_from_dict(data, where)
        problems += parse
        if row is not None:
            problems += od.validate_outcome(row, where)
            measure = measures.get(row.outcome)
            if measure is not None:
                named = dataclasses.replace(row, outcome=measure.name)
                problems += od.unit_problems([("Outcome data", named)], unit=measure.unit)
    return problems


def submission_problems(extraction: Extraction) -> list[str]:
    schema = extraction.form_version.schema
    problems = [p.message for p in validate_answers(schema, extraction.answers, complete=True).problems]
    return problems + [p.message for p in outcome_problems(extraction.review, extraction.outcomes)]


@transaction.atomic
def extraction_submit(*, extraction_id: int, actor, expected_version: int | None) -> Extraction:
    """Mark the extraction complete (required fields, rows and valid outcome data), then settle the study."""
    extraction = _lock(extraction_id, actor, expected_version)
    _editable(extraction)
    problems = submission_problems(extraction)
    if problems:
        raise ValidationError(problems)
    other = (
        Extraction.objects.filter(
            study_id=extraction.study_id, form_id=extraction.form_id, status=ExtractionStatus.SUBMITTED
        )
        .exclude(form_version_id=extraction.form_version_id)
        .select_related("form_version")
        .first()
    )
    if other is not None:
        raise ValidationError(
            f"The other extraction of this study was submitted on form version {other.form_version.number}; "
            f"move yours (version {extraction.form_version.number}) to it first, so the two can be compared."
        )
    extraction.status, extraction.submitted_at = ExtractionStatus.SUBMITTED, timezone.now()
    _bump(extraction, "status", "submitted_at")
    _event(extraction, actor, "extract.submitted")
    from .consensus import consensus_settle_item

    consensus_settle_item(
        review=extraction.review, study_id=extraction.study_id, form_id=extraction.form_id, actor=actor
    )
    return extraction


@transaction.atomic
def extraction_reopen(*, extraction_id: int, actor, expected_version: int | None) -> Extraction:
    """Back to draft while no difference of its study has been settled; the submitted version is kept
    (ExtractionRevision). An open conflict stays open: it settles again when the extraction is resubmitted."""
    from .consensus import WORK, consensus_settle_item

    extraction = _lock(extraction_id, actor, expected_version)
    if extraction.status != ExtractionStatus.SUBMITTED:
        return extraction
    item = {"study": extraction.study, "form": extraction.form}
    if Consensus.objects.filter(**item).exists():
        raise ValidationError(
            "This study has its consensus record; its extractions can no longer be reopened."
        )
    conflict = ExtractionConflict.objects.filter(**item).first()
    if conflict is not None and conflict.settlements:
        raise ValidationError("Differences of this study are being settled; it can no longer be reopened.")
    revision = WORK.revision_keep(extraction, RevisionKind.RETRACTED, during_conflict=conflict is not None)
    extraction.status, extraction.submitted_at = ExtractionStatus.DRAFT, None
    _bump(extraction, "status", "submitted_at")
    _event(
        extraction,
        actor,
        "extract.reopened",
        revision=revision.pk,
    )
    consensus_settle_item(
        review=extraction.review, study_id=extraction.study_id, form_id=extraction.form_id, actor=actor
    )
    return extraction


@transaction.atomic
def extraction_upgrade(*, extraction_id: int, actor, expected_version: int | None) -> Extraction:
    """Move a draft to the form's latest version. Refused (listing the values) if anything would not carry
    over: answers are never dropped silently."""
    extraction = _lock(extraction_id, actor, expected_version)
    _editable(extraction)
    target = latest_version(extraction.form)
    if target.pk == extraction.form_version_id:
        return extraction
    carried, left = carry_answers(extraction.form_version.schema, target.schema, extraction.answers)
    if left:
        raise ValidationError(
            [
                "These answers do not fit the new version; change or clear them first:",
                *(p.message for p in left),
            ]
        )
    before = {"version": extraction.form_version.number, "answers": copy.deepcopy(extraction.answers)}
    extraction.form_version, extraction.answers = target, carried
    _bump(extraction, "form_version", "answers")
    _event(
        extraction,
        actor,
        "extract.upgraded",
        before=before,
        after={"version": target.number},
    )
    return extraction
