"""RoB 2: the revised Cochrane risk-of-bias tool for randomized trials (individually randomized, parallel).

Sources: Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias in
randomised trials. BMJ 2019;366:l4898. Higgins JPT, Savović J, Page MJ, Sterne JAC (eds). Revised Cochrane
risk-of-bias tool for randomized trials (RoB 2), full guidance document and short version (cribsheet),
version of 22 August 2019, riskofbias.info. The question wording and numbering are those of the 2019
cribsheet; the domain algorithms are its flowcharts (one per domain; domain 2 has one for each effect of
interest).

The assessment is of one *result* (outcome, time point, analysis); the effect of interest is chosen per
result: ``get_tool("rob2", effect="assignment")`` (the intention-to-treat effect, default) or
``effect="adhering"`` (the per-protocol effect); they differ only in domain 2.

Two readings worth knowing: in domain 4, 4.2 answered NI follows the flowchart's own NI branch (the same
questions, ending in Some concerns where the N/PN branch ends in Low); in domain 2 (assignment), deviations
that arose because of the trial context but were unlikely to affect the outcome (2.4 N/PN) give Some
concerns, not Low, as in the 2019 flowchart.

Where the algorithm leaves the decision to the assessor:
- Overall judgement (BMJ 2019, Table 2; guidance section 1.3.3): "High" includes "some concerns for multiple
  domains in a way that substantially lowers confidence in the result". No count triggers this: the proposal
  stays "Some concerns" and is flagged ``needs_judgement`` with "high" as the alternative when two or more
  domains have some concerns; ``propose_overall(..., multiple_concerns_as_high=True)`` records the assessor's
  decision to raise it.
- Every domain: the guidance says the algorithm's result is a proposal the assessor may override with a
  justification (guidance section 1.3.2). The app enforces the written reason; these functions only propose.

Not yet here: the cluster-randomized variant (domain 1b) and the crossover variant (period and carryover
domain); ``get_tool`` refuses those designs explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import (
    CONDITIONAL,
    NA,
    NI,
    NO,
    YES,
    Answers,
    Domain,
    Level,
    Proposal,
    Question,
    Tool,
    proposal,
    when,
)

LOW, SOME, HIGH = "low", "some_concerns", "high"
LEVELS = (
    Level(LOW, "Low", "+", "#02C100", 0),
    Level(SOME, "Some concerns", "-", "#E2DF07", 1),
    Level(HIGH, "High", "x", "#BF0000", 2),
)
_ORDER = {LOW: 0, SOME: 1, HIGH: 2}

# ---------------------------------------------------------------------------------------------------- D1

D1_QUESTIONS = (
    Question("1.1", "Was the allocation sequence random?"),
    Question(
        "1.2",
        "Was the allocation sequence concealed until participants were enrolled and assigned to "
        "interventions?",
    ),
    Question(
        "1.3",
        "Did baseline differences between intervention groups suggest a problem with the "
        "randomization process?",
    ),
)


def d1_randomization(a: Answers) -> Proposal:
    if a["1.2"] in NO:
        return proposal(HIGH, "1.2: the allocation sequence was not adequately concealed.")
    if a["1.2"] == NI:
        if a["1.3"] in YES:
            return proposal(
                HIGH,
                "1.2 no information on concealment and 1.3 baseline differences suggest a "
                "problem with randomization.",
            )
        return proposal(SOME, "1.2: no information on concealment of the allocation sequence.")
    if a["1.1"] in NO:
        return proposal(SOME, "1.1: the allocation sequence was not random.")
    if a["1.3"] in YES:
        return proposal(SOME, "1.3: baseline differences suggest a problem with the randomization process.")
    return proposal(
        LOW,
        "Concealed allocation, random or no information on sequence, baseline differences "
        "compatible with chance or no information.",
    )


# ---------------------------------------------------------------------------------------------------- D2

_AWARE = when("If Y/PY/NI to 2.1 or 2.2", [("2.1", "Y PY NI")], [("2.2", "Y PY NI")])
D2_SHARED = (
    Question("2.1", "Were participants aware of their assigned intervention during the trial?"),
    Question(
        "2.2",
        "Were carers and people delivering the interventions aware of participants' assigned "
        "intervention during the trial?",
    ),
)
D2_ASSIGNMENT_QUESTIONS = D2_SHARED + (
    Question(
        "2.3",
        "Were there deviations from the intended intervention that arose because of the trial context?",
        CONDITIONAL,
        _AWARE,
    ),
    Question(
        "2.4",
        "Were these deviations likely to have affected the outcome?",
        CONDITIONAL,
        when("If Y/PY to 2.3", [("2.3", "Y PY")]),
    ),
    Question(
        "2.5",
        "Were these deviations from intended intervention balanced between groups?",
        CONDITIONAL,
        when("If Y/PY/NI to 2.4", [("2.4", "Y PY NI")]),
    ),
    Question("2.6", "Was an appropriate analysis used to estimate the effect of assignment to intervention?"),
    Question(
        "2.7",
        "Was there potential for a substantial impact (on the result) of the failure to analyse "
        "participants in the group to which they were randomized?",
        CONDITIONAL,
        when("If N/PN/NI to 2.6", [("2.6", "N PN NI")]),
    ),
)
D2_ADHERING_QUESTIONS = D2_SHARED + (
    Question(
        "2.3",
        "Were important non-protocol interventions balanced across intervention groups?",
        CONDITIONAL,
        _AWARE,
        if_applicable=True,
    ),
    Question(
        "2.4",
        "Were there failures in implementing the intervention that could have affected the outcome?",
        CONDITIONAL,
        if_applicable=True,
    ),
    Question(
        "2.5",
        "Was there non-adherence to the assigned intervention regimen that could have affected "
        "participants' outcomes?",
        CONDITIONAL,
        if_applicable=True,
    ),
    Question(
        "2.6",
        "Was an appropriate analysis used to estimate the effect of adhering to the intervention?",
        CONDITIONAL,
        when(
            "If N/PN/NI to 2.3, or Y/PY/NI to 2.4 or 2.5",
            [("2.3", "N PN NI")],
            [("2.4", "Y PY NI")],
            [("2.5", "Y PY NI")],
        ),
    ),
)


def _d2_part1(a: Answers) -> Proposal:
    if a["2.1"] in NO and a["2.2"] in NO:
        return proposal(LOW, "2.1/2.2: participants, carers and people delivering the interventions unaware.")
    if a["2.3"] in NO:
        return proposal(LOW, "2.3: no deviations arose because of the trial context.")
    if a["2.3"] == NI:
        return proposal(SOME, "2.3: no information on deviations because of the trial context.")
    if a["2.4"] in NO:
        return proposal(
            SOME, "2.4: deviations because of the trial context, unlikely to have affected the outcome."
        )
    if a["2.5"] in YES:
        return proposal(
            SOME, "2.5: deviations that may have affected the outcome were balanced between groups."
        )
    return proposal(
        HIGH, "2.5: deviations that may have affected the outcome were not balanced (or no information)."
    )


def _d2_part2(a: Answers) -> Proposal:
    if a["2.6"] in YES:
        return proposal(LOW, "2.6: appropriate analysis of the effect of assignment.")
    if a["2.7"] in NO:
        return proposal(SOME, "2.7: failure to analyse as randomized had no substantial potential impact.")
    return proposal(HIGH, "2.7: potential for substantial impact of failing to analyse as randomized.")


def d2_assignment(a: Answers) -> Proposal:
    first, second = _d2_part1(a), _d2_part2(a)
    worse = max((first, second), key=lambda p: _ORDER[p.judgement or LOW])
    return Proposal(worse.judgement, first.reasons + second.reasons)


def d2_adhering(a: Answers) -> Proposal:
    problems = []
    if a["2.3"] in NO | {NI}:
        problems.append("2.3: important non-protocol interventions not balanced (or no information).")
    if a["2.4"] in YES | {NI}:
        problems.append("2.4: failures in implementing the intervention could have affected the outcome.")
    if a["2.5"] in YES | {NI}:
        problems.append("2.5: non-adherence could have affected participants' outcomes.")
    if not problems:
        return proposal(
            LOW,
            "No unbalanced non-protocol interventions, implementation failures or non-adherence "
            "that could have affected the outcome.",
        )
    if a["2.6"] in YES:
        return proposal(SOME, *problems, "2.6: an appropriate analysis of the effect of adhering was used.")
    return proposal(
        HIGH, *problems, "2.6: no appropriate analysis of the effect of adhering (or no information)."
    )


# ---------------------------------------------------------------------------------------------------- D3

D3_QUESTIONS = (
    Question("3.1", "Were data for this outcome available for all, or nearly all, participants randomized?"),
    Question(
        "3.2",
        "Is there evidence that the result was not biased by missing outcome data?",
        (NA, "Y", "PY", "PN", "N"),
        when("If N/PN/NI to 3.1", [("3.1", "N PN NI")]),
    ),
    Question(
        "3.3",
        "Could missingness in the outcome depend on its true value?",
        CONDITIONAL,
        when("If N/PN to 3.2", [("3.2", "N PN")]),
    ),
    Question(
        "3.4",
        "Is it likely that missingness in the outcome depended on its true value?",
        CONDITIONAL,
        when("If Y/PY/NI to 3.3", [("3.3", "Y PY NI")]),
    ),
)


def d3_missing(a: Answers) -> Proposal:
    if a["3.1"] in YES:
        return proposal(LOW, "3.1: outcome data available for (nearly) all participants.")
    if a["3.2"] in YES:
        return proposal(LOW, "3.2: evidence that the result was not biased by missing outcome data.")
    if a["3.3"] in NO:
        return proposal(LOW, "3.3: missingness could not depend on the true value of the outcome.")
    if a["3.4"] in NO:
        return proposal(SOME, "3.4: missingness could, but is unlikely to, depend on the true value.")
    return proposal(HIGH, "3.4: missingness likely depended on the true value (or no information).")


# ---------------------------------------------------------------------------------------------------- D4

D4_QUESTIONS = (
    Question("4.1", "Was the method of measuring the outcome inappropriate?"),
    Question(
        "4.2", "Could measurement or ascertainment of the outcome have differed between intervention groups?"
    ),
    Question(
        "4.3",
        "Were outcome assessors aware of the intervention received by study participants?",
        CONDITIONAL,
        when("If N/PN/NI to 4.1 and 4.2", [("4.1", "N PN NI"), ("4.2", "N PN NI")]),
    ),
    Question(
        "4.4",
        "Could assessment of the outcome have been influenced by knowledge of intervention received?",
        CONDITIONAL,
        when("If Y/PY/NI to 4.3", [("4.3", "Y PY NI")]),
    ),
    Question(
        "4.5",
        "Is it likely that assessment of the outcome was influenced by knowledge of intervention received?",
        CONDITIONAL,
        when("If Y/PY/NI to 4.4", [("4.4", "Y PY NI")]),
    ),
)


def d4_measurement(a: Answers) -> Proposal:
    if a["4.1"] in YES:
        return proposal(HIGH, "4.1: the method of measuring the outcome was inappropriate.")
    if a["4.2"] in YES:
        return proposal(HIGH, "4.2: measurement or ascertainment could have differed between groups.")
    base, why = (
        (LOW, "") if a["4.2"] in NO else (SOME, " (4.2: no information on differences between groups)")
    )
    if a["4.3"] in NO:
        return proposal(base, "4.3: outcome assessors unaware of the intervention received" + why + ".")
    if a["4.4"] in NO:
        return proposal(
            base, "4.4: assessment could not have been influenced by knowledge of intervention" + why + "."
        )
    if a["4.5"] in NO:
        return proposal(SOME, "4.5: assessment could have been, but is unlikely to have been, influenced.")
    return proposal(
        HIGH, "4.5: assessment likely influenced by knowledge of intervention (or no information)."
    )


# ---------------------------------------------------------------------------------------------------- D5

_SELECTED = (
    "Is the numerical result being assessed likely to have been selected, on the basis of the results, "
    "from..."
)
D5_QUESTIONS = (
    Question(
        "5.1",
        "Were the data that produced this result analysed in accordance with a pre-specified "
        "analysis plan that was finalized before unblinded outcome data were available for analysis?",
    ),
    Question(
        "5.2",
        "... multiple eligible outcome measurements (e.g. scales, definitions, time points) within "
        "the outcome domain?",
        heading=_SELECTED,
    ),
    Question("5.3", "... multiple eligible analyses of the data?", heading=_SELECTED),
)


def d5_reporting(a: Answers) -> Proposal:
    if a["5.2"] in YES or a["5.3"] in YES:
        return proposal(
            HIGH,
            "5.2/5.3: the result is likely to have been selected from multiple measurements or analyses.",
        )
    if NI in (a["5.2"], a["5.3"]):
        return proposal(SOME, "5.2/5.3: no information on selection from multiple measurements or analyses.")
    if a["5.1"] in YES:
        return proposal(LOW, "5.1: analysed according to a pre-specified plan; no selection (5.2, 5.3).")
    return proposal(SOME, "5.1: not analysed according to a pre-specified plan (or no information).")


# ---------------------------------------------------------------------------------------------------- tool


def overall(tool: Tool, judgements: Mapping[str, str], multiple_concerns_as_high: bool) -> Proposal:
    concerns = [tool.domain(k).label for k, v in judgements.items() if v == SOME]
    highs = [tool.domain(k).label for k, v in judgements.items() if v == HIGH]
    if highs:
        return proposal(HIGH, f"High risk of bias in {', '.join(highs)}.")
    if not concerns:
        return proposal(LOW, "Low risk of bias in all domains.")
    if len(concerns) > 1 and multiple_concerns_as_high:
        return proposal(
            HIGH,
            f"Some concerns in {', '.join(concerns)}, judged by the assessor to lower "
            "confidence in the result substantially.",
        )
    if len(concerns) > 1:
        return proposal(
            SOME,
            f"Some concerns in {', '.join(concerns)} and high in none.",
            "Some concerns in multiple domains may substantially lower confidence in the result: the "
            "assessor may judge the result at high risk of bias.",
            needs_judgement=True,
            alternatives=HIGH,
        )
    return proposal(SOME, f"Some concerns in {concerns[0]} and high in none.")


def build(effect: str = "assignment") -> Tool:
    if effect not in ("assignment", "adhering"):
        raise ValueError(f"RoB 2 effect of interest must be 'assignment' or 'adhering', not {effect!r}.")
    adhering = effect == "adhering"
    d2_name = "Bias due to deviations from intended interventions"
    return Tool(
        key="rob2",
        name="RoB 2",
        version="22 August 2019",
        citation="Sterne JAC et al. BMJ 2019;366:l4898; RoB 2 guidance document, 22 August 2019",
        levels=LEVELS,
        domains=(
            Domain("d1", "D1", "Bias arising from the randomization process", D1_QUESTIONS, d1_randomization),
            Domain(
                "d2",
                "D2",
                d2_name,
                D2_ADHERING_QUESTIONS if adhering else D2_ASSIGNMENT_QUESTIONS,
                d2_adhering if adhering else d2_assignment,
                note="effect of adhering to intervention"
                if adhering
                else "effect of assignment to intervention",
            ),
            Domain("d3", "D3", "Bias due to missing outcome data", D3_QUESTIONS, d3_missing),
            Domain("d4", "D4", "Bias in measurement of the outcome", D4_QUESTIONS, d4_measurement),
            Domain("d5", "D5", "Bias in selection of the reported result", D5_QUESTIONS, d5_reporting),
        ),
        overall_rule=overall,
        variant=effect,
        variant_label="effect of adhering to intervention (per-protocol)"
        if adhering
        else "effect of assignment to intervention (intention-to-treat)",
    )
