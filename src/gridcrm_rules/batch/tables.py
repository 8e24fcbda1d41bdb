"""One function turns every accepted input into a polars ``LazyFrame``.

Accepted: polars ``DataFrame``/``LazyFrame``, pandas ``DataFrame``, pyarrow
``Table``/``RecordBatch``, a sequence of dicts, or a path (``.parquet``/``.pq``,
``.csv``, or a directory of Parquet files).  CSV is read with every column as
text, so that ids such as ``"007"`` stay strings and each value is validated
exactly as the pydantic models validate strings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl

from ..errors import BatchInputError
from ._catalog import CUSTOMER_FIELDS, EVENT_FIELDS, ROW

__all__ = ["BatchInputError", "TableInput", "collect_rows", "is_path", "to_lazy",
           "with_row_index"]

TableInput = Any
"""A DataFrame, LazyFrame, pandas DataFrame, Arrow table, list of dicts or a path."""

Extra = Literal["forbid", "ignore"]


def is_path(obj: object) -> bool:
    """Whether ``obj`` names a file or directory rather than holding data."""
    return isinstance(obj, str | os.PathLike)


def _scan_path(path: Path) -> pl.LazyFrame:
    if path.is_dir():
        return pl.scan_parquet(path / "**" / "*.parquet")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pl.scan_parquet(path)
    if suffix == ".csv":
        return pl.scan_csv(path, infer_schema=False)
    raise BatchInputError(f"{path}: expected a .parquet, .pq or .csv file or a directory")


def to_lazy(obj: TableInput) -> pl.LazyFrame:
    """Any accepted input as a LazyFrame (no data is copied for polars inputs)."""
    if isinstance(obj, pl.LazyFrame):
        return obj
    if isinstance(obj, pl.DataFrame):
        return obj.lazy()
    if is_path(obj):
        return _scan_path(Path(obj))
    module = type(obj).__module__.split(".", 1)[0]
    if module == "pandas":
        frame = pl.from_pandas(obj)
        return frame.lazy()
    if module == "pyarrow":
        converted = pl.from_arrow(obj)
        if isinstance(converted, pl.Series):  # pragma: no cover - an Arrow array, not a table
            raise BatchInputError("expected an Arrow table, got an array")
        return converted.lazy()
    if isinstance(obj, Sequence) and all(isinstance(r, Mapping) for r in obj):
        return pl.DataFrame(list(obj), infer_schema_length=None).lazy()
    raise BatchInputError(
        f"expected a polars/pandas DataFrame, an Arrow table, a list of dicts or a path, "
        f"got {type(obj).__name__}"
    )


def with_row_index(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Number the rows (``__row``, 0-based, in input order) before anything filters them."""
    return frame.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))


def collect_rows(frame: pl.LazyFrame) -> pl.DataFrame:
    """Collect (a chunk of) an input as one contiguous chunk per column.

    The reader returns its row index in pieces of other lengths than the data
    columns; polars would re-align them in every later operation on the frame.
    """
    return frame.collect().rechunk()


def check_columns(
    schema: Mapping[str, pl.DataType], table: Literal["customers", "events"], extra: Extra
) -> list[str]:
    """The usable columns of a table; unknown ones raise unless ``extra='ignore'``."""
    allowed = set(CUSTOMER_FIELDS) if table == "customers" else {*EVENT_FIELDS, "customer_id"}
    unknown = [c for c in schema if c not in allowed]
    if unknown and extra == "forbid":
        raise BatchInputError(
            f"{table}: unknown column(s) {', '.join(repr(c) for c in unknown)}; expected some of "
            f"{', '.join(sorted(allowed))} (pass extra='ignore' to drop unknown columns)"
        )
    needed = ("id",) if table == "customers" else ("customer_id", "type", "id")
    missing = [c for c in needed if c not in schema]
    if missing:
        raise BatchInputError(f"{table}: missing column(s) {', '.join(missing)}")
    return [c for c in schema if c in allowed]
