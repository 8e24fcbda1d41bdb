"""One chunk of customers, start to finish: validate, compute facts, decide, assemble.

A chunk holds whole customers with all their events, so every step is a
group-by or join inside the chunk.  The driver (:mod:`.evaluate`) cuts the
input into chunks and concatenates or streams their tables.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ..engine import Engine
from ..expr.numbers import engine_context
from ..facts import FactProvider
from ._catalog import CKEY, ROW, UTC
from .columnar_context import CIDX, EXACT_COLUMN, ColumnarContext
from .customers import CUSTOMER_SPECS, EXACT, canonical_dtype, duplicate_ids, validate_customers
from .decide import SCALAR, CompiledColumnar, events_flag
from .errors import ErrorRow, error_frame
from .events import validate_events
from .polars_backend import PolarsBackend
from .result import TASKS_SCHEMA, TableLayout, dtype_of
from .scalar import ScalarRunner

__all__ = ["ChunkResult", "Evaluator", "PreparedChunk", "prepare_chunk"]


@dataclass
class ChunkResult:
    """The three tables of one chunk."""

    decisions: pl.DataFrame
    tasks: pl.DataFrame
    errors: pl.DataFrame


EventsOf = Callable[[set[int]], dict[int, list[dict[str, Any]]]]
"""``{__cidx, ...} -> {__cidx: canonical event rows}`` for the customers decided in Python."""


def _aligned(values: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """A provider's columnar facts in ``frame`` order; a customer it left out is inexact."""
    ids = frame.get_column("customer_id")
    if values.height == frame.height and values.get_column("customer_id").equals(ids):
        return values.with_columns(frame.get_column(CIDX))
    joined = frame.select("customer_id", CIDX).join(
        values, on="customer_id", how="left", maintain_order="left")
    return joined.with_columns(pl.col(EXACT_COLUMN).fill_null(False))


def _rejected_events(frame: pl.DataFrame, reason: str, kind: str) -> list[ErrorRow]:
    return [
        ErrorRow("events", r[ROW], r["customer_id"], "customer_id", kind, reason, r["customer_id"])
        for r in frame.select(ROW, "customer_id").iter_rows(named=True)
    ]


def _ids(values: set[str] | list[str]) -> pl.Expr:
    return pl.lit(pl.Series(sorted(values), dtype=pl.String)).implode()


def _without(frame: pl.DataFrame, rows: set[int]) -> pl.DataFrame:
    """``frame`` without the given ``__row`` values (no copy when there are none)."""
    if not rows:
        return frame
    return frame.filter(~pl.col(ROW).is_in(pl.lit(pl.Series(sorted(rows), dtype=pl.Int64))
                                           .implode()))


def _key_to_cidx(ids: pl.Series, frame: pl.DataFrame) -> NDArray[np.int64]:
    """For each customer key of the events, the customer's ``__cidx`` in ``frame`` (or -1)."""
    keyed = pl.DataFrame({"customer_id": ids, "__key": np.arange(len(ids), dtype=np.int64)})
    hit = keyed.join(frame.select("customer_id", CIDX), on="customer_id", how="inner")
    out = np.full(len(ids), -1, np.int64)
    out[hit.get_column("__key").to_numpy()] = hit.get_column(CIDX).to_numpy()
    return out


_NOT_DECIDED: Final = "the event's customer was not decided (see its customers error)"


def _invalid_histories(frame: pl.DataFrame, rejected: Mapping[str, list[int]]) -> list[ErrorRow]:
    """One error per customers row whose history holds invalid events."""
    errors = []
    hit = frame.filter(pl.col("customer_id").is_in(_ids(list(rejected))))
    for r in hit.sort("customer_id", ROW).iter_rows(named=True):
        rows = sorted(set(rejected[r["customer_id"]]))
        msg = (f"{len(rows)} invalid event row(s): {', '.join(map(str, rows[:10]))}"
               + (f", ... ({len(rows) - 10} more)" if len(rows) > 10 else ""))
        errors.append(ErrorRow("customers", r[ROW], r["customer_id"], "events", "invalid_events",
                               msg))
    return errors


def _attach(
    ev: pl.DataFrame, ids: pl.Series, frame: pl.DataFrame, refused: set[str]
) -> tuple[pl.DataFrame, list[ErrorRow]]:
    """Events with their customer's ``__cidx``; an error for each event without one.

    ``ids`` names the events' customer keys; ``refused`` holds the ids of customers
    refused for their own row or history (their events are ``customer_rejected``,
    the others' ``unknown_customer``).
    """
    cidx = _key_to_cidx(ids, frame)[ev.get_column(CKEY).to_numpy()]
    stray = cidx < 0
    errors: list[ErrorRow] = []
    if stray.any():
        lost = ev.filter(pl.Series(stray))
        known = pl.col("customer_id").is_in(_ids(refused))
        errors += _rejected_events(lost.filter(known), _NOT_DECIDED, "customer_rejected")
        errors += _rejected_events(lost.filter(~known),
                                   "no customer with this id in the customers table",
                                   "unknown_customer")
        ev, cidx = ev.filter(pl.Series(~stray)), cidx[~stray]
    return ev.with_columns(pl.Series(CIDX, cidx, dtype=pl.Int64)), errors


def _events_by_customer(ev: pl.DataFrame) -> EventsOf:
    """``events_of`` for ``ev``: rows fetched once per customer, only when asked for."""
    fetched: dict[int, list[dict[str, Any]]] = {}

    def events_of(wanted: set[int]) -> dict[int, list[dict[str, Any]]]:
        missing = sorted(wanted - fetched.keys())
        if missing:
            fetched.update((c, []) for c in missing)
            chosen = pl.lit(pl.Series(missing, dtype=pl.Int64)).implode()
            for r in ev.filter(pl.col(CIDX).is_in(chosen)).iter_rows(named=True):
                fetched[r[CIDX]].append(r)
        return fetched

    return events_of


def _schema(provider: FactProvider) -> dict[str, pl.DataType]:
    """The column types of a provider's facts."""
    return {n: dtype_of(t, n) for n, t in provider.provides.items()}


def _in_cidx_order(columnar: pl.DataFrame | None, python: pl.DataFrame) -> pl.DataFrame:
    """One provider's facts from both backends, one row per customer in ``__cidx`` order."""
    if columnar is None:
        return python
    if python.is_empty():
        return columnar
    return pl.concat([columnar, python]).sort(CIDX)


def _counts(cidx: NDArray[np.int64], mask: NDArray[np.bool_], n: int) -> NDArray[np.int64]:
    """How many rows each customer has where ``mask`` holds."""
    return np.bincount(cidx[mask], minlength=n).astype(np.int64)


@dataclass(frozen=True)
class PreparedChunk:
    """A chunk's inputs, validated: what every engine and instant decides from."""

    frame: pl.DataFrame
    """The valid customers, sorted by id, with ``__cidx``."""
    events: pl.DataFrame
    """Their valid events, with ``__cidx``."""
    customer_models: Mapping[int, Any]
    event_models: Mapping[int, Any]
    errors: tuple[ErrorRow, ...]
    """The refused input rows (the same for every engine and instant)."""


def prepare_chunk(customers: pl.DataFrame, events: pl.DataFrame) -> PreparedChunk:
    """Validate one chunk's customers and events (both frames carry ``__row``), under the
    engine's decimal context (the caller's never changes a parsed amount)."""
    with engine_context():
        return _prepare_chunk(customers, events)


def _prepare_chunk(customers: pl.DataFrame, events: pl.DataFrame) -> PreparedChunk:
    errors: list[ErrorRow] = []
    ci = validate_customers(customers)
    errors += ci.errors
    frame, dupes = duplicate_ids(ci.frame)
    errors += dupes
    ei = validate_events(events)
    errors += ei.errors
    if ei.rejected:
        errors += _invalid_histories(frame, ei.rejected)
        frame = frame.filter(~pl.col("customer_id").is_in(_ids(list(ei.rejected))))
    frame = frame.sort("customer_id").with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(CIDX))
    refused = {e.customer_id for e in ci.errors if e.customer_id is not None}
    ev, lost = _attach(_without(ei.frame, {e.row for e in ei.errors if e.row is not None}),
                       ei.ids, frame, refused | set(ei.rejected))
    errors += lost
    return PreparedChunk(frame, ev, ci.models, ei.models, tuple(errors))


@dataclass(frozen=True)
class Evaluator:
    """An engine, an instant and the table layout: decides chunk after chunk."""

    engine: Engine
    providers: tuple[FactProvider, ...]
    fact_types: Mapping[str, Any]
    layout: TableLayout
    as_of: datetime
    cutoff: date
    notes: list[str] = field(default_factory=list)
    compiled: dict[Any, CompiledColumnar] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    """Chunks may run in threads: the caches, and every call into the engine's Python
    code (fact functions, ``Engine.evaluate``, the decision compiler), take this lock."""

    def run(self, customers: pl.DataFrame, events: pl.DataFrame) -> ChunkResult:
        """Decide one chunk (both frames carry ``__row``)."""
        return self.decide(prepare_chunk(customers, events))

    def decide(self, chunk: PreparedChunk) -> ChunkResult:
        """Decide a validated chunk under the engine's decimal context (chunks run in
        threads, each with its own context); :func:`prepare_chunk` does not depend on the
        engine or the instant, so one prepared chunk serves several engines or instants."""
        with engine_context():
            return self._decide_prepared(chunk)

    def _decide_prepared(self, chunk: PreparedChunk) -> ChunkResult:
        errors = list(chunk.errors)
        decisions, tasks, more = self._decide(chunk.frame, chunk.events, chunk.customer_models,
                                              chunk.event_models)
        errors += more
        refused_now = [e for e in more if e.source == "customers"]
        if refused_now:
            failed = _ids([str(e.customer_id) for e in refused_now])
            errors += _rejected_events(chunk.events.filter(pl.col("customer_id").is_in(failed)),
                                       _NOT_DECIDED, "customer_rejected")
        return ChunkResult(decisions, tasks, error_frame(errors))

    # -- facts and decisions -----------------------------------------------------------
    def _facts(
        self, frame: pl.DataFrame, known: pl.LazyFrame, runner: ScalarRunner,
        events_of: EventsOf,
    ) -> pl.DataFrame:
        """Every provider's facts, one row per customer in ``frame`` order (``__cidx``).

        Columnar where the provider's columnar code vouches for a customer, else
        from the provider's Python function.
        """
        columnar: dict[str, pl.DataFrame] = {}
        redo: dict[str, set[int]] = {}
        for provider in self.providers:
            impl = self.backend(frame.schema).facts(provider)
            if impl is None:
                redo[provider.name] = set(frame.get_column(CIDX).to_list())
                continue
            ctx = ColumnarContext(frame, known, self.as_of, self.cutoff, self.engine.params)
            values = _aligned(impl(ctx), frame)
            exact = values.get_column(EXACT_COLUMN)
            flag, fail = f"__backend.{provider.name}", f"__failed.{provider.name}"
            columnar[provider.name] = values.select(
                pl.col(CIDX), *(pl.col(n).cast(d) for n, d in _schema(provider).items()),
                pl.lit(True).alias(flag), pl.lit(False).alias(fail),
            )
            redo[provider.name] = set(frame.get_column(CIDX).filter(~exact).to_list())
            if redo[provider.name]:
                columnar[provider.name] = columnar[provider.name].filter(exact)
        python = self._python_facts(redo, frame, runner, events_of)
        columns: list[pl.Series] = []
        backends: list[pl.Expr] = []
        failed: list[pl.Expr] = []
        for provider in self.providers:
            merged = _in_cidx_order(columnar.get(provider.name), python[provider.name])
            columns += merged.drop(CIDX).get_columns()
            flag, fail = f"__backend.{provider.name}", f"__failed.{provider.name}"
            backends.append(pl.when(pl.col(flag)).then(pl.lit(f"{provider.name}=columnar"))
                            .otherwise(pl.lit(f"{provider.name}=python")))
            failed.append(pl.col(fail))
        out = frame.select(CIDX).hstack(columns)
        backend = pl.concat_str(backends, separator=",") if backends else pl.lit("")
        return out.with_columns(
            backend.alias("__facts_backend"),
            (pl.any_horizontal(failed) if failed else pl.lit(False)).alias("__facts_failed"),
        )

    def _python_facts(
        self, redo: Mapping[str, set[int]], frame: pl.DataFrame, runner: ScalarRunner,
        events_of: EventsOf,
    ) -> dict[str, pl.DataFrame]:
        """Facts computed by the providers' Python functions, one FactContext per customer."""
        rows: dict[str, list[dict[str, Any]]] = {p.name: [] for p in self.providers}
        wanted = set().union(*redo.values()) if redo else set()
        history = events_of(wanted) if wanted else {}
        todo = frame.filter(pl.col(CIDX).is_in(pl.lit(pl.Series(sorted(wanted), dtype=pl.Int64))
                                               .implode()))
        with self.lock:
            for cust in todo.iter_rows(named=True):
                cidx = cust[CIDX]
                try:
                    ctx = runner.context(runner.customer(cust), runner.events(history[cidx]))
                except Exception:  # the scalar engine will raise it again, with the customer row
                    ctx = None
                for provider in self.providers:
                    if cidx not in redo.get(provider.name, ()):
                        continue
                    try:
                        if ctx is None:
                            raise ValueError("no context")
                        rows[provider.name].append({CIDX: cidx, **provider.compute(ctx),
                                                    "__failed": False})
                    except Exception:
                        rows[provider.name].append({CIDX: cidx, "__failed": True})
        out: dict[str, pl.DataFrame] = {}
        for provider in self.providers:
            schema = _schema(provider)
            flag, fail = f"__backend.{provider.name}", f"__failed.{provider.name}"
            data = [{k: r.get(k) for k in (CIDX, *schema)} for r in rows[provider.name]]
            frame_p = pl.DataFrame(data, schema={CIDX: pl.Int64, **schema})
            out[provider.name] = frame_p.with_columns(
                pl.lit(False).alias(flag),
                pl.Series(fail, [r["__failed"] for r in rows[provider.name]], dtype=pl.Boolean),
            )
        return out

    def _decide(
        self, frame: pl.DataFrame, ev: pl.DataFrame, customer_models: Mapping[int, Any],
        event_models: Mapping[int, Any],
    ) -> tuple[pl.DataFrame, pl.DataFrame, list[ErrorRow]]:
        """Facts, then every decision: columnar where possible, ``Engine.evaluate`` for the rest."""
        n = frame.height
        cidx = ev.get_column(CIDX).to_numpy()
        before = ev.select(pl.col("instant") <= pl.lit(self.as_of).cast(UTC)).to_series().to_numpy()
        known = ev.lazy() if before.all() else ev.lazy().filter(pl.Series(before))
        runner = ScalarRunner(self.engine, self.layout, self.providers, self.as_of, self.cutoff,
                              customer_models, event_models)
        events_of = _events_by_customer(ev)
        facts = self._facts(frame, known, runner, events_of)
        work = frame.select(
            ROW, "customer_id", CIDX, EXACT,
            *(pl.col(name).alias(f"customer.{name}") for name, s in CUSTOMER_SPECS.items()
              if canonical_dtype(s) is not None),
        ).hstack([
            *facts.drop(CIDX).get_columns(),
            pl.Series("events_considered", _counts(cidx, before, n)),
            pl.Series("events_after_as_of", _counts(cidx, ~before, n)),
            *self._flags(ev.get_column("type"), before, cidx, n),
        ])
        try:
            work = self._compiled(work.schema).apply(work)
            scalar_rows = work.select(self._must_be_scalar(work.columns)).to_series()
            if not scalar_rows.any():
                table = self._columnar_table(work).sort("row")
                return table, pl.DataFrame(schema=TASKS_SCHEMA), []
            columnar = work.filter(~scalar_rows)
            table = (self._columnar_table(columnar) if columnar.height
                     else pl.DataFrame(schema=self.layout.schema))
        except pl.exceptions.PolarsError as exc:  # e.g. a Decimal128 overflow: decide in Python
            self._note(f"a chunk was decided per customer: the columnar backend failed ({exc})"
                       .split("\n", 1)[0])
            scalar_rows = pl.Series([True] * frame.height, dtype=pl.Boolean)
            table = pl.DataFrame(schema=self.layout.schema)
        rows, tasks, errors = self._scalar(frame.filter(scalar_rows), work.filter(scalar_rows),
                                           runner, events_of)
        table = pl.concat([table, pl.DataFrame(rows, schema=self.layout.schema)]).sort("row")
        return table, pl.DataFrame(tasks, schema=TASKS_SCHEMA), errors

    def _note(self, note: str) -> None:
        with self.lock:
            if note not in self.notes:
                self.notes.append(note)

    def backend(self, schema: pl.Schema) -> PolarsBackend:
        """The polars backend for frames of ``schema`` at this evaluator's ``as_of``."""
        return PolarsBackend(self.engine.program, self.engine.calendar, self.as_of, schema)

    def _compiled(self, schema: pl.Schema) -> CompiledColumnar:
        """The program's decisions compiled for frames of ``schema`` (once per schema)."""
        key = tuple(schema.items())
        with self.lock:
            if key not in self.compiled:
                backend = self.backend(schema)
                self.compiled[key] = backend.compile_decisions(self.engine.program)
            compiled = self.compiled[key]
            self.notes.extend(n for n in compiled.notes if n not in self.notes)
        return compiled

    def _must_be_scalar(self, columns: list[str]) -> pl.Expr:
        """Rows ``Engine.evaluate`` decides: routed by the compiler, inexact, failed, overridden."""
        must = pl.col(SCALAR) | ~pl.col(EXACT) | pl.col("__facts_failed")
        for name, t in self.fact_types.items():  # a Python fact broke its declared type
            if not t.nullable:
                must = must | pl.col(name).is_null()
        if "__has_override" in columns:
            must = must | pl.col("__has_override")
        return must

    def _scalar(
        self, customers: pl.DataFrame, work: pl.DataFrame, runner: ScalarRunner,
        events_of: EventsOf,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[ErrorRow]]:
        """Decisions rows, task rows and errors of the customers decided one by one."""
        rows: list[dict[str, Any]] = []
        tasks: list[dict[str, Any]] = []
        errors: list[ErrorRow] = []
        facts = {r[CIDX]: r for r in work.select(CIDX, *self.fact_types).iter_rows(named=True)}
        history = events_of(set(facts))
        with self.lock:
            for cust in customers.iter_rows(named=True):
                row, task_list, errs = runner.decide(cust, history[cust[CIDX]], facts[cust[CIDX]])
                if row is not None:
                    rows.append(row)
                tasks += task_list
                errors += errs
        return rows, tasks, errors

    def _flags(self, types: pl.Series, known: NDArray[np.bool_], cidx: NDArray[np.int64],
               n: int) -> list[pl.Series]:
        """Per customer: has known events a decision runs over; has a grade override."""
        out: list[pl.Series] = []
        for d in self.engine.program.decisions:
            if d.spec.over == "events":
                hit = types.is_in(list(d.spec.event_types)).to_numpy() & known
                out.append(pl.Series(events_flag(d), _counts(cidx, hit, n) > 0))
        if self.engine.program.filling("credit") is not None:
            hit = (types == "grade_override").to_numpy() & known
            out.append(pl.Series("__has_override", _counts(cidx, hit, n) > 0))
        return out

    def _columnar_table(self, work: pl.DataFrame) -> pl.DataFrame:
        layout = self.layout
        cols: dict[str, pl.Expr] = {"customer_id": pl.col("customer_id"), "row": pl.col(ROW)}
        if layout.has_credit:
            provisional = (pl.col("provisional") if "provisional" in layout.facts
                           else pl.lit(False))
            grading = self.engine.program.filling("credit")
            assert grading is not None  # layout.has_credit says so
            cols |= {"grade": pl.col(f"{grading.name}.grade"),
                     "computed_grade": pl.col(f"{grading.name}.computed_grade"),
                     "rule_ids": _rule_ids(work, grading.name),
                     "provisional": provisional.fill_null(False),
                     "overrides": pl.lit([], dtype=layout.schema["overrides"])}
        for name in layout.facts:
            cols[f"fact_{name}"] = pl.col(name)
        for d in layout.value_decisions:
            grades = d.spec.fills == "credit"
            for oname in d.spec.outputs:
                if grades and oname == "grade":
                    continue
                cols[f"{d.name}_{oname}"] = pl.col(f"{d.name}.{oname}")
            if not grades:
                cols[f"{d.name}_rule_ids"] = _rule_ids(work, d.name)
        if layout.has_entitlements:
            cols["entitlements"] = pl.col("__entitlements")
        cols |= {"events_considered": pl.col("events_considered"),
                 "events_after_as_of": pl.col("events_after_as_of"),
                 "path": pl.lit("columnar"), "facts_backend": pl.col("__facts_backend")}
        schema = layout.schema
        return work.select([e.cast(schema[n]).alias(n) for n, e in cols.items()])


def _rule_ids(work: pl.DataFrame, decision: str) -> pl.Expr:
    """The list of fired rule ids of a decision (from one id, or already a list)."""
    if f"{decision}.__rule_ids" in work.columns:
        return pl.col(f"{decision}.__rule_ids")
    rid = pl.col(f"{decision}.__rule_id")
    empty = pl.lit([], dtype=pl.List(pl.String))
    return pl.when(rid.is_null()).then(empty).otherwise(pl.concat_list(rid))
