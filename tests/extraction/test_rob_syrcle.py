"""SYRCLE's risk of bias tool for animal studies (Hooijmans et al. BMC Med Res Methodol 2014;14:43):
ten items in six bias types, yes/no/unclear, no overall score.

Expected values come from the paper: Table 2 (items and bias types) and Table 3 ("'Yes' indicates low risk
of bias; 'no' indicates high risk of bias; and 'unclear' indicates an unclear risk of bias. If one of the
relevant signaling questions is answered with 'no', this indicates high risk of bias for that specific
entry").
"""

import pytest

from extraction.rob.tools import InvalidAnswer, OverallNotDefined, get_tool

SYRCLE = get_tool("syrcle")

# Table 2 of the paper: item -> type of bias
ITEMS = [
    ("Sequence generation", "Selection bias"),
    ("Baseline characteristics", "Selection bias"),
    ("Allocation concealment", "Selection bias"),
    ("Random housing", "Performance bias"),
    ("Blinding", "Performance bias"),
    ("Random outcome assessment", "Detection bias"),
    ("Blinding", "Detection bias"),
    ("Incomplete outcome data", "Attrition bias"),
    ("Selective outcome reporting", "Reporting bias"),
    ("Other sources of bias", "Other"),
]


def test_ten_items_in_six_bias_types_with_their_questions():
    assert [(d.name, d.group) for d in SYRCLE.domains] == ITEMS
    assert len({d.group for d in SYRCLE.domains}) == 6
    assert SYRCLE.domain("i1").note == "Was the allocation sequence adequately generated and applied?"
    assert SYRCLE.domain("i7").note == "Was the outcome assessor blinded?"
    assert all(q.options[:3] == ("yes", "no", "unclear") for d in SYRCLE.domains for q in d.questions)


@pytest.mark.parametrize(
    "item, given, expected",
    [
        ("i1", {"1.1": "yes"}, "low"),
        ("i1", {"1.1": "no"}, "high"),
        ("i1", {"1.1": "unclear"}, "unclear"),
        ("i2", {"2.1": "yes", "2.2": "NA", "2.3": "yes"}, "low"),  # adjustment "if relevant"
        ("i2", {"2.1": "yes", "2.2": "yes", "2.3": "no"}, "high"),  # one relevant "no" -> high
        ("i2", {"2.1": "yes", "2.2": "unclear", "2.3": "yes"}, "unclear"),
        ("i7", {"7.1": "yes"}, "low"),
        ("i7", {"7.1": "no", "7.2": "yes"}, "low"),  # not blinded, outcome not likely influenced
        ("i7", {"7.1": "no", "7.2": "no"}, "high"),
        ("i7", {"7.1": "unclear", "7.2": "unclear"}, "unclear"),
        ("i8", {"8.1": "yes"}, "low"),
        ("i8", {"8.1": "no", "8.2": "yes", "8.3": "yes", "8.4": "NA"}, "low"),
        ("i8", {"8.1": "no", "8.2": "yes", "8.3": "no", "8.4": "NA"}, "high"),
        ("i10", {"10.1": "yes", "10.2": "yes", "10.3": "yes", "10.4": "yes", "10.5": "no"}, "low"),
        ("i10", {"10.1": "yes", "10.2": "yes", "10.3": "yes", "10.4": "yes", "10.5": "yes"}, "high"),
    ],
)
def test_item_judgement_from_signalling_questions(item, given, expected):
    assert SYRCLE.propose_domain(item, given).judgement == expected


def test_alternative_questions_open_only_when_the_first_is_not_yes():
    assert [q.id for q in SYRCLE.visible_questions("i7", {"7.1": "yes"})] == ["7.1"]
    assert [q.id for q in SYRCLE.visible_questions("i7", {"7.1": "no"})] == ["7.1", "7.2"]


def test_answers_outside_yes_no_unclear_are_refused():
    with pytest.raises(InvalidAnswer, match="1.1"):
        SYRCLE.propose_domain("i1", {"1.1": "Y"})
    with pytest.raises(InvalidAnswer, match="1.1"):
        SYRCLE.propose_domain("i1", {"1.1": "NA"})  # not an "if relevant" question


def test_there_is_no_overall_score():
    assert not SYRCLE.has_overall
    with pytest.raises(OverallNotDefined, match="summing"):
        SYRCLE.propose_overall({d.key: "low" for d in SYRCLE.domains})
