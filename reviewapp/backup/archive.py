"""Writing a review backup (JSON, or a zip with the stored files) and reading and checking one.

Stored files never sit in memory whole: a `Backup` names them and opens them when written (from storage)
or restored (from the zip), and every copy and checksum goes through `CHUNK`-sized reads. The JSON part
(rows, users, checksums) is held in memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from ..models import Review
from ..services.audit import event_log
from .check import CHUNK, backup_check, review_plan
from .plan import (
    FILES_DIR,
    FORMAT,
    JSON_NAME,
    USER_FIELDS,
    VERSION,
    BackupError,
    ModelPlan,
    _label,
    backup_plan,
)

Opener = Callable[[], AbstractContextManager[IO[bytes]]]
Source = str | os.PathLike[str] | IO[bytes]


def _dump(value: Any) -> Any:
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: models.Model, plan: ModelPlan) -> dict:
    return {f.attname: _dump(f.value_from_object(obj)) for f in plan.model._meta.concrete_fields}


@dataclass
class Backup:
    """The backup's JSON document and its files: stored name -> how to open the file (from storage when
    writing a backup, from the zip when restoring one), never the bytes.

    Writing fills in `data["files"]` (name -> sha256) and `data["file_sizes"]` from the bytes actually
    copied, so the checksums always describe the zip's members; a file that cannot be opened any more is
    moved to `data["missing_files"]` (name -> reason) instead of failing the backup."""

    data: dict
    files: dict[str, Opener] = field(default_factory=dict)

    @property
    def is_zip(self) -> bool:
        return bool(self.files)

    def open(self, name: str) -> AbstractContextManager[IO[bytes]]:
        """`with backup.open(name) as handle:` reads one stored file."""
        return self.files[name]()

    def write(self, out: IO[bytes]) -> None:
        """Write the backup to a binary file: the JSON, or a zip of the files (copied and checksummed in
        chunks, one read each) and then the JSON, last, holding those checksums."""
        if not self.files:
            out.write(self._json())
            return
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in list(self.files):
                self._copy(archive, name)
            archive.writestr(JSON_NAME, self._json())

    def _copy(self, archive: zipfile.ZipFile, name: str) -> None:
        with ExitStack() as stack:
            try:
                source = stack.enter_context(self.open(name))
            except OSError as exc:  # deleted or unreadable since the rows were read: kept by name only
                self.data["files"].pop(name, None)
                self.data["missing_files"][name] = exc.strerror or str(exc)
                return
            member = stack.enter_context(archive.open(FILES_DIR + name, "w", force_zip64=True))
            digest, size = hashlib.sha256(), 0
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                member.write(chunk)
                size += len(chunk)
        self.data["files"][name] = digest.hexdigest()
        self.data["file_sizes"][name] = size
        self.data["missing_files"].pop(name, None)

    def _json(self) -> bytes:
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def backup_save(*, backup: Backup, path: str | os.PathLike[str]) -> None:
    """Write the backup to `path` only when complete: into a part file of its own (mode 0600, same
    directory, a unique name so two runs to one path never share it), then renamed onto `path`. On any
    error the part file is removed and `path` is left as it was."""
    target = Path(path)
    fd, part = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            backup.write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, target)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise


def _repeatable_read() -> None:
    """On PostgreSQL, a backup's reads see one snapshot (REPEATABLE READ): under the default READ
    COMMITTED a vote committed while the backup reads would be in it without its record, and the backup
    could not be restored. Called first in the transaction the backup opened."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def backup_build(review: Review) -> Backup:
    """Everything of the review, read in one repeatable snapshot (a transaction). The stored files are
    only named here; `Backup.write` reads each once, copying and checksumming it."""
    plans = backup_plan()
    own = review_plan()
    outermost = not connection.in_atomic_block  # else the caller's transaction (and isolation) holds
    with transaction.atomic():
        if outermost:
            _repeatable_read()
        fresh = Review.objects.get(pk=review.pk)  # the row as stored, not a caller's stale copy
        tables = {_label(Review): [_row(fresh, own)]}
        for plan in plans:
            rows = plan.model._default_manager.filter(**{plan.review_path: review}).order_by("pk")
            tables[plan.label] = [_row(obj, plan) for obj in rows.iterator(2000)]
        users = _users([own, *plans], tables)
    files, missing = _files(plans, tables)
    data = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "review": fresh.slug,
        "fields": {label: list(rows[0]) if rows else [] for label, rows in tables.items()},
        "counts": {label: len(rows) for label, rows in tables.items()},
        "users": users,
        "files": {},  # name -> sha256, filled in while each file is copied into the zip
        "file_sizes": {},
        "missing_files": missing,
        "tables": tables,
    }
    return Backup(data=data, files=files)


def _files(plans: list[ModelPlan], tables: dict) -> tuple[dict[str, Opener], dict[str, str]]:
    """The stored files the rows name: how to open each, and the names whose file is not in storage
    (kept by name only, with the reason)."""
    files: dict[str, Opener] = {}
    missing: dict[str, str] = {}
    for plan in plans:
        for attname in plan.files:
            storage = plan.model._meta.get_field(attname).storage
            for row in tables[plan.label]:
                name = row[attname]
                if not name or name in files or name in missing:
                    continue
                if storage.exists(name):
                    files[name] = partial(storage.open, name, "rb")
                else:
                    missing[name] = "not in storage"
    return files, missing


def _users(plans: list[ModelPlan], tables: dict) -> list[dict]:
    ids = {
        row[attname]
        for plan in plans
        for attname, target in plan.fks.items()
        if target == "user"
        for row in tables[plan.label]
        if row[attname] is not None
    }
    User = get_user_model()
    return [
        {"id": user.pk, **{name: getattr(user, name) for name in USER_FIELDS}}
        for user in User.objects.filter(pk__in=ids).order_by("pk")
    ]


def review_backup_write(
    *, review: Review, out: IO[bytes] | str | os.PathLike[str], actor=None, backup: Backup | None = None
) -> Backup:
    """Build the review's backup (or take one built already), write it to a binary file or, complete or
    not at all, to a path (`backup_save`); then log who took it. No event for a backup that failed."""
    backup = backup or backup_build(review)
    if isinstance(out, str | os.PathLike):
        backup_save(backup=backup, path=out)
    else:
        backup.write(out)
    missing = sorted(backup.data["missing_files"])
    event_log(
        review=review,
        actor=actor,
        verb="review.backed_up",
        rows=sum(backup.data["counts"].values()),
        files=len(backup.data["files"]),
        **({"files_missing": missing} if missing else {}),
    )
    return backup


# --- reading ---------------------------------------------------------------------------------------------


@contextmanager
def backup_read(source: Source) -> Iterator[Backup]:
    """Open and check a backup (a path, or a seekable binary file such as an upload's temporary file);
    BackupError says what is wrong with it. A zip's files are checksummed in chunks here and opened from
    the zip by the restore, so the source stays open inside the `with` block."""
    with _opened(source) as handle:
        handle.seek(0)
        head = handle.read(4)
        handle.seek(0)
        if head != b"PK\x03\x04":
            backup = Backup(data=_parse(_read_json(handle, JSON_NAME)))
            backup_check(backup)
            yield backup
            return
        try:
            with zipfile.ZipFile(handle) as archive:
                backup = _read_zip(archive)
                yield backup
        except zipfile.BadZipFile as exc:
            raise BackupError(f"The zip is damaged or truncated ({exc}).") from exc


@contextmanager
def _opened(source: Source) -> Iterator[IO[bytes]]:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            yield handle
    else:
        yield source  # the caller's file: the caller closes it


def _read_zip(archive: zipfile.ZipFile) -> Backup:
    """The zip's JSON (wherever it is among the members: older backups put it first) and its files."""
    names = set(archive.namelist())
    if JSON_NAME not in names:
        raise BackupError(f"Not a review backup: the zip has no {JSON_NAME}.")
    _refuse_oversized(archive.getinfo(JSON_NAME).file_size)  # before inflating it: a zip bomb?
    with _member(archive, JSON_NAME) as member:
        data = _parse(_read_json(member, JSON_NAME))
    # only the files the JSON lists: any other member of the zip is ignored
    listed = data.get("files") if isinstance(data, dict) else None
    files = {
        name: partial(_member, archive, FILES_DIR + name)
        for name in (listed if isinstance(listed, dict) else {})
        if isinstance(name, str) and FILES_DIR + name in names
    }
    backup = Backup(data=data, files=files)
    backup_check(backup)
    return backup


def _refuse_oversized(size: int) -> None:
    limit = settings.BACKUP_JSON_MAX_BYTES
    if size > limit:
        raise BackupError(
            f"The backup's {JSON_NAME} is {size} bytes, more than BACKUP_JSON_MAX_BYTES ({limit} bytes) "
            "allows: refused without reading it."
        )


def _read_json(handle: IO[bytes], name: str) -> bytes:
    """At most BACKUP_JSON_MAX_BYTES of the JSON: a zip member whose header lies about its size, or a
    plain file, is cut off and refused rather than read into memory whole."""
    text = handle.read(settings.BACKUP_JSON_MAX_BYTES + 1)
    _refuse_oversized(len(text))
    return text


@contextmanager
def _member(archive: zipfile.ZipFile, name: str) -> Iterator[IO[bytes]]:
    """A member opened for reading; a CRC error while reading it is the zip's damage, named."""
    try:
        with archive.open(name) as member:
            member.size = archive.getinfo(name).file_size  # type: ignore[attr-defined]  # for File.size
            yield member
    except zipfile.BadZipFile as exc:
        if "CRC" not in str(exc):
            raise
        raise BackupError(f"The zip is damaged: {name} fails its checksum.") from exc


def _parse(text: bytes) -> Any:
    try:
        return json.loads(text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BackupError("Not a review backup: the file is neither a zip nor UTF-8 JSON.") from exc
    except json.JSONDecodeError as exc:
        raise BackupError(
            f"Not a complete backup: the JSON is invalid at line {exc.lineno}, column {exc.colno} "
            f"({exc.msg}) — a truncated or edited file?"
        ) from exc
