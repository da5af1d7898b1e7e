"""Full text: reports sought for retrieval; included reports and their studies."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from reviewapp.grouping import Report, Suggestion, suggest_groups
from reviewapp.models import Record, Review, Study

from ..models import Retrieval, Stage, Verdict, VerdictDecision
from ._common import SCREEN_FIELDS, screening_records

# --- full text ------------------------------------------------------------------------------------


def sought_reports(review: Review) -> QuerySet[Record]:
    """Records included at title/abstract (sought for retrieval), with retrieval and full-text verdict."""
    included = Verdict.objects.filter(
        record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT, decision=VerdictDecision.INCLUDE
    )
    return (
        Record.objects.filter(review=review)
        .defer("raw")
        .filter(Exists(included), duplicate_of__isnull=True, removed_reason="")
        .select_related("retrieval")
        .prefetch_related(
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.filter(stage=Stage.FULL_TEXT).select_related("reason"),
                to_attr="fulltext_verdicts",
            )
        )
        .order_by("id")
    )


def retrieval_of(review: Review, record_id: int) -> Retrieval | None:
    return Retrieval.objects.filter(review=review, record_id=record_id).first()


# --- studies --------------------------------------------------------------------------------------


def included_reports(review: Review) -> QuerySet[Record]:
    included = Verdict.objects.filter(
        record=OuterRef("pk"), stage=Stage.FULL_TEXT, decision=VerdictDecision.INCLUDE
    )
    return (
        screening_records(review)
        .filter(Exists(included), duplicate_of__isnull=True, removed_reason="")
        .only(*SCREEN_FIELDS, "study_id")
        .order_by("id")
    )


def studies_of(review: Review) -> QuerySet[Study]:
    reports = Record.objects.only(
        "id", "title", "authors", "year", "doi", "registry_ids", "study_id"
    ).order_by("id")
    return (
        Study.objects.filter(review=review)
        .annotate(reports_total=Count("records"))
        .prefetch_related(Prefetch("records", queryset=reports, to_attr="reports"))
        .order_by("label")
    )


def study_suggestions(review: Review) -> list[Suggestion]:
    rows = included_reports(review).values_list("id", "registry_ids", "doi", "study_id")
    return suggest_groups(Report(pk, tuple(ids or ()), doi or "", study) for pk, ids, doi, study in rows)
