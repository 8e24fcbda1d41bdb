"""Result records the engine assembles from values it has already checked.

An evaluation builds dozens of :class:`RuleHit`, :class:`DecisionOutcome`,
:class:`Entitlement` and :class:`Task` records; pydantic's validation of each (2-3 µs) was about a
fifth of a default-pack evaluation, and it re-checks what the engine knows: the
rule's outputs were checked against the decision's declared types
(``engine/faults.check_outputs``), names and clauses come from the compiled pack.

Each function here returns exactly the record the model's constructor returns --
equal, with the same field values of the same classes, the same ``model_fields_set``
and the same JSON -- but skips validation when every value is already of exactly
the class validation would give (a text, a plain value map, a ``Citation``...).
Anything else (a subclass, a tuple inside a map, a value outside a ``Literal``)
goes through the constructor, so a bad value is refused exactly as before.
``tests/models/test_assembled.py`` holds the two ways equal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, TypeVar, get_args

from pydantic import BaseModel

from .decision import (
    Citation,
    DecisionOutcome,
    Entitlement,
    EntitlementLevel,
    Grade,
    RuleHit,
    Task,
    TaskBasis,
    TaskStatus,
)
from .values import is_plain_map

__all__ = ["decision_outcome", "entitlement", "rule_hit", "task"]

M = TypeVar("M", bound=BaseModel)

_LEVELS: Final = frozenset(get_args(EntitlementLevel))
_GRADES: Final = frozenset(get_args(Grade))
_BASES: Final = frozenset(get_args(TaskBasis))
_STATUSES: Final = frozenset(get_args(TaskStatus))
_TEXT_OR_NONE: Final = (str, type(None))
_INSTANT_OR_NONE: Final = (datetime, type(None))
_DURATION_OR_NONE: Final = (timedelta, type(None))


def _assemble(cls: type[M], values: dict[str, Any]) -> M:
    """The record of ``cls`` holding ``values`` (every field given), as validation
    would leave it: the fields, all of them set, no extra or private values."""
    record = cls.__new__(cls)
    object.__setattr__(record, "__dict__", values)
    object.__setattr__(record, "__pydantic_fields_set__", set(values))
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)
    return record


def rule_hit(
    pack: str, decision: str, rule_id: str, source: Citation, reads: dict[str, Any],
    outputs: dict[str, Any], trigger_event_id: str | None,
) -> RuleHit:
    """``RuleHit(...)`` of one rule that fired (``reads`` and ``outputs`` are copied)."""
    if (type(pack) is str and type(decision) is str and type(rule_id) is str
            and type(source) is Citation and type(trigger_event_id) in _TEXT_OR_NONE
            and is_plain_map(reads) and is_plain_map(outputs)):
        return _assemble(RuleHit, {
            "pack": pack, "decision": decision, "rule_id": rule_id, "source": source,
            "reads": dict(reads), "outputs": dict(outputs),
            "trigger_event_id": trigger_event_id,
        })
    return RuleHit(pack=pack, decision=decision, rule_id=rule_id, source=source, reads=reads,
                   outputs=outputs, trigger_event_id=trigger_event_id)


def decision_outcome(
    decision: str, rule_ids: tuple[str, ...], values: dict[str, Any]
) -> DecisionOutcome:
    """``DecisionOutcome(...)`` of one decision (``values`` is copied)."""
    if (type(decision) is str and type(rule_ids) is tuple
            and all(type(r) is str for r in rule_ids) and is_plain_map(values)):
        return _assemble(DecisionOutcome, {
            "decision": decision, "rule_ids": rule_ids, "values": dict(values)})
    return DecisionOutcome(decision=decision, rule_ids=rule_ids, values=values)


def entitlement(
    code: str, level: str, clause: str, grade: str | None, params: dict[str, Any]
) -> Entitlement:
    """``Entitlement(...)`` of one entitlement rule that fired (``params`` is copied)."""
    if (type(code) is str and type(level) is str and level in _LEVELS and type(clause) is str
            and (grade is None or (type(grade) is str and grade in _GRADES))
            and is_plain_map(params)):
        return _assemble(Entitlement, {
            "code": code, "level": level, "clause": clause, "grade": grade,
            "params": dict(params)})
    return Entitlement(code=code, level=level, clause=clause, grade=grade,
                       params=params)


def task(
    *, kind: str, clause: str, trigger_event_id: str | None, due: datetime | None,
    basis: str | None, channel: str | None, unit: str | None, status: str,
    completed_at: datetime | None, overdue_by: timedelta | None,
    remaining_amount: Decimal | None,
) -> Task:
    """``Task(...)`` of one task rule that fired, with its status at ``as_of``."""
    fields: dict[str, Any] = {
        "kind": kind, "clause": clause, "trigger_event_id": trigger_event_id, "due": due,
        "basis": basis, "channel": channel, "unit": unit, "status": status,
        "completed_at": completed_at, "overdue_by": overdue_by,
        "remaining_amount": remaining_amount,
    }
    if (type(kind) is str and type(clause) is str
            and type(trigger_event_id) in _TEXT_OR_NONE and type(channel) in _TEXT_OR_NONE
            and type(unit) in _TEXT_OR_NONE
            and type(due) in _INSTANT_OR_NONE and type(completed_at) in _INSTANT_OR_NONE
            and type(overdue_by) in _DURATION_OR_NONE
            and (basis is None or (type(basis) is str and basis in _BASES))
            and type(status) is str and status in _STATUSES
            and (remaining_amount is None
                 or (type(remaining_amount) is Decimal and remaining_amount.is_finite()))):
        return _assemble(Task, fields)
    return Task(**fields)
