"""The :class:`Engine`: evaluates compiled packs over one customer's facts.

An engine is immutable after construction and safe to share between threads:
every evaluation builds its own environment, and the same inputs give the same
decision whatever the order of the events.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final

from pydantic import BaseModel

from .._time import local_date, to_aware
from ..builtin import default_facts
from ..calendar import WorkingDayCalendar
from ..expr import CONTEXT_KEY
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
    RuleHit,
    Task,
    Trace,
    event_instant,
    parse_events,
)
from ..packs import PackRegistry, PackSpec, ResolvedPack
from ..windows import cutoff_of
from .build import CompiledDecision, CompiledRule, Program, build_program
from .overrides import apply_overrides
from .step import DecisionStep
from .tasks import build_task

__all__ = ["DEFAULT_PACKS", "Engine"]

DEFAULT_PACKS: Final = (
    "credit",
    "callbacks",
    "credit_tasks",
    "entitlements",
    "key_accounts",
    "service_quality",
)
"""The packs :meth:`Engine.default` loads."""

PackInput = str | os.PathLike[str] | Mapping[str, Any] | PackSpec
CustomerInput = Customer | Mapping[str, Any]
EventInput = BaseModel | Mapping[str, Any]
Hit = tuple[CompiledRule, dict[str, Any]]


def _customer_env(customer: Customer) -> dict[str, Any]:
    return {f"customer.{k}": v for k, v in customer.__dict__.items()}


def _event_env(event: Event) -> dict[str, Any]:
    return {f"event.{k}": v for k, v in event.__dict__.items()}


class Engine:
    """Evaluates rule packs for customers.

    Build one with :meth:`default` or :meth:`from_packs`; it never changes
    afterwards (``with_params`` returns a new engine).
    """

    __slots__ = ("_calendar", "_facts", "_program", "_resolved")

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
        for pack in packs:
            reg, r = reg.resolve(pack)
            resolved.append(r)
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
        return cls(resolved, params=params, calendar=calendar, facts=facts)

    def with_params(self, **params: Any) -> Engine:
        """A new engine with some parameter values changed."""
        merged = {**self._program.params, **params}
        return Engine(self._resolved, params=merged, calendar=self._calendar, facts=self._facts)

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
        path), :class:`~gridcrm_rules.errors.EvaluationError` when a rule cannot
        be evaluated, and :class:`~gridcrm_rules.errors.CalendarDataMissing`
        when a deadline falls in a year without an official schedule.
        """
        cust = customer if isinstance(customer, Customer) else Customer.model_validate(customer)
        history = parse_events(events)
        instant = to_aware(as_of)
        dated = [(event_instant(e), e) for e in history]
        known = [
            e
            for when, e in sorted(dated, key=lambda p: (p[0], p[1].type, p[1].id))
            if when <= instant
        ]
        cutoff = cutoff_of(instant)
        ctx = FactContext(cust, tuple(known), instant, cutoff, self._program.params)
        evaluation = EvalContext(self._calendar)
        env: dict[str, Any] = {f"params.{k}": v for k, v in self._program.params.items()}
        env.update(_customer_env(cust))
        env.update({"as_of": instant, "cutoff": cutoff, CONTEXT_KEY: evaluation})
        credit_facts: dict[str, Any] = {}
        for provider in self._facts.providers_for(set(self._program.facts_read)):
            values = provider.compute(ctx)
            env.update(values)
            if provider.reported_in == "credit":
                credit_facts = dict(values)
        run = _Run(self, cust, tuple(known), instant, env)
        for decision in self._program.decisions:
            run.decide(decision, credit_facts)
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
        )

    def evaluate_batch(
        self,
        customers: Any,
        events: Any = None,
        *,
        as_of: date | datetime | str,
        **options: Any,
    ) -> Any:
        """Decide a whole table of customers at once (needs the ``batch`` extra).

        Same answers as :meth:`evaluate` per customer, computed as columns; returns a
        :class:`gridcrm_rules.batch.BatchResult` (decisions, tasks, errors).  See
        :func:`gridcrm_rules.batch.evaluate_batch` for the inputs and ``options``.
        """
        from ..batch import evaluate_batch

        return evaluate_batch(self, customers, events, as_of=as_of, facts=self._facts, **options)


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
        self.outcomes: dict[str, DecisionOutcome] = {}
        self.credit: CreditResult | None = None
        self.key_account: KeyAccountProfile | None = None
        self.key_account_checks: tuple[str, ...] = ()

    def decide(self, d: CompiledDecision, credit_facts: Mapping[str, Any]) -> None:
        if d.spec.over == "customer":
            hits = self.fire(d, self.env, None)
            self.collect(d, hits, None, credit_facts)
            return
        triggers = (e for t in d.spec.event_types for e in self.by_type.get(t, ()))
        for event in sorted(triggers, key=lambda e: self.position[e.id]):
            env = {**self.env, **_event_env(event)}
            self.collect(d, self.fire(d, env, event.id), event, credit_facts)

    def fire(self, d: CompiledDecision, env: Mapping[str, Any], trigger: str | None) -> list[Hit]:
        matched = DecisionStep(d, day=self.day).matches(env)
        for rule, outputs in matched:
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
        return matched

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
            self.tasks += [self.task(r, o, event) for r, o in hits]
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
            (e for e in self.events if isinstance(e, GradeOverride)),
            as_of=self.as_of,
            theft_caused_d=bool(credit_facts.get("theft_or_violation_3y")),
            max_steps=int(params.get("override_max_steps", 1)),
            theft_d_locked=bool(params.get("override_theft_d_locked", True)),
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

    def task(self, rule: CompiledRule, outputs: dict[str, Any], event: Event | None) -> Task:
        evaluation: EvalContext = self.env[CONTEXT_KEY]
        return build_task(
            rule.source.clause, outputs, event, self.events, self.as_of, notes=evaluation.notes
        )
