"""Importing exported search results: all-or-nothing, streamed, with progress.

`import_start` stores the upload and queues `import_run`, which parses the file as a stream and writes
the records in one transaction (COPY on PostgreSQL, batched inserts elsewhere). A file that fails to
parse adds nothing; its batch is marked failed with the file, line/entry and reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F
from django.db.utils import OperationalError
from django.utils import timezone

from ..importers import ParsedRecord, ParseError, detect_format, parse
from ..importers.base import FORMATS
from ..models import ImportBatch, ImportStatus, Record, Review, SearchSource
from .audit import event_log

log = logging.getLogger(__name__)
PROGRESS_EVERY = 2000
CHUNK = 1024 * 1024
# Column widths of Record's CharFields: real exports sometimes exceed them (e.g. a 300-character
# "issue"), and one over-long value must not fail a 100,000-record import.
_LIMITS = {
    "source_key": 255,
    "volume": 100,
    "issue": 100,
    "pages": 100,
    "doi": 255,
    "pmid": 32,
    "language": 100,
    "publication_type": 255,
}


def progress_key(batch_id: int) -> str:
    return f"import-progress:{batch_id}"


def import_progress(batch: ImportBatch) -> dict:
    """What the progress bar shows: fraction of the file read and records parsed so far."""
    if batch.status == ImportStatus.SUCCEEDED:
        return {"status": batch.status, "fraction": 1.0, "records": batch.records_count}
    if batch.status == ImportStatus.FAILED:
        return {"status": batch.status, "fraction": 0.0, "records": 0, "error": batch.error}
    live = cache.get(progress_key(batch.pk)) or {}
    done = live.get("bytes", 0)
    return {
        "status": batch.status,
        "fraction": round(done / batch.size, 4) if batch.size else 0.0,
        "records": live.get("records", 0),
    }


def _sha256_and_head(fileobj: BinaryIO) -> tuple[str, bytes, int]:
    digest = hashlib.sha256()
    head = b""
    size = 0
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(CHUNK), b""):
        if not head:
            head = chunk[:65536]
        digest.update(chunk)
        size += len(chunk)
    fileobj.seek(0)
    return digest.hexdigest(), head, size


@transaction.atomic
def import_start(
    *,
    review: Review,
    source: SearchSource,
    actor,
    fileobj: BinaryIO,
    file_name: str,
    fmt: str = "auto",
    force: bool = False,
) -> ImportBatch:
    """Validate and store an uploaded export, and queue its import. Raises ValidationError."""
    from ..tasks import import_records_task

    if source.review_id != review.pk:
        raise ValidationError({"source": "That source belongs to another review."})
    if fmt != "auto" and fmt not in FORMATS:
        raise ValidationError({"format": f"Unknown format '{fmt}'; use auto or one of {', '.join(FORMATS)}."})
    sha256, head, size = _sha256_and_head(fileobj)
    try:
        detected = detect_format(head, file_name) if fmt == "auto" else fmt
    except ParseError as exc:
        exc.filename = exc.filename or file_name
        raise ValidationError({"file": exc.message}) from exc
    # Lock the source so two simultaneous uploads of one file cannot both pass the check.
    SearchSource.objects.select_for_update().filter(pk=source.pk).first()
    earlier = (
        ImportBatch.objects.filter(source=source, sha256=sha256).exclude(status=ImportStatus.FAILED).first()
    )
    if earlier and not force:
        raise ValidationError(
            {
                "file": (
                    f"{file_name}: this file (sha256 {sha256[:12]}…) was already imported into "
                    f"'{source.name}' on {earlier.created_at:%Y-%m-%d %H:%M} as '{earlier.file_name}'. "
                    "Import it again only if you mean to (force)."
                )
            }
        )
    batch = ImportBatch(
        review=review,
        source=source,
        file_name=file_name[:255],
        sha256=sha256,
        size=size,
        requested_format=fmt,
        format=detected,
        forced=bool(earlier and force),
        created_by=actor,
    )
    batch.file.save(file_name[-200:], File(fileobj), save=False)
    batch.save()
    event_log(
        review=review,
        actor=actor,
        verb="import.queued",
        batch=batch,
        file=file_name,
        source=source.name,
        format=detected,
        sha256=sha256,
        forced=batch.forced,
    )
    transaction.on_commit(lambda: cache.set(progress_key(batch.pk), {"bytes": 0, "records": 0}, 3600))
    from ..tasking import enqueue

    enqueue(import_records_task, batch.pk)
    return batch


def import_run(*, batch_id: int) -> ImportBatch:
    """Parse and store one queued import. Safe to run twice: a finished batch is left alone."""
    batch = _claim(batch_id)
    if batch is None:
        return ImportBatch.objects.get(pk=batch_id)
    try:
        count = _import_all_or_nothing(batch)
    except ParseError as exc:
        exc.filename = exc.filename or batch.file_name
        return _fail(batch, exc.message, exc.line)
    except OperationalError as exc:
        if "lock" in str(exc).lower():
            return ImportBatch.objects.get(pk=batch_id)  # another worker is on it
        _fail(batch, f"{batch.file_name}: the import stopped unexpectedly ({exc}); nothing was added.", None)
        raise
    except Exception as exc:
        # Never leave a batch "running": it would block re-importing the same file.
        _fail(batch, f"{batch.file_name}: the import stopped unexpectedly ({exc}); nothing was added.", None)
        raise
    cache.delete(progress_key(batch.pk))
    log.info("import %s: %s records", batch.pk, count)
    return ImportBatch.objects.get(pk=batch_id)


def _claim(batch_id: int) -> ImportBatch | None:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("review", "source").get(pk=batch_id)
        if batch.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
            return None
        batch.status = ImportStatus.RUNNING
        batch.started_at = timezone.now()
        batch.save(update_fields=["status", "started_at", "updated_at"])
    return batch


def _fail(batch: ImportBatch, message: str, line: int | None) -> ImportBatch:
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.FAILED,
            error=message,
            error_line=line,
            finished_at=timezone.now(),
            records_count=0,
            updated_at=timezone.now(),
        )
        event_log(
            review=batch.review,
            actor=batch.created_by,
            verb="import.failed",
            batch=batch,
            file=batch.file_name,
            error=message,
        )
    cache.delete(progress_key(batch.pk))
    return ImportBatch.objects.get(pk=batch.pk)


def _import_all_or_nothing(batch: ImportBatch) -> int:
    with transaction.atomic():
        # nowait: a retried task that finds the batch locked leaves it to the worker holding it.
        locked = ImportBatch.objects.select_for_update(nowait=connection.vendor == "postgresql")
        batch = locked.select_related("review", "source").get(pk=batch.pk)
        if batch.status != ImportStatus.RUNNING:
            return batch.records_count
        with batch.file.open("rb") as handle:
            counted = _CountingReader(handle, batch.pk)
            records = parse(counted, filename=batch.file_name, fmt=batch.format or "auto")
            count = _write(batch, _tracked(records, counted))
        if count == 0:
            raise ParseError("the file contains no records", filename=batch.file_name)
        batch.status = ImportStatus.SUCCEEDED
        batch.records_count = count
        batch.finished_at = timezone.now()
        batch.error = ""
        batch.save(update_fields=["status", "records_count", "finished_at", "error", "updated_at"])
        Review.objects.filter(pk=batch.review_id).update(records_version=F("records_version") + 1)
        event_log(
            review=batch.review,
            actor=batch.created_by,
            verb="import.succeeded",
            batch=batch,
            file=batch.file_name,
            source=batch.source.name,
            records=count,
            format=batch.format,
        )
    return count


class _CountingReader:
    """A read-only file wrapper that knows how far the parser has read, for the progress bar."""

    def __init__(self, handle: BinaryIO, batch_id: int):
        self._handle = handle
        self.batch_id = batch_id
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._handle.readline(size)
        self.bytes_read += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        position = self._handle.seek(offset, whence)
        self.bytes_read = position
        return position

    def tell(self) -> int:
        return self._handle.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def __iter__(self):
        for line in self._handle:
            self.bytes_read += len(line)
            yield line


def _tracked(records: Iterable[ParsedRecord], reader: _CountingReader) -> Iterator[ParsedRecord]:
    for number, record in enumerate(records, start=1):
        if number % PROGRESS_EVERY == 0:
            cache.set(progress_key(reader.batch_id), {"bytes": reader.bytes_read, "records": number}, 3600)
        yield record


def _sort_key(seed: int, batch_id: int, position: int) -> int:
    digest = hashlib.blake2b(f"{seed}:{batch_id}:{position}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 2  # fits a signed 64-bit column


def _clean(value: str, field: str | None = None) -> str:
    value = value.replace("\x00", "") if "\x00" in value else value
    limit = _LIMITS.get(field or "")
    return value[:limit] if limit else value


RECORD_COLUMNS = (
    "review_id",
    "source_id",
    "batch_id",
    "position",
    "source_key",
    "raw",
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "registry_ids",
    "keywords",
    "language",
    "publication_type",
    "url",
    "sort_key",
    "removed_reason",
    "removed_note",
    "created_at",
    "updated_at",
)


def _row(batch: ImportBatch, position: int, rec: ParsedRecord, now) -> tuple:
    year = rec.year if rec.year is not None and -32768 < rec.year < 32768 else None
    return (
        batch.review_id,
        batch.source_id,
        batch.pk,
        position,
        _clean(rec.source_key, "source_key"),
        _clean(rec.raw),
        _clean(rec.title),
        _clean(rec.abstract),
        json.dumps([_clean(a) for a in rec.authors]),
        year,
        _clean(rec.journal),
        _clean(rec.volume, "volume"),
        _clean(rec.issue, "issue"),
        _clean(rec.pages, "pages"),
        _clean(rec.doi, "doi"),
        _clean(rec.pmid, "pmid"),
        json.dumps(rec.registry_ids),
        json.dumps([_clean(k) for k in rec.keywords]),
        _clean(rec.language, "language"),
        _clean(rec.publication_type, "publication_type"),
        _clean(rec.url),
        _sort_key(batch.review.seed, batch.pk, position),
        "",
        "",
        now,
        now,
    )


def _write(batch: ImportBatch, records: Iterable[ParsedRecord]) -> int:
    now = timezone.now()
    if connection.vendor != "postgresql":
        now = connection.ops.adapt_datetimefield_value(now)
    rows = (_row(batch, position, rec, now) for position, rec in enumerate(records, start=1))
    if connection.vendor == "postgresql":
        return _write_copy(rows)
    return _write_batches(rows)


def _write_copy(rows: Iterable[tuple]) -> int:
    """COPY is 3-6x faster than bulk_create (PERFORMANCE.md). A producer thread parses the next rows
    while this thread waits on the socket for PostgreSQL, so both cores stay busy."""
    table = Record._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        raw_cursor = cursor.cursor
        with raw_cursor.copy(f"COPY {table} ({', '.join(RECORD_COLUMNS)}) FROM STDIN") as copy:
            for chunk in _prefetched(rows):
                for row in chunk:
                    copy.write_row(row)
                count += len(chunk)
    return count


_DONE = object()


def _prefetched(rows: Iterable[tuple], size: int = 500, depth: int = 8) -> Iterator[list[tuple]]:
    """Yield `rows` in chunks produced by a background thread; re-raise its error here."""
    chunks: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            chunk: list[tuple] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= size:
                    chunks.put(chunk)
                    chunk = []
                    if stop.is_set():
                        return
            chunks.put(chunk)
            chunks.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            chunks.put(exc)

    thread = threading.Thread(target=produce, name="import-parse", daemon=True)
    thread.start()
    try:
        while (item := chunks.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                chunks.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def _write_batches(rows: Iterable[tuple], size: int = 1000) -> int:
    table = Record._meta.db_table
    placeholders = ", ".join(["%s"] * len(RECORD_COLUMNS))
    sql = f"INSERT INTO {table} ({', '.join(RECORD_COLUMNS)}) VALUES ({placeholders})"
    count = 0
    chunk: list[tuple] = []
    with connection.cursor() as cursor:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= size:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk.clear()
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def import_file_now(
    *,
    review: Review,
    source: SearchSource,
    actor,
    path: str,
    fmt: str = "auto",
    force: bool = False,
) -> ImportBatch:
    """Import a file from disk and wait for the result (management command, demo loader)."""
    import os

    with open(path, "rb") as handle:
        batch = import_start(
            review=review,
            source=source,
            actor=actor,
            fileobj=handle,
            file_name=os.path.basename(path),
            fmt=fmt,
            force=force,
        )
    batch = ImportBatch.objects.get(pk=batch.pk)
    if batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        batch = import_run(batch_id=batch.pk)
    return batch


# --- Added for the browser pages (reviewapp/views/) ---------------------------------------------------------


@transaction.atomic
def import_start_many(
    *,
    review: Review,
    source: SearchSource,
    actor,
    files,
    fmt: str = "auto",
    force: bool = False,
) -> list[ImportBatch]:
    """Start several uploads as one: if any file is refused, none is queued.

    `files` are (file object, file name) pairs. Every refused file is reported (each message names its file).
    """
    batches, errors = [], []
    for fileobj, file_name in files:
        try:
            with transaction.atomic():
                batches.append(
                    import_start(
                        review=review,
                        source=source,
                        actor=actor,
                        fileobj=fileobj,
                        file_name=file_name,
                        fmt=fmt,
                        force=force,
                    )
                )
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"file": errors})
    return batches
