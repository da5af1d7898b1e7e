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
import shutil
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from ..models import Review
from ..services.audit import event_log
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

CHUNK = 1024 * 1024  # bytes read at a time when copying or checksumming a stored file

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
    writing a backup, from the zip when restoring one), never the bytes."""

    data: dict
    files: dict[str, Opener] = field(default_factory=dict)

    @property
    def is_zip(self) -> bool:
        return bool(self.files)

    def open(self, name: str) -> AbstractContextManager[IO[bytes]]:
        """`with backup.open(name) as handle:` reads one stored file."""
        return self.files[name]()

    def write(self, out: IO[bytes]) -> None:
        """Write the backup to a binary file: the JSON, or a zip of it and the files copied in chunks."""
        text = json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if not self.files:
            out.write(text)
            return
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(JSON_NAME, text)
            for name in self.files:
                with (
                    self.open(name) as source,
                    archive.open(FILES_DIR + name, "w", force_zip64=True) as member,
                ):
                    shutil.copyfileobj(source, member, CHUNK)


def backup_save(*, backup: Backup, path: str | os.PathLike[str]) -> None:
    """Write the backup to `path` only when complete: into `path.part` (mode 0600, same directory), then
    renamed onto `path`. On any error the part file is removed and `path` is left as it was."""
    target = Path(path)
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)  # a leftover of an interrupted run: recreated with our mode
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            backup.write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def backup_build(review: Review) -> Backup:
    """Everything of the review, read in one repeatable snapshot (a transaction)."""
    plans = backup_plan()
    review_plan = ModelPlan(Review, _label(Review), "pk", fks={"created_by_id": "user"})
    with transaction.atomic():
        fresh = Review.objects.get(pk=review.pk)  # the row as stored, not a caller's stale copy
        tables = {_label(Review): [_row(fresh, review_plan)]}
        for plan in plans:
            rows = plan.model._default_manager.filter(**{plan.review_path: review}).order_by("pk")
            tables[plan.label] = [_row(obj, plan) for obj in rows.iterator(2000)]
        files, digests, missing = _files(plans, tables)
        users = _users([review_plan, *plans], tables)
    data = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "review": review.slug,
        "fields": {label: list(rows[0]) if rows else [] for label, rows in tables.items()},
        "counts": {label: len(rows) for label, rows in tables.items()},
        "users": users,
        "files": digests,
        "missing_files": missing,
        "tables": tables,
    }
    return Backup(data=data, files=files)


def _files(plans: list[ModelPlan], tables: dict) -> tuple[dict[str, Opener], dict[str, str], list[str]]:
    """The stored files the rows name: how to open each, its checksum (read in chunks), and the names
    whose file cannot be read (kept by name only)."""
    files: dict[str, Opener] = {}
    digests: dict[str, str] = {}
    missing: list[str] = []
    for plan in plans:
        for attname in plan.files:
            storage = plan.model._meta.get_field(attname).storage
            for row in tables[plan.label]:
                name = row[attname]
                if not name or name in files or name in missing:
                    continue
                opener = partial(storage.open, name, "rb")
                try:
                    with opener() as handle:
                        digests[name] = _sha256(handle)
                except OSError:
                    missing.append(name)
                    continue
                files[name] = opener
    return files, digests, missing


def _sha256(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


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


@transaction.atomic
def review_backup(*, review: Review, actor=None) -> Backup:
    """A backup of the review, and an audit event saying who took it."""
    backup = backup_build(review)
    event_log(
        review=review,
        actor=actor,
        verb="review.backed_up",
        rows=sum(backup.data["counts"].values()),
        files=len(backup.files),
    )
    return backup


# --- reading and checking -----------------------------------------------------------------------------


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
            backup = Backup(data=_parse(handle.read()))
            _check(backup)
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
    names = set(archive.namelist())
    if JSON_NAME not in names:
        raise BackupError(f"Not a review backup: the zip has no {JSON_NAME}.")
    with _member(archive, JSON_NAME) as member:
        data = _parse(member.read())
    # only the files the JSON lists: any other member of the zip is ignored
    listed = data.get("files") if isinstance(data, dict) else None
    files = {
        name: partial(_member, archive, FILES_DIR + name)
        for name in (listed if isinstance(listed, dict) else {})
        if FILES_DIR + name in names
    }
    backup = Backup(data=data, files=files)
    _check(backup)
    return backup


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


def _check(backup: Backup) -> None:
    data = backup.data
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError("Not a review backup (the file has no reviewapp backup header).")
    if data.get("version") != VERSION:
        raise BackupError(
            f"Backup format version {data.get('version')!r} is not supported (expected {VERSION})."
        )
    for key in ("tables", "counts", "fields", "users", "files"):
        if key not in data:
            raise BackupError(f"The backup has no '{key}' section: truncated or edited.")
    tables, counts = data["tables"], data["counts"]
    expected = [_label(Review), *(plan.label for plan in backup_plan())]
    for label in expected:
        if label not in tables:
            raise BackupError(f"The backup has no table {label}: made by another version of the app?")
        held, said = len(tables[label]), counts.get(label)
        if held != said:
            raise BackupError(f"{label}: the backup holds {held} rows but says {said}: truncated.")
        _check_fields(label, data["fields"].get(label, []))
    unknown = sorted(set(tables) - set(expected))
    if unknown:
        raise BackupError(f"The backup has tables this app does not know: {', '.join(unknown)}.")
    if len(tables[_label(Review)]) != 1:
        raise BackupError("The backup must hold exactly one review.")
    for name, digest in data["files"].items():
        if name not in backup.files:
            raise BackupError(f"The file {name} is missing from the backup.")
        with backup.open(name) as handle:
            if _sha256(handle) != digest:
                raise BackupError(f"The file {name} in the backup is damaged (checksum differs).")


def _check_fields(label: str, names: list[str]) -> None:
    if not names:
        return
    model = apps.get_model(label)
    have = {f.attname for f in model._meta.concrete_fields}
    extra, missing = sorted(set(names) - have), sorted(have - set(names))
    if extra or missing:
        raise BackupError(
            f"{label}: the backup's columns differ from this database's "
            f"(unknown: {', '.join(extra) or '-'}; missing: {', '.join(missing) or '-'}). "
            "Restore with the app version that made it."
        )
