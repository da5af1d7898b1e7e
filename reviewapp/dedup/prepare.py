"""One record's comparable keys, computed once so each pair comparison stays cheap."""

from __future__ import annotations

from . import text
from .model import DedupRecord

# Titles that name a kind of item rather than an article; they say nothing about identity.
GENERIC_TITLES = frozenset(
    fold_key.replace(" ", "")
    for fold_key in (
        "editorial", "editorials", "letter", "letters", "letter to the editor", "reply", "response", "in reply",
        "authors reply", "comment", "comments", "commentary", "correspondence", "introduction", "preface",
        "foreword", "erratum", "errata", "correction", "corrections", "corrigendum", "retraction", "news",
        "obituary", "in memoriam", "in this issue", "abstracts", "abstract", "index", "contents",
        "table of contents", "book review", "book reviews", "untitled", "no title", "editors note",
        "guest editorial", "reviewers", "acknowledgement", "acknowledgements", "acknowledgment",
        "announcement", "announcements", "meeting abstracts", "poster", "posters", "summary",
        "conclusions", "discussion", "overview", "case report", "case reports", "highlights",
    )
)  # fmt: skip
# Placeholders for a missing title (#NAME? is a spreadsheet formula error).
_NO_TITLE = frozenset(("#name?", "unknown", "na", "n/a", "[no title available]", "no title", "untitled"))
_MIN_SPECIFIC_TITLE = 12  # characters of title key; "Depression" alone identifies nothing
_ABSTRACT_CHARS = 400
_MAX_AUTHORS = 12  # consortium lists add cost but no evidence


class Prepared:
    """Normalised view of a DedupRecord. Missing values are "" / None / empty tuples."""

    __slots__ = (
        "index", "record_id", "title", "title_key", "words", "markers", "numbers", "part_letter",
        "generic", "surnames", "year", "journal", "conference", "volume", "issue", "page_first",
        "page_last", "doi", "pmid", "registry_ids", "abstract",
    )  # fmt: skip

    def __init__(self, index: int, record: DedupRecord) -> None:
        self.index = index
        self.record_id = record.id
        self._prepare_title(record.title or "")
        self.surnames = _surnames(record.authors)
        self.year = _year(record.year)
        journal = record.journal or ""
        self.journal = text.journal_words(journal)
        # Embase-style records carry the citation in the journal field: "Brain Res.631 (2) ()(pp 270-276)".
        cited_volume, cited_issue, cited_pages = text.citation_in_journal(journal)
        self.volume = _volume(record.volume or "") or cited_volume
        self.issue = text.first_number(text.demangle_pages(record.issue or "")) or cited_issue
        pages = record.pages or cited_pages
        if self.year and pages.strip().startswith(str(self.year)):
            pages = ""  # some exports put the year (or a mangled date) in the pages field
        self.page_first, self.page_last = text.page_range(pages)
        kind = text.venue_kind(journal, record.volume or "", record.issue or "")
        self.conference = text.CONFERENCE if "abstract" in self.markers else kind
        self.doi = text.normalise_doi(record.doi or "")
        self.pmid = text.normalise_pmid(str(record.pmid or ""))
        self.registry_ids = frozenset(filter(None, map(text.normalise_registry_id, record.registry_ids or ())))
        self.abstract = text.fold(record.abstract[: _ABSTRACT_CHARS + 100])[:_ABSTRACT_CHARS] if record.abstract else ""

    def _prepare_title(self, raw: str) -> None:
        cleaned = "" if raw.strip().lower() in _NO_TITLE else text.clean_title(raw)
        folded = text.fold(cleaned)
        self.title = folded
        self.words = tuple(folded.split())
        self.title_key = folded.replace(" ", "")
        self.markers = text.title_markers(cleaned)
        self.numbers = text.title_numbers(list(self.words))
        self.part_letter = text.title_part_letter(folded)
        self.generic = len(self.title_key) < _MIN_SPECIFIC_TITLE or self.title_key in GENERIC_TITLES


def _volume(raw: str) -> str:
    # "1)" is the tail of a cut "(Supplement 1)": not the volume, and wrong in a way that would conflict.
    if raw.count(")") > raw.count("("):
        return ""
    return text.first_number(raw)


def _surnames(authors: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    if isinstance(authors, str):  # tolerate a single unsplit string
        authors = authors.split(";")
    keys = (text.surname_key(name) for name in list(authors)[:_MAX_AUTHORS] if name)
    return tuple(key for key in keys if key and key != "anonymous")


def _year(value: object) -> int | None:
    try:
        year = int(str(value).strip()[:4]) if value not in (None, "") else None
    except ValueError:
        return None
    return year if year and 1000 < year < 3000 else None
