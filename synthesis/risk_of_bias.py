"""The hook the "without studies at high risk of bias" sensitivity analysis reads: `overall_risk_by_study`.

It reads the consensus risk-of-bias assessments through `extraction.rob.selectors.consensus_of(review)`
(rows with `item.study_id` and `overall`: RoB 2 low/some_concerns/high, ROBINS-I low/moderate/serious/
critical/no_information, SYRCLE low/high/unclear), keeping the worst overall judgement per study over its
tools and results. If that selector is missing or changes shape it returns {} and the page says that no
judgements are available (the import is by name so synthesis still loads without risk of bias).
"""

from __future__ import annotations

import importlib

ORDER = ["low", "some_concerns", "moderate", "unclear", "no_information", "high", "serious", "critical"]


def _rank(level: str) -> int:
    return ORDER.index(level) if level in ORDER else -1


def overall_risk_by_study(review) -> dict[int, str]:
    """{study id: worst consensus overall risk-of-bias judgement} for the review ({} when unavailable)."""
    try:
        selectors = importlib.import_module("extraction.rob.selectors")
        rows = list(selectors.consensus_of(review))
        worst: dict[int, str] = {}
        for row in rows:
            level = str(getattr(row, "overall", "") or "").casefold()
            sid = row.item.study_id
            if level and _rank(level) >= _rank(worst.get(sid, "")):
                worst[sid] = level
        return worst
    except (ImportError, AttributeError, TypeError):
        return {}
