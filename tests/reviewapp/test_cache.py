"""The Redis cache holds recomputable values only: while Redis cannot be reached (refused, or hung) reads
miss and writes are skipped, and the process leaves Redis alone for a few seconds after a failure."""

import socket
import threading

import pytest

from reviewapp import cache as tolerant


@pytest.fixture
def hung_redis():
    """A server that accepts connections and never answers; counts the connections it was offered."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted, held, stop = [], [], threading.Event()

    def serve():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            held.append(conn)  # keep it open, say nothing

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", accepted
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    server.close()


def _cache(location):
    options = {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    return tolerant.TolerantRedisCache(location, options)


def test_an_unreachable_redis_is_a_miss_and_a_skipped_write_for_every_call():
    cache = _cache("redis://127.0.0.1:1/0")
    assert cache.get("k", "missed") == "missed" and cache.get("k", default=3) == 3
    assert cache.add("k", 1) is False and cache.set("k", 1) is None and cache.touch("k") is False
    assert cache.get_many(["k"]) == {} and cache.has_key("k") is False and cache.delete("k") is False
    assert cache.set_many({"k": 1}) == [] and cache.delete_many(["k"]) is None
    with pytest.raises(ValueError):  # Django's answer for a key it does not have
        cache.incr("k")


def test_after_a_failure_the_process_leaves_a_hung_redis_alone_for_a_while(hung_redis, monkeypatch):
    location, accepted = hung_redis
    cache = _cache(location)
    assert cache.get("k", "missed") == "missed"  # waited for the socket timeout once
    tried = len(accepted)
    assert tried >= 1
    for _ in range(5):  # within PAUSE_AFTER_FAILURE: answered without asking Redis
        assert cache.get("k", "missed") == "missed" and cache.add("k", 1) is False
    assert len(accepted) == tried
    monkeypatch.setitem(tolerant._state(cache), "down_until", 0.0)  # the pause is over
    assert cache.get("k", "missed") == "missed"
    assert len(accepted) > tried  # tried again


def test_a_failure_of_one_redis_does_not_pause_another():
    down = _cache("redis://127.0.0.1:1/0")
    down.get("k")
    other = _cache("redis://127.0.0.1:2/0")
    assert tolerant._state(other)["down_until"] == 0.0
