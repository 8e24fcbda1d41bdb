"""Gap and overlap analysis of decision tables, over the backend-neutral IR.

For a customer-level decision whose conditions compare facts, fields and
parameters with literals, every combination of *representative values* is
enumerated: each boolean both ways, each enum through its choices, each
number or date at and around every literal it is compared with.  Points that
break a declared ``assumption`` are skipped as impossible.  What remains shows
where no rule fires (a gap), where several do (an overlap: an error under
hit policy ``unique``), and rules that can never be the one chosen.

This is how the built-in ``credit_strict`` pack is shown to leave exactly the
CR-GAP region ungraded while ``credit`` covers everything.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from ._text import counted
from .engine import CompiledDecision, Engine
from .expr import ir
from .expr.types import Kind

__all__ = [
    "DeclaredGap",
    "Region",
    "VerificationReport",
    "verify_decision",
    "verify_engine",
]

MAX_POINTS: Final = 200_000


@dataclass(frozen=True, slots=True)
class Region:
    """A set of inputs, as a conjunction: name -> a readable constraint."""

    constraints: tuple[tuple[str, str], ...]
    rules: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = " and ".join(c for _, c in self.constraints) or "every input"
        return f"{text}  [rules: {', '.join(self.rules)}]" if self.rules else text


@dataclass(frozen=True, slots=True)
class DeclaredGap:
    """A region the pack declares as left to the default or another decision."""

    reason: str
    points: int


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """The result for one decision (per event type for decisions over events).

    ``complete`` is False when it could not enumerate.  ``gaps`` are the
    undeclared ones; ``declared`` the pack's declared regions that held gaps;
    ``shadowed`` maps each rule that can never be chosen to the rules chosen
    instead where it holds (empty: its condition never holds).
    """

    decision: str
    hit_policy: str
    gaps: tuple[Region, ...]
    overlaps: tuple[Region, ...]
    never_chosen: tuple[str, ...]
    points: int
    complete: bool
    reason: str = ""
    event_type: str | None = None
    declared: tuple[DeclaredGap, ...] = ()
    shadowed: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def ok(self) -> bool:
        """No undeclared gap, and no overlap where the hit policy forbids one."""
        return (
            self.complete and not self.gaps and (self.hit_policy != "unique" or not self.overlaps)
        )

    def as_record(self) -> dict[str, Any]:
        """The report as plain data (``gridcrm-rules verify --format json``)."""
        return {
            "decision": self.decision, "event_type": self.event_type, "label": self.label,
            "hit_policy": self.hit_policy, "ok": self.ok,
            "complete": self.complete, "reason": self.reason or None, "points": self.points,
            "gaps": [_region_record(g) for g in self.gaps],
            "overlaps": [_region_record(o) for o in self.overlaps],
            "never_chosen": list(self.never_chosen),
        }

    def _repr_html_(self) -> str:
        from .notebook import verification_html

        return verification_html(self)
    @property
    def label(self) -> str:
        """``decision`` or ``decision[event_type]``."""
        return f"{self.decision}[{self.event_type}]" if self.event_type else self.decision

    def render(self) -> str:
        """A readable report."""
        head = f"decision {self.label} [{self.hit_policy}]: "
        if not self.complete:
            return head + f"not verified: {self.reason}"
        lines = [head + f"{counted(self.points, 'combination')} checked"]
        lines += [f"  gap (no rule fires): {g}" for g in self.gaps] or ["  no gaps"]
        lines += [f"  declared: {d.reason} ({counted(d.points, 'combination')})"
                  for d in self.declared]
        if self.hit_policy == "unique":
            lines += [f"  overlap: {o}" for o in self.overlaps] or ["  no overlaps"]
        for rule, by in self.shadowed:
            why = f"shadowed by {', '.join(by)}" if by else "its condition never holds"
            lines.append(f"  rule {rule} can never be chosen: {why}")
        return "\n".join(lines)


def _region_record(region: Region) -> dict[str, Any]:
    return {"where": dict(region.constraints), "text": str(region), "rules": list(region.rules)}


@dataclass(frozen=True, slots=True)
class _Var:
    key: str
    values: tuple[Any, ...]
    labels: tuple[str, ...]


def _shift(value: Any, step: int) -> Any:
    if isinstance(value, datetime):
        return value + timedelta(seconds=step)
    if isinstance(value, date):
        return value + timedelta(days=step)
    return value + step


def _numeric_var(key: str, literals: Sequence[Any], nullable: bool) -> _Var:
    points = sorted(set(literals))
    values: list[Any] = []
    labels: list[str] = []
    if not points:
        values, labels = [Decimal(0)], [f"{key} any"]
    else:
        values.append(_shift(points[0], -1))
        labels.append(f"{key} < {points[0]}")
        for i, p in enumerate(points):
            values.append(p)
            labels.append(f"{key} == {p}")
            if i + 1 < len(points):
                nxt = points[i + 1]
                mid = p + (nxt - p) / 2 if not isinstance(p, date) else _shift(p, 1)
                if mid != nxt:
                    values.append(mid)
                    labels.append(f"{p} < {key} < {nxt}")
        values.append(_shift(points[-1], 1))
        labels.append(f"{key} > {points[-1]}")
    if nullable:
        values.append(None)
        labels.append(f"{key} is None")
    return _Var(key, tuple(values), tuple(labels))


def _constant(node: ir.Node, schema: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
    """(True, value) for a literal or a parameter (fixed for one engine), else (False, None)."""
    if isinstance(node, ir.Const):
        return True, node.value
    if isinstance(node, ir.Name) and schema[node.name].key.startswith("params."):
        return True, params[schema[node.name].key.removeprefix("params.")]
    if isinstance(node, ir.Neg):
        is_const, value = _constant(node.operand, schema, params)
        return (True, -value) if is_const and value is not None else (False, None)
    return False, None


def _is_input(node: ir.Node, schema: Mapping[str, Any]) -> bool:
    return isinstance(node, ir.Name) and not schema[node.name].key.startswith("params.")


def _literals_by_key(
    nodes: Iterable[ir.Node], schema: Mapping[str, Any], params: Mapping[str, Any]
) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for root in nodes:
        for n in ir.walk(root):
            if isinstance(n, ir.Compare):
                operands = [n.left, *n.comparators]
                for a, b in itertools.pairwise(operands):
                    for name, other in ((a, b), (b, a)):
                        is_const, value = _constant(other, schema, params)
                        if _is_input(name, schema) and is_const and value is not None:
                            assert isinstance(name, ir.Name)
                            found.setdefault(schema[name.name].key, []).append(value)
            elif isinstance(n, ir.In) and _is_input(n.operand, schema):
                assert isinstance(n.operand, ir.Name)
                key = schema[n.operand.name].key
                found.setdefault(key, []).extend(i.value for i in n.items)
    return found


def _unsupported(
    nodes: Iterable[ir.Node], schema: Mapping[str, Any], params: Mapping[str, Any]
) -> str | None:
    for root in nodes:
        for n in ir.walk(root):
            if isinstance(n, ir.Neg) and _constant(n, schema, params)[0]:
                continue  # -params.x is a constant
            if isinstance(n, ir.Call | ir.BinOp | ir.Neg | ir.IfExp):
                kind = type(n).__name__
                return f"a condition uses {kind}; only comparisons with literals are enumerated"
            if isinstance(n, ir.Compare):
                names = [o for o in (n.left, *n.comparators) if _is_input(o, schema)]
                if len(names) > 1:
                    return "a condition compares two inputs with each other"
    return None


def _variables(
    d: CompiledDecision,
    nodes: Sequence[ir.Node],
    params: Mapping[str, Any],
    fixed: dict[str, Any],
) -> list[_Var]:
    literals = _literals_by_key(nodes, d.schema, params)
    by_key = {b.key: b for b in d.schema.values()}
    keys = sorted(
        {d.schema[n.name].key for root in nodes for n in ir.walk(root) if isinstance(n, ir.Name)}
    )
    variables: list[_Var] = []
    for key in keys:
        if key.startswith("params."):
            fixed[key] = params[key.removeprefix("params.")]
            continue
        if key in fixed:
            continue
        t = by_key[key].type
        if t.kind is Kind.BOOL:
            vals: list[Any] = [True, False] + ([None] if t.nullable else [])
            labels = [key, f"not {key}"] + ([f"{key} is None"] if t.nullable else [])
            variables.append(_Var(key, tuple(vals), tuple(labels)))
        elif t.kind is Kind.STR:
            choices = sorted(t.choices or {str(v) for v in literals.get(key, [])} | {"<other>"})
            vals = list(choices) + ([None] if t.nullable else [])
            variables.append(_Var(key, tuple(vals), tuple(f"{key} == {v!r}" for v in vals)))
        else:
            variables.append(_numeric_var(key, literals.get(key, []), t.nullable))
    return variables


def _event_type_key(d: CompiledDecision) -> str | None:
    return next((b.key for b in d.schema.values() if b.key == "event.type"), None)


def verify_decision(
    d: CompiledDecision, params: Mapping[str, Any], *, event_type: str | None = None
) -> VerificationReport:
    """Enumerate representative inputs of one decision (for one event type, if over events)."""
    policy = d.spec.hit_policy

    def incomplete(reason: str) -> VerificationReport:
        return VerificationReport(
            d.name, policy, (), (), (), 0, False, reason, event_type=event_type
        )

    if d.spec.over != "customer" and event_type is None:
        return incomplete("decisions over events are verified per event type")
    regions = list(d.declared_regions)
    nodes = [r.when_ir for r in d.rules] + list(d.assumptions) + [n for n, _ in regions]
    why = _unsupported(nodes, d.schema, params)
    if why:
        return incomplete(why)
    fixed: dict[str, Any] = {}
    type_key = _event_type_key(d)
    if event_type is not None and type_key is not None:
        fixed[type_key] = event_type
    variables = _variables(d, nodes, params, fixed)
    total = 1
    for v in variables:
        total *= len(v.values)
    if total > MAX_POINTS:
        return incomplete(f"{total} combinations exceed {MAX_POINTS}")
    assumptions = [_closure(d, a) for a in d.assumptions]
    declared = [(_closure(d, n), reason) for n, reason in regions]
    declared_points = [0] * len(declared)
    gaps: list[tuple[int, ...]] = []
    overlaps: list[tuple[tuple[int, ...], tuple[str, ...]]] = []
    chosen: set[str] = set()
    shadowers: dict[str, set[str]] = {}
    points = 0
    for combo in itertools.product(*(range(len(v.values)) for v in variables)):
        env = dict(fixed)
        env.update({v.key: v.values[i] for v, i in zip(variables, combo, strict=True)})
        try:
            if not all(a(env) for a in assumptions):
                continue
            fired = [r for r in d.rules if r.when(env)]
            inside = [i for i, (region, _) in enumerate(declared) if region(env)]
        except Exception:
            continue
        points += 1
        if not fired:
            if inside:
                declared_points[inside[0]] += 1
            else:
                gaps.append(combo)
            continue
        if len(fired) > 1:
            overlaps.append((combo, tuple(r.id for r in fired)))
        best = max(fired, key=lambda r: r.priority) if policy == "priority" else fired[0]
        picked = {r.id for r in fired} if policy == "collect" else {best.id}
        chosen |= picked
        for r in fired:
            if r.id not in picked:
                shadowers.setdefault(r.id, set()).update(picked)
    order = {r.id: i for i, r in enumerate(d.rules)}
    never = tuple(r.id for r in d.rules if r.id not in chosen)
    shadowed = tuple(
        (rid, tuple(sorted(shadowers.get(rid, ()), key=order.__getitem__))) for rid in never
    )
    gap_regions = tuple(Region(c) for c in _merge(gaps, variables))
    overlap_regions = tuple(
        Region(c, rules)
        for rules in sorted({o[1] for o in overlaps})
        for c in _merge([o[0] for o in overlaps if o[1] == rules], variables)
    )
    return VerificationReport(
        d.name,
        policy,
        gap_regions,
        overlap_regions,
        never,
        points,
        True,
        event_type=event_type,
        declared=tuple(
            DeclaredGap(reason, n) for (_, reason), n in zip(regions, declared_points, strict=True)
            if n
        ),
        shadowed=shadowed,
    )


def _closure(d: CompiledDecision, node: ir.Node) -> Any:
    from .expr import compile_expr
    from .functions import FUNCTIONS

    return compile_expr(node, d.schema, FUNCTIONS)


_Cube = tuple[tuple[int, ...], ...]


def _merge(
    combos: list[tuple[int, ...]], variables: Sequence[_Var]
) -> list[tuple[tuple[str, str], ...]]:
    """Collapse combinations that span a variable's whole domain into a wildcard."""
    cubes: set[_Cube] = {tuple((i,) for i in c) for c in combos}
    for pos, var in enumerate(variables):
        full = len(var.values)
        groups: dict[_Cube, set[int]] = {}
        for cube in cubes:
            rest = cube[:pos] + cube[pos + 1 :]
            groups.setdefault(rest, set()).update(cube[pos])
        merged: set[_Cube] = set()
        for rest, members in groups.items():
            span = tuple(sorted(members)) if len(members) < full else ()
            merged.add((*rest[:pos], span, *rest[pos:]))
        cubes = merged
    regions = []
    for cube in sorted(cubes):
        parts = []
        for var, idx in zip(variables, cube, strict=True):
            if idx:
                text = " or ".join(var.labels[i] for i in idx)
                parts.append((var.key, f"({text})" if len(idx) > 1 else text))
        regions.append(tuple(parts))
    return regions


def verify_engine(engine: Engine) -> list[VerificationReport]:
    """Verify every decision of ``engine`` with its parameter values.

    A decision over events is verified once per event type it runs for.
    """
    reports = []
    for d in engine.program.decisions:
        if d.spec.over == "customer":
            reports.append(verify_decision(d, engine.params))
        else:
            reports += [verify_decision(d, engine.params, event_type=t) for t in d.spec.event_types]
    return reports
