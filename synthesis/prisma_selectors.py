"""Reads for the PRISMA 2020 flow diagram, computed from the data at request time.

Each record of a review is put in exactly one *leaf* box by one SQL CASE (`records_with_box`), in the
order the workflow takes it: duplicate, removed (by automation / for another reason), awaiting its
title/abstract verdict, excluded there, awaiting retrieval, not retrieved, awaiting its full-text
verdict, excluded there (per reason), included. The column (databases and registers, or other methods)
is the kind of the record's own search source. The counts of the official boxes (screened, sought,
assessed, ...) are counted by a separate query and `PrismaCounts.check()` proves the two agree.

`prisma_counts(review)` returns the checked `PrismaCounts`; `box_records(review, box)` the records of
one box (leaf or total), which is what a click on the diagram lists. Queries: a constant five.

Living reviews: with `round_number=N` both draw one round of searching. Round 1 is the template for new
reviews on round 1's records; an update round N >= 2 is the template for updated reviews: round N's
records in the identification and screening boxes (its duplicates are the records merged onto records
already in the review), and the studies and reports included from the earlier rounds as the previous
version. Counting is as of now: a report of round 1 included today is a previous report.
"""

from __future__ import annotations

import re
from collections import defaultdict

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from reviewapp.models import ImportBatch, Record, RemovalReason, Review, SearchSource, SourceKind
from reviewapp.selectors import studies_and_reports
from screening.models import ExclusionReason, RetrievalStatus, Stage, Verdict, VerdictDecision

from .prisma import Column, Entry, PrismaCounts

# Where a record ends up (the column prefix comes from its source's kind).
DUPLICATE, AUTOMATION, REMOVED_OTHER = "duplicate", "automation", "removed_other"
TA_AWAITING, TA_EXCLUDED = "ta_awaiting", "ta_excluded"
RETRIEVAL_AWAITING, NOT_RETRIEVED = "retrieval_awaiting", "not_retrieved"
FT_AWAITING, FT_EXCLUDED, INCLUDED = "ft_awaiting", "ft_excluded", "included"
BEFORE_SCREENING = (DUPLICATE, AUTOMATION, REMOVED_OTHER)
NOT_SOUGHT = (*BEFORE_SCREENING, TA_AWAITING, TA_EXCLUDED)
SOUGHT = (RETRIEVAL_AWAITING, NOT_RETRIEVED, FT_AWAITING, FT_EXCLUDED, INCLUDED)
ASSESSED = (FT_AWAITING, FT_EXCLUDED, INCLUDED)

# Leaf boxes of the databases-and-registers column, by stage.
DBR_LEAVES = {
    DUPLICATE: "duplicates",
    AUTOMATION: "excluded_automatic",
    REMOVED_OTHER: "excluded_other",
    TA_AWAITING: "awaiting_screening",
    TA_EXCLUDED: "records_excluded",
    RETRIEVAL_AWAITING: "dbr_awaiting_retrieval",
    NOT_RETRIEVED: "dbr_notretrieved_reports",
    FT_AWAITING: "dbr_awaiting_assessment",
    FT_EXCLUDED: "dbr_excluded",
    INCLUDED: "dbr_included",
}
OTHER_LEAVES = dict.fromkeys(NOT_SOUGHT, "other_not_sought") | {
    RETRIEVAL_AWAITING: "other_awaiting_retrieval",
    NOT_RETRIEVED: "other_notretrieved_reports",
    FT_AWAITING: "other_awaiting_assessment",
    FT_EXCLUDED: "other_excluded",
    INCLUDED: "other_included",
}
# Boxes that are sums of leaves: (column or None for both, stages).
TOTALS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "identified": (None, ()),
    "removed": ("dbr", BEFORE_SCREENING),
    "records_screened": ("dbr", (TA_AWAITING, TA_EXCLUDED, *SOUGHT)),
    "dbr_sought_reports": ("dbr", SOUGHT),
    "dbr_assessed": ("dbr", ASSESSED),
    "other_sought_reports": ("other", SOUGHT),
    "other_assessed": ("other", ASSESSED),
    "new_reports": (None, (INCLUDED,)),
    "new_studies": (None, (INCLUDED,)),
    "total_reports": (None, (INCLUDED,)),
    "total_studies": (None, (INCLUDED,)),
}
# Boxes of the updated-review template that count records of other rounds than the one drawn.
EARLIER_ROUNDS_BOXES = {"previous_studies": "before", "previous_reports": "before"}
ALL_ROUNDS_BOXES = {"total_studies": "upto", "total_reports": "upto"}
SOURCE_BOXES = {
    "database_results": SourceKind.DATABASE,
    "register_results": SourceKind.REGISTER,
    "other_identified": SourceKind.OTHER,
}
_ORGANISATION = re.compile(r"organi[sz]ation|society|agenc|manufacturer|expert|contact|author", re.I)
_WEBSITE = re.compile(r"web|site|google|grey|gray|internet|search engine", re.I)


def other_kind(source_name: str) -> str:
    """Which "other methods" box a source of kind OTHER counts in (PRISMA2020: websites,
    organisations, citation searching), from its name; citation searching unless it says otherwise."""
    if _ORGANISATION.search(source_name):
        return "organisations"
    if _WEBSITE.search(source_name):
        return "websites"
    return "citations"


def _batches_of_rounds(review: Review, round_number: int, which: str) -> QuerySet[ImportBatch]:
    """Imports of round N ("this"), of the rounds before it ("before") or of rounds 1..N ("upto"). An
    import without a round (written outside import_start) counts in round 1."""
    lookup = {"this": "round__number", "before": "round__number__lt", "upto": "round__number__lte"}[which]
    in_round = Q(**{lookup: round_number})
    first_counts = round_number == 1 if which != "before" else round_number > 1
    if first_counts:
        in_round |= Q(round__isnull=True)
    return ImportBatch.objects.filter(in_round, review=review).values("pk")


def review_records(review: Review, round_number: int | None = None, which: str = "this") -> QuerySet[Record]:
    """The review's records, or those of one round (see `_batches_of_rounds` for `which`)."""
    records = Record.objects.filter(review=review)
    if round_number is None:
        return records
    return records.filter(batch__in=_batches_of_rounds(review, round_number, which))


def records_with_box(
    review: Review, round_number: int | None = None, which: str = "this"
) -> QuerySet[Record]:
    """The review's records (or one round's), each annotated with `prisma_stage` (one of the stage
    constants above) and `prisma_reason` (the full-text exclusion reason's id)."""
    stage = Case(
        When(duplicate_of__isnull=False, then=Value(DUPLICATE)),
        When(removed_reason=RemovalReason.AUTOMATION, then=Value(AUTOMATION)),
        When(~Q(removed_reason=""), then=Value(REMOVED_OTHER)),
        When(ta_decision__isnull=True, then=Value(TA_AWAITING)),
        When(~Q(ta_decision=VerdictDecision.INCLUDE), then=Value(TA_EXCLUDED)),
        When(retrieval__status__isnull=True, then=Value(RETRIEVAL_AWAITING)),
        When(~Q(retrieval__status=RetrievalStatus.RETRIEVED), then=Value(NOT_RETRIEVED)),
        When(ft_decision__isnull=True, then=Value(FT_AWAITING)),
        When(~Q(ft_decision=VerdictDecision.INCLUDE), then=Value(FT_EXCLUDED)),
        default=Value(INCLUDED),
        output_field=CharField(),
    )
    # One verdict per (record, stage) (a unique constraint), so these LEFT JOINs never multiply rows;
    # they stay cheap on 100,000 records where correlated subqueries would not.
    return (
        review_records(review, round_number, which)
        .annotate(
            ta=FilteredRelation("verdicts", condition=Q(verdicts__stage=Stage.TITLE_ABSTRACT)),
            ft=FilteredRelation("verdicts", condition=Q(verdicts__stage=Stage.FULL_TEXT)),
        )
        .annotate(
            ta_decision=F("ta__decision"), ft_decision=F("ft__decision"), prisma_reason=F("ft__reason_id")
        )
        .annotate(prisma_stage=stage)
    )


def _column_filter(column: str | None) -> Q:
    if column is None:
        return Q()
    other = Exists(SearchSource.objects.filter(pk=OuterRef("source_id"), kind=SourceKind.OTHER))
    return Q(other) if column == "other" else ~Q(other)


def box_records(review: Review, box: str, round_number: int | None = None) -> QuerySet[Record] | None:
    """The records in `box` (a leaf or total box key of the diagram), or None for an unknown box; with
    `round_number`, the box of that round's diagram."""
    if round_number is not None and box in EARLIER_ROUNDS_BOXES | ALL_ROUNDS_BOXES:
        if box in EARLIER_ROUNDS_BOXES and round_number < 2:
            return None
        which = EARLIER_ROUNDS_BOXES.get(box) or ALL_ROUNDS_BOXES[box]
        return records_with_box(review, round_number, which).filter(prisma_stage=INCLUDED)
    records = records_with_box(review, round_number)
    if match := re.fullmatch(r"source-(\d+)", box):
        return records.filter(source_id=int(match[1]))
    if match := re.fullmatch(r"(dbr|other)_excluded-reason-(\d+)", box):
        return records.filter(_column_filter(match[1]), prisma_stage=FT_EXCLUDED, prisma_reason=int(match[2]))
    if box in SOURCE_BOXES:
        return records.filter(source__kind=SOURCE_BOXES[box])
    if box in ("website_results", "organisation_results", "citations_results"):
        kind = box.split("_")[0].replace("website", "websites").replace("organisation", "organisations")
        ids = [
            s.pk
            for s in SearchSource.objects.filter(review=review, kind=SourceKind.OTHER)
            if other_kind(s.name) == kind
        ]
        return records.filter(source_id__in=ids)
    for column, leaves in (("dbr", DBR_LEAVES), ("other", OTHER_LEAVES)):
        stages = tuple(stage for stage, leaf in leaves.items() if leaf == box)
        if stages:
            return records.filter(_column_filter(column), prisma_stage__in=stages)
    if box in TOTALS:
        column, stages = TOTALS[box]
        records = records.filter(_column_filter(column))
        return records.filter(prisma_stage__in=stages) if stages else records
    return None


def _sources(review: Review) -> tuple[dict, dict[int, SearchSource]]:
    sources = {s.pk: s for s in SearchSource.objects.filter(review=review).order_by("created_at", "pk")}
    return {pk: s.kind for pk, s in sources.items()}, sources


def _leaf_counts(
    review: Review, kinds: dict, round_number: int | None
) -> tuple[dict[int, int], dict[str, int], dict[tuple[str, int], int]]:
    """(records per source, records per leaf box, full-text exclusions per (column, reason))."""
    per_source: dict[int, int] = defaultdict(int)
    leaves: dict[str, int] = defaultdict(int)
    reasons: dict[tuple[str, int], int] = defaultdict(int)
    rows = (
        records_with_box(review, round_number)
        .order_by()
        .values_list("source_id", "prisma_stage", "prisma_reason")
        .annotate(n=Count("id"))
    )
    for source_id, stage, reason_id, n in rows:
        column = "other" if kinds.get(source_id) == SourceKind.OTHER else "dbr"
        per_source[source_id] += n
        leaves[(OTHER_LEAVES if column == "other" else DBR_LEAVES)[stage]] += n
        if stage == FT_EXCLUDED:
            reasons[(column, reason_id)] += n
    return per_source, leaves, reasons


def _totals(review: Review, round_number: int | None) -> dict[str, int]:
    """The official boxes' totals, counted from the verdicts and retrievals (not from the leaves)."""
    active = Q(duplicate_of__isnull=True, removed_reason="")
    dbr = ~Q(source__kind=SourceKind.OTHER)
    ta_include = Q(
        Exists(Verdict.objects.filter(record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT, decision="include"))
    )
    retrieved = Q(retrieval__status=RetrievalStatus.RETRIEVED)
    sought = active & ta_include
    return review_records(review, round_number).aggregate(
        records_screened=Count("id", filter=active & dbr),
        dbr_sought=Count("id", filter=sought & dbr),
        dbr_assessed=Count("id", filter=sought & dbr & retrieved),
        other_sought=Count("id", filter=sought & ~dbr),
        other_assessed=Count("id", filter=sought & ~dbr & retrieved),
    )


def _studies(review: Review, round_number: int | None = None, which: str = "this") -> tuple[int, int]:
    """(studies, reports) included, counted as the studies page counts them."""
    return studies_and_reports(records_with_box(review, round_number, which).filter(prisma_stage=INCLUDED))


def _included_of(review: Review, round_number: int | None) -> dict[str, int]:
    """New and previous studies and reports: an update's new studies are those not included before."""
    if round_number is None or round_number < 2:
        studies, _ = _studies(review, round_number)
        return {"new_studies": studies}
    previous_studies, previous_reports = _studies(review, round_number, "before")
    total_studies, _ = _studies(review, round_number, "upto")
    return {
        "new_studies": total_studies - previous_studies,
        "previous_studies": previous_studies,
        "previous_reports": previous_reports,
        "updated_review": True,
    }


def _reason_entries(column: str, reasons: dict, labels: dict[int, ExclusionReason]) -> tuple[Entry, ...]:
    found = [(rid, n) for (col, rid), n in reasons.items() if col == column and n]
    found.sort(key=lambda item: (labels[item[0]].position, item[0]) if item[0] in labels else (1 << 30, 0))
    return tuple(
        Entry(labels[rid].label if rid in labels else "No reason given", n, f"{column}_excluded-reason-{rid}")
        for rid, n in found
    )


def syntheses_of(review: Review) -> tuple[Entry, ...]:
    """Studies in each completed quantitative synthesis. Analyses are not stored yet (issue of the
    synthesis app); until they are, the diagram has no meta-analysis box."""
    return ()


def prisma_counts(review: Review, round_number: int | None = None) -> PrismaCounts:
    """The checked PRISMA 2020 counts of the review, as they stand now (of one round: module docstring)."""
    kinds, sources = _sources(review)
    per_source, leaves, reasons = _leaf_counts(review, kinds, round_number)
    totals = _totals(review, round_number)
    labels = {r.pk: r for r in ExclusionReason.objects.filter(review=review)}

    def entries(kind: str) -> tuple[Entry, ...]:
        return tuple(
            Entry(s.name, per_source.get(pk, 0), f"source-{pk}")
            for pk, s in sources.items()
            if s.kind == kind and (round_number is None or per_source.get(pk))
        )

    def column(prefix: str) -> Column:
        return Column(
            sought=totals[f"{prefix}_sought"],
            not_retrieved=leaves[f"{prefix}_notretrieved_reports"],
            awaiting_retrieval=leaves[f"{prefix}_awaiting_retrieval"],
            assessed=totals[f"{prefix}_assessed"],
            excluded=_reason_entries(prefix, reasons, labels),
            awaiting_assessment=leaves[f"{prefix}_awaiting_assessment"],
            included=leaves[f"{prefix}_included"],
        )

    counts = PrismaCounts(
        databases=entries(SourceKind.DATABASE),
        registers=entries(SourceKind.REGISTER),
        other_sources=tuple((entry, other_kind(entry.name)) for entry in entries(SourceKind.OTHER)),
        duplicates=leaves["duplicates"],
        excluded_automatic=leaves["excluded_automatic"],
        excluded_other=leaves["excluded_other"],
        records_screened=totals["records_screened"],
        records_excluded=leaves["records_excluded"],
        awaiting_screening=leaves["awaiting_screening"],
        dbr=column("dbr"),
        other_not_sought=leaves["other_not_sought"],
        other=column("other"),
        new_reports=leaves["dbr_included"] + leaves["other_included"],
        **_included_of(review, round_number),
        syntheses=syntheses_of(review),
    )
    return counts.check()
