"""Reading a definition from JSON (every problem reported, none fixed silently) and writing it back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .definition import (
    CHOICE_TYPES,
    KEY_RE,
    SCHEMA_FORMAT,
    Choice,
    Field,
    FieldType,
    FormSchema,
    Problem,
    SchemaError,
    Section,
)

# --- reading and writing a definition (JSON) --------------------------------------------------------


def _number_or_none(value: Any, path: str, problems: list[Problem]) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(Problem(path, f"{path}: must be a number."))
        return None
    return float(value)


def _key(value: Any, path: str, problems: list[Problem]) -> str:
    if not isinstance(value, str) or not KEY_RE.match(value):
        problems.append(
            Problem(
                path, f"{path}: key {value!r} must be lower-case letters, digits and _ (start with a letter)."
            )
        )
        return str(value)
    return value


def _field_from_dict(data: Any, path: str, problems: list[Problem]) -> Field | None:
    if not isinstance(data, Mapping):
        problems.append(Problem(path, f"{path}: a field must be an object."))
        return None
    key = _key(data.get("key"), f"{path}.key", problems)
    label = str(data.get("label") or "").strip()
    if not label:
        problems.append(Problem(f"{path}.label", f"{path} ({key}): needs a label."))
    try:
        ftype = FieldType(str(data.get("type")))
    except ValueError:
        allowed = ", ".join(t.value for t in FieldType)
        problems.append(
            Problem(f"{path}.type", f"{path} ({key}): type {data.get('type')!r} is not one of {allowed}.")
        )
        return None
    choices = _choices_from(data.get("choices") or [], f"{path}.choices", problems)
    if ftype in CHOICE_TYPES and not choices:
        problems.append(Problem(f"{path}.choices", f"{path} ({key}): a choice field needs choices."))
    low = _number_or_none(data.get("min"), f"{path}.min", problems)
    high = _number_or_none(data.get("max"), f"{path}.max", problems)
    if low is not None and high is not None and low > high:
        problems.append(Problem(f"{path}.min", f"{path} ({key}): min {low:g} is above max {high:g}."))
    units = tuple(str(u).strip() for u in data.get("units") or [] if str(u).strip())
    return Field(
        key=key,
        label=label,
        type=ftype,
        required=bool(data.get("required", False)),
        help=str(data.get("help") or ""),
        unit=str(data.get("unit") or ""),
        units=units,
        min=low,
        max=high,
        choices=choices,
    )


def _choices_from(items: Any, path: str, problems: list[Problem]) -> tuple[Choice, ...]:
    if not isinstance(items, list):
        problems.append(Problem(path, f"{path}: must be a list."))
        return ()
    choices, seen = [], set()
    for i, item in enumerate(items):
        if isinstance(item, str):
            value, label = item, item
        elif isinstance(item, Mapping):
            value, label = str(item.get("value", "")), str(item.get("label") or item.get("value", ""))
        else:
            problems.append(
                Problem(f"{path}[{i}]", f"{path}[{i}]: a choice is a string or {{value, label}}.")
            )
            continue
        if not value or value in seen:
            problems.append(
                Problem(f"{path}[{i}]", f"{path}[{i}]: choice value {value!r} is empty or repeated.")
            )
            continue
        seen.add(value)
        choices.append(Choice(value=value, label=label))
    return tuple(choices)


def _section_from_dict(data: Any, path: str, problems: list[Problem]) -> Section | None:
    if not isinstance(data, Mapping):
        problems.append(Problem(path, f"{path}: a section must be an object."))
        return None
    key = _key(data.get("key"), f"{path}.key", problems)
    raw_fields = data.get("fields") or []
    if not isinstance(raw_fields, list):
        problems.append(Problem(f"{path}.fields", f"{path} ({key}): fields must be a list."))
        raw_fields = []
    fields = [_field_from_dict(f, f"{path}.fields[{i}]", problems) for i, f in enumerate(raw_fields)]
    fields_ok = tuple(f for f in fields if f is not None)
    keys = [f.key for f in fields_ok]
    for dup in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(Problem(f"{path}.fields", f"{path} ({key}): field key {dup!r} is used twice."))
    row_key = tuple(data.get("row_key") or ())
    for k in row_key:
        if k not in keys:
            problems.append(
                Problem(f"{path}.row_key", f"{path} ({key}): row key {k!r} is not a field of it.")
            )
    min_rows = int(data.get("min_rows") or 0)
    max_rows = data.get("max_rows")
    return Section(
        key=key,
        title=str(data.get("title") or key),
        fields=fields_ok,
        help=str(data.get("help") or ""),
        repeatable=bool(data.get("repeatable", False)),
        row_label=str(data.get("row_label") or "Row"),
        row_key=row_key,
        min_rows=min_rows,
        max_rows=int(max_rows) if max_rows not in (None, "") else None,
    )


def schema_from_dict(data: Any) -> FormSchema:
    """Parse a definition (as stored, exported or imported); raises SchemaError naming every bad path."""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise SchemaError([Problem("", "A form definition must be a JSON object.")])
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        problems.append(Problem("sections", "A form needs at least one section."))
        raw_sections = []
    sections = [_section_from_dict(s, f"sections[{i}]", problems) for i, s in enumerate(raw_sections)]
    ok = tuple(s for s in sections if s is not None)
    keys = [s.key for s in ok]
    for dup in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(Problem("sections", f"Section key {dup!r} is used twice."))
    title = str(data.get("title") or "").strip()
    if not title:
        problems.append(Problem("title", "A form needs a title."))
    if problems:
        raise SchemaError(problems)
    return FormSchema(title=title, sections=ok, description=str(data.get("description") or ""))


def _field_to_dict(f: Field) -> dict:
    out: dict[str, Any] = {"key": f.key, "label": f.label, "type": f.type.value}
    if f.required:
        out["required"] = True
    for name in ("help", "unit"):
        if getattr(f, name):
            out[name] = getattr(f, name)
    if f.units:
        out["units"] = list(f.units)
    for name in ("min", "max"):
        value = getattr(f, name)
        if value is not None:
            out[name] = int(value) if float(value).is_integer() else value
    if f.choices:
        out["choices"] = [{"value": c.value, "label": c.label} for c in f.choices]
    return out


def schema_to_dict(schema: FormSchema) -> dict:
    """The canonical JSON form of a definition (schema_from_dict(schema_to_dict(s)) == s)."""
    sections = []
    for s in schema.sections:
        out: dict[str, Any] = {"key": s.key, "title": s.title}
        if s.help:
            out["help"] = s.help
        if s.repeatable:
            out.update(repeatable=True, row_label=s.row_label, row_key=list(s.row_key), min_rows=s.min_rows)
            if s.max_rows is not None:
                out["max_rows"] = s.max_rows
        out["fields"] = [_field_to_dict(f) for f in s.fields]
        sections.append(out)
    result: dict[str, Any] = {"format": SCHEMA_FORMAT, "title": schema.title}
    if schema.description:
        result["description"] = schema.description
    result["sections"] = sections
    return result
