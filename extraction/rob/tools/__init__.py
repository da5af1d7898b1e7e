"""Risk-of-bias tools as data and their published algorithms (pure Python, no Django).

    tool = get_tool("robins_i")                      # or "rob2", "syrcle"; effect="adhering" too
    tool.visible_questions("d1", answers)            # questions to show, given the answers so far
    tool.propose_domain("d1", {"1.1": "Y", ...})     # Proposal(judgement, reasons, needs_judgement, ...)
    tool.propose_overall({"d1": "serious", ...})     # the tool's overall rule (SYRCLE: OverallNotDefined)
    tool.validate_answers("d1", answers)             # InvalidAnswer naming the question and the value
    tool.parse_judgement("Moderate/serious", "d7")   # AmbiguousJudgement: choose one level

Answers are the published codes: Y, PY, PN, N, NI, NA (SYRCLE: yes, no, unclear, NA). Judgements are level
keys (``tool.levels``). See each tool module's docstring for its sources and the places where the guidance
leaves the judgement to the assessor.
"""

from __future__ import annotations

from . import rob2, robins_i, syrcle
from .base import (
    AmbiguousJudgement,
    Domain,
    InvalidAnswer,
    InvalidJudgement,
    Level,
    OverallNotDefined,
    Proposal,
    Question,
    RobError,
    Tool,
    UnknownDomain,
)

TOOL_KEYS = ("rob2", "robins_i", "syrcle")
EFFECTS = ("assignment", "adhering")
DESIGNS = ("parallel",)  # RoB 2 cluster-randomized and crossover variants: not yet built


def get_tool(key: str, *, effect: str = "assignment", design: str = "parallel") -> Tool:
    """The tool ``key`` for one effect of interest (RoB 2 and ROBINS-I) and trial design (RoB 2)."""
    if design != "parallel":
        raise RobError(
            f"RoB 2 variant for {design!r} trials is not available yet; only parallel-group trials."
        )
    if key == "rob2":
        return rob2.build(effect)
    if key == "robins_i":
        return robins_i.build(effect)
    if key == "syrcle":
        return syrcle.build()
    raise RobError(f"Unknown risk-of-bias tool {key!r}; choose one of {', '.join(TOOL_KEYS)}.")


__all__ = [
    "AmbiguousJudgement",
    "Domain",
    "EFFECTS",
    "InvalidAnswer",
    "InvalidJudgement",
    "Level",
    "OverallNotDefined",
    "Proposal",
    "Question",
    "RobError",
    "TOOL_KEYS",
    "Tool",
    "UnknownDomain",
    "get_tool",
]
