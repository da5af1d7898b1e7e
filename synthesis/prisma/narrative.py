"""The study-selection paragraph of a report (pure Python), written from the PRISMA counts.

PRISMA 2020 item 16a asks for the results of the search and selection "ideally using a flow diagram";
reviews also say it in words (as the seed review does, Results, first paragraph). Every number comes from
the same `PrismaCounts` as the diagram, so text and figure cannot disagree.
"""

from __future__ import annotations

from .flow import Entry, PrismaCounts


def _n(value: int) -> str:
    return f"{value:,}"


def _list(entries: tuple[Entry, ...]) -> str:
    parts = [f"{entry.name} (n = {_n(entry.n)})" for entry in entries]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"1 {word}"
    return f"{_n(n)} {word[:-1] + 'ies' if word.endswith('y') else word + 's'}"


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


def selection_paragraphs(counts: PrismaCounts) -> list[str]:
    """Sentences describing the flow, one paragraph per phase (identification, screening, inclusion)."""
    counts.check()
    sources = []
    if counts.databases:
        sources.append(f"from {_list(counts.databases)}")
    if counts.registers:
        sources.append(f"from registers: {_list(counts.registers)}")
    if counts.other_sources:
        sources.append(f"by other methods: {_list(tuple(entry for entry, _ in counts.other_sources))}")
    identified = counts.database_results + counts.register_results
    removed = [f"{_plural(counts.duplicates, 'duplicate')}"]
    if counts.excluded_automatic:
        removed.append(f"{_n(counts.excluded_automatic)} marked as ineligible by automation tools")
    removed.append(f"{_plural(counts.excluded_other, 'record')} for other reasons")
    first = (
        f"The searches identified {_plural(identified + counts.other_identified, 'record')} "
        f"({'; '.join(sources)}). Before screening, {', '.join(removed[:-1])} and {removed[-1]} "
        f"were removed, leaving {_plural(counts.records_screened, 'record')} for title and abstract "
        "screening."
    )
    dbr = counts.dbr
    awaiting = f" and {_n(counts.awaiting_screening)} await a decision" if counts.awaiting_screening else ""
    reasons = "; ".join(f"{e.name} (n = {_n(e.n)})" for e in dbr.excluded)
    second = (
        f"Of the {_plural(counts.records_screened, 'record')} screened, {_n(counts.records_excluded)} "
        f"{_were(counts.records_excluded)} excluded{awaiting}. {_plural(dbr.sought, 'report')} "
        f"{_were(dbr.sought)} sought for retrieval, of which {_n(dbr.not_retrieved)} could not be retrieved; "
        f"{_plural(dbr.assessed, 'report')} {_were(dbr.assessed)} assessed for eligibility and "
        f"{_n(dbr.excluded_total)} excluded{': ' + reasons if reasons else ''}."
    )
    third = (
        f"{_plural(counts.new_studies, 'new study')} ({_plural(counts.new_reports, 'report')}) "
        f"{'was' if counts.new_studies == 1 else 'were'} included in the review"
    )
    if counts.has_previous:
        third += (
            f", with {_plural(counts.previous_studies, 'study')} from the previous version: "
            f"{_plural(counts.total_studies, 'study')} in total"
        )
    third += "."
    for entry in counts.syntheses:
        third += f" {_plural(entry.n, 'study')} contributed to the meta-analysis of {entry.name}."
    return [first, second, third]
