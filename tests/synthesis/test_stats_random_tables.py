"""40 random sets of 2x2 tables with rare events (zero cells, double zeros, all-event arms) through
inverse-variance models, Mantel-Haenszel and Peto, against metafor 3.8-1 (estimates, SEs, p, CIs,
tau², I², H², Q and every study weight); made by tests/fixtures/meta/random/metafor_random_tables.R.
Where metafor cannot estimate (MH with no events), the engine must refuse too."""

from __future__ import annotations

from collections import defaultdict

import pytest

from synthesis.stats import Spec, StatsError, StudyData, Tables, pool

from .metafor_data import FIXTURES, mismatches, number, read_rows

TABLES: dict[str, list[dict[str, str]]] = defaultdict(list)
for _r in read_rows(FIXTURES / "random" / "random_tables.csv"):
    TABLES[_r["case"]].append(_r)
RESULTS: dict[str, list[dict[str, str]]] = defaultdict(list)
for _r in read_rows(FIXTURES / "random" / "metafor_random_tables_results.csv"):
    RESULTS[_r["case"]].append(_r)
COLUMNS = ("k", "estimate", "se", "pval", "ci_lb", "ci_ub", "tau2", "I2", "H2", "QE", "QEp")


def _data(case: str) -> StudyData:
    rows = TABLES[case]
    col = {c: [float(r[c]) for r in rows] for c in ("ai", "n1i", "ci", "n2i")}
    tables = Tables.from_counts(col["ai"], col["n1i"], col["ci"], col["n2i"])
    return StudyData(labels=tuple(r["study"] for r in rows), tables=tables)


@pytest.mark.parametrize("case", sorted(RESULTS, key=int))
def test_random_tables_agree_with_metafor(case):
    data = _data(case)
    problems = []
    for row in RESULTS[case]:
        spec = Spec(measure=row["measure"], method=row["method"])
        where = f"{row['measure']}/{row['method']}"
        if row["error"]:
            with pytest.raises(StatsError):
                pool(data, spec)
            continue
        res = pool(data, spec)
        ours = {
            "k": res.k, "estimate": res.estimate, "se": res.se, "pval": res.pval, "ci_lb": res.ci_lb,
            "ci_ub": res.ci_ub, "tau2": res.tau2, "I2": res.I2, "H2": res.H2, "QE": res.Q, "QEp": res.Q_p,
        }  # fmt: skip
        ref = {c: number(row[c]) for c in COLUMNS}
        weights = [number(w) for w in row["weights"].split(";")]
        for i, (study, w) in enumerate(zip(res.studies, weights, strict=True)):
            ours[f"weight{i + 1}"] = study.weight
            ref[f"weight{i + 1}"] = w
        problems += [f"{where} {m}" for m in mismatches(ours, ref)]
    assert not problems, "\n".join(problems)
