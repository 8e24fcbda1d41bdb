"""The :class:`Engine`: evaluates compiled packs over one customer's facts.

An engine is immutable after construction and safe to share between threads:
every evaluation builds its own environment, and the same inputs give the same
decision whatever the order of the events.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

from pydantic import BaseModel

from .._extras import require_extra
from .._time import instant_argument, local_date
from ..builtin import default_facts
from ..calendar import WorkingDayCalendar
from ..errors import ErrorRecord, PackError
from ..expr import CONTEXT_KEY
from ..expr.numbers import engine_context
from ..facts import FactContext, FactProvider, FactRegistry
from ..functions import FUNCTIONS, EvalContext
from ..models import (
    Customer,
    Decision,
    Event,
    PackRef,
    PartError,
    Trace,
    event_instant,
    known_at,
    parse_events,
)
from ..packs import PackRegistry, PackSpec, ResolvedPack
from ..windows import cutoff_of
from .build import Program, build_program
from .faults import OutputChecks, fact_failed, output_checks
from .run import Run, customer_env
from .step import DecisionStep

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

    __slots__ = ("_calendar", "_facts", "_grade_providers", "_outputs", "_param_env",
                 "_program", "_providers", "_resolved", "_undated_steps")

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
        self._outputs: dict[str, OutputChecks] = {
            d.name: output_checks(d) for d in self._program.decisions}
        """Each decision's outputs checked on every hit, per rule (engine/faults.py)."""
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
        credit = self._program.filling("credit")
        self._grade_providers = () if credit is None else self._facts.providers_for(
            {name for r in credit.rules for name in (*r.reads, *r.output_reads)})
        """The fact providers the ``credit`` decision reads: all a past month end's grade
        needs (:meth:`_computed_grade_at`); a fault of another is not that grade's."""

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
        history = parse_events(events, customer_id=cust.id)
        instant = instant_argument(as_of, "as_of")
        known = tuple(known_at(history, instant))
        return self._decide(cust, known, instant, later=len(history) - len(known))

    def _decide(
        self, cust: Customer, known: tuple[Event, ...], instant: datetime, *, later: int
    ) -> Decision:
        """:meth:`evaluate` after validation: the decision from the events known at
        ``instant`` (a checked history's, in history order; ``later``: how many of the
        history came after ``instant``).  A live session, which keeps each history checked
        and in order, calls it directly (under ``engine_context``)."""
        cutoff = cutoff_of(instant)
        evaluation = EvalContext(self._calendar)
        env, credit_facts, fact_errors, missing = self._env(cust, known, instant, evaluation)
        run = Run(self, cust, known, instant, env)
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
                events_after_as_of=later,
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
        *,
        providers: Sequence[FactProvider] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any], list[PartError], dict[str, str]]:
        """The names rules read (params, customer, facts, instants), the credit facts, the
        fact functions that failed, and the facts they left missing (name -> provider).
        ``providers``: the fact providers to compute (default: all the rules need)."""
        cutoff = cutoff_of(instant)
        ctx = FactContext(cust, known, instant, cutoff, self._program.params)
        env: dict[str, Any] = dict(self._param_env)
        env.update(customer_env(cust))
        env.update({"as_of": instant, "cutoff": cutoff, CONTEXT_KEY: evaluation})
        credit_facts: dict[str, Any] = {}
        fact_errors: list[PartError] = []
        missing: dict[str, str] = {}
        for provider in self._providers if providers is None else providers:
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
        credit = self._program.filling("credit")
        if credit is None:
            return None
        known = tuple(e for e in events if event_instant(e) <= instant)
        env, _, fact_errors, _ = self._env(customer, known, instant, EvalContext(self._calendar),
                                           providers=self._grade_providers)
        if fact_errors:  # a fact the grade reads failed: that month end's grade is unknown
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
