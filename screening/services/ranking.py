"""Prioritised title/abstract screening: the owner's settings, and training the relevance model off the
request path while reviewers keep the previous ranking.

- `priority_settings_update` (owner): ranking on/off, retrain every K votes, the stopping test's target and
  confidence. Turning ranking on queues a first training; off puts the work lists back in the stable order.
- `ranking_vote_counted` (the vote service, per new title/abstract vote): counts votes; every K it queues
  `ranking_request`, which creates a RankingRun (at most one queued or running per review: a database
  constraint, so a second request meanwhile is a no-op) and the task `screening.ranking_train`.
- `ranking_train` (the task): claims the run (a redelivered task finds it taken and does nothing), fits
  TF-IDF + linear SVM (screening.ranking, pure; ASReview 3.0.8's default model) on the verdicts and
  single votes, then in one transaction replaces the review's RankPosition rows (those of records nobody
  voted on: a voted record keeps its pre-vote place, so its score never hints at the vote) and re-keys
  the work lists. Until that commits, every reviewer keeps walking the previous ranking: the queue never
  waits for training.
  The writing is set-based SQL from a temporary table (`_store_ranking`), about 2 s of PostgreSQL time
  at 100,000 records and two reviewers (benchmarks/ranking_live_bench.py).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from reviewapp import jobs
from reviewapp.models import Review
from reviewapp.services.audit import model_update

from ..models import (
    RANKED_KEY_BASE,
    Decision,
    PrioritySettings,
    QueueItem,
    RankingRun,
    RankPosition,
    Stage,
    Verdict,
    VerdictDecision,
    Vote,
)
from ..ranking.features import Corpus, corpus_build, record_text
from ..ranking.live import LiveRanking, score_all
from ..worklist import eligible_records
from .worklist import worklist_rekey_stable

log = logging.getLogger(__name__)
RANKING_TASK = "screening.ranking_train"
PRIORITY_FIELDS = ("rank_by_relevance", "retrain_every", "recall_target", "confidence", "streak")
TA = Stage.TITLE_ABSTRACT


# --- settings -----------------------------------------------------------------------------------------


@transaction.atomic
def priority_settings_update(*, review: Review, actor, **changes) -> PrioritySettings:
    unknown = set(changes) - set(PRIORITY_FIELDS)
    if unknown:
        raise ValidationError(f"Not a prioritised-screening setting: {', '.join(sorted(unknown))}.")
    row, _ = PrioritySettings.objects.get_or_create(review=review)
    row = PrioritySettings.objects.select_for_update().get(pk=row.pk)
    before, after = model_update(
        instance=row,
        fields=changes,
        actor=actor,
        verb="screening.priority_updated",
        review=review,
        clean=lambda s: s.full_clean(exclude=["review"]),
    )
    if after.get("rank_by_relevance") and not before.get("rank_by_relevance"):
        ranking_request(review=review)
    elif before.get("rank_by_relevance") and not after.get("rank_by_relevance"):
        _unrank(review)
    return row


def _unrank(review: Review) -> None:
    """Back to the review's stable random order: drop the ranking, re-key the work lists."""
    RankPosition.objects.filter(review=review).delete()
    _rekey(review)


# --- requesting a training ------------------------------------------------------------------------------


def ranking_vote_counted(*, review: Review) -> RankingRun | None:
    """One more title/abstract vote: every `retrain_every` of them, queue a training (ranking on only);
    at once if the last training was lost (its worker went away), so the review is not left waiting."""
    counted = PrioritySettings.objects.filter(review=review, rank_by_relevance=True)
    if not counted.update(votes_since_training=F("votes_since_training") + 1):
        return None
    lost = _fail_lost_runs(review)
    row = counted.values("votes_since_training", "retrain_every").first()
    if not lost and (row is None or row["votes_since_training"] < row["retrain_every"]):
        return None
    return ranking_request(review=review, checked=True)


def ranking_request(*, review: Review, checked: bool = False) -> RankingRun | None:
    """Queue a training after the caller's transaction commits; None if one is already queued or running
    (its result will include the votes so far, and the counter keeps counting towards the next).
    `checked`: the caller has just failed the lost runs."""
    if not checked:
        _fail_lost_runs(review)
    try:
        with transaction.atomic():
            run = RankingRun.objects.create(review=review)
    except IntegrityError:
        return None
    PrioritySettings.objects.filter(review=review).update(votes_since_training=0)
    jobs.job_enqueue(RANKING_TASK, run.pk)
    return run


def _fail_lost_runs(review: Review) -> int:
    """Fail the review's training that lost its worker: running without a heartbeat for the job lease,
    or queued for longer than the lease (the task message was lost). A late task then finds its run
    taken (the claim) and does nothing. Returns how many were failed."""
    return jobs.job_fail_stale(RankingRun, queued=True, review=review)


# --- training (the task) -------------------------------------------------------------------------------


class _Superseded(Exception):
    """The run stopped being ours (marked failed as stale) before its ranking was stored."""


def ranking_train(*, run_id: int) -> RankingRun | None:
    """Train, rank and store; safe to run twice (the claim), and never leaves a half-written ranking."""
    run = jobs.job_claim(RankingRun, run_id)
    if run is None:
        return None
    try:
        review = Review.objects.get(pk=run.review_id)
        corpus = corpus_of(review)
        labels = [(rid, included) for rid, included in training_labels(review) if rid in corpus]
        result = score_all(corpus, labels, seed=review.pk)
        _store(review, run, result)
    except _Superseded:
        log.warning("ranking run %s was superseded; its ranking was not stored", run_id)
    except Exception as error:  # the run records why; the previous ranking stays in use
        log.exception("ranking run %s failed", run_id)
        jobs.job_fail(run, f"Training failed: {error}")
    run.refresh_from_db()
    return run


@transaction.atomic
def _store(review: Review, run: RankingRun, result: LiveRanking) -> None:
    _one_writer(review)
    if not result.cold_start:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # a ranking can be computed again: no wait for the disk
                cursor.execute("SET LOCAL synchronous_commit = off")
        _store_ranking(review, run, result)
    done = jobs.job_succeed(
        run,
        model_version=result.model_version,
        n_included=result.n_included,
        n_excluded=result.n_excluded,
        n_ranked=len(result.order),
        cold_start=result.cold_start,
        top_terms=[list(t) for t in result.top_terms],
    )
    if not done:
        raise _Superseded


def training_labels(review: Review) -> list[tuple[int, bool]]:
    """(record id, included?) per title/abstract record with a verdict, or else with votes that all agree
    (a single vote counts); "maybe" and disagreeing votes without a verdict are no label."""
    verdicts = dict(Verdict.objects.filter(review=review, stage=TA).values_list("record_id", "decision"))
    labels = [(rid, decision == VerdictDecision.INCLUDE) for rid, decision in verdicts.items()]
    decisions: dict[int, set[str]] = defaultdict(set)
    votes = Vote.objects.filter(review=review, stage=TA).values_list("record_id", "decision")
    for rid, decision in votes.iterator(chunk_size=5000):
        if rid not in verdicts:
            decisions[rid].add(decision)
    for rid, seen in decisions.items():
        if len(seen) == 1 and Decision.MAYBE not in seen:
            labels.append((rid, Decision.INCLUDE in seen))
    return labels


_CORPORA: dict[int, tuple[tuple, Corpus]] = {}
_CORPORA_LOCK = threading.Lock()


def corpus_of(review: Review) -> Corpus:
    """The review's TF-IDF corpus, fitted once per version of its records and kept in this worker's memory
    (vectorising is the slow part: tens of seconds at 100,000 records; votes never change it)."""
    records = eligible_records(review, TA)
    key = (review.records_version, records.count())
    with _CORPORA_LOCK:
        cached = _CORPORA.get(review.pk)
    if cached is not None and cached[0] == key:
        return cached[1]
    rows = records.order_by("pk").values_list("pk", "title", "abstract")
    corpus = corpus_build([(pk, record_text(title, abstract)) for pk, title, abstract in rows.iterator(5000)])
    with _CORPORA_LOCK:
        if len(_CORPORA) >= 4:
            _CORPORA.pop(next(iter(_CORPORA)))
        _CORPORA[review.pk] = (key, corpus)
    return corpus


def _one_writer(review: Review) -> None:
    """One ranking writer per review at a time, whatever happens to the run constraint (a stale run failed
    and a new one started while the old process still runs). An advisory lock rather than a row lock: the
    vote service updates PrioritySettings after it has changed the record's work-list rows, which the
    re-keying below also updates, so a row lock here would let the two wait for each other (a deadlock).
    SQLite has one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, review.pk % 2**31])


_LOCK_CLASS = 1_1_0005  # issue 11's ranking writer (the first key of the two-key advisory lock)
_NEW = "screening_ranking_new"  # this transaction's scratch table: the ranking as it is to be stored


def _store_ranking(review: Review, run: RankingRun, result: LiveRanking) -> None:
    """Replace the review's ranking and re-key its title/abstract work lists, in set-based statements.

    The new ranking goes into a temporary table first (no WAL, no index but its key); a record someone
    has voted on keeps the place it had before the vote there (the new model was fitted on that vote, so
    its new score would hint at the vote to a reviewer who has not voted yet). RankPosition rows are then
    updated in place, and only the work-list rows whose key or score changed are written. Readers keep
    the previous ranking until the transaction commits (row versions): the queue never waits for it."""
    quote = connection.ops.quote_name
    positions, queue = quote(RankPosition._meta.db_table), quote(QueueItem._meta.db_table)
    votes = quote(Vote._meta.db_table)
    voted = f"SELECT 1 FROM {votes} v WHERE v.record_id = {{0}}.record_id AND v.stage = %s"  # noqa: S608
    statements = [
        # pinned: a voted record's existing place
        (
            f"""UPDATE {_NEW} AS n SET run_id = p.run_id, key = p.key, score = p.score
                FROM {positions} p WHERE p.record_id = n.record_id AND EXISTS ({voted.format("n")})""",
            [TA],
        ),
        # records no longer in the ranking (removed, merged) and nobody voted on
        (
            f"""DELETE FROM {positions} WHERE review_id = %s
                AND NOT EXISTS (SELECT 1 FROM {_NEW} n WHERE n.record_id = {positions}.record_id)
                AND NOT EXISTS ({voted.format(positions)})""",
            [review.pk, TA],
        ),
        (
            f"""UPDATE {positions} AS p SET run_id = n.run_id, key = n.key, score = n.score
                FROM {_NEW} n WHERE p.record_id = n.record_id
                AND (p.run_id <> n.run_id OR p.key <> n.key OR p.score <> n.score)""",
            [],
        ),
        # the records without a place yet (the others were just updated). Not an anti-join on the table
        # being filled: planned while it is empty, it would rescan the growing table per row. (The WHERE
        # is for SQLite, whose parser needs one before the ON CONFLICT of an INSERT ... SELECT.)
        (
            f"""INSERT INTO {positions} (review_id, record_id, run_id, key, score)
                SELECT %s, n.record_id, n.run_id, n.key, n.score FROM {_NEW} n WHERE 1 = 1
                ON CONFLICT (record_id) DO NOTHING""",
            [review.pk],
        ),
        # last, so the work-list rows (which votes update too) stay locked for the shortest time
        (
            f"""UPDATE {queue} AS q SET sort_key = n.key, rank_score = n.score
                FROM {_NEW} n WHERE q.record_id = n.record_id AND q.review_id = %s AND q.stage = %s
                AND (q.sort_key <> n.key OR q.rank_score IS NULL OR q.rank_score <> n.score)""",
            [review.pk, TA],
        ),
    ]
    rows = (
        (rid, run.pk, RANKED_KEY_BASE + i, score)
        for i, (rid, score) in enumerate(zip(result.order, result.scores, strict=True))
    )
    with connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        dropped = "ON COMMIT DROP" if postgres else ""  # and dropped below (a test's transaction lasts)
        cursor.execute(
            f"""CREATE TEMPORARY TABLE {_NEW} (record_id bigint PRIMARY KEY, run_id bigint NOT NULL,
                key bigint NOT NULL, score double precision NOT NULL) {dropped}"""
        )
        columns = "record_id, run_id, key, score"
        if postgres:
            with cursor.cursor.copy(f"COPY {_NEW} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"ANALYZE {_NEW}")
        else:
            cursor.executemany(f"INSERT INTO {_NEW} ({columns}) VALUES (%s, %s, %s, %s)", list(rows))  # noqa: S608
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute(f"DROP TABLE {_NEW}")


def _rekey(review: Review) -> None:
    """Back to the stable order: re-key the review's title/abstract queue rows by each reviewer's own
    stable order (the work-list service's, see screening.worklist.ReviewerOrder)."""
    worklist_rekey_stable(review=review, stage=TA)
