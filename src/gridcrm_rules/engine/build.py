"""From resolved packs to compiled decisions: check every name, order the graph.

All problems in all packs are collected and raised as one :class:`PackError`
whose records name pack -> decision -> rule -> field -> column, with the file
and line where the rule was written.
"""

from __future__ import annotations

import graphlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Final

from ..errors import ErrorRecord, PackError
from ..expr import (
    Binding,
    Checker,
    Compiled,
    ExprSyntaxError,
    check_bool,
    compile_expr,
    ir,
    parse,
    suggest,
)
from ..expr.functions import FunctionSpec
from ..expr.numbers import literal_problem
from ..expr.types import BOOL, DATE, DATETIME, NUMBER, STR, Kind, Type
from ..facts import FactRegistry
from ..models import Citation, PackRef
from ..models.regulations import regulation_title
from ..packs import DecisionSpec, ResolvedPack, RuleSpec
from ..packs.load import Position
from .kernel import DecisionKernel, fuse
from .names import (
    EVENT_MODELS,
    customer_bindings,
    event_bindings,
    output_type,
    param_type,
)

__all__ = ["EMIT_OUTPUTS", "CompiledDecision", "CompiledRule", "Program", "build_program"]

ENTITLEMENT_LEVELS: Final = ("granted", "suggested", "required", "on_restoration")
TASK_BASES: Final = ("working_days", "hours", "calendar")

EMIT_OUTPUTS: Final[Mapping[str, Mapping[str, tuple[Type, bool]]]] = {
    "value": {},
    "entitlement": {"code": (STR, True), "level": (Type.enum(*ENTITLEMENT_LEVELS), True)},
    "task": {
        "kind": (STR, True),
        "due": (DATETIME, True),
        "basis": (Type.enum(*TASK_BASES), True),
        "channel": (STR.or_none(), False),
        "unit": (STR.or_none(), False),
        # how the task is completed and extended (engine/tasks.py, docs/deadlines.md)
        "completed_by": (Type.enum(*EVENT_MODELS).or_none(), False),
        "completed_after": (DATETIME.or_none(), False),
        "for_year": (NUMBER.or_none(), False),
        "completed_amount_of": (STR.or_none(), False),
        "episode_of": (STR.or_none(), False),
        "extended_by": (Type.enum(*EVENT_MODELS).or_none(), False),
        "extension_notice_days": (NUMBER, False),
        "extension_months": (NUMBER, False),
    },
}
"""Outputs each kind of decision must (True) or may (False) give, beyond its own."""


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule ready to run: condition and outputs as functions, plus their IR."""

    id: str
    when: Compiled
    when_ir: ir.Node
    reads: tuple[str, ...]
    output_reads: tuple[str, ...]
    outputs: tuple[tuple[str, Compiled], ...]
    output_nodes: tuple[tuple[str, ir.Node | None], ...]
    """The outputs' IR, in the order of ``outputs`` (None: call the function)."""
    source: Citation
    priority: int
    effective_from: date | None
    effective_to: date | None

    def active_on(self, day: date) -> bool:
        """Whether the rule is in force on ``day`` (its effective dates)."""
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to


@dataclass(frozen=True, slots=True)
class CompiledDecision:
    """A decision table ready to run, with where it came from."""

    name: str
    pack: PackRef
    spec: DecisionSpec
    rules: tuple[CompiledRule, ...]
    default: tuple[tuple[str, Any], ...]
    depends_on: frozenset[str]
    schema: Mapping[str, Binding]
    assumptions: tuple[ir.Node, ...]
    kernel: DecisionKernel
    """The rules fused into generated functions (what the scalar step runs)."""
    declared_regions: tuple[tuple[ir.Node, str], ...] = ()
    """(condition, reason) of each region the pack leaves to the default or elsewhere."""


@dataclass(frozen=True, slots=True)
class Program:
    """Every decision of an engine in evaluation order, with params and facts."""

    decisions: tuple[CompiledDecision, ...]
    params: Mapping[str, Any]
    packs: tuple[PackRef, ...]
    facts_read: frozenset[str]

    def filling(self, part: str) -> CompiledDecision | None:
        """The decision whose pack declares ``fills: <part>`` (at most one), if any."""
        return next((d for d in self.decisions if d.spec.fills == part), None)


def _literal(value: Any, t: Type, loc: tuple[str | int, ...]) -> tuple[Any, ErrorRecord | None]:
    """Validate a literal output value against its declared type."""
    if value is None:
        ok = t.nullable
    elif t.kind is Kind.BOOL:
        ok = isinstance(value, bool)
    elif t.kind is Kind.NUMBER:
        ok = isinstance(value, int | float | Decimal | str) and not isinstance(value, bool)
        if ok:
            try:
                value = value if isinstance(value, int) else Decimal(str(value))
            except ArithmeticError:
                ok = False
            else:
                problem = literal_problem(value)
                if problem is not None:
                    return value, ErrorRecord("number_out_of_range", loc,
                                              f"{problem} (docs/conditions.md)", str(value)[:40])
    elif t.kind is Kind.STR:
        ok = isinstance(value, str) and (not t.choices or value in t.choices)
    elif t.kind is Kind.DATE:
        ok = isinstance(value, date)
    else:
        ok = t.kind is Kind.ANY
    if ok:
        return value, None
    return value, ErrorRecord("output_type", loc, f"expected {t}, got {value!r}", value)


class _Builder:
    def __init__(self, facts: FactRegistry, functions: Mapping[str, FunctionSpec]) -> None:
        self.facts = facts
        self.functions = functions
        self.errors: list[ErrorRecord] = []

    def expression(
        self, source: str, schema: Mapping[str, Binding], loc: tuple[str | int, ...], where: str
    ) -> tuple[ir.Node, Type] | None:
        """Parse and type-check a formula; None (errors recorded) when it is wrong."""
        return self._checked(source, schema, loc, where, condition=False)

    def condition(
        self, source: str, schema: Mapping[str, Binding], loc: tuple[str | int, ...], where: str
    ) -> ir.Node | None:
        """Parse and check a ``when:``, which must be a bool."""
        got = self._checked(source, schema, loc, where, condition=True)
        return got[0] if got is not None else None

    def _checked(
        self,
        source: str,
        schema: Mapping[str, Binding],
        loc: tuple[str | int, ...],
        where: str,
        *,
        condition: bool,
    ) -> tuple[ir.Node, Type] | None:
        try:
            node = parse(source, loc=loc)
        except ExprSyntaxError as exc:
            self.errors.append(_with_where(exc.record, where))
            return None
        checker = Checker(schema, self.functions, source.strip(), loc)
        if condition:
            check_bool(checker, node)
            t = BOOL
        else:
            t = checker.check(node)
        self.errors.extend(_with_where(e, where) for e in checker.errors)
        return (node, t) if not checker.errors else None

    def output(
        self,
        name: str,
        value: Any,
        t: Type,
        schema: Mapping[str, Binding],
        loc: tuple[str | int, ...],
        where: str,
    ) -> tuple[Compiled, tuple[str, ...], ir.Node | None] | None:
        """A function for one output value, the keys its formula reads, and its IR.

        The IR is the formula, or a ``Const`` for a plain literal; None for a
        literal the IR cannot hold (a date), which the scalar step then calls.
        """
        if isinstance(value, str) and value.startswith("="):
            got = self.expression(value[1:], schema, loc, where)
            if got is None:
                return None
            node, vt = got
            if vt.kind not in (t.kind, Kind.NONE, Kind.ANY) and t.kind is not Kind.ANY:
                self.errors.append(
                    ErrorRecord("output_type", loc, f"formula gives {vt}, expected {t} ({where})")
                )
                return None
            return compile_expr(node, schema, self.functions), _reads(node, schema), node
        literal, error = _literal(value, t, loc)
        if error is not None:
            self.errors.append(_with_where(error, where))
            return None
        const = None
        if literal is None or isinstance(literal, bool | int | Decimal | str):
            const = ir.Const(literal, ir.Pos(0, 0))
        return (lambda env: literal), (), const

    def rule(
        self,
        pack: ResolvedPack,
        dname: str,
        spec: DecisionSpec,
        rule: RuleSpec,
        index: int,
        schema: Mapping[str, Binding],
        out_types: Mapping[str, tuple[Type, bool]],
    ) -> CompiledRule | None:
        src, written_at = pack.rule_origins.get((dname, rule.id), (pack.origins[dname], index))
        base: tuple[str | int, ...] = (pack.name, dname, rule.id)
        path: tuple[str | int, ...] = ("decisions", dname, "rules", written_at)
        node = self.condition(
            rule.when, schema, (*base, "when"), src.where((*path, "when"), _lead(rule.when))
        )
        outputs: list[tuple[str, Compiled]] = []
        output_nodes: list[tuple[str, ir.Node | None]] = []
        output_reads: list[str] = []
        for name, (t, required) in out_types.items():
            if name not in rule.outputs:
                if required and spec.emits != "value":
                    self.errors.append(
                        ErrorRecord(
                            "missing_output",
                            (*base, "outputs", name),
                            f"a {spec.emits} rule must give {name!r} ({src.where(path)})",
                        )
                    )
                continue
            value = rule.outputs[name]
            formula = value[1:] if isinstance(value, str) and value.startswith("=") else ""
            shift = 1 + len(formula) - len(formula.lstrip()) if formula else 0
            where = src.where((*path, "outputs", name), shift)
            got = self.output(name, rule.outputs[name], t, schema, (*base, "outputs", name), where)
            if got is not None:
                outputs.append((name, got[0]))
                output_nodes.append((name, got[2]))
                output_reads += got[1]
        for name in rule.outputs:
            if name not in out_types:
                hint = ", ".join(sorted(out_types)) or "none declared"
                self.errors.append(
                    ErrorRecord(
                        "unknown_output",
                        (*base, "outputs", name),
                        f"output {name!r} is not declared by decision {dname!r} (outputs: {hint}) "
                        f"({src.where((*path, 'outputs', name))})",
                        name,
                    )
                )
        if node is None:
            return None
        source = rule.source
        return CompiledRule(
            id=rule.id,
            when=compile_expr(node, schema, self.functions),
            when_ir=node,
            reads=_reads(node, schema),
            output_reads=tuple(dict.fromkeys(output_reads)),
            outputs=tuple(outputs),
            output_nodes=tuple(output_nodes),
            source=Citation(
                clause=(source.clause if source and source.clause else rule.id),
                document=source.document if source else None,
                text=source.text if source else None,
                title=regulation_title(source.document) if source else None,
            ),
            priority=rule.priority,
            effective_from=rule.effective_from,
            effective_to=rule.effective_to,
        )


def _reads(node: ir.Node, schema: Mapping[str, Binding]) -> tuple[str, ...]:
    """Canonical keys of every name in ``node``, in first-seen order."""
    return tuple(dict.fromkeys(schema[n.name].key for n in ir.walk(node) if isinstance(n, ir.Name)))


def _lead(text: str) -> int:
    """Blanks before a condition: its columns count from the stripped text."""
    return len(text) - len(text.lstrip())


def _with_where(record: ErrorRecord, where: str) -> ErrorRecord:
    """``record`` with its file position; the caret line is the file's, where known.

    An expression's record carries its column inside the expression; in a pack
    file the message names ``file:line:column``, so the quoted line becomes that
    file line and the caret moves to that column (not the expression's).
    """
    source_line, column = record.source_line, record.column
    if isinstance(where, Position):
        in_file = where.source_at(record.column)
        if in_file is not None and source_line is not None:
            source_line, column = in_file
        where = where.at(record.column)
    msg = record.msg if where in record.msg else f"{record.msg} ({where})"
    return ErrorRecord(
        record.type, record.loc, msg, record.input, source_line, column, record.ctx
    )


def _bare_aliases(bindings: dict[str, Binding], taken: set[str]) -> dict[str, Binding]:
    """``category`` for ``customer.category`` etc., where the bare word is free."""
    counts: dict[str, int] = {}
    for key in bindings:
        bare = key.split(".", 1)[1]
        counts[bare] = counts.get(bare, 0) + 1
    return {
        key.split(".", 1)[1]: b
        for key, b in bindings.items()
        if counts[key.split(".", 1)[1]] == 1 and key.split(".", 1)[1] not in taken
    }


def build_program(
    packs: Sequence[ResolvedPack],
    facts: FactRegistry,
    functions: Mapping[str, FunctionSpec],
    param_values: Mapping[str, Any] | None = None,
) -> Program:
    """Check and compile every decision of ``packs``; raise one PackError on problems."""
    b = _Builder(facts, functions)
    owners: dict[str, ResolvedPack] = {}
    param_specs: dict[str, Any] = {}
    for pack in packs:
        for pname, pspec in pack.params.items():
            if pname in param_specs and param_specs[pname] != pspec:
                b.errors.append(
                    ErrorRecord(
                        "param_clash",
                        (pack.name, "params", pname),
                        f"parameter {pname!r} is declared differently by two packs",
                    )
                )
            param_specs[pname] = pspec
        for dname in pack.decisions:
            if dname in owners:
                b.errors.append(
                    ErrorRecord(
                        "decision_clash",
                        (pack.name, dname),
                        f"decision {dname!r} is defined by packs {owners[dname].name!r} and "
                        f"{pack.name!r}; extend one pack instead of loading both",
                    )
                )
            owners[dname] = pack
    params = {n: s.default for n, s in param_specs.items()}
    for pname, value in (param_values or {}).items():
        if pname not in param_specs:
            b.errors.append(
                ErrorRecord(
                    "unknown_param",
                    ("params", pname),
                    f"unknown parameter {pname!r}{suggest(pname, list(param_specs))}",
                    value,
                )
            )
            continue
        try:
            params[pname] = param_specs[pname].coerce(value)
        except ValueError as exc:
            b.errors.append(ErrorRecord("param_type", ("params", pname), str(exc), value))

    common: dict[str, Binding] = {
        name: Binding(name, t, facts.doc(name)) for name, t in facts.types.items()
    }
    common["as_of"] = Binding("as_of", DATETIME, "the evaluation instant")
    common["cutoff"] = Binding("cutoff", DATE, "last day of the month before as_of")
    customer = customer_bindings()
    pbind = {f"params.{n}": Binding(f"params.{n}", param_type(s)) for n, s in param_specs.items()}
    outputs_of: dict[str, Binding] = {}
    for dname, pack in owners.items():
        spec = pack.decisions[dname]
        if spec.emits == "value" and spec.over == "customer":
            for oname, ospec in spec.outputs.items():
                key = f"{dname}.{oname}"
                outputs_of[key] = Binding(key, output_type(ospec))
    base = {**common, **customer, **pbind, **outputs_of}
    base.update(_bare_aliases({**customer, **pbind}, set(common)))

    compiled: dict[str, CompiledDecision] = {}
    for dname, pack in owners.items():
        spec = pack.decisions[dname]
        schema = {k: v for k, v in base.items() if not k.startswith(f"{dname}.")}
        if spec.over == "events":
            unknown = [t for t in spec.event_types if t not in _event_type_names()]
            if unknown:
                b.errors.append(
                    ErrorRecord(
                        "unknown_event_type",
                        (pack.name, dname, "event_types"),
                        f"unknown event types: {', '.join(unknown)}",
                    )
                )
                continue
            schema.update(event_bindings(spec.event_types))
        out_types = {**EMIT_OUTPUTS[spec.emits]}
        out_types.update({n: (output_type(o), False) for n, o in spec.outputs.items()})
        rules = [
            b.rule(pack, dname, spec, r, i, schema, out_types) for i, r in enumerate(spec.rules)
        ]
        default = []
        for oname, value in (spec.default or {}).items():
            if oname not in out_types:
                b.errors.append(
                    ErrorRecord(
                        "unknown_output",
                        (pack.name, dname, "default", oname),
                        f"default for undeclared output {oname!r}",
                    )
                )
                continue
            literal, err = _literal(
                value, out_types[oname][0], (pack.name, dname, "default", oname)
            )
            if err:
                b.errors.append(err)
            default.append((oname, literal))
        assumptions = []
        for i, text in enumerate(spec.assumptions):
            node = b.condition(
                text,
                schema,
                (pack.name, dname, "assumptions", i),
                pack.origins[dname].where(("decisions", dname, "assumptions", i), _lead(text)),
            )
            if node is not None:
                assumptions.append(node)
        regions = []
        for i, region in enumerate(spec.declared_regions):
            node = b.condition(
                region.when,
                schema,
                (pack.name, dname, "declared_regions", i, "when"),
                pack.origins[dname].where(
                    ("decisions", dname, "declared_regions", i, "when"), _lead(region.when)
                ),
            )
            if node is not None:
                regions.append((node, region.reason))
        deps = {
            key.split(".", 1)[0]
            for r in rules
            if r is not None
            for key in (*r.reads, *r.output_reads)
            if "." in key and key.split(".", 1)[0] in owners
        }
        kept = tuple(r for r in rules if r is not None)
        compiled[dname] = CompiledDecision(
            name=dname,
            pack=PackRef(name=pack.name, version=pack.version),
            spec=spec,
            rules=kept,
            default=tuple(default),
            depends_on=frozenset(deps),
            schema=schema,
            assumptions=tuple(assumptions),
            declared_regions=tuple(regions),
            kernel=fuse((pack.name, dname), spec.hit_policy, kept, dict(default), schema,
                        b.functions),
        )
    facts_read = frozenset(
        key
        for d in compiled.values()
        for r in d.rules
        for key in (*r.reads, *r.output_reads)
        if key in facts.types
    )
    for provider in facts.providers_for(set(facts_read)):
        for needed in provider.params:
            if needed not in params:
                msg = (
                    f"facts {provider.name!r} need parameter {needed!r}; no loaded pack declares it"
                )
                b.errors.append(ErrorRecord("missing_param", ("facts", provider.name, needed), msg))
    b.errors += _fill_clashes(compiled)
    if b.errors:
        from .hints import with_missing_pack_hints

        raise PackError(_title(packs), with_missing_pack_hints(b.errors, packs))
    credit = next((d for d in compiled.values() if d.spec.fills == "credit"), None)
    members = next((d for d in compiled.values() if d.spec.fills == "key_account_list"), None)
    if credit is not None and members is not None:
        # An override's scope reads the key-account list (engine.credit_result, RULES.md §2).
        compiled[credit.name] = replace(credit, depends_on=credit.depends_on | {members.name})
    order = _order(compiled, packs)
    return Program(
        decisions=tuple(compiled[n] for n in order),
        params=params,
        packs=tuple(PackRef(name=p.name, version=p.version) for p in packs),
        facts_read=facts_read,
    )


def _fill_clashes(compiled: Mapping[str, CompiledDecision]) -> list[ErrorRecord]:
    """One error per part of the Decision that two decisions both declare to fill."""
    by_part: dict[str, list[str]] = {}
    for name, d in compiled.items():
        if d.spec.fills is not None:
            by_part.setdefault(d.spec.fills, []).append(name)
    return [
        ErrorRecord("fills_clash", ("decisions", names[1], "fills"),
                    f"decisions {', '.join(sorted(names))} all fill {part!r}; only one may")
        for part, names in sorted(by_part.items()) if len(names) > 1
    ]


def _event_type_names() -> frozenset[str]:
    return frozenset(EVENT_MODELS)


def _title(packs: Sequence[ResolvedPack]) -> str:
    return "packs " + ", ".join(p.name for p in packs)


def _order(compiled: Mapping[str, CompiledDecision], packs: Sequence[ResolvedPack]) -> list[str]:
    """Topological order (ties by name, for determinism); a cycle is a PackError."""
    sorter = graphlib.TopologicalSorter({n: d.depends_on for n, d in compiled.items()})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise PackError(
            _title(packs),
            [
                ErrorRecord(
                    "decision_cycle",
                    ("decisions",),
                    f"decisions read each other in a cycle: {cycle}",
                )
            ],
        ) from None
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order += ready
        sorter.done(*ready)
    return order
