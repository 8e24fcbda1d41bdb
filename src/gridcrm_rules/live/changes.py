"""The change records a live session reports, and the one diff that makes them.

:func:`diff_decisions` is the one place that knows how the parts of a
:class:`~gridcrm_rules.models.Decision` map to change records: the grade
(``GradeChanged``), the entitlements (``EntitlementsChanged``), the tasks
(``TaskOpened``, ``TaskCompleted``, ``TaskOverdue``, ``TaskWithdrawn``), the
key-account profile (``KeyAccountChanged``) and the grade overrides
(``OverrideApplied``, ``OverrideRefused``).  Every record cites clause ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..models import Decision, Entitlement, Grade, KeyAccountProfile, OverrideRecord, Task

__all__ = [
    "Change",
    "EntitlementsChanged",
    "GradeChanged",
    "KeyAccountChanged",
    "OverrideApplied",
    "OverrideRefused",
    "TaskCompleted",
    "TaskOpened",
    "TaskOverdue",
    "TaskWithdrawn",
    "diff_decisions",
    "task_key",
]


class _Record(BaseModel):
    """What every change record carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str
    at: AwareDatetime
    """The instant the change happened: the event's instant, a month start, a task's due."""
    clause_ids: tuple[str, ...] = ()
    correction: bool = False
    """True when a late event (older than the clock) caused it: it corrects what was reported."""


class GradeChanged(_Record):
    """The credit grade changed (RULES.md §2)."""

    kind: Literal["grade_changed"] = "grade_changed"
    from_grade: Grade | None
    to_grade: Grade | None
    rule_ids: tuple[str, ...]
    explanation: str


class EntitlementsChanged(_Record):
    """Entitlements granted or withdrawn (RULES.md §3)."""

    kind: Literal["entitlements_changed"] = "entitlements_changed"
    added: tuple[Entitlement, ...]
    removed: tuple[Entitlement, ...]


class TaskOpened(_Record):
    """A deadline-bound duty started (RULES.md §4)."""

    kind: Literal["task_opened"] = "task_opened"
    task: Task


class TaskCompleted(_Record):
    """A task was completed, on time or late."""

    kind: Literal["task_completed"] = "task_completed"
    task: Task
    on_time: bool


class TaskOverdue(_Record):
    """A task's due passed without completion (reported once per task)."""

    kind: Literal["task_overdue"] = "task_overdue"
    task: Task


class TaskWithdrawn(_Record):
    """A reported task no longer exists (a late event or a changed grade removed it)."""

    kind: Literal["task_withdrawn"] = "task_withdrawn"
    task: Task


class KeyAccountChanged(_Record):
    """The key-account classification changed (RULES.md §5)."""

    kind: Literal["key_account_changed"] = "key_account_changed"
    from_: KeyAccountProfile | None
    to: KeyAccountProfile | None


class OverrideApplied(_Record):
    """A grade override took effect."""

    kind: Literal["override_applied"] = "override_applied"
    override: OverrideRecord


class OverrideRefused(_Record):
    """A grade override was refused (its ``detail`` says why)."""

    kind: Literal["override_refused"] = "override_refused"
    override: OverrideRecord


Change = Annotated[
    GradeChanged | EntitlementsChanged | TaskOpened | TaskCompleted | TaskOverdue
    | TaskWithdrawn | KeyAccountChanged | OverrideApplied | OverrideRefused,
    Field(discriminator="kind"),
]
"""One change record: a discriminated union on ``kind``."""


def task_key(task: Task) -> str:
    """A task's identity across evaluations: clause, trigger event, kind, channel and unit,
    and for a task no event triggers (a yearly plan) its due, which names its period."""
    period = "" if task.trigger_event_id is not None or task.due is None else task.due.isoformat()
    return "|".join((task.clause, task.trigger_event_id or "", task.kind, task.channel or "",
                     task.unit or "", period))


def _credit_clauses(decision: Decision) -> tuple[str, ...]:
    rules = set(decision.credit.rule_ids) if decision.credit is not None else set()
    return tuple(dict.fromkeys(
        h.source.clause for h in decision.trace.hits if h.rule_id in rules))


def _grade(decision: Decision | None) -> Grade | None:
    return None if decision is None or decision.credit is None else decision.credit.grade


def _grade_change(old: Decision | None, new: Decision, at: datetime,
                  correction: bool) -> list[GradeChanged]:
    before, after = _grade(old), _grade(new)
    if before == after:
        return []
    rule_ids = new.credit.rule_ids if new.credit is not None else ()
    clauses = _credit_clauses(new)
    text = f"grade {before or '-'} -> {after or '-'}"
    if rule_ids:
        text += f" by {', '.join(rule_ids)}"
    if clauses:
        text += f" ({', '.join(clauses)})"
    return [GradeChanged(customer_id=new.customer_id, at=at, clause_ids=clauses,
                         correction=correction, from_grade=before, to_grade=after,
                         rule_ids=rule_ids, explanation=text)]


def _entitlement_change(old: Decision | None, new: Decision, at: datetime,
                        correction: bool) -> list[EntitlementsChanged]:
    before = old.entitlements if old is not None else ()
    if new.entitlements == before:  # the common case: one comparison each, not n²
        return []
    added = tuple(e for e in new.entitlements if e not in before)
    removed = tuple(e for e in before if e not in new.entitlements)
    if not added and not removed:
        return []
    clauses = tuple(dict.fromkeys(e.clause for e in added + removed))
    return [EntitlementsChanged(customer_id=new.customer_id, at=at, clause_ids=clauses,
                                correction=correction, added=added, removed=removed)]


def _task_changes(old: Decision | None, new: Decision, at: datetime, correction: bool,
                  overdue_reported: set[str]) -> list[_Record]:
    """Task records; ``overdue_reported`` (task keys) is updated in place."""
    cid = new.customer_id
    before = {task_key(t): t for t in (old.tasks if old is not None else ())}
    after = {task_key(t): t for t in new.tasks}
    out: list[_Record] = []
    for key, task in after.items():
        prior = before.get(key)
        cite = (task.clause,)
        if prior is None:
            out.append(TaskOpened(customer_id=cid, at=at, clause_ids=cite,
                                  correction=correction, task=task))
        done = task.completed_at is not None
        was_done = prior is not None and prior.completed_at is not None
        if done and not was_done:
            out.append(TaskCompleted(customer_id=cid, at=at, clause_ids=cite,
                                     correction=correction, task=task,
                                     on_time=task.status == "on_time"))
        elif (not done and task.status == "overdue" and key not in overdue_reported
              and task.due is not None):
            overdue_reported.add(key)
            # at its due, but never before the report that showed the task open
            floor = old.as_of if prior is not None and old is not None else at
            out.append(TaskOverdue(customer_id=cid, at=at if correction else max(task.due, floor),
                                   clause_ids=cite, correction=correction, task=task))
    for key, task in before.items():
        if key not in after:
            overdue_reported.discard(key)
            out.append(TaskWithdrawn(customer_id=cid, at=at, clause_ids=(task.clause,),
                                     correction=correction, task=task))
    return out


def _key_account_change(old: Decision | None, new: Decision, at: datetime,
                        correction: bool) -> list[KeyAccountChanged]:
    before = old.key_account if old is not None else None
    if before == new.key_account:
        return []
    clauses = tuple(dict.fromkeys(
        h.source.clause for h in new.trace.hits if h.decision.startswith("key_account")))
    return [KeyAccountChanged(customer_id=new.customer_id, at=at, clause_ids=clauses,
                              correction=correction, from_=before, to=new.key_account)]


def _overrides(decision: Decision | None) -> tuple[OverrideRecord, ...]:
    if decision is None or decision.credit is None:
        return ()
    return decision.credit.overrides


def _override_changes(old: Decision | None, new: Decision, at: datetime,
                      correction: bool) -> list[_Record]:
    before = {(o.event_id, o.status) for o in _overrides(old)}
    out: list[_Record] = []
    for record in _overrides(new):
        if (record.event_id, record.status) in before:
            continue
        if record.status == "applied":
            out.append(OverrideApplied(customer_id=new.customer_id, at=at,
                                       clause_ids=_credit_clauses(new),
                                       correction=correction, override=record))
        elif record.status == "refused":
            out.append(OverrideRefused(customer_id=new.customer_id, at=at,
                                       clause_ids=_credit_clauses(new),
                                       correction=correction, override=record))
    return out


def diff_decisions(
    old: Decision | None,
    new: Decision,
    *,
    at: datetime,
    correction: bool = False,
    overdue_reported: set[str],
) -> list[Change]:
    """The change records between two decisions of one customer, ``new`` taken at ``at``.

    ``overdue_reported`` holds the keys (:func:`task_key`) of the tasks whose
    ``TaskOverdue`` was already reported; it is updated in place so each fires once.
    """
    records: Iterable[_Record] = [
        *_grade_change(old, new, at, correction),
        *_override_changes(old, new, at, correction),
        *_entitlement_change(old, new, at, correction),
        *_key_account_change(old, new, at, correction),
        *_task_changes(old, new, at, correction, overdue_reported),
    ]
    return list(records)  # type: ignore[arg-type]  # every _Record here is a Change member
