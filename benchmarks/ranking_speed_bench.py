"""Ranking speed at 100,000 records: vectorise once, then retrain + re-rank as labels come in (issue 11).

The records are real titles/abstracts: the ~25,000 of ../shared/data/screening/, each used four times with a
different random 10 % of its words dropped, so the vocabulary and lengths are those of real reviews. The
vectoriser is fitted once (the cached corpus); every retrain then fits the model on the labelled rows and
re-scores and re-orders all unlabelled rows and computes top terms for the first 2,000.

    .venv/bin/python benchmarks/ranking_speed_bench.py [--records 100000] [--labelled 500 5000 50000]
        [--model logistic] [--candidate asreview-u4-min2] [--cache corpus.pickle]

``--candidate`` takes features and model from screening_sim_bench.py's CANDIDATES (default: the app's
defaults, FeatureSpec() and ModelSpec()). Each retrain is timed twice: ``score_all`` (screening.ranking.live,
what the worker runs: fit + score every record + order + top terms; "train_and_score" in
ranking_live_bench.py) and ``rank`` (also builds a ranked-record object per unlabelled record).

Target (issue 11, acceptance 5): retrain + re-rank 100,000 records in under 5 s in a worker.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.ranking.features import TITLE_WEIGHT, FeatureSpec, corpus_build  # noqa: E402
from screening.ranking.live import score_all  # noqa: E402
from screening.ranking.model import MODELS, ModelSpec, rank  # noqa: E402
from screening.ranking.simulate import read_labelled_csv  # noqa: E402

DATA = Path("/work/shared/data/screening")


def records(
    n: int, rng: np.random.Generator, title_weight: int = TITLE_WEIGHT
) -> tuple[list[tuple[int, str]], np.ndarray]:
    texts, labels = [], []
    for path in sorted(DATA.glob("*/*.csv")):
        if path.name.startswith("published"):
            continue
        data = read_labelled_csv(path, title_weight=title_weight)
        texts += data.texts
        labels += data.labels.tolist()
    out, lab = [], []
    i = 0
    while len(out) < n:
        words = texts[i % len(texts)].split()
        keep = rng.random(len(words)) > 0.1
        out.append((len(out), " ".join(w for w, k in zip(words, keep, strict=True) if k)))
        lab.append(labels[i % len(texts)])
        i += 1
    return out, np.array(lab, dtype=np.int8)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--labelled", type=int, nargs="+", default=[500, 5_000, 50_000])
    ap.add_argument("--model", choices=MODELS, help="this model with its default knob (default: ModelSpec())")
    ap.add_argument("--candidate", help="features and model of this screening_sim_bench.py candidate")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cache", help="pickle the vectorised corpus here and reuse it (what the worker caches)")
    args = ap.parse_args()
    feats, spec = FeatureSpec(), ModelSpec(args.model) if args.model else ModelSpec()
    if args.candidate:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from screening_sim_bench import CANDIDATES

        feats, spec = CANDIDATES[args.candidate]
    rng = np.random.default_rng(0)
    recs, labels = records(args.records, rng, feats.title_weight)
    t = time.perf_counter()
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        corpus = pickle.loads(cache.read_bytes())  # noqa: S301 -- our own file
    else:
        corpus = corpus_build(recs, feats)
        if cache:
            cache.write_bytes(pickle.dumps(corpus))
    vec_s = time.perf_counter() - t
    out = {"records": len(recs), "features": corpus.matrix.shape[1], "nnz": corpus.matrix.nnz,
           "vectorise_or_load_s": round(vec_s, 2), "model": f"{feats.version()}/{spec.version()}",
           "retrain_rerank_s": {}, "score_all_s": {}}  # fmt: skip
    for n_lab in args.labelled:
        idx = rng.choice(len(recs), n_lab, replace=False)
        pairs = [(int(i), bool(labels[i])) for i in idx]
        for key, fn in (("score_all_s", score_all), ("retrain_rerank_s", rank)):
            wall, cpu = [], []
            for _ in range(args.repeat):
                t, c = time.perf_counter(), time.process_time()
                result = fn(corpus, pairs, spec=spec)
                wall.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            n_out = len(result.order) if key == "score_all_s" else len(result.records) + n_lab
            assert n_out == len(recs)
            out[key][n_lab] = {"wall_median": round(float(np.median(wall)), 2),
                               "cpu_median": round(float(np.median(cpu)), 2)}  # fmt: skip
            print(json.dumps({"labelled": n_lab, "timed": key, **out[key][n_lab]}), flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
