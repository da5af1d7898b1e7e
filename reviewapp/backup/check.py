"""Checking a backup before anything is restored: its header, the type of every section, every table's
rows and columns, the ids rows name, the files rows name, the slug, and each stored file's checksum.
A backup that passes can be restored without a KeyError or TypeError; what fails says where and why."""

from __future__ import annotations

import hashlib
from typing import IO, TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from ..models import RESERVED_SLUGS, Review, reserved_slug_message
from .plan import FORMAT, VERSION, BackupError, ModelPlan, _label, backup_plan

if TYPE_CHECKING:
    from .archive import Backup

CHUNK = 1024 * 1024  # bytes read at a time when copying or checksumming a stored file

# section -> the JSON type it must have; the optional ones are absent from older backups
SECTIONS: dict[str, type] = {
    "review": str,
    "tables": dict,
    "counts": dict,
    "fields": dict,
    "users": list,
    "files": dict,
}
OPTIONAL_SECTIONS: dict[str, tuple[type, ...]] = {"missing_files": (list, dict), "file_sizes": (dict,)}
JSON_TYPES = {str: "text", dict: "an object", list: "a list", int: "a number"}


def review_plan() -> ModelPlan:
    """The review row itself, planned like the tables that belong to it."""
    return ModelPlan(Review, _label(Review), "pk", fks={"created_by_id": "user"})


def slug_check(value: Any, *, what: str = "The slug", target: bool = True) -> None:
    """A slug a review can have and its pages can be reached by; `target`: the slug the restore will
    give the new review, which must also not be reserved for a page of the site."""
    max_length = Review._meta.get_field("slug").max_length or 0
    try:
        if not isinstance(value, str) or len(value) > max_length:
            raise ValidationError("not a slug")
        validate_slug(value)
    except ValidationError as exc:
        raise BackupError(
            f"{what} {value!r} is not a valid slug: use letters, digits, hyphens and underscores, "
            f"at most {max_length} characters."
        ) from exc
    if target and value in RESERVED_SLUGS:
        raise BackupError(reserved_slug_message(value))


def sha256_of(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def backup_check(backup: Backup) -> None:
    """Refuse (BackupError) a backup this app cannot restore exactly; `missing_files` of an older
    backup (a list of names) becomes name -> reason."""
    data = backup.data
    _check_header(data)
    _check_sections(data)
    slug_check(data["review"], what="The backup's review slug", target=False)
    plans = [review_plan(), *backup_plan()]
    _check_tables(data, [plan.label for plan in plans])
    _check_users(data["users"])
    for plan in plans:
        _check_rows(plan, data)
    _check_files(backup)


def _check_header(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError("Not a review backup (the file has no reviewapp backup header).")
    if data.get("version") != VERSION:
        raise BackupError(
            f"Backup format version {data.get('version')!r} is not supported (expected {VERSION})."
        )


def _check_sections(data: dict) -> None:
    for key, kind in SECTIONS.items():
        if key not in data:
            raise BackupError(f"The backup has no '{key}' section: truncated or edited.")
        _check_type(data[key], (kind,), f"The backup's '{key}' section")
    for key, kinds in OPTIONAL_SECTIONS.items():
        _check_type(data.setdefault(key, {}), kinds, f"The backup's '{key}' section")
    if isinstance(data["missing_files"], list):
        data["missing_files"] = dict.fromkeys(data["missing_files"], "")
    for key in ("files", "missing_files"):
        for name, value in data[key].items():
            _check_type(name, (str,), f"A name in the backup's '{key}'")
            _check_type(value, (str,), f"The backup's '{key}' entry for {name}")
    for name, size in data["file_sizes"].items():
        _check_type(size, (int,), f"The backup's size of {name}")


def _check_type(value: Any, kinds: tuple[type, ...], what: str) -> None:
    if not isinstance(value, kinds) or isinstance(value, bool):
        wanted = " or ".join(JSON_TYPES[kind] for kind in kinds)
        raise BackupError(f"{what} is {_json_type(value)}, not {wanted}: edited or damaged.")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return JSON_TYPES.get(type(value), type(value).__name__)


def _check_tables(data: dict, expected: list[str]) -> None:
    tables, counts = data["tables"], data["counts"]
    for label in expected:
        if label not in tables:
            raise BackupError(f"The backup has no table {label}: made by another version of the app?")
        _check_type(tables[label], (list,), f"The backup's table {label}")
        held, said = len(tables[label]), counts.get(label)
        if held != said or isinstance(said, bool):
            raise BackupError(f"{label}: the backup holds {held} rows but says {said!r}: truncated.")
        names = data["fields"].get(label, [])
        _check_type(names, (list,), f"The backup's column list of {label}")
        _check_fields(label, names)
    unknown = sorted(set(tables) - set(expected))
    if unknown:
        raise BackupError(f"The backup has tables this app does not know: {', '.join(unknown)}.")
    if len(tables[_label(Review)]) != 1:
        raise BackupError("The backup must hold exactly one review.")


def _check_fields(label: str, names: list) -> None:
    if not names:
        return
    for name in names:
        _check_type(name, (str,), f"A column name of {label}")
    model = apps.get_model(label)
    have = {f.attname for f in model._meta.concrete_fields}
    extra, missing = sorted(set(names) - have), sorted(have - set(names))
    if extra or missing:
        raise BackupError(
            f"{label}: the backup's columns differ from this database's "
            f"(unknown: {', '.join(extra) or '-'}; missing: {', '.join(missing) or '-'}). "
            "Restore with the app version that made it."
        )


def _check_users(users: list) -> None:
    for n, entry in enumerate(users, 1):
        _check_type(entry, (dict,), f"User {n} of the backup")
        _check_type(entry.get("id"), (int,), f"The id of user {n} of the backup")
        _check_type(entry.get("username"), (str,), f"The username of user {n} of the backup")
        if not entry["username"]:
            raise BackupError(f"User {n} of the backup has an empty username: edited or damaged.")


def _check_rows(plan: ModelPlan, data: dict) -> None:
    """Every row an object with exactly the table's columns, its id and the ids it names numbers (or
    null), and every file it names held by the backup or listed as missing."""
    columns = set(plan.attnames)
    id_columns = ["id", *plan.fks, *plan.ids]
    for n, row in enumerate(data["tables"][plan.label], 1):
        _check_type(row, (dict,), f"{plan.label} row {n}")
        if set(row) != columns:
            missing, extra = sorted(columns - set(row)), sorted(set(row) - columns)
            raise BackupError(
                f"{plan.label} row {n}: its columns differ from the table's "
                f"(missing: {', '.join(missing) or '-'}; unknown: {', '.join(extra) or '-'}): "
                "edited or damaged."
            )
        where = f"{plan.label} row {row['id']!r}"
        _check_type(row["id"], (int,), f"The id of {plan.label} row {n}")
        for attname in id_columns:
            if row[attname] is not None:
                _check_type(row[attname], (int,), f"{where}: {attname}")
        for attname in plan.files:
            _check_file_name(where, attname, row[attname], data)


def _check_file_name(where: str, attname: str, name: Any, data: dict) -> None:
    _check_type(name, (str,), f"{where}: {attname}")
    if name and name not in data["files"] and name not in data["missing_files"]:
        raise BackupError(
            f"{where}: {attname} names the file {name}, which is neither among the backup's files nor "
            "listed as missing: refused (a restored row may only point at a file the backup holds)."
        )


def _check_files(backup: Backup) -> None:
    sizes = backup.data["file_sizes"]
    for name, digest in backup.data["files"].items():
        if name not in backup.files:
            raise BackupError(f"The file {name} is missing from the backup.")
        with backup.open(name) as handle:
            if name in sizes and getattr(handle, "size", sizes[name]) != sizes[name]:
                raise BackupError(f"The file {name} in the backup is damaged (its size differs).")
            if sha256_of(handle) != digest:
                raise BackupError(f"The file {name} in the backup is damaged (checksum differs).")
