"""Importing exported search results: all-or-nothing, streamed, with progress.

`import_start` stores the upload and queues `import_run`, which parses the file as a stream and writes
the records in one transaction (COPY on PostgreSQL, batched inserts elsewhere). A file that fails to
parse adds nothing; its batch is marked failed with the file, line/entry and reason.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from .. import jobs
from ..importers import ParsedRecord, ParseError, detect_format, parse
from ..importers.base import FORMATS
from ..jobs import JobStatus
from ..models import ImportBatch, Review, SearchSource
from ..uploads import upload_name, upload_size
from .audit import event_log
from .changes import records_changed
from .duplicates import duplicates_find
from .record_copy import write_records
from .rounds import round_latest

log = logging.getLogger(__name__)
PROGRESS_EVERY = 2000
CHUNK = 1024 * 1024


IMPORT_TASK = "reviewapp.import_records"


def import_progress(batch: ImportBatch) -> dict:
    """What the progress bar shows: fraction of the file read and records parsed so far (kept in the
    batch's row by the job machinery, so every web process sees it; a dead import shows as failed)."""
    batch = jobs.job_refresh(batch)
    if batch.status == JobStatus.SUCCEEDED:
        done = {"status": batch.status, "fraction": 1.0, "records": batch.records_count}
        for key in ("duplicates_merged", "pairs_to_decide"):  # an update round's own duplicate search
            if key in (batch.progress or {}):
                done[key] = batch.progress[key]
        return done
    if batch.status == JobStatus.FAILED:
        return {"status": batch.status, "fraction": 0.0, "records": 0, "error": batch.error}
    live = jobs.progress_of(batch)
    shown = {
        "status": batch.status,
        "fraction": jobs.fraction(live.get("bytes", 0), batch.size),
        "records": live.get("records", 0),
    }
    if "total" in live:  # an update round: the file is read, its records are being compared
        shown["comparing"] = jobs.fraction(live.get("done"), live["total"])
    return shown


def _require_within_limit(fileobj: BinaryIO, file_name: str) -> None:
    """IMPORT_MAX_BYTES holds for every way in (page, API, command), not only the upload form."""
    limit, size = settings.IMPORT_MAX_BYTES, upload_size(fileobj)
    if size > limit:
        raise ValidationError(
            {
                "file": f"{file_name} is {filesizeformat(size)}; "
                f"the limit is {filesizeformat(limit)} (IMPORT_MAX_BYTES)."
            }
        )


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
    enqueue: bool = True,
) -> ImportBatch:
    """Validate and store an uploaded export, and queue its import (unless `enqueue` is False: the
    caller runs it, as import_file_now does). Raises ValidationError."""
    if source.review_id != review.pk:
        raise ValidationError({"source": "That source belongs to another review."})
    if fmt != "auto" and fmt not in FORMATS:
        raise ValidationError({"format": f"Unknown format '{fmt}'; use auto or one of {', '.join(FORMATS)}."})
    upload_name(file_name)
    _require_within_limit(fileobj, file_name)
    sha256, head, size = _sha256_and_head(fileobj)
    try:
        detected = detect_format(head, file_name) if fmt == "auto" else fmt
    except ParseError as exc:
        exc.filename = exc.filename or file_name
        raise ValidationError({"file": exc.message}) from exc
    # Lock the source so two simultaneous uploads of one file cannot both pass the check.
    SearchSource.objects.select_for_update().filter(pk=source.pk).first()
    jobs.job_fail_stale(ImportBatch, source=source)  # a killed import must not block this file forever
    earlier = (
        ImportBatch.objects.filter(source=source, sha256=sha256).exclude(status=JobStatus.FAILED).first()
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
        round=round_latest(review),
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
    if enqueue:
        jobs.job_enqueue(IMPORT_TASK, batch.pk, job=batch)
    return batch


def import_run(*, batch_id: int) -> ImportBatch:
    """Parse and store one queued import. Safe to run twice: only the first claim runs it."""
    batch = jobs.job_claim(ImportBatch, batch_id)
    if batch is None:
        return ImportBatch.objects.get(pk=batch_id)
    try:
        count = _import_all_or_nothing(batch)
    except ParseError as exc:
        exc.filename = exc.filename or batch.file_name
        return _fail(batch, exc.message, exc.line)
    except Exception as exc:
        # Never leave a batch "running": it would block re-importing the same file.
        _fail(batch, f"{batch.file_name}: the import stopped unexpectedly ({exc}); nothing was added.", None)
        raise
    log.info("import %s: %s records", batch.pk, count)
    return ImportBatch.objects.get(pk=batch_id)


def _fail(batch: ImportBatch, message: str, line: int | None) -> ImportBatch:
    with transaction.atomic():
        jobs.job_fail(batch, message, error_line=line, records_count=0)
        event_log(
            review=batch.review,
            actor=batch.created_by,
            verb="import.failed",
            batch=batch,
            file=batch.file_name,
            error=message,
        )
    return ImportBatch.objects.get(pk=batch.pk)


class _Superseded(Exception):
    """The batch stopped being ours while it ran (its lease expired and it was marked failed)."""


def _import_all_or_nothing(batch: ImportBatch) -> int:
    with transaction.atomic():
        batch = ImportBatch.objects.select_related("review", "source", "created_by", "round").get(pk=batch.pk)
        with batch.file.open("rb") as handle:
            counted = _CountingReader(handle, batch)
            records = parse(counted, filename=batch.file_name, fmt=batch.format or "auto")
            count = write_records(batch, _tracked(records, counted))
        if count == 0:
            raise ParseError("the file contains no records", filename=batch.file_name)
        dedup = _deduplicate_update(batch, count)
        progress = {"bytes": batch.size, "records": count, **dedup}
        if not jobs.job_succeed(batch, records_count=count, progress=progress):
            raise _Superseded(f"{batch.file_name}: the import took longer than its lease; nothing was added.")
        records_changed(review=batch.review)
        event_log(
            review=batch.review,
            actor=batch.created_by,
            verb="import.succeeded",
            batch=batch,
            file=batch.file_name,
            source=batch.source.name,
            records=count,
            format=batch.format,
            **dedup,
        )
    return count


def _deduplicate_update(batch: ImportBatch, count: int) -> dict:
    """An update's records are compared with everything already in the review (screened records
    included) in the import's own transaction, so a record already in the review never reaches a
    screening queue: it is merged onto the record that is there (which keeps its votes), or waits for a
    person among the pairs to decide. The first round's imports wait for "Find duplicates" as before."""
    if batch.round is None or not batch.round.is_update:
        return {}

    def progress(done: int, total: int) -> None:
        jobs.job_progress(batch, bytes=batch.size, records=count, done=done, total=total)

    found = duplicates_find(review=batch.review, actor=batch.created_by, progress=progress)
    return {"duplicates_merged": found["auto_merged"], "pairs_to_decide": found["queued_for_review"]}


class _CountingReader:
    """A read-only file wrapper that knows how far the parser has read, for the progress bar."""

    def __init__(self, handle: BinaryIO, batch: ImportBatch):
        self._handle = handle
        self.batch = batch
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
            jobs.job_progress(reader.batch, bytes=reader.bytes_read, records=number)
        yield record


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
            enqueue=False,
        )
    return import_run(batch_id=batch.pk)


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
