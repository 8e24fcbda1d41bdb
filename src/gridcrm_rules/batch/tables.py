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
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import polars as pl

from ..errors import BatchInputError
from ..models._missing import none_for_missing
from ._catalog import CUSTOMER_FIELDS, EVENT_FIELDS, REQUIRED_CUSTOMER_FIELDS, ROW

__all__ = ["BatchInputError", "TableInput", "collect_rows", "id_not_text", "is_path",
           "missing_as_null", "to_lazy", "with_row_index"]

TableInput = Any
"""A DataFrame, LazyFrame, pandas DataFrame, Arrow table, list of dicts or a path."""

Extra = Literal["forbid", "ignore"]


def is_path(obj: object) -> bool:
    """Whether ``obj`` names a file or directory rather than holding data."""
    return isinstance(obj, str | os.PathLike)


def _scan_path(path: Path) -> pl.LazyFrame:
    if not path.exists() and not any(ch in str(path) for ch in "*?["):
        raise BatchInputError(f"{path}: no such file or directory")
    if path.is_dir():
        first = next(path.glob("**/*.parquet"), None)
        if first is None:
            raise BatchInputError(f"{path}: a directory without .parquet files")
        _check_parquet(first)
        return pl.scan_parquet(path / "**" / "*.parquet")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        if path.exists():
            _check_parquet(path)
        return pl.scan_parquet(path)
    if suffix == ".csv":
        from .csv_input import scan_csv  # UTF-8 checked, with the byte offset of a bad byte

        return scan_csv(path)
    raise BatchInputError(f"{path}: expected a .parquet, .pq or .csv file or a directory")


def _check_parquet(path: Path) -> None:
    """Read the file's footer (cheap) so that a file that is no Parquet is refused by name."""
    try:
        pl.read_parquet_schema(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BatchInputError(f"{path}: not a readable Parquet file ({first})") from None


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
        # Missing values (NaN, pd.NA, pd.NaT) as None -- null -- before polars types the
        # columns: a NaN among texts would otherwise become the text "NaN".
        records = [none_for_missing(r) for r in obj]
        try:
            return pl.DataFrame(records, infer_schema_length=None).lazy()
        except pl.exceptions.PolarsError:  # one column holding, say, dates and text
            return _records_with_mixed_columns(records).lazy()
    raise BatchInputError(
        f"expected a polars/pandas DataFrame, an Arrow table, a list of dicts or a path, "
        f"got {type(obj).__name__}"
    )


def _as_text(value: Any) -> Any:
    """A date, datetime or Decimal as the text the models read exactly as the value."""
    if isinstance(value, date):  # datetime too: isoformat keeps its offset (or its lack)
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def _records_with_mixed_columns(records: list[Mapping[str, Any]]) -> pl.DataFrame:
    """Records whose columns polars cannot type as one (dates beside text): the columns
    that mix value types get their dates, datetimes and decimals as ISO text, which the
    models read as they read the values (``evaluate`` accepts such records); any other
    mix is a :class:`BatchInputError` naming the columns and their types."""
    kinds: dict[str, set[str]] = {}
    for record in records:
        for key, value in record.items():
            if value is not None:
                kinds.setdefault(key, set()).add(type(value).__name__)
    mixed = {key for key, names in kinds.items() if len(names) > 1}
    fixed = [{k: _as_text(v) if k in mixed else v for k, v in r.items()} for r in records]
    try:
        return pl.DataFrame(fixed, infer_schema_length=None)
    except pl.exceptions.PolarsError:
        described = "; ".join(f"{k!r}: {', '.join(sorted(kinds[k]))}" for k in sorted(mixed))
        raise BatchInputError(f"the records mix value types in a column ({described}); give "
                              "each column one type (dates and instants as ISO text, "
                              "amounts as text or Decimal)") from None


def missing_as_null(frame: pl.LazyFrame, schema: Mapping[str, pl.DataType]) -> pl.LazyFrame:
    """``NaN`` in the float columns of ``schema`` as null.

    The columnar side of the missing-value convention of
    :mod:`gridcrm_rules.models._missing`: a null is "not given", and so is a float
    ``NaN`` (pandas' marker for a missing number), whatever the input format.
    """
    floats = [c for c, t in schema.items() if t.is_float()]
    return frame.with_columns(pl.col(floats).fill_nan(None)) if floats else frame


def with_row_index(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Number the rows (``__row``, 0-based, in input order) before anything filters them."""
    return frame.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))


def collect_rows(frame: pl.LazyFrame) -> pl.DataFrame:
    """Collect (a chunk of) an input as one contiguous chunk per column.

    The reader returns its row index in pieces of other lengths than the data
    columns; polars would re-align them in every later operation on the frame.
    """
    return frame.collect().rechunk()


def id_not_text(table: str, key: str, dtype: str) -> BatchInputError:
    """The error for an id column that is not text: ``evaluate`` refuses a number as an id,
    and a float column (pandas with a NaN) would turn 1001 into '1001.0' and match no
    event, so the table is refused rather than its ids converted."""
    return BatchInputError(
        f"{table}.{key} is a column of {dtype}: ids are text, as Customer.id is; cast it "
        f"to text first (polars: pl.col({key!r}).cast(pl.String); pandas: "
        f"df[{key!r}].astype('string'); Spark: F.col({key!r}).cast('string'))")


def check_columns(
    schema: Mapping[str, pl.DataType], table: Literal["customers", "events"], extra: Extra
) -> list[str]:
    """The usable columns of a table; unknown ones raise unless ``extra='ignore'``."""
    allowed = set(CUSTOMER_FIELDS) if table == "customers" else {*EVENT_FIELDS, "customer_id"}
    unknown = [c for c in schema if c not in allowed]
    if unknown and extra == "forbid":
        raise BatchInputError(
            f"{table}: unknown column(s) {', '.join(repr(c) for c in unknown)}; expected some of "
            f"{', '.join(sorted(allowed))} (to drop unknown columns: --ignore-extra-columns on the "
            "command line, extra='ignore' in Python)"
        )
    # the customer fields every row must have: without the column every row is refused
    needed = REQUIRED_CUSTOMER_FIELDS if table == "customers" else ("customer_id", "type", "id")
    missing = [c for c in needed if c not in schema]
    if missing:
        raise BatchInputError(f"{table}: missing column(s) {', '.join(missing)}")
    return [c for c in schema if c in allowed]
