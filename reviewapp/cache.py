"""The cache backend for Redis: a cache of values the application can always recompute.

Everything reviewapp keeps in the cache (the count of records up for screening, a reviewer's soft claim on
the record they are reading) can be lost without harm, so Redis being down or slow must never turn a page
or a vote into an error: with :class:`TolerantRedisCache` a read that cannot reach Redis is a miss, a write
is skipped, and a warning is logged (once a minute per process). Connection and read timeouts are short
(settings: ``REDIS_CACHE_TIMEOUT``, 0.5 s), and after a failed call the process leaves Redis alone for
``PAUSE_AFTER_FAILURE`` seconds, so a hung Redis costs one timeout every few seconds per process, not one
per call.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_WARN_EVERY = 60.0
PAUSE_AFTER_FAILURE = 5.0  # seconds this process leaves Redis alone after a failed call
_STATES: dict[tuple, dict[str, float]] = {}  # per Redis location: when it last failed, last warned


def _state(cache: RedisCache) -> dict[str, float]:
    return _STATES.setdefault(tuple(cache._servers), {"last_warning": 0.0, "down_until": 0.0})


def _unreachable(state: dict[str, float], operation: str, exc: Exception) -> None:
    now = time.monotonic()
    state["down_until"] = now + PAUSE_AFTER_FAILURE
    if now - state["last_warning"] >= _WARN_EVERY:
        state["last_warning"] = now
        log.warning("cache unreachable (%s): %s; going on without it", operation, exc)


def _tolerant(name: str, fallback: Any):
    """Wrap RedisCache.<name>: while Redis was unreachable in the last PAUSE_AFTER_FAILURE seconds, or when
    this call cannot reach it, answer `fallback` (a miss, a skipped write) instead of raising. The pause
    means a hung Redis costs one timeout every few seconds per process, not one per call."""
    method = getattr(RedisCache, name)

    def call(self, *args: Any, **kwargs: Any) -> Any:
        state = _state(self)
        if time.monotonic() < state["down_until"]:
            return fallback(args, kwargs)
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as exc:
            _unreachable(state, name, exc)
            return fallback(args, kwargs)

    call.__name__ = name
    call.__doc__ = method.__doc__
    return call


def _default(args: tuple, kwargs: dict) -> Any:  # get(key, default=None, ...)
    return args[1] if len(args) > 1 else kwargs.get("default")


def _incr_fallback(args: tuple, kwargs: dict) -> Any:
    raise ValueError("the cache is unreachable, so there is no value to increment")


class TolerantRedisCache(RedisCache):
    """RedisCache whose reads miss and whose writes are skipped while Redis cannot be reached."""

    get = _tolerant("get", _default)
    get_many = _tolerant("get_many", lambda a, k: {})
    has_key = _tolerant("has_key", lambda a, k: False)
    set = _tolerant("set", lambda a, k: None)
    set_many = _tolerant("set_many", lambda a, k: [])
    add = _tolerant("add", lambda a, k: False)  # nothing added: a claim not taken is only a missed hint
    delete = _tolerant("delete", lambda a, k: False)
    delete_many = _tolerant("delete_many", lambda a, k: None)
    touch = _tolerant("touch", lambda a, k: False)
    clear = _tolerant("clear", lambda a, k: False)
    incr = _tolerant("incr", _incr_fallback)  # Django's contract for a missing key: ValueError
    decr = _tolerant("decr", _incr_fallback)
