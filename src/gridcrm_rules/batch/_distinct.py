"""Per-row results of a function computed once per distinct value of a column.

A month column ('YYYY-MM') has a few dozen distinct values over millions of
rows; parsing and checking each value once, then handing the results to the
rows, is much cheaper than parsing every row.  Rows find their value by a
64-bit hash and a binary search over the few distinct hashes; each row is then
compared with the value it was matched to, and if any comparison fails (two
values sharing a hash) the rows are matched by an exact join instead.  So a
collision costs time, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

__all__ = ["per_distinct"]

_SEED: Final = 5


def _hashes(values: pl.Series) -> NDArray[np.uint64]:
    hashes: NDArray[np.uint64] = values.hash(_SEED).to_numpy()
    return hashes


def _by_join(column: pl.Series, distinct: pl.Series, table: pl.DataFrame) -> pl.DataFrame:
    keyed = table.with_columns(distinct.alias("__value"))
    return (column.alias("__value").to_frame()
            .join(keyed, on="__value", how="left", maintain_order="left").drop("__value"))


def per_distinct(
    column: pl.Series, compute: Callable[[pl.Series], pl.DataFrame]
) -> pl.DataFrame:
    """``compute`` applied to each row's value (one row per row of ``column``).

    ``compute`` receives the distinct non-null values and returns one row per
    value; a null in ``column`` gets a row of nulls.
    """
    distinct = column.drop_nulls().unique()
    table = compute(distinct)
    if distinct.is_empty():
        return table.clear(len(column))
    hashes = _hashes(distinct)
    order = np.argsort(hashes)
    pos = np.searchsorted(hashes[order], _hashes(column))
    index = pl.Series(order[np.minimum(pos, len(order) - 1)], dtype=pl.UInt32)
    if not (distinct.gather(index) == column).fill_null(True).all():
        return _by_join(column, distinct, table)
    index = pl.select(pl.when(pl.lit(column).is_not_null()).then(pl.lit(index))).to_series()
    return table.select(pl.all().gather(index))
