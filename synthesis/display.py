"""Stored results as the pages show them: formatted numbers, ratios exponentiated (no Django)."""

from __future__ import annotations

import math
from typing import Any

RATIO = ("RR", "OR", "PETO")


def num(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{x:.{digits}f}".replace("-", "−")


def pval(p: float | None) -> str:
    if p is None:
        return "—"
    return "< 0.0001" if p < 0.0001 else f"{p:.4f}"


def _scale(block: dict, key: str, ratio: bool) -> float | None:
    return block.get(f"{key}_exp") if ratio else block.get(key)


def digits_for(results: dict) -> int:
    est = abs(results.get("estimate") or 0)
    if results.get("measure") in RATIO:
        return 2
    return 2 if est >= 0.1 else 3


def block_row(name: str, block: dict, measure: str, digits: int) -> dict[str, Any]:
    ratio = measure in RATIO
    stat = "t" if "tval" in block else "z"
    tau2_ci = ""
    if block.get("tau2_ci_lb") is not None:
        lb = ("< " if block.get("tau2_ci_lb_at_bound") else "") + num(block["tau2_ci_lb"], 4)
        ub = ("> " if block.get("tau2_ci_ub_at_bound") else "") + num(block["tau2_ci_ub"], 4)
        tau2_ci = f"[{lb}, {ub}]"
    pi = ""
    if block.get("pi_lb") is not None:
        pi = f"{num(_scale(block, 'pi_lb', ratio), digits)} to {num(_scale(block, 'pi_ub', ratio), digits)}"
    return {
        "name": name,
        "k": block.get("k"),
        "estimate": num(_scale(block, "estimate", ratio), digits),
        "ci": f"{num(_scale(block, 'ci_lb', ratio), digits)} to {num(_scale(block, 'ci_ub', ratio), digits)}",
        "test": f"{stat} = {num(block.get('tval', block.get('zval')), 2)}"
        + (f" (df {block['df']})" if block.get("df") is not None else ""),
        "p": pval(block.get("pval")),
        "tau2": num(block.get("tau2"), 4),
        "tau2_ci": tau2_ci,
        "I2": num(block.get("I2"), 1) + " %",
        "Q": f"{num(block.get('Q'), 2)} (df {block.get('Q_df')}), p {pval(block.get('Q_p'))}",
        "pi": pi,
        "error": block.get("error", ""),
    }


def results_view(results: dict) -> dict[str, Any]:
    measure = results.get("measure", "")
    digits = digits_for(results)
    subgroups = [block_row(n, b, measure, digits) for n, b in (results.get("subgroups") or {}).items()]
    between = None
    if results.get("Q_between") is not None:
        q, df = num(results["Q_between"], 2), results["Q_between_df"]
        between = f"Q = {q}, df = {df}, p {pval(results['Q_between_p'])}"
    egger = results.get("egger")
    return {
        "ratio": measure in RATIO,
        "scale": "ratio (exponentiated)" if measure in RATIO else "difference",
        "overall": block_row("Overall", results, measure, digits),
        "subgroups": subgroups,
        "between": between,
        "egger": None
        if not egger
        else f"{'t' if egger.get('df') else 'z'} = {num(egger['stat'], 2)}, p {pval(egger['pval'])}",
        "loo": [block_row(r["omitted"], r, measure, digits) for r in results.get("leave_one_out") or []],
        "studies": [
            {
                "study": s["study"],
                "weight": num(s.get("weight"), 1),
                "estimate": num(
                    math.exp(s["yi"]) if measure in RATIO and s.get("yi") is not None else s.get("yi"), digits
                ),
            }
            for s in results.get("studies") or []
        ],
    }
