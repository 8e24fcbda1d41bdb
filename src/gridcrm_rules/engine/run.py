"""One evaluation's working state: the decisions of one customer at one instant.

:class:`Run` decides each compiled decision in graph order over the environment the
engine built (parameters, customer, facts), keeps every part's fault to that part
(docs/concepts.md "Faults"), and gathers what the :class:`~gridcrm_rules.Decision` is
made of: rule hits, entitlements, tasks, the credit result and the key-account profile.
It is created by :meth:`Engine.evaluate <gridcrm_rules.Engine.evaluate>` for one call and
never shared; it reads the engine's compiled parts (its steps and declared outputs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

from pydantic import ValidationError

from .._time import local_date
from ..errors import CalendarDataMissing, EvaluationError
from ..expr import CONTEXT_KEY
from ..functions import EvalContext
from ..models import (
    CreditResult,
    Customer,
    DecisionOutcome,
    Entitlement,
    Event,
    GradeOverride,
    KeyAccountProfile,
    PartError,
    RuleHit,
    Task,
    event_instant,
)
from ..models.assembled import decision_outcome, entitlement, rule_hit
from .build import CompiledDecision, CompiledRule
from .episodes import episode_start, episode_window
from .faults import (
    check_outputs,
    dependency_failed,
    invalid_result,
    part_error,
    undetermined_task,
)
from .overrides import apply_overrides
from .step import DecisionStep
from .tasks import build_task

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["KEY_ACCOUNT_MEMBER", "Hit", "PendingTask", "Run", "customer_env", "event_env"]

Hit = tuple[CompiledRule, dict[str, Any]]
"""A rule that fired and the outputs it gave."""
KEY_ACCOUNT_MEMBER: Final = "member"
"""The output an override's scope reads from the decision that ``fills: key_account_list``
(decided before credit: build.py)."""


def customer_env(customer: Customer) -> dict[str, Any]:
    """The customer's fields as rules read them (``customer.<field>``)."""
    return {f"customer.{k}": v for k, v in customer.__dict__.items()}


def event_env(event: Event) -> dict[str, Any]:
    """A trigger event's fields as an event table's rules read them (``event.<field>``)."""
    return {f"event.{k}": v for k, v in event.__dict__.items()}


@dataclass(frozen=True, slots=True)
class PendingTask:
    """A task rule that fired; its task is built after every decision is made."""

    decision: CompiledDecision
    rule: CompiledRule
    outputs: dict[str, Any]
    event: Event | None


class Run:
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
        self.as_of = as_of
        self.day = local_date(as_of)
        self.env = env
        self.hits: list[RuleHit] = []
        self.entitlements: list[Entitlement] = []
        self.tasks: list[Task] = []
        self.pending: list[PendingTask | Task] = []
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

    @cached_property
    def by_type(self) -> dict[str, list[Event]]:
        """The events by type, each list in history order (built when a part first asks)."""
        groups: dict[str, list[Event]] = {}
        for e in self.events:
            groups.setdefault(e.type, []).append(e)
        return groups

    @cached_property
    def position(self) -> dict[str, int]:
        """Each event's position in the history (to merge several types' triggers)."""
        return {e.id: i for i, e in enumerate(self.events)}

    def decide(self, d: CompiledDecision, credit_facts: Mapping[str, Any]) -> None:
        if d.spec.over == "customer":
            self.part(d, self.env, None, credit_facts)
            return
        triggers = [e for t in d.spec.event_types for e in self.by_type.get(t, ())]
        if len(d.spec.event_types) > 1:  # one type's events are already in history order
            triggers.sort(key=lambda e: self.position[e.id])
        for event in triggers:
            self.part(d, {**self.env, **event_env(event)}, event, credit_facts)

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
        self.hits.append(rule_hit(d.pack.name, d.name, rule.id, rule.source,
                                  {k: env[k] for k in rule.reads}, outputs, trigger))

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
            self.pending += [PendingTask(d, r, o, event) for r, o in hits]
        else:
            values = dict(d.default)
            if hits and d.spec.hit_policy != "collect":
                values.update(hits[0][1])
            if d.spec.fills == "credit":
                values = self.credit_result(d, hits, values, credit_facts)
            for key, value in values.items():
                self.env[f"{d.name}.{key}"] = value
            self.outcomes[d.name] = decision_outcome(d.name, tuple(r.id for r, _ in hits),
                                                     values)
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
        return entitlement(outputs["code"], outputs["level"], rule.source.clause,
                           self.env.get("credit.grade"), extra)

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
            rule.source.clause, outputs, event, self.events, self.as_of, notes=evaluation.notes,
            by_type=self.by_type,
        )
