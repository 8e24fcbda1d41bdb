"""Phase 3 of the condition language: compiled closures and their run-time errors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from gridcrm_rules.errors import EvaluationError
from gridcrm_rules.expr import Binding, Checker, Type, compile_expr, parse
from gridcrm_rules.expr.types import BOOL, DATE, NUMBER, STR
from gridcrm_rules.functions import FUNCTIONS

SCHEMA = {
    "a": Binding("a", BOOL),
    "b": Binding("b", BOOL),
    "x": Binding("x", NUMBER),
    "y": Binding("y", NUMBER.or_none()),
    "d": Binding("d", DATE.or_none()),
    "cutoff": Binding("cutoff", DATE),
    "category": Binding("customer.category", Type.enum("residential", "other")),
    "customer.category": Binding("customer.category", Type.enum("residential", "other")),
    "s": Binding("s", STR),
}


def run(source: str, env: Mapping[str, Any]) -> Any:
    node = parse(source)
    checker = Checker(SCHEMA, FUNCTIONS, source, ())
    checker.check(node)
    assert checker.errors == []
    return compile_expr(node, SCHEMA, FUNCTIONS)(env)


ENV: dict[str, Any] = {
    "a": True,
    "b": False,
    "x": Decimal("10"),
    "y": None,
    "d": date(2026, 9, 30),
    "cutoff": date(2026, 10, 31),
    "customer.category": "residential",
    "s": "abc",
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a and b", False),
        ("a or b", True),
        ("not b", True),
        ("not a or b", False),
        ("a and not b and x > 5", True),
        ("0 < x <= 10", True),
        ("0 < x < 10", False),
        ("1 < 2 < x < 11", True),
        ("x == 10 != 11", True),
        ('category in ("residential", "other")', True),
        ('customer.category not in ("residential",)', False),
        ("x in (1, 10)", True),
        ("y is None", True),
        ("d is not None", True),
        ("d < cutoff", True),
        ("(1 if a else 2) == 1", True),
        ("(1 if b else 2) == 1", False),
        ('s == "abc"', True),
    ],
)
def test_compiled_conditions(source: str, expected: bool) -> None:
    """and/or/not, chained comparisons, in, is None and if-else evaluate like Python."""
    assert run(source, ENV) is expected


def test_bare_alias_reads_the_canonical_key() -> None:
    """A bare name bound to a canonical key reads that key from the environment."""
    assert run('category == "residential"', {**ENV, "category": "other"}) is True


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x + 0.1", Decimal("10.1")),
        ("x - 0.25 * 2", Decimal("9.50")),
        ("x / 4", Decimal("2.5")),
        ("round_money(x / 3 * 3)", Decimal("10.00")),
        ("-x + 1", Decimal("-9")),
        ("min(x, 3, 7)", 3),
        ("max(x, 3)", Decimal("10")),
        ("abs(-x)", Decimal("10")),
        ("round_money(x / 3)", Decimal("3.33")),
        ("round_money(0.125)", Decimal("0.13")),
        ("round_money(-0.125)", Decimal("-0.13")),
    ],
)
def test_arithmetic_is_exact_decimal(source: str, expected: Decimal) -> None:
    """Arithmetic uses Decimal (no float drift); round_money rounds half-up to 0.01."""
    result = run(source, ENV)
    assert result == expected
    assert not isinstance(result, float)


def test_point_one_plus_point_two_is_exact() -> None:
    """0.1 + 0.2 == 0.3 exactly: literals are Decimals, never binary floats."""
    assert run("0.1 + 0.2 == 0.3", ENV) is True


def test_division_by_zero_is_an_evaluation_error() -> None:
    """Division by zero raises EvaluationError, not ZeroDivisionError."""
    with pytest.raises(EvaluationError, match="division by zero"):
        run("x / (x - 10) > 1", ENV)


def test_arithmetic_on_missing_value_is_an_evaluation_error() -> None:
    """Arithmetic on None raises EvaluationError naming the operator."""
    with pytest.raises(EvaluationError, match=r"an operand of '\+' is None"):
        run("y + 1 > 0", ENV)


def test_ordering_a_missing_value_is_an_evaluation_error() -> None:
    """``<`` with None raises EvaluationError (== with None is fine)."""
    with pytest.raises(EvaluationError, match="missing value"):
        run("y < 1", ENV)
    assert run("y == None", ENV) is True


def test_chained_ordering_with_missing_value_is_an_evaluation_error() -> None:
    """A chained comparison with None in an ordered position raises EvaluationError."""
    with pytest.raises(EvaluationError, match="missing value"):
        run("0 < y < 1", ENV)


def test_negating_a_missing_value_is_an_evaluation_error() -> None:
    """Unary minus on None raises EvaluationError."""
    with pytest.raises(EvaluationError, match="unary '-'"):
        run("-y > 0", ENV)


def test_and_short_circuits() -> None:
    """``and`` stops at the first false operand (a later division by zero is not evaluated)."""
    assert run("b and x / 0 > 1", ENV) is False
    assert run("a or x / 0 > 1", ENV) is True


def test_if_else_evaluates_only_the_taken_branch() -> None:
    """Only the selected branch of an if-else is evaluated."""
    assert run("(x / 0 if b else 1) == 1", ENV) is True


def test_compiled_closure_is_reusable_across_environments() -> None:
    """One compiled closure gives independent results for different environments."""
    node = parse("x > 5")
    fn = compile_expr(node, SCHEMA, FUNCTIONS)
    assert [fn({"x": Decimal(v)}) for v in ("4", "6", "5")] == [False, True, False]
