"""The settlement kernel: per-bill and per-customer arrays, exact integer fen.

Works on NumPy arrays sorted by customer, so that every per-customer step is a
segmented cumulative sum or a ``reduceat`` over contiguous runs (no hash
tables, no Python loop per customer).  The model and its exactness condition
are described in :mod:`.columnar_facts`; customers outside it are flagged in
``inexact`` and computed by the Python provider instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Bills", "Payments", "Settled", "settle_arrays"]

I64 = NDArray[np.int64]
_DAY_US = 86_400_000_000
_SHANGHAI_US = 8 * 3_600_000_000
_NO_DST_SINCE_US = 694_224_000_000_000  # 1992-01-01: Shanghai has kept UTC+8 since


@dataclass(frozen=True)
class Bills:
    """Known bills: customer index, due (epoch day), period key, amount (fen), id hash."""

    c: I64
    due: I64
    period: I64
    amount: I64
    key: NDArray[np.uint64]


@dataclass(frozen=True)
class Payments:
    """Known payments: customer index, instant (epoch µs), amount (fen), named-bill hash."""

    c: I64
    at: I64
    amount: I64
    named: NDArray[np.bool_]
    ref: NDArray[np.uint64]


@dataclass(frozen=True)
class Settled:
    """Per bill (sorted by customer, due, period): unpaid at cutoff, settled day, etc."""

    c: I64
    due: I64
    period: I64
    amount: I64
    unpaid: I64
    settled_day: I64  # local epoch day the bill was settled; -1 if never (or amount 0)
    unallocated: I64  # per customer (length n)
    inexact: NDArray[np.bool_]  # per customer


def _segments(c: I64) -> tuple[I64, I64]:
    """Start index of each run of equal values in sorted ``c``, and the run's value."""
    if len(c) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]]).astype(np.int64)
    return starts, c[starts]


def _seg_cumsum(x: I64, c: I64) -> I64:
    """Cumulative sum of ``x`` restarting at each new value of sorted ``c``."""
    cs = np.cumsum(x)
    starts, _ = _segments(c)
    before = np.zeros(len(starts), np.int64)
    before[1:] = cs[starts[1:] - 1]
    lengths = np.diff(np.r_[starts, len(c)])
    return cs - np.repeat(before, lengths)


def _per_customer(values: I64, c: I64, n: int, *, how: str = "sum", fill: int = 0) -> I64:
    """Reduce ``values`` over runs of sorted ``c`` into an array of length ``n``."""
    out = np.full(n, fill, np.int64)
    starts, who = _segments(c)
    if len(starts):
        ufunc: Any = {"sum": np.add, "min": np.minimum, "max": np.maximum}[how]
        out[who] = ufunc.reduceat(values, starts)
    return out


def _fifo_key(bills: Bills) -> I64:
    """One sortable int64 per bill: customer (23 bits), due (20), period (20)."""
    if len(bills.c) and (bills.c.max() >= 1 << 23 or np.abs(bills.due).max() >= 1 << 19
                         or bills.period.min() < 0 or bills.period.max() >= 1 << 20):
        raise OverflowError("chunk or dates out of range for the columnar settlement")
    return (bills.c << 40) | ((bills.due + (1 << 19)) << 20) | bills.period


def _time_order(pays: Payments) -> I64:
    """Payments ordered by customer, then instant (stable)."""
    import polars as pl

    frame = pl.DataFrame({"c": pays.c, "at": pays.at})
    order: I64 = frame.select(pl.arg_sort_by("c", "at", maintain_order=True)).to_series()\
        .to_numpy().astype(np.int64)
    return order


def settle_arrays(bills: Bills, pays: Payments, n: int, cut_us: int) -> Settled:
    """Settle every customer's bills (see :mod:`.columnar_facts` for the model)."""
    inexact = np.zeros(n, bool)
    # Bills in FIFO order: customer, due, period (ties on all three -> inexact).
    order = np.argsort(_fifo_key(bills), kind="stable")
    bc: I64 = bills.c[order]
    bdue: I64 = bills.due[order]
    bper: I64 = bills.period[order]
    bamt: I64 = bills.amount[order]
    bkey = bills.key[order]
    tie = np.flatnonzero((bc[1:] == bc[:-1]) & (bdue[1:] == bdue[:-1]) & (bper[1:] == bper[:-1]))
    inexact[bc[tie]] = True
    # Named payments -> their bill (by customer and id hash; collisions -> inexact).
    pnamed = np.flatnonzero(pays.named)
    lookup = (bc.astype(np.uint64) << np.uint64(40)) ^ bkey
    by_key = np.argsort(lookup, kind="stable")
    sorted_keys = lookup[by_key]
    dup = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    inexact[bc[by_key[dup]]] = True
    want = (pays.c[pnamed].astype(np.uint64) << np.uint64(40)) ^ pays.ref[pnamed]
    pos = np.searchsorted(sorted_keys, want)
    found = pos < len(sorted_keys)
    found[found] = sorted_keys[pos[found]] == want[found]
    inexact[pays.c[pnamed[~found]]] = True
    named_ok = pnamed[found]
    target = by_key[pos[found]]  # bill index (FIFO order) of each named payment
    named_amt = pays.amount[named_ok]
    named_sum = np.zeros(len(bc), np.int64)
    np.add.at(named_sum, target, named_amt)
    named_cut = np.zeros(len(bc), np.int64)
    early = pays.at[named_ok] < cut_us
    np.add.at(named_cut, target[early], named_amt[early])
    t_named = np.full(len(bc), -1, np.int64)
    positive = named_amt > 0
    np.maximum.at(t_named, target[positive], pays.at[named_ok][positive])
    cap = bamt - named_sum
    inexact[bc[cap < 0]] = True
    cum = _seg_cumsum(cap, bc)
    # Payments in time order; unnamed ones form the FIFO stream.
    porder = _time_order(pays)
    pc: I64 = pays.c[porder]
    pat: I64 = pays.at[porder]
    pamt: I64 = pays.amount[porder]
    pnm: NDArray[np.bool_] = pays.named[porder]
    unnamed = np.where(pnm, 0, pamt)
    stream = _seg_cumsum(unnamed, pc)
    same = np.flatnonzero((pc[1:] == pc[:-1]) & (pat[1:] == pat[:-1]))
    inexact[pc[same]] = True  # order among equal instants would need the ids
    inexact[pc[pat < _NO_DST_SINCE_US]] = True
    # FIFO never passes a bill that still awaits a named payment.
    rank = np.empty(len(porder), np.int64)
    rank[porder] = np.arange(len(porder))
    stream_at_named = stream[rank[named_ok]]
    late_named = (stream_at_named > cum[target]) & positive
    inexact[pays.c[named_ok[late_named]]] = True
    f_total = _per_customer(unnamed, pc, n)
    f_cut = _per_customer(np.where(pat < cut_us, unnamed, 0), pc, n)
    # Settlement instant of the FIFO part: first positive unnamed payment reaching C.
    fifo = np.flatnonzero((~pnm) & (pamt > 0))
    big = np.int64(1) << np.int64(42)
    if len(fifo) and (stream[fifo].max() >= big or cum.max(initial=0) >= big):
        raise OverflowError("amounts too large for the columnar settlement")
    fkey = pc[fifo] * big + stream[fifo]
    qpos = np.searchsorted(fkey, bc * big + cum)
    ok = qpos < len(fkey)
    ok[ok] = pc[fifo[qpos[ok]]] == bc[ok]
    t_fifo = np.full(len(bc), -1, np.int64)
    t_fifo[ok] = pat[fifo[qpos[ok]]]
    prev = cum - cap
    paid = named_cut + np.clip(f_cut[bc] - prev, 0, cap)
    named_done = (named_sum == 0) | (t_named >= 0)
    fifo_done = (cap <= 0) | (t_fifo >= 0)
    settled = np.maximum(np.where(named_sum > 0, t_named, -1), np.where(cap > 0, t_fifo, -1))
    settled = np.where(named_done & fifo_done & (bamt > 0), settled, -1)
    day = np.where(settled >= 0, (settled + _SHANGHAI_US) // _DAY_US, -1)
    capacity = _per_customer(cap, bc, n)
    return Settled(
        c=bc, due=bdue, period=bper, amount=bamt, unpaid=bamt - paid, settled_day=day,
        unallocated=np.clip(f_total - capacity, 0, None), inexact=inexact,
    )


def per_customer(values: I64, c: I64, n: int, *, how: str = "sum", fill: int = 0) -> I64:
    """Public alias of the run reduction (bills are sorted by customer)."""
    return _per_customer(values, c, n, how=how, fill=fill)
