"""The credit facts of RULES.md §2, computed for many customers at once.

Exactly the values of :func:`gridcrm_rules.facts.credit.credit_facts`, with
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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final

import numpy as np
import polars as pl
from dateutil.relativedelta import relativedelta

from .._time import SHANGHAI, local_date
from ..facts import FactProvider
from ..facts.credit import credit_facts
from ._catalog import TZ
from ._settle import Bills, Payments, per_customer, settle_arrays

__all__ = ["CIDX", "EXACT_COLUMN", "ColumnarContext", "ColumnarFacts", "columnar_for",
           "credit_columnar"]

CIDX: Final = "__cidx"
"""Dense customer index (0..n-1, the position in ``ColumnarContext.customers``)."""
_EPOCH: Final = date(1970, 1, 1).toordinal()
EXACT_COLUMN: Final = "__exact"
"""False for customers whose facts the columnar code cannot vouch for."""


@dataclass(frozen=True, slots=True)
class ColumnarContext:
    """What a columnar provider reads: customer ids, known events, instants, params.

    ``events`` holds only events known at ``as_of`` (canonical columns of
    :mod:`gridcrm_rules.batch.events`); ``customers`` has ``customer_id`` and the
    customer fields.  Both carry ``__cidx``, the customer's row in ``customers``.
    """

    customers: pl.DataFrame
    events: pl.DataFrame
    as_of: datetime
    cutoff: date
    params: Mapping[str, Any]


ColumnarFacts = Callable[[ColumnarContext], pl.DataFrame]
"""``ctx -> frame`` with ``customer_id``, one column per fact and ``__exact``."""


def columnar_for(provider: FactProvider) -> ColumnarFacts | None:
    """The columnar implementation of a provider, if it has one."""
    own = getattr(provider, "columnar", None)
    if own is not None:
        impl: ColumnarFacts = own
        return impl
    if provider.compute is credit_facts:
        return credit_columnar
    return None


def _first_day_reaching(cutoff: date, months: int) -> date:
    """The first day d with d + months >= cutoff (month arithmetic is monotone)."""
    d = cutoff - timedelta(days=31 * months + 3)
    while d + relativedelta(months=months) < cutoff:
        d += timedelta(days=1)
    return d


def _window(cutoff: date, reading: str) -> tuple[date, date]:
    if reading == "calendar_year":
        return date(cutoff.year, 1, 1) - timedelta(days=1), cutoff
    if reading == "rolling_12m":
        return cutoff - relativedelta(months=12), cutoff
    raise ValueError(f"year_window: expected 'rolling_12m' or 'calendar_year', got {reading!r}")


def _local_day(col: pl.Expr) -> pl.Expr:
    return col.dt.convert_time_zone(TZ).dt.date()


def _arrays(events: pl.DataFrame) -> tuple[Bills, Payments]:
    bills = events.filter(pl.col("type") == "bill_issued").select(
        pl.col(CIDX).cast(pl.Int64),
        pl.col("due").cast(pl.Int64),
        (pl.col("period").str.slice(0, 4).cast(pl.Int64) * 12
         + pl.col("period").str.slice(5, 2).cast(pl.Int64)).alias("period"),
        pl.col("amount").cast(pl.Int64),
        pl.col("id").hash(7).alias("key"),
    )
    pays = events.filter(pl.col("type") == "payment_received").select(
        pl.col(CIDX).cast(pl.Int64),
        pl.col("at").dt.epoch("us").alias("at"),
        pl.col("amount").cast(pl.Int64),
        pl.col("bill_id").is_not_null().alias("named"),
        pl.col("bill_id").hash(7).alias("ref"),
    )
    b = {k: bills.get_column(k).to_numpy() for k in bills.columns}
    p = {k: pays.get_column(k).to_numpy() for k in pays.columns}
    return (Bills(b[CIDX], b["due"], b["period"], b["amount"], b["key"]),
            Payments(p[CIDX], p["at"], p["amount"], p["named"], p["ref"]))


def credit_columnar(ctx: ColumnarContext) -> pl.DataFrame:
    """The credit facts of every customer in ``ctx`` (one row each)."""
    cutoff = ctx.cutoff
    cut_end = datetime.combine(cutoff + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    window_start, window_end = _window(cutoff, str(ctx.params["year_window"]))
    reading = str(ctx.params["arrears_reading"])
    if reading not in ("age", "amount"):
        raise ValueError(f"arrears_reading: expected 'age' or 'amount', got {reading!r}")
    n = ctx.customers.height
    bills, pays = _arrays(ctx.events)
    s = settle_arrays(bills, pays, n, int(cut_end.timestamp() * 1_000_000))
    cut_day, ws_day, we_day = (_epoch(d) for d in (cutoff, window_start, window_end))
    counted = s.due <= cut_day
    owing = counted & (s.unpaid > 0)
    in_window = counted & (s.due > ws_day) & (s.due <= we_day)
    late = (s.amount > 0) & (s.settled_day > s.due)
    big = np.iinfo(np.int64).max
    arrears = per_customer(np.where(counted, s.unpaid, 0), s.c, n)
    oldest = per_customer(np.where(owing, s.due, big), s.c, n, how="min", fill=big)
    had = per_customer((in_window & ((s.unpaid > 0) | late)).astype(np.int64), s.c, n) > 0
    window_n = per_customer(in_window.astype(np.int64), s.c, n)
    window_sum = per_customer(np.where(in_window, s.amount, 0), s.c, n)
    months = np.sort(s.c * 1_000_000 + s.period)
    first = np.r_[True, months[1:] != months[:-1]] if len(months) else np.zeros(0, bool)
    billing = np.bincount(months[first] // 1_000_000, minlength=n).astype(np.int64)
    if reading == "age":
        over_1m = oldest < _epoch(_first_day_reaching(cutoff, 1))
        over_2m = oldest < _epoch(_first_day_reaching(cutoff, 2))
    else:
        over_1m = np.where(window_n > 0, arrears * window_n > window_sum, arrears > 0)
        over_2m = np.where(window_n > 0, arrears * window_n > 2 * window_sum, arrears > 0)
    as_of_day = local_date(ctx.as_of)
    since = as_of_day - relativedelta(years=3)
    offences = (
        ctx.events.filter(pl.col("type").is_in(["theft_detected", "violation_recorded"]))
        .with_columns(day=_local_day(pl.col("at")))
        .filter(pl.col("day") >= since, pl.col("day") <= as_of_day)
        .group_by(CIDX)
        .agg(last_offence_on=pl.col("day").max())
    )
    money = pl.Decimal(38, 2)
    cent = pl.lit(Decimal("0.01"), money)
    facts = pl.DataFrame({
        CIDX: np.arange(n, dtype=np.int64),
        "arrears": arrears, "over_1m": over_1m, "over_2m": over_2m,
        "oldest": np.where(oldest == big, -(2**31), oldest).astype(np.int32),
        "had": had, "billing_months": billing, "unallocated": s.unallocated,
        EXACT_COLUMN: ~s.inexact,
    }).join(offences.with_columns(pl.col(CIDX).cast(pl.Int64)), on=CIDX, how="left")
    return facts.select(
        ctx.customers.get_column("customer_id").alias("customer_id"),
        pl.col("last_offence_on").is_not_null().alias("theft_or_violation_3y"),
        "last_offence_on",
        (pl.col("arrears").cast(money) * cent).cast(money).alias("arrears_amount"),
        pl.col("over_1m").alias("arrears_over_1m"),
        pl.col("over_2m").alias("arrears_over_2m"),
        pl.when(pl.col("oldest") > -(2**31)).then(pl.col("oldest").cast(pl.Date))
        .alias("oldest_unpaid_due"),
        pl.col("had").alias("had_arrears_in_year"),
        "billing_months",
        (pl.col("billing_months") < 12).alias("provisional"),
        (pl.col("unallocated").cast(money) * cent).cast(money).alias("unallocated_credit"),
        EXACT_COLUMN,
    )


def _epoch(d: date) -> int:
    return d.toordinal() - _EPOCH
