"""The owner's exports of a review, one table per section, written as CSV, XLSX (one sheet per section), JSON
or, for the included records, RIS.

Sections:
- records     every record (or a filtered list of them) with its sources, duplicate status and, per stage,
              each reviewer's vote (names shown: exports are for owners), the verdict, how it was settled,
              the exclusion reason, the conflict and the notes; the full-text retrieval and the study
- included    the included reports (full-text includes) as RIS, for a reference manager
- extraction  one row per study, outcome, time point and arm from the consensus records, with the
              study's characteristics (form answers) and the mean/SD derived where the paper gave others
- rob         one row per risk-of-bias item and domain from the consensus assessments (+ overall); the XLSX
              adds each tool's traffic-light sheet (extraction/rob/tools/tables.py, robvis colours)
- analyses    per analysis its latest successful primary run: the pooled row (estimate, CI, PI, tau², I²,
              Q, p), subgroup rows, and one row per study with its effect, variance and weight

Every text cell of CSV/XLSX goes through reviewapp.spreadsheet.safe_cell (formula injection).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import rispy
from django.db import transaction

from extraction import outcomes as od
from extraction.models import Consensus, FormVersion
from extraction.rob.models import ConsensusAssessment
from extraction.rob.selectors import consensus_table
from extraction.rob.tools import get_tool
from extraction.rob.tools.tables import traffic_light_rows
from extraction.selectors import cell
from reviewapp.models import Record, Review
from reviewapp.services.audit import event_log
from reviewapp.services.exports import FIELDS as RECORD_FIELDS
from reviewapp.services.exports import export_rows
from screening.models import Conflict, Retrieval, Stage, Verdict, Vote
from screening.selectors import included_reports

from .export_files import Counter, Table, csv_lines, xlsx_bytes
from .models import Analysis, JobStatus, RunKind


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    description: str
    formats: tuple[str, ...]
    build: Callable[..., Table]
    extra_sheets: Callable[[Review], list[Table]] | None = None


FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "json": ("application/json", "json"),
    "ris": ("application/x-research-info-systems", "ris"),
}


# --- records and decisions -------------------------------------------------------------------------------

STAGES = [(Stage.TITLE_ABSTRACT, "ta"), (Stage.FULL_TEXT, "ft")]


def _votes_by_record(review: Review) -> tuple[dict, list[str]]:
    votes: dict[tuple[int, str], dict[str, Vote]] = defaultdict(dict)
    reviewers: set[str] = set()
    rows = Vote.objects.filter(review=review).select_related("reviewer", "reason").order_by("id")
    for vote in rows.iterator(5000):
        votes[(vote.record_id, vote.stage)][vote.reviewer.username] = vote
        reviewers.add(vote.reviewer.username)
    return votes, sorted(reviewers)


def _stage_columns(reviewers: list[str]) -> list[str]:
    columns = []
    for _, short in STAGES:
        columns += [f"{short}_vote_{name}" for name in reviewers]
        columns += [f"{short}_verdict", f"{short}_settled_by", f"{short}_decided_by", f"{short}_reason"]
        columns += [f"{short}_conflict", f"{short}_notes"]
    return columns


def _vote_text(vote: Vote | None) -> str:
    if vote is None:
        return ""
    return vote.decision + (f" ({vote.reason.label})" if vote.reason_id else "")


def _stage_cells(record_id: int, stage: str, votes: dict, verdicts: dict, conflicts: dict, reviewers) -> list:
    mine = votes.get((record_id, stage), {})
    verdict = verdicts.get((record_id, stage))
    conflict = conflicts.get((record_id, stage))
    notes = [f"{name}: {vote.note}" for name, vote in sorted(mine.items()) if vote.note]
    if verdict is not None and verdict.note:
        notes.append(f"verdict: {verdict.note}")
    return [
        *(_vote_text(mine.get(name)) for name in reviewers),
        verdict.decision if verdict else "",
        verdict.method if verdict else "",
        verdict.decided_by.username if verdict and verdict.decided_by_id else "",
        verdict.reason.label if verdict and verdict.reason_id else "",
        conflict.status if conflict else "",
        notes,
    ]


def records_table(review: Review, records=None) -> Table:
    """One row per record (of the review, or of the queryset `records`) with all its decisions."""
    votes, reviewers = _votes_by_record(review)
    verdicts = {
        (v.record_id, v.stage): v
        for v in Verdict.objects.filter(review=review).select_related("reason", "decided_by")
    }
    conflicts = {(c.record_id, c.stage): c for c in Conflict.objects.filter(review=review)}
    retrievals = dict(Retrieval.objects.filter(review=review).values_list("record_id", "status"))
    studies = dict(
        Record.objects.filter(review=review, study__isnull=False).values_list("id", "study__label")
    )
    columns = [*RECORD_FIELDS, *_stage_columns(reviewers), "full_text_retrieval", "study"]

    def rows() -> Iterator[list]:
        for row in export_rows(review, records):
            rid = row["id"]
            cells = [row[name] for name in RECORD_FIELDS]
            for stage, _ in STAGES:
                cells += _stage_cells(rid, stage, votes, verdicts, conflicts, reviewers)
            yield [*cells, retrievals.get(rid, ""), studies.get(rid, "")]

    return Table("Records", columns, rows())


# --- included records as RIS -----------------------------------------------------------------------------


def _ris_entry(record: Record) -> dict:
    start, _, end = (record.pages or "").partition("-")
    entry = {
        "type_of_reference": "JOUR",
        "title": record.title,
        "authors": list(record.authors or []),
        "year": str(record.year or ""),
        "journal_name": record.journal,
        "volume": record.volume,
        "number": record.issue,
        "start_page": start.strip(),
        "end_page": end.strip(),
        "doi": record.doi,
        "abstract": record.abstract,
        "keywords": list(record.keywords or []),
        "language": record.language,
        "urls": [record.url] if record.url else [],
        "accession_number": record.pmid,
        "id": str(record.pk),
        "notes": [f"Study: {record.study.label}"] if record.study_id else [],
    }
    return {key: value for key, value in entry.items() if value not in ("", [], None)}


class _RisWriter(rispy.RisWriter):
    def set_header(self, count):
        return ""  # no "1." line before each entry: reference managers expect TY first


def records_ris(review: Review, records=None) -> tuple[str, int]:
    """RIS of the review's records (or of the queryset `records`)."""
    rows = Record.objects.filter(review=review) if records is None else records.filter(review=review)
    entries = [_ris_entry(r) for r in rows.select_related("study").defer("raw").order_by("id").iterator(2000)]
    return rispy.dumps(entries, implementation=_RisWriter), len(entries)


def included_ris(review: Review) -> tuple[str, int]:
    return records_ris(review, Record.objects.filter(pk__in=included_reports(review).values("pk")))


def included_table(review: Review, records=None) -> Table:
    ids = included_reports(review).values("pk")
    return records_table(review, Record.objects.filter(pk__in=ids))


# --- extraction data --------------------------------------------------------------------------------------

ROW_FIELDS = ["outcome", "time_point", "data_type", "measure", "unit", "scale", "estimate", "se", "ci_low",
              "ci_high", "ci_level", "p_value", "note"]  # fmt: skip
ARM_FIELDS = ["arm", "n", "mean", "sd", "se", "ci_low", "ci_high", "median", "q1", "q3", "minimum", "maximum",
              "events", "total"]  # fmt: skip


def extraction_table(review: Review, records=None) -> Table:
    """One row per study x outcome/time point x arm of the consensus records (a study with no outcome data
    keeps one row with its characteristics)."""
    consensus = list(
        Consensus.objects.filter(review=review)
        .select_related("study", "form")
        .order_by("study__label", "form_id")
    )
    versions = {v.pk: v for v in FormVersion.objects.filter(form__review=review)}
    paths: list[tuple[str, str]] = []
    for c in consensus:
        for path, label in versions[c.form_version_id].schema.columns():
            if (path, label) not in paths:
                paths.append((path, label))
    columns = ["study", "form", "consensus_method"] + [label for _, label in paths]
    columns += (
        ROW_FIELDS
        + [f"arm_{name}" for name in ARM_FIELDS]
        + ["arm_mean_used", "arm_sd_used", "arm_derivation"]
    )

    def rows() -> Iterator[list]:
        for c in consensus:
            schema = versions[c.form_version_id].schema
            head = [c.study.label, c.form.title, c.method] + [cell(schema, c.answers, p) for p, _ in paths]
            outcome_rows = [row for row in c.outcomes if isinstance(row, dict)] or [{}]
            for data in outcome_rows:
                yield from _outcome_rows(head, data, c.study.label)

    return Table("Extraction", columns, rows())


def _outcome_rows(head: list, data: dict, study: str) -> Iterator[list]:
    row = [data.get(name, "") for name in ROW_FIELDS]
    arms = [a for a in data.get("arms") or [] if isinstance(a, dict)] or [{}]
    parsed, _ = od.outcome_from_dict(data, study) if data else (None, [])
    parsed_arms = {a.arm: a for a in parsed.arms} if parsed else {}
    for arm in arms:
        derived = None
        if parsed is not None and arm.get("arm") in parsed_arms and parsed.data_type != od.DataType.BINARY:
            derived = od.arm_mean_sd(parsed_arms[arm["arm"]], parsed.ci_level)
        used = [derived.value, derived.spread, derived.formula] if derived else ["", "", ""]
        yield head + row + [arm.get(name, "") for name in ARM_FIELDS] + used


# --- risk of bias -----------------------------------------------------------------------------------------


def rob_table(review: Review, records=None) -> Table:
    """One row per consensus item and domain, then its overall judgement."""
    rows = ConsensusAssessment.objects.filter(review=review).select_related("item__study", "decided_by")
    rows = rows.order_by("item__study__label", "item__tool", "item__outcome_label", "item__timepoint", "id")
    columns = ["study", "tool", "effect", "outcome", "time_point", "domain", "domain_name", "judgement",
               "support", "reason", "settled_by", "decided_by"]  # fmt: skip

    def lines() -> Iterator[list]:
        for c in rows:
            item = c.item
            tool = get_tool(item.tool, effect=item.effect)
            names = {d.key: d.name for d in tool.domains}
            levels = {lv.key: lv.label for lv in tool.levels}
            head = [item.study.label, tool.name, item.effect, item.outcome_label, item.timepoint]
            tail = [c.method, c.decided_by.username if c.decided_by_id else ""]
            for key, entry in c.domains.items():
                judgement = levels.get(entry.get("judgement"), entry.get("judgement") or "")
                support, reason = entry.get("support", ""), entry.get("reason", "")
                yield head + [key, names.get(key, key), judgement, support, reason] + tail
            yield head + ["overall", "Overall", levels.get(c.overall, c.overall), "", c.overall_reason] + tail

    return Table("Risk of bias", columns, lines())


def rob_sheets(review: Review) -> list[Table]:
    """Each tool's traffic-light table (studies x domains), as the risk-of-bias page exports it."""
    sheets = []
    tools = ConsensusAssessment.objects.filter(review=review).values_list("item__tool", flat=True).distinct()
    for key in sorted(set(tools)):
        tool, assessments = consensus_table(review, key)
        if tool is not None:
            rows = traffic_light_rows(tool, assessments)
            sheets.append(Table(f"{tool.name[:20]} lights", rows[0], rows[1:]))
    return sheets


# --- analyses ---------------------------------------------------------------------------------------------

POOLED = ["k", "estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2", "H2", "Q", "Q_df", "Q_p",
          "pval", "estimate_exp", "ci_lb_exp", "ci_ub_exp", "pi_lb_exp", "pi_ub_exp"]  # fmt: skip
STUDY = ["yi", "vi", "weight"]


def _latest_runs(review: Review) -> list[tuple[Analysis, Any]]:
    analyses = list(Analysis.objects.filter(review=review).select_related("outcome").order_by("title", "id"))
    out = []
    for analysis in analyses:
        run = (
            analysis.runs.filter(kind=RunKind.PRIMARY, status=JobStatus.SUCCEEDED)
            .order_by("-finished_at", "-id")
            .first()
        )
        out.append((analysis, run))
    return out


def analyses_table(review: Review, records=None) -> Table:
    columns = ["analysis", "outcome", "time_point", "measure", "model", "run_finished_at", "row", "study"]
    columns += POOLED + STUDY

    def lines() -> Iterator[list]:
        for analysis, run in _latest_runs(review):
            finished = run.finished_at.isoformat() if run and run.finished_at else ""
            head = [analysis.title, analysis.outcome.name, analysis.time_point, analysis.measure]
            head += [analysis.model_label(), finished]
            if run is None:
                yield head + ["no results yet", ""] + [""] * (len(POOLED) + len(STUDY))
                continue
            yield from _result_lines(head, "pooled", run.results)
            for name, block in (run.results.get("subgroups") or {}).items():
                yield from _result_lines(head, f"subgroup: {name}", block)

    return Table("Analyses", columns, lines())


def _result_lines(head: list, label: str, block: dict) -> Iterator[list]:
    yield head + [label, ""] + [block.get(key, "") for key in POOLED] + [""] * len(STUDY)
    for study in block.get("studies", []):
        row = "study" if label == "pooled" else f"{label} · study"
        yield head + [row, study.get("study", "")] + [""] * len(POOLED) + [study.get(k, "") for k in STUDY]


def analyses_json(review: Review) -> list[dict]:
    """Per analysis: its settings and the latest successful primary run's full results (with studies)."""
    out = []
    for analysis, run in _latest_runs(review):
        out.append(
            {
                "analysis": analysis.title,
                "outcome": analysis.outcome.name,
                "time_point": analysis.time_point,
                "measure": analysis.measure,
                "model": analysis.model_label(),
                "run": run.pk if run else None,
                "finished_at": run.finished_at.isoformat() if run and run.finished_at else None,
                "engine_version": run.engine_version if run else None,
                "results": run.results if run else None,
            }
        )
    return out


SPREADSHEET = ("csv", "xlsx", "json")
_SECTIONS = (
    Section(
        "records",
        "Records and decisions",
        "Every record with its sources, duplicate status and each stage's votes, verdict, reason and notes.",
        (*SPREADSHEET, "ris"),
        records_table,
    ),
    Section(
        "included",
        "Included records",
        "The reports included at full text, for a reference manager (RIS) or a spreadsheet.",
        ("ris", "csv", "xlsx"),
        included_table,
    ),
    Section(
        "extraction",
        "Extraction data",
        "One row per study, outcome, time point and arm from the consensus records, with the studies' "
        "characteristics.",
        SPREADSHEET,
        extraction_table,
    ),
    Section(
        "rob",
        "Risk of bias",
        "The consensus judgement of every domain with its support, per study and tool; the workbook adds "
        "each tool's traffic-light sheet.",
        SPREADSHEET,
        rob_table,
        rob_sheets,
    ),
    Section(
        "analyses",
        "Analysis results",
        "Per analysis: pooled estimate, CI, prediction interval, tau², I², Q, and each study's effect and "
        "weight.",
        SPREADSHEET,
        analyses_table,
    ),
)
SECTIONS: dict[str, Section] = {s.key: s for s in _SECTIONS}
ALL = "all"


# --- rendering --------------------------------------------------------------------------------------------


def section_tables(review: Review, key: str, records=None, *, sheets: bool = True) -> list[Table]:
    section = SECTIONS[key]
    tables = [section.build(review, records)]
    if sheets and section.extra_sheets is not None:
        tables += section.extra_sheets(review)
    return tables


def render(review: Review, what: str, fmt: str, records=None) -> tuple[bytes, int]:
    """The export's bytes and how many rows it holds. `what`: a section key or "all" (xlsx, json)."""
    keys = list(SECTIONS) if what == ALL else [what]
    if what == ALL:
        keys.remove("included")
    if fmt == "ris":
        if what not in ("included", "records"):
            raise ValueError(
                "RIS holds bibliographic records: export the included records (--what included)."
            )
        text, count = included_ris(review) if what == "included" else records_ris(review, records)
        return text.encode("utf-8"), count
    if fmt == "csv":
        if len(keys) != 1:
            raise ValueError("A CSV file holds one table: choose one section, or use xlsx or json for all.")
        counter = Counter(section_tables(review, keys[0], records, sheets=False)[0])
        return "".join(csv_lines(counter.table)).encode("utf-8"), counter.count
    if fmt == "xlsx":
        counted = [Counter(t) for key in keys for t in section_tables(review, key, records)]
        content = xlsx_bytes([c.table for c in counted])
        return content, counted[0].count if len(keys) == 1 else sum(c.count for c in counted)
    if fmt == "json":
        return _json(review, keys, records)
    raise ValueError(f"Unknown export format '{fmt}'; use csv, xlsx, json or ris.")


def _json(review: Review, keys: list[str], records) -> tuple[bytes, int]:
    data: dict[str, Any] = {"review": review.slug, "title": review.title}
    count = 0
    for key in keys:
        if key == "analyses":
            data[key] = analyses_json(review)
        else:
            data[key] = list(section_tables(review, key, records, sheets=False)[0].dicts())
        count += len(data[key])
    return json.dumps(data, ensure_ascii=False, indent=1, default=str).encode("utf-8"), count


def filename(review: Review, what: str, fmt: str, filtered: bool = False) -> str:
    return f"{review.slug}-{what}{'-filtered' if filtered else ''}.{FORMATS[fmt][1]}"


@transaction.atomic
def export_log(*, review: Review, actor, what: str, fmt: str, rows: int, filters: dict | None = None) -> None:
    """The audit event of one export (who took which data, when)."""
    event_log(review=review, actor=actor, verb="export.downloaded", what=what, format=fmt, rows=rows,
              filters=filters or {})  # fmt: skip
