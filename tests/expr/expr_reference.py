"""A deliberately naive tree-walking interpreter of the condition IR (test oracle).

It states the language's semantics node by node, with no shortcuts, so that the
generated code of ``expr/compile.py`` and ``engine/kernel.py`` can be checked
against it on random trees and environments.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from gridcrm_rules.errors import EvaluationError
from gridcrm_rules.expr import Binding, ir, numbers
from gridcrm_rules.expr.functions import FunctionSpec

_CMP: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def _missing(what: str) -> EvaluationError:
    return EvaluationError(f"{what} is None (missing value) where a value is needed")


def interpret(
    node: ir.Node,
    env: Mapping[str, Any],
    schema: Mapping[str, Binding],
    functions: Mapping[str, FunctionSpec],
    context: Any = None,
) -> Any:
    """The value of ``node`` in ``env``, or the exception the language raises."""

    def ev(n: ir.Node) -> Any:
        match n:
            case ir.Const(value=v):
                return v
            case ir.Name(name=name):
                return env[schema[name].key]
            case ir.Not(operand=o):
                return not ev(o)
            case ir.BoolOp(op="and", operands=ops):
                return all(ev(o) for o in ops)
            case ir.BoolOp(operands=ops):
                return any(ev(o) for o in ops)
            case ir.IsNone(operand=o, negated=neg):
                return (ev(o) is not None) if neg else (ev(o) is None)
            case ir.In(operand=o, items=items, negated=neg):
                found = ev(o) in {i.value for i in items}
                return not found if neg else found
            case ir.Compare(left=left, ops=ops, comparators=comps):
                a = ev(left)
                for op, c in zip(ops, comps, strict=True):
                    b = ev(c)
                    if op not in ("==", "!=") and (a is None or b is None):
                        raise _missing(f"an operand of '{op}'")
                    if not _CMP[op](a, b):
                        return False
                    a = b
                return True
            case ir.Neg(operand=o):
                v = ev(o)
                if v is None:
                    raise _missing("the operand of unary '-'")
                return numbers.negate(v)
            case ir.BinOp(op=op, left=left, right=right):
                a, b = ev(left), ev(right)
                if a is None or b is None:
                    raise _missing(f"an operand of '{op}'")
                # the number semantics have one definition (expr/numbers.py, docs/conditions.md)
                return {"+": numbers.add, "-": numbers.subtract, "*": numbers.multiply,
                        "/": numbers.divide}[op](a, b)
            case ir.IfExp(test=t, body=b, orelse=e):
                return ev(b) if ev(t) else ev(e)
            case ir.Call(func=f, args=args):
                spec = functions[f]
                values = [ev(a) for a in args]
                return spec.impl(context, *values) if spec.needs_context else spec.impl(*values)
        raise AssertionError(n)

    return ev(node)


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    """``("value", (type, value))`` or ``("error", (type, message))`` of calling ``fn``."""
    try:
        value = fn()
    except Exception as exc:
        return "error", (type(exc).__name__, str(exc))
    return "value", (type(value).__name__, value)
