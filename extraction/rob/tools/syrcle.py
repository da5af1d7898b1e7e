"""SYRCLE's risk of bias tool for animal studies (2014).

Source: Hooijmans CR, Rovers MM, de Vries RBM, Leenaars M, Ritskes-Hoitinga M, Langendam MW. SYRCLE's risk of
bias tool for animal studies. BMC Med Res Methodol 2014;14:43. Table 2 gives the ten entries (item, type of
bias, domain, description of the domain, review authors' judgement); Table 3 gives the signalling questions.

Each signalling question is answered "yes" (low risk of bias), "no" (high risk) or "unclear"; Table 3's rule:
"If one of the relevant signaling questions is answered with 'no', this indicates high risk of bias for that
specific entry". Some questions are alternatives to the first ("Was the outcome assessor not blinded, but do
review authors judge that the outcome is not likely to be influenced...?"): they are shown only when the first
question of the item is not answered "yes", and then they decide. "If relevant" questions accept "NA" (not
relevant). One question is phrased so that "yes" means risk: item 10's "Were new animals added ... to replace
drop-outs?" -- read inverted. The item judgement (Low / High / Unclear) is proposed from those answers; the
assessor can depart from it with a reason, as with every tool.

SYRCLE defines no overall judgement and its authors advise against adding up items into a summary score
("it is not recommended to calculate a summary score"): ``propose_overall`` raises ``OverallNotDefined`` and
plots have no Overall column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .base import NA, Answers, Domain, Level, Proposal, Question, Tool, proposal, when

YES_, NO_, UNCLEAR = "yes", "no", "unclear"
OPTIONS = (YES_, NO_, UNCLEAR)
LOW, HIGH, UNCLEAR_RISK = "low", "high", "unclear"
LEVELS = (
    Level(LOW, "Low", "+", "#02C100", 0),
    Level(UNCLEAR_RISK, "Unclear", "?", "#E2DF07", 1),
    Level(HIGH, "High", "x", "#BF0000", 2),
)

RELEVANT = frozenset({"2.2", "8.4"})  # "If relevant" questions: NA (not relevant) is an answer
INVERTED = frozenset({"10.5"})  # phrased so that "yes" means risk of bias


@dataclass(frozen=True)
class Item:
    key: str
    name: str
    bias: str
    question: str
    first: tuple[str, ...]
    alternatives: tuple[str, ...] = ()


# Hooijmans et al. 2014, Table 2 (items, bias types) and Table 3 (signalling questions).
ITEMS = (
    Item(
        "i1",
        "Sequence generation",
        "Selection bias",
        "Was the allocation sequence adequately generated and applied?",
        (
            "Did the investigators describe a random component in the sequence generation process such as: "
            "referring to a random number table; using a computer random number generator?",
        ),
    ),
    Item(
        "i2",
        "Baseline characteristics",
        "Selection bias",
        "Were the groups similar at baseline or were they adjusted for confounders in the analysis?",
        (
            "Was the distribution of relevant baseline characteristics balanced for the intervention and "
            "control groups?",
            "If relevant, did the investigators adequately adjust for unequal distribution of some relevant "
            "baseline characteristics in the analysis?",
            "Was the timing of disease induction adequate?",
        ),
    ),
    Item(
        "i3",
        "Allocation concealment",
        "Selection bias",
        "Was the allocation adequately concealed?",
        (
            "Could the investigator allocating the animals to intervention or control group not foresee "
            "assignment due to one of the following or equivalent methods: third-party coding of "
            "experimental and control group allocation; sequentially numbered opaque, sealed envelopes?",
        ),
    ),
    Item(
        "i4",
        "Random housing",
        "Performance bias",
        "Were the animals randomly housed during the experiment?",
        ("Did the authors randomly place the cages or animals within the animal room/facility?",),
        (
            "Is it unlikely that the outcome or the outcome measurement was influenced by not randomly "
            "housing the animals?",
        ),
    ),
    Item(
        "i5",
        "Blinding",
        "Performance bias",
        "Were the caregivers and/or investigators blinded from knowledge which intervention each animal "
        "received during the experiment?",
        (
            "Was blinding of caregivers and investigators ensured, and was it unlikely that their blinding "
            "could have been broken (e.g. ID cards of individual animals, or cage/animal labels coded and "
            "identical in appearance; sequentially numbered drug containers of identical appearance; "
            "circumstances during the intervention specified and similar in both groups; housing conditions "
            "randomized within the room)?",
        ),
    ),
    Item(
        "i6",
        "Random outcome assessment",
        "Detection bias",
        "Were animals selected at random for outcome assessment?",
        (
            "Did the investigators randomly pick an animal during outcome assessment, or did they use a "
            "random component in the sequence generation for outcome assessment?",
        ),
    ),
    Item(
        "i7",
        "Blinding",
        "Detection bias",
        "Was the outcome assessor blinded?",
        (
            "Was blinding of the outcome assessor ensured, and was it unlikely that blinding could have been "
            "broken?",
        ),
        (
            "Was the outcome assessor not blinded, but do review authors judge that the outcome is not "
            "likely to be influenced by lack of blinding?",
        ),
    ),
    Item(
        "i8",
        "Incomplete outcome data",
        "Attrition bias",
        "Were incomplete outcome data adequately addressed?",
        ("Were all animals included in the analysis?",),
        (
            "Were the reasons for missing outcome data unlikely to be related to the true outcome?",
            "Were missing outcome data balanced in numbers across intervention groups, with similar reasons "
            "for missing data across groups?",
            "Were missing data imputed using appropriate methods?",
        ),
    ),
    Item(
        "i9",
        "Selective outcome reporting",
        "Reporting bias",
        "Are reports of the study free of selective outcome reporting?",
        (
            "Was the study protocol available and were all of the study's pre-specified primary and "
            "secondary outcomes reported in the current manuscript?",
        ),
        (
            "Was the study protocol not available, but was it clear that the published report included all "
            "expected outcomes (i.e. comparing methods and results section)?",
        ),
    ),
    Item(
        "i10",
        "Other sources of bias",
        "Other",
        "Was the study apparently free of other problems that could result in high risk of bias?",
        (
            "Was the study free of contamination (pooling drugs)?",
            "Was the study free of inappropriate influence of funders?",
            "Was the study free of unit of analysis errors?",
            "Were design-specific risks of bias absent?",
            "Were new animals added to the control and experimental groups to replace drop-outs from the "
            "original population?",
        ),
    ),
)


def _group(a: Answers, ids: Sequence[str]) -> Proposal:
    meaning = {qid: _flip(a[qid]) if qid in INVERTED else a[qid] for qid in ids if a[qid] != NA}
    noes = [q for q, v in meaning.items() if v == NO_]
    if noes:
        return proposal(
            HIGH, f"{', '.join(noes)}: a relevant signalling question indicates high risk of bias."
        )
    unclear = [q for q, v in meaning.items() if v == UNCLEAR]
    if unclear:
        return proposal(UNCLEAR_RISK, f"{', '.join(unclear)}: unclear (insufficient details reported).")
    return proposal(
        LOW, f"{', '.join(meaning)}: every relevant signalling question indicates low risk of bias."
    )


def _flip(value: str) -> str:
    return {YES_: NO_, NO_: YES_}.get(value, value)


def _item_algorithm(first: Sequence[str], alternatives: Sequence[str]) -> Callable[[Answers], Proposal]:
    def propose(a: Answers) -> Proposal:
        if alternatives and a[first[0]] != YES_:
            return _group(a, alternatives)
        return _group(a, first)

    return propose


def _questions(item: Item) -> tuple[Question, ...]:
    number = item.key[1:]
    shown_if = when(f"If no/unclear to {number}.1", [(f"{number}.1", f"{NO_} {UNCLEAR}")])
    out = []
    for i, text in enumerate(item.first + item.alternatives, start=1):
        qid = f"{number}.{i}"
        options = (YES_, NO_, UNCLEAR, NA) if qid in RELEVANT else OPTIONS
        condition = shown_if if i > len(item.first) else None
        out.append(Question(qid, text, options, condition, if_applicable=qid in RELEVANT))
    return tuple(out)


def build() -> Tool:
    domains = []
    for item in ITEMS:
        questions = _questions(item)
        ids = [q.id for q in questions]
        algorithm = _item_algorithm(ids[: len(item.first)], ids[len(item.first) :])
        label = f"I{item.key[1:]}"
        domains.append(
            Domain(item.key, label, item.name, questions, algorithm, group=item.bias, note=item.question)
        )
    return Tool(
        key="syrcle",
        name="SYRCLE",
        version="2014",
        citation="Hooijmans CR et al. SYRCLE's risk of bias tool for animal studies. BMC Med Res Methodol "
        "2014;14:43",
        levels=LEVELS,
        domains=tuple(domains),
        overall_rule=None,
    )
