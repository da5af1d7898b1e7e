"""Plain data shared by every importer: the parsed record and the parse error.

Pure Python: no Django imports. Parsers yield ``ParsedRecord`` one at a time so that a
100,000-record file is never held in memory as objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FORMATS = ("ris", "medline", "endnote-xml", "bibtex", "csv", "wos")


@dataclass(slots=True)
class ParsedRecord:
    """One bibliographic entry: normalised fields plus the verbatim original text."""

    raw: str
    line: int = 0  # 1-based line (or entry number for XML) where the entry starts
    source_key: str = ""  # the identifier the entry had in its file (RIS ID, CSV id, rec-number, PMID)
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""  # lower case, no https://doi.org/ or doi: prefix
    pmid: str = ""
    registry_ids: list[str] = field(default_factory=list)  # e.g. NCT01234567
    keywords: list[str] = field(default_factory=list)
    language: str = ""
    publication_type: str = ""
    url: str = ""


class ParseError(ValueError):
    """A file that cannot be imported; names the file, where, and why."""

    def __init__(self, reason: str, *, filename: str = "", line: int | None = None, entry: int | None = None):
        self.reason = reason
        self.filename = filename
        self.line = line
        self.entry = entry
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.entry is not None:
            where.append(f"entry {self.entry}")
        loc = f" ({', '.join(where)})" if where else ""
        name = self.filename or "file"
        return f"{name}{loc}: {self.reason}"
