"""Reference results for the batch tests: ``Engine.evaluate`` customer by customer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from gridcrm_rules import Customer, Engine
from gridcrm_rules.batch.evaluate import evaluator_for
from gridcrm_rules.batch.result import TASKS_SCHEMA, decision_row, task_rows
from gridcrm_rules.batch.scalar import ScalarRunner

__all__ = ["History", "assert_equivalent", "reference", "reference_parts", "reference_tasks",
           "tables"]

History = tuple[dict[str, Any], list[dict[str, Any]]]
HOW = ("path", "facts_backend")


def tables(histories: Sequence[History]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The customers and events input tables of some histories (values as given)."""
    customers = pl.DataFrame([c for c, _ in histories], infer_schema_length=None)
    rows = [{"customer_id": c["id"], **e} for c, evs in histories for e in evs]
    if not rows:
        return customers, pl.DataFrame(schema={"customer_id": pl.String, "type": pl.String,
                                               "id": pl.String})
    return customers, pl.DataFrame(rows, infer_schema_length=None)


Part = tuple[str, str, str]
"""(customer id, pack.decision.rule, error type) of a part that could not be decided."""


def reference_parts(
    engine: Engine, histories: Sequence[History], as_of: datetime | str
) -> tuple[list[Part], list[tuple[str, str, str | None]]]:
    """(part errors, undetermined tasks as (customer, clause, trigger)) from ``evaluate``."""
    parts: list[Part] = []
    undetermined: list[tuple[str, str, str | None]] = []
    for customer, events in histories:
        try:
            d = engine.evaluate(customer, events, as_of=as_of)
        except Exception:
            continue
        parts += [(d.customer_id, ".".join(e.loc), e.type) for e in d.errors]
        undetermined += [(d.customer_id, t.clause, t.trigger_event_id) for t in d.tasks
                         if t.status == "undetermined"]
    return sorted(parts), sorted(undetermined, key=str)


def reference(
    engine: Engine, histories: Sequence[History], as_of: datetime | str
) -> tuple[pl.DataFrame, set[str]]:
    """(decisions table from ``evaluate``, ids of customers ``evaluate`` refuses)."""
    ev = evaluator_for(engine, as_of)
    runner = ScalarRunner(engine, ev.layout, ev.providers, ev.as_of, ev.cutoff, {}, {})
    rows, refused = [], set()
    for i, (customer, events) in enumerate(histories):
        try:
            d = engine.evaluate(customer, events, as_of=as_of)
        except Exception:
            refused.add(customer["id"])
            continue
        facts: dict[str, Any] = {}
        model = Customer.model_validate(customer)
        for p in ev.providers:
            if p.name == "credit" and d.credit is not None:
                facts.update(d.credit.facts)
            else:
                facts.update(runner.python_facts(p, model, events))
        rows.append(decision_row(d, ev.layout, facts, i, facts_backend="", path=""))
    return pl.DataFrame(rows, schema=ev.layout.schema).drop(HOW), refused


def reference_tasks(
    engine: Engine, histories: Sequence[History], as_of: datetime | str
) -> pl.DataFrame:
    """The tasks table ``evaluate`` gives, customer by customer (refused customers: none)."""
    rows: list[dict[str, Any]] = []
    for i, (customer, events) in enumerate(histories):
        try:
            d = engine.evaluate(customer, events, as_of=as_of)
        except Exception:
            continue
        rows += task_rows(d.customer_id, i, d.tasks)
    return _task_order(pl.DataFrame(rows, schema=TASKS_SCHEMA))


def _task_order(tasks: pl.DataFrame) -> pl.DataFrame:
    """Tasks in one total order (ties of ``due`` broken by every other column)."""
    return tasks.sort(["row", "due", "clause", "trigger_event_id", "kind", "channel", "unit"],
                      nulls_last=True)


def _first_difference(
    got: pl.DataFrame, expected: pl.DataFrame, histories: Sequence[History], as_of: Any
) -> None:
    """Name the first customer whose row differs, with its history (short failures)."""
    want = {r["customer_id"]: r for r in expected.to_dicts()}
    for row in got.to_dicts():
        exp = want.get(row["customer_id"])
        mine = {k: v for k, v in row.items() if k not in HOW}
        if exp != mine:
            diff = {k: (mine.get(k), exp.get(k) if exp else None) for k in mine
                    if exp is None or mine.get(k) != exp.get(k)}
            history = next(h for h in histories if h[0]["id"] == row["customer_id"])
            raise AssertionError(f"{row['customer_id']} ({row['path']}, {row['facts_backend']})"
                                 f" differs (batch, scalar): {diff}; as_of={as_of}; "
                                 f"history={history!r}")


def assert_equivalent(
    engine: Engine, histories: Sequence[History], as_of: datetime | str, **options: Any
) -> pl.DataFrame:
    """Batch and per-customer evaluation agree on every field; return the batch decisions."""
    customers, events = tables(histories)
    result = engine.evaluate_batch(customers, events, as_of=as_of, **options)
    expected, refused = reference(engine, histories, as_of)
    got = result.decisions
    refused_rows = result.errors.filter(pl.col("source") == "customers")
    errors = set(refused_rows.get_column("customer_id").to_list())
    if errors != refused:
        cid = sorted(errors ^ refused)[0]
        history = next(h for h in histories if h[0]["id"] == cid)
        raise AssertionError(f"refusals differ for {cid}: batch {cid in errors}, scalar "
                             f"{cid in refused}; as_of={as_of}; history={history!r}; errors="
                             f"{result.errors.filter(pl.col('customer_id') == cid).to_dicts()}")
    _first_difference(got, expected, histories, as_of)
    assert_frame_equal(got.drop(HOW), expected)
    want_tasks = reference_tasks(engine, histories, as_of)
    got_tasks = _task_order(result.tasks)
    if got_tasks.to_dicts() != want_tasks.to_dicts():
        raise AssertionError(f"tasks differ (batch, scalar): {got_tasks.to_dicts()} != "
                             f"{want_tasks.to_dicts()}; as_of={as_of}")
    assert_frame_equal(got_tasks, want_tasks)
    # the partial-decision rule: the same parts could not be decided, the same tasks are
    # undetermined, in both backends
    parts, undetermined = reference_parts(engine, histories, as_of)
    batch_parts = result.errors.filter(pl.col("source") == "decisions").select(
        "customer_id", "loc", "type").rows()
    assert sorted(batch_parts) == parts
    batch_undetermined = result.tasks.filter(pl.col("status") == "undetermined").select(
        "customer_id", "clause", "trigger_event_id").rows()
    assert sorted(batch_undetermined, key=str) == undetermined
    # every input row is accounted for
    assert got.height + refused_rows.select(pl.col("row").n_unique()).item() == customers.height
    counted = got.select(pl.col("events_considered").sum() + pl.col("events_after_as_of").sum())
    events_rows = result.errors.filter(pl.col("source") == "events")
    event_errors = events_rows.select(pl.col("row").n_unique())
    assert counted.item() + event_errors.item() == events.height
    return got
