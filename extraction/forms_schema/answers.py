"""Answers: blank values, cleaning a value, validating an answer set, display, carrying to a new version."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .definition import NUMBER_TYPES, Field, FieldType, FormSchema, Problem, Section

# --- answers ---------------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _where(section: Section, row: int | None, rowdata: Mapping | None) -> tuple[str, str]:
    """(path prefix, human prefix) for messages: "arms[2]" / "Arms, row 2 (Placebo)"."""
    if row is None:
        return section.key, section.title
    name = row_name(section, rowdata or {})
    human = f"{section.title}, {section.row_label.lower()} {row + 1}" + (f" ({name})" if name else "")
    return f"{section.key}[{row + 1}]", human


def row_name(section: Section, rowdata: Mapping) -> str:
    return " / ".join(str(rowdata.get(k)) for k in section.row_key if not is_blank(rowdata.get(k)))


def _parse_number(value: Any, integer: bool) -> float | int:
    """A number from JSON or from a form input; accepts the decimal comma ("63,7") papers often print."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        number = value
    else:
        text = str(value).strip().replace("\u2212", "-").replace(" ", "")
        if re.fullmatch(r"-?\d+,\d+", text):
            text = text.replace(",", ".")
        number = float(text)
    if not math.isfinite(number):
        raise ValueError
    if integer:
        if float(number) != int(number):
            raise ValueError
        return int(number)
    return int(number) if isinstance(number, int) else float(number)


def clean_value(f: Field, value: Any) -> Any:
    """The stored form of a value, or ValueError with a message saying what is expected."""
    t = f.type
    if t in (FieldType.TEXT, FieldType.LONG_TEXT):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValueError("must be text")
        text = str(value)
        if t == FieldType.TEXT and len(text) > 1000:
            raise ValueError("must be at most 1000 characters (use a long text field)")
        return text.strip() if t == FieldType.TEXT else text
    if t in NUMBER_TYPES:
        return _clean_number(f, value)
    if t == FieldType.DATE:
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError("must be a date (YYYY-MM-DD)") from None
    if t == FieldType.YES_NO:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("yes", "true", "1", "on"):
            return True
        if text in ("no", "false", "0", "off"):
            return False
        raise ValueError("must be yes or no")
    allowed = [c.value for c in f.choices]
    if t == FieldType.SINGLE_CHOICE:
        if value not in allowed:
            raise ValueError(f"must be one of: {', '.join(c.label for c in f.choices)}")
        return value
    values = [value] if isinstance(value, str) else list(value or [])
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise ValueError(f"{', '.join(map(str, wrong))} is not a choice here")
    return [v for v in allowed if v in values]  # the form's order, no repeats


def _clean_number(f: Field, value: Any) -> Any:
    unit = None
    if isinstance(value, Mapping):
        unit, value = str(value.get("unit") or ""), value.get("value")
    integer = f.type == FieldType.INTEGER
    try:
        number = _parse_number(value, integer)
    except (TypeError, ValueError):
        raise ValueError("must be a whole number" if integer else "must be a number") from None
    if f.min is not None and number < f.min:
        raise ValueError(f"must be at least {f.min:g}")
    if f.max is not None and number > f.max:
        raise ValueError(f"must be at most {f.max:g}")
    if unit is not None and f.type == FieldType.DECIMAL and (f.units or unit):
        allowed = [u for u in (f.unit, *f.units) if u]
        if unit not in allowed:
            raise ValueError(f"unit {unit!r} is not one of: {', '.join(allowed)}")
        return {"value": number, "unit": unit}
    return number


@dataclass
class Validation:
    cleaned: dict
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_fields(
    section: Section, data: Mapping, row: int | None, complete: bool, out: dict, problems: list[Problem]
) -> None:
    path, human = _where(section, row, data)
    for f in section.fields:
        value = data.get(f.key)
        if is_blank(value):
            if complete and f.required:
                problems.append(Problem(f"{path}.{f.key}", f"{human}: {f.label} is required."))
            continue
        try:
            out[f.key] = clean_value(f, value)
        except ValueError as error:
            problems.append(Problem(f"{path}.{f.key}", f"{human}: {f.label} {error}."))
    for extra in sorted(set(data) - {f.key for f in section.fields}):
        problems.append(
            Problem(f"{path}.{extra}", f"{human}: {extra!r} is not a field of this form version.")
        )


def validate_answers(schema: FormSchema, answers: Any, *, complete: bool = False) -> Validation:
    """Check an answer set against a form version. `complete` also enforces required fields and row counts
    (submitting); without it a draft may be partial. Every problem names the section, row and field."""
    if not isinstance(answers, Mapping):
        return Validation({}, [Problem("", "Answers must be an object of sections.")])
    cleaned: dict = {}
    problems: list[Problem] = []
    for section in schema.sections:
        data = answers.get(section.key)
        if section.repeatable:
            cleaned[section.key] = _check_rows(section, data, complete, problems)
        else:
            if data is not None and not isinstance(data, Mapping):
                problems.append(Problem(section.key, f"{section.title}: must be an object of fields."))
                data = {}
            out: dict = {}
            _check_fields(section, data or {}, None, complete, out, problems)
            cleaned[section.key] = out
    for extra in sorted(set(answers) - {s.key for s in schema.sections}):
        problems.append(Problem(extra, f"{extra!r} is not a section of this form version."))
    return Validation(cleaned, problems)


def _check_rows(section: Section, data: Any, complete: bool, problems: list[Problem]) -> list[dict]:
    if data is None:
        data = []
    if not isinstance(data, list):
        problems.append(Problem(section.key, f"{section.title}: must be a list of rows."))
        return []
    rows: list[dict] = []
    for i, rowdata in enumerate(data):
        if not isinstance(rowdata, Mapping):
            problems.append(
                Problem(f"{section.key}[{i + 1}]", f"{section.title}, row {i + 1}: must be an object.")
            )
            continue
        out: dict = {}
        _check_fields(section, rowdata, i, complete, out, problems)
        rows.append(out)
    if section.max_rows is not None and len(rows) > section.max_rows:
        problems.append(Problem(section.key, f"{section.title}: at most {section.max_rows} rows."))
    if complete and len(rows) < section.min_rows:
        problems.append(Problem(section.key, f"{section.title}: needs at least {section.min_rows} rows."))
    _check_row_keys(section, rows, problems)
    return rows


def _check_row_keys(section: Section, rows: list[dict], problems: list[Problem]) -> None:
    if not section.row_key:
        return
    seen: dict[tuple, int] = {}
    for i, row in enumerate(rows):
        key = row_identity(section, row)
        if all(not part for part in key):
            continue
        if key in seen:
            problems.append(
                Problem(
                    f"{section.key}[{i + 1}]",
                    f"{section.title}, {section.row_label.lower()} {i + 1}: same "
                    f"{' + '.join(section.row_key)} as row {seen[key] + 1} ({row_name(section, row)}).",
                )
            )
        else:
            seen[key] = i


def row_identity(section: Section, row: Mapping) -> tuple:
    """What makes a row the same row in two answer sets: its key fields, case- and space-insensitive."""
    return tuple(" ".join(str(row.get(k) or "").split()).casefold() for k in section.row_key)


def display_value(f: Field | None, value: Any) -> str:
    """A value as a person reads it (choice labels, yes/no, unit)."""
    if is_blank(value):
        return ""
    if f is None:
        return str(value)
    if f.type == FieldType.YES_NO:
        return "Yes" if value else "No"
    if f.type == FieldType.SINGLE_CHOICE:
        return f.choice_label(value)
    if f.type == FieldType.MULTIPLE_CHOICE:
        return "; ".join(f.choice_label(v) for v in value)
    if isinstance(value, Mapping) and "value" in value:
        return f"{value['value']:g} {value.get('unit', '')}".strip()
    if isinstance(value, float):
        return f"{value:g}" + (f" {f.unit}" if f.unit else "")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value}" + (f" {f.unit}" if f.unit else "")
    return str(value)


def carry_answers(old: FormSchema, new: FormSchema, answers: Mapping) -> tuple[dict, list[Problem]]:
    """Move answers entered on `old` to `new`: values whose section+field still exist and still validate are
    kept; every value that cannot be carried is returned as a Problem (nothing disappears unreported)."""
    carried: dict = {}
    left: list[Problem] = []
    for section in old.sections:
        target = new.section(section.key)
        data = answers.get(section.key)
        if is_blank(data):
            continue
        if target is None or target.repeatable != section.repeatable:
            left.append(Problem(section.key, f"{section.title}: this section is not in the new version."))
            continue
        rows: list = list(data or []) if section.repeatable else [data]
        out_rows = []
        for i, row in enumerate(rows):
            out: dict = {}
            for key, value in row.items():
                f = target.field(key)
                where = f"{section.title}" + (f", row {i + 1}" if section.repeatable else "")
                if f is None:
                    left.append(Problem(f"{section.key}.{key}", f"{where}: {key} is not in the new version."))
                    continue
                try:
                    out[key] = clean_value(f, value)
                except ValueError as error:
                    left.append(
                        Problem(f"{section.key}.{key}", f"{where}: {f.label} {error} in the new version.")
                    )
            out_rows.append(out)
        carried[section.key] = out_rows if section.repeatable else out_rows[0]
    return carried, left
