"""The Backend contract: every implementation compiles the same IR to the same answers.

Each condition of the built-in customer-level decisions (credit, entitlements, key
accounts, service quality, ...) is compiled from its checked IR by the Python and the
polars backend and evaluated on the same random rows; the truth values must agree
row by row.  A new backend joins ``BACKENDS`` below and passes the same test.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

import gridcrm_rules as gr
from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.backend import Backend
from gridcrm_rules.batch.polars_backend import PolarsBackend
from gridcrm_rules.engine import CompiledDecision
from gridcrm_rules.engine.python_backend import PythonBackend
from gridcrm_rules.errors import NotColumnar
from gridcrm_rules.expr.types import Kind, Type

ENGINE = gr.Engine.default()
PROGRAM = ENGINE.program
AS_OF = datetime(2026, 11, 22, 9, tzinfo=SHANGHAI)
NUMBERS = [Decimal(x) for x in ("0", "0.5", "0.22", "1", "10", "35", "630", "4000", "100000")]
DTYPES = {Kind.BOOL: pl.Boolean(), Kind.NUMBER: pl.Decimal(38, 9), Kind.STR: pl.String(),
          Kind.DATE: pl.Date()}


def _decisions() -> list[CompiledDecision]:
    """Customer-level decisions whose rules read only bool/number/str/date values."""
    out = []
    for d in PROGRAM.decisions:
        types = _types(d)
        reads = {k for r in d.rules for k in r.reads if not k.startswith("params.")}
        if d.spec.over == "customer" and all(types[k].kind in DTYPES for k in reads):
            out.append(d)
    return out


def _types(d: CompiledDecision) -> dict[str, Type]:
    return {b.key: b.type for b in d.schema.values()}


def _value(t: Type, rng: random.Random) -> Any:
    """A random value of type ``t`` (None now and then where it is nullable)."""
    if t.nullable and rng.random() < 0.2:
        return None
    if t.kind is Kind.BOOL:
        return rng.random() < 0.5
    if t.kind is Kind.NUMBER:
        return rng.choice(NUMBERS)
    if t.kind is Kind.STR:
        return rng.choice(sorted(t.choices) if t.choices else ["x", "industrial", "A"])
    return date(2023, 1, 1) + timedelta(days=rng.randint(0, 1460))


DECISIONS = _decisions()


def test_both_backends_implement_the_protocol() -> None:
    """The Python and the polars backend are both ``Backend`` instances, with names."""
    python = PythonBackend()
    polars = PolarsBackend(PROGRAM, ENGINE.calendar, AS_OF, pl.Schema({}))
    assert isinstance(python, Backend)
    assert isinstance(polars, Backend)
    assert (python.name, polars.name) == ("python", "polars")
    assert len(python.compile_decisions(PROGRAM)) == len(PROGRAM.decisions)


def test_the_contract_covers_every_area() -> None:
    """Decisions of credit, entitlements, key accounts and service quality are compared."""
    packs = {d.pack.name for d in DECISIONS}
    assert packs >= {"credit", "entitlements", "key_accounts", "service_quality"}


def test_facts_come_from_each_backends_own_implementation() -> None:
    """Python: every provider's function; polars: the columnar twin where there is one."""
    polars = PolarsBackend(PROGRAM, ENGINE.calendar, AS_OF, pl.Schema({}))
    for provider in ENGINE.facts.providers_for(set(PROGRAM.facts_read)):
        assert PythonBackend().facts(provider) is provider.compute
    credit = next(p for p in ENGINE.facts.providers_for(set(PROGRAM.facts_read))
                  if p.reported_in == "credit")
    assert polars.facts(credit) is not None


@pytest.mark.parametrize("decision", DECISIONS, ids=[d.name for d in DECISIONS])
def test_every_condition_gives_the_same_truth_in_both_backends(decision: CompiledDecision) -> None:
    """Row by row, the polars expression of each ``when`` equals the Python closure
    (200 seeded random rows per decision)."""
    rng = random.Random(decision.name)
    types = _types(decision)
    keys = sorted({k for r in decision.rules for k in r.reads if not k.startswith("params.")})
    rows = [{k: _value(types[k], rng) for k in keys} for _ in range(200)]
    schema = pl.Schema({k: DTYPES[types[k].kind] for k in keys})
    frame = pl.DataFrame(rows, schema=schema) if keys else pl.DataFrame({"_": [0] * len(rows)})
    python = PythonBackend()
    polars = PolarsBackend(PROGRAM, ENGINE.calendar, AS_OF, frame.schema)
    params = {f"params.{k}": v for k, v in PROGRAM.params.items()}
    compared = 0
    for rule in decision.rules:
        closure = python.compile_condition(rule.when_ir, decision.schema)
        try:
            column = polars.compile_condition(rule.when_ir, decision.schema)
        except NotColumnar:
            continue  # the scalar backend decides this one; nothing to compare
        got = frame.with_columns(column.expr.alias("__v")).get_column("__v").to_list()
        for row, value in zip(rows, got, strict=True):
            env = {**params, "as_of": AS_OF, "cutoff": date(2026, 10, 31), **row}
            try:
                want = bool(closure(env))
            except Exception:  # the scalar engine raises here; polars marks a risk
                continue
            assert bool(value) == want, (decision.name, rule.id, row)
            compared += 1
    assert compared > 0
