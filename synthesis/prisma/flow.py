"""PRISMA 2020 flow arithmetic (pure Python, no Django).

`PrismaCounts` holds the plain numbers of a flow diagram: the totals of the official boxes
(records identified, screened, sought, assessed, ...) and the leaves they split into (duplicates,
excluded, not retrieved, excluded per reason, included, and the records still waiting for a decision).
`check()` proves that the totals equal the sum of their parts, box by box, and names the box that
does not add up. `to_prisma2020()` gives the numbers under the field names of the PRISMA2020 R
package's CSV template (inst/extdata/PRISMA.csv, read by PRISMA_data()).

Every record is in exactly one leaf box:

    identified = duplicates + excluded_automatic + excluded_other + screened          (databases, registers)
    screened   = records_excluded + awaiting_screening + sought
    sought     = not_retrieved + awaiting_retrieval + assessed
    assessed   = sum(excluded per reason) + awaiting_assessment + included reports

and, in the "other methods" column (websites, organisations, citation searching), whose records the
official template sends straight to retrieval:

    identified = not_sought + sought;   sought and assessed split as above.

`not_sought` (records from other methods that were duplicates, removed or excluded on their title)
is this module's addition: without it those records would be in no box.

The template for updated reviews (`updated_review`) draws one round's records in those boxes and adds
the previous version's studies and reports: total = previous + new. A new round's report of a study
included before counts among the new reports but not among the new studies.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class PrismaArithmeticError(ValueError):
    """The numbers of a box do not add up; `box` names the box (a PRISMA2020 field name)."""

    def __init__(self, box: str, message: str) -> None:
        super().__init__(f"{box}: {message}")
        self.box = box


@dataclass(frozen=True)
class Entry:
    """One named count inside a box: a database, a register, an exclusion reason, a synthesis.

    `key` identifies the entry for its link (e.g. "source-12"); empty means the box's own link.
    """

    name: str
    n: int
    key: str = ""


@dataclass(frozen=True)
class Column:
    """Retrieval and assessment of one column (databases and registers, or other methods)."""

    sought: int = 0
    not_retrieved: int = 0
    awaiting_retrieval: int = 0
    assessed: int = 0
    excluded: tuple[Entry, ...] = ()  # per reason
    awaiting_assessment: int = 0
    included: int = 0  # reports included at full text

    @property
    def excluded_total(self) -> int:
        return sum(entry.n for entry in self.excluded)


OTHER_KINDS = ("websites", "organisations", "citations")


@dataclass(frozen=True)
class PrismaCounts:
    databases: tuple[Entry, ...] = ()
    registers: tuple[Entry, ...] = ()
    # Other methods: each entry's name, count and kind (one of OTHER_KINDS) as (Entry, kind) pairs.
    other_sources: tuple[tuple[Entry, str], ...] = ()
    duplicates: int = 0
    excluded_automatic: int = 0
    excluded_other: int = 0
    records_screened: int = 0
    records_excluded: int = 0
    awaiting_screening: int = 0
    dbr: Column = field(default_factory=Column)
    other_not_sought: int = 0
    other: Column = field(default_factory=Column)
    new_studies: int = 0
    new_reports: int = 0
    previous_studies: int = 0
    previous_reports: int = 0
    # Drawn in the PRISMA 2020 template for updated reviews (previous studies beside the new round).
    updated_review: bool = False
    # Studies in each quantitative synthesis (meta-analysis), fed by completed analyses.
    syntheses: tuple[Entry, ...] = ()

    # --- totals --------------------------------------------------------------------------------

    @property
    def database_results(self) -> int:
        return sum(entry.n for entry in self.databases)

    @property
    def register_results(self) -> int:
        return sum(entry.n for entry in self.registers)

    def other_results(self, kind: str) -> int:
        return sum(entry.n for entry, entry_kind in self.other_sources if entry_kind == kind)

    @property
    def other_identified(self) -> int:
        return sum(entry.n for entry, _ in self.other_sources)

    @property
    def identified(self) -> int:
        return self.database_results + self.register_results + self.other_identified

    @property
    def has_other_methods(self) -> bool:
        return bool(self.other_sources)

    @property
    def has_previous(self) -> bool:
        return bool(self.updated_review or self.previous_studies or self.previous_reports)

    @property
    def total_studies(self) -> int:
        return self.previous_studies + self.new_studies

    @property
    def total_reports(self) -> int:
        return self.previous_reports + self.new_reports

    # --- the checks ----------------------------------------------------------------------------

    def check(self) -> PrismaCounts:
        """Raise PrismaArithmeticError naming the first box whose numbers do not add up."""
        self._check_non_negative()
        dbr_identified = self.database_results + self.register_results
        _equal(
            "records_identified",
            dbr_identified,
            {
                "duplicates": self.duplicates,
                "excluded_automatic": self.excluded_automatic,
                "excluded_other": self.excluded_other,
                "records_screened": self.records_screened,
            },
            what="records identified from databases and registers",
        )
        _equal(
            "records_screened",
            self.records_screened,
            {
                "records_excluded": self.records_excluded,
                "awaiting_screening": self.awaiting_screening,
                "dbr_sought_reports": self.dbr.sought,
            },
            what="records screened",
        )
        _check_column("dbr", self.dbr)
        _equal(
            "other_identified",
            self.other_identified,
            {"other_not_sought": self.other_not_sought, "other_sought_reports": self.other.sought},
            what="records identified from other methods",
        )
        _check_column("other", self.other)
        _equal(
            "new_reports",
            self.new_reports,
            {"dbr_included": self.dbr.included, "other_included": self.other.included},
            what="reports of new included studies",
        )
        _studies_of_reports("new_studies", self.new_studies, self.new_reports, self.previous_studies)
        _studies_of_reports("previous_studies", self.previous_studies, self.previous_reports, 0)
        for entry in self.syntheses:
            if entry.n > self.total_studies:
                raise PrismaArithmeticError(
                    "total_studies_ma",
                    f"'{entry.name}' pools {entry.n} studies, more than the {self.total_studies} included",
                )
        return self

    def _check_non_negative(self) -> None:
        for name, value in self.leaves().items():
            if value < 0:
                raise PrismaArithmeticError(name, f"a count cannot be negative ({value})")
        for group, entries in (("database_results", self.databases), ("register_results", self.registers)):
            for entry in entries:
                if entry.n < 0:
                    raise PrismaArithmeticError(group, f"'{entry.name}' has a negative count ({entry.n})")
        for entry, kind in self.other_sources:
            if kind not in OTHER_KINDS:
                raise PrismaArithmeticError(
                    "other_identified",
                    f"'{entry.name}' is of unknown kind '{kind}' ({', '.join(OTHER_KINDS)})",
                )

    def leaves(self) -> dict[str, int]:
        """The boxes each record ends in, exactly one per record; they add up to `identified`."""
        return {
            "duplicates": self.duplicates,
            "excluded_automatic": self.excluded_automatic,
            "excluded_other": self.excluded_other,
            "records_excluded": self.records_excluded,
            "awaiting_screening": self.awaiting_screening,
            "dbr_notretrieved_reports": self.dbr.not_retrieved,
            "dbr_awaiting_retrieval": self.dbr.awaiting_retrieval,
            "dbr_excluded": self.dbr.excluded_total,
            "dbr_awaiting_assessment": self.dbr.awaiting_assessment,
            "dbr_included": self.dbr.included,
            "other_not_sought": self.other_not_sought,
            "other_notretrieved_reports": self.other.not_retrieved,
            "other_awaiting_retrieval": self.other.awaiting_retrieval,
            "other_excluded": self.other.excluded_total,
            "other_awaiting_assessment": self.other.awaiting_assessment,
            "other_included": self.other.included,
        }

    # --- the PRISMA2020 R package's field names --------------------------------------------------

    def to_prisma2020(self) -> dict:
        """The counts keyed like the PRISMA2020 CSV template; lists hold the per-source/-reason rows.

        Besides the template's fields: `*_excluded_total`, the records still awaiting a decision, and
        `other_not_sought` (see the module docstring) so the numbers account for every record.
        """
        return {
            "previous_studies": self.previous_studies,
            "previous_reports": self.previous_reports,
            "database_results": self.database_results,
            "database_specific_results": _rows(self.databases),
            "register_results": self.register_results,
            "register_specific_results": _rows(self.registers),
            "website_results": self.other_results("websites"),
            "organisation_results": self.other_results("organisations"),
            "citations_results": self.other_results("citations"),
            "other_specific_results": [
                {"name": entry.name, "n": entry.n, "kind": kind} for entry, kind in self.other_sources
            ],
            "duplicates": self.duplicates,
            "excluded_automatic": self.excluded_automatic,
            "excluded_other": self.excluded_other,
            "records_screened": self.records_screened,
            "records_excluded": self.records_excluded,
            "records_awaiting_screening": self.awaiting_screening,
            "dbr_sought_reports": self.dbr.sought,
            "dbr_notretrieved_reports": self.dbr.not_retrieved,
            "dbr_awaiting_retrieval": self.dbr.awaiting_retrieval,
            "dbr_assessed": self.dbr.assessed,
            "dbr_excluded": [{"reason": e.name, "n": e.n} for e in self.dbr.excluded],
            "dbr_excluded_total": self.dbr.excluded_total,
            "dbr_awaiting_assessment": self.dbr.awaiting_assessment,
            "other_not_sought": self.other_not_sought,
            "other_sought_reports": self.other.sought,
            "other_notretrieved_reports": self.other.not_retrieved,
            "other_awaiting_retrieval": self.other.awaiting_retrieval,
            "other_assessed": self.other.assessed,
            "other_excluded": [{"reason": e.name, "n": e.n} for e in self.other.excluded],
            "other_excluded_total": self.other.excluded_total,
            "other_awaiting_assessment": self.other.awaiting_assessment,
            "new_studies": self.new_studies,
            "new_reports": self.new_reports,
            "total_studies": self.total_studies,
            "total_reports": self.total_reports,
            "total_studies_ma": max((e.n for e in self.syntheses), default=0),
            "syntheses": [{"name": e.name, "studies": e.n} for e in self.syntheses],
        }

    def to_prisma2020_csv_rows(self) -> list[tuple[str, str]]:
        """(data, n) rows as the R package's template writes them: lists as "Name, n; Name, n"."""
        rows = []
        for name, value in self.to_prisma2020().items():
            if name in ("other_specific_results", "syntheses") or name.endswith("_total"):
                continue
            if isinstance(value, list):
                value = "; ".join(f"{row.get('name') or row.get('reason')}, {row['n']}" for row in value)
            rows.append((name, str(value)))
        return rows


def _rows(entries: tuple[Entry, ...]) -> list[dict]:
    return [{"name": entry.name, "n": entry.n} for entry in entries]


def _equal(box: str, total: int, parts: dict[str, int], *, what: str) -> None:
    if total != sum(parts.values()):
        shown = " + ".join(f"{name} {n}" for name, n in parts.items())
        raise PrismaArithmeticError(box, f"{total} {what}, but {shown} = {sum(parts.values())}")


def _studies_of_reports(box: str, studies: int, reports: int, earlier_studies: int) -> None:
    """Every study has at least one report; included reports form at least one study (a new report
    may instead belong to a study included in the previous version)."""
    if studies > reports or (reports and not studies and not earlier_studies):
        raise PrismaArithmeticError(
            box,
            f"{studies} {box.split('_')[0]} studies from {reports} reports: every study has at "
            "least one report, and included reports form at least one study",
        )


def _check_column(prefix: str, column: Column) -> None:
    _equal(
        f"{prefix}_sought_reports",
        column.sought,
        {
            f"{prefix}_notretrieved_reports": column.not_retrieved,
            f"{prefix}_awaiting_retrieval": column.awaiting_retrieval,
            f"{prefix}_assessed": column.assessed,
        },
        what="reports sought for retrieval",
    )
    _equal(
        f"{prefix}_assessed",
        column.assessed,
        {
            f"{prefix}_excluded": column.excluded_total,
            f"{prefix}_awaiting_assessment": column.awaiting_assessment,
            f"{prefix}_included": column.included,
        },
        what="reports assessed for eligibility",
    )
