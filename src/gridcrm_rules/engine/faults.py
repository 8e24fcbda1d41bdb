"""Fault scoping: a failing decision part becomes an error record, not a lost decision.

When one decision (or one trigger event of an event-scoped decision) cannot be
decided -- a rule raises :class:`~gridcrm_rules.errors.EvaluationError`, or a
deadline needs a year the calendar does not cover
(:class:`~gridcrm_rules.errors.CalendarDataMissing`) -- the engine records a
:class:`~gridcrm_rules.models.PartError` on the decision and goes on:

* a task decision gives the task it could not finish as ``undetermined``
  (``due=None``; its other outputs where they can be computed);
* a value or entitlement decision gives nothing for that part, and every
  decision that reads its outputs is ``dependency_failed`` in turn (it is not
  decided on a guessed input);
* everything else in the decision stands.

docs/concepts.md "What happens when something fails" is the user's account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from pydantic import ValidationError

from ..errors import CalendarDataMissing, EvaluationError
from ..expr import ir
from ..expr.types import Type
from ..models import PartError, Task
from .build import EMIT_OUTPUTS, CompiledDecision, CompiledRule
from .names import output_type

__all__ = [
    "WHOLE_OUTPUTS",
    "Fault",
    "OutputChecks",
    "OutputType",
    "check_outputs",
    "declared_outputs",
    "dependency_failed",
    "fact_failed",
    "invalid_result",
    "output_checks",
    "output_problem",
    "part_error",
    "undetermined_task",
]

Fault = EvaluationError | CalendarDataMissing
"""What a decision part may raise; anything else is a bug, and propagates."""

_CALENDAR_HINT: Final = (
    "add the State Council notice for {year} as a schedule file (--schedule FILE on the "
    "command line; WorkingDayCalendar.china(schedules=...) or with_schedule in Python; "
    "docs/calendar.md), or opt into a named fallback (--calendar-fallback weekdays; "
    "with_fallback)"
)


WHOLE_OUTPUTS: Final = frozenset({("key_account", "tier")})
"""Number outputs the result models hold as whole numbers (``KeyAccountProfile.tier``)."""


@dataclass(frozen=True, slots=True)
class OutputType:
    """What a computed output must be: its declared type, and whether a whole number."""

    type: Type
    whole: bool = False


def declared_outputs(d: CompiledDecision) -> dict[str, OutputType]:
    """The declared type of every output a rule of ``d`` may give (its own and its kind's)."""
    own = {name: output_type(spec) for name, spec in d.spec.outputs.items()}
    types = {**own, **{name: t for name, (t, _) in EMIT_OUTPUTS[d.spec.emits].items()}}
    return {name: OutputType(t, (d.name, name) in WHOLE_OUTPUTS) for name, t in types.items()}


def output_problem(t: OutputType, value: Any) -> str | None:
    """Why a computed output breaks its declared type (None where it may not be None, a text
    outside its choices, a fraction where a whole number is held); None when it is fine.
    The checker already fixed the kind."""
    if value is None:
        return None if t.type.nullable else "is None (missing value), which it may not be"
    if t.type.choices is not None and value not in t.type.choices:
        return f"is {value!r}, not one of {', '.join(sorted(t.type.choices))}"
    if t.whole and isinstance(value, Decimal) and value != value.to_integral_value():
        return f"is {value}, not a whole number"
    return None


OutputChecks = Mapping[str, tuple[tuple[str, OutputType], ...]]
"""Per rule id of one decision: the outputs a hit of that rule is checked for, in the
rule's order, with their declared types (:func:`output_checks`)."""


def output_checks(d: CompiledDecision) -> OutputChecks:
    """What :func:`check_outputs` checks on each hit of each rule of ``d``: every computed
    output with a declared type, and a literal one only where it breaks that type (as it
    then does on every hit, it is checked, and refused, every time).  A literal that fits
    its type cannot stop fitting: it is checked here, once."""
    types = declared_outputs(d)
    checks: dict[str, tuple[tuple[str, OutputType], ...]] = {}
    for rule in d.rules:
        checks[rule.id] = tuple(
            (name, types[name])
            for name, node in rule.output_nodes
            if name in types
            and not (isinstance(node, ir.Const) and output_problem(types[name], node.value) is None)
        )
    return checks


def check_outputs(
    d: CompiledDecision, checks: OutputChecks,
    hits: list[tuple[CompiledRule, dict[str, Any]]],
) -> None:
    """Raise ``invalid_output`` for the first output of a hit that breaks its declared type
    (``checks``: :func:`output_checks` of ``d``, which leaves out literals that fit)."""
    for rule, outputs in hits:
        for name, t in checks[rule.id]:
            value = outputs[name]
            problem = output_problem(t, value)
            if problem is not None:
                raise EvaluationError(f"output {name!r} {problem}", type="invalid_output",
                                      loc=(d.pack.name, d.name, rule.id, name),
                                      values={name: value})


def _text(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _rule(d: CompiledDecision, loc: tuple[str | int, ...]) -> CompiledRule | None:
    """The rule a located fault names (pack, decision, rule, ...), if any."""
    if len(loc) < 3:
        return None
    return next((r for r in d.rules if r.id == loc[2]), None)


def part_error(exc: Fault, d: CompiledDecision, trigger: str | None) -> PartError:
    """The error record of ``exc`` raised while deciding ``d`` (for event ``trigger``)."""
    loc = exc.loc or (d.pack.name, d.name)
    rule = _rule(d, loc)
    clause = rule.source.clause if rule is not None else None
    if isinstance(exc, CalendarDataMissing):
        span = f" (known: {exc.covered[0]}-{exc.covered[1]})" if exc.covered else ""
        return PartError(
            type="calendar_data_missing",
            loc=tuple(str(p) for p in loc),
            msg=f"no official working-day schedule for {exc.year}{span}",
            decision=d.name,
            clause=clause,
            trigger_event_id=trigger,
            year=exc.year,
            hint=_CALENDAR_HINT.format(year=exc.year),
        )
    return PartError(
        type=exc.type,
        loc=tuple(str(p) for p in loc),
        msg=exc.msg,
        decision=d.name,
        clause=clause,
        trigger_event_id=trigger,
        values={k: _text(v) for k, v in exc.values.items()},
        hint="fix the input value or the rule (docs/conditions.md \"Numbers and limits\")"
        if exc.type in ("number_out_of_range", "bad_argument") else None,
    )


def dependency_failed(d: CompiledDecision, failed: str, trigger: str | None) -> PartError:
    """``d`` was not decided because decision ``failed``, which it reads, failed."""
    return PartError(
        type="dependency_failed",
        loc=(d.pack.name, d.name),
        msg=f"not decided: it reads the decision {failed!r}, which could not be decided",
        decision=d.name,
        trigger_event_id=trigger,
    )


def fact_failed(provider: str, exc: Exception) -> PartError:
    """A fact provider raised: its facts are missing for this customer."""
    return PartError(
        type="fact_error",
        loc=("facts", provider),
        msg=f"the facts of {provider!r} could not be computed: {type(exc).__name__}: {exc}",
        decision=f"facts.{provider}",
        hint="the decisions reading these facts are dependency_failed; check the fact "
        "function and the customer's history",
    )


def invalid_result(d: CompiledDecision, exc: ValidationError) -> EvaluationError:
    """An output the result model refuses (e.g. a fractional key-account tier)."""
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in first["loc"])
    return EvaluationError(f"output {where!r} cannot be used: {first['msg']}",
                           type="invalid_output", loc=(d.pack.name, d.name),
                           values={where: first.get("input")})


def _output(rule: CompiledRule, name: str, env: Mapping[str, Any]) -> Any:
    """One output of ``rule``, or None when it cannot be computed either."""
    fn = dict(rule.outputs).get(name)
    if fn is None:
        return None
    try:
        return fn(env)
    except (EvaluationError, CalendarDataMissing):
        return None


def undetermined_task(
    d: CompiledDecision, exc: Fault, env: Mapping[str, Any], trigger: str | None
) -> Task | None:
    """The task a failing task rule would have given, ``undetermined`` (None: no rule known)."""
    rule = _rule(d, exc.loc)
    if rule is None:
        return None
    kind = _output(rule, "kind", env)
    basis = _output(rule, "basis", env)
    return Task(
        kind=kind if isinstance(kind, str) else rule.id,
        clause=rule.source.clause,
        trigger_event_id=trigger,
        due=None,
        basis=basis if basis in ("working_days", "hours", "calendar") else None,
        channel=_optional_text(_output(rule, "channel", env)),
        unit=_optional_text(_output(rule, "unit", env)),
        status="undetermined",
    )


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
