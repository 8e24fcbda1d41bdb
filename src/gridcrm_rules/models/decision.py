"""What an evaluation returns: the public contract of DESIGN.md.

Every part says where it came from: rule ids, clause ids, the fact values the
rules read, and the pack name and version.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .values import ValueMap

__all__ = [
    "Citation",
    "CreditResult",
    "Decision",
    "DecisionOutcome",
    "Entitlement",
    "EntitlementLevel",
    "Grade",
    "KeyAccountProfile",
    "OverrideRecord",
    "PackRef",
    "PartError",
    "RuleHit",
    "Task",
    "TaskStatus",
    "Trace",
]

Grade = Literal["A", "B", "C", "D"]
EntitlementLevel = Literal["granted", "suggested", "required", "on_restoration"]
TaskStatus = Literal["open", "on_time", "overdue", "undetermined"]
"""``undetermined``: the task's due could not be computed (see ``Decision.errors``)."""
TaskBasis = Literal["working_days", "hours", "calendar"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Citation(BaseModel):
    """Where a rule comes from: clause id, source document, quoted text."""

    model_config = _FROZEN

    clause: str
    document: str | None = None
    text: str | None = None
    title: str | None = None
    """The regulation's title (``document`` is its file name); set by the engine."""


class PackRef(BaseModel):
    """A pack that took part in a decision."""

    model_config = _FROZEN

    name: str
    version: str


class RuleHit(BaseModel):
    """One rule that fired: its id, citation, what it read and what it gave."""

    model_config = _FROZEN

    pack: str
    decision: str
    rule_id: str
    source: Citation
    reads: ValueMap
    outputs: ValueMap
    trigger_event_id: str | None = None


class DecisionOutcome(BaseModel):
    """The result of one decision table for one customer (or one event)."""

    model_config = _FROZEN

    decision: str
    rule_ids: tuple[str, ...]
    values: ValueMap


class OverrideRecord(BaseModel):
    """One grade override and what became of it (applied, refused, expired)."""

    model_config = _FROZEN

    event_id: str
    at: datetime
    by: str
    reason: str
    from_grade: Grade | None
    to_grade: Grade
    expires: datetime | None
    status: Literal["applied", "superseded", "refused", "expired"]
    detail: str | None = None


class CreditResult(BaseModel):
    """The credit grade (RULES.md §2) with its provenance."""

    model_config = _FROZEN

    grade: Grade | None
    computed_grade: Grade | None
    rule_ids: tuple[str, ...]
    provisional: bool
    facts: ValueMap
    overrides: tuple[OverrideRecord, ...] = ()


class Entitlement(BaseModel):
    """A service the customer is owed because of its grade (RULES.md §3)."""

    model_config = _FROZEN

    code: str
    level: EntitlementLevel
    clause: str
    grade: Grade | None = None
    params: ValueMap = {}


class Task(BaseModel):
    """A deadline-bound duty produced by an event (RULES.md §4).

    A task whose due cannot be computed (e.g. a working-day deadline running into
    a year the calendar does not cover) has ``status="undetermined"`` and
    ``due=None``; the reason is the :class:`PartError` in ``Decision.errors`` with
    the same clause and trigger event.
    """

    model_config = _FROZEN

    kind: str
    clause: str
    trigger_event_id: str | None
    due: datetime | None
    basis: TaskBasis | None
    channel: str | None = None
    unit: str | None = None
    status: TaskStatus
    completed_at: datetime | None = None
    overdue_by: timedelta | None = None
    remaining_amount: Decimal | None = None
    """For a task completed by an amount (SV-C-PREPAY): what is still to pay at
    ``as_of`` (0 once complete); None for other tasks."""

    def _repr_html_(self) -> str:
        from .explain import task_html

        return task_html(self)


class PartError(BaseModel):
    """Why one part of a decision could not be decided; the rest of the decision stands.

    ``type``: ``calendar_data_missing``, ``missing_value``, ``number_out_of_range``,
    ``division_by_zero``, ``bad_argument``, ``invalid_output``, ``unique_violated``,
    ``fact_error``, ``dependency_failed`` or ``evaluation_error``.  ``loc`` runs pack -> decision
    -> rule (as far as known); ``clause`` and ``trigger_event_id`` say which task
    or part it was; ``year`` is the year a working-day computation needed;
    ``values`` shows the offending values; ``hint`` says what to do.  See
    docs/concepts.md "What happens when something fails".
    """

    model_config = _FROZEN

    type: str
    loc: tuple[str, ...]
    msg: str
    decision: str
    clause: str | None = None
    trigger_event_id: str | None = None
    year: int | None = None
    values: dict[str, str] = {}
    hint: str | None = None


class KeyAccountProfile(BaseModel):
    """Key-account classification (RULES.md §5)."""

    model_config = _FROZEN

    general: bool = False
    important: bool = False
    important_category: str | None = None
    type: str | None = None
    tier: int | None = None
    route: str | None = None
    checks: tuple[str, ...] = ()


class Trace(BaseModel):
    """How a decision was reached: packs, instants, event counts, every hit."""

    model_config = _FROZEN

    packs: tuple[PackRef, ...]
    as_of: datetime
    cutoff: date
    events_considered: int
    events_after_as_of: int
    hits: tuple[RuleHit, ...]
    notes: tuple[str, ...] = ()


class Decision(BaseModel):
    """Everything the engine decided for one customer at ``as_of``."""

    model_config = _FROZEN

    customer_id: str
    as_of: datetime
    credit: CreditResult | None = None
    entitlements: tuple[Entitlement, ...] = ()
    tasks: tuple[Task, ...] = ()
    key_account: KeyAccountProfile | None = None
    outcomes: dict[str, DecisionOutcome] = {}
    trace: Trace
    errors: tuple[PartError, ...] = ()
    """The parts that could not be decided (an empty tuple when everything was)."""

    def explain(self) -> str:
        """A plain-text account of the decision, citing clause ids."""
        from .explain import explain_text

        return explain_text(self)

    def _repr_html_(self) -> str:
        from .explain import explain_html

        return explain_html(self)
