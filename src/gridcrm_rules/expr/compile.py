"""Phase 3 (scalar backend): IR -> a Python function over an environment dict.

The environment maps canonical names (``customer.category``, ``arrears_amount``,
``params.prepay_rate``) to values, plus ``CONTEXT_KEY`` for functions that need
the engine (the calendar).

Checked IR is translated node by node into a Python ``ast`` expression and
compiled with the built-in :func:`compile` into one function, so a condition
costs what the same hand-written expression costs, not a call per node.  The
pack's text never reaches ``eval`` or ``exec``: the tree is built here from IR
nodes only, every leaf is a constant or a name in a private namespace
(:class:`PyEmitter`), and the function is made from the code object directly.
The engine's scalar step (:mod:`gridcrm_rules.engine.step`) fuses a whole
decision table into one such function with the same emitter.

Semantics are Python's, with one rule for missing values: an ordered comparison
(``< <= > >=``), arithmetic or unary minus on ``None`` raises
:class:`~gridcrm_rules.errors.EvaluationError` ("... is None (missing value)"),
while ``==``/``!=``, ``in`` and ``is None`` simply compare.  ``and``/``or`` give
a bool and short-circuit.  Arithmetic is :mod:`gridcrm_rules.expr.numbers`'
(exact ``+ - *``, a 28-digit quotient, the number limits).
"""

from __future__ import annotations

import ast
import operator
import sys
import types
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Final

from ..errors import EvaluationError
from . import ir, numbers
from .check import Schema
from .functions import FunctionSpec

__all__ = ["CONTEXT_KEY", "Compiled", "GeneratedFunction", "PyEmitter", "compile_expr",
           "make_function"]

CONTEXT_KEY: Final = "__context__"
ENV: Final = "env"
"""The name of the environment argument inside generated code."""
Env = Mapping[str, Any]
Compiled = Callable[[Env], Any]


def _missing(what: str, *values: Any) -> EvaluationError:
    named = dict(zip(("left", "right"), values, strict=False)) if len(values) > 1 else (
        {"operand": values[0]} if values else {})
    return EvaluationError(f"{what} is None (missing value) where a value is needed",
                           type="missing_value", values=named)


def _ordered(sym: str, fn: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """An ordered comparison that refuses None on either side."""

    def compare(a: Any, b: Any) -> bool:
        if a is None or b is None:
            raise _missing(f"an operand of '{sym}'", a, b)
        return fn(a, b)

    return compare


def _arith(sym: str, fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """An arithmetic operator that refuses None on either side."""

    def apply(a: Any, b: Any) -> Any:
        if a is None or b is None:
            raise _missing(f"an operand of '{sym}'", a, b)
        return fn(a, b)

    return apply


def _neg(value: Any) -> Any:
    if value is None:
        raise _missing("the operand of unary '-'")
    return numbers.negate(value)


_ORDERED: Final = {
    "<": ("_lt", _ordered("<", operator.lt)),
    "<=": ("_le", _ordered("<=", operator.le)),
    ">": ("_gt", _ordered(">", operator.gt)),
    ">=": ("_ge", _ordered(">=", operator.ge)),
}
_ARITH: Final = {
    "+": ("_add", _arith("+", numbers.add)),
    "-": ("_sub", _arith("-", numbers.subtract)),
    "*": ("_mul", _arith("*", numbers.multiply)),
    "/": ("_div", _arith("/", numbers.divide)),
}
_AST_CMP: Final[dict[str, type[ast.cmpop]]] = {
    "==": ast.Eq,
    "!=": ast.NotEq,
    "<": ast.Lt,
    "<=": ast.LtE,
    ">": ast.Gt,
    ">=": ast.GtE,
}
_UNSET: Final = object()
"""A shared call's local before a run computes it (:meth:`PyEmitter.start_function`)."""
_RUNTIME: Final[dict[str, Any]] = {
    "__builtins__": {},
    "bool": bool,
    "_neg": _neg,
    "_unset": _UNSET,
    **dict(_ORDERED.values()),
    **dict(_ARITH.values()),
}


def _load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _store(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Store())


def _call(fn: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_load(fn), args=list(args), keywords=[])


class PyEmitter:
    """Turns checked IR into Python ``ast`` expressions over ``env``.

    Objects the code refers to (Decimal constants, ``in`` sets, whitelisted
    functions, the engine's helpers) are bound in :attr:`namespace` under private
    names; the code itself holds only plain constants and those names.  One
    emitter may translate many expressions into one function (the scalar step
    fuses a decision table), sharing the namespace and the temporaries' counter.

    ``sure=True`` says the expression is certainly evaluated whenever the code
    reaches it (a table's next ``if`` test).  Then a name on a path Python always
    evaluates (the first operand of ``and``/``or``, both sides of ``+``, the test
    of ``x if c else y``...) is read into a local the first time, and every later
    use in the function reads the local instead of ``env`` again.
    """

    def __init__(self, schema: Schema, functions: Mapping[str, FunctionSpec]) -> None:
        self.schema = schema
        self.functions = functions
        self.namespace: dict[str, Any] = dict(_RUNTIME)
        self._count = 0
        self._locals: dict[str, str] = {}
        self._shared: dict[Hashable, str] = {}
        self._bound: dict[str, str] = {}
        """Function name -> its name in the namespace (bound once per emitter)."""

    def bind(self, value: Any, prefix: str = "_k") -> ast.Name:
        """A fresh private name for ``value`` in the namespace."""
        self._count += 1
        name = f"{prefix}{self._count}"
        self.namespace[name] = value
        return _load(name)

    def start_function(self, nodes: Iterable[ir.Node] = ()) -> list[ast.stmt]:
        """Forget the locals of the previous function: a new function starts empty.

        ``nodes``: every expression the new function will hold.  A call written more
        than once among them (same function, same arguments, :func:`ir.shape`) is
        computed once per run of the function: the first place the run reaches computes
        it into a local, later places read the local.  Returns the statements that
        must open the function (each such local starts unset).  Sound because every
        function of the language is pure -- the same arguments give the same value or
        the same error -- and the environment does not change during a run.
        """
        self._locals = {}
        counts = Counter(ir.shape(n) for node in nodes for n in ir.walk(node)
                         if isinstance(n, ir.Call))
        self._shared = {}
        opening: list[ast.stmt] = []
        for key, count in counts.items():
            if count > 1:
                self._count += 1
                local = self._shared[key] = f"_c{self._count}"
                opening.append(ast.Assign(targets=[_store(local)], value=_load("_unset")))
        return opening

    def read(self, key: str, *, sure: bool = False) -> ast.expr:
        """``env[key]``; a local once the key has been read on a sure path."""
        if key in self._locals:
            return _load(self._locals[key])
        subscript = ast.Subscript(value=_load(ENV), slice=ast.Constant(key), ctx=ast.Load())
        if not sure:
            return subscript
        self._count += 1
        local = self._locals[key] = f"_n{self._count}"
        return ast.NamedExpr(target=_store(local), value=subscript)

    def test(self, node: ir.Node, *, sure: bool = False) -> ast.expr:
        """``node`` where only its truth matters (an ``if`` test): no ``bool()``."""
        if isinstance(node, ir.BoolOp):
            if len(node.operands) == 1:  # folded IR may hold one: its truth is the operand's
                return self.test(node.operands[0], sure=sure)
            op = ast.And() if node.op == "and" else ast.Or()
            values = [self.test(o, sure=sure and i == 0) for i, o in enumerate(node.operands)]
            return ast.BoolOp(op=op, values=values)
        return self.value(node, sure=sure)

    def value(self, node: ir.Node, *, sure: bool = False) -> ast.expr:
        """``node`` as a value, exactly as the language defines it."""
        match node:
            case ir.Const(value=v):
                if v is None or isinstance(v, bool | int | str):
                    return ast.Constant(v)
                return self.bind(v)
            case ir.Name(name=name):
                return self.read(self.schema[name].key, sure=sure)
            case ir.Not(operand=o):
                return ast.UnaryOp(op=ast.Not(), operand=self.test(o, sure=sure))
            case ir.BoolOp():
                return _call("bool", self.test(node, sure=sure))
            case ir.IsNone(operand=o, negated=neg):
                op: ast.cmpop = ast.IsNot() if neg else ast.Is()
                return ast.Compare(left=self.value(o, sure=sure), ops=[op],
                                   comparators=[ast.Constant(None)])
            case ir.In(operand=o, items=items, negated=neg):
                left = self.value(o, sure=sure)
                members = self.bind(frozenset(i.value for i in items), "_set")
                op = ast.NotIn() if neg else ast.In()
                return ast.Compare(left=left, ops=[op], comparators=[members])
            case ir.Compare():
                return self._compare(node, sure)
            case ir.Neg(operand=o):
                return _call("_neg", self.value(o, sure=sure))
            case ir.BinOp(op=op_, left=left, right=right):
                a = self.value(left, sure=sure)
                return _call(_ARITH[op_][0], a, self.value(right, sure=sure))
            case ir.IfExp(test=t, body=b, orelse=e):
                cond = self.test(t, sure=sure)
                return ast.IfExp(test=cond, body=self.value(b), orelse=self.value(e))
            case ir.Call():
                local = self._shared.get(ir.shape(node)) if self._shared else None
                if local is None:
                    return self._call(node, sure)
                # computed where a run first reaches it; its arguments never assign a
                # local (a later run of this place may skip them): sure=False
                return ast.IfExp(
                    test=ast.Compare(left=_load(local), ops=[ast.IsNot()],
                                     comparators=[_load("_unset")]),
                    body=_load(local),
                    orelse=ast.NamedExpr(target=_store(local), value=self._call(node, False)),
                )
        raise AssertionError(f"unhandled node {node!r}")  # pragma: no cover

    def _call(self, node: ir.Call, sure: bool) -> ast.Call:
        spec = self.functions[node.func]
        fn = self._bound.get(node.func)
        if fn is None:
            fn = self._bound[node.func] = self.bind(spec.impl, "_fn").id
        values = [self.read(CONTEXT_KEY, sure=sure)] if spec.needs_context else []
        values += [self.value(a, sure=sure) for a in node.args]
        return _call(fn, *values)

    def _compare(self, n: ir.Compare, sure: bool) -> ast.expr:
        """One comparison inline; a chain as ``and`` of pairs sharing temporaries.

        The first pair is always evaluated; later pairs only if the earlier held.
        """
        if (
            len(n.ops) == 1
            and isinstance(n.left, ir.Name)
            and isinstance(n.comparators[0], ir.Const)
            and not self.schema[n.left.name].type.nullable
        ):  # a name that cannot be None against a literal: plain Python
            left = self.value(n.left, sure=sure)
            return ast.Compare(left=left, ops=[_AST_CMP[n.ops[0]]()],
                               comparators=[self.value(n.comparators[0])])
        operands = [self.value(x, sure=sure and i < 2)
                    for i, x in enumerate((n.left, *n.comparators))]
        pairs: list[ast.expr] = []
        left = operands[0]
        for i, (sym, right) in enumerate(zip(n.ops, operands[1:], strict=True)):
            if i < len(n.ops) - 1:  # the right side is also the next left side: evaluate once
                self._count += 1
                temp = f"_t{self._count}"
                right, after = ast.NamedExpr(target=_store(temp), value=right), _load(temp)
            if sym in _ORDERED:
                pairs.append(_call(_ORDERED[sym][0], left, right))
            else:
                pairs.append(ast.Compare(left=left, ops=[_AST_CMP[sym]()], comparators=[right]))
            if i < len(n.ops) - 1:
                left = after
        return pairs[0] if len(pairs) == 1 else ast.BoolOp(op=ast.And(), values=pairs)


_TYPE_PARAMS: Final[dict[str, Any]] = {"type_params": []} if sys.version_info >= (3, 12) else {}


class GeneratedFunction:
    """A generated function, compiled by Python on its first call.

    An engine generates one function per condition and formula (for the fallbacks and
    tools that run one rule) and one kernel per decision table (what evaluations run):
    most of the former are never called in a process, and compiling them was about a
    fifth of the time ``Engine.default()`` took.  The syntax tree is complete when this is made
    (every error of a pack is found at build time); only Python's own compilation waits.
    Two threads' first calls at once may both compile it: each gets an equal function and
    the tree is never taken away, so that is harmless (engines are shared across threads).
    """

    __slots__ = ("_function", "_module", "_name", "_namespace")

    def __init__(self, name: str, module: ast.Module, namespace: dict[str, Any]) -> None:
        self._name = name
        self._module = module
        self._namespace = namespace
        self._function: Callable[..., Any] | None = None

    @property
    def function(self) -> Callable[..., Any]:
        """The compiled Python function (compiled now if it was not yet)."""
        function = self._function
        if function is None:
            code = compile(ast.fix_missing_locations(self._module),
                           f"<gridcrm_rules {self._name}>", "exec")
            fcode = next(c for c in code.co_consts if isinstance(c, types.CodeType))
            function = self._function = types.FunctionType(fcode, self._namespace, self._name)
        return function

    def __call__(self, *args: Any) -> Any:
        function = self._function
        if function is None:
            function = self.function
        return function(*args)

    def __repr__(self) -> str:
        state = "compiled" if self._function is not None else "not compiled yet"
        return f"<generated function {self._name} ({state})>"


def make_function(
    name: str, args: list[str], body: list[ast.stmt], namespace: dict[str, Any],
    *, lazy: bool = False,
) -> Callable[..., Any]:
    """A Python function from a generated body, without ``exec`` or ``eval``.

    The module holding ``def name(*args): body`` is compiled (with ``lazy``, on the
    function's first call: a :class:`GeneratedFunction`); the function is made from its
    code object, with ``namespace`` as its globals.
    """
    fdef = ast.FunctionDef(
        name=name,
        args=ast.arguments(posonlyargs=[], args=[ast.arg(a) for a in args], kwonlyargs=[],
                           kw_defaults=[], defaults=[]),
        body=body,
        decorator_list=[],
        returns=None,
        **_TYPE_PARAMS,
    )
    generated = GeneratedFunction(name, ast.Module(body=[fdef], type_ignores=[]), namespace)
    return generated if lazy else generated.function


def compile_expr(node: ir.Node, schema: Schema, functions: Mapping[str, FunctionSpec]) -> Compiled:
    """Compile checked IR into a function ``env -> value``."""
    emitter = PyEmitter(schema, functions)
    body: list[ast.stmt] = [ast.Return(emitter.value(node))]
    # lazy: a rule's own condition and formulas run only in fallbacks and tools (the
    # evaluations run the decision's kernel, engine/kernel.py), so most are never called
    return make_function("expression", [ENV], body, emitter.namespace, lazy=True)
