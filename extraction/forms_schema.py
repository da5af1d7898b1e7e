"""Extraction forms as plain data: the definition, answer validation and the field-by-field diff.

No Django here. A form is sections of fields; a *repeatable* section is a group whose answers are rows (study
arms; outcomes x time points). Answers are JSON:

    {"design": {"type": "rct", "country": "China"},            # a plain section: field key -> value
     "arms": [{"label": "UC-MSC", "n": 61}, {"label": "Placebo", "n": 30}]}   # a repeatable section: rows

Value types by field type: text/long_text -> str, integer -> int, decimal -> number (or {"value": number,
"unit": str} when the field allows several units), date -> "YYYY-MM-DD", yes_no -> bool, single_choice -> one
choice value, multiple_choice -> list of choice values. A missing key or None means "not answered".
Rows of a group are matched between two answer sets by the group's `row_key` fields (e.g. the arm label, or
outcome + time point), so a reordered row is not a difference; groups without a key match rows by position.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
SCHEMA_FORMAT = 1


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    YES_NO = "yes_no"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"


CHOICE_TYPES = (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE)
NUMBER_TYPES = (FieldType.INTEGER, FieldType.DECIMAL)


@dataclass(frozen=True)
class Problem:
    """One thing wrong, at `path` (machine-readable, e.g. "arms[2].n"), said for people in `message`."""

    path: str
    message: str

    def __str__(self) -> str:
        return self.message


class SchemaError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: FieldType
    required: bool = False
    help: str = ""
    unit: str = ""
    units: tuple[str, ...] = ()  # alternatives the reviewer may pick (decimal); `unit` is the default
    min: float | None = None
    max: float | None = None
    choices: tuple[Choice, ...] = ()

    def choice_label(self, value: str) -> str:
        return next((c.label for c in self.choices if c.value == value), value)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[Field, ...]
    help: str = ""
    repeatable: bool = False
    row_label: str = "Row"
    row_key: tuple[str, ...] = ()
    min_rows: int = 0
    max_rows: int | None = None

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


@dataclass(frozen=True)
class FormSchema:
    title: str
    sections: tuple[Section, ...]
    description: str = ""

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    @property
    def field_count(self) -> int:
        return sum(len(s.fields) for s in self.sections)

    def columns(self) -> list[tuple[str, str]]:
        """(path, label) of every field, "section.field", for table column pickers."""
        return [(f"{s.key}.{f.key}", f"{s.title}: {f.label}") for s in self.sections for f in s.fields]


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


# --- comparing two answer sets -----------------------------------------------------------------------


class DiffKind(StrEnum):
    CHANGED = "changed"  # both answered a field, differently (or one left it blank)
    ROW_ONLY_A = "row_only_a"  # a row only the first answer set has
    ROW_ONLY_B = "row_only_b"


@dataclass(frozen=True)
class Difference:
    kind: DiffKind
    section: str
    field: str  # "" for a whole row
    row: int | None  # 1-based row of the first answer set (or of the second for ROW_ONLY_B)
    row_b: int | None
    row_name: str
    label: str
    a: Any
    b: Any

    @property
    def path(self) -> str:
        """Stable address of the difference, used to record how it was settled."""
        where = self.section
        if self.row is not None or self.row_b is not None:
            where += f"[{self.row_name or self.row or self.row_b}]"
        return f"{where}.{self.field}" if self.field else where


def same_value(a: Any, b: Any) -> bool:
    if is_blank(a) and is_blank(b):
        return True
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()) == " ".join(b.split())
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def _field_diffs(section: Section, a: Mapping, b: Mapping, rows: tuple, name: str) -> Iterable[Difference]:
    for f in section.fields:
        if not same_value(a.get(f.key), b.get(f.key)):
            human = f"{section.title}" + (f" [{name or rows[0] or rows[1]}]" if rows != (None, None) else "")
            yield Difference(
                DiffKind.CHANGED,
                section.key,
                f.key,
                rows[0],
                rows[1],
                name,
                f"{human}: {f.label}",
                a.get(f.key),
                b.get(f.key),
            )


def match_rows(section: Section, rows_a: list, rows_b: list) -> list[tuple[int | None, int | None]]:
    """Pairs of 0-based row indexes (None where one side has no such row), in the first set's order."""
    if not section.row_key:
        n = max(len(rows_a), len(rows_b))
        return [(i if i < len(rows_a) else None, i if i < len(rows_b) else None) for i in range(n)]
    index_b: dict[tuple, int] = {}
    for k, row in enumerate(rows_b):
        index_b.setdefault(row_identity(section, row), k)
    pairs: list[tuple[int | None, int | None]] = []
    used: set[int] = set()
    for i, row in enumerate(rows_a):
        j = index_b.get(row_identity(section, row))
        if j is not None and j not in used:
            used.add(j)
            pairs.append((i, j))
        else:
            pairs.append((i, None))
    pairs.extend((None, j) for j in range(len(rows_b)) if j not in used)
    return pairs


def diff_answers(schema: FormSchema, a: Mapping, b: Mapping) -> list[Difference]:
    """Every difference between two answer sets of the same form version: field by field, row by row."""
    diffs: list[Difference] = []
    for section in schema.sections:
        if not section.repeatable:
            diffs.extend(
                _field_diffs(section, a.get(section.key) or {}, b.get(section.key) or {}, (None, None), "")
            )
            continue
        rows_a, rows_b = a.get(section.key) or [], b.get(section.key) or []
        for i, j in match_rows(section, rows_a, rows_b):
            ra = rows_a[i] if i is not None else {}
            rb = rows_b[j] if j is not None else {}
            name = row_name(section, ra or rb)
            one, two = (i + 1 if i is not None else None), (j + 1 if j is not None else None)
            if i is None or j is None:
                kind = DiffKind.ROW_ONLY_B if i is None else DiffKind.ROW_ONLY_A
                label = f"{section.title}: {section.row_label.lower()} {name or one or two}"
                diffs.append(Difference(kind, section.key, "", one, two, name, label, ra or None, rb or None))
            else:
                diffs.extend(_field_diffs(section, ra, rb, (one, two), name))
    return diffs


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


def merge_answers(schema: FormSchema, a: Mapping, b: Mapping, decisions: Mapping[str, Mapping]) -> dict:
    """The consensus answer set: `a`, with each difference settled as `decisions[path]` says
    ({"choice": "a"} keeps a, {"choice": "b"} takes b -- adding or dropping a whole row for a row only one
    side has -- and {"choice": "value", "value": v} takes an agreed, already cleaned, new value)."""
    result = copy.deepcopy(dict(a))
    drop: dict[str, set[int]] = {}
    for d in diff_answers(schema, a, b):
        decision = decisions.get(d.path)
        if not decision or decision.get("choice") == "a":
            continue
        choice = decision.get("choice")
        if d.kind == DiffKind.CHANGED:
            value = d.b if choice == "b" else decision.get("value")
            target = result.setdefault(d.section, [] if d.row else {})
            holder = target[d.row - 1] if d.row else target
            if is_blank(value):
                holder.pop(d.field, None)
            else:
                holder[d.field] = copy.deepcopy(value)
        elif d.kind == DiffKind.ROW_ONLY_A and choice == "b" and d.row:
            drop.setdefault(d.section, set()).add(d.row - 1)
        elif d.kind == DiffKind.ROW_ONLY_B and choice == "b":
            result.setdefault(d.section, []).append(copy.deepcopy(d.b))
    for section, rows in drop.items():
        result[section] = [row for i, row in enumerate(result[section]) if i not in rows]
    return result
