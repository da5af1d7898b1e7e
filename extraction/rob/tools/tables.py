"""Entering domain judgements, one study's assessment, and the tables made from many (pure).

The app stores what assessors enter; these functions hold the rules that do not need a database:
a judgement must be exactly one level of the tool (text naming two levels, such as the seed's
"Moderate/serious", is refused until the assessor chooses one and says why); departing from the tool's
proposal needs a written reason; the overall judgement comes from the tool's overall rule. The rows feed the
risk-of-bias table (domains down, studies across, as in a paper's Table 3), the traffic-light table and the
CSV/XLSX exports.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .base import AmbiguousJudgement, InvalidJudgement, Proposal, RobError, Tool


class ReasonRequired(RobError):
    pass


@dataclass(frozen=True)
class DomainEntry:
    domain: str
    judgement: str  # a level key of the tool
    support: str = ""  # justification shown in tables ("no control, possible changes in standard therapy")
    proposed: str | None = None  # what the tool proposed, when signalling questions were answered
    reason: str = ""  # why the assessor departed from the proposal or chose one of two levels


def enter_judgement(
    tool: Tool,
    domain: str,
    text: str,
    *,
    support: str = "",
    proposal: Proposal | None = None,
    choice: str | None = None,
    reason: str = "",
) -> DomainEntry:
    """One domain judgement as an assessor typed it. ``choice`` settles text naming two levels."""
    label = f"{tool.domain(domain).label} {tool.domain(domain).name}"
    try:
        level = tool.parse_judgement(text, domain)
    except AmbiguousJudgement as ambiguous:
        if choice is None:
            raise
        level = tool.parse_judgement(choice, domain)
        if level not in ambiguous.candidates:
            named = " or ".join(tool.level(k).label for k in ambiguous.candidates)
            raise InvalidJudgement(
                f"{label}: choose {named}, the levels {text!r} names.", domain=domain, value=choice
            ) from None
        if not reason.strip():
            raise ReasonRequired(
                f"{label}: say why you chose {tool.level(level).label} over {text!r}."
            ) from None
    proposed = proposal.judgement if proposal else None
    if proposed is not None and proposed != level and not reason.strip():
        raise ReasonRequired(
            f"{label}: the tool proposes {tool.level(proposed).label}; give a reason for "
            f"{tool.level(level).label}."
        )
    return DomainEntry(domain, level, support.strip(), proposed, reason.strip())


@dataclass(frozen=True)
class StudyAssessment:
    study: str
    entries: Mapping[str, DomainEntry]
    overall: str | None  # None for tools without an overall judgement (SYRCLE)
    overall_proposal: Proposal | None = None
    overall_reason: str = ""
    weight: float = 1.0  # for the weighted summary plot (e.g. the study's meta-analysis weight)

    def judgements(self) -> dict[str, str]:
        return {k: e.judgement for k, e in self.entries.items()}


def assess_study(
    tool: Tool,
    study: str,
    entries: Iterable[DomainEntry],
    *,
    overall: str | None = None,
    overall_reason: str = "",
    weight: float = 1.0,
    multiple_concerns_as_high: bool = False,
) -> StudyAssessment:
    """A study's judgements; the overall comes from the tool's rule, or the assessor's with a reason."""
    by_domain = {e.domain: e for e in entries}
    missing = [tool.domain(k).label for k in tool.domain_keys if k not in by_domain]
    if missing:
        raise InvalidJudgement(f"{study}: judge {', '.join(missing)} first.")
    if not tool.has_overall:
        return StudyAssessment(study, by_domain, None, None, "", weight)
    proposal = tool.propose_overall(
        {k: e.judgement for k, e in by_domain.items()}, multiple_concerns_as_high=multiple_concerns_as_high
    )
    chosen = tool.parse_judgement(overall) if overall else proposal.judgement
    if chosen != proposal.judgement and not overall_reason.strip():
        raise ReasonRequired(
            f"{study}: the overall rule gives {tool.level(proposal.judgement or '').label}; "
            f"give a reason for {tool.level(chosen or '').label}."
        )
    return StudyAssessment(study, by_domain, chosen, proposal, overall_reason.strip(), weight)


def _cell(tool: Tool, entry: DomainEntry, with_support: bool) -> str:
    label = tool.level(entry.judgement).label
    return f"{label} – {entry.support}" if with_support and entry.support else label


def judgement_table(
    tool: Tool, assessments: Sequence[StudyAssessment], *, with_support: bool = True
) -> list[list[str]]:
    """Domains down, studies across, overall last: the layout of a paper's risk-of-bias table."""
    rows = [[f"{tool.name} domain", *(a.study for a in assessments)]]
    for d in tool.domains:
        rows.append([d.name, *(_cell(tool, a.entries[d.key], with_support) for a in assessments)])
    if tool.has_overall:
        rows.append(["Overall risk of bias", *(tool.level(a.overall or "").label for a in assessments)])
    return rows


def traffic_light_rows(tool: Tool, assessments: Sequence[StudyAssessment]) -> list[list[str]]:
    """Studies down, D1..Dn (+ Overall) across, level labels in the cells: for CSV/XLSX exports."""
    header = ["Study", *(d.label for d in tool.domains)] + (["Overall"] if tool.has_overall else [])
    rows = [header]
    for a in assessments:
        cells = [tool.level(a.entries[d.key].judgement).label for d in tool.domains]
        overall = [tool.level(a.overall or "").label] if tool.has_overall else []
        rows.append([a.study, *cells, *overall])
    return rows


def domain_legend(tool: Tool) -> list[tuple[str, str]]:
    return [(d.label, d.name) for d in tool.domains]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    """CSV with cells that a spreadsheet would run as a formula (=, +, -, @) prefixed by an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([f"'{c}" if c.startswith(_FORMULA_START) else c for c in row])
    return out.getvalue()
