"""Decision tables as polars expressions, and which rows the scalar engine must decide.

A ``first`` table becomes ``when(r1).then(0).when(r2).then(1)...``: the position of
the rule that fires (``<decision>.__idx``, the number of rules where none does),
from which each constant output is gathered.  Rule k of a ``first`` table is only
tried where rules 1..k-1 missed, so the flags their misses fix (``theft`` is False
once ``theft or arrears_over_2m`` missed) are substituted into rule k before it is
compiled.  ``priority`` is the same chain over the rules sorted by priority (ties
in table order); ``unique`` routes rows where two rules match to the scalar
engine (which raises the engine's error); ``collect`` gives every matching rule.
Each value decision adds ``<decision>.<output>`` columns (what later decisions
read) and ``<decision>.__rule_id`` (``__rule_ids`` for ``collect``); entitlement
decisions add a list of entitlement structs.  The scalar engine decides a row
when any decision needs it there: a decision over events and the customer has
such events, a task decision whose rule matches, an expression that would raise,
or a decision the columnar compiler cannot express (then every row); where none
can, ``__scalar`` is the constant False.  The expressions are packed into as few
``with_columns`` stages as their reads allow (a stage costs about as much as
gathering one output column).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Final

import polars as pl

from ..engine import CompiledDecision, CompiledRule, Program
from ..engine.faults import OutputType, declared_outputs, output_problem
from ..expr import ir
from ..expr.check import Binding
from ..expr.functions import FunctionSpec
from ..expr.types import Kind
from ..functions import EvalContext
from ..windows import cutoff_of
from .columnar_expr import Col, NotColumnar, _and, _or, compile_columnar, literal, truthy
from .result import ENTITLEMENT, encode_params

__all__ = ["ColumnarPlan", "CompiledColumnar", "compile_decisions", "decide_columnar",
           "events_flag"]

SCALAR: Final = "__scalar"
_EMPTY_IDS: Final = pl.lit([], dtype=pl.List(pl.String))


def events_flag(decision: CompiledDecision) -> str:
    """Column telling whether a customer has known events a decision runs over."""
    return f"__has_events.{decision.name}"


@dataclass(frozen=True)
class ColumnarPlan:
    """Everything needed to compile a program's decisions for one ``as_of``."""

    program: Program
    functions: Mapping[str, FunctionSpec]
    context: EvalContext
    as_of: datetime
    day: date

    def constants(self) -> dict[str, Any]:
        """Canonical keys with the same value on every row."""
        consts: dict[str, Any] = {f"params.{k}": v for k, v in self.program.params.items()}
        consts["as_of"] = self.as_of
        consts["cutoff"] = cutoff_of(self.as_of)
        return consts

    def call_constant(self, spec: FunctionSpec, args: tuple[Any, ...]) -> Any:
        """Call a whitelisted function in Python (exceptions propagate to the caller)."""
        if spec.needs_context:
            return spec.impl(self.context, *args)
        return spec.impl(*args)


def _ordered(d: CompiledDecision, day: date) -> list[CompiledRule]:
    rules = [r for r in d.rules if r.active_on(day)]
    if d.spec.hit_policy == "priority":
        rules = sorted(rules, key=lambda r: -r.priority)  # stable: table order within ties
    return rules


@dataclass(frozen=True)
class CompiledColumnar:
    """A program's decisions as polars stages (each a ``with_columns``), for one schema."""

    stages: tuple[tuple[pl.Expr, ...], ...]
    notes: tuple[str, ...]

    def apply(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Run the stages over ``frame`` (which has the schema it was compiled for)."""
        for stage in self.stages:
            frame = frame.with_columns(stage)
        return frame


def compile_decisions(schema: pl.Schema, plan: ColumnarPlan) -> CompiledColumnar:
    """Compile every decision once for frames of ``schema`` (see :func:`decide_columnar`)."""
    frame = pl.DataFrame(schema=schema)  # no rows: only the column types are read
    exprs: list[pl.Expr] = []

    def add(*new: pl.Expr) -> None:
        nonlocal frame
        exprs.extend(new)
        frame = frame.with_columns(new)

    consts = plan.constants()
    scalar: pl.Expr | None = None
    entitlements: list[pl.Expr] = []
    grade_column: str | None = None  # "<decision>.grade" of the decision that fills credit
    for d in plan.program.decisions:
        if d.spec.over == "events":
            scalar = _or(scalar, pl.col(events_flag(d)))
            continue
        try:
            conds, outs, risk = _compile(d, frame, plan, consts)
        except NotColumnar as exc:
            note = f"decision {d.name!r} is decided per customer: {exc}"
            return CompiledColumnar(((pl.lit(True).alias(SCALAR),),), (note,))
        scalar = _or(scalar, risk)
        rules = _ordered(d, plan.day)
        policy = d.spec.hit_policy
        if policy == "unique":
            scalar = _or(scalar, pl.sum_horizontal([c.cast(pl.Int32) for c in conds] or
                                                   [pl.lit(0)]) > 1)
        if d.spec.emits == "task":
            scalar = _or(scalar, pl.any_horizontal(conds or [pl.lit(False)]))
            continue
        try:
            if d.spec.emits == "entitlement":
                grade = pl.col(grade_column) if grade_column else pl.lit(None, pl.String)
                entitlements.append(_entitlements(rules, conds, outs, grade, policy))
                continue
            values = _values(d, rules, conds, outs, policy)
        except NotColumnar as exc:
            note = f"decision {d.name!r} is decided per customer: {exc}"
            return CompiledColumnar(((pl.lit(True).alias(SCALAR),),), (note,))
        if policy != "collect":
            add(_rule_index(d, conds))
        if d.spec.fills == "credit":  # no override on a columnar row: computed == effective
            grade_column = f"{d.name}.grade"
            add(*values)  # the copy below shares the grade's buffers (no second gather)
            add(pl.col(grade_column).alias(f"{d.name}.computed_grade"))
            continue
        add(*values)
    if entitlements:
        add(pl.concat_list(entitlements).alias("__entitlements") if len(entitlements) > 1
            else entitlements[0].alias("__entitlements"))
    # None: no row needs the scalar engine (a constant column, no pass over the rows)
    add((pl.lit(False) if scalar is None else scalar.fill_null(True)).alias(SCALAR))
    return CompiledColumnar(_stages(exprs), ())


def _stages(exprs: list[pl.Expr]) -> tuple[tuple[pl.Expr, ...], ...]:
    """Pack expressions (in dependency order) into as few ``with_columns`` stages as
    possible: each goes to the stage right after the last one making a column it reads."""
    stages: list[list[pl.Expr]] = []
    made: dict[str, int] = {}
    for expr in exprs:
        at = 1 + max((made[n] for n in expr.meta.root_names() if n in made), default=-1)
        if at == len(stages):
            stages.append([])
        stages[at].append(expr)
        made[expr.meta.output_name()] = at
    return tuple(tuple(stage) for stage in stages)


def decide_columnar(frame: pl.DataFrame, plan: ColumnarPlan) -> tuple[pl.DataFrame, list[str]]:
    """Add every decision's columns and the ``__scalar`` routing flag; say what is scalar."""
    compiled = compile_decisions(frame.schema, plan)
    return compiled.apply(frame), list(compiled.notes)


def _compile(
    d: CompiledDecision, frame: pl.DataFrame, plan: ColumnarPlan, consts: Mapping[str, Any]
) -> tuple[list[pl.Expr], list[dict[str, Col]], pl.Expr | None]:
    """Conditions, outputs per rule, and the risk that the scalar engine would raise
    (None: it never does)."""
    schema = frame.schema
    rules = _ordered(d, plan.day)
    conds: list[pl.Expr] = []
    outs: list[dict[str, Col]] = []
    risk: pl.Expr | None = None
    reached: pl.Expr | None = None
    first = d.spec.hit_policy == "first"
    types = declared_outputs(d)
    missed: dict[str, bool] = {}  # first-hit: names fixed by the misses of earlier rules
    for rule in rules:
        node = _assume(rule.when_ir, missed) if missed else rule.when_ir
        known = {**consts, **{d.schema[n].key: v for n, v in missed.items()}}
        when = compile_columnar(node, d.schema, schema, known, plan.functions,
                                plan.call_constant)
        cond = truthy(when)
        outputs = {name: _output(d, rule, name, frame, plan, known) for name, _ in rule.outputs}
        risk = _or(risk, when.risk if reached is None else _and(reached, when.risk))
        for oname, o in outputs.items():
            guard = cond if reached is None else reached & cond
            risk = _or(risk, _and(guard, _or(o.risk, _breaks(o, types.get(oname)))))
        if first:
            reached = ~cond if reached is None else reached & ~cond
            missed = _merge(missed, _when_false(node, d.schema))
        conds.append(cond)
        outs.append(outputs)
    return conds, outs, risk


def _breaks(o: Col, t: OutputType | None) -> pl.Expr | None:
    """Where a computed output breaks its declared type (engine/faults.py output_problem):
    the scalar engine reports ``invalid_output`` there."""
    if t is None:
        return None
    if o.const:  # a formula that folded to a constant (``= None``)
        return pl.lit(True) if output_problem(t, o.value) is not None else None
    bad = o.expr.is_null() if not t.type.nullable and o.nullable else None
    if t.type.choices is not None and o.kind == "str":
        allowed = pl.lit(pl.Series(sorted(t.type.choices), dtype=pl.String)).implode()
        bad = _or(bad, ~o.expr.is_in(allowed).fill_null(True))
    if t.whole and o.kind == "num" and o.scale:
        value = o.expr.cast(pl.Decimal(38, o.scale))
        bad = _or(bad, (value.round(0, mode="half_to_even") != value).fill_null(False))
    return bad


def _flag(name: str, schema: Mapping[str, Binding]) -> bool:
    """Whether a name is a bool that is never None (so a miss of ``name`` means False)."""
    binding = schema.get(name)
    return binding is not None and binding.type.kind is Kind.BOOL and not binding.type.nullable


def _when_false(node: ir.Node, schema: Mapping[str, Binding]) -> dict[str, bool]:
    """Values of flag names implied where the condition ``node`` is false.

    ``a or not b`` false means a is False and b is True; ``a and b`` implies
    nothing about either (an ``and`` of one operand is that operand).
    """
    match node:
        case ir.Name(name=n) if _flag(n, schema):
            return {n: False}
        case ir.Not(operand=ir.Name(name=n)) if _flag(n, schema):
            return {n: True}
        case ir.BoolOp(op="or", operands=ops):
            out: dict[str, bool] = {}
            for o in ops:
                out = _merge(out, _when_false(o, schema))
            return out
        case ir.BoolOp(op="and", operands=(only,)):
            return _when_false(only, schema)
    return {}


def _merge(a: dict[str, bool], b: dict[str, bool]) -> dict[str, bool]:
    """Both sets of facts; a name they disagree on is dropped (the rule is unreachable)."""
    return {**{k: v for k, v in a.items() if b.get(k, v) == v},
            **{k: v for k, v in b.items() if a.get(k, v) == v}}


def _truth(node: ir.Node) -> bool | None:
    """Python truthiness of a bool/None constant; None when ``node`` is anything else."""
    if isinstance(node, ir.Const) and (node.value is None or isinstance(node.value, bool)):
        return bool(node.value)
    return None


def _assume(node: ir.Node, known: Mapping[str, bool]) -> ir.Node:
    """``node`` with known flag names replaced by constants, ``not``/``and``/``or`` folded.

    Only boolean structure is folded, in Python's order: a constant that decides an
    ``and``/``or`` drops the operands after it (never evaluated, so they cannot
    raise), a constant that does not decide it is dropped; a remaining ``and``/``or``
    keeps its operands (its value is a bool, as before).
    """
    match node:
        case ir.Name(name=n, pos=pos) if n in known:
            return ir.Const(known[n], pos)
        case ir.Not(operand=o):
            inner = _assume(o, known)
            truth = _truth(inner)
            return replace(node, operand=inner) if truth is None else ir.Const(not truth, node.pos)
        case ir.BoolOp(op=op, operands=ops):
            decides = op == "or"  # the truth that ends an `or` (True) / an `and` (False)
            kept: list[ir.Node] = []
            for o in ops:
                part = _assume(o, known)
                truth = _truth(part)
                if truth is None or truth == decides:
                    kept.append(part)
                if truth == decides:
                    break
            if not kept:  # every operand was a constant that does not decide
                return ir.Const(not decides, node.pos)
            if len(kept) == 1 and _truth(kept[0]) is not None:
                return ir.Const(decides, node.pos)
            return replace(node, operands=tuple(kept))
    return node


def _output(
    d: CompiledDecision, rule: CompiledRule, name: str, frame: pl.DataFrame, plan: ColumnarPlan,
    consts: Mapping[str, Any],
) -> Col:
    """One output of one rule as a column, from the IR the pack loader checked (a
    formula's tree, or a literal's constant); a literal the IR cannot hold (a date) is
    the value of the rule's compiled function."""
    node = dict(rule.output_nodes)[name]
    if node is not None and not isinstance(node, ir.Const):
        return compile_columnar(node, d.schema, frame.schema, consts, plan.functions,
                                plan.call_constant)
    fn = dict(rule.outputs)[name]
    return literal(fn({}))


def _rule_index(d: CompiledDecision, conds: list[pl.Expr]) -> pl.Expr:
    """Position of the chosen rule (first matching in evaluation order), ``len(conds)`` if
    none: a UInt32 without nulls, which ``gather`` takes as is (no fill, no cast)."""
    none = pl.lit(len(conds), pl.UInt32)
    chain: Any = pl
    for k, cond in enumerate(conds):
        chain = chain.when(cond).then(pl.lit(k, pl.UInt32))
    expr: pl.Expr = chain.otherwise(none) if conds else none
    return expr.alias(f"{d.name}.__idx")


def _pick(values: list[Any], idx: pl.Expr) -> pl.Expr | None:
    """``values[idx]`` (the last entry stands for "no rule") for text/flag constants, else
    None."""
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {str}:
        dtype: pl.DataType = pl.String()
    elif kinds <= {bool}:
        dtype = pl.Boolean()
    else:
        return None
    return pl.lit(pl.Series(values, dtype=dtype)).gather(idx)


def _values(
    d: CompiledDecision, rules: list[CompiledRule], conds: list[pl.Expr],
    outs: list[dict[str, Col]], policy: str,
) -> list[pl.Expr]:
    """Output columns (and fired rule ids) of a value decision; needs ``<name>.__idx``."""
    defaults = dict(d.default)
    out: list[pl.Expr] = []
    idx = pl.col(f"{d.name}.__idx")
    if policy == "collect":
        lists = [pl.when(c).then(pl.lit([r.id], dtype=pl.List(pl.String))).otherwise(_EMPTY_IDS)
                 for r, c in zip(rules, conds, strict=True)]
        out.append((pl.concat_list(lists) if lists else _EMPTY_IDS).alias(f"{d.name}.__rule_ids"))
    else:  # one rule id (or none); the list column is built with the output table
        ids = _pick([r.id for r in rules] + [None], idx)
        assert ids is not None
        out.append(ids.alias(f"{d.name}.__rule_id"))
    for oname in d.spec.outputs:
        has_default = oname in defaults
        default = literal(defaults.get(oname))
        if policy == "collect":
            out.append(default.expr.alias(f"{d.name}.{oname}"))
            continue
        chosen: list[Col] = []
        for o in outs:
            if oname in o:
                chosen.append(o[oname])
            elif not has_default:
                raise NotColumnar(f"a rule leaves {d.name}.{oname} unset")
            else:
                chosen.append(default)
        picked = None
        if all(c.const for c in chosen):
            picked = _pick([c.value for c in chosen] + [default.value], idx)
        if picked is None:
            chain: Any = pl
            for k, c in enumerate(chosen):
                chain = chain.when(idx == k).then(c.expr)
            picked = chain.otherwise(default.expr) if chosen else default.expr
        out.append(picked.alias(f"{d.name}.{oname}"))
    return out


def _entitlement_struct(rule: CompiledRule, o: dict[str, Col], grade: pl.Expr) -> pl.Expr:
    extra = {k: v for k, v in o.items() if k not in ("code", "level")}
    if all(v.const for v in extra.values()):
        params: pl.Expr = pl.lit(encode_params({k: v.value for k, v in extra.items()}))
    else:
        params = _params_json(extra)
    return pl.struct(
        o["code"].expr.cast(pl.String).alias("code"),
        o["level"].expr.cast(pl.String).alias("level"),
        pl.lit(rule.source.clause).alias("clause"),
        grade.cast(pl.String).alias("grade"),
        params.alias("params"),
    )


def _params_json(extra: dict[str, Col]) -> pl.Expr:
    """Canonical JSON (see result.encode_params) built from columns: numbers and flags."""
    parts: list[pl.Expr] = []
    for i, (key, col) in enumerate(sorted(extra.items())):
        prefix = ("{" if i == 0 else ",") + encode_params({key: None})[1:-5]
        if col.kind == "num":
            text = col.expr.cast(pl.String)
            if col.scale:
                text = text.str.replace(r"0+$", "").str.replace(r"\.$", "")
            value = pl.format('"{}"', text)
        elif col.kind == "bool":
            value = pl.when(col.expr).then(pl.lit("true")).otherwise(pl.lit("false"))
        else:
            raise NotColumnar(f"entitlement parameter {key!r} of kind {col.kind}")
        parts += [pl.lit(prefix), pl.when(col.expr.is_null()).then(pl.lit("null"))
                  .otherwise(value)]
    return pl.concat_str([*parts, pl.lit("}")]) if parts else pl.lit("{}")


def _entitlements(
    rules: list[CompiledRule], conds: list[pl.Expr], outs: list[dict[str, Col]],
    grade: pl.Expr, policy: str,
) -> pl.Expr:
    empty = pl.lit([], dtype=pl.List(ENTITLEMENT))
    items = [
        pl.when(c).then(pl.concat_list(_entitlement_struct(r, o, grade))).otherwise(empty)
        for r, c, o in zip(rules, conds, outs, strict=True)
    ]
    if not items:
        return empty
    if policy == "collect" or policy == "unique":
        return pl.concat_list(items)
    chain: Any = pl
    for c, item in zip(conds, items, strict=True):
        chain = chain.when(c).then(item)
    result: pl.Expr = chain.otherwise(empty)
    return result
