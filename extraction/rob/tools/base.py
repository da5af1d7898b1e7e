"""The shape every risk-of-bias tool shares: questions, conditions, levels, proposals, validation.

A tool is data (domains, signalling questions, judgement levels) plus one algorithm per domain and one for the
overall judgement. The algorithms read answers through :class:`Answers`, which returns ``"NA"`` for a question
that is not shown (its condition does not hold) and stops with the question id when a shown question has not
been answered yet, so a proposal appears as soon as the published flowchart can decide.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

Y, PY, PN, N, NI, NA = "Y", "PY", "PN", "N", "NI", "NA"
YES = frozenset({Y, PY})
NO = frozenset({N, PN})
OPTION_LABELS = {
    Y: "Yes",
    PY: "Probably yes",
    PN: "Probably no",
    N: "No",
    NI: "No information",
    NA: "Not applicable",
}
STANDARD = (Y, PY, PN, N, NI)
CONDITIONAL = (NA, Y, PY, PN, N, NI)


class RobError(ValueError):
    """Base of every error a tool raises for bad input; the message is meant for the assessor."""


class UnknownDomain(RobError):
    pass


class InvalidAnswer(RobError):
    def __init__(self, question: str, value: object, allowed: Sequence[str], why: str = "") -> None:
        self.question, self.value, self.allowed = question, value, tuple(allowed)
        detail = why or f"choose one of {', '.join(allowed)}"
        super().__init__(f"Question {question}: {value!r} is not a valid answer; {detail}.")


class InvalidJudgement(RobError):
    def __init__(self, message: str, *, domain: str | None = None, value: object = None) -> None:
        self.domain, self.value = domain, value
        super().__init__(message)


class AmbiguousJudgement(InvalidJudgement):
    """The text names more than one level (e.g. "Moderate/serious"): the assessor must choose one."""

    def __init__(self, message: str, *, domain: str | None, value: str, candidates: Sequence[str]) -> None:
        self.candidates = tuple(candidates)
        super().__init__(message, domain=domain, value=value)


class OverallNotDefined(RobError):
    pass


@dataclass(frozen=True)
class Clause:
    question: str
    answers: frozenset[str]


@dataclass(frozen=True)
class Condition:
    """Shown when any group holds; a group holds when every clause in it holds. ``text`` is as published."""

    text: str
    any_of: tuple[tuple[Clause, ...], ...]

    def holds(self, answers: Mapping[str, str]) -> bool:
        return any(all(answers.get(c.question) in c.answers for c in group) for group in self.any_of)


def when(text: str, *groups: Sequence[tuple[str, str]]) -> Condition:
    """``when("If Y/PY to 1.1", [("1.1", "Y PY")])``: each group is a list of (question, answers) clauses."""
    return Condition(
        text=text,
        any_of=tuple(tuple(Clause(q, frozenset(a.split())) for q, a in group) for group in groups),
    )


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    options: tuple[str, ...] = STANDARD
    condition: Condition | None = None
    heading: str = ""  # a stem shared by several questions ("Is the reported effect estimate ... from")
    guidance: tuple[str, ...] = ()
    if_applicable: bool = False  # published "[If applicable:]": NA is a real answer even when shown

    @property
    def option_labels(self) -> tuple[tuple[str, str], ...]:
        return tuple((o, OPTION_LABELS.get(o, o)) for o in self.options)


@dataclass(frozen=True)
class Level:
    key: str
    label: str
    symbol: str
    colour: str
    rank: int  # severity: higher is worse; "no information" sits outside the order (rank -1)


@dataclass(frozen=True)
class Proposal:
    judgement: str | None
    reasons: tuple[str, ...] = ()
    needs_judgement: bool = (
        False  # the guidance leaves this to the assessor; the proposal is a starting point
    )
    alternatives: tuple[str, ...] = ()  # other levels the guidance allows on this path
    missing: tuple[str, ...] = ()  # shown questions (or domains) still unanswered


class Unanswered(Exception):
    def __init__(self, question: str) -> None:
        self.question = question
        super().__init__(question)


class Answers:
    """Answers as an algorithm sees them: hidden questions read as NA; unanswered shown ones stop it."""

    def __init__(self, given: Mapping[str, str], shown: set[str]) -> None:
        self._given, self._shown = given, shown

    def __getitem__(self, question: str) -> str:
        if question in self._given:
            return self._given[question]
        if question in self._shown:
            raise Unanswered(question)
        return NA

    def is_(self, question: str, answers: str) -> bool:
        return self[question] in answers.split()


Algorithm = Callable[[Answers], Proposal]


@dataclass(frozen=True)
class Domain:
    key: str  # "d1", "d2", ... (SYRCLE: "i1".."i10")
    label: str  # "D1"
    name: str
    questions: tuple[Question, ...]
    algorithm: Algorithm = field(repr=False, compare=False)
    group: str = ""  # SYRCLE: the bias type this item belongs to
    note: str = ""

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise RobError(f"{self.label} {self.name} has no question {question_id}.")


OverallRule = Callable[["Tool", Mapping[str, str], bool], Proposal]


@dataclass(frozen=True)
class Tool:
    key: str
    name: str
    version: str
    citation: str
    levels: tuple[Level, ...]
    domains: tuple[Domain, ...]
    overall_rule: OverallRule | None = field(default=None, repr=False, compare=False)
    variant: str = ""  # e.g. "assignment" / "adhering" (the effect of interest)
    variant_label: str = ""

    @property
    def has_overall(self) -> bool:
        return self.overall_rule is not None

    def domain(self, key: str) -> Domain:
        for d in self.domains:
            if d.key == key or d.label == key:
                return d
        raise UnknownDomain(f"{self.name} has no domain {key!r}; domains are {', '.join(self.domain_keys)}.")

    @property
    def domain_keys(self) -> tuple[str, ...]:
        return tuple(d.key for d in self.domains)

    def level(self, key: str) -> Level:
        for lv in self.levels:
            if lv.key == key:
                return lv
        raise InvalidJudgement(f"{key!r} is not a {self.name} level.", value=key)

    def describe(self) -> dict[str, object]:
        """The tool as plain JSON-able data (for the API, templates and the live form)."""
        return {
            "key": self.key,
            "name": self.name,
            "version": self.version,
            "citation": self.citation,
            "variant": self.variant,
            "variant_label": self.variant_label,
            "has_overall": self.has_overall,
            "levels": [
                {"key": lv.key, "label": lv.label, "symbol": lv.symbol, "colour": lv.colour}
                for lv in self.levels
            ],
            "domains": [
                {
                    "key": d.key,
                    "label": d.label,
                    "name": d.name,
                    "group": d.group,
                    "note": d.note,
                    "questions": [_describe_question(q) for q in d.questions],
                }
                for d in self.domains
            ],
        }

    # --- answers -------------------------------------------------------------------------------------

    def visible_questions(self, domain_key: str, answers: Mapping[str, str]) -> list[Question]:
        """The questions to show, in order; a question whose condition fails is hidden (answered NA)."""
        shown: list[Question] = []
        effective: dict[str, str] = {}
        for q in self.domain(domain_key).questions:
            if q.condition is None or q.condition.holds(effective):
                shown.append(q)
                if q.id in answers:
                    effective[q.id] = answers[q.id]
        return shown

    def effective_answers(self, domain_key: str, answers: Mapping[str, str]) -> dict[str, str]:
        """Only the answers to shown questions (answers left behind on hidden questions are dropped)."""
        return {q.id: answers[q.id] for q in self.visible_questions(domain_key, answers) if q.id in answers}

    def validate_answers(self, domain_key: str, answers: Mapping[str, str]) -> None:
        domain = self.domain(domain_key)
        known = {q.id for q in domain.questions}
        for qid, value in answers.items():
            if qid not in known:
                raise InvalidAnswer(qid, value, (), f"{domain.label} {domain.name} has no question {qid}")
            q = domain.question(qid)
            if value not in q.options:
                raise InvalidAnswer(qid, value, q.options)
        shown = {q.id for q in self.visible_questions(domain_key, answers)}
        for qid, value in answers.items():
            q = domain.question(qid)
            if value == NA and qid in shown and q.condition is not None and not q.if_applicable:
                raise InvalidAnswer(
                    qid, value, [o for o in q.options if o != NA], f"it applies here ({q.condition.text})"
                )

    def propose_domain(self, domain_key: str, answers: Mapping[str, str]) -> Proposal:
        self.validate_answers(domain_key, answers)
        visible = self.visible_questions(domain_key, answers)
        effective = self.effective_answers(domain_key, answers)
        unanswered = tuple(q.id for q in visible if q.id not in effective)
        try:
            proposal = self.domain(domain_key).algorithm(Answers(effective, {q.id for q in visible}))
        except Unanswered as stop:
            return Proposal(None, (f"Answer {stop.question} to get a proposal.",), missing=unanswered)
        return Proposal(
            proposal.judgement, proposal.reasons, proposal.needs_judgement, proposal.alternatives, unanswered
        )

    # --- judgements ----------------------------------------------------------------------------------

    def parse_judgement(self, text: str, domain_key: str | None = None) -> str:
        """A level key from a key or label ("serious", "Serious risk"); refuses text naming two levels."""
        where = f"{self.domain(domain_key).label} {self.domain(domain_key).name}: " if domain_key else ""
        cleaned = re.sub(r"\s+risk( of bias)?$", "", text.strip().lower().replace("_", " "))
        for lv in self.levels:
            if cleaned in (lv.key.replace("_", " "), lv.label.lower()):
                return lv.key
        named = self._levels_named_in(cleaned)
        choices = " or ".join(self.level(k).label for k in named)
        if len(named) > 1:
            raise AmbiguousJudgement(
                f"{where}{text!r} names more than one level; choose one ({choices}) and record why.",
                domain=domain_key,
                value=text,
                candidates=named,
            )
        allowed = ", ".join(lv.label for lv in self.levels)
        raise InvalidJudgement(
            f"{where}{text!r} is not a {self.name} level; choose one of {allowed}.",
            domain=domain_key,
            value=text,
        )

    def _levels_named_in(self, text: str) -> list[str]:
        parts = [p.strip() for p in re.split(r"[/,;|]|\bor\b|\bto\b", text) if p.strip()]
        found = []
        for part in parts:
            for lv in self.levels:
                if part in (lv.key.replace("_", " "), lv.label.lower()) and lv.key not in found:
                    found.append(lv.key)
        return found

    def propose_overall(
        self, domain_judgements: Mapping[str, str], *, multiple_concerns_as_high: bool = False
    ) -> Proposal:
        """The tool's overall rule over domain judgements (level keys). Missing domains -> no proposal."""
        if self.overall_rule is None:
            raise OverallNotDefined(
                f"{self.name} defines no overall judgement: its authors advise against summing item scores; "
                "report each item instead."
            )
        for key, value in domain_judgements.items():
            self.domain(key)
            self.level(value)
        missing = tuple(d.key for d in self.domains if d.key not in domain_judgements)
        if missing:
            labels = ", ".join(self.domain(k).label for k in missing)
            return Proposal(None, (f"Judge {labels} first.",), missing=missing)
        return self.overall_rule(self, domain_judgements, multiple_concerns_as_high)


def _describe_question(q: Question) -> dict[str, object]:
    condition = None
    if q.condition is not None:
        groups = [
            [{"question": c.question, "answers": sorted(c.answers)} for c in g] for g in q.condition.any_of
        ]
        condition = {"text": q.condition.text, "any_of": groups}
    return {
        "id": q.id,
        "text": q.text,
        "heading": q.heading,
        "options": [{"value": v, "label": label} for v, label in q.option_labels],
        "condition": condition,
        "guidance": list(q.guidance),
        "if_applicable": q.if_applicable,
    }


def proposal(
    judgement: str, *reasons: str, needs_judgement: bool = False, alternatives: str = ""
) -> Proposal:
    return Proposal(judgement, tuple(reasons), needs_judgement, tuple(alternatives.split()))


def worst(tool: Tool, keys: Sequence[str]) -> str:
    return max(keys, key=lambda k: tool.level(k).rank)
