"""Lossless backup and restore of one review: every row of every model in `registry.BACKUP_MODELS`, the
users they name, and the stored files (import files, full-text PDFs).

The walk is generic: each app registers its models (`registry.backup_models`), and the plan below finds
for each one its path to the review (`review`, or through a foreign key to another backed-up model, like
`form__review`), its foreign keys, its file fields and the order rows must be written in (a foreign key's
target first; a key to the model itself is set in a second pass). A model that reaches a review but is
neither registered nor skipped on purpose (`registry.backup_skip`, for derived tables such as the screening
work list) makes every backup fail, so a new model cannot be left out silently.

Format: a JSON document (`backup.json`), or a zip holding it and the files under `files/`. Rows keep their
old ids; a restore writes new rows (new ids) and renumbers every reference: foreign keys, the integer id
columns registered with `ids=`, and the audit-event data keys of `registry.backup_event_ids`. Users are
matched by username; a user missing from the database is created inactive, with no usable password, so an
owner must reactivate them (`manage.py changepassword`). Timestamps (created_at, updated_at, ...) are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone

from . import registry
from .models import Review
from .services.audit import event_log

FORMAT = "reviewapp-review-backup"
VERSION = 1
JSON_NAME = "backup.json"
FILES_DIR = "files/"
EVENT_MODEL = "reviewapp.AuditEvent"
USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active")


class BackupError(Exception):
    """A backup that cannot be written or restored; the message says why, and nothing was changed."""


@dataclass
class ModelPlan:
    model: type[models.Model]
    label: str
    review_path: str
    fks: dict[str, str] = field(default_factory=dict)  # attname -> target label ("user", "review", ...)
    deferred: list[str] = field(default_factory=list)  # attnames set after every row exists
    files: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def attnames(self) -> list[str]:
        return [f.attname for f in self.model._meta.concrete_fields]


def _label(model) -> str:
    return model._meta.label


def _is_user(model) -> bool:
    return model is get_user_model()


def reaches_review(model, seen: frozenset = frozenset()) -> bool:
    """Whether a model's rows belong to a review through its foreign keys."""
    for f in model._meta.concrete_fields:
        target = f.related_model if f.is_relation else None
        if target is Review:
            return True
        followed = target is not None and target not in seen and target is not model and not _is_user(target)
        if followed and reaches_review(target, seen | {model}):
            return True
    return False


def coverage_problems() -> list[str]:
    """Models that reach a review but are neither backed up nor skipped, and registered labels that name
    no model. Empty when the registry is complete."""
    problems = []
    for label in [*registry.BACKUP_MODELS, *registry.BACKUP_SKIPPED]:
        try:
            apps.get_model(label)
        except LookupError:
            problems.append(f"{label} is registered for backups but is no model")
    for model in apps.get_models():
        label = _label(model)
        if model is Review or label in registry.BACKUP_MODELS or label in registry.BACKUP_SKIPPED:
            continue
        if reaches_review(model):
            problems.append(f"{label} belongs to reviews but is not in backups (registry.backup_models)")
    return problems


def backup_plan() -> list[ModelPlan]:
    """The registered models in write order, each with its path to the review."""
    problems = coverage_problems()
    if problems:
        raise BackupError("; ".join(problems))
    plans: dict[str, ModelPlan] = {}
    for label, entry in registry.BACKUP_MODELS.items():
        model = apps.get_model(label)
        plan = ModelPlan(model=model, label=_label(model), review_path="", ids=dict(entry.ids))
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                plan.files.append(f.attname)
            if not f.is_relation:
                continue
            target = f.related_model
            plan.fks[f.attname] = (
                "user" if _is_user(target) else "review" if target is Review else _label(target)
            )
        plans[plan.label] = plan
    order = _write_order(plans)
    for plan in order:
        plan.review_path = _review_path(plan, plans)
    return order


def _write_order(plans: dict[str, ModelPlan]) -> list[ModelPlan]:
    done: list[str] = []
    pending = dict(plans)
    while pending:
        ready = [
            label
            for label, plan in pending.items()
            if all(t in done or t in ("user", "review") or t == label for t in plan.fks.values())
        ]
        if not ready:
            raise BackupError(f"Backup models reference each other in a cycle: {', '.join(pending)}")
        # the audit log goes last: its data names rows of every other model
        ready.sort(key=lambda label: label == EVENT_MODEL and len(pending) > 1)
        label = ready[0]
        plan = pending.pop(label)
        for attname, target in plan.fks.items():
            if target == label:
                plan.deferred.append(attname)
        done.append(label)
    return [plans[label] for label in done]


def _review_path(plan: ModelPlan, plans: dict[str, ModelPlan]) -> str:
    fields_by_att = {f.attname: f for f in plan.model._meta.concrete_fields}
    for attname, target in plan.fks.items():
        if target == "review":
            return fields_by_att[attname].name
    for attname, target in plan.fks.items():
        if target in plans and target != plan.label and plans[target].review_path:
            return f"{fields_by_att[attname].name}__{plans[target].review_path}"
    raise BackupError(f"{plan.label} has no path to its review")


# --- writing ------------------------------------------------------------------------------------------


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


# --- restoring ----------------------------------------------------------------------------------------


class _Ids:
    """Old id -> new id, per model label (and "user")."""

    def __init__(self) -> None:
        self.maps: dict[str, dict[int, int]] = defaultdict(dict)

    def get(self, label: str, old, *, strict: bool = True):
        if old is None:
            return None
        new = self.maps[label].get(old)
        if new is None and strict:
            raise BackupError(f"The backup names {label} id {old}, which it does not contain.")
        return new


def _frozen_timestamps(plans: list[type[models.Model]]):
    """auto_now / auto_now_add off while restoring, so the backup's timestamps are written as they are."""
    switched = []
    for model in plans:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                switched.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    return switched


def _thaw(switched) -> None:
    for f, auto_now, auto_now_add in switched:
        f.auto_now, f.auto_now_add = auto_now, auto_now_add


def review_restore(*, content: bytes, slug: str | None = None, actor=None) -> Review:
    """Restore a backup as a new review (slug: the backup's, or `slug`). All or nothing."""
    backup = backup_read(content)
    plans = backup_plan()
    target = slug or backup.data["review"]
    if Review.objects.filter(slug=target).exists():
        raise BackupError(f"A review with the slug '{target}' exists already; choose another with --slug.")
    saved: list[tuple[Any, str]] = []
    try:
        with transaction.atomic():
            switched = _frozen_timestamps([Review, *(plan.model for plan in plans)])
            try:
                review, created_users = _restore(backup, plans, target, saved)
            finally:
                _thaw(switched)
            event_log(
                review=review,
                actor=actor,
                verb="review.restored",
                source_slug=backup.data["review"],
                backup_created_at=backup.data.get("created_at"),
                rows=sum(backup.data["counts"].values()),
                users_created=created_users,
            )
    except Exception:
        for storage, name in saved:  # files written for rows that were rolled back
            storage.delete(name)
        raise
    return review


def _restore(backup: Backup, plans: list[ModelPlan], slug: str, saved: list) -> tuple[Review, list[str]]:
    ids = _Ids()
    created_users = _restore_users(backup.data["users"], ids)
    review_row = dict(backup.data["tables"][_label(Review)][0])
    review_plan = ModelPlan(Review, _label(Review), "pk", fks={"created_by_id": "user"})
    review = _instance(review_plan, review_row, ids, review=None)
    review.slug = slug
    review.save(force_insert=True)
    ids.maps["review"][review_row["id"]] = review.pk
    for plan in plans:
        _restore_table(plan, backup, ids, review, saved)
    for hook in registry.REVIEW_RESTORED:
        hook(review=review)
    return review, created_users


def _restore_users(users: list[dict], ids: _Ids) -> list[str]:
    User = get_user_model()
    created = []
    for entry in users:
        user = User.objects.filter(username=entry["username"]).first()
        if user is None:
            user = User(**{name: entry.get(name, "") for name in USER_FIELDS if name != "is_active"})
            user.is_active = False
            user.set_unusable_password()
            user.save()
            created.append(user.username)
        ids.maps["user"][entry["id"]] = user.pk
    return created


def _instance(plan: ModelPlan, row: dict, ids: _Ids, review) -> models.Model:
    values = {}
    for f in plan.model._meta.concrete_fields:
        value = row.get(f.attname)
        if f.primary_key:
            continue
        target = plan.fks.get(f.attname)
        if target == "review":
            value = review.pk
        elif target and f.attname in plan.deferred:
            value = None
        elif target:
            value = ids.get(target, value)
        elif f.attname in plan.ids:
            value = ids.get(plan.ids[f.attname], value, strict=False) or value
        elif (plan.label, f.attname) in registry.BACKUP_JSON_IDS:
            value = _renumber_json(value, registry.BACKUP_JSON_IDS[(plan.label, f.attname)], ids)
        elif not isinstance(f, models.FileField | models.JSONField) and value is not None:
            value = f.to_python(value)
        values[f.attname] = value
    return plan.model(**values)


def _restore_table(plan: ModelPlan, backup: Backup, ids: _Ids, review: Review, saved: list) -> None:
    rows = backup.data["tables"][plan.label]
    if plan.label == EVENT_MODEL:
        rows = [{**row, "data": _event_data(row, ids)} for row in rows]
    objs = [_instance(plan, row, ids, review) for row in rows]
    for attname in plan.files:
        _restore_files(plan, attname, objs, backup, saved)
    plan.model._default_manager.bulk_create(objs, batch_size=500)
    for row, obj in zip(rows, objs, strict=True):
        ids.maps[plan.label][row["id"]] = obj.pk
    for attname in plan.deferred:
        later = [obj for row, obj in zip(rows, objs, strict=True) if row[attname] is not None]
        for obj, row in zip(later, [r for r in rows if r[attname] is not None], strict=True):
            setattr(obj, attname, ids.get(plan.label, row[attname]))
        plan.model._default_manager.bulk_update(later, [attname], batch_size=500)


def _restore_files(plan: ModelPlan, attname: str, objs: list, backup: Backup, saved: list) -> None:
    file_field = plan.model._meta.get_field(attname)
    for obj in objs:
        name = getattr(obj, attname)
        name = getattr(name, "name", name)
        if not name or name not in backup.files:
            continue  # no file, or one already missing when the backup was made (kept by name)
        new_name = file_field.generate_filename(obj, os.path.basename(name))
        stored = file_field.storage.save(new_name, ContentFile(backup.files[name]))
        saved.append((file_field.storage, stored))
        setattr(obj, attname, stored)


def _event_data(row: dict, ids: _Ids):
    """The event's data with the ids of restored rows renumbered (registry.backup_event_ids)."""
    data = row.get("data")
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for prefix, keys in registry.BACKUP_EVENT_IDS:
        if not str(row.get("verb", "")).startswith(prefix):
            continue
        for key, (label, template) in keys.items():
            if key in data:
                data[key] = _renumber(data[key], label, template, ids)
    return data


def _renumber(value, label: str, template: str, ids: _Ids):
    if isinstance(value, list):
        return [_renumber(item, label, template, ids) for item in value]
    if template and isinstance(value, str):
        prefix = template.split("{}")[0]
        if value.startswith(prefix) and value[len(prefix) :].isdigit():
            new = ids.get(label, int(value[len(prefix) :]), strict=False)
            return template.format(new) if new is not None else value
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        new = ids.get(label, value, strict=False)
        return new if new is not None else value
    return value


def _renumber_json(value, keys: dict[str, str], ids: _Ids):
    """The JSON value with every `keys` entry (at any depth) holding a restored row's new id."""
    if isinstance(value, list):
        return [_renumber_json(item, keys, ids) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in keys:
            out[key] = _renumber(item, keys[key], "", ids)
        else:
            out[key] = _renumber_json(item, keys, ids)
    return out
