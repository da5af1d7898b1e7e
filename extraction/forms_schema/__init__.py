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

from .answers import (
    Validation,
    carry_answers,
    clean_value,
    display_value,
    is_blank,
    row_identity,
    row_name,
    validate_answers,
)
from .definition import (
    CHOICE_TYPES,
    KEY_RE,
    NUMBER_TYPES,
    SCHEMA_FORMAT,
    Choice,
    Field,
    FieldType,
    FormSchema,
    Problem,
    SchemaError,
    Section,
)
from .diff import Difference, DiffKind, diff_answers, match_rows, merge_answers, same_value
from .serialize import schema_from_dict, schema_to_dict

__all__ = [
    "KEY_RE",
    "SCHEMA_FORMAT",
    "FieldType",
    "CHOICE_TYPES",
    "NUMBER_TYPES",
    "Problem",
    "SchemaError",
    "Choice",
    "Field",
    "Section",
    "FormSchema",
    "schema_from_dict",
    "schema_to_dict",
    "is_blank",
    "row_name",
    "clean_value",
    "Validation",
    "validate_answers",
    "row_identity",
    "display_value",
    "carry_answers",
    "DiffKind",
    "Difference",
    "same_value",
    "match_rows",
    "diff_answers",
    "merge_answers",
]
