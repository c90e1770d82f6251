"""Real concurrent writers for tests: each callable runs in a thread of its own, with
its own database connection (closed when it ends), and what any of them raised is
raised again in the test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connections, transaction


def together(*work: Callable[[], None], timeout: float = 120) -> None:
    """Run each callable in its own thread, all released at once; wait for them."""
    start = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(fn: Callable[[], None]) -> None:
        try:
            start.wait(timeout=30)
            fn()
        except BaseException as exc:  # noqa: BLE001 - raised again below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread never returned"
    if errors:
        raise errors[0]


def overlapping(first: Callable[[], None], second: Callable[[], None], wait: float = 0.5) -> None:
    """``first`` writes in a transaction that commits only after ``second`` (another
    transaction, in another thread) has begun its own write and waited ``wait``
    seconds (for the first's locks, or SQLite's): the two overlap as two users' saves
    at the same moment would."""
    written, release = threading.Event(), threading.Event()

    def one() -> None:
        with transaction.atomic():
            first()
            written.set()
            release.wait(timeout=30)

    def two() -> None:
        written.wait(timeout=30)
        with transaction.atomic():
            second()

    def conductor() -> None:
        written.wait(timeout=30)
        time.sleep(wait)
        release.set()

    together(one, two, conductor)
