"""History-level checks of a chunk's events: duplicate ids and bill references.

The same two checks :func:`~gridcrm_rules.models.parse_events` makes on one
history, for every customer of a chunk at once: an event id used twice by one
customer, and a payment naming a bill that is not among the customer's bills.

Both work on one sorted array of 64-bit keys -- the customer key (``__ckey``)
in the high half, a hash of the id in the low half -- so that no string is
sorted or joined.  Every hit is confirmed on the strings, and a payment whose
bill the keys do not find is looked up once more by an exact join, so a hash
collision can cost time, never a wrong answer.  The bill-reference check also
returns, for every payment that names a bill, that bill's input row, which the
settlement uses to find the bill.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ._catalog import BILL_ROW, CKEY, ROW
from .errors import ErrorRow

__all__ = ["HistoryCheck", "check_history"]

_SEED: Final = 11
U64 = NDArray[np.uint64]


@dataclass(frozen=True)
class HistoryCheck:
    """Errors, the rows that make each customer's history invalid, and ``__bill_row``."""

    errors: list[ErrorRow]
    rejected: dict[str, list[int]]
    bill_row: pl.Series


def _keys(ids: pl.Series, customers: pl.Series) -> U64:
    """One 64-bit key per row for (customer, id): customer key high, id hash low.

    A hash, not an identity.  Keeping the customer in the high bits keeps one
    customer's rows together after sorting, so sorting and searching stay in cache
    for an export grouped by customer.
    """
    keys: U64 = customers.to_numpy().astype(np.uint64)
    keys <<= np.uint64(32)
    keys |= ids.hash(_SEED).to_numpy() >> np.uint64(32)
    return keys


@dataclass(frozen=True)
class _Sorted:
    """The keys of every row, sorted, and the row each sorted key comes from."""

    keys: U64
    rows: NDArray[np.intp]

    @classmethod
    def of(cls, keys: U64) -> _Sorted:
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], order)


def _duplicates(frame: pl.DataFrame, keys: U64, ordered: _Sorted) -> pl.DataFrame:
    """Rows repeating an id their customer used before (confirmed on the strings).

    Columns ``__row``, ``customer_id``, ``id`` and ``__first`` (the first row with that id).
    """
    columns = [ROW, "customer_id", "id"]
    k = ordered.keys
    repeated = k[1:][k[1:] == k[:-1]]
    if len(repeated) == 0:
        return frame.clear().select(columns).with_columns(pl.lit(0, pl.Int64).alias("__first"))
    suspects = frame.filter(pl.Series(np.isin(keys, repeated)))
    first = pl.col(ROW).min().over(CKEY, "id").alias("__first")
    return suspects.select(*columns, first).filter(pl.col(ROW) != pl.col("__first"))


def _nullable(rows: NDArray[np.int64]) -> pl.Series:
    """``__bill_row`` from an array with -1 for 'no bill'."""
    return pl.select(pl.when(pl.lit(rows) >= 0).then(pl.lit(rows))).to_series().alias(BILL_ROW)


def _bill_rows(frame: pl.DataFrame, ordered: _Sorted) -> tuple[pl.Series, NDArray[np.int64]]:
    """``__bill_row`` for every row, and the positions of payments naming an unknown bill."""
    named = np.flatnonzero(frame.get_column("bill_id").is_not_null().to_numpy())
    out = np.full(frame.height, -1, np.int64)
    if len(named) == 0:
        return _nullable(out), named
    ckey = frame.get_column(CKEY)
    text = frame.get_column("bill_id").gather(named)
    refs = _keys(text, ckey.gather(named))
    pos = np.minimum(np.searchsorted(ordered.keys, refs), len(ordered.keys) - 1)
    hit = ordered.keys[pos] == refs
    p, b = named[hit], ordered.rows[pos[hit]]
    is_bill = (frame.get_column("type") == "bill_issued").to_numpy()
    same = (ckey.gather(p) == ckey.gather(b)) & (
        text.filter(pl.Series(hit)) == frame.get_column("id").gather(b))
    confirmed = same.to_numpy() & is_bill[b]
    out[p[confirmed]] = frame.get_column(ROW).to_numpy()[b[confirmed]]
    unknown = named[out[named] < 0]
    if len(unknown):  # a collision may have hidden the true bill: look it up on the strings
        found = _bill_rows_by_text(frame, unknown)
        out[unknown] = found
        unknown = unknown[found < 0]
    return _nullable(out), unknown


def _bill_rows_by_text(frame: pl.DataFrame, payments: NDArray[np.int64]) -> NDArray[np.int64]:
    """The bill row each payment names, by joining on the strings (-1 where none)."""
    pays = frame[payments].select(pl.int_range(pl.len()).alias("__i"), CKEY, "bill_id")
    mine = pl.col(CKEY).is_in(pays.get_column(CKEY).implode())
    known = frame.lazy().filter((pl.col("type") == "bill_issued") & mine).select(
        CKEY, pl.col("id").alias("bill_id"), pl.col(ROW).alias("__b")).collect()
    hits = pays.join(known, on=[CKEY, "bill_id"], how="inner").unique("__i")
    out = np.full(len(payments), -1, np.int64)
    out[hits.get_column("__i").to_numpy()] = hits.get_column("__b").to_numpy()
    return out


def check_history(frame: pl.DataFrame) -> HistoryCheck:
    """Duplicate event ids and unknown bill references of every customer in ``frame``."""
    errors: list[ErrorRow] = []
    rejected: dict[str, list[int]] = {}
    keys = _keys(frame.get_column("id"), frame.get_column(CKEY))
    ordered = _Sorted.of(keys)
    for r in _duplicates(frame, keys, ordered).iter_rows(named=True):
        errors.append(
            ErrorRow("events", r[ROW], r["customer_id"], "id", "duplicate_event_id",
                     f"duplicate event id '{r['id']}' (first at row {r['__first']})", r["id"])
        )
        rejected.setdefault(r["customer_id"], []).append(r[ROW])
    bill_row, unknown = _bill_rows(frame, ordered)
    for r in frame[unknown].select(ROW, "customer_id", "bill_id").iter_rows(named=True):
        errors.append(
            ErrorRow("events", r[ROW], r["customer_id"], "bill_id", "unknown_bill",
                     f"payment names bill '{r['bill_id']}', which is not in the history",
                     r["bill_id"])
        )
        rejected.setdefault(r["customer_id"], []).append(r[ROW])
    return HistoryCheck(errors, rejected, bill_row)
