"""A form definition as plain data: field types, choices, fields, sections, the form; problems found in it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

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
        return [(path, f"{section}: {label}") for path, section, label in self.column_parts()]

    def column_parts(self) -> list[tuple[str, str, str]]:
        """(path, section title, field label) of every field, for tables with a header row per level."""
        return [(f"{s.key}.{f.key}", s.title, f.label) for s in self.sections for f in s.fields]
