"""``evaluate_batch`` on Spark: the engine runs inside the executors, on Arrow batches.

>>> from gridcrm_rules.spark import evaluate_spark            # doctest: +SKIP
>>> result = evaluate_spark(engine, customers_df, events_df, as_of="2026-11-01")
>>> result.decisions.groupBy("grade").count().show()

How: the customers and events DataFrames are put into one DataFrame (columns
prefixed ``c__`` / ``e__``, a key column with the customer id), repartitioned
by that key so that a customer and all its events land in the same partition,
and each partition is decided by the batch backend in ``mapInArrow`` -- the
same code, chunk for chunk, as :func:`gridcrm_rules.batch.evaluate_batch`.  The
three tables come back as one tagged Arrow stream, cached once and split into
three Spark DataFrames.  ``row`` is Spark's ``monotonically_increasing_id`` of
the input row (unique, not contiguous).  The engine travels to the executors
by cloudpickle, as Spark ships any function.

Needs the ``spark`` extra (pyspark, pandas, pyarrow, polars) and Java; without the
extra, importing this module raises :class:`gridcrm_rules.MissingExtra` naming
``pip install "gridcrm-rules[spark]"``.  :func:`local_session` starts a local
session whose Python workers run the driver's interpreter.
"""

# The extra is checked before the imports that need it:
# ruff: noqa: E402

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ._extras import require_extra

require_extra("spark", "gridcrm_rules.spark")

import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]

from .batch._catalog import ROW
from .batch.errors import ERRORS_SCHEMA
from .batch.evaluate import evaluator_for
from .batch.result import TASKS_SCHEMA
from .batch.tables import Extra, check_columns, id_not_text, missing_as_null
from .engine import Engine

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["WORKER_PYTHON_VARIABLES", "SparkBatchResult", "evaluate_spark", "local_session"]

WORKER_PYTHON_VARIABLES = ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON")
"""The variables PySpark reads for the interpreter of its Python workers (and driver)."""

_TABLES = (("d", "decisions"), ("t", "tasks"), ("x", "errors"))


@dataclass(frozen=True)
class SparkBatchResult:
    """The three tables as Spark DataFrames (the tagged result is cached once)."""

    decisions: DataFrame
    tasks: DataFrame
    errors: DataFrame


def _instance(dtype: Any) -> pl.DataType:
    """A polars type as an instance (``pl.String`` -> ``pl.String()``)."""
    return dtype if isinstance(dtype, pl.DataType) else dtype()


def _arrow_type(dtype: pl.DataType) -> pa.DataType:
    if isinstance(dtype, pl.Decimal):
        return pa.decimal128(dtype.precision or 38, dtype.scale or 0)
    if isinstance(dtype, pl.Datetime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(dtype, pl.Duration):
        return pa.int64()
    if isinstance(dtype, pl.List):
        return pa.list_(_arrow_type(_instance(dtype.inner)))
    if isinstance(dtype, pl.Struct):
        return pa.struct([pa.field(f.name, _arrow_type(_instance(f.dtype))) for f in dtype.fields])
    simple: dict[Any, pa.DataType] = {
        pl.String: pa.string(), pl.Int64: pa.int64(), pl.Boolean: pa.bool_(),
        pl.Date: pa.date32(), pl.Float64: pa.float64(),
    }
    return simple[dtype.base_type()]


def _out_schema(tables: dict[str, pl.Schema]) -> pa.Schema:
    fields = [pa.field("__table", pa.string())]
    for tag, name in _TABLES:
        fields += [pa.field(f"{tag}__{c}", _arrow_type(t)) for c, t in tables[name].items()]
    return pa.schema(fields)


def _tagged(tag: str, frame: pl.DataFrame, schema: pa.Schema) -> pa.RecordBatch:
    durations = [c for c, t in frame.schema.items() if isinstance(t, pl.Duration)]
    frame = frame.with_columns(pl.col(c).dt.total_microseconds() for c in durations)
    frame = frame.rename({c: f"{tag}__{c}" for c in frame.columns})
    frame = frame.with_columns(pl.lit(tag).alias("__table"))
    table = frame.to_arrow()
    columns = [
        table.column(f.name).cast(f.type) if f.name in table.column_names
        else pa.nulls(frame.height, f.type)
        for f in schema
    ]
    return pa.RecordBatch.from_arrays([c.combine_chunks() if isinstance(c, pa.ChunkedArray)
                                       else c for c in columns], schema=schema)


def _partition_fn(
    engine: Engine, as_of: Any, customer_cols: list[str], event_cols: list[str], schema: pa.Schema
) -> Any:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        evaluator = evaluator_for(engine, as_of)
        parts = [pl.DataFrame(pl.from_arrow(b)) for b in batches]
        frame = pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame()
        if frame.is_empty():
            return
        cust = frame.filter(pl.col("__tag") == "c").select(
            pl.col(f"c__{ROW}").alias(ROW), *(pl.col(f"c__{c}").alias(c) for c in customer_cols))
        ev = frame.filter(pl.col("__tag") == "e").select(
            pl.col(f"e__{ROW}").alias(ROW), *(pl.col(f"e__{c}").alias(c) for c in event_cols))
        # The missing-value convention of every input path: NaN in a float column is null.
        cust = missing_as_null(cust.lazy(), cust.schema).collect()
        ev = missing_as_null(ev.lazy(), ev.schema).collect()
        chunk = evaluator.run(cust, ev)
        for tag, name in _TABLES:
            part: pl.DataFrame = getattr(chunk, name)
            if part.height:
                yield _tagged(tag, part, schema)

    return run


_EDGE_SPACE = r"(?U)^\s+|\s+$"
"""Leading/trailing whitespace as the models strip it (Unicode ``White_Space``, which
is also what polars' ``strip_chars`` removes), as a Java regular expression."""


def _text_key(frame: Any, table: str, key: str) -> None:
    """Refuse an id column that is not text, as the local batch does (on the driver, not
    as a failed task in every executor)."""
    dtype = dict(frame.dtypes).get(key)
    if dtype not in (None, "string", "void"):
        raise id_not_text(table, key, dtype)


def _key(column: Any) -> Any:
    """The partitioning key: the id without edge whitespace, as the models strip it.

    A customer and its events must meet in one partition even when one side pads
    the id (``"C1 "``, a full-width space); the batch code then matches them as
    ``evaluate_batch`` does.
    """
    from pyspark.sql import functions as F  # noqa: N812 -- Spark's own idiom

    return F.regexp_replace(column.cast("string"), _EDGE_SPACE, "").alias("__key")


def evaluate_spark(
    engine: Engine,
    customers: DataFrame,
    events: DataFrame | None = None,
    *,
    as_of: date | datetime | str,
    partitions: int | None = None,
    extra: Extra = "forbid",
) -> SparkBatchResult:
    """Decide every customer of a Spark DataFrame; return the three tables as DataFrames.

    Inputs as for :func:`gridcrm_rules.batch.evaluate_batch` (``customers`` with the
    customer fields, ``events`` with ``customer_id`` and the event fields).
    ``partitions`` defaults to the session's default parallelism.
    """
    from pyspark.sql import functions as F  # noqa: N812 -- Spark's own idiom
    from pyspark.sql.pandas.types import from_arrow_schema

    spark = customers.sparkSession
    customer_cols = check_columns(dict(customers.dtypes), "customers", extra)  # type: ignore[arg-type]
    _text_key(customers, "customers", "id")
    c = customers.select(
        F.lit("c").alias("__tag"),
        _key(F.col("id")),
        F.monotonically_increasing_id().alias(f"c__{ROW}"),
        *(F.col(col).alias(f"c__{col}") for col in customer_cols),
    )
    event_cols: list[str] = []
    union = c
    if events is not None:
        event_cols = check_columns(dict(events.dtypes), "events", extra)  # type: ignore[arg-type]
        _text_key(events, "events", "customer_id")
        e = events.select(
            F.lit("e").alias("__tag"),
            _key(F.col("customer_id")),
            F.monotonically_increasing_id().alias(f"e__{ROW}"),
            *(F.col(col).alias(f"e__{col}") for col in event_cols),
        )
        union = c.unionByName(e, allowMissingColumns=True)
    layout = evaluator_for(engine, as_of).layout
    schema = _out_schema({"decisions": layout.schema, "tasks": TASKS_SCHEMA,
                          "errors": ERRORS_SCHEMA})
    n = partitions or spark.sparkContext.defaultParallelism
    out = union.repartition(n, "__key").mapInArrow(
        _partition_fn(engine, as_of, customer_cols, event_cols, schema),
        from_arrow_schema(schema),
    ).cache()
    tables = []
    for tag, _ in _TABLES:
        cols = [f.name for f in schema if f.name.startswith(f"{tag}__")]
        tables.append(out.filter(F.col("__table") == tag).select(
            *(F.col(col).alias(col[len(tag) + 2:]) for col in cols)))
    return SparkBatchResult(*tables)


def local_session(
    master: str = "local[2]",
    app_name: str = "gridcrm-rules",
    config: Mapping[str, str] | None = None,
) -> SparkSession:
    """A local Spark session whose Python workers run this interpreter.

    PySpark starts its workers with ``PYSPARK_PYTHON`` or else whatever ``python3``
    is first on ``PATH`` -- often another Python version than the driver's, which
    fails with ``PYTHON_VERSION_MISMATCH``.  This sets ``PYSPARK_PYTHON`` and
    ``PYSPARK_DRIVER_PYTHON`` to :data:`sys.executable` in the process environment
    (where PySpark reads them; later sessions of the process see them too), unless
    the user has set them (their values are kept), then returns
    ``SparkSession.builder.master(master).appName(app_name)`` with the session time
    zone UTC, the UI off and ``config`` applied, ``getOrCreate()``.  A session that
    already runs in this process is returned as it is.  ``master`` must be a local
    one (``local``, ``local[N]``, ``local[*]``): a cluster's workers need their own
    interpreter setting.
    """
    from pyspark.sql import SparkSession

    if master != "local" and not master.startswith("local["):
        raise ValueError(f"local_session needs a local master such as 'local[2]', got {master!r}")

    for variable in WORKER_PYTHON_VARIABLES:
        os.environ.setdefault(variable, sys.executable)
    settings = {"spark.ui.enabled": "false", "spark.sql.session.timeZone": "UTC"}
    settings.update(config or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
