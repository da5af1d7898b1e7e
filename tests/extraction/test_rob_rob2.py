"""RoB 2 (individually randomized parallel-group trials): every domain's decision paths, the overall rule,
conditional questions and answer validation.

The expected judgements below are written from the RoB 2 short version (cribsheet) and full guidance of
22 August 2019 (riskofbias.info): the flowchart of each domain and the criteria tables ("Low risk of bias:
(i) The allocation sequence was adequately concealed AND ..."). They are literal data, not taken from the
implementation's functions.
"""

import itertools

import pytest

from extraction.rob.tools import InvalidAnswer, RobError, UnknownDomain, get_tool

ROB2 = get_tool("rob2")
ADHERING = get_tool("rob2", effect="adhering")
L, S, H = "low", "some_concerns", "high"


def answers(text: str) -> dict[str, str]:
    """'1.1=Y 1.2=PY' -> {'1.1': 'Y', '1.2': 'PY'}"""
    return dict(pair.split("=") for pair in text.split())


# Domain 1 flowchart (cribsheet p. 3): 1.2 Y/PY -> [1.1 N/PN -> SC; 1.1 Y/PY/NI -> 1.3 Y/PY SC, N/PN/NI Low];
# 1.2 NI -> 1.3 Y/PY High, N/PN/NI SC; 1.2 N/PN -> High.
D1 = [
    ("1.1=Y 1.2=Y 1.3=N", L),
    ("1.1=PY 1.2=PY 1.3=PN", L),
    ("1.1=NI 1.2=Y 1.3=NI", L),
    ("1.1=Y 1.2=Y 1.3=Y", S),
    ("1.1=N 1.2=Y 1.3=N", S),
    ("1.1=PN 1.2=PY 1.3=PY", S),
    ("1.1=Y 1.2=NI 1.3=N", S),
    ("1.1=NI 1.2=NI 1.3=NI", S),  # "no information to answer any of the signalling questions"
    ("1.1=Y 1.2=NI 1.3=Y", H),
    ("1.1=Y 1.2=NI 1.3=PY", H),
    ("1.1=Y 1.2=N 1.3=N", H),
    ("1.1=Y 1.2=PN 1.3=NI", H),
]

# Domain 2, effect of assignment (cribsheet p. 6). Part 1: 2.1 & 2.2 N/PN -> Low; else 2.3 N/PN Low, NI SC,
# Y/PY -> 2.4 N/PN SC, Y/PY/NI -> 2.5 Y/PY SC, N/PN/NI High. Part 2: 2.6 Y/PY Low, else 2.7 N/PN SC,
# Y/PY/NI High. Domain = Low if both Low, High if either High, otherwise Some concerns.
D2_ASSIGNMENT = [
    ("2.1=N 2.2=N 2.6=Y", L),
    ("2.1=PN 2.2=N 2.6=PY", L),
    ("2.1=N 2.2=N 2.6=N 2.7=N", S),
    ("2.1=N 2.2=PN 2.6=PN 2.7=Y", H),
    ("2.1=N 2.2=N 2.6=NI 2.7=NI", H),
    ("2.1=Y 2.2=Y 2.3=N 2.6=Y", L),
    ("2.1=N 2.2=NI 2.3=PN 2.6=Y", L),
    ("2.1=Y 2.2=N 2.3=NI 2.6=Y", S),
    ("2.1=Y 2.2=Y 2.3=Y 2.4=N 2.6=Y", S),
    ("2.1=Y 2.2=Y 2.3=Y 2.4=Y 2.5=Y 2.6=Y", S),
    ("2.1=Y 2.2=Y 2.3=Y 2.4=NI 2.5=PY 2.6=PY", S),
    ("2.1=Y 2.2=Y 2.3=Y 2.4=Y 2.5=N 2.6=Y", H),
    ("2.1=NI 2.2=N 2.3=PY 2.4=PY 2.5=NI 2.6=Y", H),
    ("2.1=Y 2.2=Y 2.3=NI 2.6=NI 2.7=NI", H),
    ("2.1=Y 2.2=Y 2.3=N 2.6=N 2.7=PN", S),
    ("2.1=Y 2.2=Y 2.3=Y 2.4=N 2.6=N 2.7=N", S),
]

# Domain 2, effect of adhering (cribsheet p. 7): Low if (2.1 & 2.2 N/PN, or 2.3 Y/PY/NA) and 2.4 & 2.5
# N/PN/NA; otherwise 2.6 Y/PY -> SC, N/PN/NI -> High.
D2_ADHERING = [
    ("2.1=N 2.2=N 2.4=N 2.5=N", L),
    ("2.1=N 2.2=PN 2.4=NA 2.5=NA", L),
    ("2.1=Y 2.2=Y 2.3=Y 2.4=N 2.5=PN", L),
    ("2.1=Y 2.2=N 2.3=NA 2.4=N 2.5=N", L),
    ("2.1=Y 2.2=Y 2.3=N 2.4=N 2.5=N 2.6=Y", S),
    ("2.1=Y 2.2=Y 2.3=NI 2.4=N 2.5=N 2.6=N", H),
    ("2.1=N 2.2=N 2.4=Y 2.5=N 2.6=PY", S),
    ("2.1=N 2.2=N 2.4=N 2.5=NI 2.6=NI", H),
    ("2.1=NI 2.2=N 2.3=PY 2.4=PY 2.5=Y 2.6=PN", H),
]

# Domain 3 (cribsheet p. 9): 3.1 Y/PY Low; 3.2 Y/PY Low; 3.3 N/PN Low; 3.4 N/PN SC; 3.4 Y/PY/NI High.
D3 = [
    ("3.1=Y", L),
    ("3.1=PY", L),
    ("3.1=N 3.2=Y", L),
    ("3.1=NI 3.2=PY", L),
    ("3.1=N 3.2=N 3.3=N", L),
    ("3.1=PN 3.2=PN 3.3=PN", L),
    ("3.1=N 3.2=N 3.3=Y 3.4=N", S),
    ("3.1=N 3.2=N 3.3=NI 3.4=PN", S),
    ("3.1=N 3.2=N 3.3=Y 3.4=Y", H),
    ("3.1=N 3.2=N 3.3=PY 3.4=NI", H),
    ("3.1=NI 3.2=N 3.3=PY 3.4=PY", H),
]

# Domain 4 (cribsheet p. 11): 4.1 Y/PY High; 4.2 Y/PY High; 4.2 N/PN: 4.3 N/PN Low, 4.4 N/PN Low, 4.5 N/PN SC,
# 4.5 Y/PY/NI High; 4.2 NI: 4.3 N/PN SC, 4.4 N/PN SC, 4.5 N/PN SC, 4.5 Y/PY/NI High.
D4 = [
    ("4.1=Y 4.2=N", H),
    ("4.1=N 4.2=Y", H),
    ("4.1=NI 4.2=PY", H),
    ("4.1=N 4.2=N 4.3=N", L),
    ("4.1=PN 4.2=PN 4.3=Y 4.4=N", L),
    ("4.1=NI 4.2=N 4.3=NI 4.4=PN", L),
    ("4.1=N 4.2=N 4.3=Y 4.4=Y 4.5=N", S),
    ("4.1=N 4.2=N 4.3=Y 4.4=NI 4.5=Y", H),
    ("4.1=N 4.2=N 4.3=Y 4.4=Y 4.5=NI", H),
    ("4.1=N 4.2=NI 4.3=N", S),
    ("4.1=N 4.2=NI 4.3=NI 4.4=PN", S),
    ("4.1=N 4.2=NI 4.3=Y 4.4=Y 4.5=PN", S),
    ("4.1=N 4.2=NI 4.3=Y 4.4=Y 4.5=PY", H),
]

# Domain 5 (cribsheet p. 13): 5.2 or 5.3 Y/PY High; both N/PN: 5.1 Y/PY Low else SC; NI (no Y/PY) SC.
D5 = [
    ("5.1=Y 5.2=N 5.3=N", L),
    ("5.1=PY 5.2=PN 5.3=PN", L),
    ("5.1=N 5.2=N 5.3=N", S),
    ("5.1=NI 5.2=PN 5.3=N", S),
    ("5.1=Y 5.2=NI 5.3=N", S),
    ("5.1=Y 5.2=N 5.3=NI", S),
    ("5.1=Y 5.2=Y 5.3=N", H),
    ("5.1=Y 5.2=N 5.3=PY", H),
    ("5.1=Y 5.2=NI 5.3=Y", H),
]


@pytest.mark.parametrize(
    "tool, domain, given, expected",
    [(ROB2, "d1", g, e) for g, e in D1]
    + [(ROB2, "d2", g, e) for g, e in D2_ASSIGNMENT]
    + [(ADHERING, "d2", g, e) for g, e in D2_ADHERING]
    + [(ROB2, "d3", g, e) for g, e in D3]
    + [(ROB2, "d4", g, e) for g, e in D4]
    + [(ROB2, "d5", g, e) for g, e in D5],
)
def test_domain_algorithm_follows_the_published_flowchart(tool, domain, given, expected):
    proposal = tool.propose_domain(domain, answers(given))

    assert proposal.judgement == expected
    assert proposal.missing == ()
    assert proposal.reasons


STANDARD = ("Y", "PY", "PN", "N", "NI")


def test_domain_1_matches_the_guidance_criteria_for_every_combination_of_answers():
    # RoB 2 guidance Table for domain 1: Low = concealed AND (baseline compatible with chance OR NI) AND
    # (random OR NI); High = not concealed OR (NI on concealment AND baseline suggests a problem).
    for q11, q12, q13 in itertools.product(STANDARD, repeat=3):
        concealed, baseline_problem = q12 in ("Y", "PY"), q13 in ("Y", "PY")
        if concealed and not baseline_problem and q11 in ("Y", "PY", "NI"):
            expected = L
        elif q12 in ("N", "PN") or (q12 == "NI" and baseline_problem):
            expected = H
        else:
            expected = S
        got = ROB2.propose_domain("d1", {"1.1": q11, "1.2": q12, "1.3": q13}).judgement
        assert got == expected, (q11, q12, q13)


def test_domain_5_matches_the_guidance_criteria_for_every_combination_of_answers():
    # Low = pre-specified plan AND not selected from measurements AND not from analyses;
    # High = selected from multiple measurements OR multiple analyses; otherwise some concerns.
    for q51, q52, q53 in itertools.product(STANDARD, repeat=3):
        if q52 in ("Y", "PY") or q53 in ("Y", "PY"):
            expected = H
        elif q51 in ("Y", "PY") and q52 in ("N", "PN") and q53 in ("N", "PN"):
            expected = L
        else:
            expected = S
        got = ROB2.propose_domain("d5", {"5.1": q51, "5.2": q52, "5.3": q53}).judgement
        assert got == expected, (q51, q52, q53)


def test_every_domain_has_the_published_questions_in_order():
    numbers = {d.key: [q.id for q in d.questions] for d in ROB2.domains}
    assert numbers == {
        "d1": ["1.1", "1.2", "1.3"],
        "d2": ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7"],
        "d3": ["3.1", "3.2", "3.3", "3.4"],
        "d4": ["4.1", "4.2", "4.3", "4.4", "4.5"],
        "d5": ["5.1", "5.2", "5.3"],
    }
    assert [q.id for q in ADHERING.domain("d2").questions] == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]
    assert ROB2.domain("d1").question("1.2").text.startswith("Was the allocation sequence concealed until")
    assert ADHERING.domain("d2").question("2.3").text == (
        "Were important non-protocol interventions balanced across intervention groups?"
    )
    assert ROB2.domain("d3").question("3.2").options == ("NA", "Y", "PY", "PN", "N")  # no NI, as published
    assert [lv.label for lv in ROB2.levels] == ["Low", "Some concerns", "High"]


def test_conditional_questions_appear_only_after_the_answers_that_open_them():
    def shown(domain, given):
        return [q.id for q in ROB2.visible_questions(domain, answers(given))]

    assert shown("d2", "2.1=N 2.2=N") == ["2.1", "2.2", "2.6"]
    assert shown("d2", "2.1=N 2.2=NI") == ["2.1", "2.2", "2.3", "2.6"]
    assert shown("d2", "2.1=Y 2.2=N 2.3=PY") == ["2.1", "2.2", "2.3", "2.4", "2.6"]
    assert shown("d2", "2.1=Y 2.2=N 2.3=PY 2.4=NI 2.6=PN") == [
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
        "2.6",
        "2.7",
    ]
    assert shown("d3", "3.1=Y") == ["3.1"]
    assert shown("d3", "3.1=NI 3.2=N 3.3=NI") == ["3.1", "3.2", "3.3", "3.4"]
    assert shown("d4", "4.1=N 4.2=Y") == ["4.1", "4.2"]  # 4.3 only if N/PN/NI to 4.1 and 4.2
    assert shown("d4", "4.1=N 4.2=NI 4.3=Y 4.4=PY") == ["4.1", "4.2", "4.3", "4.4", "4.5"]


def test_answers_left_on_questions_that_closed_are_ignored():
    # The assessor first answered 3.1 N and 3.2 N, then changed 3.1 to Y: 3.2 no longer applies.
    proposal = ROB2.propose_domain("d3", {"3.1": "Y", "3.2": "N", "3.3": "Y", "3.4": "Y"})

    assert proposal.judgement == L
    assert ROB2.effective_answers("d3", {"3.1": "Y", "3.2": "N"}) == {"3.1": "Y"}


def test_proposal_appears_as_soon_as_the_flowchart_can_decide_and_lists_what_is_unanswered():
    early = ROB2.propose_domain("d1", {"1.2": "N"})
    pending = ROB2.propose_domain("d1", {"1.2": "Y"})

    assert early.judgement == H and early.missing == ("1.1", "1.3")
    assert pending.judgement is None and "1.1" in pending.reasons[0] and pending.missing == ("1.1", "1.3")


@pytest.mark.parametrize(
    "domain, given, question, value",
    [
        ("d1", {"1.1": "Maybe"}, "1.1", "Maybe"),
        ("d1", {"1.1": "y"}, "1.1", "y"),
        ("d3", {"3.1": "N", "3.2": "NI"}, "3.2", "NI"),  # 3.2 has no "No information" option
        ("d2", {"2.1": "Y", "2.2": "Y", "2.3": "NA"}, "2.3", "NA"),  # 2.3 applies once 2.1 is Y
        ("d1", {"9.9": "Y"}, "9.9", "Y"),
    ],
)
def test_invalid_answers_are_refused_naming_the_question_and_the_value(domain, given, question, value):
    with pytest.raises(InvalidAnswer) as refused:
        ROB2.propose_domain(domain, given)

    assert refused.value.question == question
    assert question in str(refused.value) and repr(value) in str(refused.value)


def test_not_applicable_is_a_real_answer_for_if_applicable_questions_of_the_adhering_variant():
    ADHERING.validate_answers("d2", {"2.1": "N", "2.2": "N", "2.4": "NA", "2.5": "NA"})
    assert ADHERING.propose_domain("d2", {"2.1": "N", "2.2": "N", "2.4": "NA", "2.5": "NA"}).judgement == L


def test_unknown_domains_tools_and_designs_are_refused():
    with pytest.raises(UnknownDomain, match="d6"):
        ROB2.propose_domain("d6", {})
    with pytest.raises(RobError, match="Unknown risk-of-bias tool"):
        get_tool("rob3")
    with pytest.raises(RobError, match="cluster"):
        get_tool("rob2", design="cluster")


# Overall (BMJ 2019 Table 2; guidance 1.3.3): Low = low in all domains; Some concerns = some concerns in at
# least one domain, high in none; High = high in at least one domain (or, by the assessor's judgement, some
# concerns in multiple domains that substantially lower confidence in the result).
OVERALL = [
    ((L, L, L, L, L), L, False),
    ((S, L, L, L, L), S, False),
    ((L, L, L, L, S), S, False),
    ((H, L, L, L, L), H, False),
    ((S, S, H, L, L), H, False),
    ((S, S, L, L, L), S, True),
    ((S, S, S, S, S), S, True),
]


@pytest.mark.parametrize("domains, expected, flagged", OVERALL)
def test_overall_rule(domains, expected, flagged):
    proposal = ROB2.propose_overall(dict(zip(ROB2.domain_keys, domains)))

    assert proposal.judgement == expected
    assert proposal.needs_judgement is flagged
    assert proposal.alternatives == ((H,) if flagged else ())


def test_raising_multiple_some_concerns_to_high_is_an_option_not_the_default():
    judgements = dict(zip(ROB2.domain_keys, (S, S, L, L, L)))

    assert ROB2.propose_overall(judgements).judgement == S
    assert ROB2.propose_overall(judgements, multiple_concerns_as_high=True).judgement == H
    assert (
        ROB2.propose_overall(
            dict(zip(ROB2.domain_keys, (S, L, L, L, L))), multiple_concerns_as_high=True
        ).judgement
        == S
    )


def test_overall_waits_for_every_domain_and_refuses_unknown_levels():
    partial = ROB2.propose_overall({"d1": L, "d2": L})

    assert partial.judgement is None and partial.missing == ("d3", "d4", "d5")
    with pytest.raises(RobError, match="moderate"):
        ROB2.propose_overall(dict(zip(ROB2.domain_keys, ("moderate", L, L, L, L))))
