"""Upper bounds on what one imported field may hold (pure Python, no Django).

Imported text is untrusted. A 30 MB "title" is no title: stored, it made every page that lists the
record 60 MB large. The bounds sit far above anything a real database export holds (the longest titles
in the shared real exports are under 700 characters, abstracts under 15,000; EndNote's issue field
holds up to 170), so a file that passes
them is imported unchanged and one that does not is refused whole, naming the entry and the field.
"""

from __future__ import annotations

from .base import ParsedRecord, ParseError

TEXT_LIMITS = {
    "title": 4_000,
    "abstract": 100_000,
    "journal": 1_000,
    "volume": 1_000,
    "issue": 1_000,
    "pages": 1_000,
    "doi": 300,
    "pmid": 100,
    "language": 1_000,
    "publication_type": 1_000,
    "url": 4_000,
    "source_key": 500,
}
LIST_LIMITS = {  # field: (items at most, characters per item at most)
    "authors": (10_000, 1_000),
    "keywords": (2_000, 1_000),
    "registry_ids": (500, 100),
}
RAW_LIMIT = 1_000_000
# Every field is derived from the raw entry, so an entry whose raw text is shorter than the smallest
# text bound of the fields that can grow long cannot break any bound: most entries skip the checks.
_FAST_PATH = 100  # = the smallest bound in TEXT_LIMITS and LIST_LIMITS


def check_record(record: ParsedRecord, filename: str) -> ParsedRecord:
    """The record unchanged, or a ParseError naming the entry's line, the field and its size."""
    if len(record.raw) <= _FAST_PATH:
        return record
    if len(record.raw) > RAW_LIMIT:
        _refuse(record, filename, "entry", len(record.raw), RAW_LIMIT)
    for name, limit in TEXT_LIMITS.items():
        size = len(getattr(record, name))
        if size > limit:
            _refuse(record, filename, name, size, limit)
    for name, (most, each) in LIST_LIMITS.items():
        items = getattr(record, name)
        if len(items) > most:
            raise ParseError(
                f"the entry's {name} list has {len(items):,} items, more than the {most:,} a real "
                "record has; the file is damaged or is not a bibliographic export",
                filename=filename,
                line=record.line or None,
            )
        for item in items:
            if len(item) > each:
                _refuse(record, filename, f"{name[:-1]} '{item[:30]}…'", len(item), each)
    return record


def _refuse(record: ParsedRecord, filename: str, what: str, size: int, limit: int) -> None:
    raise ParseError(
        f"the entry's {what} is {size:,} characters long, over the limit of {limit:,}; the file is "
        "damaged or is not a bibliographic export",
        filename=filename,
        line=record.line or None,
    )
