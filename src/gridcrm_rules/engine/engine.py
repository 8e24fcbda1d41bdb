"""The :class:`Engine`: evaluates compiled packs over one customer's facts.

An engine is immutable after construction and safe to share between threads:
every evaluation builds its own environment, and the same inputs give the same
decision whatever the order of the events.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

from pydantic import BaseModel, ValidationError

from .._extras import require_extra
from .._time import local_date, to_aware
from ..builtin import default_facts
from ..calendar import WorkingDayCalendar
from ..errors import CalendarDataMissing, ErrorRecord, EvaluationError, PackError
from ..expr import CONTEXT_KEY
from ..expr.numbers import engine_context
from ..facts import FactContext, FactRegistry
from ..functions import FUNCTIONS, EvalContext
from ..models import (
    CreditResult,
    Customer,
    Decision,
    DecisionOutcome,
    Entitlement,
    Event,
    GradeOverride,
    KeyAccountProfile,
    PackRef,
    PartError,
    RuleHit,
    Task,
    Trace,
    event_instant,
    known_at,
    parse_events,
)
from ..packs import PackRegistry, PackSpec, ResolvedPack
from ..windows import cutoff_of
from .build import CompiledDecision, CompiledRule, Program, build_program
from .episodes import episode_start, episode_window
from .faults import (
    OutputType,
    check_outputs,
    declared_outputs,
    dependency_failed,
    fact_failed,
    invalid_result,
    part_error,
    undetermined_task,
)
from .overrides import apply_overrides
from .step import DecisionStep
from .tasks import build_task

if TYPE_CHECKING:  # polars is imported only when a batch runs (the ``batch`` extra)
    from ..batch.result import BatchResult
    from ..live import LiveSession

__all__ = ["DEFAULT_PACKS", "Engine"]

DEFAULT_PACKS: Final = (
    "credit",
    "callbacks",
    "credit_tasks",
    "entitlements",
    "key_accounts",
    "key_account_duties",
    "service_quality",
)
"""The packs :meth:`Engine.default` loads."""

PackInput = str | os.PathLike[str] | Mapping[str, Any] | PackSpec
CustomerInput = Customer | Mapping[str, Any]
EventInput = BaseModel | Mapping[str, Any]
Hit = tuple[CompiledRule, dict[str, Any]]
KEY_ACCOUNT_MEMBER: Final = "member"
"""The output an override's scope reads from the decision that ``fills: key_account_list``
(decided before credit: build.py)."""


def _customer_env(customer: Customer) -> dict[str, Any]:
    return {f"customer.{k}": v for k, v in customer.__dict__.items()}


def _event_env(event: Event) -> dict[str, Any]:
    return {f"event.{k}": v for k, v in event.__dict__.items()}


def _raise_with_compile_errors(
    problems: Sequence[tuple[str, list[ErrorRecord]]],
    resolved: Sequence[ResolvedPack],
    params: Mapping[str, Any] | None,
    facts: FactRegistry | None,
) -> None:
    """Raise one PackError: the load problems plus the compile errors of what did load.

    So a bad parameter value does not hide a misspelt fact in the same file.
    """
    errors = [e for _, found in problems for e in found]
    try:
        build_program(resolved, facts if facts is not None else default_facts(), FUNCTIONS, params)
    except PackError as exc:
        errors += [e for e in exc.errors if e not in errors]
    raise PackError(", ".join(origin for origin, _ in problems), errors)


def _rebuild_engine(
    resolved: Sequence[ResolvedPack],
    params: Mapping[str, Any],
    calendar: WorkingDayCalendar,
    facts: FactRegistry,
) -> Engine:
    """An engine from its pickled recipe (:meth:`Engine.__reduce__`)."""
    return Engine(resolved, params=params, calendar=calendar, facts=facts)


class Engine:
    """Evaluates rule packs for customers.

    Build one with :meth:`default` or :meth:`from_packs`; it never changes
    afterwards (``with_params`` returns a new engine).
    """

    __slots__ = ("_calendar", "_facts", "_outputs", "_param_env", "_program", "_providers",
                 "_resolved", "_undated_steps")

    def __init__(
        self,
        resolved: Sequence[ResolvedPack],
        *,
        params: Mapping[str, Any] | None = None,
        calendar: WorkingDayCalendar | None = None,
        facts: FactRegistry | None = None,
    ) -> None:
        self._resolved = tuple(resolved)
        self._facts = facts if facts is not None else default_facts()
        self._calendar = calendar if calendar is not None else WorkingDayCalendar.china()
        self._program: Program = build_program(self._resolved, self._facts, FUNCTIONS, params)
        self._outputs: dict[str, dict[str, OutputType]] = {
            d.name: declared_outputs(d) for d in self._program.decisions}
        """Each decision's declared output types (checked on every hit, engine/faults.py)."""
        self._undated_steps: Mapping[str, DecisionStep] = {
            d.name: DecisionStep(d) for d in self._program.decisions
            if all(r.effective_from is None and r.effective_to is None for r in d.rules)}
        """The step of each decision without effective dates (never written after this, the
        same on every day): built once, not once per evaluation."""
        self._param_env: Mapping[str, Any] = MappingProxyType(
            {f"params.{k}": v for k, v in self._program.params.items()})
        """The parameters as rules read them (``params.<name>``), copied into every
        evaluation's environment."""
        self._providers = tuple(self._facts.providers_for(set(self._program.facts_read)))
        """The fact providers the rules need, in the order they are computed."""

    # -- construction -------------------------------------------------------------
    @classmethod
    def default(
        cls,
        *,
        params: Mapping[str, Any] | None = None,
        calendar: WorkingDayCalendar | None = None,
    ) -> Engine:
        """All built-in packs with the PRC working-day calendar."""
        return cls.from_packs(DEFAULT_PACKS, params=params, calendar=calendar)

    @classmethod
    def from_packs(
        cls,
        packs: Iterable[PackInput],
        *,
        params: Mapping[str, Any] | None = None,
        calendar: WorkingDayCalendar | None = None,
        facts: FactRegistry | None = None,
        registry: PackRegistry | None = None,
        include_defaults: bool = False,
    ) -> Engine:
        """Packs by built-in/registered name, file path, mapping or :class:`PackSpec`.

        A pack's ``requires`` are loaded too unless a given pack already
        provides (or extends) them.  With ``include_defaults=True`` every
        default pack that the given packs do not already provide is added, so
        ``from_packs(["my_credit.yaml"], include_defaults=True)`` runs your
        credit rules with all the other built-in decisions.
        """
        reg = registry if registry is not None else PackRegistry.discover()
        resolved: list[ResolvedPack] = []
        problems: list[tuple[str, list[ErrorRecord]]] = []
        for pack in packs:
            reg, r, errors, origin = reg.resolve_collecting(pack)
            resolved.append(r)
            if errors:
                problems.append((origin, errors))
        provided = {name for r in resolved for name in r.lineage}
        pending = [name for r in resolved for name in r.requires]
        if include_defaults:
            pending += list(DEFAULT_PACKS)
        while pending:
            name = pending.pop(0)
            if name in provided:
                continue
            reg, r = reg.resolve(name)
            resolved.append(r)
            provided |= set(r.lineage)
            pending += list(r.requires)
        if problems:
            _raise_with_compile_errors(problems, resolved, params, facts)
        return cls(resolved, params=params, calendar=calendar, facts=facts)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the recipe, not the compiled program: the resolved packs, parameters,
        calendar and fact registry, rebuilt on loading (so ``multiprocessing`` and Spark
        executors get an engine equal to this one, compiled where it runs)."""
        return (_rebuild_engine,
                (self._resolved, dict(self._program.params), self._calendar, self._facts))

    def with_params(self, **params: Any) -> Engine:
        """A new engine with some parameter values changed."""
        merged = {**self._program.params, **params}
        return Engine(self._resolved, params=merged, calendar=self._calendar, facts=self._facts)

    def with_calendar(self, calendar: WorkingDayCalendar) -> Engine:
        """A new engine computing deadlines with ``calendar`` (e.g. next year's schedule
        added with :meth:`WorkingDayCalendar.with_schedule`)."""
        return Engine(self._resolved, params=self._program.params, calendar=calendar,
                      facts=self._facts)

    # -- introspection ------------------------------------------------------------
    @property
    def packs(self) -> tuple[PackRef, ...]:
        """Name and version of every loaded pack."""
        return self._program.packs

    @property
    def params(self) -> Mapping[str, Any]:
        """Every parameter value in force."""
        return dict(self._program.params)

    @property
    def calendar(self) -> WorkingDayCalendar:
        """The working-day calendar deadlines are computed with."""
        return self._calendar

    @property
    def facts(self) -> FactRegistry:
        """The fact providers this engine computes facts with (for tools and backends)."""
        return self._facts

    @property
    def program(self) -> Program:
        """The compiled decisions, in evaluation order (for tools and backends)."""
        return self._program

    @property
    def resolved_packs(self) -> tuple[ResolvedPack, ...]:
        """The packs as loaded, with their ``extends`` chains merged."""
        return self._resolved

    def _repr_html_(self) -> str:
        from ..notebook import engine_html

        return engine_html(self)

    def __repr__(self) -> str:
        packs = ", ".join(f"{p.name} {p.version}" for p in self.packs)
        return f"Engine(packs=[{packs}], params={len(self._program.params)})"

    # -- evaluation ---------------------------------------------------------------
    def evaluate(
        self,
        customer: CustomerInput,
        events: Iterable[EventInput] = (),
        *,
        as_of: date | datetime | str,
    ) -> Decision:
        """Decide everything the loaded packs decide for one customer at ``as_of``.

        Raises ``pydantic.ValidationError`` for invalid input (with the field
        path).  A part that cannot be decided -- a rule raising
        :class:`~gridcrm_rules.errors.EvaluationError`, a deadline in a year
        without an official schedule
        (:class:`~gridcrm_rules.errors.CalendarDataMissing`) -- is reported in
        ``Decision.errors`` and the rest of the decision stands (a task whose due
        cannot be computed is ``undetermined``; docs/concepts.md).  Numbers are
        computed under the engine's own decimal context, whatever the caller's.
        """
        with engine_context():
            return self._evaluate(customer, events, as_of)

    def _evaluate(
        self, customer: CustomerInput, events: Iterable[EventInput], as_of: date | datetime | str
    ) -> Decision:
        cust = customer if isinstance(customer, Customer) else Customer.model_validate(customer)
        history = parse_events(events)
        instant = to_aware(as_of)
        known = tuple(known_at(history, instant))
        cutoff = cutoff_of(instant)
        evaluation = EvalContext(self._calendar)
        env, credit_facts, fact_errors, missing = self._env(cust, known, instant, evaluation)
        run = _Run(self, cust, known, instant, env)
        run.errors += fact_errors
        run.missing_facts = missing
        for decision in self._program.decisions:
            run.decide(decision, credit_facts)
        run.build_tasks()
        return Decision(
            customer_id=cust.id,
            as_of=instant,
            credit=run.credit,
            entitlements=tuple(run.entitlements),
            tasks=tuple(run.tasks),
            key_account=run.key_account,
            outcomes=run.outcomes,
            trace=Trace(
                packs=self._program.packs,
                as_of=instant,
                cutoff=cutoff,
                events_considered=len(known),
                events_after_as_of=len(history) - len(known),
                hits=tuple(run.hits),
                notes=tuple(evaluation.notes),
            ),
            errors=tuple(run.errors),
        )

    def _env(
        self,
        cust: Customer,
        known: tuple[Event, ...],
        instant: datetime,
        evaluation: EvalContext,
    ) -> tuple[dict[str, Any], dict[str, Any], list[PartError], dict[str, str]]:
        """The names rules read (params, customer, facts, instants), the credit facts, the
        fact functions that failed, and the facts they left missing (name -> provider)."""
        cutoff = cutoff_of(instant)
        ctx = FactContext(cust, known, instant, cutoff, self._program.params)
        env: dict[str, Any] = dict(self._param_env)
        env.update(_customer_env(cust))
        env.update({"as_of": instant, "cutoff": cutoff, CONTEXT_KEY: evaluation})
        credit_facts: dict[str, Any] = {}
        fact_errors: list[PartError] = []
        missing: dict[str, str] = {}
        for provider in self._providers:
            try:
                values = provider.compute(ctx)
            except Exception as exc:  # a fact function's fault costs the decisions reading it
                fact_errors.append(fact_failed(provider.name, exc))
                missing.update(dict.fromkeys(provider.provides, provider.name))
                continue
            env.update(values)
            if provider.reported_in == "credit":
                credit_facts = dict(values)
        return env, credit_facts, fact_errors, missing

    def _computed_grade_at(
        self, customer: Customer, events: Sequence[Event], instant: datetime
    ) -> str | None:
        """The grade the ``credit`` decision computes (before overrides) from the events
        known at ``instant``: the grade a run at that instant determined (SV-C-NOTICE)."""
        credit = next((d for d in self._program.decisions if d.spec.fills == "credit"), None)
        if credit is None:
            return None
        known = tuple(e for e in events if event_instant(e) <= instant)
        env, _, fact_errors, _ = self._env(customer, known, instant, EvalContext(self._calendar))
        if fact_errors:  # the grade of that month end cannot be computed either
            return None
        matched = DecisionStep(credit, day=local_date(instant)).matches(env)
        values = dict(credit.default)
        if matched:
            values.update(matched[0][1])
        grade = values.get("grade")
        return None if grade is None else str(grade)

    def live(
        self, *, restore: bytes | str | Mapping[str, Any] | None = None, rederive: bool = False
    ) -> LiveSession:
        """A live session following customers event by event (docs/live.md).

        ``restore``: a snapshot from :meth:`LiveSession.snapshot`; refused with
        :class:`~gridcrm_rules.errors.SnapshotMismatch` when it was taken under another
        pack set, versions or parameters, unless ``rederive=True`` (its inputs are then
        replayed under this engine and nothing is reported as changed).
        """
        from ..live import LiveSession

        if restore is None:
            return LiveSession(self)
        return LiveSession.restore(self, restore, rederive=rederive)

    def evaluate_batch(
        self,
        customers: Any,
        events: Any = None,
        *,
        as_of: date | datetime | str,
        **options: Any,
    ) -> BatchResult:
        """Decide a whole table of customers at once (needs the ``batch`` extra).

        Same answers as :meth:`evaluate` per customer, computed as columns; returns a
        :class:`gridcrm_rules.batch.BatchResult` (decisions, tasks, errors).  See
        :func:`gridcrm_rules.batch.evaluate_batch` for the inputs and ``options``.
        """
        require_extra("batch", "Engine.evaluate_batch")
        from ..batch import evaluate_batch

        return evaluate_batch(self, customers, events, as_of=as_of, facts=self._facts, **options)

    # -- impact analysis (gridcrm_rules.impact) ---------------------------------------
    def compare(
        self, other: Engine, customers: Any, events: Any = None, *,
        as_of: date | datetime | str, **options: Any,
    ) -> Any:
        """What replacing this engine (before) by ``other`` (after) does to a population:
        a :class:`gridcrm_rules.impact.Comparison` (needs the ``batch`` extra)."""
        from ..impact import compare

        return compare(self, other, customers, events, as_of=as_of, **options)

    def timeline(
        self, customer: CustomerInput, events: Iterable[EventInput] = (), *,
        start: date | datetime | str, end: date | datetime | str, every: Literal["month"] = "month",
    ) -> Any:
        """The decision at every monthly re-grade instant from ``start`` to ``end``: a
        :class:`gridcrm_rules.impact.Timeline` (each point equals :meth:`evaluate` then)."""
        from ..impact import timeline

        return timeline(self, customer, events, start=start, end=end, every=every)

    def timeline_batch(
        self, customers: Any, events: Any = None, *, start: date | datetime | str,
        end: date | datetime | str, every: Literal["month"] = "month", **options: Any,
    ) -> Any:
        """Every customer's decision at every re-grade instant, as one long table: a
        :class:`gridcrm_rules.impact.TimelineTable` (needs the ``batch`` extra)."""
        from ..impact import timeline_batch

        return timeline_batch(self, customers, events, start=start, end=end,
                              every=every, **options)


@dataclass(frozen=True, slots=True)
class _PendingTask:
    """A task rule that fired; its task is built after every decision is made."""

    decision: CompiledDecision
    rule: CompiledRule
    outputs: dict[str, Any]
    event: Event | None


class _Run:
    """The mutable working state of one evaluation (never shared)."""

    def __init__(
        self,
        engine: Engine,
        customer: Customer,
        events: tuple[Event, ...],
        as_of: datetime,
        env: dict[str, Any],
    ) -> None:
        self.engine = engine
        self.customer = customer
        self.events = events
        self.position = {e.id: i for i, e in enumerate(events)}
        self.by_type: dict[str, list[Event]] = {}
        for e in events:
            self.by_type.setdefault(e.type, []).append(e)
        self.as_of = as_of
        self.day = local_date(as_of)
        self.env = env
        self.hits: list[RuleHit] = []
        self.entitlements: list[Entitlement] = []
        self.tasks: list[Task] = []
        self.pending: list[_PendingTask | Task] = []
        """Tasks in decision order: rules that fired (built once every decision is made,
        :meth:`build_tasks`) and the ``undetermined`` tasks of rules that failed."""
        self.outcomes: dict[str, DecisionOutcome] = {}
        self.credit: CreditResult | None = None
        self.key_account: KeyAccountProfile | None = None
        self.key_account_checks: tuple[str, ...] = ()
        self.errors: list[PartError] = []
        self.failed: set[str] = set()
        """Decisions with a part that could not be decided (their readers are not decided)."""
        self.missing_facts: dict[str, str] = {}
        """Facts whose provider failed (fact name -> provider name)."""

    def decide(self, d: CompiledDecision, credit_facts: Mapping[str, Any]) -> None:
        if d.spec.over == "customer":
            self.part(d, self.env, None, credit_facts)
            return
        triggers = [e for t in d.spec.event_types for e in self.by_type.get(t, ())]
        if len(d.spec.event_types) > 1:  # one type's events are already in history order
            triggers.sort(key=lambda e: self.position[e.id])
        for event in triggers:
            self.part(d, {**self.env, **_event_env(event)}, event, credit_facts)

    def part(
        self, d: CompiledDecision, env: Mapping[str, Any], event: Event | None,
        credit_facts: Mapping[str, Any],
    ) -> None:
        """Decide one part (the customer, or one trigger event); a fault stays in it."""
        trigger = event.id if event is not None else None
        failed = sorted(d.depends_on & self.failed)
        lost = sorted({self.missing_facts[k] for r in d.rules for k in (*r.reads, *r.output_reads)
                       if k in self.missing_facts}) if self.missing_facts else []
        if failed or lost:
            self.errors.append(dependency_failed(d, failed[0] if failed else f"facts.{lost[0]}",
                                                 trigger))
            self.failed.add(d.name)
            return
        hits_before, pending_before = len(self.hits), len(self.pending)
        try:
            hits = self.fire(d, env, trigger)
            check_outputs(d, self.engine._outputs[d.name], hits)
            try:
                self.collect(d, hits, event, credit_facts)
            except ValidationError as invalid:  # an output the result model cannot hold
                raise invalid_result(d, invalid) from None
        except (EvaluationError, CalendarDataMissing) as exc:
            del self.hits[hits_before:], self.pending[pending_before:]  # nothing of a failed part
            if d.spec.emits == "task" and d.spec.hit_policy == "collect":
                self.rule_by_rule(d, env, event, credit_facts)  # the other tasks stand
            elif d.spec.emits == "task":
                self.undetermined(d, exc, env, trigger)
            else:
                self.errors.append(part_error(exc, d, trigger))
                self.failed.add(d.name)
                self.forget(d)

    def _key_account_member(self) -> Any:
        """Whether the customer is on the key-account list (None: no pack decides it)."""
        members = self.engine.program.filling("key_account_list")
        return None if members is None else self.env.get(f"{members.name}.{KEY_ACCOUNT_MEMBER}")

    def forget(self, d: CompiledDecision) -> None:
        """Drop whatever a failed value decision had already given (no half outcome)."""
        self.outcomes.pop(d.name, None)
        for key in [k for k in self.env if k.startswith(f"{d.name}.")]:
            del self.env[key]
        if d.spec.fills == "credit":
            self.credit = None
        elif d.spec.fills == "key_account":
            self.key_account = None

    def undetermined(
        self, d: CompiledDecision, exc: EvaluationError | CalendarDataMissing,
        env: Mapping[str, Any], trigger: str | None,
    ) -> None:
        """Record a task rule's fault: its error, and the task as ``undetermined``."""
        self.errors.append(part_error(exc, d, trigger))
        task = undetermined_task(d, exc, env, trigger)
        if task is not None:
            self.pending.append(task)

    def rule_by_rule(
        self, d: CompiledDecision, env: Mapping[str, Any], event: Event | None,
        credit_facts: Mapping[str, Any],
    ) -> None:
        """A ``collect`` task table that failed, again one rule at a time: every task whose
        rule can be decided stands; each failing rule gives its own undetermined task."""
        trigger = event.id if event is not None else None
        for rule in d.rules:
            if not rule.active_on(self.day):
                continue
            try:
                try:
                    if not rule.when(env):
                        continue
                    outputs = {name: fn(env) for name, fn in rule.outputs}
                except (EvaluationError, CalendarDataMissing) as raw:
                    raise raw.located((d.pack.name, d.name, rule.id)) from None
                check_outputs(d, self.engine._outputs[d.name], [(rule, outputs)])
                self.record_hit(d, rule, outputs, env, trigger)
                self.collect(d, [(rule, outputs)], event, credit_facts)
            except (EvaluationError, CalendarDataMissing) as exc:
                self.undetermined(d, exc, env, trigger)

    def fire(self, d: CompiledDecision, env: Mapping[str, Any], trigger: str | None) -> list[Hit]:
        step = self.engine._undated_steps.get(d.name)
        if step is None:  # a table with dated rules: the rules in force on self.day
            step = DecisionStep(d, day=self.day)
        matched = step.matches(env)
        for rule, outputs in matched:
            self.record_hit(d, rule, outputs, env, trigger)
        return matched

    def record_hit(
        self, d: CompiledDecision, rule: CompiledRule, outputs: dict[str, Any],
        env: Mapping[str, Any], trigger: str | None,
    ) -> None:
        self.hits.append(
            RuleHit(
                pack=d.pack.name,
                decision=d.name,
                rule_id=rule.id,
                source=rule.source,
                reads={k: env[k] for k in rule.reads},
                outputs=outputs,
                trigger_event_id=trigger,
            )
        )

    def collect(
        self,
        d: CompiledDecision,
        hits: list[Hit],
        event: Event | None,
        credit_facts: Mapping[str, Any],
    ) -> None:
        if d.spec.emits == "entitlement":
            self.entitlements += [self.entitlement(r, o) for r, o in hits]
        elif d.spec.emits == "task":
            self.pending += [_PendingTask(d, r, o, event) for r, o in hits]
        else:
            values = dict(d.default)
            if hits and d.spec.hit_policy != "collect":
                values.update(hits[0][1])
            if d.spec.fills == "credit":
                values = self.credit_result(d, hits, values, credit_facts)
            for key, value in values.items():
                self.env[f"{d.name}.{key}"] = value
            self.outcomes[d.name] = DecisionOutcome(
                decision=d.name, rule_ids=tuple(r.id for r, _ in hits), values=values
            )
            if d.spec.fills == "key_account_checks":
                self.add_key_account_checks(hits)
            if d.spec.fills == "key_account":
                fields = KeyAccountProfile.model_fields
                self.key_account = KeyAccountProfile(
                    **{k: v for k, v in values.items() if k in fields and k != "checks"},
                    checks=self.key_account_checks,
                )

    def add_key_account_checks(self, hits: list[Hit]) -> None:
        """``KeyAccountProfile.checks`` gets "<clause>: <check>[: <detail>]" for every
        rule of the decision ``key_account_checks`` that fired (in either order)."""
        found = tuple(
            f"{r.source.clause}: {o['check']}" + (f": {o['detail']}" if o.get("detail") else "")
            for r, o in hits
            if o.get("check")
        )
        self.key_account_checks += found
        if self.key_account is not None and found:
            checks = (*self.key_account.checks, *found)
            self.key_account = self.key_account.model_copy(update={"checks": checks})

    def credit_result(
        self,
        d: CompiledDecision,
        hits: list[Hit],
        values: dict[str, Any],
        credit_facts: Mapping[str, Any],
    ) -> dict[str, Any]:
        computed = values.get("grade")
        params = self.engine.params
        effective, records = apply_overrides(
            computed,
            (e for e in self.by_type.get("grade_override", ()) if isinstance(e, GradeOverride)),
            as_of=self.as_of,
            theft_caused_d=bool(credit_facts.get("theft_or_violation_3y")),
            max_steps=int(params.get("override_max_steps", 1)),
            theft_d_locked=bool(params.get("override_theft_d_locked", True)),
            scope=str(params.get("override_scope", "key_accounts")),
            key_account=self._key_account_member(),
        )
        self.credit = CreditResult(
            grade=effective,
            computed_grade=computed,
            rule_ids=tuple(r.id for r, _ in hits),
            provisional=bool(credit_facts.get("provisional", False)),
            facts=dict(credit_facts),
            overrides=records,
        )
        return {**values, "grade": effective, "computed_grade": computed}

    def entitlement(self, rule: CompiledRule, outputs: dict[str, Any]) -> Entitlement:
        extra = {k: v for k, v in outputs.items() if k not in ("code", "level")}
        return Entitlement(
            code=outputs["code"],
            level=outputs["level"],
            clause=rule.source.clause,
            grade=self.env.get("credit.grade"),
            params=extra,
        )

    def episode_outputs(
        self, rule: CompiledRule, outputs: dict[str, Any], evaluation: EvalContext
    ) -> dict[str, Any]:
        """``due``/``completed_after`` of a task owed once per episode of a grade."""
        grade = str(outputs["episode_of"])
        earliest = min((local_date(event_instant(e)) for e in self.events), default=None)
        start, capped = episode_start(
            lambda t: self.engine._computed_grade_at(self.customer, self.events, t),
            self.as_of, grade, earliest=earliest,
        )
        after, due = episode_window(start)
        since = "" if start == self.day.replace(day=1) else " (graded " + grade + \
            " at every month end since)"
        evaluation.notes.append(
            f"{rule.source.clause}: the {grade} episode began in {start:%Y-%m}{since}"
            + (f"; not re-graded before {start:%Y-%m}" if capped else "")
        )
        return {**outputs, "due": due, "completed_after": after}

    def build_tasks(self) -> None:
        """Build the tasks of every task rule that fired, once all decisions are made
        (a task may need an entitlement's amount: ``completed_amount_of``)."""
        for item in self.pending:
            if isinstance(item, Task):
                self.tasks.append(item)
                continue
            try:
                self.tasks.append(self.task(item.rule, item.outputs, item.event))
            except (EvaluationError, CalendarDataMissing) as raw:  # e.g. an episode's due
                exc = raw if raw.loc else raw.located(
                    (item.decision.pack.name, item.decision.name, item.rule.id))
                trigger = item.event.id if item.event is not None else None
                self.errors.append(part_error(exc, item.decision, trigger))
                task = undetermined_task(item.decision, exc, self.env, trigger)
                if task is not None:
                    self.tasks.append(task)

    def task(self, rule: CompiledRule, outputs: dict[str, Any], event: Event | None) -> Task:
        evaluation: EvalContext = self.env[CONTEXT_KEY]
        if outputs.get("episode_of") is not None:
            outputs = self.episode_outputs(rule, outputs, evaluation)
        code = outputs.get("completed_amount_of")
        if code is not None:
            amounts = [e.params.get("amount") for e in self.entitlements if e.code == code]
            outputs = {**outputs, "completed_amount": next(
                (a for a in amounts if a is not None), None)}
        return build_task(
            rule.source.clause, outputs, event, self.events, self.as_of, notes=evaluation.notes
        )
