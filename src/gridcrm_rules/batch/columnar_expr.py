"""Phase 3 (columnar backend): IR -> polars expressions.

Each node compiles to a :class:`Col`: the value expression, its kind and, for
numbers, the decimal scale, plus a *risk* expression -- true on rows where the
scalar closure would raise (an ordered comparison or arithmetic on None,
``min``/``max`` of None).  Risk follows Python's short-circuit order, so a guard
such as ``x is not None and x > 3`` carries no risk.  Rows with risk are decided
by the scalar engine, which raises the same error the user would get from
``Engine.evaluate``.

Mapping: ``and/or/not`` -> ``& | ~`` on values with None read as false (never
Python truthiness); chained comparisons -> a conjunction; ``==``/``!=`` ->
``eq_missing``/``ne_missing`` (None == None is true, as in Python); ``in`` ->
``is_in``; ``x if c else y`` -> ``when/then/otherwise``; names -> ``pl.col(key)``.
Numbers are exact decimals: ``*`` first widens both operands to the sum of their
scales, as Python's Decimal keeps every digit.  Functions: ``min``, ``max``,
``abs``, ``round_money`` are polars expressions; any other call whose arguments
are all constant (e.g. ``end_of_month(as_of)``) is computed once at compile
time.  What is not supported here (``/``, a deadline function of a column)
raises :class:`NotColumnar`, and the decision is left to the scalar engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, Literal

import polars as pl

from ..errors import NotColumnar
from ..expr import ir, numbers
from ..expr.check import Binding
from ..expr.functions import FunctionSpec
from ..expr.numbers import engine_context
from ._catalog import TZ

__all__ = ["Col", "ColKind", "NotColumnar", "compile_columnar", "literal", "truthy"]

ColKind = Literal["bool", "num", "str", "date", "datetime", "null"]
DT: Final = pl.Datetime("us", TZ)
_FALSE: Final = pl.lit(False)


@dataclass(frozen=True, slots=True)
class Col:
    """A compiled node: value, kind, decimal scale (numbers) and risk of raising."""

    expr: pl.Expr
    kind: ColKind
    scale: int = 0
    risk: pl.Expr | None = None
    const: bool = False
    value: Any = None
    nullable: bool = True


def _or(*parts: pl.Expr | None) -> pl.Expr | None:
    """Disjunction of risks; None (no risk) when every part is None."""
    real = [p for p in parts if p is not None]
    if not real:
        return None
    out = real[0]
    for p in real[1:]:
        out = out | p
    return out


def _and(guard: pl.Expr, risk: pl.Expr | None) -> pl.Expr | None:
    return None if risk is None else guard & risk


def _null(c: Col) -> pl.Expr | None:
    """Where a value is None (only for columns that may hold None)."""
    return c.expr.is_null() if c.nullable and not c.const else (
        pl.lit(True) if c.const and c.value is None else None)


def truthy(c: Col) -> pl.Expr:
    """Python truthiness of a bool column: None is false."""
    if c.kind == "null":
        return _FALSE
    return c.expr.fill_null(False) if c.nullable else c.expr


def literal(value: Any) -> Col:
    """A constant as a typed column."""
    if value is None:
        return Col(pl.lit(None), "null", const=True, value=None)
    if isinstance(value, bool):
        return Col(pl.lit(value, pl.Boolean), "bool", const=True, value=value, nullable=False)
    if isinstance(value, int | Decimal):
        d = Decimal(value)
        scale = max(0, -int(d.as_tuple().exponent))
        return Col(pl.lit(d, pl.Decimal(38, scale)), "num", scale, const=True, value=value,
                   nullable=False)
    if isinstance(value, str):
        return Col(pl.lit(value, pl.String), "str", const=True, value=value, nullable=False)
    if isinstance(value, datetime):
        return Col(pl.lit(value).cast(DT), "datetime", const=True, value=value, nullable=False)
    if isinstance(value, date):
        return Col(pl.lit(value, pl.Date), "date", const=True, value=value, nullable=False)
    raise NotColumnar(f"constant of type {type(value).__name__}")


def _kind_of(dtype: pl.DataType) -> tuple[ColKind, int]:
    if dtype == pl.Boolean:
        return "bool", 0
    if isinstance(dtype, pl.Decimal):
        return "num", dtype.scale or 0
    if dtype.is_integer():
        return "num", 0
    if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum):
        return "str", 0
    if dtype == pl.Date:
        return "date", 0
    if isinstance(dtype, pl.Datetime):
        return "datetime", 0
    if dtype == pl.Null:
        return "null", 0
    raise NotColumnar(f"column type {dtype}")


def _num(c: Col, scale: int) -> pl.Expr:
    return c.expr.cast(pl.Decimal(38, scale))


def compile_columnar(
    node: ir.Node,
    schema: Mapping[str, Binding],
    columns: Mapping[str, pl.DataType],
    constants: Mapping[str, Any],
    functions: Mapping[str, FunctionSpec],
    call_constant: Callable[[FunctionSpec, tuple[Any, ...]], Any],
) -> Col:
    """Compile checked IR over a frame whose columns are named by canonical keys.

    ``constants`` holds keys that are the same on every row (``params.*``,
    ``as_of``, ``cutoff``); ``call_constant`` evaluates a function on constant
    arguments (it may raise NotColumnar).
    """

    def name(n: ir.Name) -> Col:
        key = schema[n.name].key
        if key in constants:
            return literal(constants[key])
        if key not in columns:
            raise NotColumnar(f"{key} has no column")
        kind, scale = _kind_of(columns[key])
        return Col(pl.col(key), kind, scale, nullable=schema[n.name].type.nullable)

    def c(n: ir.Node) -> Col:
        match n:
            case ir.Const(value=v):
                return literal(v)
            case ir.Name():
                return name(n)
            case ir.Not(operand=o):
                x = c(o)
                return Col(~truthy(x), "bool", risk=x.risk, nullable=False)
            case ir.BoolOp(op=op, operands=ops):
                return _boolop(op, [c(o) for o in ops])
            case ir.IsNone(operand=o, negated=neg):
                x = c(o)
                test = x.expr.is_not_null() if neg else x.expr.is_null()
                if x.kind == "null":
                    test = pl.lit(neg)
                return Col(test, "bool", risk=x.risk, nullable=False)
            case ir.In(operand=o, items=items, negated=neg):
                return _membership(c(o), items, neg)
            case ir.Compare():
                return _compare(n, [c(x) for x in (n.left, *n.comparators)])
            case ir.Neg(operand=o):
                x = c(o)
                return Col(-x.expr, "num", x.scale, _or(x.risk, _null(x)), nullable=x.nullable)
            case ir.BinOp(op=op, left=left, right=right):
                return _arith(op, c(left), c(right))
            case ir.IfExp(test=t, body=b, orelse=e):
                return _ifexp(c(t), c(b), c(e))
            case ir.Call(func=fname, args=args):
                return _call(functions[fname], [c(a) for a in args], call_constant)
        raise AssertionError(f"unhandled node {n!r}")  # pragma: no cover

    return c(node)


def _boolop(op: str, parts: list[Col]) -> Col:
    """``all``/``any`` with Python's short-circuit: later risks only where reached."""
    reached: pl.Expr | None = None
    risk: pl.Expr | None = None
    value: pl.Expr | None = None
    for part in parts:
        risk = _or(risk, part.risk if reached is None else _and(reached, part.risk))
        t = truthy(part)
        step = t if op == "and" else ~t
        reached = step if reached is None else reached & step
        value = t if value is None else ((value & t) if op == "and" else (value | t))
    assert value is not None
    return Col(value, "bool", risk=risk, nullable=False)


def _membership(x: Col, items: tuple[ir.Const, ...], negated: bool) -> Col:
    values = [i.value for i in items]
    non_null = [v for v in values if v is not None]
    if x.kind == "null":
        hit = pl.lit(None in values)
    else:
        if x.kind == "num":
            items_c = [literal(v) for v in non_null if not isinstance(v, bool)]
            scale = max([x.scale, *(i.scale for i in items_c)])
            hit = pl.any_horizontal([_num(x, scale) == _num(i, scale) for i in items_c]
                                    or [_FALSE])
        elif x.kind == "bool":
            hit = pl.any_horizontal([x.expr == pl.lit(v) for v in non_null] or [_FALSE])
        else:
            hit = x.expr.is_in(pl.lit(pl.Series([str(v) for v in non_null], dtype=pl.String))
                               .implode())
        hit = hit.fill_null(False)
        if None in values:
            hit = hit | x.expr.is_null()
    return Col(~hit if negated else hit, "bool", risk=x.risk, nullable=False)


def _pair(op: str, a: Col, b: Col) -> tuple[pl.Expr, pl.Expr | None]:
    """(value, risk) of one comparison ``a op b``."""
    if op in ("==", "!="):
        if a.kind == "null" or b.kind == "null":
            other = b if a.kind == "null" else a
            same = other.expr.is_null() if other.kind != "null" else pl.lit(True)
            return (same if op == "==" else ~same), None
        if a.kind != b.kind:  # Python: values of different kinds are never equal
            return pl.lit(op == "!="), None
        ea, eb = a.expr, b.expr
        if a.kind == "num":
            scale = max(a.scale, b.scale)
            ea, eb = _num(a, scale), _num(b, scale)
        if not a.nullable and not b.nullable:
            return (ea == eb) if op == "==" else (ea != eb), None
        value = ea.eq_missing(eb) if op == "==" else ea.ne_missing(eb)
        return value, None
    if a.kind == "null" or b.kind == "null":
        raise NotColumnar("ordered comparison with None")
    ea, eb = a.expr, b.expr
    if a.kind == "num":
        scale = max(a.scale, b.scale)
        ea, eb = _num(a, scale), _num(b, scale)
    ops = {"<": ea.lt, "<=": ea.le, ">": ea.gt, ">=": ea.ge}
    return ops[op](eb), _or(_null(a), _null(b))


def _compare(n: ir.Compare, cols: list[Col]) -> Col:
    reached: pl.Expr | None = None
    risk: pl.Expr | None = cols[0].risk
    value: pl.Expr | None = None
    for i, op in enumerate(n.ops):
        left, right = cols[i], cols[i + 1]
        v, r = _pair(op, left, right)
        risk = _or(risk, right.risk if reached is None else _and(reached, right.risk),
                   r if reached is None else _and(reached, r))
        if left.nullable or right.nullable:
            v = v.fill_null(False)
        value = v if value is None else value & v
        reached = value
    assert value is not None
    return Col(value, "bool", risk=risk, nullable=False)


def _terminating_inverse(value: Any) -> Decimal | None:
    """1/d as an exact decimal when d = 2^a * 5^b (e.g. 2, 4, 100), else None."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value == 0:
        return None
    inverse = Decimal(1) / Decimal(value)
    return inverse if inverse * Decimal(value) == 1 and len(inverse.as_tuple().digits) < 20 \
        else None


def _arith(op: str, a: Col, b: Col) -> Col:
    if a.kind != "num" or b.kind != "num":
        raise NotColumnar("arithmetic on a non-number")
    risk = _or(a.risk, b.risk, _null(a), _null(b))
    nullable = a.nullable or b.nullable
    if op == "/":
        inverse = _terminating_inverse(b.value) if b.const else None
        if inverse is None:
            raise NotColumnar("division by a column or by a number like 3 (the quotient is "
                              "rounded to 28 digits)")
        product = _arith("*", a, literal(inverse))
        # a quotient of more than 28 digits is rounded by the definition: scalar decides it
        digits = numbers.QUOTIENT_DIGITS - product.scale
        bound = _beyond(product.expr, Decimal(10) ** digits if digits > 0 else Decimal(0))
        return Col(product.expr, "num", product.scale, _or(product.risk, bound),
                   nullable=product.nullable)
    if op == "*":
        scale = a.scale + b.scale
        value = _num(a, scale) * _num(b, scale)
    else:
        scale = max(a.scale, b.scale)
        value = _num(a, scale) + _num(b, scale) if op == "+" else _num(a, scale) - _num(b, scale)
    return Col(value, "num", scale, _or(risk, _beyond(value, numbers.LIMIT)), nullable=nullable)


def _beyond(value: pl.Expr, bound: Decimal) -> pl.Expr:
    """Where a result breaks the number limits (expr/numbers.py): the scalar engine raises
    ``number_out_of_range`` there, so those rows are its to decide."""
    return value.abs() >= pl.lit(bound, pl.Decimal(38, 0))


def _ifexp(t: Col, b: Col, e: Col) -> Col:
    test = truthy(t)
    risk = _or(t.risk, _and(test, b.risk), _and(~test, e.risk))
    kinds = {b.kind, e.kind} - {"null"}
    if len(kinds) > 1:
        raise NotColumnar("branches of different kinds")
    kind = kinds.pop() if kinds else "null"
    eb, ee = b.expr, e.expr
    scale = max(b.scale, e.scale)
    if kind == "num":
        eb = _num(b, scale) if b.kind == "num" else eb
        ee = _num(e, scale) if e.kind == "num" else ee
    return Col(pl.when(test).then(eb).otherwise(ee), kind, scale, risk,
               nullable=b.nullable or e.nullable)


def _call(
    spec: FunctionSpec, args: list[Col], call_constant: Callable[[FunctionSpec, tuple[Any, ...]],
                                                                 Any]
) -> Col:
    risk = _or(*(a.risk for a in args))
    if all(a.const for a in args):
        try:
            return literal(call_constant(spec, tuple(a.value for a in args)))
        except Exception as exc:  # the scalar engine will raise it per row, with its location
            raise NotColumnar(f"{spec.name}() raises: {exc}") from None
    if spec.name in ("min", "max"):
        if any(a.kind != "num" for a in args):
            raise NotColumnar(f"{spec.name}() of a non-number")
        scale = max(a.scale for a in args)
        fn = pl.min_horizontal if spec.name == "min" else pl.max_horizontal
        return Col(fn([_num(a, scale) for a in args]), "num", scale,
                   _or(risk, *(_null(a) for a in args)), nullable=False)
    if spec.name == "abs" and args[0].kind == "num":
        a = args[0]
        return Col(a.expr.abs(), "num", a.scale, _or(risk, _null(a)), nullable=a.nullable)
    if spec.name == "round_money" and args[0].kind == "num":
        a = args[0]
        value = _num(a, max(a.scale, 2)).round(2, mode="half_away_from_zero")
        return Col(value.cast(pl.Decimal(38, 2)), "num", 2, _or(risk, _null(a)),
                   nullable=a.nullable)
    return _python_call(spec, args, call_constant, risk)


_RETURNS: Final[dict[str, tuple[ColKind, pl.DataType]]] = {
    "number": ("num", pl.Decimal(38, 9)), "bool": ("bool", pl.Boolean()),
    "str": ("str", pl.String()), "date": ("date", pl.Date()), "datetime": ("datetime", DT),
}
_NINE: Final = Decimal("1e-9")


def _python_call(
    spec: FunctionSpec, args: list[Col], call: Callable[[FunctionSpec, tuple[Any, ...]], Any],
    risk: pl.Expr | None,
) -> Col:
    """A whitelisted function the backend has no expression for: called row by row.

    The result is a struct of the value and a flag set where the call raised (or
    gave a value the column cannot hold exactly); flagged rows go to the scalar
    engine, which raises the same error with the rule's location.
    """
    if spec.returns.kind.value not in _RETURNS:
        raise NotColumnar(f"{spec.name}() returns {spec.returns}")
    kind, dtype = _RETURNS[spec.returns.kind.value]
    names = [f"a{i}" for i in range(len(args))]
    out_type = pl.Struct({"v": dtype, "e": pl.Boolean})

    def run(batch: pl.Series) -> pl.Series:
        with engine_context():  # polars calls this in its own threads
            return _run(batch)

    def _run(batch: pl.Series) -> pl.Series:
        values: list[Any] = []
        failed: list[bool] = []
        for row in batch.to_list():
            try:
                got = call(spec, tuple(row[n] for n in names))
                if isinstance(got, Decimal) and got != got.quantize(_NINE):
                    raise ValueError("more than 9 decimal places")
            except Exception:  # routed to the scalar engine, which reports it
                got, bad = None, True
            else:
                bad = False
            values.append(got)
            failed.append(bad)
        return pl.DataFrame({"v": pl.Series(values, dtype=dtype),
                             "e": pl.Series(failed, dtype=pl.Boolean)}).to_struct()

    packed = pl.struct([a.expr.alias(n) for a, n in zip(args, names, strict=True)])
    result = packed.map_batches(run, return_dtype=out_type)
    scale = 9 if kind == "num" else 0
    return Col(result.struct.field("v"), kind, scale, _or(risk, result.struct.field("e")))
