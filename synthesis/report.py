"""Reads for the review report page: what a PRISMA 2020 report needs from the data, section by section.

A section is present only when its data exist (characteristics, risk of bias and analyses join as the
extraction, risk-of-bias and synthesis apps store them). Queries: a constant number.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from reviewapp.models import Record, Review, SearchSource, Study

from .prisma_selectors import INCLUDED, prisma_counts, records_with_box


def sources_of(review: Review) -> QuerySet[SearchSource]:
    return SearchSource.objects.filter(review=review).order_by("created_at", "pk")


def included_studies(review: Review) -> list[Study]:
    """Studies with at least one included report, each with its included reports (oldest first)."""
    included = records_with_box(review).filter(prisma_stage=INCLUDED).defer("raw").order_by("year", "id")
    studies = (
        Study.objects.filter(review=review, records__in=included.values("pk")).distinct().order_by("label")
    )
    return list(studies.prefetch_related(Prefetch("records", queryset=included, to_attr="included_reports")))


def loose_reports(review: Review) -> QuerySet[Record]:
    """Included reports not grouped into a study yet (each counts as a study in the diagram)."""
    return (
        records_with_box(review).filter(prisma_stage=INCLUDED, study__isnull=True).defer("raw").order_by("id")
    )


def report_context(review: Review) -> dict:
    counts = prisma_counts(review)
    return {
        "counts": counts,
        "sources": list(sources_of(review)),
        "studies": included_studies(review),
        "loose_reports": list(loose_reports(review)),
    }
