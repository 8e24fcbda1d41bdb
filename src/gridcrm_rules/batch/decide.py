"""Decision tables as polars expressions, and which rows the scalar engine must decide.

A ``first`` table becomes ``when(r1).then(...).when(r2)...``; ``priority`` is the
same chain over the rules sorted by priority (ties in table order); ``unique``
routes rows where two rules match to the scalar engine (which raises the
engine's error); ``collect`` gives every matching rule.  Each value decision
adds ``<decision>.<output>`` columns (what later decisions read) and
``<decision>.__rule_ids``; entitlement decisions add a list of entitlement
structs.  The scalar engine decides a row when any decision needs it there:
a decision over events and the customer has such events, a task decision whose
rule matches, an expression that would raise, or a decision the columnar
compiler cannot express (then every row).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

import polars as pl

from ..engine.build import CompiledDecision, CompiledRule, Program
from ..expr.functions import FunctionSpec
from ..functions import EvalContext
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
        consts["cutoff"] = self.day.replace(day=1) - timedelta(days=1)
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
    stages: list[tuple[pl.Expr, ...]] = []

    def add(*exprs: pl.Expr) -> None:
        nonlocal frame
        stages.append(exprs)
        frame = frame.with_columns(exprs)

    consts = plan.constants()
    scalar = pl.lit(False)
    entitlements: list[pl.Expr] = []
    credit_seen = False
    for d in plan.program.decisions:
        if d.spec.over == "events":
            scalar = scalar | pl.col(events_flag(d))
            continue
        try:
            conds, outs, risk = _compile(d, frame, plan, consts)
        except NotColumnar as exc:
            note = f"decision {d.name!r} is decided per customer: {exc}"
            return CompiledColumnar(((pl.lit(True).alias(SCALAR),),), (note,))
        scalar = scalar | risk
        rules = _ordered(d, plan.day)
        policy = d.spec.hit_policy
        if policy == "unique":
            scalar = scalar | (pl.sum_horizontal([c.cast(pl.Int32) for c in conds] or
                                                 [pl.lit(0)]) > 1)
        if d.spec.emits == "task":
            scalar = scalar | pl.any_horizontal(conds or [pl.lit(False)])
            continue
        if d.spec.emits == "entitlement":
            grade = pl.col("credit.grade") if credit_seen else pl.lit(None, pl.String)
            entitlements.append(_entitlements(rules, conds, outs, grade, policy))
            continue
        add(_rule_index(d, conds))
        values = _values(d, rules, conds, outs, policy)
        if d.name == "credit":  # no override on a columnar row: computed == effective
            credit_seen = True
            grade = next(v for v in values if v.meta.output_name() == "credit.grade")
            values.append(grade.alias("credit.computed_grade"))
        add(*values)
    if entitlements:
        add(pl.concat_list(entitlements).alias("__entitlements") if len(entitlements) > 1
            else entitlements[0].alias("__entitlements"))
    flag = scalar.fill_null(True).alias(SCALAR)  # reads only input and earlier columns
    if stages:
        stages[-1] = (*stages[-1], flag)
    else:
        stages.append((flag,))
    return CompiledColumnar(tuple(stages), ())


def decide_columnar(frame: pl.DataFrame, plan: ColumnarPlan) -> tuple[pl.DataFrame, list[str]]:
    """Add every decision's columns and the ``__scalar`` routing flag; say what is scalar."""
    compiled = compile_decisions(frame.schema, plan)
    return compiled.apply(frame), list(compiled.notes)


def _compile(
    d: CompiledDecision, frame: pl.DataFrame, plan: ColumnarPlan, consts: Mapping[str, Any]
) -> tuple[list[pl.Expr], list[dict[str, Col]], pl.Expr]:
    """Conditions, outputs per rule, and the risk that the scalar engine would raise."""
    schema = frame.schema
    rules = _ordered(d, plan.day)
    conds: list[pl.Expr] = []
    outs: list[dict[str, Col]] = []
    risk: pl.Expr | None = None
    reached: pl.Expr | None = None
    first = d.spec.hit_policy == "first"
    for rule in rules:
        when = compile_columnar(rule.when_ir, d.schema, schema, consts, plan.functions,
                                plan.call_constant)
        cond = truthy(when)
        outputs = {name: _output(d, rule, name, frame, plan, consts) for name, _ in rule.outputs}
        risk = _or(risk, when.risk if reached is None else _and(reached, when.risk))
        for o in outputs.values():
            guard = cond if reached is None else reached & cond
            risk = _or(risk, _and(guard, o.risk))
        if first:
            reached = ~cond if reached is None else reached & ~cond
        conds.append(cond)
        outs.append(outputs)
    return conds, outs, risk if risk is not None else pl.lit(False)


def _output(
    d: CompiledDecision, rule: CompiledRule, name: str, frame: pl.DataFrame, plan: ColumnarPlan,
    consts: Mapping[str, Any],
) -> Col:
    spec = next(r for r in d.spec.rules if r.id == rule.id)
    value = spec.outputs[name]
    if isinstance(value, str) and value.startswith("="):
        from ..expr import parse

        node = parse(value[1:])
        return compile_columnar(node, d.schema, frame.schema, consts, plan.functions,
                                plan.call_constant)
    fn = dict(rule.outputs)[name]
    return literal(fn({}))


def _rule_index(d: CompiledDecision, conds: list[pl.Expr]) -> pl.Expr:
    """Position of the chosen rule (first matching in evaluation order), null if none."""
    chain: Any = pl
    for k, cond in enumerate(conds):
        chain = chain.when(cond).then(pl.lit(k, pl.UInt16))
    expr: pl.Expr = chain.otherwise(pl.lit(None, pl.UInt16)) if conds else pl.lit(None, pl.UInt16)
    return expr.alias(f"{d.name}.__idx")


def _pick(values: list[Any], idx: pl.Expr) -> pl.Expr | None:
    """``values[idx]`` (last entry for a null index) for text/flag constants, else None."""
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {str}:
        dtype: pl.DataType = pl.String()
    elif kinds <= {bool}:
        dtype = pl.Boolean()
    else:
        return None
    table = pl.lit(pl.Series(values, dtype=dtype))
    return table.gather(idx.fill_null(len(values) - 1).cast(pl.UInt32))


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
