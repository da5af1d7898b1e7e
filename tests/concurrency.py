"""Calls released at the same instant from parallel threads, for the concurrency tests (PostgreSQL, and the
SQLite-file script run in its own process)."""

import threading

from django.db import connection


def at_once(*calls, timeout: float = 30):
    """Run the calls in parallel threads released together by a barrier; returns their results in order
    (an exception a call raised is its result). Each thread closes its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as error:  # noqa: BLE001 - reported to the test as the result
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
