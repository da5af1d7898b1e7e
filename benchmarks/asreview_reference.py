"""ASReview 3.0.8's default model, simulated on our labelled sets with OUR priors and OUR metrics.

Run with a separate interpreter that has ASReview (never the project's venv; asreview is not a dependency):

    python3.11 -m venv /work/asr && /work/asr/bin/pip install asreview==3.0.8
    /work/asr/bin/python benchmarks/asreview_reference.py [--seeds 0 1] [--n-query 1 5] [--sets nudging]
        [--out benchmarks/results/asreview_3.0.8.json]

For each CSV of ../shared/data/screening/ (cohen2006/*, asreview_srd/*, ferdinands2023_sim/*; only those
files: ASReview's own and SYNERGY's datasets are never loaded or downloaded) and each seed it runs what
``asreview simulate <csv> --prior-idx i j --seed S`` runs (asreview/simulation/cli.py): the records as
ASReview's own loader reads the CSV, ``np.random.seed(S)``, a TopDown cycle until both classes are labelled
(here at once: the prior has both), then the default AI configuration ``get_ai_config()`` (3.0.8: "ELAS u4",
TF-IDF word 1-2-grams, sublinear tf, min_df 1, max_df 0.95; LinearSVC squared hinge C = 0.11; "balanced"
sample weights with ratio 9.8; max querier), ``n_query`` records per retrain (1 is ASReview's default), until
the last relevant record is found. The prior is the 1 relevant + 1 irrelevant record our simulator picks
for that seed (screening.ranking.simulate._prior), labelled with ``Simulate.label`` as the CLI does. The
labels are our reader's (read_labelled_csv); the script checks ASReview's loader read the same number of
records and, where it found a label column, the same labels.

Metrics come from screening.ranking.metrics on the screening sequence without the two prior records, exactly
as screening_sim_bench.py computes ours (records never reached are irrelevant: ASReview stops at the last
relevant one, as ours does). Wall and CPU seconds per run include vectorising, like ours. The JSON written
(committed: it is a measurement) records date, versions, host load and per-run figures;
screening_sim_bench.py prints it beside our figures.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.ranking import metrics as m  # noqa: E402
from screening.ranking.simulate import _prior, read_labelled_csv  # noqa: E402

DATA = (ROOT / ".." / ".." / "shared" / "data" / "screening").resolve()
if not DATA.is_dir():
    DATA = Path("/work/shared/data/screening")
OUT = ROOT / "benchmarks" / "results" / "asreview_3.0.8.json"


def datasets() -> list[Path]:
    return sorted(
        p for sub in ("cohen2006", "asreview_srd", "ferdinands2023_sim") for p in (DATA / sub).glob("*.csv")
    )


def run_one(path: Path, labels: np.ndarray, seed: int, n_query: int) -> dict:
    import asreview
    from asreview.learner import ActiveLearningCycle
    from asreview.models.models import get_ai_config
    from asreview.models.queriers import TopDown
    from asreview.models.stoppers import IsFittable, LastRelevant
    from asreview.simulation.simulate import Simulate

    started, cpu_started = time.perf_counter(), time.process_time()
    np.random.seed(seed)
    with asreview.load_dataset(path, dataset_id=path.name) as db:  # the CSV itself, via ASReview's loader
        df = db.input.get_df()
    if len(df) != len(labels):
        raise RuntimeError(f"{path.name}: ASReview read {len(df)} records, we read {len(labels)}")
    theirs = df.get("included")
    if theirs is not None and theirs.notna().all() and not np.array_equal(theirs.to_numpy(np.int8), labels):
        raise RuntimeError(f"{path.name}: ASReview's labels differ from ours")
    meta = dataclasses.replace(get_ai_config()["value"], n_query=n_query)  # not the module's own copy
    cycles = [
        ActiveLearningCycle(querier=TopDown(), stopper=IsFittable()),
        ActiveLearningCycle.from_meta(meta),
    ]
    # int64: ASReview sums the labels with Python's sum(), which wraps around at 128 on int8
    sim = Simulate(df, labels.astype(np.int64), cycles, stopper=LastRelevant(), print_progress=False)
    prior = _prior(labels, seed)
    sim.label(list(prior))
    with contextlib.redirect_stdout(io.StringIO()):
        sim.review()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    order = [int(i) for i in sim._results["record_id"]]
    if order[:2] != list(prior):
        raise RuntimeError(f"{path.name}: the prior records are not first")
    screened = labels[order[2:]]
    n_rest = len(labels) - len(order)
    sequence = np.concatenate((screened, np.zeros(n_rest, dtype=np.int8)))
    if sequence.sum() != labels.sum() - labels[list(prior)].sum():
        raise RuntimeError(f"{path.name}: ASReview stopped before the last relevant record")
    return {
        "seed": seed,
        "n_query": n_query,
        "prior_records": list(prior),
        **m.metrics_all(sequence).as_percent(),
        "screened": len(order),
        "trainings": int(sim._results["training_set"].notna().sum() + n_query - 1) // n_query,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--n-query", type=int, nargs="+", default=[1])
    ap.add_argument("--sets", nargs="*", help="only these dataset names")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    import asreview
    import sklearn
    from asreview.models.models import get_ai_config

    out = json.loads(args.out.read_text()) if args.out.exists() else {"runs": {}}
    config = get_ai_config()
    out.update(
        asreview=asreview.__version__,
        scikit_learn=sklearn.__version__,
        python=platform.python_version(),
        model=config["name"],
        model_config={k: v for k, v in vars(config["value"]).items() if v not in (None, {})},
        protocol="asreview simulate <csv> --prior-idx <our seed's 1+1 prior> --seed S, stop at the last "
        "relevant record; metrics from screening.ranking.metrics, priors excluded",
        data=str(DATA),
    )
    out["model_config"]["feature_extractor_param"]["ngram_range"] = list(
        out["model_config"]["feature_extractor_param"]["ngram_range"]
    )
    for path in datasets():
        if args.sets and path.stem not in args.sets:
            continue
        labels = read_labelled_csv(path).labels
        for n_query in args.n_query:
            for seed in args.seeds:
                load_before = os.getloadavg()[0]
                res = run_one(path, labels, seed, n_query)
                res["load_avg_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
                res["date"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
                new = {"group": path.parent.name, "n": len(labels), "relevant": int(labels.sum())}
                runs = out["runs"].setdefault(path.stem, {**new, "by_n_query": {}})
                per = runs["by_n_query"].setdefault(str(n_query), {})
                per[str(seed)] = res
                print(json.dumps({"dataset": path.stem, **res}), flush=True)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    summary = {}
    for name, runs in out["runs"].items():
        for nq, per in runs["by_n_query"].items():
            summary.setdefault(nq, {})[name] = round(statistics.fmean(r["wss95"] for r in per.values()), 1)
    print(json.dumps({"mean_wss95_by_n_query": summary}))


if __name__ == "__main__":
    main()
