"""One chunk of customers, start to finish: validate, compute facts, decide, assemble.

A chunk holds whole customers with all their events, so every step is a
group-by or join inside the chunk.  The driver (:mod:`.evaluate`) cuts the
input into chunks and concatenates or streams their tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl

from .._time import local_date
from ..engine import Engine
from ..facts import FactProvider
from ..functions import FUNCTIONS, EvalContext
from ._catalog import ROW, UTC
from .columnar_facts import CIDX, EXACT_COLUMN, ColumnarContext, columnar_for
from .customers import CUSTOMER_SPECS, EXACT, canonical_dtype, duplicate_ids, validate_customers
from .decide import SCALAR, ColumnarPlan, CompiledColumnar, compile_decisions, events_flag
from .errors import ErrorRow, error_frame
from .events import validate_events
from .result import TASKS_SCHEMA, TableLayout, dtype_of
from .scalar import ScalarRunner

__all__ = ["ChunkResult", "Evaluator"]


@dataclass
class ChunkResult:
    """The three tables of one chunk."""

    decisions: pl.DataFrame
    tasks: pl.DataFrame
    errors: pl.DataFrame


def _rejected_events(frame: pl.DataFrame, reason: str, kind: str) -> list[ErrorRow]:
    return [
        ErrorRow("events", r[ROW], r["customer_id"], "customer_id", kind, reason, r["customer_id"])
        for r in frame.select(ROW, "customer_id").iter_rows(named=True)
    ]


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

    def run(self, customers: pl.DataFrame, events: pl.DataFrame) -> ChunkResult:
        """Decide one chunk (both frames carry ``__row``)."""
        errors: list[ErrorRow] = []
        ci = validate_customers(customers)
        errors += ci.errors
        frame, dupes = duplicate_ids(ci.frame)
        errors += dupes
        ei = validate_events(events)
        errors += ei.errors
        refused = {e.customer_id for e in ci.errors if e.customer_id is not None}
        for cid, rows in sorted(ei.rejected.items()):
            first = sorted(set(rows))
            msg = f"{len(first)} invalid event row(s): {', '.join(map(str, first[:10]))}"
            hit = frame.filter(pl.col("customer_id") == cid)
            for r in hit.iter_rows(named=True):
                errors.append(ErrorRow("customers", r[ROW], cid, "events", "invalid_events", msg))
        bad_rows = {e.row for e in ei.errors}
        ev = ei.frame.filter(~pl.col(ROW).is_in(pl.lit(pl.Series(sorted(bad_rows),
                                                                  dtype=pl.Int64)).implode()))
        rejected_ids = pl.Series(sorted(ei.rejected), dtype=pl.String)
        frame = frame.filter(~pl.col("customer_id").is_in(rejected_ids.implode()))
        known_ids = frame.select("customer_id")
        stray = ev.join(known_ids, on="customer_id", how="anti")
        refused_ids = pl.Series(sorted(refused | set(ei.rejected)), dtype=pl.String).implode()
        errors += _rejected_events(
            stray.filter(pl.col("customer_id").is_in(refused_ids)),
            "the event's customer was not decided (see its customers error)", "customer_rejected")
        errors += _rejected_events(
            stray.filter(~pl.col("customer_id").is_in(refused_ids)),
            "no customer with this id in the customers table", "unknown_customer")
        ev = ev.join(known_ids, on="customer_id", how="semi")
        decisions, tasks, more = self._decide(frame, ev, ci.models, ei.models)
        if more:
            errors += more
            failed = pl.Series([e.customer_id for e in more], dtype=pl.String).implode()
            errors += _rejected_events(ev.filter(pl.col("customer_id").is_in(failed)),
                                       "the event's customer was not decided (see its customers "
                                       "error)", "customer_rejected")
        return ChunkResult(decisions, tasks, error_frame(errors))

    # -- facts and decisions -----------------------------------------------------------
    def _facts(
        self, frame: pl.DataFrame, known: pl.DataFrame, runner: ScalarRunner,
        events_of: Any,
    ) -> pl.DataFrame:
        """Every provider's facts: columnar where it can vouch for them, else in Python."""
        columnar: dict[str, pl.DataFrame] = {}
        redo: dict[str, set[str]] = {}
        everyone = frame.get_column("customer_id")
        for provider in self.providers:
            impl = columnar_for(provider)
            if impl is None:
                redo[provider.name] = set(everyone.to_list())
                continue
            ctx = ColumnarContext(frame, known, self.as_of, self.cutoff, self.engine.params)
            values = impl(ctx)
            columnar[provider.name] = values.filter(pl.col(EXACT_COLUMN))
            redo[provider.name] = set(values.filter(~pl.col(EXACT_COLUMN))
                                      .get_column("customer_id").to_list())
        python = self._python_facts(redo, frame, runner, events_of)
        out = frame.select("customer_id")
        backends: list[pl.Expr] = []
        failed: list[pl.Expr] = []
        for provider in self.providers:
            schema = {n: dtype_of(t, n) for n, t in provider.provides.items()}
            flag, fail = f"__backend.{provider.name}", f"__failed.{provider.name}"
            parts = [python[provider.name]]
            if provider.name in columnar:
                parts.insert(0, columnar[provider.name].select("customer_id", *schema)
                             .cast(schema).with_columns(pl.lit(True).alias(flag),  # type: ignore[arg-type]
                                                        pl.lit(False).alias(fail)))
            values = pl.concat(parts)
            out = out.join(values, on="customer_id", how="left")
            backends.append(pl.when(pl.col(flag)).then(pl.lit(f"{provider.name}=columnar"))
                            .otherwise(pl.lit(f"{provider.name}=python")))
            failed.append(pl.col(fail).fill_null(False))
        backend = pl.concat_str(backends, separator=",") if backends else pl.lit("")
        return out.with_columns(
            backend.alias("__facts_backend"),
            (pl.any_horizontal(failed) if failed else pl.lit(False)).alias("__facts_failed"),
        )

    def _python_facts(
        self, redo: Mapping[str, set[str]], frame: pl.DataFrame, runner: ScalarRunner,
        events_of: Any,
    ) -> dict[str, pl.DataFrame]:
        """Facts computed by the providers' Python functions, one FactContext per customer."""
        rows: dict[str, list[dict[str, Any]]] = {p.name: [] for p in self.providers}
        wanted = set().union(*redo.values()) if redo else set()
        todo = frame.filter(pl.col("customer_id").is_in(pl.Series(sorted(wanted),
                                                                   dtype=pl.String).implode()))
        for cust in todo.iter_rows(named=True):
            cid = cust["customer_id"]
            try:
                ctx = runner.context(runner.customer(cust), runner.events(events_of(cid)))
            except Exception:  # the scalar engine will raise it again, with the customer row
                ctx = None
            for provider in self.providers:
                if cid not in redo.get(provider.name, ()):
                    continue
                try:
                    if ctx is None:
                        raise ValueError("no context")
                    facts = provider.compute(ctx)
                    rows[provider.name].append({"customer_id": cid, **facts, "__failed": False})
                except Exception:
                    rows[provider.name].append({"customer_id": cid, "__failed": True})
        out: dict[str, pl.DataFrame] = {}
        for provider in self.providers:
            schema = {n: dtype_of(t, n) for n, t in provider.provides.items()}
            flag, fail = f"__backend.{provider.name}", f"__failed.{provider.name}"
            data = [{k: r.get(k) for k in ("customer_id", *schema)} for r in rows[provider.name]]
            frame_p = pl.DataFrame(data, schema={"customer_id": pl.String, **schema})
            out[provider.name] = frame_p.with_columns(
                pl.lit(False).alias(flag),
                pl.Series(fail, [r["__failed"] for r in rows[provider.name]], dtype=pl.Boolean),
            )
        return out

    def _decide(
        self, frame: pl.DataFrame, ev: pl.DataFrame, customer_models: Mapping[int, Any],
        event_models: Mapping[int, Any],
    ) -> tuple[pl.DataFrame, pl.DataFrame, list[ErrorRow]]:
        instant = pl.lit(self.as_of).cast(UTC)
        frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias(CIDX))
        ev = ev.join(frame.select("customer_id", CIDX), on="customer_id", how="inner")
        known = ev.filter(pl.col("instant") <= instant)
        runner = ScalarRunner(self.engine, self.layout, self.providers, self.as_of, self.cutoff,
                              customer_models, event_models)
        by_customer: dict[Any, list[dict[str, Any]]] | None = None

        def events_of(cid: str) -> list[dict[str, Any]]:
            nonlocal by_customer
            if by_customer is None:
                by_customer = {}
                for r in ev.iter_rows(named=True):
                    by_customer.setdefault(r["customer_id"], []).append(r)
            return by_customer.get(cid, [])

        facts = self._facts(frame, known, runner, events_of)
        counts = ev.group_by("customer_id").agg(
            (pl.col("instant") <= instant).sum().alias("events_considered"),
            (pl.col("instant") > instant).sum().alias("events_after_as_of"),
        )
        flags = self._flags(known)
        work = (
            frame.select(
                ROW, "customer_id", EXACT,
                *(pl.col(n).alias(f"customer.{n}") for n, s in CUSTOMER_SPECS.items()
                  if canonical_dtype(s) is not None),
            )
            .join(facts, on="customer_id", how="left")
            .join(counts, on="customer_id", how="left")
            .join(flags, on="customer_id", how="left")
            .with_columns(pl.col("events_considered", "events_after_as_of").fill_null(0),
                          pl.col("^__has_.*$").fill_null(False))
        )
        plan = ColumnarPlan(self.engine.program, FUNCTIONS, EvalContext(self.engine.calendar),
                            self.as_of, local_date(self.as_of))
        key = tuple(work.schema.items())
        if key not in self.compiled:
            self.compiled[key] = compile_decisions(work.schema, plan)
        compiled = self.compiled[key]
        work = compiled.apply(work)
        self.notes.extend(n for n in compiled.notes if n not in self.notes)
        must = pl.col(SCALAR) | ~pl.col(EXACT) | pl.col("__facts_failed")
        for name, t in self.fact_types.items():  # a Python fact broke its declared type
            if not t.nullable:
                must = must | pl.col(name).is_null()
        if "__has_override" in work.columns:
            must = must | pl.col("__has_override")
        work = work.with_columns(must.alias(SCALAR))
        columnar = work.filter(~pl.col(SCALAR))
        scalar = work.filter(pl.col(SCALAR))
        rows: list[dict[str, Any]] = []
        tasks: list[dict[str, Any]] = []
        errors: list[ErrorRow] = []
        fact_cols = list(self.fact_types)
        known_facts = {r["customer_id"]: r for r in scalar.select("customer_id", *fact_cols)
                       .iter_rows(named=True)}
        for cust in frame.filter(pl.col(ROW).is_in(scalar.get_column(ROW).implode())).iter_rows(
            named=True
        ):
            cid = cust["customer_id"]
            row, task_list, errs = runner.decide(cust, events_of(cid), known_facts[cid])
            if row is not None:
                rows.append(row)
            tasks += task_list
            errors += errs
        table = pl.concat([
            self._columnar_table(columnar) if columnar.height else
            pl.DataFrame(schema=self.layout.schema),
            pl.DataFrame(rows, schema=self.layout.schema),
        ]).sort("row")
        return table, pl.DataFrame(tasks, schema=TASKS_SCHEMA), errors

    def _flags(self, known: pl.DataFrame) -> pl.DataFrame:
        exprs = []
        for d in self.engine.program.decisions:
            if d.spec.over == "events":
                hit = pl.col("type").is_in(list(d.spec.event_types)).any()
                exprs.append(hit.alias(events_flag(d)))
        if any(d.name == "credit" for d in self.engine.program.decisions):
            exprs.append((pl.col("type") == "grade_override").any().alias("__has_override"))
        if not exprs:
            return known.select("customer_id").unique()
        return known.group_by("customer_id").agg(exprs)

    def _columnar_table(self, work: pl.DataFrame) -> pl.DataFrame:
        layout = self.layout
        cols: dict[str, pl.Expr] = {"customer_id": pl.col("customer_id"), "row": pl.col(ROW)}
        if layout.has_credit:
            provisional = (pl.col("provisional") if "provisional" in layout.facts
                           else pl.lit(False))
            cols |= {"grade": pl.col("credit.grade"),
                     "computed_grade": pl.col("credit.computed_grade"),
                     "rule_ids": _rule_ids(work, "credit"),
                     "provisional": provisional.fill_null(False),
                     "overrides": pl.lit([], dtype=layout.schema["overrides"])}
        for name in layout.facts:
            cols[f"fact_{name}"] = pl.col(name)
        for d in layout.value_decisions:
            for oname in d.spec.outputs:
                if d.name == "credit" and oname == "grade":
                    continue
                cols[f"{d.name}_{oname}"] = pl.col(f"{d.name}.{oname}")
            if d.name != "credit":
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
