"""Reads for the review report page: what a PRISMA 2020 report needs from the data, section by section.

Sources and criteria, the flow diagram, the included studies, the characteristics tables (extraction's
layouts, from consensus records), the risk-of-bias table and robvis plots of each tool with settled
assessments, and every analysis with a successful run (results, forest plot, funnel plot from 3 studies,
the notes recorded with the data it pooled). Each section is in the context whether or not its data exist,
so the page can say which are still missing. Queries: a constant number, plus a few per characteristics
table and per risk-of-bias tool (each a handful at most).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from extraction import selectors as extraction_selectors
from extraction.models import TableLayout
from extraction.permissions import may_read_extractions
from extraction.rob import selectors as rob_selectors
from extraction.rob.models import ToolKey
from extraction.rob.plots import summary_plot, traffic_light
from extraction.rob.tools.tables import judgement_table
from reviewapp.models import Membership, Record, Review, SearchSource, Study

from .models import AnalysisRun, JobStatus, RunKind
from .prisma_selectors import INCLUDED, prisma_counts, records_with_box

MIN_FUNNEL = 3  # a funnel plot of fewer studies shows nothing


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


def svg_data_uri(svg: str | bytes) -> str:
    """A figure as an <img> source: each drawing stays its own document (no clashing ids), and the PDF
    renderer reads it without fetching anything."""
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


def characteristics_tables(review: Review, member: Membership | None) -> list[extraction_selectors.Table]:
    """Every characteristics table of the review; viewers see consensus data only."""
    tables = []
    for layout in TableLayout.objects.filter(review=review).select_related("form").order_by("title", "id"):
        if layout.source == "any" and not may_read_extractions(member):
            layout.source = "consensus"
        tables.append(extraction_selectors.characteristics_table(layout))
    return tables


@dataclass(frozen=True)
class RiskOfBias:
    tool_key: str
    tool_name: str
    header: list[str]
    rows: list[list[str]]
    traffic_light: str  # data: URI of the SVG
    summary: str


def risk_of_bias(review: Review) -> list[RiskOfBias]:
    """Per tool with settled assessments: the paper-style table (domains down, studies across) and the
    traffic-light and summary plots (robvis)."""
    found = []
    for key in ToolKey.values:
        tool, rows = rob_selectors.consensus_table(review, key)
        if tool is None:
            continue
        grid = judgement_table(tool, rows)
        plots = svg_data_uri(traffic_light(tool, rows)), svg_data_uri(summary_plot(tool, rows))
        found.append(RiskOfBias(key, tool.name, grid[0], grid[1:], *plots))
    return found


@dataclass
class AnalysisResult:
    run: AnalysisRun
    forest: str
    funnel: str | None
    notes: list[tuple[str, str]] = field(default_factory=list)  # (study, the note recorded with its data)


def _notes(review: Review, runs: list[AnalysisRun]) -> dict[tuple[int, str, str], str]:
    """{(study id, outcome key, time point): note} from the consensus outcome rows (one query)."""
    if not runs:
        return {}
    notes = {}
    for consensus in extraction_selectors.consensus_of(review):
        for row in consensus.outcomes:
            if row.get("note"):
                key = (
                    str(row.get("outcome", "")),
                    " ".join(str(row.get("time_point", "")).split()).casefold(),
                )
                notes[(consensus.study_id, *key)] = row["note"]
    return notes


def analyses_with_results(review: Review) -> list[AnalysisResult]:
    """Every analysis's latest successful primary run, by title (two queries)."""
    runs: dict[int, AnalysisRun] = {}
    succeeded = (
        AnalysisRun.objects.filter(review=review, kind=RunKind.PRIMARY, status=JobStatus.SUCCEEDED)
        .select_related("analysis__outcome")
        .order_by("-finished_at", "-id")
    )
    for run in succeeded:
        runs.setdefault(run.analysis_id, run)
    ordered = sorted(runs.values(), key=lambda r: (r.analysis.title, r.analysis_id))
    notes = _notes(review, ordered)
    results = []
    for run in ordered:
        k = (run.results or {}).get("k") or 0
        point = " ".join(run.analysis.time_point.split()).casefold()
        used = [e for e in run.inputs or [] if e.get("used")]
        result = AnalysisResult(
            run,
            svg_data_uri(run.forest_svg),
            svg_data_uri(run.funnel_svg) if run.funnel_svg and k >= MIN_FUNNEL else None,
        )
        for entry in used:
            note = notes.get((entry["study_id"], run.analysis.outcome.key, point))
            if note:
                result.notes.append((entry["study"], note))
        results.append(result)
    return results


def report_context(review: Review, member: Membership | None = None) -> dict:
    counts = prisma_counts(review)
    return {
        "counts": counts,
        "sources": list(sources_of(review)),
        "studies": included_studies(review),
        "loose_reports": list(loose_reports(review)),
        "tables": characteristics_tables(review, member),
        "risk_of_bias": risk_of_bias(review),
        "analyses": analyses_with_results(review),
    }
