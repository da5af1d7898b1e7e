"""Ranking speed at 100,000 records: vectorise once, then retrain + re-rank as labels come in (issue 11).

The records are real titles/abstracts: the ~25,000 of ../shared/data/screening/, each used four times with a
different random 10 % of its words dropped, so the vocabulary and lengths are those of real reviews. The
vectoriser is fitted once (the cached corpus); every retrain then fits the model on the labelled rows and
re-scores and re-orders all unlabelled rows and computes top terms for the first 2,000.

    .venv/bin/python benchmarks/ranking_speed_bench.py [--records 100000] [--labelled 500 5000 50000]
        [--model logistic]

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

from screening.ranking.features import corpus_build  # noqa: E402
from screening.ranking.model import MODELS, ModelSpec, rank  # noqa: E402
from screening.ranking.simulate import read_labelled_csv  # noqa: E402

DATA = Path("/work/shared/data/screening")


def records(n: int, rng: np.random.Generator) -> tuple[list[tuple[int, str]], np.ndarray]:
    texts, labels = [], []
    for path in sorted(DATA.glob("*/*.csv")):
        if path.name.startswith("published"):
            continue
        data = read_labelled_csv(path)
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
    ap.add_argument("--model", choices=MODELS, default=ModelSpec().name)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cache", help="pickle the vectorised corpus here and reuse it (what the worker caches)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    recs, labels = records(args.records, rng)
    t = time.perf_counter()
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        corpus = pickle.loads(cache.read_bytes())  # noqa: S301 -- our own file
    else:
        corpus = corpus_build(recs)
        if cache:
            cache.write_bytes(pickle.dumps(corpus))
    vec_s = time.perf_counter() - t
    out = {"records": len(recs), "features": corpus.matrix.shape[1], "nnz": corpus.matrix.nnz,
           "vectorise_or_load_s": round(vec_s, 2), "model": args.model, "retrain_rerank_s": {}}  # fmt: skip
    for n_lab in args.labelled:
        idx = rng.choice(len(recs), n_lab, replace=False)
        pairs = [(int(i), bool(labels[i])) for i in idx]
        wall, cpu = [], []
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            ranking = rank(corpus, pairs, spec=ModelSpec(args.model))
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        assert len(ranking.records) == len(recs) - n_lab
        out["retrain_rerank_s"][n_lab] = {"wall_median": round(float(np.median(wall)), 2),
                                          "cpu_median": round(float(np.median(cpu)), 2)}  # fmt: skip
        print(json.dumps({"labelled": n_lab, **out["retrain_rerank_s"][n_lab]}), flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
