"""The IR -> polars compiler: same values as the closure compiler, raises routed to scalar."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
import pytest

import gridcrm_rules as gr
from gridcrm_rules.batch.columnar_expr import NotColumnar, compile_columnar, truthy
from gridcrm_rules.errors import EvaluationError
from gridcrm_rules.expr import Binding, Checker, compile_expr, parse
from gridcrm_rules.expr.types import BOOL, NUMBER, STR, Type
from gridcrm_rules.functions import FUNCTIONS

SCHEMA = {
    "n": Binding("n", NUMBER.or_none()),
    "m": Binding("m", NUMBER),
    "s": Binding("s", Type.enum("A", "B", nullable=True)),
    "b": Binding("b", BOOL.or_none()),
    "t": Binding("t", STR),
}
ROWS: list[dict[str, Any]] = [
    {"n": Decimal("1.25"), "m": Decimal("2"), "s": "A", "b": True, "t": "x"},
    {"n": None, "m": Decimal("0"), "s": None, "b": None, "t": "y"},
    {"n": Decimal("-3.5"), "m": Decimal("7.10"), "s": "B", "b": False, "t": "x"},
    {"n": Decimal("0"), "m": Decimal("0.005"), "s": "A", "b": None, "t": ""},
]
FRAME = pl.DataFrame(ROWS, schema={"n": pl.Decimal(38, 2), "m": pl.Decimal(38, 3),
                                   "s": pl.String, "b": pl.Boolean, "t": pl.String})


def _no_call(spec: Any, args: tuple[Any, ...]) -> Any:
    return spec.impl(*args)


def _both(source: str) -> tuple[list[Any], list[Any], list[bool]]:
    node = parse(source)
    checker = Checker(SCHEMA, FUNCTIONS, source, ())
    checker.check(node)
    assert not checker.errors, checker.errors
    closure = compile_expr(node, SCHEMA, FUNCTIONS)
    scalar: list[Any] = []
    raised: list[bool] = []
    for row in ROWS:
        try:
            scalar.append(closure(row))
            raised.append(False)
        except (EvaluationError, TypeError):
            scalar.append(None)
            raised.append(True)
    col = compile_columnar(node, SCHEMA, FRAME.schema, {}, FUNCTIONS, _no_call)
    risk = col.risk if col.risk is not None else pl.lit(False)
    out = FRAME.select(col.expr.alias("v"), risk.alias("r"))
    return scalar, out.get_column("v").to_list(), [raised == r for raised, r in
                                                     zip(raised, out.get_column("r"), strict=True)]


@pytest.mark.parametrize(
    "source",
    [
        "n > 1", "n is not None and n > 1", "n is None or n > 1", "not b", "b and s == 'A'",
        "s == None", "s != 'A'", "s in ('A',)", "s not in ('A', None)", "0 <= m < 5",
        "m * 3 + 1", "m * n", "-m", "abs(n)", "min(m, 2)", "max(m, n)", "round_money(m * 2)",
        "round_money(m / 2)", "m / 4", "m if b else n", "t == 'x' and n == 0",
        "m > 1 if s == 'A' else m <= 1", "(m + 1) * (m - 1) >= 0", "s in ('A', 'B')",
    ],
)
def test_columnar_equals_closure(source: str) -> None:
    """Values agree where the closure returns; risk is set exactly where it raises."""
    scalar, columnar, risk_ok = _both(source)
    assert all(risk_ok), (source, scalar, columnar)
    for s, c, ok in zip(scalar, columnar, risk_ok, strict=True):
        if ok and s is not None and not isinstance(s, bool):
            assert Decimal(s) == c, (source, s, c)
        elif s is not None:
            assert s == (c if c is not None else False), (source, s, c)


def test_truthiness_reads_none_as_false() -> None:
    """A None bool is false in conditions, never an error and never 'unknown'."""
    node = parse("b")
    col = compile_columnar(node, SCHEMA, FRAME.schema, {}, FUNCTIONS, _no_call)
    assert FRAME.select(truthy(col)).to_series().to_list() == [True, False, False, False]


@pytest.mark.parametrize("source", ["m / 3", "m / n"])
def test_division_python_would_round_is_left_to_the_scalar_engine(source: str) -> None:
    """Division by a number like 3 or by a column is not compiled (Python rounds)."""
    with pytest.raises(NotColumnar):
        compile_columnar(parse(source), SCHEMA, FRAME.schema, {}, FUNCTIONS, _no_call)


HIT_PACK: dict[str, Any] = {
    "name": "hits", "version": "1",
    "decisions": {
        "pick": {"hit_policy": "priority", "outputs": {"v": {"type": "number"}},
                 "default": {"v": 0},
                 "rules": [{"id": "low", "when": "customer.category == 'residential'",
                            "outputs": {"v": "=customer.supply_voltage_kv * 2"}, "priority": 1},
                           {"id": "high", "when": "customer.supply_voltage_kv < 1",
                            "outputs": {"v": 5}, "priority": 2}]},
        "all": {"hit_policy": "collect", "outputs": {"v": {"type": "number"}},
                "rules": [{"id": "a", "when": "pick.v >= 5"}, {"id": "b", "when": "True"}]},
        "one": {"hit_policy": "unique", "outputs": {"v": {"type": "str", "nullable": True}},
                "default": {"v": None},
                "rules": [{"id": "x", "when": "customer.category == 'other'",
                           "outputs": {"v": "x"}},
                          {"id": "y", "when": "customer.supply_voltage_kv >= 10",
                           "outputs": {"v": "y"}}]},
        "perks": {"emits": "entitlement", "hit_policy": "collect",
                  "outputs": {"amount": {"type": "number"}, "flag": {"type": "bool"}},
                  "rules": [{"id": "E1", "when": "pick.v >= 1",
                             "outputs": {"code": "e1", "level": "granted",
                                         "amount": "=customer.supply_voltage_kv * 100 / 4"}},
                            {"id": "E2", "when": "True",
                             "outputs": {"code": "e2", "level": "suggested", "flag": True}}]},
    },
}


def test_hit_policies_and_entitlements_equal_scalar() -> None:
    """priority, collect, unique (a double match is the engine's error) and entitlements."""
    from batch_helpers import assert_equivalent, tables

    engine = gr.Engine.from_packs([HIT_PACK])
    histories = [
        ({"id": "R", "category": "residential", "supply_voltage_kv": "0.22"}, []),
        ({"id": "L", "category": "lv_commercial", "supply_voltage_kv": "0.38"}, []),
        ({"id": "O", "category": "other", "supply_voltage_kv": "10"}, []),  # unique: 2 hits
        ({"id": "D", "category": "dedicated_transformer", "supply_voltage_kv": "35"}, []),
    ]
    got = assert_equivalent(engine, histories, "2026-11-22")
    # O: two rules match the unique table -- a part error; O's other decisions stand
    assert got.get_column("path").to_list() == ["columnar", "columnar", "scalar", "columnar"]
    assert got.get_column("pick_rule_ids").to_list() == [["high"], ["high"], [], []]
    errors = engine.evaluate_batch(*tables(histories), as_of="2026-11-22").errors
    assert errors.select("source", "customer_id", "loc", "type").rows() == [
        ("decisions", "O", "hits.one", "unique_violated")]


def test_pydantic_inf_nan_marker_is_understood_in_every_pydantic_version() -> None:
    """Decimal fields that forbid inf/nan stay columnar (2.13 and 2.14 mark it differently)."""
    from gridcrm_rules.batch._fields import field_specs
    from gridcrm_rules.models import Customer

    specs = field_specs(Customer)
    assert specs["supply_voltage_kv"].kind == "decimal"
    assert specs["transformer_kva"].kind == "decimal"
