"""Per-customer steps over arrays sorted by customer index: runs, sums, orders.

The settlement kernel and the credit facts hold one NumPy array per column,
sorted by the dense customer index ``c``, so that every per-customer step is a
cumulative sum or a ``reduceat`` over a contiguous run -- no hash tables and no
Python loop per customer.  Sorting is skipped when the rows already come in
order (an export sorted by customer and date usually does), which is checked
in one linear pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["I64", "Runs", "distinct_per_customer", "order_by"]

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Runs:
    """The runs of equal values of a sorted customer index ``c``, found once, used often.

    ``starts[k]`` is where run ``k`` begins, ``who[k]`` its customer and
    ``lengths[k]`` its length.
    """

    starts: I64
    who: I64
    lengths: I64

    @classmethod
    def of(cls, c: I64) -> Runs:
        """The runs of sorted ``c``."""
        if len(c) == 0:
            empty = np.zeros(0, np.int64)
            return cls(empty, empty, empty)
        new = np.empty(len(c), bool)
        new[0] = True
        np.not_equal(c[1:], c[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        lengths = np.empty(len(starts), np.int64)
        lengths[:-1] = starts[1:] - starts[:-1]
        lengths[-1] = len(c) - starts[-1]
        return cls(starts, c[starts], lengths)

    def cumsum(self, x: I64) -> I64:
        """Cumulative sum of ``x`` restarting at each run."""
        out: I64 = np.cumsum(x)
        if len(self.starts) > 1:
            before = np.zeros(len(self.starts), np.int64)
            before[1:] = out[self.starts[1:] - 1]
            out -= np.repeat(before, self.lengths)
        return out

    def reduce(self, x: I64, n: int, *, how: str = "sum", fill: int = 0) -> I64:
        """Reduce ``x`` over each run into an array of length ``n`` (by customer)."""
        out = np.full(n, fill, np.int64)
        if len(self.starts):
            ufunc: Any = {"sum": np.add, "min": np.minimum, "max": np.maximum}[how]
            out[self.who] = ufunc.reduceat(x, self.starts)
        return out

    def spread(self, per_customer: I64) -> I64:
        """A per-customer value repeated for every element of its run."""
        out: I64 = np.repeat(per_customer[self.who], self.lengths)
        return out


def _ascending(keys: tuple[I64, ...]) -> bool:
    """Whether the rows are sorted by ``keys`` (lexicographically, ties allowed)."""
    if len(keys[0]) < 2:
        return True
    ok = np.zeros(len(keys[0]) - 1, bool)
    tied = np.ones(len(keys[0]) - 1, bool)
    for k in keys:
        ok |= tied & (k[1:] > k[:-1])
        tied &= k[1:] == k[:-1]
    return bool(np.all(ok | tied))


def order_by(*keys: I64) -> I64 | None:
    """Stable order of the rows by ``keys`` (first key first); None if already in order."""
    if _ascending(keys):
        return None
    order: I64 = np.lexsort(keys[::-1]).astype(np.int64)
    return order


def distinct_per_customer(c: I64, key: I64, n: int) -> I64:
    """How many distinct values of ``key`` each customer has (``c`` sorted)."""
    if len(c) == 0:
        return np.zeros(n, np.int64)
    order = order_by(c, key)
    if order is not None:
        c, key = c[order], key[order]
    new = np.r_[True, (c[1:] != c[:-1]) | (key[1:] != key[:-1])]
    return np.bincount(c[new], minlength=n).astype(np.int64)
