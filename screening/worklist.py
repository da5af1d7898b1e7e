"""Which records a reviewer may still vote on, as querysets shared by the queue service and the selectors.

A record is *eligible* at a stage when it goes on to that stage (title/abstract: active, i.e. neither a
duplicate nor removed; full text: also included at title/abstract and retrieved). It is *open* while it has
no verdict, no open conflict and fewer than the review's N votes; it is *offered* to a reviewer when it is
open and the reviewer has not voted on it.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import connection, connections
from django.db.backends.signals import connection_created
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from reviewapp.models import Record, Review

from .claims import claim_last_vote
from .models import (
    Conflict,
    ConflictStatus,
    Pilot,
    PilotStatus,
    QueueItem,
    RankPosition,
    RetrievalStatus,
    Stage,
    Verdict,
    VerdictDecision,
    Vote,
)
from .offers import offered_filter, settings_of


def worklist_order() -> list[str]:
    """The order within each pool of a work list: the reviewer's own stable pseudo-random order of the
    review's records (`ReviewerOrder`), or, with prioritised screening on, the current relevance ranking
    written into the same column. It never depends on other people's votes; `next_record` interleaves the
    two pools (see there)."""
    return ["sort_key"]


# stable-order keys are in [0, 2**62): every ranked key (RANKED_KEY_BASE + rank, negative) sorts first
ORDER_MASK = 2**62 - 1


def reviewer_order_key(sort_key: int, seed: int, reviewer_id: int) -> int:
    """The SQLite side of `ReviewerOrder` (registered as the SQL function screening_order)."""
    digest = hashlib.blake2b(f"order:{seed}:{reviewer_id}:{sort_key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & ORDER_MASK


class ReviewerOrder(Func):
    """A record's place in one reviewer's own walk through the unranked records: a 62-bit hash of the
    record's stable key (Record.sort_key), the review's seed and the reviewer, in SQL on both databases
    (PostgreSQL: its built-in seeded 64-bit hash; SQLite: `reviewer_order_key`).

    Every reviewer walks the records in a deterministic pseudo-random order of their own, the same at every
    rebuild, so two reviewers rarely reach the same record at the same time, whether nobody voted on it yet
    or one other person did. Ties (a hash collision) fall back to the record id, the index's last column.
    """

    output_field = BigIntegerField()

    def __init__(self, sort_key, seed, reviewer_id) -> None:
        super().__init__(sort_key, _as_expression(seed), _as_expression(reviewer_id))

    def as_sql(self, compiler, connection, **extra):  # SQLite and any other database
        return super().as_sql(compiler, connection, function="screening_order", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        key, seed, reviewer = (compiler.compile(expression) for expression in self.source_expressions)
        return reviewer_order_sql(key[0], seed[0], reviewer[0]), (*key[1], *reviewer[1], *seed[1])


def reviewer_order_sql(key: str, seed: str, reviewer: str) -> str:
    """`ReviewerOrder` as SQL text, for hand-written statements (PostgreSQL's parameters come in the order
    key, reviewer, seed; SQLite's key, seed, reviewer)."""
    if connection.vendor == "postgresql":
        return (
            f"(hashint8extended(({key})::bigint, hashint8extended(({reviewer})::bigint, ({seed})::bigint))"
            f" & {ORDER_MASK})"
        )
    return f"screening_order({key}, {seed}, {reviewer})"


def _as_expression(value):
    return Value(value, output_field=BigIntegerField()) if isinstance(value, int) else value


def _register_sqlite_order(sender=None, connection=None, **kwargs) -> None:
    if connection is not None and connection.vendor == "sqlite" and connection.connection is not None:
        connection.connection.create_function("screening_order", 3, reviewer_order_key, deterministic=True)


def register_sql_functions() -> None:
    """At start-up (AppConfig.ready): SQLite learns screening_order on every connection it opens."""
    connection_created.connect(_register_sqlite_order, dispatch_uid="screening_order")
    for opened in connections.all(initialized_only=True):  # opened before start-up finished
        _register_sqlite_order(connection=opened)


def queue_keys(review: Review, stage: str, reviewer_id) -> tuple:
    """(sort_key, rank_score) of a queue row of `reviewer_id` (an int, or an expression such as
    F("reviewer_id")), as expressions over Record: at title/abstract the record's place in the current
    relevance ranking if it has one (ranked records come first, in the same order for everyone), else its
    place in the reviewer's own stable order; full text is never ranked."""
    own = ReviewerOrder(F("sort_key"), review.seed, reviewer_id)
    if stage != Stage.TITLE_ABSTRACT:
        return own, Value(None, output_field=FloatField())
    ranked = RankPosition.objects.filter(record=OuterRef("pk"))
    return (
        Coalesce(Subquery(ranked.values("key")[:1]), own),
        Subquery(ranked.values("score")[:1], output_field=FloatField()),
    )


def offer_filter(review: Review, stage: str, reviewer_id: int) -> Q:
    """Which eligible, open records this reviewer is offered at all: the one place to narrow a work list
    (e.g. records assigned to certain reviewers, a pilot round). Every build of the materialised queue,
    full or per record, goes through `offered_records`, which applies it: the team's set-up (assignment,
    pilot rounds: `offers.offered_filter`)."""
    return offered_filter(review, stage, reviewer_id)


def narrowed(review: Review) -> bool:
    """Whether the set-up offers some open records to some reviewers only (assignment, an open pilot)."""
    return (
        settings_of(review).assignment
        or Pilot.objects.filter(review=review, status=PilotStatus.OPEN).exists()
    )


def eligible_count(review: Review, stage: str) -> int:
    """How many records are up for `stage`. At title/abstract that changes only with the review's records
    (Review.records_version, which every such change bumps), so it is counted once per version and kept in
    the cache (100,000 rows take tens of milliseconds to count); full text is counted each time."""
    records = eligible_records(review, stage)
    if stage != Stage.TITLE_ABSTRACT:
        return records.count()
    key = f"screening:eligible:{review.pk}:{review.seed}:{review.records_version}"
    total = cache.get(key)
    if total is None:
        total = records.count()
        cache.set(key, total, timeout=7 * 24 * 3600)
    return total


def eligible_records(review: Review, stage: str) -> QuerySet[Record]:
    records = Record.objects.filter(review=review, duplicate_of__isnull=True, removed_reason="")
    if stage == Stage.FULL_TEXT:
        records = records.filter(
            Exists(
                Verdict.objects.filter(
                    record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT, decision=VerdictDecision.INCLUDE
                )
            ),
            retrieval__status=RetrievalStatus.RETRIEVED,
        )
    return records


def vote_count(stage: str) -> Coalesce:
    counted = (
        Vote.objects.filter(record=OuterRef("pk"), stage=stage)
        .order_by()
        .values("record")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def undecided(stage: str) -> Q:
    """No verdict and no open conflict at `stage` (with N votes there is always one or the other)."""
    return ~Exists(Verdict.objects.filter(record=OuterRef("pk"), stage=stage)) & ~Exists(
        Conflict.objects.filter(record=OuterRef("pk"), stage=stage, status=ConflictStatus.OPEN)
    )


def offered_records(review: Review, stage: str, reviewer_id: int) -> QuerySet[Record]:
    """Open records at `stage` that `reviewer_id` has not voted on, annotated with `votes_so_far`."""
    return (
        eligible_records(review, stage)
        .filter(undecided(stage))
        .filter(offer_filter(review, stage, reviewer_id))
        .exclude(Exists(Vote.objects.filter(record=OuterRef("pk"), stage=stage, reviewer_id=reviewer_id)))
        .annotate(votes_so_far=vote_count(stage))
        .filter(votes_so_far__lt=review.votes_required)
    )


def _order_sql(alias: str) -> str:
    return ", ".join(
        f"{alias}.{name[1:]} DESC" if name.startswith("-") else f"{alias}.{name}" for name in worklist_order()
    )


def interleave_takes_started(reviewer_id: int, started_id: int, fresh_id: int) -> bool:
    """Whether the reviewer gets the head of the *started* pool (records someone else voted on) or of the
    *fresh* pool (nobody voted yet): a coin of 1/2, BLAKE2b of the reviewer and both heads.

    Deterministic (the same page twice shows the same record) and different for each reviewer; it depends
    on both heads, so it changes with every vote. A reviewer cannot tell which pool a record came from,
    yet half of what they screen completes someone's pair, so pairs finish while both keep screening."""
    digest = hashlib.blake2b(f"interleave:{reviewer_id}:{started_id}:{fresh_id}".encode(), digest_size=1)
    return digest.digest()[0] < 128


def next_record(review: Review, stage: str, reviewer_id: int, fields: tuple[str, ...]) -> Record | None:
    """The head of the reviewer's queue: the fresh pool's head or the started pool's, interleaved. One
    statement: the first two rows of every pool (votes so far = 0, 1, ... N-1), from the queue_next index.

    A record offered for its last vote is claimed for the reviewer (:mod:`.claims`); while another
    reviewer is reading it, the reviewer is offered the other pool's head, or the next row of a pool."""
    pools: dict[int, list[Record]] = {}  # pool_key is worklist_order()'s one column: ascending sort_key
    for row in sorted(
        _pool_heads(review, stage, reviewer_id, fields), key=lambda r: (r.pool_votes, r.pool_key)
    ):
        pools.setdefault(row.pool_votes, []).append(row)
    fresh = pools.pop(0, [])
    started = pools[max(pools)] if pools else []  # nearest to complete first
    if fresh and started and interleave_takes_started(reviewer_id, started[0].pk, fresh[0].pk):
        chosen, other = started, fresh
    else:
        chosen, other = (fresh, started) if fresh else (started, fresh)
    if not chosen:
        return None
    last = max(review.votes_required, 1) - 1
    for record in (*chosen[:1], *other[:1], *chosen[1:2], *other[1:2]):
        if record.pool_votes != last or claim_last_vote(review, stage, record.pk, reviewer_id):
            return record
    return chosen[0]  # everything near is claimed by others: a claim is a hint, never a dead end


def _pool_heads(review: Review, stage: str, reviewer_id: int, fields: tuple[str, ...]) -> list[Record]:
    """The first two rows of each pool of the reviewer's queue (``pool_key``: their place in it), skipping
    rows a concurrent change has made stale (and records removed or merged since the last build, so a queue
    awaiting its rebuild stays safe).

    The hot path of screening, so one hand-written statement (portable SQL): the ORM would spend more time
    compiling its NOT EXISTS than the database spends answering them from the queue_next index.
    """
    quote = connection.ops.quote_name
    tables = {model: quote(model._meta.db_table) for model in (QueueItem, Record, Vote, Verdict, Conflict)}
    columns = ", ".join(f"r.{quote(Record._meta.get_field(name).column)}" for name in fields)
    one = f"""
        SELECT {columns}, q.votes_so_far AS pool_votes, q.sort_key AS pool_key
        FROM {tables[QueueItem]} q JOIN {tables[Record]} r ON r.id = q.record_id
        WHERE q.review_id = %s AND q.stage = %s AND q.reviewer_id = %s AND q.votes_so_far = %s
          AND r.duplicate_of_id IS NULL AND r.removed_reason = ''
          AND NOT EXISTS (SELECT 1 FROM {tables[Vote]} v
                          WHERE v.record_id = q.record_id AND v.stage = %s AND v.reviewer_id = %s)
          AND NOT EXISTS (SELECT 1 FROM {tables[Verdict]} d WHERE d.record_id = q.record_id AND d.stage = %s)
          AND NOT EXISTS (SELECT 1 FROM {tables[Conflict]} c
                          WHERE c.record_id = q.record_id AND c.stage = %s AND c.status = %s)
        ORDER BY {_order_sql("q")} LIMIT 2"""  # noqa: S608 - names and the order come from the models
    pools = range(max(review.votes_required, 1))
    sql = " UNION ALL ".join(f"SELECT * FROM ({one}) AS pool{v}" for v in pools)  # noqa: S608
    params: list = []
    for votes in pools:
        params += [
            review.pk,
            stage,
            reviewer_id,
            votes,
            stage,
            reviewer_id,
            stage,
            stage,
            ConflictStatus.OPEN,
        ]
    return list(Record.objects.raw(sql, params))
