"""One record's comparable keys, computed once so each pair comparison stays cheap."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from . import text
from .model import DedupRecord

# Titles that name a kind of item rather than an article; they say nothing about identity.
GENERIC_TITLES = frozenset(
    title.replace(" ", "")
    for title in (
        "editorial", "editorials", "guest editorial", "editors note", "letter", "letters",
        "letter to the editor", "reply", "response", "in reply", "authors reply", "comment", "comments",
        "commentary", "correspondence", "introduction", "preface", "foreword", "erratum", "errata",
        "correction", "corrections", "corrigendum", "retraction", "news", "obituary", "in memoriam",
        "in this issue", "abstracts", "abstract", "index", "contents", "table of contents", "book review",
        "book reviews", "untitled", "no title", "reviewers", "acknowledgement", "acknowledgements",
        "acknowledgment", "announcement", "announcements", "meeting abstracts", "poster", "posters",
        "summary", "conclusions", "discussion", "overview", "case report", "case reports", "highlights",
    )
)  # fmt: skip
# Placeholders for a missing title (#NAME? is a spreadsheet formula error).
_NO_TITLE = frozenset(("#name?", "unknown", "na", "n/a", "[no title available]", "no title", "untitled"))
_NO_TITLE_FOLDED = frozenset(("name", "unknown", "na", "n a", "no title available", "no title", "untitled"))
_MIN_SPECIFIC_TITLE = 12  # characters of title key; "Depression" alone identifies nothing
_ABSTRACT_CHARS = 400
_MIN_ABSTRACT = 100
_MAX_AUTHORS = 12  # consortium lists add cost but no evidence
# What a truncated author list ends with ("Smith J, et al"); it names nobody.
_NOT_AUTHORS = frozenset(("anonymous", "al", "etal", "others", "and others", "et"))
_ET_AL = re.compile(r"[,;]?\s*(et\.?\s*al\.?|and others|others)\s*$", re.IGNORECASE)


class Prepared:
    """Normalised view of a DedupRecord. Missing values are "" / None / empty tuples."""

    __slots__ = (
        "index", "record_id", "title", "title_key", "title_alts", "markers", "numbers", "part_letter",
        "generic", "surnames", "year", "journal", "conference", "supplement", "plain_issue", "volume",
        "issue", "page_first", "page_last", "doi", "pmid", "registry_ids", "abstract",
    )  # fmt: skip

    def __init__(self, index: int, record: DedupRecord) -> None:
        self.index = index
        self.record_id = record.id
        self.year = _year(record.year)
        self._prepare_text(record)
        self._prepare_source(record)
        self._prepare_identifiers(record)

    def _prepare_text(self, record: DedupRecord) -> None:
        raw = record.title or ""
        cleaned = "" if raw.strip().lower() in _NO_TITLE else text.clean_title(raw)
        folded = text.fold(cleaned)
        if folded in _NO_TITLE_FOLDED:  # "#NAME?. [Review]" is still no title
            cleaned = folded = ""
        self.title = folded
        self.title_key = folded.replace(" ", "")
        # "Original title [English title]": either half may be all the other database kept.
        self.title_alts = tuple(
            key
            for key in (text.fold(part).replace(" ", "") for part in text.title_variants(cleaned))
            if len(key) >= _MIN_SPECIFIC_TITLE and key != self.title_key
        )
        self.markers = text.title_markers(cleaned)
        self.numbers = text.title_numbers(folded.split())
        self.part_letter = text.title_part_letter(folded)
        self.generic = (
            len(self.title_key) < _MIN_SPECIFIC_TITLE
            or self.title_key in GENERIC_TITLES
            or text.generic_title(folded)
        )
        self.surnames = _surnames(record.authors)
        abstract = (
            text.fold(record.abstract[: _ABSTRACT_CHARS + 100])[:_ABSTRACT_CHARS] if record.abstract else ""
        )
        # "No abstract available" and other boilerplate would look like agreement.
        self.abstract = abstract if len(abstract) >= _MIN_ABSTRACT else ""

    def _prepare_source(self, record: DedupRecord) -> None:
        journal, volume, issue = record.journal or "", record.volume or "", record.issue or ""
        # Embase-style records carry the citation in the journal field: "Brain Res.631 (2) ()(pp 270-276)".
        self.journal, (cited_volume, cited_issue, cited_pages), conference_name = journal_facts(journal)
        volume_number, issue_number, supplement, regular_issue = issue_facts(volume, issue)
        self.volume = volume_number or cited_volume
        self.issue = issue_number or cited_issue
        pages = record.pages or cited_pages
        if self.year and pages.strip().startswith(str(self.year)):
            pages = ""  # some exports put the year (or a mangled date) in the pages field
        self.page_first, self.page_last = text.page_range(pages)
        # A meeting supplement of a journal ("36 (Suppl. 2)"): one abstract may be printed in several.
        self.supplement = supplement
        # Embase writes "13 (2) (no pagination)" as the volume and the article number as the issue.
        self.plain_issue = bool(self.issue) and "(" not in volume and len(self.issue) <= 3
        # text.venue_kind(journal, volume, issue), from the parts cached above.
        kind = text.CONFERENCE if conference_name or supplement else text.REGULAR if regular_issue else ""
        self.conference = text.CONFERENCE if "abstract" in self.markers else kind

    def _prepare_identifiers(self, record: DedupRecord) -> None:
        self.doi = text.normalise_doi(record.doi or "")
        self.pmid = text.normalise_pmid(str(record.pmid or ""))
        registry_ids = frozenset(filter(None, map(text.normalise_registry_id, record.registry_ids or ())))
        self.registry_ids = registry_ids or text.NONE


# A review's records come from a few thousand journals and volume/issue spellings: each is read once.
_FIELD_CACHE = 65536


@lru_cache(maxsize=_FIELD_CACHE)
def journal_facts(journal: str) -> tuple[tuple[str, ...], tuple[str, str, str], bool]:
    """(journal words, the citation appended to the name, whether the name says it is a meeting)."""
    return text.journal_words(journal), text.citation_in_journal(journal), text.is_conference_name(journal)


@lru_cache(maxsize=_FIELD_CACHE)
def issue_facts(volume: str, issue: str) -> tuple[str, str, bool, bool]:
    """(volume number, issue number, supplement, plain issue number) of a volume and issue field."""
    issue_number = text.first_number(text.demangle_pages(issue))
    return _volume(volume), issue_number, text.is_supplement(volume, issue), text.is_regular_issue(issue)


def _volume(raw: str) -> str:
    # "1)" is the tail of a cut "(Supplement 1)": not the volume, and wrong in a way that would conflict.
    if raw.count(")") > raw.count("("):
        return ""
    return text.first_number(raw)


def _surnames(authors: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    if not authors:
        return ()
    if isinstance(authors, str):  # tolerate a single unsplit string
        authors = authors.split(";")
    keys = (author_key(name) for name in list(authors)[:_MAX_AUTHORS] if name)
    return tuple(key for key in keys if key)


@lru_cache(maxsize=2 * _FIELD_CACHE)  # most authors of a large search appear on several records
def author_key(name: str) -> str:
    """The surname key of one entry of an author list, "" for "et al", "Anonymous" and the like."""
    name = _without_et_al(name)
    if not name or name.strip().lower() in _NOT_AUTHORS:
        return ""
    key = text.surname_spelling(name)
    return "" if key in _NOT_AUTHORS else key


def _without_et_al(name: str) -> str:
    tail = name[-9:].lower()  # the regex only where it can match: most names end otherwise
    return _ET_AL.sub("", name) if "al" in tail or "other" in tail else name


_FIRST_YEAR, _LAST_YEAR = 1800, date.today().year + 2


def _year(value: object) -> int | None:
    """The year, or None when it cannot be one (a page number or typo: 1517, 2146)."""
    try:
        year = int(str(value).strip()[:4]) if value not in (None, "") else None
    except ValueError:
        return None
    return year if year and _FIRST_YEAR <= year <= _LAST_YEAR else None


_HUB_TITLES = 3  # distinct titles on one DOI that make it an issue's or supplement's DOI
_HUB_PREFIX = 24  # title characters compared, so typos late in a title do not count as another title


def forget_shared_dois(records: list[Prepared]) -> None:
    """Drop DOIs that several differently titled records carry.

    Meeting supplements and some databases give every abstract of an issue the issue's DOI.
    Taken as an identifier, it would chain all those abstracts into one "duplicate" group.
    """
    titles: dict[str, set[str]] = {}
    for rec in records:
        if rec.doi and rec.title_key:
            titles.setdefault(rec.doi, set()).add(rec.title_key[:_HUB_PREFIX])
    hubs = {doi for doi, seen in titles.items() if len(seen) >= _HUB_TITLES}
    for rec in records:
        if rec.doi in hubs:
            rec.doi = ""
