"""Export every record of a review (JSON or CSV), streamed so a large review never sits in memory."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator

from ..models import CITATION_FIELDS, Record, Review
from ..spreadsheet import safe_row

FIELDS = (
    "id",
    "source_key",
    "sources",
    "status",
    "duplicate_of",
    "duplicate_of_id",
    "removed_reason",
    "removed_note",
    *CITATION_FIELDS,
    "import_file",
    "position",
)


def _sources_by_canonical(review: Review) -> dict[int, set[str]]:
    names: dict[int, set[str]] = defaultdict(set)
    for rid, dup_of, name in (
        Record.objects.filter(review=review)
        .values_list("id", "duplicate_of_id", "source__name")
        .iterator(5000)
    ):
        names[dup_of or rid].add(name)
    return names


def export_rows(review: Review, records=None) -> Iterator[dict]:
    """One dict per record of the review (or of `records`, a queryset of them, e.g. a filtered list)."""
    sources = _sources_by_canonical(review)
    keys = dict(
        Record.objects.filter(review=review, duplicates__isnull=False)
        .values_list("id", "source_key")
        .distinct()
    )
    records = (
        (Record.objects.filter(review=review) if records is None else records.filter(review=review))
        .select_related("source", "batch")
        .defer("raw")
        .order_by("id")
        .iterator(2000)
    )
    for record in records:
        status = "duplicate" if record.duplicate_of_id else ("removed" if record.removed_reason else "active")
        own = {record.source.name}
        yield {
            "id": record.pk,
            "source_key": record.source_key,
            "sources": sorted(own if record.duplicate_of_id else sources.get(record.pk, own)),
            "status": status,
            "duplicate_of": keys.get(record.duplicate_of_id, "") if record.duplicate_of_id else "",
            "duplicate_of_id": record.duplicate_of_id,
            "removed_reason": record.removed_reason,
            "removed_note": record.removed_note,
            "title": record.title,
            "authors": record.authors,
            "year": record.year,
            "journal": record.journal,
            "volume": record.volume,
            "issue": record.issue,
            "pages": record.pages,
            "doi": record.doi,
            "pmid": record.pmid,
            "registry_ids": record.registry_ids,
            "keywords": record.keywords,
            "abstract": record.abstract,
            "language": record.language,
            "publication_type": record.publication_type,
            "url": record.url,
            "import_file": record.batch.file_name,
            "position": record.position,
        }


def export_review(*, review: Review, fmt: str, out) -> int:
    """Write the review's records to the text stream `out`; returns how many were written."""
    if fmt == "json":
        return _write_json(review, out)
    if fmt == "csv":
        return _write_csv(review, out)
    raise ValueError(f"Unknown export format '{fmt}'; use json or csv.")


def _write_json(review: Review, out) -> int:
    out.write(f'{{"review": {json.dumps(review.slug)}, "title": {json.dumps(review.title)}, "records": [')
    count = 0
    for row in export_rows(review):
        out.write(("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


def _write_csv(review: Review, out) -> int:
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    count = 0
    for row in export_rows(review):
        writer.writerow(safe_row(row[name] for name in FIELDS))
        count += 1
    return count
