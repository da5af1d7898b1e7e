"""Restoring a checked backup as a new review, in one transaction, renumbering every reference."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files import File
from django.db import DatabaseError, IntegrityError, connections, models, router, transaction

from .. import registry
from ..models import Review
from ..services.audit import event_log
from ..services.reviews import member_set
from .archive import Backup, Source, backup_read
from .check import review_plan, slug_check
from .plan import EVENT_MODEL, USER_FIELDS, BackupError, ModelPlan, _label, backup_plan


class SlugTakenError(BackupError):
    """The restore's slug belongs to a review already (possibly one restored a moment ago)."""


@dataclass
class _Written:
    """What a restore wrote outside the database, or dropped: the stored files (removed again if the
    restore fails) and the names of files the backup only lists as missing (blanked on their rows)."""

    saved: list[tuple[Any, str]] = field(default_factory=list)
    blanked: list[str] = field(default_factory=list)


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


def _insert_raw(model: type[models.Model], objs: list[models.Model], batch_size: int = 500) -> None:
    """bulk_create without pre_save (as loaddata's raw saves): the backup's values, timestamps included,
    are written as they are. auto_now/auto_now_add stay on: switching them off on the shared field
    objects would break every other thread's saves (the web requests beside a restore in a worker)."""
    if not objs:
        return
    opts = model._meta
    returning = list(opts.db_returning_fields)
    # as bulk_create: every column but the auto key (a db_default column keeps the backup's value too)
    fields = [f for f in opts.concrete_fields if not f.generated and not isinstance(f, models.AutoField)]
    db = router.db_for_write(model)
    batch_size = min(batch_size, max(connections[db].ops.bulk_batch_size(fields, objs), 1))
    for start in range(0, len(objs), batch_size):
        batch = objs[start : start + batch_size]
        rows = model._base_manager._insert(
            batch, fields=fields, returning_fields=returning, raw=True, using=db
        )
        for obj, row in zip(batch, rows or [()] * len(batch), strict=True):  # none returned: a given pk
            for f, value in zip(returning, row, strict=True):
                setattr(obj, f.attname, value)
            obj._state.adding, obj._state.db = False, db


Progress = Callable[[int, int, str], None]
CHUNK_ROWS = 2000  # rows (or files) between two progress reports


def review_restore(
    *,
    source: Source,
    slug: str | None = None,
    actor=None,
    join_as_owner: bool = False,
    progress: Progress | None = None,
    on_restored: Callable[[Review, list[str]], None] | None = None,
) -> Review:
    """Restore a backup (a path, or a seekable binary file such as an upload) as a new review (slug: the
    backup's, or `slug`). All or nothing. With `join_as_owner`, the actor (the person restoring, e.g. an
    administrator on the restore page) is made an owner of the restored review in the same transaction,
    keeping any roles the backup gives them. `progress(rows_done, rows_total, table)` is called as the
    rows are written (every CHUNK_ROWS). `on_restored(review, users_created)` runs last, inside the
    restore's transaction: if it raises, nothing of the restore is kept (e.g. a job that lost its lease)."""
    if slug:
        slug_check(slug)
    with backup_read(source) as backup:
        return _restore_checked(backup, slug, actor, join_as_owner, progress, on_restored)


def _restore_checked(
    backup: Backup,
    slug: str | None,
    actor,
    join_as_owner: bool = False,
    progress: Progress | None = None,
    on_restored: Callable[[Review, list[str]], None] | None = None,
) -> Review:
    plans = backup_plan()
    target = slug or backup.data["review"]
    slug_check(target)
    slug_free(target)
    written = _Written()
    try:
        with transaction.atomic():
            review, created_users = _restore(backup, plans, target, written, progress)
            missing = {"files_missing": sorted(set(written.blanked))} if written.blanked else {}
            event_log(
                review=review,
                actor=actor,
                verb="review.restored",
                source_slug=backup.data["review"],
                backup_created_at=backup.data.get("created_at"),
                rows=sum(backup.data["counts"].values()),
                users_created=created_users,
                **missing,
            )
            if join_as_owner and actor is not None:
                _join_as_owner(review, actor)
            if on_restored:
                on_restored(review, created_users)
    except BaseException:  # also an interrupted restore (KeyboardInterrupt, a worker's SystemExit)
        for storage, name in written.saved:  # files written for rows that were rolled back
            storage.delete(name)
        raise
    return review


def slug_free(slug: str) -> None:
    """SlugTakenError when a review has `slug` already."""
    if Review.objects.filter(slug=slug).exists():
        raise SlugTakenError(f"A review with the slug '{slug}' exists already; choose another slug.")


def _refused(where: str, exc: Exception, hint: str = "") -> BackupError:
    """The database's, a field's or the storage's refusal of restored values, as a BackupError saying
    where (table, row or column)."""
    if isinstance(exc, ValidationError):
        reason = "; ".join(exc.messages)
    else:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return BackupError(f"{where}: {reason.rstrip('.')}.{hint}")


def _join_as_owner(review: Review, actor) -> None:
    member = review.memberships.filter(user=actor).first()
    roles = {*(member.roles if member else []), "owner"}
    member_set(review=review, actor=actor, user=actor, roles=sorted(roles))


def _restore(
    backup: Backup, plans: list[ModelPlan], slug: str, written: _Written, progress: Progress | None = None
) -> tuple[Review, list[str]]:
    ids = _Ids()
    created_users = _restore_users(backup.data["users"], ids)
    review_row = dict(backup.data["tables"][_label(Review)][0])
    review = _instance(review_plan(), review_row, ids, review=None)
    review.slug = slug
    _review_insert(review)
    ids.maps["review"][review_row["id"]] = review.pk
    total, done = sum(len(backup.data["tables"][plan.label]) for plan in plans), 0
    for plan in plans:
        table = str(plan.model._meta.verbose_name_plural)

        def tick(rows: int, table: str = table) -> None:
            nonlocal done
            done += rows
            if progress:
                progress(done, total, table)

        tick(0)
        try:
            _restore_table(plan, backup, ids, review, written, tick)
        except (DatabaseError, ValidationError, SuspiciousFileOperation) as exc:
            hint = ""
            if written.blanked and isinstance(exc, IntegrityError):
                hint = (
                    " Rows naming a file the backup lists as missing get no file "
                    f"({', '.join(sorted(set(written.blanked)))}); this table may not allow that."
                )
            raise _refused(plan.label, exc, hint) from exc
    for hook in registry.REVIEW_RESTORED:
        hook(review=review)
    return review, created_users


def _review_insert(review: Review) -> None:
    """Insert the new review; a review given its slug since the check (e.g. by a restore racing this
    one) is a taken slug, not a database error."""
    try:
        with transaction.atomic():  # a savepoint, so the slug can be looked up after a refusal
            review.save_base(raw=True, force_insert=True)  # its timestamps as in the backup
    except IntegrityError as exc:
        if Review.objects.filter(slug=review.slug).exists():
            raise SlugTakenError(
                f"A review with the slug '{review.slug}' exists already; choose another slug."
            ) from exc
        raise _refused(_label(Review), exc) from exc
    except (DatabaseError, ValidationError) as exc:
        raise _refused(_label(Review), exc) from exc


def _restore_users(users: list[dict], ids: _Ids) -> list[str]:
    User = get_user_model()
    created = []
    for entry in users:
        user = User.objects.filter(username=entry["username"]).first()
        if user is None:
            user = User(**{name: entry.get(name, "") for name in USER_FIELDS if name != "is_active"})
            user.is_active = False
            user.set_unusable_password()
            try:
                with transaction.atomic():
                    user.save()
            except DatabaseError as exc:
                raise _refused(f"User {entry['username']!r}", exc) from exc
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
            try:
                value = f.to_python(value)
            except ValidationError as exc:
                raise _refused(f"{plan.label} row {row.get('id')}, column {f.attname}", exc) from exc
        values[f.attname] = value
    return plan.model(**values)


def _restore_table(
    plan: ModelPlan, backup: Backup, ids: _Ids, review: Review, written: _Written, tick: Callable[[int], None]
) -> None:
    rows = backup.data["tables"][plan.label]
    if plan.label == EVENT_MODEL:
        rows = [{**row, "data": _event_data(row, ids)} for row in rows]
    objs = [_instance(plan, row, ids, review) for row in rows]
    for start in range(0, len(objs), CHUNK_ROWS):  # files copied and rows written a chunk at a time,
        chunk = objs[start : start + CHUNK_ROWS]  # so a long table reports progress (and a heartbeat)
        for attname in plan.files:
            _restore_files(plan, attname, chunk, backup, written)
        _insert_raw(plan.model, chunk)
        tick(len(chunk))
    for row, obj in zip(rows, objs, strict=True):
        ids.maps[plan.label][row["id"]] = obj.pk
    for attname in plan.deferred:
        later = [obj for row, obj in zip(rows, objs, strict=True) if row[attname] is not None]
        for obj, row in zip(later, [r for r in rows if r[attname] is not None], strict=True):
            setattr(obj, attname, ids.get(plan.label, row[attname]))
        plan.model._default_manager.bulk_update(later, [attname], batch_size=500)


def _restore_files(plan: ModelPlan, attname: str, objs: list, backup: Backup, written: _Written) -> None:
    """Each file copied from the backup under the new row's own name. A name the backup lists as missing
    is blanked, never kept: it could be another review's file (the check refuses any other name)."""
    file_field = plan.model._meta.get_field(attname)
    for obj in objs:
        name = getattr(obj, attname)
        name = getattr(name, "name", name)
        if not name:
            continue
        if name not in backup.files:  # missing when the backup was made: listed in missing_files
            written.blanked.append(name)
            setattr(obj, attname, "")
            continue
        try:
            new_name = file_field.generate_filename(obj, os.path.basename(name))
            with backup.open(name) as member:
                content = File(member, name=new_name)
                stored = file_field.storage.save(new_name, content)  # copied in chunks
        except SuspiciousFileOperation as exc:
            raise _refused(f"{plan.label} column {attname}, file {name}", exc) from exc
        written.saved.append((file_field.storage, stored))
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
