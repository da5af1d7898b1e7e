"""Replay a labelled review to measure the ranking: the simulation loop (pure Python, no Django).

The loop, like ASReview's simulate mode:

1. Prior knowledge: one relevant and one irrelevant record, drawn with ``numpy.random.default_rng(seed)``
   (first the relevant record, uniformly among the relevant ones, then the irrelevant one).
2. Train the model on every label so far, rank the unlabelled records, "screen" the ``batch`` best-ranked ones
   (reveal their labels), and repeat. ``batch=1`` retrains after every record; larger batches retrain every k
   labels (the live app retrains every few votes, and the benchmark measures what that costs in WSS).
3. Once every relevant record is found the ranking cannot change any metric, so the loop stops and the rest
   follows in the stable cold-start order (all irrelevant); ``full=True`` keeps training to the end instead.

Metrics (:mod:`screening.ranking.metrics`) are computed on the sequence without the two prior records; the
stopping rules (:mod:`screening.ranking.stopping`) on the whole sequence a person would have screened,
priors included.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import metrics as m
from .features import TITLE_WEIGHT, FeatureSpec, corpus_build, record_text
from .model import ModelSpec, cold_start_key, model_train
from .stopping import hypergeometric_p, recall_at, stop_point

__all__ = ["LabelledSet", "SimulationResult", "read_labelled_csv", "simulate", "simulate_set"]

LABEL_COLUMNS = ("label_included", "included")


@dataclass(frozen=True)
class LabelledSet:
    name: str
    texts: list[str]
    labels: np.ndarray  # 1 relevant, 0 irrelevant
    label_column: str


def read_labelled_csv(
    path: str | Path, name: str | None = None, title_weight: int = TITLE_WEIGHT
) -> LabelledSet:
    """Read title, abstract and the label column (``label_included``, else ``included``) of a CSV; the texts
    are :func:`record_text` of title and abstract, the title ``title_weight`` times.

    Raises ValueError naming the file and the missing column, or the row with a label that is not 0/1.
    """
    path = Path(path)
    csv.field_size_limit(2**31 - 1)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = [c.strip() for c in (reader.fieldnames or [])]
        reader.fieldnames = columns
        label = next((c for c in LABEL_COLUMNS if c in columns), None)
        if label is None:
            raise ValueError(
                f"{path.name}: no label column; expected 'label_included' or 'included' "
                f"(columns found: {', '.join(columns) or 'none'})"
            )
        if "title" not in columns and "abstract" not in columns:
            raise ValueError(f"{path.name}: needs a 'title' or an 'abstract' column")
        texts, labels = [], []
        for row_no, row in enumerate(reader, start=2):
            value = (row.get(label) or "").strip()
            if value not in ("0", "1", "0.0", "1.0"):
                raise ValueError(f"{path.name}, row {row_no}: {label} is {value!r}, expected 0 or 1")
            texts.append(record_text(row.get("title"), row.get("abstract"), title_weight=title_weight))
            labels.append(1 if value.startswith("1") else 0)
    arr = np.array(labels, dtype=np.int8)
    if arr.sum() < 2 or arr.sum() == len(arr):
        raise ValueError(f"{path.name}: needs at least 2 relevant and 1 irrelevant record to simulate")
    return LabelledSet(name or path.stem, texts, arr, label)


@dataclass
class SimulationResult:
    name: str
    n_records: int
    n_relevant: int
    seed: int
    model: str
    batch: int
    prior: tuple[int, int]
    order: np.ndarray  # record indices in screening order, priors first
    seconds: float
    cpu_seconds: float
    n_trainings: int
    metrics: m.Metrics = field(init=False)
    sequence: np.ndarray = field(init=False)  # labels in screening order, priors first

    labels: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, dtype=np.int8))

    def __post_init__(self) -> None:
        self.sequence = self.labels[self.order]
        self.metrics = m.metrics_all(self.sequence[len(self.prior) :])

    def curve(self) -> tuple[np.ndarray, np.ndarray]:
        return m.recall_curve(self.sequence[len(self.prior) :])

    def stopping(self, recall_target: float = 0.95, confidence: float = 0.95, streak: int = 100) -> dict:
        """Where each stopping rule would have stopped this run, and the recall there."""
        seq, n = self.sequence, self.n_records
        check = max(1, n // 100)  # every 1 % of the records
        at = stop_point(seq, n, recall_target=recall_target, confidence=confidence, check_every=check)
        at_streak = stop_point(seq, n, streak=streak)
        return {
            "hypergeometric": {
                "recall_target": recall_target,
                "confidence": confidence,
                "checked_every": check,
                "stopped_after": at,
                "screened_pct": None if at is None else round(100 * at / n, 2),
                "recall": None if at is None else round(100 * (recall_at(seq, at) or 0), 2),
                "p_at_stop": None if at is None else round(hypergeometric_p(seq[:at], n, recall_target), 5),
            },
            f"irrelevant_in_a_row_{streak}": {
                "stopped_after": at_streak,
                "screened_pct": None if at_streak is None else round(100 * at_streak / n, 2),
                "recall": None if at_streak is None else round(100 * (recall_at(seq, at_streak) or 0), 2),
            },
        }

    def summary(self) -> dict:
        return {
            "dataset": self.name,
            "n_records": self.n_records,
            "n_relevant": self.n_relevant,
            "seed": self.seed,
            "model": self.model,
            "batch": self.batch,
            "prior_records": [int(i) for i in self.prior],
            **self.metrics.as_percent(),
            "seconds": round(self.seconds, 2),
            "cpu_seconds": round(self.cpu_seconds, 2),
            "trainings": self.n_trainings,
        }


def _prior(labels: np.ndarray, seed: int) -> tuple[int, int]:
    rng = np.random.default_rng(seed)
    relevant = np.flatnonzero(labels == 1)
    irrelevant = np.flatnonzero(labels == 0)
    return int(rng.choice(relevant)), int(rng.choice(irrelevant))


def simulate(
    data: LabelledSet,
    *,
    seed: int = 0,
    model: ModelSpec | None = None,
    features: FeatureSpec | None = None,
    batch: int = 1,
    full: bool = False,
) -> SimulationResult:
    """Replay ``data`` from a 1+1 prior chosen by ``seed``; the vectoriser is fitted once, before the loop."""
    started, cpu_started = time.perf_counter(), time.process_time()
    model = model or ModelSpec()
    labels = np.asarray(data.labels, dtype=np.int8)
    n = len(labels)
    corpus = corpus_build(list(enumerate(data.texts)), features)
    matrix = corpus.matrix
    prior = _prior(labels, seed)
    order = list(prior)
    seen = np.zeros(n, dtype=bool)
    seen[list(prior)] = True
    n_relevant, found, trainings = int(labels.sum()), int(labels[list(prior)].sum()), 0
    while not seen.all() and (full or found < n_relevant):
        rows = np.flatnonzero(seen)
        fitted = model_train(matrix[rows], labels[rows], model, seed=seed, corpus_matrix=matrix)
        trainings += 1
        pool = np.flatnonzero(~seen)
        scores = fitted.scores(matrix)[pool]  # all rows: cheaper than copying the pool's rows out
        take = pool[_top(scores, batch)]
        order.extend(int(i) for i in take)
        seen[take] = True
        found += int(labels[take].sum())
    rest = sorted(np.flatnonzero(~seen).tolist(), key=lambda i: cold_start_key(i, seed))
    order.extend(rest)
    return SimulationResult(
        name=data.name,
        n_records=n,
        n_relevant=n_relevant,
        seed=seed,
        model=f"{corpus.spec.version()}/{model.version()}",
        batch=batch,
        prior=prior,
        order=np.array(order, dtype=np.int64),
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
        n_trainings=trainings,
        labels=labels,
    )


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first (stable: lower index wins a tie)."""
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


def simulate_set(path: str | Path, seeds: Sequence[int] = (0,), **kwargs: object) -> list[SimulationResult]:
    data = read_labelled_csv(path)
    return [simulate(data, seed=s, **kwargs) for s in seeds]  # type: ignore[arg-type]


def curve_figure(results: Sequence[SimulationResult], path: str | Path, fmt: str | None = None) -> None:
    """Recall curve(s) against the fraction screened, with the random-order diagonal, saved as PNG or SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
    for res in results:
        x, y = res.curve()
        ax.plot(
            100 * x,
            100 * y,
            lw=1.2,
            label=f"{res.name} seed {res.seed} (WSS@95 {100 * res.metrics.wss95:.1f} %)",
        )
    ax.plot([0, 100], [0, 100], ls="--", color="grey", lw=0.8, label="random order")
    ax.axhline(95, color="grey", lw=0.5, ls=":")
    ax.set_xlabel("records screened (%)")
    ax.set_ylabel("relevant records found (%)")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 101)
    ax.legend(loc="lower right", fontsize=7)
    ax.set_title("Recall curve (prior knowledge excluded)", fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt or Path(path).suffix.lstrip(".") or "png")
    plt.close(fig)
    Path(path).write_bytes(buf.getvalue())
