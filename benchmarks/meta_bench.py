"""Meta-analysis speed (issue 8): our engine beside R metafor.

    .venv/bin/python benchmarks/meta_bench.py [--fits 2000] [--plots 7] [--no-r]

* ``reml_fit_bcg``: one REML random-effects fit on dat.bcg (log RR), in-process, median of ``--fits``
  runs. ``fit_only`` is ``rma(yi, vi, method="REML")`` (what metafor's ``rma()`` does);
  ``full`` adds escalc from the 2x2 tables, the Q-profile CI for tau² and the prediction interval.
  Target: <= 1 ms (metafor measured here in the issue: 3.2 ms).
* ``analysis_and_forest_100``: pool 100 synthetic studies (REML) and render the forest plot, median
  of ``--plots`` runs, as PNG and as SVG. Target: < 1 s.
* ``metafor``: the same fits timed inside R (median of 200 after warm-up), when Rscript and metafor are
  installed; otherwise null.

Wall-clock medians are reported with CPU-time medians beside them: on a shared machine the wall
clock includes waiting for a core. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from synthesis.plots import forest_plot  # noqa: E402
from synthesis.stats import Spec, StudyData, Tables, generic, pool, rma  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "meta"
R_SCRIPT = r"""
suppressMessages(library(metafor))
d <- read.csv(file.path("{shared}", "dat.bcg.csv"))
es <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = d)
time_ms <- function(expr, n = 200) {{
  f <- function() eval(expr)
  for (i in 1:20) f()
  t <- numeric(n)
  for (i in 1:n) {{ s <- Sys.time(); f(); t[i] <- as.numeric(Sys.time() - s, units = "secs") * 1000 }}
  median(t)
}}
fit <- time_ms(quote(rma(yi, vi, data = es, method = "REML")))
full <- time_ms(quote({{ r <- rma(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = d,
                                   method = "REML"); confint(r); predict(r) }}))
cat(sprintf('{{"fit_only_ms": %.4f, "full_ms": %.4f, "version": "%s"}}',
            fit, full, packageVersion("metafor")))
"""


def _bcg() -> StudyData:
    with open(SHARED / "dat.bcg.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ai = [float(r["tpos"]) for r in rows]
    ci = [float(r["cpos"]) for r in rows]
    n1 = [float(r["tpos"]) + float(r["tneg"]) for r in rows]
    n2 = [float(r["cpos"]) + float(r["cneg"]) for r in rows]
    return StudyData(labels=tuple(r["author"] for r in rows), tables=Tables.from_counts(ai, n1, ci, n2))


def _median_ms(fn, n: int) -> tuple[float, float]:
    for _ in range(min(50, n)):
        fn()
    wall, cpu = [], []
    for _ in range(n):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def _synthetic(k: int) -> StudyData:
    rng = np.random.default_rng(2026)
    vi = rng.uniform(0.01, 0.5, k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.05))
    return StudyData(
        labels=tuple(f"Study {i + 1} et al. {1990 + i % 30}" for i in range(k)), effects=generic(yi, vi)
    )


def _metafor() -> dict[str, object] | None:
    if not shutil.which("Rscript"):
        return None
    proc = subprocess.run(
        ["Rscript", "-e", R_SCRIPT.format(shared=SHARED)], capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fits", type=int, default=2000)
    parser.add_argument("--plots", type=int, default=7)
    parser.add_argument("--no-r", action="store_true")
    args = parser.parse_args()

    bcg = _bcg()
    spec = Spec("RR", "REML")
    first = pool(bcg, spec)
    yi = np.array([s.yi for s in first.studies])
    vi = np.array([s.vi for s in first.studies])
    fit_wall, fit_cpu = _median_ms(lambda: rma(yi, vi, method="REML"), args.fits)
    full_wall, full_cpu = _median_ms(lambda: pool(bcg, spec), args.fits)

    data100 = _synthetic(100)
    spec100 = Spec("GEN", "REML")
    plots = {}
    for fmt in ("png", "svg"):
        wall, cpu = _median_ms(lambda fmt=fmt: forest_plot(pool(data100, spec100), fmt=fmt), args.plots)
        plots[fmt] = {"wall_ms": round(wall, 1), "cpu_ms": round(cpu, 1), "target_ms": 1000}

    out = {
        "reml_fit_bcg": {
            "tau2": first.tau2,
            "fit_only": {"wall_ms": round(fit_wall, 4), "cpu_ms": round(fit_cpu, 4)},
            "full": {"wall_ms": round(full_wall, 4), "cpu_ms": round(full_cpu, 4)},
            "runs": args.fits,
            "target_ms": 1.0,
        },
        "analysis_and_forest_100": plots,
        "metafor": None if args.no_r else _metafor(),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
