"""ROBINS-I: Risk Of Bias In Non-randomised Studies - of Interventions (2016).

Sources: Sterne JAC, Hernán MA, Reeves BC, et al. ROBINS-I: a tool for assessing risk of bias in
non-randomised studies of interventions. BMJ 2016;355:i4919 (Table 2: domain-level criteria; Table 3
"Interpretation of domain-level and overall risk of bias judgements"). Sterne JAC, Higgins JPT, Elbers RG,
Reeves BC. ROBINS-I detailed guidance, updated 20 October 2016, riskofbias.info (section 3.4 domain-level
judgements, 3.5 overall judgement, chapter 4 per-domain tables). Question wording and numbering are those
of the ROBINS-I tool form.

Unlike RoB 2, ROBINS-I (2016) publishes no algorithm: the signalling questions "help" the assessor reach the
domain judgement that the criteria tables describe (guidance 3.4). So each domain below maps answers onto the
table's criteria, and the proposal carries ``needs_judgement=True`` (with the other levels the table allows in
``alternatives``) wherever the tables turn on a degree the questions do not record. Those places:

- All domains: Serious vs Critical. Critical is "too problematic to provide any useful evidence" (BMJ Table 3)
  and each table's Critical row turns on degree ("inherently not controllable", "very strongly related",
  "substantial deviations", "critical differences", "so different", "strong suspicion"): a Critical proposal
  never comes from the answers alone; Serious proposals list Critical as the alternative.
- D1 confounding: 1.6 Y/PY (control for post-intervention variables) is inappropriate per the guidance's
  elaboration of 1.6, but the table does not grade it: Serious, needs judgement. 1.2 NI leads to the baseline
  questions (1.4-1.6) and 1.3 NI to the time-varying ones (1.7-1.8), the cautious reading of the routing text.
- D2 selection: adjustment (2.5 Y/PY) gives Moderate (table row Moderate (i)/(ii)(b)); the other Moderate
  routes (ii)(a) "too low a proportion" and (ii)(c) "constant hazard ratio" are the assessor's to claim.
- D3 classification: "some aspects" (Moderate) vs "major aspects" (Serious) determined retrospectively or
  affected by knowledge of the outcome: 3.3 Y/PY proposes Serious, needs judgement (Moderate alternative).
- D4 deviations: impact "expected to be slight" (Moderate) vs Low/Serious is the assessor's to weigh.
- D5 missing data: proportions/reasons "differ" (Moderate) vs "differ substantially" (Serious): proposes
  Moderate, needs judgement, alternatives Serious and Critical.
- D6 measurement: "minimally influenced" (Moderate) vs Low when 6.1/6.4 are only *probably* no.
- D7 reported result: Low needs "clear evidence (usually through examination of a pre-registered protocol or
  statistical analysis plan)": all N answers propose Low, any PN proposes Moderate, both needs judgement.
- A decisive question answered NI proposes "No information" (the tables' NI row), needs judgement.
- Overall (BMJ Table 3; guidance 3.5): Low if low in all domains; Moderate if low or moderate in all;
  Serious if serious in at least one but critical in none; Critical if critical in at least one; No
  information if no serious/critical and a lack of information in one or more *key* domains -- which domains
  are key is the assessor's call, so that proposal needs judgement, with the worst other level as alternative.
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import CONDITIONAL, NI, NO, YES, Answers, Domain, Level, Proposal, Question, Tool, proposal, when

LOW, MODERATE, SERIOUS, CRITICAL, NOINFO = "low", "moderate", "serious", "critical", "no_information"
LEVELS = (
    Level(LOW, "Low", "+", "#02C100", 0),
    Level(MODERATE, "Moderate", "-", "#E2DF07", 1),
    Level(SERIOUS, "Serious", "x", "#BF0000", 2),
    Level(CRITICAL, "Critical", "!", "#820000", 3),
    Level(NOINFO, "No information", "?", "#4EA1F7", -1),
)


def _ni(*reasons: str, alternatives: str = "") -> Proposal:
    return proposal(NOINFO, *reasons, needs_judgement=True, alternatives=alternatives)


# ---------------------------------------------------------------------------------------------------- D1

_BASELINE = when("If N/PN to 1.2 or 1.3 (baseline confounding only)", [("1.2", "N PN NI")], [("1.3", "N PN")])
_TIME_VARYING = when("If Y/PY to 1.3 (baseline and time-varying confounding)", [("1.3", "Y PY NI")])
D1_QUESTIONS = (
    Question(
        "1.1",
        "Is there potential for confounding of the effect of intervention in this study?",
        ("Y", "PY", "PN", "N"),
    ),
    Question(
        "1.2",
        "Was the analysis based on splitting participants' follow up time according to intervention "
        "received?",
        CONDITIONAL,
        when("If Y/PY to 1.1", [("1.1", "Y PY")]),
    ),
    Question(
        "1.3",
        "Were intervention discontinuations or switches likely to be related to factors that are "
        "prognostic for the outcome?",
        CONDITIONAL,
        when("If Y/PY to 1.2", [("1.2", "Y PY")]),
    ),
    Question(
        "1.4",
        "Did the authors use an appropriate analysis method that controlled for all the important "
        "confounding domains?",
        CONDITIONAL,
        _BASELINE,
        heading="Questions relating to baseline confounding only",
    ),
    Question(
        "1.5",
        "Were confounding domains that were controlled for measured validly and reliably by the "
        "variables available in this study?",
        CONDITIONAL,
        when("If Y/PY to 1.4", [("1.4", "Y PY")]),
    ),
    Question(
        "1.6",
        "Did the authors control for any post-intervention variables that could have been affected "
        "by the intervention?",
        CONDITIONAL,
        _BASELINE,
    ),
    Question(
        "1.7",
        "Did the authors use an appropriate analysis method that controlled for all the important "
        "confounding domains and for time-varying confounding?",
        CONDITIONAL,
        _TIME_VARYING,
        heading="Questions relating to baseline and time-varying confounding",
    ),
    Question(
        "1.8",
        "Were confounding domains that were controlled for measured validly and reliably by the "
        "variables available in this study?",
        CONDITIONAL,
        when("If Y/PY to 1.7", [("1.7", "Y PY")]),
    ),
)


def d1_confounding(a: Answers) -> Proposal:
    if a["1.1"] in NO:
        return proposal(LOW, "1.1: no potential for confounding (no confounding expected).")
    time_varying = a["1.2"] in YES and a["1.3"] in YES | {NI}
    control, valid = ("1.7", "1.8") if time_varying else ("1.4", "1.5")
    if a[control] in NO:
        return proposal(
            SERIOUS,
            f"{control}: at least one important confounding domain not controlled for.",
            "Critical if the confounding is inherently not controllable.",
            needs_judgement=True,
            alternatives=CRITICAL,
        )
    if a[control] == NI:
        return _ni(f"{control}: no information on control of confounding.", alternatives=SERIOUS)
    if a[valid] in NO:
        return proposal(
            SERIOUS,
            f"{valid}: confounders measured with low validity or reliability; serious "
            "residual confounding expected.",
            alternatives=CRITICAL,
        )
    if not time_varying and a["1.6"] in YES:
        return proposal(
            SERIOUS,
            "1.6: the analysis controlled for post-intervention variables that could have "
            "been affected by the intervention.",
            needs_judgement=True,
            alternatives=MODERATE,
        )
    if a[valid] == NI or (not time_varying and a["1.6"] == NI):
        return proposal(
            MODERATE,
            "Important confounders controlled for, but no information on "
            f"{valid if a[valid] == NI else '1.6'}.",
            needs_judgement=True,
            alternatives=SERIOUS,
        )
    return proposal(
        MODERATE, "Confounding expected; all important domains appropriately measured and controlled for."
    )


# ---------------------------------------------------------------------------------------------------- D2

D2_QUESTIONS = (
    Question(
        "2.1",
        "Was selection of participants into the study (or into the analysis) based on participant "
        "characteristics observed after the start of intervention?",
    ),
    Question(
        "2.2",
        "Were the post-intervention variables that influenced selection likely to be associated with "
        "intervention?",
        CONDITIONAL,
        when("If Y/PY to 2.1", [("2.1", "Y PY")]),
    ),
    Question(
        "2.3",
        "Were the post-intervention variables that influenced selection likely to be influenced by "
        "the outcome or a cause of the outcome?",
        CONDITIONAL,
        when("If Y/PY to 2.2", [("2.2", "Y PY")]),
    ),
    Question("2.4", "Do start of follow-up and start of intervention coincide for most participants?"),
    Question(
        "2.5",
        "Were adjustment techniques used that are likely to correct for the presence of selection biases?",
        CONDITIONAL,
        when("If Y/PY to 2.2 and 2.3, or N/PN to 2.4", [("2.2", "Y PY"), ("2.3", "Y PY")], [("2.4", "N PN")]),
    ),
)


def d2_selection(a: Answers) -> Proposal:
    problems = []
    if a["2.2"] in YES and a["2.3"] in YES:
        problems.append(
            "2.2/2.3: selection based on post-intervention variables related to intervention and outcome."
        )
    if a["2.4"] in NO:
        problems.append("2.4: start of follow-up and start of intervention do not coincide.")
    if problems:
        if a["2.5"] in YES:
            return proposal(
                MODERATE, *problems, "2.5: adjustment techniques likely to correct for selection bias."
            )
        if a["2.5"] == NI:
            return _ni(*problems, "2.5: no information on adjustment.", alternatives=SERIOUS)
        return proposal(
            SERIOUS,
            *problems,
            "2.5: no adjustment likely to correct for selection bias.",
            "Critical if selection was very strongly related to intervention and outcome, or a "
            "substantial amount of follow-up time is missing.",
            alternatives=CRITICAL,
        )
    unknown = [q for q in ("2.1", "2.2", "2.3", "2.4") if a[q] == NI]
    if unknown:
        return _ni(f"{', '.join(unknown)}: no information.", alternatives=LOW)
    return proposal(
        LOW,
        "Selection not based on post-intervention characteristics related to intervention and "
        "outcome; follow-up starts with intervention.",
    )


# ---------------------------------------------------------------------------------------------------- D3

D3_QUESTIONS = (
    Question("3.1", "Were intervention groups clearly defined?"),
    Question(
        "3.2",
        "Was the information used to define intervention groups recorded at the start of the intervention?",
    ),
    Question(
        "3.3",
        "Could classification of intervention status have been affected by knowledge of the outcome "
        "or risk of the outcome?",
    ),
)


def d3_classification(a: Answers) -> Proposal:
    if a["3.1"] in NO:
        return proposal(SERIOUS, "3.1: intervention status not well defined.", alternatives=CRITICAL)
    if a["3.3"] in YES:
        return proposal(
            SERIOUS,
            "3.3: classification could have been affected by knowledge of the outcome.",
            "Moderate if only some aspects were determined this way; Critical if misclassification "
            "was extremely high.",
            needs_judgement=True,
            alternatives=f"{MODERATE} {CRITICAL}",
        )
    unknown = [q for q in ("3.1", "3.2", "3.3") if a[q] == NI]
    if unknown:
        return _ni(f"{', '.join(unknown)}: no information.", alternatives=f"{LOW} {MODERATE}")
    if a["3.2"] in NO:
        return proposal(
            MODERATE, "3.2: intervention well defined but some aspects determined retrospectively."
        )
    return proposal(LOW, "Intervention status well defined and recorded at the start of intervention.")


# ---------------------------------------------------------------------------------------------------- D4

D4_ASSIGNMENT_QUESTIONS = (
    Question(
        "4.1",
        "Were there deviations from the intended intervention beyond what would be expected in usual "
        "practice?",
    ),
    Question(
        "4.2",
        "Were these deviations from intended intervention unbalanced between groups and likely to "
        "have affected the outcome?",
        CONDITIONAL,
        when("If Y/PY to 4.1", [("4.1", "Y PY")]),
    ),
)
D4_ADHERING_QUESTIONS = (
    Question("4.3", "Were important co-interventions balanced across intervention groups?"),
    Question("4.4", "Was the intervention implemented successfully for most participants?"),
    Question("4.5", "Did study participants adhere to the assigned intervention regimen?"),
    Question(
        "4.6",
        "Was an appropriate analysis used to estimate the effect of starting and adhering to the "
        "intervention?",
        CONDITIONAL,
        when("If N/PN to 4.3, 4.4 or 4.5", [("4.3", "N PN")], [("4.4", "N PN")], [("4.5", "N PN")]),
    ),
)


def d4_assignment(a: Answers) -> Proposal:
    if a["4.1"] in NO:
        return proposal(LOW, "4.1: no deviations beyond what would be expected in usual practice.")
    if a["4.1"] == NI:
        return _ni("4.1: no information on deviations from usual practice.")
    if a["4.2"] in YES:
        return proposal(
            SERIOUS,
            "4.2: deviations unbalanced between groups and likely to have affected the outcome.",
            "Critical if the deviations were substantial.",
            needs_judgement=True,
            alternatives=CRITICAL,
        )
    if a["4.2"] == NI:
        return _ni(
            "4.2: no information on whether deviations were unbalanced and affected the outcome.",
            alternatives=f"{MODERATE} {SERIOUS}",
        )
    return proposal(
        MODERATE,
        "4.2: deviations from usual practice, not unbalanced and likely to affect the "
        "outcome; impact expected to be slight.",
        "Low if they were unlikely to impact the outcome.",
        needs_judgement=True,
        alternatives=LOW,
    )


def d4_adhering(a: Answers) -> Proposal:
    labels = {
        "4.3": "co-interventions not balanced",
        "4.4": "intervention not implemented successfully",
        "4.5": "participants did not adhere",
    }
    problems = [f"{q}: {text}." for q, text in labels.items() if a[q] in NO]
    if problems:
        if a["4.6"] in YES:
            return proposal(
                MODERATE,
                *problems,
                "4.6: appropriate analysis of the effect of starting and adhering.",
                needs_judgement=True,
                alternatives=LOW,
            )
        if a["4.6"] == NI:
            return _ni(*problems, "4.6: no information on the analysis.", alternatives=SERIOUS)
        return proposal(
            SERIOUS,
            *problems,
            "4.6: not adjusted for in an appropriate analysis.",
            "Critical if the deviations were substantial.",
            needs_judgement=True,
            alternatives=CRITICAL,
        )
    unknown = [q for q in labels if a[q] == NI]
    if unknown:
        return _ni(f"{', '.join(unknown)}: no information.", alternatives=LOW)
    return proposal(LOW, "Co-interventions balanced, intervention implemented and adhered to.")


# ---------------------------------------------------------------------------------------------------- D5

_INCOMPLETE = when(
    "If PN/N to 5.1, or Y/PY to 5.2 or 5.3", [("5.1", "N PN")], [("5.2", "Y PY")], [("5.3", "Y PY")]
)
D5_QUESTIONS = (
    Question("5.1", "Were outcome data available for all, or nearly all, participants?"),
    Question("5.2", "Were participants excluded due to missing data on intervention status?"),
    Question(
        "5.3", "Were participants excluded due to missing data on other variables needed for the analysis?"
    ),
    Question(
        "5.4",
        "Are the proportion of participants and reasons for missing data similar across interventions?",
        CONDITIONAL,
        _INCOMPLETE,
    ),
    Question(
        "5.5",
        "Is there evidence that results were robust to the presence of missing data?",
        CONDITIONAL,
        _INCOMPLETE,
    ),
)


def d5_missing(a: Answers) -> Proposal:
    incomplete = a["5.1"] in NO or a["5.2"] in YES or a["5.3"] in YES
    if not incomplete:
        if NI in (a["5.1"], a["5.2"], a["5.3"]):
            return proposal(NOINFO, "5.1-5.3: no information reported about missing data.")
        return proposal(LOW, "5.1-5.3: data reasonably complete.")
    if a["5.5"] in YES:
        return proposal(LOW, "5.5: evidence that results were robust to the missing data.")
    if a["5.4"] in YES:
        return proposal(LOW, "5.4: proportions of and reasons for missing data similar across interventions.")
    if a["5.4"] in NO:
        return proposal(
            MODERATE,
            "5.4: proportions or reasons for missing data differ across interventions; "
            "5.5: no evidence of robustness.",
            "Serious if they differ substantially; Critical if "
            "the differences are critical and cannot be addressed.",
            needs_judgement=True,
            alternatives=f"{SERIOUS} {CRITICAL}",
        )
    return _ni(
        "5.4: no information on proportions and reasons for missing data.",
        alternatives=f"{MODERATE} {SERIOUS}",
    )


# ---------------------------------------------------------------------------------------------------- D6

D6_QUESTIONS = (
    Question(
        "6.1", "Could the outcome measure have been influenced by knowledge of the intervention received?"
    ),
    Question("6.2", "Were outcome assessors aware of the intervention received by study participants?"),
    Question("6.3", "Were the methods of outcome assessment comparable across intervention groups?"),
    Question(
        "6.4", "Were any systematic errors in measurement of the outcome related to intervention received?"
    ),
)


def d6_measurement(a: Answers) -> Proposal:
    if a["6.3"] in NO:
        return proposal(
            SERIOUS,
            "6.3: methods of outcome assessment not comparable across groups.",
            "Critical if so different that they cannot reasonably be compared.",
            alternatives=CRITICAL,
        )
    if a["6.4"] in YES:
        return proposal(SERIOUS, "6.4: systematic measurement error related to intervention received.")
    if a["6.1"] in YES and a["6.2"] in YES:
        return proposal(
            SERIOUS, "6.1/6.2: outcome open to influence and assessed by assessors aware of the intervention."
        )
    if a["6.3"] == NI or a["6.4"] == NI or not (a["6.1"] in NO or a["6.2"] in NO):
        return _ni(
            "6.1-6.4: no information on a question that decides this domain.",
            alternatives=f"{LOW} {MODERATE} {SERIOUS}",
        )
    probably = [q for q in ("6.1", "6.2", "6.4") if a[q] == "PN"]
    if probably:
        return proposal(
            LOW,
            "Comparable methods; outcome not open to influence or assessors unaware; errors "
            "unrelated to intervention.",
            f"Moderate if only minimally so ({', '.join(probably)} PN).",
            alternatives=MODERATE,
        )
    return proposal(
        LOW,
        "Comparable methods; outcome not open to influence or assessors unaware; errors unrelated "
        "to intervention.",
    )


# ---------------------------------------------------------------------------------------------------- D7

_SELECTED = "Is the reported effect estimate likely to be selected, on the basis of the results, from..."
D7_QUESTIONS = (
    Question("7.1", "... multiple outcome measurements within the outcome domain?", heading=_SELECTED),
    Question("7.2", "... multiple analyses of the intervention-outcome relationship?", heading=_SELECTED),
    Question("7.3", "... different subgroups?", heading=_SELECTED),
)


def d7_reporting(a: Answers) -> Proposal:
    answers = [a[q] for q in ("7.1", "7.2", "7.3")]
    if any(v in YES for v in answers):
        return proposal(
            SERIOUS,
            "7.1-7.3: the reported estimate is likely selected on the basis of the results.",
            "Critical if there is evidence or strong suspicion of selective reporting and the "
            "unreported results are likely substantially different.",
            needs_judgement=True,
            alternatives=CRITICAL,
        )
    if NI in answers:
        return _ni("7.1-7.3: too little information to judge selective reporting.", alternatives=MODERATE)
    if all(v == "N" for v in answers):
        return proposal(
            LOW,
            "7.1-7.3: no selection; Low needs clear evidence (pre-registered protocol or "
            "analysis plan) that all reported results match the intended ones.",
            needs_judgement=True,
            alternatives=MODERATE,
        )
    return proposal(
        MODERATE,
        "7.1-7.3: no indication of selection, without clear evidence from a protocol.",
        needs_judgement=True,
        alternatives=LOW,
    )


# ---------------------------------------------------------------------------------------------------- tool


def overall(tool: Tool, judgements: Mapping[str, str], _raise: bool) -> Proposal:
    def where(level: str) -> str:
        return ", ".join(tool.domain(k).label for k, v in judgements.items() if v == level)

    values = set(judgements.values())
    if CRITICAL in values:
        return proposal(CRITICAL, f"Critical risk of bias in {where(CRITICAL)}.")
    if SERIOUS in values:
        return proposal(SERIOUS, f"Serious risk of bias in {where(SERIOUS)}, critical in none.")
    rest = MODERATE if MODERATE in values else LOW
    if NOINFO in values:
        return _ni(
            f"No information in {where(NOINFO)} and no serious or critical domain.",
            f"If {where(NOINFO)} is not a key domain, the overall judgement may be {rest}.",
            alternatives=rest,
        )
    if rest == MODERATE:
        return proposal(MODERATE, f"Low or moderate in all domains (moderate in {where(MODERATE)}).")
    return proposal(LOW, "Low risk of bias in all domains.")


def build(effect: str = "assignment") -> Tool:
    if effect not in ("assignment", "adhering"):
        raise ValueError(f"ROBINS-I effect of interest must be 'assignment' or 'adhering', not {effect!r}.")
    adhering = effect == "adhering"
    return Tool(
        key="robins_i",
        name="ROBINS-I",
        version="2016 (detailed guidance 20 October 2016)",
        citation="Sterne JAC et al. BMJ 2016;355:i4919; ROBINS-I detailed guidance, 2016",
        levels=LEVELS,
        domains=(
            Domain("d1", "D1", "Bias due to confounding", D1_QUESTIONS, d1_confounding),
            Domain(
                "d2", "D2", "Bias in selection of participants into the study", D2_QUESTIONS, d2_selection
            ),
            Domain("d3", "D3", "Bias in classification of interventions", D3_QUESTIONS, d3_classification),
            Domain(
                "d4",
                "D4",
                "Bias due to deviations from intended interventions",
                D4_ADHERING_QUESTIONS if adhering else D4_ASSIGNMENT_QUESTIONS,
                d4_adhering if adhering else d4_assignment,
                note="effect of starting and adhering to intervention"
                if adhering
                else "effect of assignment to intervention",
            ),
            Domain("d5", "D5", "Bias due to missing data", D5_QUESTIONS, d5_missing),
            Domain("d6", "D6", "Bias in measurement of outcomes", D6_QUESTIONS, d6_measurement),
            Domain("d7", "D7", "Bias in selection of the reported result", D7_QUESTIONS, d7_reporting),
        ),
        overall_rule=overall,
        variant=effect,
        variant_label="effect of starting and adhering to intervention"
        if adhering
        else "effect of assignment to intervention",
    )
