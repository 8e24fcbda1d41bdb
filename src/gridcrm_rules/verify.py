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

from .engine import CompiledDecision, Engine
from .expr import ir
from .expr.types import Kind

__all__ = ["Region", "VerificationReport", "verify_decision", "verify_engine"]

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
class VerificationReport:
    """The result for one decision; ``complete`` is False when it could not enumerate."""

    decision: str
    hit_policy: str
    gaps: tuple[Region, ...]
    overlaps: tuple[Region, ...]
    never_chosen: tuple[str, ...]
    points: int
    complete: bool
    reason: str = ""

    @property
    def ok(self) -> bool:
        """No gap, and no overlap where the hit policy forbids one."""
        return (
            self.complete and not self.gaps and (self.hit_policy != "unique" or not self.overlaps)
        )

    def as_record(self) -> dict[str, Any]:
        """The report as plain data (``gridcrm-rules verify --format json``)."""
        return {
            "decision": self.decision, "hit_policy": self.hit_policy, "ok": self.ok,
            "complete": self.complete, "reason": self.reason or None, "points": self.points,
            "gaps": [_region_record(g) for g in self.gaps],
            "overlaps": [_region_record(o) for o in self.overlaps],
            "never_chosen": list(self.never_chosen),
        }

    def _repr_html_(self) -> str:
        from .notebook import verification_html

        return verification_html(self)

    def render(self) -> str:
        """A readable report."""
        head = f"decision {self.decision} [{self.hit_policy}]: "
        if not self.complete:
            return head + f"not verified: {self.reason}"
        lines = [head + f"{self.points} combinations checked"]
        lines += [f"  gap (no rule fires): {g}" for g in self.gaps] or ["  no gaps"]
        if self.hit_policy == "unique":
            lines += [f"  overlap: {o}" for o in self.overlaps] or ["  no overlaps"]
        lines += [f"  rule {r} can never be chosen" for r in self.never_chosen]
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


def _literals_by_key(nodes: Iterable[ir.Node], schema: Mapping[str, Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for root in nodes:
        for n in ir.walk(root):
            if isinstance(n, ir.Compare):
                operands = [n.left, *n.comparators]
                for a, b in itertools.pairwise(operands):
                    for name, const in ((a, b), (b, a)):
                        if isinstance(name, ir.Name) and isinstance(const, ir.Const):
                            found.setdefault(schema[name.name].key, []).append(const.value)
            elif isinstance(n, ir.In) and isinstance(n.operand, ir.Name):
                key = schema[n.operand.name].key
                found.setdefault(key, []).extend(i.value for i in n.items)
    return found


def _unsupported(nodes: Iterable[ir.Node]) -> str | None:
    for root in nodes:
        for n in ir.walk(root):
            if isinstance(n, ir.Call | ir.BinOp | ir.Neg | ir.IfExp):
                kind = type(n).__name__
                return f"a condition uses {kind}; only comparisons with literals are enumerated"
            if isinstance(n, ir.Compare):
                names = [o for o in (n.left, *n.comparators) if isinstance(o, ir.Name)]
                if len(names) > 1:
                    return "a condition compares two names with each other"
    return None


def verify_decision(d: CompiledDecision, params: Mapping[str, Any]) -> VerificationReport:
    """Enumerate representative inputs of one customer-level decision."""
    policy = d.spec.hit_policy
    nodes = [r.when_ir for r in d.rules] + list(d.assumptions)
    if d.spec.over != "customer":
        return VerificationReport(
            d.name, policy, (), (), (), 0, False, "decisions over events are not enumerated"
        )
    why = _unsupported(nodes)
    if why:
        return VerificationReport(d.name, policy, (), (), (), 0, False, why)
    literals = _literals_by_key(nodes, d.schema)
    by_key = {b.key: b for b in d.schema.values()}
    keys = sorted(
        {k for r in d.rules for k in r.reads}
        | {
            d.schema[n.name].key
            for a in d.assumptions
            for n in ir.walk(a)
            if isinstance(n, ir.Name)
        }
    )
    variables: list[_Var] = []
    fixed: dict[str, Any] = {}
    for key in keys:
        if key.startswith("params."):
            fixed[key] = params[key.removeprefix("params.")]
            continue
        t = by_key[key].type
        if t.kind is Kind.BOOL:
            variables.append(_Var(key, (True, False), (key, f"not {key}")))
        elif t.kind is Kind.STR:
            choices = sorted(t.choices or {str(v) for v in literals.get(key, [])} | {"<other>"})
            vals: list[Any] = list(choices) + ([None] if t.nullable else [])
            variables.append(_Var(key, tuple(vals), tuple(f"{key} == {v!r}" for v in vals)))
        else:
            variables.append(_numeric_var(key, literals.get(key, []), t.nullable))
    total = 1
    for v in variables:
        total *= len(v.values)
    if total > MAX_POINTS:
        return VerificationReport(
            d.name, policy, (), (), (), 0, False, f"{total} combinations exceed {MAX_POINTS}"
        )
    assumptions = [_closure(d, a) for a in d.assumptions]
    gaps: list[tuple[int, ...]] = []
    overlaps: list[tuple[tuple[int, ...], tuple[str, ...]]] = []
    chosen: set[str] = set()
    points = 0
    for combo in itertools.product(*(range(len(v.values)) for v in variables)):
        env = dict(fixed)
        env.update({v.key: v.values[i] for v, i in zip(variables, combo, strict=True)})
        try:
            if not all(a(env) for a in assumptions):
                continue
            fired = [r for r in d.rules if r.when(env)]
        except Exception:
            continue
        points += 1
        if not fired:
            gaps.append(combo)
            continue
        if len(fired) > 1:
            overlaps.append((combo, tuple(r.id for r in fired)))
        best = max(fired, key=lambda r: r.priority) if policy == "priority" else fired[0]
        chosen |= {r.id for r in fired} if policy == "collect" else {best.id}
    never = tuple(r.id for r in d.rules if r.id not in chosen)
    gap_regions = tuple(Region(c) for c in _merge(gaps, variables))
    overlap_regions = tuple(
        Region(c, rules)
        for rules in sorted({o[1] for o in overlaps})
        for c in _merge([o[0] for o in overlaps if o[1] == rules], variables)
    )
    return VerificationReport(d.name, policy, gap_regions, overlap_regions, never, points, True)


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
    """Verify every customer-level decision of ``engine`` with its parameter values."""
    return [verify_decision(d, engine.params) for d in engine.program.decisions]
