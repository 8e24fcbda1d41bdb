"""The credit facts of RULES.md §2, computed for many customers at once.

Exactly the values of :func:`gridcrm_rules.areas.credit.facts.credit_facts` (the
provider names this twin in ``CREDIT_FACTS.columnar``), with
group-bys and joins instead of a loop per customer.

Settlement (FIFO unless a payment names its bill) is an interval-overlap
problem.  Sort each customer's bills by ``(due, period, id)``; a named payment
goes to its bill, so the capacity left for the FIFO stream is
``cap = amount - named``; ``C`` is the running total of ``cap``.  The unnamed
payments in ``(at, id)`` order form a running total ``F``.  Then the FIFO part of
bill *k* paid by time *T* is ``clip(F(T) - C[k-1], 0, cap[k])``, and the bill is
settled when its last named payment has come and ``F`` has reached ``C[k]``.

This is exact when no named payment is cut short and no FIFO money passes a
bill that still awaits a named payment: for every bill the named payments do
not exceed its amount, and for every named payment the FIFO total before it is
at most ``C`` of its bill (proof by induction over the payments in order:
docs/batch.md).  Customers for whom that does not hold -- and those whose
payment names a bill not yet issued at ``as_of`` -- are marked inexact; their
credit facts are computed by the Python provider, row by row.
"""

from __future__ import annotations

from ..._extras import require_extra  # first: a missing extra is one clear error

require_extra("batch", "gridcrm_rules.areas.credit.columnar_facts")

from datetime import date, datetime, time, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Final  # noqa: E402

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from ..._time import SHANGHAI  # noqa: E402
from ...batch._catalog import BILL_ROW, ROW, TZ  # noqa: E402
from ...batch._runs import I64, distinct_per_customer  # noqa: E402
from ...batch.columnar_context import CIDX, EXACT_COLUMN, ColumnarContext  # noqa: E402
from ...windows import arrears_age_limit, offence_window, year_window  # noqa: E402
from ._settle import Bills, Payments, settle_arrays  # noqa: E402
from .facts import arrears_in_year_reading  # noqa: E402

__all__ = ["credit_columnar"]

_EPOCH: Final = date(1970, 1, 1).toordinal()


def _local_day(col: pl.Expr) -> pl.Expr:
    return col.dt.convert_time_zone(TZ).dt.date()


def _column(frame: pl.DataFrame, name: str) -> I64:
    """One integer column as an int64 array."""
    values: I64 = frame.get_column(name).to_numpy().astype(np.int64, copy=False)
    return values


def _bills(events: pl.LazyFrame) -> pl.LazyFrame:
    """The known bills' columns the settlement reads.

    The period key is the bill's ``instant``, 00:00 of the month after the
    period: it orders the periods exactly as their 'YYYY-MM' text does.
    """
    return events.filter(pl.col("type") == "bill_issued").select(
        pl.col(CIDX).cast(pl.Int64),
        pl.col("due").cast(pl.Int64),
        pl.col("instant").dt.epoch("us").alias("period"),
        pl.col("amount").fill_null(-1).cast(pl.Int64),  # null: did not fit (see _settle)
        pl.col(ROW).cast(pl.Int64),
    )


def _payments(events: pl.LazyFrame) -> pl.LazyFrame:
    """The known payments' columns the settlement reads (-1: names no bill)."""
    return events.filter(pl.col("type") == "payment_received").select(
        pl.col(CIDX).cast(pl.Int64),
        pl.col("at").dt.epoch("us").alias("at"),
        pl.col("amount").fill_null(-1).cast(pl.Int64),
        pl.col("bill_id").is_not_null().alias("named"),
        pl.col(BILL_ROW).fill_null(-1).cast(pl.Int64),
    )


def _offences(events: pl.LazyFrame, since: date, until: date) -> pl.LazyFrame:
    """The latest theft or violation day (epoch day) per customer within [since, until]."""
    return (
        events.filter(pl.col("type").is_in(["theft_detected", "violation_recorded"]))
        .select(pl.col(CIDX).cast(pl.Int64), day=_local_day(pl.col("at")).cast(pl.Int32))
        .filter(pl.col("day") >= _epoch(since), pl.col("day") <= _epoch(until))
        .group_by(CIDX)
        .agg(pl.col("day").max())
    )


def _arrays(bills: pl.DataFrame, pays: pl.DataFrame) -> tuple[Bills, Payments]:
    """The kernel's NumPy arrays (no copies for the integer columns)."""
    b = {k: _column(bills, k) for k in bills.columns}
    p = {k: _column(pays, k) for k in pays.columns if k != "named"}
    named = pays.get_column("named").to_numpy()
    return (Bills(b[CIDX], b["due"], b["period"], b["amount"], b[ROW]),
            Payments(p[CIDX], p["at"], p["amount"], named, p[BILL_ROW]))


def credit_columnar(ctx: ColumnarContext) -> pl.DataFrame:
    """The credit facts of every customer in ``ctx`` (one row each)."""
    cutoff = ctx.cutoff
    cut_end = datetime.combine(cutoff + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    window_start, window_end = year_window(cutoff, str(ctx.params["year_window"]))
    any_day = arrears_in_year_reading(ctx.params) == "any_day"
    reading = str(ctx.params["arrears_reading"])
    if reading not in ("age", "amount"):
        raise ValueError(f"arrears_reading: expected 'age' or 'amount', got {reading!r}")
    n = ctx.customers.height
    since, until = offence_window(ctx.as_of)
    bill_frame, pay_frame, offences = pl.collect_all(
        [_bills(ctx.events), _payments(ctx.events), _offences(ctx.events, since, until)])
    bills, pays = _arrays(bill_frame, pay_frame)
    s = settle_arrays(bills, pays, n, int(cut_end.timestamp() * 1_000_000))
    cut_day, ws_day, we_day = (_epoch(d) for d in (cutoff, window_start, window_end))
    counted = s.due <= cut_day
    owing = counted & (s.unpaid > 0)
    in_window = counted & (s.due > ws_day) & (s.due <= we_day)
    late = (s.amount > 0) & (s.settled_day > s.due)
    big = np.iinfo(np.int64).max
    runs = s.runs
    arrears = runs.reduce(np.where(counted, s.unpaid, 0), n)
    oldest = runs.reduce(np.where(owing, s.due, big), n, how="min", fill=big)
    arrears_days = in_window & ((s.unpaid > 0) | late)
    if any_day:  # due before the window and not settled before its first day
        arrears_days |= (counted & (s.due <= ws_day) & (s.amount > 0)
                         & ((s.settled_day < 0) | (s.settled_day > ws_day)))
    had = runs.reduce(arrears_days.astype(np.int64), n) > 0
    window_n = runs.reduce(in_window.astype(np.int64), n)
    window_sum = runs.reduce(np.where(in_window, s.amount, 0), n)
    billing = distinct_per_customer(s.c, s.period, n)
    if reading == "age":
        over_1m = oldest < _epoch(arrears_age_limit(cutoff, 1))
        over_2m = oldest < _epoch(arrears_age_limit(cutoff, 2))
    else:
        over_1m = np.where(window_n > 0, arrears * window_n > window_sum, arrears > 0)
        over_2m = np.where(window_n > 0, arrears * window_n > 2 * window_sum, arrears > 0)
    none = -(2**31)
    last_offence = np.full(n, none, np.int32)
    last_offence[_column(offences, CIDX)] = offences.get_column("day").to_numpy()
    money = pl.Decimal(38, 2)
    cent = pl.lit(Decimal("0.01"), money)
    facts = pl.DataFrame({
        "last": last_offence,
        "arrears": arrears, "over_1m": over_1m, "over_2m": over_2m,
        "oldest": np.where(oldest == big, none, oldest).astype(np.int32),
        "had": had, "billing_months": billing, "unallocated": s.unallocated,
        EXACT_COLUMN: ~s.inexact,
    })
    return facts.select(
        ctx.customers.get_column("customer_id").alias("customer_id"),
        (pl.col("last") > none).alias("theft_or_violation_3y"),
        pl.when(pl.col("last") > none).then(pl.col("last").cast(pl.Date))
        .alias("last_offence_on"),
        (pl.col("arrears").cast(money) * cent).cast(money).alias("arrears_amount"),
        pl.col("over_1m").alias("arrears_over_1m"),
        pl.col("over_2m").alias("arrears_over_2m"),
        pl.when(pl.col("oldest") > none).then(pl.col("oldest").cast(pl.Date))
        .alias("oldest_unpaid_due"),
        pl.col("had").alias("had_arrears_in_year"),
        "billing_months",
        (pl.col("billing_months") < 12).alias("provisional"),
        (pl.col("unallocated").cast(money) * cent).cast(money).alias("unallocated_credit"),
        EXACT_COLUMN,
    )


def _epoch(d: date) -> int:
    return d.toordinal() - _EPOCH
