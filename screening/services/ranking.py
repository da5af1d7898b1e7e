"""Prioritised title/abstract screening: the owner's settings, and training the relevance model off the
request path while reviewers keep the previous ranking.

- `priority_settings_update` (owner): ranking on/off, retrain every K votes, the stopping test's target and
  confidence. Turning ranking on queues a first training; off puts the work lists back in the stable order.
- `ranking_vote_counted` (the vote service, per new title/abstract vote): counts votes; every K it queues
  `ranking_request`, which creates a RankingRun (at most one queued or running per review: a database
  constraint, so a second request meanwhile is a no-op) and the task `screening.ranking_train`.
- `ranking_train` (the task): claims the run (a redelivered task finds it taken and does nothing), fits
  TF-IDF + logistic regression (screening.ranking, pure) on the verdicts and single votes, then in one
  transaction replaces the review's RankPosition rows (those of records nobody voted on: a voted record
  keeps its pre-vote place, so its score never hints at the vote) and re-keys the work lists. Until
  that commits, every reviewer keeps walking the previous ranking: the queue never waits for training.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from reviewapp import jobs
from reviewapp.models import Record, Review
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
    _rekey(review, ranked=False)


# --- requesting a training ------------------------------------------------------------------------------


def ranking_vote_counted(*, review: Review) -> RankingRun | None:
    """One more title/abstract vote: every `retrain_every` of them, queue a training (ranking on only)."""
    counted = PrioritySettings.objects.filter(review=review, rank_by_relevance=True)
    if not counted.update(votes_since_training=F("votes_since_training") + 1):
        return None
    row = counted.values("votes_since_training", "retrain_every").first()
    if row is None or row["votes_since_training"] < row["retrain_every"]:
        return None
    return ranking_request(review=review)


def ranking_request(*, review: Review) -> RankingRun | None:
    """Queue a training after the caller's transaction commits; None if one is already queued or running
    (its result will include the votes so far, and the counter keeps counting towards the next)."""
    jobs.job_fail_stale(RankingRun, review=review)
    try:
        with transaction.atomic():
            run = RankingRun.objects.create(review=review)
    except IntegrityError:
        return None
    PrioritySettings.objects.filter(review=review).update(votes_since_training=0)
    jobs.job_enqueue(RANKING_TASK, run.pk)
    return run


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
    # one writer per review at a time, whatever happens to the run constraint (a stale run failed and a
    # new one started while the old process still runs)
    PrioritySettings.objects.select_for_update().filter(review=review).first()
    if not result.cold_start:
        # A record someone has voted on keeps the place it had before the vote: the new model was fitted on
        # that vote, so its new score would hint at the vote to the reviewer who has not voted yet.
        voted = Vote.objects.filter(review=review, stage=TA).values("record_id")
        RankPosition.objects.filter(review=review).exclude(record_id__in=voted).delete()
        kept = set(RankPosition.objects.filter(review=review).values_list("record_id", flat=True))
        _insert_positions(review, run, result, skip=kept)
        _rekey(review, ranked=True)
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


def _insert_positions(review: Review, run: RankingRun, result: LiveRanking, skip: set) -> None:
    rows = (
        (review.pk, rid, run.pk, RANKED_KEY_BASE + i, score)
        for i, (rid, score) in enumerate(zip(result.order, result.scores, strict=True))
        if rid not in skip
    )
    table = RankPosition._meta.db_table
    columns = "review_id, record_id, run_id, key, score"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608
            cursor.executemany(sql, list(rows))


def _rekey(review: Review, *, ranked: bool) -> None:
    """Re-key the review's title/abstract queue rows: ranked, by RankPosition; else each reviewer's own
    stable order (the work-list service's, see screening.worklist.ReviewerOrder)."""
    if not ranked:
        worklist_rekey_stable(review=review, stage=TA)
        return
    quote = connection.ops.quote_name
    queue, positions = quote(QueueItem._meta.db_table), quote(RankPosition._meta.db_table)
    records = quote(Record._meta.db_table)
    source, key, score = (positions, "key", "score") if ranked else (records, "sort_key", "NULL")
    match = "record_id" if ranked else "id"
    if connection.vendor == "postgresql":
        sql = f"""UPDATE {queue} q SET sort_key = s.{key}, rank_score = {"s." + score if ranked else "NULL"}
                  FROM {source} s WHERE s.{match} = q.record_id AND q.review_id = %s AND q.stage = %s"""  # noqa: S608
    else:
        value = (
            f"(SELECT s.{score} FROM {source} s WHERE s.{match} = {queue}.record_id)" if ranked else "NULL"
        )
        sql = f"""UPDATE {queue} SET
                    sort_key = (SELECT s.{key} FROM {source} s WHERE s.{match} = {queue}.record_id),
                    rank_score = {value}
                  WHERE review_id = %s AND stage = %s
                    AND EXISTS (SELECT 1 FROM {source} s WHERE s.{match} = {queue}.record_id)"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [review.pk, TA])
