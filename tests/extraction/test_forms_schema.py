"""Form definitions, answer validation and the answer diff (no database)."""

import pytest

from extraction.forms_schema import (
    DiffKind,
    FieldType,
    SchemaError,
    carry_answers,
    diff_answers,
    schema_from_dict,
    schema_to_dict,
    validate_answers,
)

FORM = {
    "title": "Clinical study",
    "sections": [
        {
            "key": "design",
            "title": "Design",
            "fields": [
                {
                    "key": "type",
                    "label": "Study type",
                    "type": "single_choice",
                    "required": True,
                    "choices": [
                        {"value": "rct", "label": "RCT"},
                        {"value": "single_arm", "label": "Single arm"},
                    ],
                },
                {"key": "country", "label": "Country", "type": "text"},
                {"key": "blinded", "label": "Double-blind", "type": "yes_no"},
                {"key": "start", "label": "Start date", "type": "date"},
                {
                    "key": "sources",
                    "label": "MSC source",
                    "type": "multiple_choice",
                    "choices": ["umbilical cord", "placenta", "Wharton's jelly"],
                },
                {"key": "follow_up", "label": "Follow-up", "type": "decimal", "unit": "months", "min": 0},
                {
                    "key": "dose",
                    "label": "Dose per infusion",
                    "type": "decimal",
                    "unit": "x10^6 cells/kg",
                    "units": ["x10^6 cells"],
                },
            ],
        },
        {
            "key": "arms",
            "title": "Arms",
            "repeatable": True,
            "row_label": "Arm",
            "row_key": ["label"],
            "min_rows": 1,
            "fields": [
                {"key": "label", "label": "Arm", "type": "text", "required": True},
                {"key": "n", "label": "Number randomised", "type": "integer", "min": 1, "max": 100000},
                {"key": "age", "label": "Mean age", "type": "decimal", "unit": "years"},
            ],
        },
    ],
}


@pytest.fixture
def schema():
    return schema_from_dict(FORM)


def test_definition_round_trips_through_json(schema):
    assert schema_from_dict(schema_to_dict(schema)) == schema
    assert schema.section("design").field("sources").type == FieldType.MULTIPLE_CHOICE
    assert schema.field_count == 10


def test_bad_definition_names_every_bad_path():
    bad = {
        "title": "",
        "sections": [
            {
                "key": "Arms!",
                "fields": [
                    {"key": "n", "label": "N", "type": "number"},
                    {"key": "c", "label": "C", "type": "single_choice"},
                    {"key": "x", "label": "X", "type": "integer", "min": 5, "max": 1},
                ],
            }
        ],
    }
    with pytest.raises(SchemaError) as caught:
        schema_from_dict(bad)
    text = str(caught.value)
    assert "sections[0].key: key 'Arms!'" in text
    assert "sections[0].fields[0] (n): type 'number' is not one of" in text
    assert "sections[0].fields[1] (c): a choice field needs choices" in text
    assert "sections[0].fields[2] (x): min 5 is above max 1" in text
    assert "A form needs a title" in text


def test_draft_answers_are_cleaned(schema):
    result = validate_answers(
        schema,
        {
            "design": {
                "type": "rct",
                "country": " China ",
                "blinded": "yes",
                "start": "2019-03-01",
                "sources": ["placenta", "umbilical cord"],
                "follow_up": "12",
                "dose": "1,5",
            },
            "arms": [{"label": "UC-MSC", "n": "61"}, {"label": "Placebo", "n": 30, "age": 53.2}],
        },
    )
    assert result.ok, result.problems
    assert result.cleaned["design"] == {
        "type": "rct",
        "country": "China",
        "blinded": True,
        "start": "2019-03-01",
        "sources": ["umbilical cord", "placenta"],
        "follow_up": 12,
        "dose": 1.5,
    }
    assert result.cleaned["arms"][0] == {"label": "UC-MSC", "n": 61}


def test_messages_name_section_row_and_field(schema):
    result = validate_answers(
        schema,
        {
            "design": {"type": "cohort", "follow_up": -1, "dose": {"value": 50, "unit": "mg"}},
            "arms": [{"label": "UC-MSC", "n": 0}, {"label": "Placebo", "n": 2.5}, {"label": "uc-msc "}],
        },
    )
    assert [p.message for p in result.problems] == [
        "Design: Study type must be one of: RCT, Single arm.",
        "Design: Follow-up must be at least 0.",
        "Design: Dose per infusion unit 'mg' is not one of: x10^6 cells/kg, x10^6 cells.",
        "Arms, arm 1 (UC-MSC): Number randomised must be at least 1.",
        "Arms, arm 2 (Placebo): Number randomised must be a whole number.",
        "Arms, arm 3: same label as row 1 (uc-msc).",
    ]
    assert result.problems[3].path == "arms[1].n"


def test_complete_answers_need_required_fields_and_rows(schema):
    result = validate_answers(schema, {"design": {"country": "China"}, "arms": []}, complete=True)
    assert [p.message for p in result.problems] == [
        "Design: Study type is required.",
        "Arms: needs at least 1 rows.",
    ]
    assert validate_answers(schema, {"design": {"country": "China"}}).ok  # a draft may be partial


def test_unknown_fields_are_reported_not_dropped(schema):
    result = validate_answers(schema, {"design": {"colour": "red"}, "extra": {}})
    assert [p.message for p in result.problems] == [
        "Design: 'colour' is not a field of this form version.",
        "'extra' is not a section of this form version.",
    ]


def test_diff_matches_rows_by_key_and_reports_each_field(schema):
    a = {
        "design": {"type": "rct", "country": "China"},
        "arms": [{"label": "UC-MSC", "n": 61}, {"label": "Placebo", "n": 30}],
    }
    b = {
        "design": {"type": "rct", "country": "Indonesia"},
        "arms": [
            {"label": " Placebo ", "n": 31},
            {"label": "UC-MSC", "n": 61},
            {"label": "Metformin", "n": 12},
        ],
    }
    diffs = diff_answers(schema, a, b)
    assert [(d.kind, d.path, d.a, d.b) for d in diffs] == [
        (DiffKind.CHANGED, "design.country", "China", "Indonesia"),
        (DiffKind.CHANGED, "arms[Placebo].n", 30, 31),
        (DiffKind.ROW_ONLY_B, "arms[Metformin]", None, {"label": "Metformin", "n": 12}),
    ]
    assert diffs[1].label == "Arms [Placebo]: Number randomised"
    assert diff_answers(schema, a, a) == []


def test_whitespace_and_blank_are_not_differences(schema):
    assert (
        diff_answers(schema, {"design": {"country": "South  Korea"}}, {"design": {"country": "South Korea"}})
        == []
    )
    assert diff_answers(schema, {"design": {"country": ""}}, {"design": {}}) == []


def test_carrying_answers_to_a_new_version_reports_what_cannot_move(schema):
    new = dict(FORM, sections=[FORM["sections"][0] | {"fields": FORM["sections"][0]["fields"][:2]}])
    carried, left = carry_answers(
        schema, schema_from_dict(new), {"design": {"type": "rct", "blinded": True}, "arms": [{"label": "A"}]}
    )
    assert carried == {"design": {"type": "rct"}}
    assert [p.message for p in left] == [
        "Design: blinded is not in the new version.",
        "Arms: this section is not in the new version.",
    ]


def test_merge_takes_each_settled_difference(schema):
    from extraction.forms_schema import merge_answers

    a = {
        "design": {"type": "rct", "country": "China"},
        "arms": [{"label": "UC-MSC", "n": 61}, {"label": "Placebo", "n": 30}, {"label": "Extra", "n": 1}],
    }
    b = {
        "design": {"type": "rct", "country": "Indonesia"},
        "arms": [
            {"label": "Placebo", "n": 31},
            {"label": "UC-MSC", "n": 61},
            {"label": "Metformin", "n": 12},
        ],
    }
    merged = merge_answers(
        schema,
        a,
        b,
        {
            "design.country": {"choice": "value", "value": "China (Shanghai)"},
            "arms[Placebo].n": {"choice": "b"},
            "arms[Extra]": {"choice": "b"},  # b has no such row: drop it
            "arms[Metformin]": {"choice": "b"},  # only b has it: add it
        },
    )
    assert merged == {
        "design": {"type": "rct", "country": "China (Shanghai)"},
        "arms": [
            {"label": "UC-MSC", "n": 61},
            {"label": "Placebo", "n": 31},
            {"label": "Metformin", "n": 12},
        ],
    }
    assert a["arms"][1]["n"] == 30  # inputs untouched
