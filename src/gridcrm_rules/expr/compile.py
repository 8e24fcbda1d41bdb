"""Phase 3 (scalar backend): IR -> a Python closure over an environment dict.

The environment maps canonical names (``customer.category``, ``arrears_amount``,
``params.prepay_rate``) to values, plus ``CONTEXT_KEY`` for functions that need
the engine (the calendar).  No ``eval``: each node becomes a small closure.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final

from ..errors import EvaluationError
from . import ir
from .check import Schema
from .functions import FunctionSpec

__all__ = ["CONTEXT_KEY", "Compiled", "compile_expr"]

CONTEXT_KEY: Final = "__context__"
Env = Mapping[str, Any]
Compiled = Callable[[Env], Any]

_CMP: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _divide(a: Any, b: Any) -> Any:
    if b == 0:
        raise EvaluationError("division by zero")
    return Decimal(a) / Decimal(b)


_ARITH: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
}


def _missing(what: str) -> EvaluationError:
    return EvaluationError(f"{what} is None (missing value) where a value is needed")


def compile_expr(node: ir.Node, schema: Schema, functions: Mapping[str, FunctionSpec]) -> Compiled:
    """Compile checked IR into a closure ``env -> value``."""

    def c(n: ir.Node) -> Compiled:
        match n:
            case ir.Const(value=v):
                return lambda env: v
            case ir.Name(name=name):
                key = schema[name].key
                return lambda env: env[key]
            case ir.Not(operand=ir.Name(name=name)):
                key = schema[name].key
                return lambda env: not env[key]
            case ir.Not(operand=o):
                f = c(o)
                return lambda env: not f(env)
            case ir.BoolOp(op=op, operands=ops):
                return _boolean(op, tuple(c(o) for o in ops))
            case ir.IsNone(operand=o, negated=neg):
                f = c(o)
                return (lambda env: f(env) is not None) if neg else (lambda env: f(env) is None)
            case ir.In(operand=o, items=items, negated=neg):
                f = c(o)
                values = frozenset(i.value for i in items)
                if neg:
                    return lambda env: f(env) not in values
                return lambda env: f(env) in values
            case ir.Compare():
                return _compare(n, c, schema)
            case ir.Neg(operand=o):
                f = c(o)
                return lambda env: _neg(f(env))
            case ir.BinOp(op=op, left=left, right=right):
                fl, fr, fn = c(left), c(right), _ARITH[op]

                def arith(env: Env) -> Any:
                    a, b = fl(env), fr(env)
                    if a is None or b is None:
                        raise _missing(f"an operand of '{op}'")
                    return fn(a, b)

                return arith
            case ir.IfExp(test=t, body=b, orelse=e):
                ft, fb, fe = c(t), c(b), c(e)
                return lambda env: fb(env) if ft(env) else fe(env)
            case ir.Call(func=fname, args=args):
                spec = functions[fname]
                fargs = tuple(c(a) for a in args)
                impl = spec.impl
                if spec.needs_context:
                    return lambda env: impl(env[CONTEXT_KEY], *(f(env) for f in fargs))
                return lambda env: impl(*(f(env) for f in fargs))
        raise AssertionError(f"unhandled node {n!r}")  # pragma: no cover

    return c(node)


def _neg(value: Any) -> Any:
    if value is None:
        raise _missing("the operand of unary '-'")
    return -value


def _boolean(op: str, fs: tuple[Compiled, ...]) -> Compiled:
    """``and``/``or`` with short-circuit; unrolled for the common small arities."""
    if op == "and":
        if len(fs) == 2:
            a, b = fs
            return lambda env: bool(a(env) and b(env))
        if len(fs) == 3:
            a, b, d = fs
            return lambda env: bool(a(env) and b(env) and d(env))
        return lambda env: all(f(env) for f in fs)
    if len(fs) == 2:
        a, b = fs
        return lambda env: bool(a(env) or b(env))
    if len(fs) == 3:
        a, b, d = fs
        return lambda env: bool(a(env) or b(env) or d(env))
    return lambda env: any(f(env) for f in fs)


def _name_vs_const(key: str, sym: str, const: Any) -> Compiled:
    """``name <op> literal`` for a name that can never be None: one closure, no calls."""
    match sym:
        case "==":
            return lambda env: env[key] == const
        case "!=":
            return lambda env: env[key] != const
        case "<":
            return lambda env: env[key] < const
        case "<=":
            return lambda env: env[key] <= const
        case ">":
            return lambda env: env[key] > const
        case _:
            return lambda env: env[key] >= const


def _compare(n: ir.Compare, c: Callable[[ir.Node], Compiled], schema: Schema) -> Compiled:
    if (
        len(n.ops) == 1
        and isinstance(n.left, ir.Name)
        and isinstance(n.comparators[0], ir.Const)
        and not schema[n.left.name].type.nullable
    ):
        return _name_vs_const(schema[n.left.name].key, n.ops[0], n.comparators[0].value)
    fs = [c(x) for x in (n.left, *n.comparators)]
    ops = [(_CMP[o], o) for o in n.ops]
    if len(ops) == 1:
        (fn, sym), fl, fr = ops[0], fs[0], fs[1]
        if sym in ("==", "!="):
            return lambda env: fn(fl(env), fr(env))

        def ordered(env: Env) -> bool:
            a, b = fl(env), fr(env)
            if a is None or b is None:
                raise _missing(f"an operand of '{sym}'")
            return fn(a, b)

        return ordered

    def chained(env: Env) -> bool:
        left = fs[0](env)
        for (fn, sym), f in zip(ops, fs[1:], strict=True):
            right = f(env)
            if sym not in ("==", "!=") and (left is None or right is None):
                raise _missing(f"an operand of '{sym}'")
            if not fn(left, right):
                return False
            left = right
        return True

    return chained
