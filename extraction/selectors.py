"""Reads for data extraction, scoped to the review and to what the member may see, in constant queries.

Blinding: while a review is blind, another reviewer's extraction of a study is visible only once the study's
independent extraction is complete (its consensus record exists: the required extractions were submitted).
Viewers see consensus data only. Every read of extractions goes through `extractions_visible_to`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BigIntegerField, Count, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from reviewapp.dualwork.blinding import visible_judgements
from reviewapp.models import Membership, Review, Study

from . import outcomes as od
from .forms_schema import FormSchema, display_value, is_blank
from .models import (
    ConflictStatus,
    Consensus,
    Extraction,
    ExtractionConflict,
    ExtractionStatus,
    Form,
    FormVersion,
    OutcomeMeasure,
    TableLayout,
)
from .permissions import may_read_extractions
from .services.consensus import Item, differences


def forms_of(review: Review) -> QuerySet[Form]:
    return (
        Form.objects.filter(review=review)
        .annotate(latest=Max("versions__number"), extractions_total=Count("extractions", distinct=True))
        .order_by("title", "id")
    )


def form_versions(form: Form) -> QuerySet[FormVersion]:
    return (
        FormVersion.objects.filter(form=form)
        .annotate(extractions_total=Count("extractions", distinct=True))
        .order_by("-number")
    )


def outcome_measures_of(review: Review) -> QuerySet[OutcomeMeasure]:
    return OutcomeMeasure.objects.filter(review=review).order_by("position", "name")


def _complete(study, form) -> Q:
    item = {"study": study, "form": form}
    return Q(Exists(Consensus.objects.filter(**item))) | Q(Exists(ExtractionConflict.objects.filter(**item)))


def extraction_complete() -> Q:
    """What "complete" means for blinding (reviewapp.dualwork.blinding): a study's independent extraction
    with a form is complete once it settled or went to a conflict."""
    return _complete(OuterRef("study_id"), OuterRef("form_id"))


def extraction_events_complete(record_ref: str = "record", stage_ref: str = "event_stage") -> Q:
    """The same for audit events (registry.blinded_events): a reviewer's "extract.*" events name their
    study and form in their data."""
    as_id = BigIntegerField()
    return _complete(Cast(OuterRef("data__study"), as_id), Cast(OuterRef("data__form"), as_id))


def extractions_visible_to(review: Review, member: Membership | None) -> QuerySet[Extraction]:
    """The member's own extractions, and others' once their study's extraction is complete (if blind)."""
    if not may_read_extractions(member):
        return Extraction.objects.none()
    extractions = Extraction.objects.filter(review=review).select_related(
        "study", "form", "form_version", "reviewer"
    )
    visible = visible_judgements(extractions, review=review, user=member.user, complete=extraction_complete())
    return visible.order_by("study__label", "id")


def consensus_of(review: Review) -> QuerySet[Consensus]:
    """Consensus records: completed by definition, readable by every member (viewers included)."""
    return (
        Consensus.objects.filter(review=review)
        .select_related(
            "study", "form", "form_version", "decided_by", "extraction_a__reviewer", "extraction_b__reviewer"
        )
        .order_by("study__label", "id")
    )


def conflicts_of(review: Review) -> QuerySet[ExtractionConflict]:
    return (
        ExtractionConflict.objects.filter(review=review)
        .select_related(
            "study",
            "form",
            "form_version",
            "resolved_by",
            "extraction_a__reviewer",
            "extraction_b__reviewer",
            "extraction_a__form_version",
            "extraction_b__form_version",
        )
        .order_by("status", "study__label", "id")
    )


def consensus_visible_to(review: Review, member: Membership | None) -> QuerySet[Consensus]:
    if member is None:
        return Consensus.objects.none()
    return consensus_of(review)


def conflicts_visible_to(review: Review, member: Membership | None) -> QuerySet[ExtractionConflict]:
    """Conflicts show both reviewers' values: the team only, never viewers."""
    if not may_read_extractions(member):
        return ExtractionConflict.objects.none()
    return conflicts_of(review)


@dataclass(frozen=True)
class StudyRow:
    study: Study
    mine: Extraction | None
    submitted: int
    consensus: Consensus | None
    conflict: ExtractionConflict | None
    settled_with: tuple[str, ...] = ()  # other forms this study has a consensus with (its own form)


def study_board(review: Review, form: Form, user) -> list[StudyRow]:
    """Studies of the review with my extraction, how many were submitted, the consensus, and the other
    forms a study was settled with (a preclinical study on the clinical form's board): four queries."""
    studies = list(
        Study.objects.filter(review=review)
        .annotate(
            submitted=Count(
                "extractions",
                filter=Q(extractions__form=form, extractions__status=ExtractionStatus.SUBMITTED),
            )
        )
        .order_by("label")
    )
    mine = {e.study_id: e for e in Extraction.objects.filter(form=form, reviewer=user)}
    consensus, elsewhere = {}, {}  # with this form; other forms' titles
    rows = Consensus.objects.filter(review=review).select_related("form").order_by("form__title")
    for c in rows.only("id", "study_id", "form_id", "method", "form__title"):
        if c.form_id == form.pk:
            consensus[c.study_id] = c
        else:
            elsewhere.setdefault(c.study_id, []).append(c.form.title)
    conflicts = {c.study_id: c for c in ExtractionConflict.objects.filter(form=form)}
    return [
        StudyRow(
            s,
            mine.get(s.pk),
            s.submitted,
            consensus.get(s.pk),
            conflicts.get(s.pk),
            tuple(elsewhere.get(s.pk, ())),
        )
        for s in studies
    ]


def extraction_for_page(review: Review, pk: int) -> Extraction | None:
    return (
        Extraction.objects.filter(review=review, pk=pk)
        .select_related("study", "form", "form_version", "reviewer")
        .first()
    )


# --- the comparison --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparedItem:
    item: Item
    settlement: dict | None


def comparison(record: ExtractionConflict | Consensus) -> list[ComparedItem]:
    """Every difference of the two extractions behind a conflict or a consensus record, with how (and by
    whom) it was settled."""
    if record.extraction_b_id is None:
        return []
    items = differences(record.extraction_a, record.extraction_b)
    return [ComparedItem(i, record.settlements.get(i.path)) for i in items]


def consensus_for_page(review: Review, pk: int) -> Consensus | None:
    return (
        consensus_of(review)
        .select_related("extraction_a__form_version", "extraction_b__form_version")
        .filter(pk=pk)
        .first()
    )


def conflict_for_page(review: Review, pk: int) -> ExtractionConflict | None:
    return conflicts_of(review).filter(pk=pk).first()


def open_conflicts(review: Review) -> QuerySet[ExtractionConflict]:
    return conflicts_of(review).filter(status=ConflictStatus.OPEN)


# --- reading answers as table cells -----------------------------------------------------------------


def cell(schema: FormSchema, answers: dict, path: str) -> str:
    """The text of one "section.field" answer; a repeatable group's values joined by "; "."""
    key, _, name = path.partition(".")
    section = schema.section(key)
    f = section.field(name) if section else None
    if f is None:
        return ""
    data = answers.get(key)
    if section.repeatable:
        return "; ".join(display_value(f, row.get(name)) for row in data or [] if not is_blank(row.get(name)))
    return display_value(f, (data or {}).get(name))


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[tuple[str, str]]  # (path, label), the study label first; flat files' headers
    rows: list[list[str]]
    # (section title, field label) of each column after the study's, for pages: the sections in a header
    # row above the fields ("" for a column whose field no version of the form has any more)
    parts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def sections(self) -> list[tuple[str, int]]:
        """(section title, columns it spans) of neighbouring columns of one section, left to right."""
        spans: list[tuple[str, int]] = []
        for section, _label in self.parts:
            if spans and spans[-1][0] == section:
                spans[-1] = (section, spans[-1][1] + 1)
            else:
                spans.append((section, 1))
        return spans


def characteristics_table(layout: TableLayout) -> Table:
    """One row per study from its consensus record (or, if the layout allows, a submitted extraction)."""
    versions = {v.pk: v for v in FormVersion.objects.filter(form_id=layout.form_id)}
    latest = max(versions.values(), key=lambda v: v.number)
    parts = {path: (section, label) for path, section, label in latest.schema.column_parts()}
    for version in versions.values():
        for path, section, label in version.schema.column_parts():
            parts.setdefault(path, (section, label))
    shown = [parts.get(p, ("", p)) for p in layout.columns]
    columns = [("study", "Study")] + [
        (p, f"{section}: {label}" if section else label) for p, (section, label) in zip(layout.columns, shown)
    ]
    sources: dict[int, tuple[Study, int, dict]] = {}
    records = Consensus.objects.filter(form_id=layout.form_id).select_related("study")
    for c in records:
        sources[c.study_id] = (c.study, c.form_version_id, c.answers)
    if layout.source == "any":
        submitted = (
            Extraction.objects.filter(form_id=layout.form_id, status=ExtractionStatus.SUBMITTED)
            .select_related("study")
            .order_by("submitted_at")
        )
        for e in submitted:
            sources.setdefault(e.study_id, (e.study, e.form_version_id, e.answers))
    rows = []
    for study, version_id, answers in sorted(sources.values(), key=lambda s: s[0].label):
        schema = versions[version_id].schema
        rows.append([study.label] + [cell(schema, answers, p) for p, _ in columns[1:]])
    return Table(layout.title, columns, rows, shown)


# --- outcome data for synthesis ------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(str(text or "").split()).casefold()


def _flat_answers(answers: dict) -> dict[str, Any]:
    return {
        f"{section}.{name}": value
        for section, data in answers.items()
        if isinstance(data, dict)
        for name, value in data.items()
    }


def _arm_out(row: od.OutcomeData, arm: od.ArmData) -> dict:
    out: dict[str, Any] = {
        "arm": arm.arm,
        "n": arm.n,
        "reported": {k: v for k, v in vars(arm).items() if v is not None},
    }
    if row.data_type == od.DataType.BINARY:
        out.update(events=arm.events, total=arm.total, method=od.Method.REPORTED.value, formula="as reported")
        return out
    derived = od.arm_mean_sd(arm, row.ci_level)
    out.update(
        mean=derived.value if derived else None,
        sd=derived.spread if derived else None,
        method=derived.method.value if derived else None,
        formula=derived.formula if derived else None,
    )
    return out


def outcome_data_for_analysis(review: Review, outcome: OutcomeMeasure | str, time_point: str) -> list[dict]:
    """Consensus outcome data of every study for one outcome at one time point: the one read synthesis uses.

    Only completed consensus records count (never a single reviewer's extraction). `outcome` is an
    OutcomeMeasure of the review or its key; `time_point` is matched ignoring case and spacing.
    Returns one plain dict per study and row, ordered by study label:

        {"study_id": int, "study_label": str, "consensus_id": int, "form_id": int,
         "outcome": key, "outcome_name": str, "time_point": str (as extracted),
         "data_type": "continuous" | "binary" | "generic",
         "measure": "final" | "change" | "mean_difference" | None,  # continuous only
         "unit": str, "scale": str,  # scale of generic estimates (MD, log OR, ...)
         "arms": [  # continuous final/change values and binary data; [] for estimates
             {"arm": str, "n": int | None,
              "mean": float | None, "sd": float | None,  # continuous; SD derived when not reported
              "events": int | None, "total": int | None,  # binary
              "method": "reported" | "sd_from_se" | "sd_from_ci_t" | "sd_from_ci_z" | "wan_median_iqr"
                        | "wan_median_range" | "wan_median_iqr_range" | None,
              "formula": str | None,  # the formula used, with its source
              "reported": {...}},  # the numbers as extracted
             ...],
         "estimate": float | None, "se": float | None,  # mean_difference / generic (ratios as logs)
         "estimate_method": str | None, "estimate_formula": str | None,
         "ci_low": float | None, "ci_high": float | None, "ci_level": float,
         "p_value": float | None,
         "subgroups": {"section.field": value, ...},  # every non-repeating consensus answer
         "problems": [str, ...]}  # validation messages (empty when clean)
    """
    key = outcome.key if isinstance(outcome, OutcomeMeasure) else str(outcome)
    measure = (
        outcome
        if isinstance(outcome, OutcomeMeasure)
        else OutcomeMeasure.objects.filter(review=review, key=key).first()
    )
    wanted = (_norm(key), _norm(time_point))
    result = []
    for consensus in consensus_of(review):
        for data in consensus.outcomes:
            if od.row_identity(data) != wanted:
                continue
            row, problems = od.outcome_from_dict(data, consensus.study.label)
            if row is None:
                continue
            problems += od.validate_outcome(row, consensus.study.label)
            if measure is not None:
                problems += od.unit_problems([(consensus.study.label, row)], unit=measure.unit)
            result.append(_analysis_row(consensus, row, measure, problems))
    return result


def _analysis_row(consensus: Consensus, row: od.OutcomeData, measure, problems: Iterable) -> dict:
    estimate = None
    if row.data_type == od.DataType.GENERIC or row.measure == od.Measure.MEAN_DIFFERENCE:
        estimate = od.difference_se(row)
    return {
        "study_id": consensus.study_id,
        "study_label": consensus.study.label,
        "consensus_id": consensus.pk,
        "form_id": consensus.form_id,
        "outcome": row.outcome,
        "outcome_name": measure.name if measure else row.outcome,
        "time_point": row.time_point,
        "data_type": row.data_type.value,
        "measure": row.measure.value if row.measure else None,
        "unit": row.unit,
        "scale": row.scale,
        "arms": [_arm_out(row, arm) for arm in row.arms] if estimate is None else [],
        "estimate": estimate.value if estimate else row.estimate,
        "se": estimate.spread if estimate else row.se,
        "estimate_method": estimate.method.value if estimate else None,
        "estimate_formula": estimate.formula if estimate else None,
        "ci_low": row.ci_low,
        "ci_high": row.ci_high,
        "ci_level": row.ci_level,
        "p_value": row.p_value,
        "subgroups": _flat_answers(consensus.answers),
        "problems": [p.message for p in problems],
    }


# --- results (outcome x time point) of each study, for risk of bias per result ----------------------------


@dataclass(frozen=True)
class StudyResult:
    """One result of a study as its consensus outcome data name it: an outcome at a time point."""

    study_id: int
    outcome: OutcomeMeasure
    time_point: str  # as extracted

    @property
    def label(self) -> str:
        return f"{self.outcome.name} at {self.time_point}" if self.time_point else self.outcome.name


def study_results(review: Review, study_id: int | None = None) -> list[StudyResult]:
    """Every (outcome, time point) of the consensus outcome rows, per study, in the outcomes' order
    (two queries). Rows naming an outcome the review no longer has are left out."""
    measures = {m.key: m for m in outcome_measures_of(review)}
    records = Consensus.objects.filter(review=review).only("study_id", "outcomes").order_by("study_id", "id")
    if study_id is not None:
        records = records.filter(study_id=study_id)
    found: dict[tuple, StudyResult] = {}
    for consensus in records:
        for row in consensus.outcomes:
            measure = measures.get(str(row.get("outcome", "")))
            point = " ".join(str(row.get("time_point", "")).split())
            if measure is not None:
                key = (consensus.study_id, measure.key, point.casefold())
                found.setdefault(key, StudyResult(consensus.study_id, measure, point))
    order = {key: i for i, key in enumerate(measures)}
    return sorted(found.values(), key=lambda r: (r.study_id, order[r.outcome.key], r.time_point.casefold()))
