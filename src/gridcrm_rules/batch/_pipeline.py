"""Chunks decided two at a time, results in input order, memory bounded.

Much of a chunk's work runs outside polars' thread pool -- the NumPy settlement
kernel, conversions, Python glue -- and uses one core.  Deciding two chunks in
two threads lets one use the second core meanwhile (polars and NumPy release
the GIL in their kernels).  Results come back in input order, and at most
``workers`` chunks are in flight, so peak memory stays a small multiple of one
chunk's, whatever the input size.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["WORKERS", "in_order"]

T = TypeVar("T")
R = TypeVar("R")

WORKERS = 2
"""Chunks in flight at once (the target machine has two cores)."""


def in_order(work: Callable[[T], R], items: Iterable[T], workers: int = WORKERS) -> Iterator[R]:
    """``map(work, items)``, with up to ``workers`` items worked on at once.

    The next item is taken from ``items`` only when a worker is free, so an
    iterator that reads chunks lazily never reads more than ``workers`` ahead.
    """
    if workers <= 1:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gridcrm-chunk") as pool:
        pending: deque[Future[R]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(work, item))
                if len(pending) >= workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
