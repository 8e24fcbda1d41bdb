"""Dense integer keys for the customer ids of a chunk's events.

Every later per-customer step of a chunk -- duplicate event ids, bill references,
settlement, event counts -- groups by customer.  Keying the rows once, right
after reading, lets those steps work on integers instead of hashing or joining
on the id strings again and again.  An event names its customer by the id as the
:class:`~gridcrm_rules.Customer` model reads it, edge whitespace stripped, so
``" C1"`` and ``"C1"`` are the same customer.  Exports are usually grouped by customer, so
the ids are run-length encoded first: strings are compared once per run, not
once per row (an ungrouped table still gets correct keys, just more slowly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ._parse import padded

__all__ = ["CustomerKeys", "customer_keys"]


@dataclass(frozen=True)
class CustomerKeys:
    """The key of every row (-1 where the id is null) and the id each key names.

    ``ids`` holds the distinct non-null ids (stripped) in sorted order; row ``i``
    has id ``ids[per_row[i]]``.  Because the keys follow the sort order of the ids,
    sorting by key and sorting by id agree.  ``padded`` says whether some id had
    whitespace to strip (the column itself is left as it came).
    """

    per_row: NDArray[np.int64]
    ids: pl.Series
    padded: bool


def customer_keys(column: pl.Series) -> CustomerKeys:
    """Key every row of a customer-id column (see the module doc)."""
    if column.dtype != pl.String:
        column = column.cast(pl.String)
    runs = column.rle()
    lens = runs.struct.field("len").to_numpy()
    values = runs.struct.field("value")
    any_padded = bool(pl.select(padded(pl.lit(values)).any()).item())
    if any_padded:
        values = values.str.strip_chars()
    rank = values.rank("dense").cast(pl.Int64).fill_null(0).to_numpy()  # 1-based; 0 = null
    per_row = np.repeat(rank - 1, lens).astype(np.int64, copy=False)
    ids = values.drop_nulls().unique().sort().rename("customer_id")
    return CustomerKeys(per_row, ids, any_padded)
