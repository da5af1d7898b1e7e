"""Writing a review backup (JSON, or a zip with the stored files) and reading and checking one."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
    data: dict
    files: dict[str, bytes]

    @property
    def is_zip(self) -> bool:
        return bool(self.files)

    def content(self) -> bytes:
        text = json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if not self.files:
            return text
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(JSON_NAME, text)
            for name, content in self.files.items():
                archive.writestr(FILES_DIR + name, content)
        return buffer.getvalue()


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
        files, missing = _files(plans, tables)
        users = _users([review_plan, *plans], tables)
    data = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "review": review.slug,
        "fields": {label: list(rows[0]) if rows else [] for label, rows in tables.items()},
        "counts": {label: len(rows) for label, rows in tables.items()},
        "users": users,
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in files.items()},
        "missing_files": missing,
        "tables": tables,
    }
    return Backup(data=data, files=files)


def _files(plans: list[ModelPlan], tables: dict) -> tuple[dict[str, bytes], list[str]]:
    files: dict[str, bytes] = {}
    missing: list[str] = []
    for plan in plans:
        for attname in plan.files:
            storage = plan.model._meta.get_field(attname).storage
            for row in tables[plan.label]:
                name = row[attname]
                if not name or name in files:
                    continue
                try:
                    with storage.open(name, "rb") as handle:
                        files[name] = handle.read()
                except (FileNotFoundError, OSError):
                    missing.append(name)
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


def backup_read(content: bytes) -> Backup:
    """Parse and check a backup file's bytes; BackupError says what is wrong with it."""
    files: dict[str, bytes] = {}
    if content[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                broken = archive.testzip()
                if broken:
                    raise BackupError(f"The zip is damaged: {broken} fails its checksum.")
                if JSON_NAME not in archive.namelist():
                    raise BackupError(f"Not a review backup: the zip has no {JSON_NAME}.")
                text = archive.read(JSON_NAME)
                for name in archive.namelist():
                    if name.startswith(FILES_DIR) and not name.endswith("/"):
                        files[name[len(FILES_DIR) :]] = archive.read(name)
        except zipfile.BadZipFile as exc:
            raise BackupError(f"The zip is damaged or truncated ({exc}).") from exc
    else:
        text = content
    try:
        data = json.loads(text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BackupError("Not a review backup: the file is neither a zip nor UTF-8 JSON.") from exc
    except json.JSONDecodeError as exc:
        raise BackupError(
            f"Not a complete backup: the JSON is invalid at line {exc.lineno}, column {exc.colno} "
            f"({exc.msg}) — a truncated or edited file?"
        ) from exc
    backup = Backup(data=data, files=files)
    _check(backup)
    return backup


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
        content = backup.files.get(name)
        if content is None:
            raise BackupError(f"The file {name} is missing from the backup.")
        if hashlib.sha256(content).hexdigest() != digest:
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
