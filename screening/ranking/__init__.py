"""Prioritised screening (issue 11): rank the unscreened records by predicted relevance, and say when to stop.

Pure Python (scikit-learn, NumPy, SciPy): no Django imports anywhere in this package, so it is tested without
a database and runs in a Celery worker as well as in the simulator.

Modules: ``features`` (TF-IDF corpus, fitted once per corpus), ``model`` (train + rank + top terms, cold
start), ``store`` (the plain-data format of a stored ranking), ``stopping`` (hypergeometric test, "N
irrelevant in a row"), ``metrics`` (WSS, RRF, ATD) and ``simulate`` (replaying a labelled review).

Design note for the integrator (how the worklist should use it)
----------------------------------------------------------------
*Labels.* Per record of the title/abstract stage: the verdict if there is one; otherwise, if every vote
cast so far agrees, that vote (a single vote counts); include -> True, exclude -> False. Maybe/undecided, and
records whose votes disagree without a verdict, are *not* passed: they stay unlabelled and are ranked.
Pass ``(record_id, included)`` pairs to :func:`rank`.

*Training, off the request path.* After every few votes (e.g. every 5 votes, or 30 s after the last training,
whichever comes later) a service queues one Celery task per review with ``transaction.on_commit``; a second
request while one is queued or running is coalesced (one lock/flag per review). The task:

1. loads ``(record_id, record_text(title, abstract))`` for the stage's records and builds the corpus with
   :func:`corpus_build` -- or reuses a cached one: cache the :class:`Corpus` (pickle of the sparse matrix, in
   the cache or a file under MEDIA_ROOT) keyed by ``corpus.fingerprint``; it only changes when records are
   imported/merged, never when votes come in. Vectorising 100,000 records takes tens of seconds; the retrain
   afterwards is measured by ``benchmarks/ranking_speed_bench.py`` (< 5 s at 100,000 records).
2. calls ``rank(corpus, labels, seed=review.pk)`` and stores the result with
   :func:`store.ranking_to_dict` (record id -> score, top terms, model version, trained_at, n labels) in one
   write, replacing the previous ranking atomically.

The queue never waits: ``next record`` reads the *stored* ranking (a record id -> position map, one query or
a cached dict) and keeps using the previous one until the new one is stored. Records imported after the last
training are not in it; put them after the ranked ones in cold-start order (:func:`cold_start_key`) until the
next training.

*Dual screening stays as it is.* Ranking only orders records *within* the queue's existing rules: a record one
reviewer has voted on is still offered to the second reviewer first (the app applies that before the ranking),
and every record a human decides gets its full N votes and the usual conflict/arbitration. The model never
decides a record. Reviewers see ``RankedRecord.top_terms`` ("why it ranks high") next to the record; escape
them like any imported text.

*Cold start.* Until there is at least one include and one exclude, :func:`rank` returns ``cold_start=True``
and a stable pseudo-random order: records sorted by BLAKE2b-64 of ``f"{seed}:{record_id}"`` (seed = review
id), the same in every process, independent of input order, and unchanged for old records when new ones are
added.

*Stopping.* :func:`stopping.hypergeometric_test` takes the 0/1 labels of the stage's records in the order
they were first decided (by first vote), and the stage's total record count; it gives the p-value, whether
H0 "recall < target" is rejected at the chosen confidence, and a recall estimate. The owner decides; the
engine only reports.
"""

from .features import Corpus, FeatureSpec, corpus_build, record_text
from .model import MODELS, ModelSpec, RankedRecord, Ranking, cold_start_key, explain, rank
from .stopping import StopDecision, hypergeometric_test, irrelevant_streak

__all__ = [
    "MODELS",
    "Corpus",
    "FeatureSpec",
    "ModelSpec",
    "RankedRecord",
    "Ranking",
    "StopDecision",
    "cold_start_key",
    "corpus_build",
    "explain",
    "hypergeometric_test",
    "irrelevant_streak",
    "rank",
    "record_text",
]
