"""Prioritised screening, simulated on every labelled set in ../shared/data/screening/, beside ASReview.

For each CSV (cohen2006/*, asreview_srd/*, ferdinands2023_sim/*; only those files) and each seed, replays the
review with screening.ranking.simulate (1 relevant + 1 irrelevant prior chosen by the seed) and prints
WSS@95, recall after 10 % screened, ATD, wall and CPU time, where the hypergeometric stopping rule would
have stopped, and the published ASReview figures where the set has them: Ferdinands et al. 2023
(published_reference_results_screening.csv, results_*.json; ASReview 0.9.3, mean of 15 runs), and on every
set ASReview 3.0.8 as measured here by asreview_reference.py (see --asreview below; PERFORMANCE.md's single
3.0.8 run on nudging, 71.0 % in 22 s, used other prior records).

Model, features and hyper-parameters are chosen on the TUNING sets only: every Cohen 2006 set and the three
asreview_srd sets (17 sets). nudging and virus (ferdinands2023_sim, the two sets with published ASReview
figures) are held out: they are reported after the choice and never guided it.

    .venv/bin/python benchmarks/screening_sim_bench.py [--seeds 0 1 2] [--model logistic] [--strength C]
        [--balance double] [--batch 5] [--sets nudging virus] [--json]
    .venv/bin/python benchmarks/screening_sim_bench.py --tune [--candidates base title2-db ...] [--batch 5]
        [--seeds 0 1]

--tune runs the named candidates (CANDIDATES below: what was compared when the default was chosen) on
the tuning sets only and prints one JSON line per candidate: mean WSS@95, ATD, recall at 10 %, CPU seconds,
and against ASReview 3.0.8 (below) the per-set d = ours - ASReview, the number of sets with d >= 0 and the
mean d.

ASReview 3.0.8 (--asreview, default benchmarks/results/asreview_3.0.8.json): the figures
benchmarks/asreview_reference.py measured by running ASReview 3.0.8's default model ("ELAS u4") on these
CSVs with our priors and our metrics code. The per-set column "3.0.8" is the mean WSS@95 over the SAME
seeds as ours, retraining after as many labels as ours (``--batch`` = ASReview's ``n_query``); "-" when the
file lacks one of those seeds or that n_query. The summary counts the sets where ours >= ASReview, tuning
and held-out apart. A run whose prior records differ from ours is refused (the comparison would not be
like for like).

Issue 11's choice (criterion fixed before any of ISSUE11_CANDIDATES was run): on the 17 tuning sets only,
seeds 0-1, retraining after every label on both sides (ASReview's protocol, n_query = 1), per set d = ours -
ASReview 3.0.8 (mean WSS@95 over the two seeds); the candidate with the most tuning sets with d >= 0 wins,
ties broken by the mean d. Then nudging and virus are run once with the winner, same seeds.

    .venv/bin/python benchmarks/screening_sim_bench.py --tune --batch 1 --seeds 0 1 \
        --candidates title2-double-C0.5 base asreview-u4 asreview-u4-title2 asreview-u4-min2 title2-ratio-C0.5
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dataclasses import replace  # noqa: E402

from screening.ranking.features import FeatureSpec  # noqa: E402
from screening.ranking.model import BALANCES, MODELS, ModelSpec  # noqa: E402
from screening.ranking.simulate import read_labelled_csv, simulate  # noqa: E402

DATA = (ROOT / ".." / ".." / "shared" / "data" / "screening").resolve()
if not DATA.is_dir():
    DATA = Path("/work/shared/data/screening")
ASREVIEW_308_JSON = ROOT / "benchmarks" / "results" / "asreview_3.0.8.json"  # asreview_reference.py's output


def datasets() -> list[Path]:
    return sorted(
        p for sub in ("cohen2006", "asreview_srd", "ferdinands2023_sim") for p in (DATA / sub).glob("*.csv")
    )


def tuning_names() -> set[str]:
    return {p.stem for sub in ("cohen2006", "asreview_srd") for p in (DATA / sub).glob("*.csv")}


_F1 = FeatureSpec(title_weight=1, min_df=2)  # the features before issue 11: candidates keep their meaning
_U4 = ModelSpec("svm", 0.11, "ratio", ratio=9.8)
# name: (features, model); what --tune compares (the choice of 2026-12-03 is in the README)
CANDIDATES: dict[str, tuple[FeatureSpec, ModelSpec]] = {
    "base": (_F1, ModelSpec("logistic", 1.0, "class")),  # the default before: logistic C=1, class balance
    "double": (_F1, ModelSpec("logistic", 1.0, "double")),
    "C3": (_F1, ModelSpec("logistic", 3.0, "class")),
    "C0.3": (_F1, ModelSpec("logistic", 0.3, "class")),
    "nb+logistic": (_F1, ModelSpec("nb+logistic", 1.0, "class")),
    "svm": (_F1, ModelSpec("svm", 0.1, "class")),
    "stop-words": (replace(_F1, stop_words=True), ModelSpec("logistic", 1.0, "class")),
    "unigrams": (replace(_F1, ngram_max=1), ModelSpec("logistic", 1.0, "class")),
    "nb-asreview": (
        replace(_F1, ngram_max=1, stop_words=True, sublinear_tf=False),
        ModelSpec("nb", 3.822, "double"),
    ),
    "title2": (replace(_F1, title_weight=2), ModelSpec("logistic", 1.0, "class")),
    "title2-double": (replace(_F1, title_weight=2), ModelSpec("logistic", 1.0, "double")),
    "title3": (replace(_F1, title_weight=3), ModelSpec("logistic", 1.0, "class")),
    "title3-double": (replace(_F1, title_weight=3), ModelSpec("logistic", 1.0, "double")),
    "title2-double-C0.5": (replace(_F1, title_weight=2), ModelSpec("logistic", 0.5, "double")),
    "title3-double-C0.5": (replace(_F1, title_weight=3), ModelSpec("logistic", 0.5, "double")),
    # issue 11 against ASReview 3.0.8, fixed before any of them was run (criterion: README):
    # its default model "ELAS u4" in our framework: TF-IDF word 1-2-grams, sublinear tf, min_df 1,
    # max_df 0.95, title + abstract; LinearSVC (squared hinge) C = 0.11; its "balanced" weights (includes
    # x9.8 in all)
    "asreview-u4": (replace(_F1, min_df=1), _U4),
    "asreview-u4-title2": (replace(_F1, min_df=1, title_weight=2), _U4),
    "asreview-u4-min2": (_F1, _U4),  # our min_df 2: 100,000 records
    "title2-ratio-C0.5": (replace(_F1, title_weight=2), ModelSpec("logistic", 0.5, "ratio", ratio=9.8)),
}
ISSUE11_CANDIDATES = ["title2-double-C0.5", "base", "asreview-u4", "asreview-u4-title2", "asreview-u4-min2",
                      "title2-ratio-C0.5"]  # fmt: skip


def published() -> dict[str, dict[str, float]]:
    """Ferdinands et al. 2023, NB + TF-IDF (the ASReview default of that study) and SVM + TF-IDF."""
    out: dict[str, dict[str, float]] = {}
    with (DATA / "published_reference_results_screening.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = {"NB + TF-IDF": "nb", "SVM + TF-IDF": "svm"}.get(row["model"])
            metric = {"WSS@95 (%)": "wss95", "RRF@10 (%)": "rrf10"}.get(row["metric"])
            if row["metric"].startswith("ATD"):
                metric = "atd"
            if key and metric:
                out.setdefault(row["dataset"], {})[f"{key}_{metric}"] = float(row["value"])
    for path in (DATA / "ferdinands2023_sim").glob("results_*.json"):
        res = json.loads(path.read_text())
        name = path.stem.split("_")[-2]
        out.setdefault(name, {})["json_nb_wss95"] = round(res["wss"]["95"], 1)
    return out


def asreview_308(path: Path = ASREVIEW_308_JSON) -> dict:
    """asreview_reference.py's runs: ``{dataset: {n_query: {seed: run}}}`` ({} without the file)."""
    if not path.exists():
        return {}
    runs = json.loads(path.read_text())["runs"]
    return {name: {int(k): {int(s): r for s, r in v.items()} for k, v in d["by_n_query"].items()}
            for name, d in runs.items()}  # fmt: skip


def asreview_for(ref: dict, name: str, seeds: list[int], batch: int, priors: dict[int, list[int]]) -> dict:
    """ASReview 3.0.8's mean WSS@95 / ATD / CPU s on ``name`` over exactly ``seeds`` at n_query = batch."""
    runs = ref.get(name, {}).get(batch, {})
    if not all(s in runs for s in seeds):
        return {}
    for s in seeds:
        if s in priors and runs[s]["prior_records"] != priors[s]:
            raise RuntimeError(f"{name} seed {s}: ASReview's prior {runs[s]['prior_records']} is not ours")
    return {
        k: round(statistics.fmean(runs[s][k] for s in seeds), 1 if k != "cpu_seconds" else 2)
        for k in ("wss95", "atd", "rrf10", "cpu_seconds", "seconds")
    }


def run_set(path: Path, seeds: list[int], spec: ModelSpec, batch: int, features: FeatureSpec) -> dict:
    data = read_labelled_csv(path, title_weight=features.title_weight)
    runs = [simulate(data, seed=s, model=spec, batch=batch, features=features) for s in seeds]
    mean = {k: statistics.fmean(r.metrics.as_percent()[k] for r in runs) for k in ("wss95", "rrf10", "atd")}
    stops = [r.stopping()["hypergeometric"] for r in runs]
    return {
        "dataset": path.stem,
        "group": path.parent.name,
        "n": len(data.labels),
        "relevant": int(data.labels.sum()),
        **{k: round(v, 1) for k, v in mean.items()},
        "wss95_min": round(min(r.metrics.as_percent()["wss95"] for r in runs), 1),
        "seconds": round(statistics.fmean(r.seconds for r in runs), 2),
        "cpu_seconds": round(statistics.fmean(r.cpu_seconds for r in runs), 2),
        "stop_screened_pct": _mean_or_none([s["screened_pct"] for s in stops]),
        "stop_recall": _mean_or_none([s["recall"] for s in stops]),
        "priors": {r.seed: [int(i) for i in r.prior] for r in runs},
    }


def _mean_or_none(values: list) -> float | None:
    vals = [v for v in values if v is not None]
    return round(statistics.fmean(vals), 1) if len(vals) == len(values) else None


def versus(rows: list[dict]) -> dict:
    """Ours against ASReview 3.0.8 on the rows that have its figure: d = ours - ASReview per set."""
    d = {r["dataset"]: round(r["wss95"] - r["asreview_308_wss95"], 1) for r in rows
         if r.get("asreview_308_wss95") is not None}  # fmt: skip
    return {
        "sets_compared": len(d),
        "sets_ours_ge_asreview": sum(v >= 0 for v in d.values()),
        "mean_d": round(statistics.fmean(d.values()), 2) if d else None,
        "d": d,
    }


def tune(seeds: list[int], batch: int, candidates: list[str], only: list[str] | None = None) -> None:
    names = tuning_names() & set(only) if only else tuning_names()
    paths = [p for p in datasets() if p.stem in names]
    ref = asreview_308()
    for name in candidates:
        feats, spec = CANDIDATES[name]
        rows = [run_set(p, seeds, spec, batch, feats) for p in paths]
        for r in rows:
            r["asreview_308_wss95"] = asreview_for(ref, r["dataset"], seeds, batch, r["priors"]).get("wss95")
        print(
            json.dumps({"candidate": name, "model": f"{feats.version()}/{spec.version()}", "batch": batch,
                        "seeds": seeds, "sets": len(rows),
                        "mean_wss95": round(statistics.fmean(r["wss95"] for r in rows), 2),
                        "mean_atd": round(statistics.fmean(r["atd"] for r in rows), 2),
                        "mean_rrf10": round(statistics.fmean(r["rrf10"] for r in rows), 2),
                        "cpu": round(sum(r["cpu_seconds"] * len(seeds) for r in rows), 1),
                        "per_set": {r["dataset"]: r["wss95"] for r in rows},
                        "per_set_cpu_s": {r["dataset"]: r["cpu_seconds"] for r in rows},
                        "vs_asreview_3.0.8": versus(rows)}),
            flush=True,
        )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--model", choices=MODELS, default=ModelSpec().name)
    ap.add_argument("--balance", choices=BALANCES, default=ModelSpec().balance)
    ap.add_argument("--batch", type=int, default=5, help="retrain every k labels (the app: every 10 votes)")
    ap.add_argument("--sets", nargs="*", help="only these dataset names")
    ap.add_argument("--tune", action="store_true", help="compare --candidates on the tuning sets only")
    ap.add_argument("--candidates", nargs="+", choices=list(CANDIDATES), default=list(CANDIDATES))
    ap.add_argument("--strength", type=float, help="C (logistic, svm) or alpha (nb, sgd)")
    ap.add_argument("--title-weight", type=int, default=FeatureSpec().title_weight, help="title k times")
    ap.add_argument("--asreview", type=Path, default=ASREVIEW_308_JSON, help="asreview_reference.py's JSON")
    ap.add_argument("--features", choices=list(CANDIDATES), help="use this candidate's features and model")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.tune:
        tune(args.seeds, args.batch, args.candidates, args.sets)
        return
    ref, tuning, asr = published(), tuning_names(), asreview_308(args.asreview)
    spec = ModelSpec(args.model, args.strength, args.balance)
    feats = FeatureSpec(title_weight=args.title_weight)
    if args.features:
        feats, spec = CANDIDATES[args.features]
    print(
        f"model {feats.version()}/{spec.version()}, batch {args.batch}, seeds {args.seeds}",
        flush=True,
    )
    header = (
        f"{'set':<24}{'part':<8}{'N':>6}{'rel':>5} {'WSS@95':>7}{'min':>6}{'R@10%':>7}{'ATD':>6}"
        f"{'wall s':>8}{'cpu s':>7} {'stop@%':>7}{'rec%':>6} | {'ASR NB':>7}{'ASR SVM':>8}{'3.0.8':>6}"
        f"{'d':>6}{'cpu s':>7}"
    )
    print(header, flush=True)
    rows = []
    for path in datasets():
        if args.sets and path.stem not in args.sets:
            continue
        row = run_set(path, args.seeds, spec, args.batch, feats)
        row["part"] = "tuning" if path.stem in tuning else "held-out"
        pub = ref.get(path.stem, {}) or (ref.get("ace", {}) if path.stem == "ACEInhibitors" else {})
        row.update(asreview_nb_wss95=pub.get("nb_wss95"), asreview_svm_wss95=pub.get("svm_wss95"))
        a = asreview_for(asr, path.stem, args.seeds, args.batch, row["priors"])
        row["asreview_308_wss95"], row["asreview_308_cpu_seconds"] = a.get("wss95"), a.get("cpu_seconds")
        row["asreview_308_atd"] = a.get("atd")
        rows.append(row)
        print(_line(row), flush=True)
    for part in ("tuning", "held-out"):
        sel = [r for r in rows if r["part"] == part]
        if sel:
            vs = versus(sel)
            print(f"mean {part}: WSS@95 {statistics.fmean(r['wss95'] for r in sel):.1f} %, "
                  f"ATD {statistics.fmean(r['atd'] for r in sel):.1f} %, {len(sel)} sets; "
                  f"sets where ours >= ASReview 3.0.8: {vs['sets_ours_ge_asreview']} of {vs['sets_compared']}"
                  f" (mean d {vs['mean_d']})")  # fmt: skip
    vs = versus(rows)
    print(f"all sets: ours >= ASReview 3.0.8 on {vs['sets_ours_ge_asreview']} of {vs['sets_compared']}")
    if args.json:
        print(json.dumps(rows))


def _fmt(v: float | None, width: int) -> str:
    return f"{'-' if v is None else v:>{width}}"


def _d(r: dict) -> float | None:
    return None if r["asreview_308_wss95"] is None else round(r["wss95"] - r["asreview_308_wss95"], 1)


def _line(r: dict) -> str:
    return (
        f"{r['dataset']:<24}{r['part']:<8}{r['n']:>6}{r['relevant']:>5} {r['wss95']:>7}{r['wss95_min']:>6}"
        f"{r['rrf10']:>7}{r['atd']:>6}{r['seconds']:>8}{r['cpu_seconds']:>7} "
        f"{_fmt(r['stop_screened_pct'], 7)}{_fmt(r['stop_recall'], 6)} | "
        f"{_fmt(r['asreview_nb_wss95'], 7)}{_fmt(r['asreview_svm_wss95'], 8)}"
        f"{_fmt(r['asreview_308_wss95'], 6)}"
        f"{_fmt(_d(r), 6)}"
        f"{_fmt(r['asreview_308_cpu_seconds'], 7)}"
    )


if __name__ == "__main__":
    main()
