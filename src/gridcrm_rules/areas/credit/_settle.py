"""The settlement kernel: per-bill and per-customer arrays, exact integer fen.

Works on NumPy arrays keyed by the dense customer index, so that every
per-customer step is a segmented cumulative sum or a ``reduceat`` over
contiguous runs (no hash tables, no Python loop per customer).  The model and
its exactness condition are described in :mod:`.columnar_facts`; customers
outside it are flagged in ``inexact`` and computed by the Python provider
instead.

A named payment finds its bill by the bill's input row (``bill_row``, resolved
and confirmed on the id strings when the history was validated), so no id is
hashed or compared here.
"""

from __future__ import annotations

from ..._extras import require_extra  # first: a missing extra is one clear error

require_extra("batch", "gridcrm_rules.areas.credit._settle")

from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from ...batch._runs import I64, Runs, order_by  # noqa: E402

__all__ = ["Bills", "Payments", "Settled", "settle_arrays"]

_DAY_US = 86_400_000_000
_SHANGHAI_US = 8 * 3_600_000_000
_NO_DST_SINCE_US = 694_224_000_000_000  # 1992-01-01: Shanghai has kept UTC+8 since


@dataclass(frozen=True)
class Bills:
    """Known bills: customer index, due (epoch day), period key, amount (fen), input row.

    The period key is any integer that orders the periods (equal keys, equal periods).
    """

    c: I64
    due: I64
    period: I64
    amount: I64
    row: I64

    def only(self, keep: NDArray[np.bool_]) -> Bills:
        """The bills where ``keep`` holds."""
        return Bills(self.c[keep], self.due[keep], self.period[keep], self.amount[keep],
                     self.row[keep])


@dataclass(frozen=True)
class Payments:
    """Known payments: customer index, instant (epoch µs), amount (fen), named bill.

    ``named`` is true for a payment that names a bill; ``bill_row`` is that bill's
    input row (-1 when it names none, or a bill the history does not hold).
    """

    c: I64
    at: I64
    amount: I64
    named: NDArray[np.bool_]
    bill_row: I64

    def only(self, keep: NDArray[np.bool_]) -> Payments:
        """The payments where ``keep`` holds."""
        return Payments(self.c[keep], self.at[keep], self.amount[keep], self.named[keep],
                        self.bill_row[keep])


@dataclass(frozen=True)
class Settled:
    """Per bill (sorted by customer, due, period): unpaid at cutoff, settled day, etc."""

    c: I64
    due: I64
    period: I64
    amount: I64
    unpaid: I64
    settled_day: I64  # local epoch day the bill was settled; -1 if never (or amount 0)
    runs: Runs  # the customers' runs of bills
    unallocated: I64  # per customer (length n)
    inexact: NDArray[np.bool_]  # per customer


def _take(order: I64 | None, *arrays: I64) -> tuple[I64, ...]:
    """The arrays in ``order`` (unchanged when ``order`` is None: already in order)."""
    if order is None:
        return arrays
    return tuple(a[order] for a in arrays)


def _bill_positions(rows: I64, wanted: I64) -> tuple[I64, NDArray[np.bool_]]:
    """Position in ``rows`` of each wanted row, and whether it is there at all."""
    by_row = order_by(rows)
    sorted_rows = rows if by_row is None else rows[by_row]
    pos = np.searchsorted(sorted_rows, wanted)
    found = pos < len(sorted_rows)
    found[found] = sorted_rows[pos[found]] == wanted[found]
    pos = pos[found]
    return (pos if by_row is None else by_row[pos]), found


def _first_reaching(pc: I64, pat: I64, stream: I64, fifo: I64, bc: I64, cum: I64) -> I64:
    """For each bill, the instant of the first FIFO payment (positions ``fifo``) whose
    running total reaches the bill's cumulative capacity, same customer; else -1.

    Both running totals grow within a customer, so one binary search over keys
    ``customer * span + total`` finds them all.
    """
    span = max(int(stream.max(initial=0)), int(cum.max(initial=0))) + 1
    if (int(max(pc.max(initial=0), bc.max(initial=0))) + 1) * span >= 2**63:
        raise OverflowError("amounts too large for the columnar settlement")
    fkey = pc[fifo] * span + stream[fifo]
    qpos = np.searchsorted(fkey, bc * span + cum)
    ok = qpos < len(fkey)
    ok[ok] = pc[fifo[qpos[ok]]] == bc[ok]
    out = np.full(len(bc), -1, np.int64)
    out[ok] = pat[fifo[qpos[ok]]]
    return out


def too_large(bills: Bills, pays: Payments, n: int) -> NDArray[np.bool_]:
    """Customers whose amounts the kernel's 64-bit integers cannot be trusted with.

    An amount that did not fit its column is held as -1.  Otherwise the largest
    numbers the kernel makes are the search keys of :func:`_first_reaching`
    (customer index times the largest running total) and, in the credit facts,
    arrears times a count of bills: both stay below 2**62 when a customer's total
    times ``rows + n + 1`` does.  Totals are summed in float64, far from the
    bound's precision.  Real bills are many orders of magnitude smaller.
    """
    unfit = np.zeros(n, bool)
    unfit[bills.c[bills.amount < 0]] = True
    unfit[pays.c[pays.amount < 0]] = True
    total = (np.bincount(bills.c, weights=bills.amount, minlength=n)
             + np.bincount(pays.c, weights=pays.amount, minlength=n))
    rows = np.bincount(bills.c, minlength=n) + np.bincount(pays.c, minlength=n)
    big: NDArray[np.bool_] = unfit | (total * (rows + n + 1) >= 2.0**62)
    return big


def settle_arrays(bills: Bills, pays: Payments, n: int, cut_us: int) -> Settled:
    """Settle every customer's bills (see :mod:`.columnar_facts` for the model).

    Customers with amounts too large for the kernel (:func:`too_large`) are left
    out and marked inexact: the Python provider computes their facts.
    """
    inexact = too_large(bills, pays, n)
    if inexact.any():
        bills, pays = bills.only(~inexact[bills.c]), pays.only(~inexact[pays.c])
    # Bills in FIFO order: customer, due, period (ties on all three -> inexact).
    bc, bdue, bper, bamt, brow = _take(order_by(bills.c, bills.due, bills.period),
                                       bills.c, bills.due, bills.period, bills.amount, bills.row)
    tie = np.flatnonzero((bc[1:] == bc[:-1]) & (bdue[1:] == bdue[:-1]) & (bper[1:] == bper[:-1]))
    inexact[bc[tie]] = True
    bruns = Runs.of(bc)
    # Payments in time order: customer, instant (equal instants -> inexact).
    porder = order_by(pays.c, pays.at)
    pc, pat, pamt, pref = _take(porder, pays.c, pays.at, pays.amount, pays.bill_row)
    pnm: NDArray[np.bool_] = pays.named if porder is None else pays.named[porder]
    same = np.flatnonzero((pc[1:] == pc[:-1]) & (pat[1:] == pat[:-1]))
    inexact[pc[same]] = True  # order among equal instants would need the ids
    inexact[pc[pat < _NO_DST_SINCE_US]] = True
    pruns = Runs.of(pc)
    # Named payments -> their bill; a bill not (yet) known -> inexact.
    named = np.flatnonzero(pnm)
    target, found = _bill_positions(brow, pref[named])
    inexact[pc[named[~found]]] = True
    named_ok = named[found]  # positions (time order) of payments whose bill is known
    named_amt = pamt[named_ok]
    named_at = pat[named_ok]
    named_sum = np.zeros(len(bc), np.int64)
    np.add.at(named_sum, target, named_amt)
    named_cut = np.zeros(len(bc), np.int64)
    early = named_at < cut_us
    np.add.at(named_cut, target[early], named_amt[early])
    t_named = np.full(len(bc), -1, np.int64)
    positive = named_amt > 0
    np.maximum.at(t_named, target[positive], named_at[positive])
    cap = bamt - named_sum
    inexact[bc[cap < 0]] = True
    cum = bruns.cumsum(cap)
    # Unnamed payments form the FIFO stream; FIFO never passes a bill awaiting a named payment.
    unnamed = np.where(pnm, 0, pamt)
    stream = pruns.cumsum(unnamed)
    late_named = (stream[named_ok] > cum[target]) & positive
    inexact[pc[named_ok[late_named]]] = True
    f_total = pruns.reduce(unnamed, n)
    unnamed[pat >= cut_us] = 0
    f_cut = pruns.reduce(unnamed, n)
    # Settlement instant of the FIFO part: first positive unnamed payment reaching C.
    t_fifo = _first_reaching(pc, pat, stream, np.flatnonzero(~pnm & (pamt > 0)), bc, cum)
    prev = cum - cap
    paid = np.clip(bruns.spread(f_cut) - prev, 0, cap)
    paid += named_cut
    done = ((named_sum == 0) | (t_named >= 0)) & ((cap <= 0) | (t_fifo >= 0)) & (bamt > 0)
    settled = np.maximum(np.where(named_sum > 0, t_named, -1), np.where(cap > 0, t_fifo, -1))
    day = np.where(done & (settled >= 0), (settled + _SHANGHAI_US) // _DAY_US, -1)
    unallocated = f_total - bruns.reduce(cap, n)
    return Settled(
        c=bc, due=bdue, period=bper, amount=bamt, unpaid=bamt - paid, settled_day=day,
        runs=bruns, unallocated=np.clip(unallocated, 0, None), inexact=inexact,
    )
