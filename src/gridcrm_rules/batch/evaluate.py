"""``evaluate_batch``: many customers at once, in chunks of whole customers.

The customers input is cut into chunks of at most ``chunk_size`` customers by
ranges of customer id; each chunk reads only its customers and their events
(for Parquet sorted by ``customer_id`` the row-group statistics skip the rest),
so peak memory depends on the chunk size, not on the input size.  Two chunks
are decided at once, in threads, and their tables handed on in input order
(:mod:`._pipeline`).  Rows whose customer id is missing or outside every range
are reported in a last pass, so that every input row ends up in ``decisions``
or ``errors``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import polars as pl

from .._time import instant_argument
from ..engine import Engine
from ..facts import FactRegistry
from ..windows import cutoff_of
from ._catalog import REQUIRED_CUSTOMER_FIELDS, ROW
from ._parse import padded
from ._pipeline import in_order
from .chunk import ChunkResult, Evaluator
from .errors import error_frame
from .result import TASKS_SCHEMA, BatchResult, layout_for
from .sinks import OutFormat, sink_for
from .tables import (
    Extra,
    TableInput,
    check_columns,
    collect_rows,
    id_not_text,
    missing_as_null,
    to_lazy,
    with_row_index,
)

__all__ = ["DEFAULT_CHUNK", "Chunk", "each_chunk", "evaluate_batch", "evaluate_to_files",
           "evaluate_to_parquet", "evaluator_for", "progress_bar"]

R = TypeVar("R")

DEFAULT_CHUNK = 50_000
"""Customers per chunk: about 1.9 GB peak, two chunks in flight, with 24 months of history
(46 events each); 25,000 and 100,000 were slower on two cores."""


def evaluator_for(engine: Engine, as_of: date | datetime | str,
                  facts: FactRegistry | None = None) -> Evaluator:
    """The chunk evaluator of ``engine`` at ``as_of``."""
    instant = instant_argument(as_of, "as_of")
    registry = facts if facts is not None else engine.facts
    providers = registry.providers_for(set(engine.program.facts_read))
    fact_types = {n: t for p in providers for n, t in p.provides.items()}
    return Evaluator(engine, providers, fact_types, layout_for(engine.program, fact_types),
                     instant, cutoff_of(instant))


def _numbered(
    table: TableInput, name: Literal["customers", "events"], extra: Extra, key: str
) -> pl.LazyFrame:
    """The input with ``__row``, its usable columns, and its key column as text.

    The row index is added before the schema is read: reading the schema of the
    bare scan first keeps polars from pushing the chunk filters into the Parquet
    reader, which then decodes every row group for every chunk.
    """
    frame = with_row_index(to_lazy(table))
    schema = frame.collect_schema()
    cols = check_columns({c: t for c, t in schema.items() if c != ROW}, name, extra)
    frame = missing_as_null(frame.select(ROW, *cols), {c: schema[c] for c in cols})
    dtype = schema[key]
    if dtype == pl.Null or dtype == pl.Categorical or isinstance(dtype, pl.Enum):
        frame = frame.with_columns(pl.col(key).cast(pl.String))  # text (or no values)
    elif dtype != pl.String:
        raise id_not_text(name, key, str(dtype))
    return frame


def _no_rows(table: TableInput | None) -> bool:
    """None, or an empty list of records (which has no columns to read)."""
    return table is None or (isinstance(table, list | tuple) and not table)


def _prepare(
    customers: TableInput, events: TableInput | None, extra: Extra
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    if _no_rows(customers):
        customers = pl.DataFrame(schema=dict.fromkeys(REQUIRED_CUSTOMER_FIELDS, pl.String))
    cust = _numbered(customers, "customers", extra, "id")
    if _no_rows(events):
        ev = pl.LazyFrame(schema={ROW: pl.Int64, "customer_id": pl.String, "type": pl.String,
                                  "id": pl.String})
    else:
        ev = _numbered(events, "events", extra, "customer_id")
    return cust, ev


def _key(frame: pl.LazyFrame, column: str) -> pl.Expr:
    """The id column to cut ``frame`` by: the column itself when none of its values has
    edge whitespace -- the usual case -- so that a chunk's filter can use the Parquet
    statistics; else the stripped id, as the models read it (one pass over the column
    decides). An event naming ``"C1 "`` belongs with customer ``"C1"``."""
    col = pl.col(column)
    return col.str.strip_chars() if frame.select(padded(col).any()).collect().item() else col


def _from(key: pl.Expr, lo: str, below: str | None) -> pl.Expr:
    """``lo <= key < below`` (no upper end when ``below`` is None)."""
    above = key >= pl.lit(lo)
    return above if below is None else above & (key < pl.lit(below))


def _chunks(
    cust: pl.LazyFrame, ev: pl.LazyFrame, chunk_size: int
) -> Iterator[tuple[int, pl.DataFrame, pl.DataFrame]]:
    """(customers in chunk, customers, events) for each chunk, then the leftovers."""
    ids = cust.select(pl.col("id").str.strip_chars().alias("k")).drop_nulls().unique().sort(
        "k").collect().to_series()
    if len(ids) <= chunk_size:
        c = collect_rows(cust)
        yield c.height, c, collect_rows(ev)
        return
    customer, event = _key(cust, "id"), _key(ev, "customer_id")
    # Ranges that leave no gap: chunk k takes lows[k] <= id < lows[k + 1], the last one
    # every id from its low up, so an event naming no customer (an id between two
    # chunks' customers) still lands in a chunk, which reports it.
    lows = [ids[i] for i in range(0, len(ids), chunk_size)]
    for lo, below in zip(lows, [*lows[1:], None], strict=True):
        c = collect_rows(cust.filter(_from(customer, lo, below)))
        e = collect_rows(ev.filter(_from(event, lo, below)))
        yield c.height, c, e
    first = pl.lit(ids[0])
    c = collect_rows(cust.filter(customer.is_null()))
    e = collect_rows(ev.filter(event.is_null() | (event < first)))
    if c.height or e.height:
        yield c.height, c, e


Chunk = tuple[int, pl.DataFrame, pl.DataFrame]
"""(customers in the chunk, its customers, their events)."""


def progress_bar(total: int, enabled: bool, *, desc: str = "evaluate", file: Any = None) -> Any:
    """A progress bar on stderr counting customers, or None.

    ``tqdm.auto``: a widget in a notebook, text on a terminal; ``disable=None``
    turns the text bar off when stderr is not a terminal (a log file, a pipe), so
    no ``\\r`` frames end up in logs.
    """
    if not enabled:
        return None
    from tqdm.auto import tqdm  # type: ignore[import-untyped]

    return tqdm(total=total, unit="customer", unit_scale=True, desc=desc, disable=None,
                file=file)


def each_chunk(
    work: Callable[[Chunk], R], customers: TableInput, events: TableInput | None, *,
    chunk_size: int = DEFAULT_CHUNK, extra: Extra = "forbid", progress: bool = False,
    desc: str = "evaluate",
) -> Iterator[R]:
    """``work`` of every chunk (``(customers in chunk, customers, events)``, cut by ranges
    of customer id; at least one, empty for an empty input), two at once, results in
    input order, with a progress bar of customers when ``progress``: the one driver of
    ``evaluate_batch``, ``compare`` and ``timeline_batch``.
    """
    cust, ev = _prepare(customers, events, extra)
    total = cust.select(pl.len()).collect().item() if progress else 0
    bar = progress_bar(total, progress, desc=desc)

    def counted(chunk: Chunk) -> tuple[int, R]:
        return chunk[0], work(chunk)

    try:
        for n, result in in_order(counted, _chunks(cust, ev, chunk_size)):
            yield result
            if bar is not None:
                bar.update(n)
    finally:
        if bar is not None:
            bar.close()


def _run(
    engine: Engine, customers: TableInput, events: TableInput | None, as_of: Any,
    chunk_size: int, extra: Extra, progress: bool, sink: Callable[[ChunkResult], None],
    facts: FactRegistry | None,
) -> list[str]:
    evaluator = evaluator_for(engine, as_of, facts)

    def decide(chunk: Chunk) -> ChunkResult:
        _, c, e = chunk
        return evaluator.run(c, e)

    for result in each_chunk(decide, customers, events, chunk_size=chunk_size, extra=extra,
                             progress=progress):
        sink(result)
    return evaluator.notes


def evaluate_batch(
    engine: Engine,
    customers: TableInput,
    events: TableInput | None = None,
    *,
    as_of: date | datetime | str,
    chunk_size: int = DEFAULT_CHUNK,
    extra: Extra = "forbid",
    progress: bool = False,
    facts: FactRegistry | None = None,
) -> BatchResult:
    """Decide every customer of a table; return decisions, tasks and errors.

    ``customers`` has one row per customer (the :class:`~gridcrm_rules.Customer`
    fields); ``events`` one row per event with ``customer_id`` and the event
    fields (a field that does not apply to a row's type is null).  Each may be a
    polars/pandas DataFrame, an Arrow table, a list of dicts, or a Parquet/CSV
    path.  Unknown columns raise :class:`~gridcrm_rules.batch.BatchInputError`
    unless ``extra="ignore"``.
    """
    started = time.perf_counter()
    parts: list[ChunkResult] = []
    notes = _run(engine, customers, events, as_of, chunk_size, extra, progress, parts.append,
                 facts)
    decisions = pl.concat([p.decisions for p in parts]) if parts else None
    if decisions is None:
        layout = evaluator_for(engine, as_of, facts).layout
        decisions = pl.DataFrame(schema=layout.schema)
    tasks = pl.concat([p.tasks for p in parts]) if parts else pl.DataFrame(schema=TASKS_SCHEMA)
    errors = pl.concat([p.errors for p in parts]) if parts else error_frame([])
    return BatchResult(
        decisions=decisions.sort("row"),
        tasks=tasks.sort("row", "due"),
        errors=errors.sort("source", "row", nulls_last=True),
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )


def evaluate_to_parquet(
    engine: Engine,
    customers: TableInput,
    events: TableInput | None,
    out: str | Path,
    *,
    as_of: date | datetime | str,
    chunk_size: int = DEFAULT_CHUNK,
    extra: Extra = "forbid",
    progress: bool = False,
) -> dict[str, Any]:
    """Like :func:`evaluate_batch`, but stream the tables into ``out/*.parquet``.

    Returns a summary: rows per table, customers per grade, seconds.
    """
    return evaluate_to_files(engine, customers, events, out, as_of=as_of,
                             chunk_size=chunk_size, extra=extra, progress=progress)


def evaluate_to_files(
    engine: Engine,
    customers: TableInput,
    events: TableInput | None,
    out: str | Path,
    *,
    as_of: date | datetime | str,
    out_format: OutFormat = "parquet",
    chunk_size: int = DEFAULT_CHUNK,
    extra: Extra = "forbid",
    progress: bool = False,
) -> dict[str, Any]:
    """Like :func:`evaluate_batch`, but stream the tables into ``out/<table>.<format>``.

    ``out_format`` is ``parquet``, ``csv`` (nested columns as JSON text, see
    :mod:`.sinks`) or ``jsonl``.  Returns a summary: rows per table, customers per
    grade, notes, seconds.
    """
    started = time.perf_counter()
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    sink = sink_for(out_format, directory)
    try:
        notes = list(_run(engine, customers, events, as_of, chunk_size, extra, progress, sink,
                          None))
        if not sum(sink.rows.values()):  # no chunk at all: the empty tables, with columns
            empty = evaluate_batch(engine, [], None, as_of=as_of)
            sink(ChunkResult(empty.decisions, empty.tasks, empty.errors))
    finally:
        sink.close()
    return {"rows": dict(sink.rows), "notes": notes, "grades": dict(sorted(sink.grades.items(),
            key=lambda kv: (kv[0] is None, kv[0] or ""))), "seconds": time.perf_counter() - started}
