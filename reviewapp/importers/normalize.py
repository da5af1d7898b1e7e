"""Small value cleaners shared by every importer.

Each takes the text as the database exported it and returns what we store. They never raise
on odd input: a value that cannot be cleaned becomes "" (or None for the year), because one
messy field must not stop a 10,000-record import.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

_DOI_BODY = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
# Scopus and some link resolvers put the DOI in a query string, percent-encoded.
_DOI_IN_URL = re.compile(r"(?:doi\.org/|[?&]doi=)(10\.\d{4,9}(?:/|%2f)[^&#\s]+)", re.IGNORECASE)
_DOI_TRAILING_JUNK = ".,;:'\")]}>"
_DOI_SUFFIX_TAG = re.compile(r"\s*\[doi\]\s*$", re.IGNORECASE)

_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)", re.ASCII)
_COMPACT_DATE = re.compile(r"^\s*(1[5-9]\d\d|20\d\d)\d{4}\s*$", re.ASCII)  # MEDLINE's 20151207
_LATEST_YEAR = 2100

# Case-sensitive on purpose: "nct" is inside "function" and "distinct", and a literal prefix
# lets the regex engine skip ahead fast; registries always print the prefix in capitals.
_NCT = re.compile(r"NCT[\s-]?(\d{8})(?!\d)", re.ASCII)
_PAGE_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")
_PMID = re.compile(r"^\d{1,8}$", re.ASCII)  # Embase accession numbers have 9+ digits


def clean(value: str) -> str:
    """Unescape HTML entities and collapse every whitespace run to one space."""
    if "&" in value:
        value = html.unescape(value)
    elif not ("  " in value or "\n" in value or "\t" in value or "\xa0" in value):
        return value.strip()  # nothing to collapse: skip split/join, which copies every word
    return " ".join(value.split())


def clean_all(values: list[str], *, split_lines: bool = False) -> list[str]:
    """``clean`` each value (each line of each value if ``split_lines``) and drop empty ones.

    One join and a few substring tests decide whether anything needs cleaning at all; usually
    nothing does, and the list comes back as it went in (this runs for every record's authors).
    """
    if not values:
        return values
    joined = "\x1f".join(values)
    if "\n" in joined and split_lines:
        values = joined.replace("\x1f", "\n").split("\n")
    elif not ("&" in joined or "  " in joined or "\n" in joined or "\t" in joined or "\xa0" in joined):
        if " \x1f" in joined or "\x1f " in joined or joined[0] == " " or joined[-1] == " ":
            values = [value.strip() for value in values]
        return [value for value in values if value] if "" in values else values
    return [cleaned for cleaned in map(clean, values) if cleaned]


def clean_lines(value: str) -> str:
    """Like ``clean`` but for long text (abstracts): join wrapped lines, keep inner spacing."""
    if "&" in value:
        value = html.unescape(value)
    if "\n" in value:
        value = " ".join(part.strip() for part in value.split("\n") if part.strip())
    return value.strip()


def doi(value: str) -> str:
    """Return the bare, lower-case DOI in ``value`` ("10.1000/x"), or "" if it holds none."""
    value = value.strip()
    if (
        value.startswith("10.") and " " not in value and "\n" not in value and "%" not in value
    ):  # the usual, already bare DOI
        return value.rstrip(_DOI_TRAILING_JUNK).lower()
    value = _DOI_SUFFIX_TAG.sub("", value)
    if "%2" in value.lower():
        value = unquote(value)
    match = _DOI_BODY.search(value)
    if match is None:
        return ""
    return match.group(0).rstrip(_DOI_TRAILING_JUNK).lower()


def doi_from_url(url: str) -> str:
    """A DOI carried by a link (doi.org or a ``doi=`` query parameter), else ""."""
    match = _DOI_IN_URL.search(url or "")
    if match is None:
        return ""
    found = doi(unquote(match.group(1)))
    # Cochrane CENTRAL links are DOIs of the CENTRAL record, not of the article.
    return "" if found.startswith("10.1002/central/") else found


def year(value: str) -> int | None:
    """The publication year in a messy date: "2020 Mar-Apr", "2019///", "2021/05/03", "DEC 16 2020"."""
    if len(value) == 4 and value.isascii() and value.isdigit():  # the usual plain "2020"
        found = int(value)
        return found if 1500 <= found <= _LATEST_YEAR else None
    compact = _COMPACT_DATE.match(value)
    match = compact or _YEAR.search(value)
    if match is None:
        return None
    found = int(match.group(1))
    return found if found <= _LATEST_YEAR else None


def pages(start: str, end: str = "") -> str:
    """One page range "123-130" from a start and end, expanding MEDLINE's short form "123-30"."""
    start, end = start.strip(), end.strip()
    if start.isdigit() and end.isdigit() and len(end) >= len(start):  # the usual "123", "130"
        return start if start == end else f"{start}-{end}"
    start, end = _PAGE_DASHES.sub("-", clean(start)), clean(end)
    if "-" in start:
        start, _, inner_end = start.partition("-")
        end = inner_end or end
    if not end or end == start:
        return start
    if not start:
        return end
    if start.isdigit() and end.isdigit() and len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return f"{start}-{end}"


def registry_ids(text: str) -> list[str]:
    """Every ClinicalTrials.gov id (NCT + 8 digits) in ``text``, first occurrence order, no repeats."""
    found = _NCT.findall(text)
    if not found:
        return []
    return list(dict.fromkeys("NCT" + digits for digits in found))


def pmid(value: str) -> str:
    """A PubMed id if ``value`` is one (1-8 digits only), else ""."""
    value = value.strip()
    return value if _PMID.match(value) else ""


def split_list(value: str, separators: str = ";") -> list[str]:
    """Split a delimited list ("a; b; c"), cleaning each item and dropping empty ones."""
    items = [value]
    for sep in separators:
        items = [piece for item in items for piece in item.split(sep)]
    return [cleaned for cleaned in map(clean, items) if cleaned]
