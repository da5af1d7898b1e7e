"""Matching uploaded full-text PDFs to records (pure: no Django), for the bulk upload on the full-text page.

In order of trust, a file matches a record by
1. a DOI in its file name (``10.1016_j.jcyt.2020.01.005.pdf``: "/" may be written "_", "%2F" or "-"),
2. a PMID in its file name (``PMID 31234567.pdf``, ``31234567.pdf``),
3. a DOI in the PDF itself: its first bytes and first few compressed streams are searched (cheap: no PDF
   parsing, a bounded amount of work per file; finds the DOI in XMP metadata and most first-page texts),
4. its file name resembling the record's title (word overlap), when one record is clearly the best.
A match is only offered when exactly one record fits; ties are left unmatched for a person to choose.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass
from urllib.parse import unquote

DOI_IN_TEXT = re.compile(rb"10\.\d{4,9}/[-._;()/:A-Za-z0-9]+")
PMID_IN_NAME = re.compile(r"(?:pmid[\s_-]*)?(?<!\d)(\d{6,9})(?!\d)", re.I)
STREAM = re.compile(rb"stream\r?\n")
HEAD_BYTES = 256 * 1024
MAX_STREAMS = 6
MAX_INFLATED = 2 * 1024 * 1024
TITLE_THRESHOLD = 0.6
STOP = {"a", "an", "and", "the", "of", "in", "on", "for", "to", "with", "by", "at", "from", "or", "pdf"}


@dataclass(frozen=True)
class Candidate:
    """A record a file may belong to."""

    pk: int
    doi: str
    pmid: str
    title: str


@dataclass(frozen=True)
class Match:
    record_id: int | None
    how: str  # "doi in file name" | "pmid in file name" | "doi in pdf" | "title ~ file name" | ""
    score: float = 1.0
    note: str = ""


def key(text: str) -> str:
    """Letters and digits only, lower case: DOIs compare equal however "/" was written in a file name."""
    text = unicodedata.normalize("NFKD", unquote(text or "")).lower()
    return re.sub(r"[^a-z0-9]", "", text)


def words(text: str) -> set[str]:
    text = unicodedata.normalize("NFKD", text or "").lower()
    return {w for w in re.findall(r"[a-z0-9]+", text) if w not in STOP and len(w) > 1}


def _one(found: list[Candidate], how: str) -> Match | None:
    ids = {c.pk for c in found}
    if len(ids) == 1:
        return Match(found[0].pk, how)
    if len(ids) > 1:
        return Match(None, "", 0.0, f"{how}: fits {len(ids)} records")
    return None


def by_doi_in_name(name: str, candidates: list[Candidate]) -> Match | None:
    name_key = key(name)
    if "10" not in name_key:
        return None
    found = [c for c in candidates if c.doi and len(key(c.doi)) >= 7 and key(c.doi) in name_key]
    if found:  # the longest DOI wins over one that is a prefix of it
        longest = max(len(key(c.doi)) for c in found)
        found = [c for c in found if len(key(c.doi)) == longest]
    return _one(found, "doi in file name")


def by_pmid_in_name(name: str, candidates: list[Candidate]) -> Match | None:
    numbers = set(PMID_IN_NAME.findall(name))
    return (
        _one([c for c in candidates if c.pmid and c.pmid in numbers], "pmid in file name")
        if numbers
        else None
    )


def dois_in_pdf(head: bytes) -> set[str]:
    """DOIs in the raw first bytes of a PDF and in its first few deflated streams (bounded work)."""
    found = {m.decode("ascii", "ignore").rstrip(".;)") for m in DOI_IN_TEXT.findall(head)}
    budget = MAX_INFLATED
    for number, start in enumerate(STREAM.finditer(head)):
        if number >= MAX_STREAMS or budget <= 0:
            break
        try:
            inflated = zlib.decompressobj().decompress(head[start.end() :], budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        found |= {m.decode("ascii", "ignore").rstrip(".;)") for m in DOI_IN_TEXT.findall(inflated)}
    return found


def by_doi_in_pdf(head: bytes, candidates: list[Candidate]) -> Match | None:
    keys = {key(doi) for doi in dois_in_pdf(head)}
    return _one([c for c in candidates if c.doi and key(c.doi) in keys], "doi in pdf") if keys else None


def by_title(name: str, candidates: list[Candidate]) -> Match | None:
    stem = re.sub(r"\.pdf$", "", name, flags=re.I)
    mine = words(stem)
    if len(mine) < 3:
        return None
    scored = []
    for c in candidates:
        theirs = words(c.title)
        if theirs:
            scored.append((len(mine & theirs) / len(mine | theirs), c))
    scored.sort(key=lambda item: -item[0])
    if not scored or scored[0][0] < TITLE_THRESHOLD:
        return None
    if len(scored) > 1 and scored[1][0] >= scored[0][0] - 0.1:
        return Match(None, "", scored[0][0], "title ~ file name: two records fit about as well")
    return Match(scored[0][1].pk, "title ~ file name", round(scored[0][0], 2))


def match_file(name: str, head: bytes, candidates: list[Candidate]) -> Match:
    """The record `name` (with its first bytes `head`) belongs to, or Match(None, ...) with why not."""
    tried = (
        by_doi_in_name(name, candidates),
        by_pmid_in_name(name, candidates),
        by_doi_in_pdf(head[:HEAD_BYTES], candidates),
        by_title(name, candidates),
    )
    notes = []
    for match in tried:
        if match is not None and match.record_id is not None:
            return match
        if match is not None:
            notes.append(match.note)
    return Match(None, "", 0.0, "; ".join(notes) or "no DOI, PMID or title found")


def match_files(files: list[tuple[str, bytes]], candidates: list[Candidate]) -> list[Match]:
    """Match every file; when two files match the same record, both are left for a person to choose."""
    matches = [match_file(name, head, candidates) for name, head in files]
    taken: dict[int, int] = {}
    for match in matches:
        if match.record_id is not None:
            taken[match.record_id] = taken.get(match.record_id, 0) + 1
    return [
        Match(None, "", 0.0, f"{m.how}: another file matches the same record")
        if m.record_id is not None and taken[m.record_id] > 1
        else m
        for m in matches
    ]
