"""Customer events: one discriminated union on ``type`` (DESIGN.md event table).

A history is validated as a whole by :func:`parse_events`, which also refuses
duplicate event ids with the position of the duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from .._time import start_of_day
from ._types import Instant, Kwh, Money, YearMonth

__all__ = [
    "BillIssued",
    "CallbackCompleted",
    "ComplaintReceived",
    "Event",
    "EventType",
    "GradeNoticeSent",
    "GradeOverride",
    "InstallationArchived",
    "MonthlyConsumption",
    "PaymentReceived",
    "PlannedOutage",
    "RepairArchived",
    "TheftDetected",
    "ViolationRecorded",
    "event_instant",
    "parse_events",
]

Grade = Literal["A", "B", "C", "D"]


class _EventBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(min_length=1)]


class BillIssued(_EventBase):
    """A monthly electricity bill (电费账单)."""

    type: Literal["bill_issued"] = "bill_issued"
    period: YearMonth
    amount: Money
    due: date


class PaymentReceived(_EventBase):
    """A payment; settles bills oldest-first unless it names its bill."""

    type: Literal["payment_received"] = "payment_received"
    at: Instant
    amount: Money
    bill_id: str | None = None


class TheftDetected(_EventBase):
    """Electricity theft recorded (窃电)."""

    type: Literal["theft_detected"] = "theft_detected"
    at: Instant


class ViolationRecorded(_EventBase):
    """Illegal use of electricity recorded (违章用电)."""

    type: Literal["violation_recorded"] = "violation_recorded"
    at: Instant


class InstallationArchived(_EventBase):
    """Installation and energization completed and archived (装表接电完成归档)."""

    type: Literal["installation_archived"] = "installation_archived"
    at: Instant
    business: Literal["new", "capacity_increase", "change"]


class RepairArchived(_EventBase):
    """A repair task finished and archived (抢修任务结束归档)."""

    type: Literal["repair_archived"] = "repair_archived"
    at: Instant
    disaster: bool = False


class ComplaintReceived(_EventBase):
    """A complaint or report (举报) received by phone or letter."""

    type: Literal["complaint_received"] = "complaint_received"
    at: Instant
    channel: Literal["phone", "letter"]
    kind: Literal["complaint", "report"]
    reply_requested: bool = True


class CallbackCompleted(_EventBase):
    """A callback (回访) done for the event ``for_event``."""

    type: Literal["callback_completed"] = "callback_completed"
    at: Instant
    for_event: Annotated[str, Field(min_length=1)]


class PlannedOutage(_EventBase):
    """A planned outage affecting the customer."""

    type: Literal["planned_outage"] = "planned_outage"
    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _end_after_start(self) -> PlannedOutage:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class MonthlyConsumption(_EventBase):
    """Metered consumption of one calendar month."""

    type: Literal["monthly_consumption"] = "monthly_consumption"
    month: YearMonth
    kwh: Kwh


class GradeOverride(_EventBase):
    """A key-account manager's adjustment of the computed credit grade."""

    type: Literal["grade_override"] = "grade_override"
    at: Instant
    by: Annotated[str, Field(min_length=1)]
    to_grade: Grade
    reason: Annotated[str, Field(min_length=1)]
    expires: Instant | None = None


class GradeNoticeSent(_EventBase):
    """The C-grade notice of SV-C-NOTICE was delivered to the customer."""

    type: Literal["grade_notice_sent"] = "grade_notice_sent"
    at: Instant


Event = Annotated[
    Union[  # noqa: UP007 -- a discriminated union reads clearer as Union[...]
        BillIssued,
        PaymentReceived,
        TheftDetected,
        ViolationRecorded,
        InstallationArchived,
        RepairArchived,
        ComplaintReceived,
        CallbackCompleted,
        PlannedOutage,
        MonthlyConsumption,
        GradeOverride,
        GradeNoticeSent,
    ],
    Field(discriminator="type"),
]
"""Any customer event; the ``type`` field selects the model."""

EventType = Literal[
    "bill_issued",
    "payment_received",
    "theft_detected",
    "violation_recorded",
    "installation_archived",
    "repair_archived",
    "complaint_received",
    "callback_completed",
    "planned_outage",
    "monthly_consumption",
    "grade_override",
    "grade_notice_sent",
]

_EVENTS: TypeAdapter[tuple[Event, ...]] = TypeAdapter(
    tuple[Event, ...], config=ConfigDict(title="events")
)


_EVENT_CLASSES = tuple(get_args(get_args(Event)[0]))


def parse_events(items: Iterable[BaseModel | Mapping[str, Any]]) -> tuple[Event, ...]:
    """Validate a history: every item, then uniqueness of ids and bill references.

    Raises ``pydantic.ValidationError`` naming the position and field of each
    problem (e.g. ``3.id: duplicate event id 'e1' (first at position 0)``).
    """
    given = list(items)
    if all(isinstance(i, _EVENT_CLASSES) for i in given):
        events: tuple[Event, ...] = tuple(given)  # type: ignore[arg-type]  # already validated
    else:
        raw = [i.model_dump() if isinstance(i, BaseModel) else i for i in given]
        events = _EVENTS.validate_python(raw)
    seen: dict[str, int] = {}
    problems: list[InitErrorDetails] = []
    for position, event in enumerate(events):
        first = seen.setdefault(event.id, position)
        if first != position:
            problems.append(
                {
                    "type": PydanticCustomError(
                        "duplicate_event_id",
                        "duplicate event id '{id}' (first at position {first})",
                        {"id": event.id, "first": first},
                    ),
                    "loc": (position, "id"),
                    "input": event.id,
                }
            )
    bill_ids = {e.id for e in events if isinstance(e, BillIssued)}
    for position, event in enumerate(events):
        if (
            isinstance(event, PaymentReceived)
            and event.bill_id is not None
            and event.bill_id not in bill_ids
        ):
            problems.append(
                {
                    "type": PydanticCustomError(
                        "unknown_bill",
                        "payment names bill '{bill}', which is not in the history",
                        {"bill": event.bill_id},
                    ),
                    "loc": (position, "bill_id"),
                    "input": event.bill_id,
                }
            )
    if problems:
        raise ValidationError.from_exception_data("events", problems)
    return events


def event_instant(event: Event) -> datetime:
    """The instant an event became known, used for point-in-time filtering.

    Bills and monthly consumption carry a month, not an instant: they are
    known once their month has closed, i.e. from 00:00 of the next month.
    A planned outage is dated by its start.
    """
    if isinstance(event, BillIssued | MonthlyConsumption):
        period = event.period if isinstance(event, BillIssued) else event.month
        year, month = int(period[:4]), int(period[5:7])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return start_of_day(date(year, month, 1))
    if isinstance(event, PlannedOutage):
        return event.start
    instant: datetime = event.at
    return instant
