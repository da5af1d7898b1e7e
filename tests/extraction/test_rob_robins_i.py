"""ROBINS-I: domain proposals walked path by path, conditional questions, the overall rule.

Expected judgements are read off the criteria tables of Sterne et al. BMJ 2016;355:i4919 (Table 2, and
the per-domain tables of the ROBINS-I detailed guidance, 2016): e.g. confounding "Low: no confounding
expected; Moderate: confounding expected, all known important confounding domains appropriately measured
and controlled for ...; Serious: at least one known important domain was not appropriately measured, or not
controlled for". ``needs`` marks where the table turns on a degree the signalling questions do not record,
so the proposal must be confirmed by the assessor (see the module docstring of robins_i).
"""

import pytest

from extraction.rob.tools import InvalidAnswer, get_tool

ROBINS = get_tool("robins_i")
ADHERING = get_tool("robins_i", effect="adhering")
L, M, S, C, NI = "low", "moderate", "serious", "critical", "no_information"


def answers(text: str) -> dict[str, str]:
    return dict(pair.split("=") for pair in text.split())


# (domain, answers, expected judgement, needs assessor judgement)
PATHS = [
    # D1 confounding -- Table: Low "no confounding expected"; Moderate "all important domains measured and
    # controlled"; Serious "not controlled" / "measurement low validity"; NI "no clear indication".
    ("d1", "1.1=N", L, False),
    ("d1", "1.1=PN", L, False),
    ("d1", "1.1=Y 1.2=N 1.4=Y 1.5=Y 1.6=N", M, False),
    ("d1", "1.1=PY 1.2=Y 1.3=N 1.4=PY 1.5=PY 1.6=PN", M, False),
    ("d1", "1.1=Y 1.2=N 1.4=N 1.6=N", S, True),
    ("d1", "1.1=Y 1.2=N 1.4=Y 1.5=N 1.6=N", S, False),
    ("d1", "1.1=Y 1.2=N 1.4=Y 1.5=Y 1.6=Y", S, True),
    ("d1", "1.1=Y 1.2=N 1.4=NI 1.6=N", NI, True),
    ("d1", "1.1=Y 1.2=Y 1.3=Y 1.7=Y 1.8=Y", M, False),
    ("d1", "1.1=Y 1.2=Y 1.3=PY 1.7=N", S, True),
    ("d1", "1.1=Y 1.2=Y 1.3=Y 1.7=Y 1.8=PN", S, False),
    # D2 selection -- Low: all eligible included and follow-up starts with intervention; Moderate: related
    # selection or non-coinciding start, adjusted for; Serious: not adjusted for.
    ("d2", "2.1=N 2.4=Y", L, False),
    ("d2", "2.1=Y 2.2=N 2.4=PY", L, False),
    ("d2", "2.1=Y 2.2=Y 2.3=N 2.4=Y", L, False),
    ("d2", "2.1=Y 2.2=Y 2.3=Y 2.4=Y 2.5=Y", M, False),
    ("d2", "2.1=N 2.4=N 2.5=PY", M, False),
    ("d2", "2.1=Y 2.2=PY 2.3=PY 2.4=Y 2.5=N", S, False),
    ("d2", "2.1=N 2.4=PN 2.5=N", S, False),
    ("d2", "2.1=N 2.4=N 2.5=NI", NI, True),
    ("d2", "2.1=NI 2.4=Y", NI, True),
    # D3 classification -- Low: well defined, recorded at the time; Moderate: some aspects retrospective;
    # Serious: not well defined, or affected by knowledge of the outcome.
    ("d3", "3.1=Y 3.2=Y 3.3=N", L, False),
    ("d3", "3.1=PY 3.2=N 3.3=PN", M, False),
    ("d3", "3.1=N 3.2=Y 3.3=N", S, False),
    ("d3", "3.1=Y 3.2=N 3.3=Y", S, True),
    ("d3", "3.1=Y 3.2=NI 3.3=N", NI, True),
    # D4, effect of assignment -- Low: deviations reflect usual practice; Moderate: impact slight; Serious:
    # unbalanced and likely to have affected the outcome.
    ("d4", "4.1=N", L, False),
    ("d4", "4.1=Y 4.2=N", M, True),
    ("d4", "4.1=PY 4.2=PY", S, True),
    ("d4", "4.1=NI", NI, True),
    # D5 missing data -- Low: reasonably complete, or similar across groups, or analysis addressed it;
    # Moderate/Serious: proportions or reasons differ (substantially) and the analysis did not remove it.
    ("d5", "5.1=Y 5.2=N 5.3=N", L, False),
    ("d5", "5.1=N 5.2=N 5.3=N 5.4=Y 5.5=N", L, False),
    ("d5", "5.1=Y 5.2=Y 5.3=N 5.4=N 5.5=Y", L, False),
    ("d5", "5.1=PN 5.2=N 5.3=N 5.4=N 5.5=N", M, True),
    ("d5", "5.1=Y 5.2=N 5.3=PY 5.4=PN 5.5=NI", M, True),
    ("d5", "5.1=NI 5.2=N 5.3=N", NI, False),
    ("d5", "5.1=N 5.2=N 5.3=N 5.4=NI 5.5=N", NI, True),
    # D6 measurement -- Low: comparable methods, objective or blinded assessment, error unrelated; Serious:
    # not comparable, or subjective outcome assessed by aware assessors, or error related to intervention.
    ("d6", "6.1=N 6.2=Y 6.3=Y 6.4=N", L, False),
    ("d6", "6.1=Y 6.2=N 6.3=Y 6.4=N", L, False),
    ("d6", "6.1=Y 6.2=Y 6.3=Y 6.4=N", S, False),
    ("d6", "6.1=N 6.2=N 6.3=N 6.4=N", S, False),
    ("d6", "6.1=N 6.2=N 6.3=Y 6.4=PY", S, False),
    ("d6", "6.1=NI 6.2=NI 6.3=Y 6.4=N", NI, True),
    # D7 reported result -- Low: clear evidence all results correspond to intended ones; Moderate: no
    # indication of selection; Serious: high risk of selective reporting.
    ("d7", "7.1=N 7.2=N 7.3=N", L, True),
    ("d7", "7.1=PN 7.2=N 7.3=N", M, True),
    ("d7", "7.1=N 7.2=PY 7.3=N", S, True),
    ("d7", "7.1=NI 7.2=N 7.3=N", NI, True),
]


@pytest.mark.parametrize("domain, given, expected, needs", PATHS)
def test_domain_proposal_follows_the_criteria_table(domain, given, expected, needs):
    proposal = ROBINS.propose_domain(domain, answers(given))

    assert (proposal.judgement, proposal.needs_judgement) == (expected, needs)
    assert proposal.missing == ()


ADHERING_PATHS = [
    ("4.3=Y 4.4=Y 4.5=PY", L, False),
    ("4.3=N 4.4=Y 4.5=Y 4.6=Y", M, True),
    ("4.3=Y 4.4=PN 4.5=Y 4.6=N", S, True),
    ("4.3=Y 4.4=Y 4.5=N 4.6=NI", NI, True),
    ("4.3=NI 4.4=Y 4.5=Y", NI, True),
]


@pytest.mark.parametrize("given, expected, needs", ADHERING_PATHS)
def test_deviations_domain_for_the_effect_of_starting_and_adhering(given, expected, needs):
    proposal = ADHERING.propose_domain("d4", answers(given))

    assert (proposal.judgement, proposal.needs_judgement) == (expected, needs)


def test_serious_proposals_name_critical_as_the_other_level_the_table_allows():
    assert C in ROBINS.propose_domain("d1", answers("1.1=Y 1.2=N 1.4=N 1.6=N")).alternatives
    assert C in ROBINS.propose_domain("d7", answers("7.1=Y 7.2=N 7.3=N")).alternatives


def test_questions_numbers_wording_and_options_are_the_published_ones():
    numbers = {d.label: [q.id for q in d.questions] for d in ROBINS.domains}
    assert numbers == {
        "D1": ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8"],
        "D2": ["2.1", "2.2", "2.3", "2.4", "2.5"],
        "D3": ["3.1", "3.2", "3.3"],
        "D4": ["4.1", "4.2"],
        "D5": ["5.1", "5.2", "5.3", "5.4", "5.5"],
        "D6": ["6.1", "6.2", "6.3", "6.4"],
        "D7": ["7.1", "7.2", "7.3"],
    }
    assert [q.id for q in ADHERING.domain("d4").questions] == ["4.3", "4.4", "4.5", "4.6"]
    assert ROBINS.domain("d1").question("1.1").options == ("Y", "PY", "PN", "N")
    assert ROBINS.domain("d2").question("2.4").text == (
        "Do start of follow-up and start of intervention coincide for most participants?"
    )
    assert [lv.label for lv in ROBINS.levels] == ["Low", "Moderate", "Serious", "Critical", "No information"]


def test_confounding_routes_to_baseline_or_time_varying_questions():
    def shown(given):
        return [q.id for q in ROBINS.visible_questions("d1", answers(given))]

    assert shown("1.1=N") == ["1.1"]
    assert shown("1.1=Y") == ["1.1", "1.2"]
    assert shown("1.1=Y 1.2=N") == ["1.1", "1.2", "1.4", "1.6"]
    assert shown("1.1=Y 1.2=N 1.4=Y") == ["1.1", "1.2", "1.4", "1.5", "1.6"]
    assert shown("1.1=Y 1.2=Y 1.3=N") == ["1.1", "1.2", "1.3", "1.4", "1.6"]
    assert shown("1.1=Y 1.2=Y 1.3=Y 1.7=PY") == ["1.1", "1.2", "1.3", "1.7", "1.8"]


def test_missing_data_follow_up_questions_open_only_when_data_are_incomplete():
    def shown(given):
        return [q.id for q in ROBINS.visible_questions("d5", answers(given))]

    assert shown("5.1=Y 5.2=N 5.3=N") == ["5.1", "5.2", "5.3"]
    assert shown("5.1=Y 5.2=N 5.3=Y") == ["5.1", "5.2", "5.3", "5.4", "5.5"]
    assert shown("5.1=PN") == ["5.1", "5.2", "5.3", "5.4", "5.5"]


def test_ni_is_not_an_answer_to_1_1():
    with pytest.raises(InvalidAnswer, match="1.1"):
        ROBINS.propose_domain("d1", {"1.1": "NI"})


# Overall (BMJ 2016 Table 3): Low = low in all domains; Moderate = low or moderate in all; Serious = serious
# in at least one, critical in none; Critical = critical in at least one; No information = no clear
# indication of serious/critical and a lack of information in one or more key domains.
OVERALL = [
    ((L, L, L, L, L, L, L), L, False),
    ((L, M, L, L, L, L, L), M, False),
    ((M, M, M, M, M, M, M), M, False),
    ((S, L, L, L, L, L, L), S, False),
    ((S, S, L, M, M, L, M), S, False),  # the seed's Table 3, Lian 2022
    ((S, S, L, M, C, L, M), C, False),
    ((L, L, L, L, L, L, C), C, False),
    ((S, L, L, NI, L, L, L), S, False),
    ((L, L, L, NI, L, L, M), NI, True),
    ((L, L, L, NI, L, L, L), NI, True),
]


@pytest.mark.parametrize("domains, expected, needs", OVERALL)
def test_overall_is_at_least_as_severe_as_the_worst_domain(domains, expected, needs):
    proposal = ROBINS.propose_overall(dict(zip(ROBINS.domain_keys, domains)))

    assert (proposal.judgement, proposal.needs_judgement) == (expected, needs)


def test_no_information_overall_offers_the_worst_other_level_if_the_domain_is_not_key():
    proposal = ROBINS.propose_overall(dict(zip(ROBINS.domain_keys, (L, L, L, NI, L, L, M))))

    assert proposal.alternatives == (M,)
    assert "D4" in proposal.reasons[0]
