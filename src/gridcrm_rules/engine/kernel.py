"""A decision table fused into generated Python functions: the scalar step's core.

Trying rules one compiled condition at a time costs a Python call per rule and
per node; a table of five rules then costs several times a hand-written
``if``/``elif`` chain.  The kernel instead emits the whole table, through the
condition language's code generator (:class:`~gridcrm_rules.expr.compile.PyEmitter`),
as one function per table, in the shape a person would write it::

    def first(env, active):
        rule = 0
        try:
            if env["theft_or_violation_3y"] or env["arrears_over_2m"]:
                outputs = {"grade": "D"}
                return StepResult((StepHit("CR-D", outputs, {...reads...}),),
                                  {**defaults, **outputs})
            rule = 1
            ...
        except EvaluationError as exc:
            raise located(exc, rule) from None
        return StepResult((), {**defaults})

Two functions are generated per decision: ``matches`` returns every rule that
holds, in table order, with its outputs (the hit policies are applied by
:class:`~gridcrm_rules.engine.step.DecisionStep`); for ``first`` tables,
``first`` stops at the first rule and returns the finished :class:`StepResult`.
``active`` holds one flag per rule: whether the rule is in force on the day
being decided; it is read only for rules with ``effective_from/to``.

A call the table writes more than once -- ``start_of_month(as_of)`` in four rules'
conditions and outputs -- is computed once per run, where the run first reaches it
(:meth:`~gridcrm_rules.expr.compile.PyEmitter.start_function`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from ..errors import CalendarDataMissing, EvaluationError
from ..expr import ir
from ..expr.compile import ENV, PyEmitter, make_function

if TYPE_CHECKING:
    from ..expr.check import Schema
    from ..expr.functions import FunctionSpec
    from .build import CompiledRule

__all__ = ["DecisionKernel", "StepHit", "StepResult", "fuse"]

Env = Mapping[str, Any]
Active = tuple[bool, ...]
Matches = list[tuple[int, dict[str, Any]]]


class StepHit(NamedTuple):
    """One rule that fired: its id, the outputs it gave and the values it read."""

    rule_id: str
    outputs: Mapping[str, Any]
    reads: Mapping[str, Any]


class StepResult(NamedTuple):
    """What one decision gave: the rules that fired and the decision's values.

    ``values`` are the decision's defaults updated with the first hit's outputs
    (for every hit policy but ``collect``), exactly as the engine stores them.
    Immutable value records (named tuples: cheap to build on a per-row path);
    ``values`` and each hit's ``outputs`` are read-only mappings, which calls may
    share.
    """

    hits: tuple[StepHit, ...]
    values: Mapping[str, Any]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Ids of the rules that fired, in table order."""
        return tuple(h.rule_id for h in self.hits)


@dataclass(frozen=True, slots=True)
class DecisionKernel:
    """One decision's rules as generated functions of ``(env, active)``.

    ``matches`` gives ``[(rule index, outputs), ...]`` for every rule that holds;
    ``first`` (``first`` tables only, else None) gives the first hit's
    :class:`StepResult`.  Both raise :class:`EvaluationError` located at the rule.
    """

    matches: Callable[[Env, Active], Matches]
    first: Callable[[Env, Active], StepResult] | None


_RULE = "_rule"
_OUT = "_outputs"
_MATCHED = "_matched"


def _name(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _assign(target: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[ast.Name(id=target, ctx=ast.Store())], value=value)


def _dict(items: list[tuple[str, ast.expr]]) -> ast.Dict:
    return ast.Dict(keys=[ast.Constant(k) for k, _ in items], values=[v for _, v in items])


def _call(fn: ast.expr, *args: ast.expr) -> ast.Call:
    return ast.Call(func=fn, args=list(args), keywords=[])


class _Fuser:
    """Emits one decision's rule tests and result expressions."""

    def __init__(
        self,
        location: tuple[str, str],
        rules: tuple[CompiledRule, ...],
        default: Mapping[str, Any],
        schema: Schema,
        functions: Mapping[str, FunctionSpec],
    ) -> None:
        self.rules = rules
        self.emit = PyEmitter(schema, functions)
        self.defaults = tuple(default.items())
        ids = tuple(r.id for r in rules)

        def located(
            exc: EvaluationError | CalendarDataMissing, index: int
        ) -> EvaluationError | CalendarDataMissing:
            return exc.located((*location, ids[index]))

        self.located = self.emit.bind(located, "_located")
        self.error = self.emit.bind((EvaluationError, CalendarDataMissing), "_EvaluationError")

    def test(self, index: int, rule: CompiledRule) -> ast.expr:
        """The rule's condition, guarded by its ``active`` flag if it has dates."""
        if rule.effective_from is None and rule.effective_to is None:
            return self.emit.test(rule.when_ir, sure=True)  # reached: always evaluated
        cond = self.emit.test(rule.when_ir)
        flag = ast.Subscript(value=_name("_active"), slice=ast.Constant(index), ctx=ast.Load())
        return ast.BoolOp(op=ast.And(), values=[flag, cond])

    def outputs(self, rule: CompiledRule) -> tuple[list[ast.stmt], list[tuple[str, ast.expr]]]:
        """Statements computing the outputs, then ``(name, value)`` in declaration order.

        A literal stays a constant; a formula is computed once into a local, in
        declaration order, so the outputs and the values dicts can both use it.
        """
        setup: list[ast.stmt] = []
        items: list[tuple[str, ast.expr]] = []
        funcs = dict(rule.outputs)
        for name, node in rule.output_nodes:
            if isinstance(node, ir.Const):
                items.append((name, self.emit.value(node)))
                continue
            if node is None:  # a literal the IR cannot hold: call its function
                value: ast.expr = _call(self.emit.bind(funcs[name], "_output"), _name(ENV))
            else:
                value = self.emit.value(node)
            local = f"_v{len(setup)}"
            setup.append(_assign(local, value))
            items.append((name, _name(local)))
        return setup, items

    def values(self, items: list[tuple[str, ast.expr]]) -> ast.Dict:
        """``{**defaults, **outputs}`` written out as one dict display."""
        given = dict(items)
        merged = [(k, given.pop(k) if k in given else self.emit.value(ir.Const(v, _NOWHERE))
                   if _plain(v) else self.emit.bind(v, "_default")) for k, v in self.defaults]
        return _dict(merged + list(given.items()))

    def body(self, per_rule: Callable[[int, CompiledRule], list[ast.stmt]],
             tail: list[ast.stmt]) -> list[ast.stmt]:
        """Try the rules in order, tracking which one runs; relocate its errors.  A call
        the table writes more than once is computed once per run (``start_function``)."""
        opening = self.emit.start_function(
            [n for r in self.rules
             for n in (r.when_ir, *(node for _, node in r.output_nodes if node is not None))])
        tried: list[ast.stmt] = []
        for index, rule in enumerate(self.rules):
            if index:
                tried.append(_assign(_RULE, ast.Constant(index)))
            tried.append(ast.If(test=self.test(index, rule), body=per_rule(index, rule),
                                orelse=[]))
        if not tried:
            return tail
        handler = ast.ExceptHandler(
            type=self.error,
            name="_exc",
            body=[ast.Raise(exc=_call(self.located, _name("_exc"), _name(_RULE)),
                            cause=ast.Constant(None))],
        )
        guarded = ast.Try(body=tried, handlers=[handler], orelse=[], finalbody=[])
        return [*opening, _assign(_RULE, ast.Constant(0)), guarded, *tail]

    def matches(self) -> list[ast.stmt]:
        """Body of ``matches``: append ``(index, outputs)`` for each rule that holds."""

        def hit(index: int, rule: CompiledRule) -> list[ast.stmt]:
            setup, items = self.outputs(rule)
            pair = ast.Tuple(elts=[ast.Constant(index), _dict(items)], ctx=ast.Load())
            append = ast.Attribute(value=_name(_MATCHED), attr="append", ctx=ast.Load())
            return [*setup, ast.Expr(_call(append, pair))]

        body = self.body(hit, [ast.Return(_name(_MATCHED))])
        return [_assign(_MATCHED, ast.List(elts=[], ctx=ast.Load())), *body]

    def first(self) -> list[ast.stmt]:
        """Body of ``first``: the first rule that holds, as a finished StepResult.

        The named tuples are made with ``tuple.__new__`` (a C call: a NamedTuple's
        own ``__new__`` is Python code, a large share of a five-rule table's time).
        A rule whose outputs are all literals -- most rules -- returns the same two
        read-only mappings on every call, built once here: building the outputs and
        values dicts per call took a third of a five-rule table's time.
        """
        new = self.emit.bind(tuple.__new__, "_new")
        result, step_hit = self.emit.bind(StepResult, "_Result"), self.emit.bind(StepHit, "_Hit")
        proxy = self.emit.bind(MappingProxyType, "_readonly")

        def record(cls: ast.expr, *fields: ast.expr) -> ast.Call:
            return _call(new, cls, ast.Tuple(elts=list(fields), ctx=ast.Load()))

        def hit(index: int, rule: CompiledRule) -> list[ast.stmt]:
            setup, items = self.outputs(rule)
            reads = _dict([(k, self.emit.read(k)) for k in rule.reads])
            outputs: ast.expr
            values: ast.expr
            if setup:  # some output is computed per call
                outputs, values = _call(proxy, _dict(items)), _call(proxy, self.values(items))
            else:
                literals = {name: _literal(node) for name, node in rule.output_nodes}
                outputs = self.emit.bind(MappingProxyType(literals), "_outputs")
                values = self.emit.bind(MappingProxyType({**dict(self.defaults), **literals}),
                                        "_values")
            one = record(step_hit, ast.Constant(rule.id), outputs, reads)
            hits = ast.Tuple(elts=[one], ctx=ast.Load())
            return [*setup, ast.Return(record(result, hits, values))]

        defaults = self.emit.bind(MappingProxyType(dict(self.defaults)), "_values")
        empty = record(result, ast.Tuple(elts=[], ctx=ast.Load()), defaults)
        return self.body(hit, [ast.Return(empty)])


def _literal(node: ir.Node | None) -> Any:
    """The value of an output that is a literal (:meth:`_Fuser.outputs` left no setup)."""
    assert isinstance(node, ir.Const), node
    return node.value


def _plain(value: Any) -> bool:
    """Whether a value can be written into generated code as a constant."""
    return value is None or isinstance(value, bool | int | str)


_NOWHERE: Final = ir.Pos(0, 0)


def fuse(
    location: tuple[str, str],
    policy: str,
    rules: tuple[CompiledRule, ...],
    default: Mapping[str, Any],
    schema: Schema,
    functions: Mapping[str, FunctionSpec],
) -> DecisionKernel:
    """Generate the kernel of one decision (``location`` = pack, decision: for errors)."""
    fuser = _Fuser(location, rules, default, schema, functions)
    args = [ENV, "_active"]
    # a ``first`` table runs its ``first`` kernel (engine/step.py): ``matches`` is compiled
    # only if a tool calls it
    matches = make_function("matches", args, fuser.matches(), fuser.emit.namespace,
                            lazy=policy == "first")
    first = None
    if policy == "first":
        first = make_function("first", args, fuser.first(), fuser.emit.namespace)
    return DecisionKernel(matches=matches, first=first)
