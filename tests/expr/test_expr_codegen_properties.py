"""Generated code agrees with a naive interpreter on random expressions (hypothesis).

The scalar backend turns IR into Python code (``expr/compile.py``) and fuses a
table into one function (``engine/kernel.py``).  Both must keep the language's
semantics exactly: values *and types* (``and`` gives a bool, not an operand),
short-circuiting, the EvaluationError on None in ordered comparisons and
arithmetic, division by zero, and chained comparisons evaluating each operand
once.  The oracle is ``tests/expr/expr_reference.py``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from expr_reference import interpret, outcome
from expr_strategies import SCHEMA, P, bool_exprs, environments, num_exprs
from expr_strategies import const as _const
from hypothesis import example, given, settings

from gridcrm_rules.expr import compile_expr, ir
from gridcrm_rules.expr.compile import GeneratedFunction
from gridcrm_rules.expr.types import NUMBER
from gridcrm_rules.functions import FUNCTIONS

NULL_AND = ir.BoolOp("and", (ir.Name("b", P), ir.Name("a", P)), P)
ENV0 = {"a": True, "b": None, "x": 0, "y": None, "customer.s": "p"}


@settings(max_examples=400)  # cheap: no engine, one compile per example
@given(node=bool_exprs, env=environments)
@example(node=NULL_AND, env=ENV0)  # ``None and True`` is None; the language says False
@example(node=ir.Compare(_const(0), ("<", "<"), (ir.Name("y", P), _const(1)), P), env=ENV0)
def test_conditions_match_the_reference(node: ir.Node, env: dict[str, Any]) -> None:
    """A random condition gives the oracle's value and type, or the oracle's error."""
    fn = compile_expr(node, SCHEMA, FUNCTIONS)
    assert outcome(lambda: fn(env)) == outcome(lambda: interpret(node, env, SCHEMA, FUNCTIONS))


@settings(max_examples=400)
@given(node=num_exprs, cond=bool_exprs, env=environments)
def test_numbers_and_if_else_match_the_reference(
    node: ir.Node, cond: ir.Node, env: dict[str, Any]
) -> None:
    """Arithmetic, functions and ``x if c else y`` give the oracle's value or error."""
    tree = ir.IfExp(cond, node, ir.Neg(node, P), P)
    fn = compile_expr(tree, SCHEMA, FUNCTIONS)
    assert outcome(lambda: fn(env)) == outcome(lambda: interpret(tree, env, SCHEMA, FUNCTIONS))


def test_chained_comparison_evaluates_the_middle_operand_once() -> None:
    """``0 < f() < 2`` calls f once (a temporary holds it), as Python does."""
    calls: list[Any] = []

    def spy(value: Any) -> Any:
        calls.append(value)
        return value

    functions = {**FUNCTIONS, "abs": FUNCTIONS["abs"].__class__(
        "abs", FUNCTIONS["abs"].params, NUMBER, spy, "spy")}
    node = ir.Compare(_const(0), ("<", "<"), (ir.Call("abs", (ir.Name("x", P),), P), _const(2)), P)
    assert compile_expr(node, SCHEMA, functions)({"x": Decimal(1)}) is True
    assert calls == [Decimal(1)]


def test_generated_code_has_no_builtins() -> None:
    """The generated function's globals hold no builtins: only what the emitter bound."""
    fn = compile_expr(ir.Name("a", P), SCHEMA, FUNCTIONS)
    assert isinstance(fn, GeneratedFunction)
    assert fn.function.__globals__["__builtins__"] == {}


def test_a_formula_is_compiled_on_its_first_call_only() -> None:
    """``compile_expr`` defers Python's compilation (most rule functions are never run:
    evaluations run the decision kernels) and compiles once."""
    fn = compile_expr(ir.Name("a", P), SCHEMA, FUNCTIONS)
    assert isinstance(fn, GeneratedFunction)
    assert "not compiled yet" in repr(fn)
    assert fn({"a": True}) is True
    compiled = fn.function
    assert "(compiled)" in repr(fn)
    assert fn({"a": False}) is False
    assert fn.function is compiled
