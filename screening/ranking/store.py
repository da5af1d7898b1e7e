"""A stored ranking as plain data: what the app persists after a training run, and reads back for the queue.

Pure Python, no Django. :func:`ranking_to_dict` turns a :class:`~screening.ranking.model.Ranking` into a
JSON-ready dict; :func:`ranking_from_dict` validates one (bad data raises ValueError naming the field), so the
app can keep it in a JSONField or a table of (record id, position, score, terms) rows alike::

    {
      "format": 1,
      "model_version": "tfidf-1-2-min2-max0.95-stopnone-sub1/logistic-1",
      "corpus_fingerprint": "9f2c...",        # which cached matrix it was computed on
      "trained_at": "2026-12-02T14:05:00+00:00",
      "n_labels": 120, "n_included": 14, "n_excluded": 106,
      "cold_start": false,
      "records": [{"id": 812, "score": 1.73, "terms": [["stromal cells", 0.41], ...]}, ...]   # best first
    }

The position in ``records`` is the rank; ``score`` is the model's decision value (comparable within one
ranking only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .model import RankedRecord, Ranking

__all__ = ["FORMAT", "StoredRanking", "ranking_from_dict", "ranking_to_dict"]

FORMAT = 1


@dataclass(frozen=True)
class StoredRanking:
    ranking: Ranking
    trained_at: dt.datetime
    corpus_fingerprint: str

    @property
    def n_labels(self) -> int:
        return self.ranking.n_included + self.ranking.n_excluded

    def position_of(self) -> dict[Any, int]:
        """record id -> 0-based rank, for ordering a queue."""
        return {r.record_id: i for i, r in enumerate(self.ranking.records)}


def ranking_to_dict(stored: StoredRanking) -> dict[str, Any]:
    r = stored.ranking
    return {
        "format": FORMAT,
        "model_version": r.model_version,
        "corpus_fingerprint": stored.corpus_fingerprint,
        "trained_at": stored.trained_at.isoformat(),
        "n_labels": stored.n_labels,
        "n_included": r.n_included,
        "n_excluded": r.n_excluded,
        "cold_start": r.cold_start,
        "records": [
            {"id": rec.record_id, "score": rec.score, "terms": [[t, w] for t, w in rec.top_terms]}
            for rec in r.records
        ],
    }


def _field(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in data:
        raise ValueError(f"stored ranking: missing field '{name}'")
    value = data[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"stored ranking: field '{name}' has the wrong type ({type(value).__name__})")
    return value


def _record(i: int, item: Any) -> RankedRecord:
    if not isinstance(item, Mapping) or "id" not in item:
        raise ValueError(f"stored ranking: records[{i}] needs an 'id'")
    score = item.get("score", 0.0)
    if not isinstance(score, int | float) or isinstance(score, bool):
        raise ValueError(f"stored ranking: records[{i}].score is not a number")
    terms = item.get("terms", [])
    try:
        pairs = tuple((str(t), float(w)) for t, w in terms)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"stored ranking: records[{i}].terms must be [term, weight] pairs") from exc
    return RankedRecord(item["id"], float(score), pairs)


def ranking_from_dict(data: Mapping[str, Any]) -> StoredRanking:
    if _field(data, "format", int) != FORMAT:
        raise ValueError(f"stored ranking: format {data['format']} is not {FORMAT}")
    when = _field(data, "trained_at", str)
    try:
        trained_at = dt.datetime.fromisoformat(when)
    except ValueError as exc:
        raise ValueError("stored ranking: 'trained_at' is not an ISO 8601 date-time") from exc
    records = tuple(_record(i, item) for i, item in enumerate(_field(data, "records", list)))
    if len({r.record_id for r in records}) != len(records):
        raise ValueError("stored ranking: a record id appears twice")
    n_inc, n_exc = _field(data, "n_included", int), _field(data, "n_excluded", int)
    ranking = Ranking(
        records, _field(data, "model_version", str), n_inc, n_exc, _field(data, "cold_start", bool)
    )
    return StoredRanking(ranking, trained_at, _field(data, "corpus_fingerprint", str))
