"""Customer events: one discriminated union on ``type`` (DESIGN.md event table).

A history is validated as a whole by :func:`parse_events`, which also refuses
duplicate event ids with the position of the duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Annotated, Any, Literal, Union, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError, TzInfo
from pydantic_core.core_schema import ErrorType

from .._text import suggest
from .._time import local_date, start_of_day
from ._missing import drop_missing, is_missing
from ._native import without_steps
from ._types import (
    DAY_TEXT,
    INSTANT_TEXT,
    Day,
    Instant,
    Kwh,
    Money,
    YearMonth,
    day_not_a_number,
    instant_from_date,
)

__all__ = [
    "EVENT_MODELS",
    "ApplicationDocument",
    "ApplicationForwarded",
    "BillIssued",
    "BusinessApplied",
    "CallbackCompleted",
    "ComplaintReceived",
    "ConstructionStarted",
    "ConsumptionInvestigated",
    "ContactReceived",
    "CrewArrived",
    "Event",
    "EventType",
    "GradeNoticeSent",
    "GradeOverride",
    "HistoryKey",
    "InstallationArchived",
    "LetterReplySent",
    "MeterReading",
    "MonthlyConsumption",
    "OutageNoticeSent",
    "OutageSmsSent",
    "PaymentReceived",
    "PlannedOutage",
    "PrepaidMeterInstalled",
    "PrepaymentCompleted",
    "RepairArchived",
    "RepairRequested",
    "SupplyPlanExtensionRequested",
    "SupplyPlanNotified",
    "TheftDetected",
    "UsageNatureChecked",
    "ViolationRecorded",
    "VisitCompleted",
    "VisitPlanned",
    "VoltageMeasured",
    "event_instant",
    "history_key",
    "known_at",
    "named_event_types",
    "of_customer",
    "parse_events",
    "utc_instant",
]

Grade = Literal["A", "B", "C", "D"]


class _EventBase(BaseModel):
    """Fields every event has; a missing value (``None``, ``NaN``) of any field --
    one of another event type's fields included -- means "not given" (:mod:`._missing`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(min_length=1)]

    @model_validator(mode="before")
    @classmethod
    def _not_given(cls, data: Any) -> Any:
        return drop_missing(data)


class BillIssued(_EventBase):
    """A monthly electricity bill (电费账单)."""

    type: Literal["bill_issued"] = "bill_issued"
    period: YearMonth
    amount: Money
    due: Day


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
    """A planned outage affecting the customer.

    ``announced_at`` is when the outage was approved and announced: the outage is
    known (and its PO-NOTICE tasks open) from then.  Optional: without it the
    outage is known only from ``start``, so its notices can only be checked after
    the fact.  It must not be after ``start``.
    """

    type: Literal["planned_outage"] = "planned_outage"
    start: Instant
    end: Instant
    announced_at: Instant | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> PlannedOutage:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        if self.announced_at is not None and self.announced_at > self.start:
            raise ValueError("announced_at must not be after start")
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

    @model_validator(mode="after")
    def _expires_after_at(self) -> GradeOverride:
        if self.expires is not None and self.expires <= self.at:
            raise ValueError("expires must be after at")
        return self


class GradeNoticeSent(_EventBase):
    """The C-grade notice of SV-C-NOTICE was delivered to the customer."""

    type: Literal["grade_notice_sent"] = "grade_notice_sent"
    at: Instant


# -- key accounts and service quality (RULES.md §5, §6) -------------------------------

ApplicationDocument = Literal[
    "mining_licence",
    "project_approval",
    "safety_chapter",
    "preliminary_design",
    "eia_approval",
    "mine_manager_qualification",
    "mine_manager_safety_qualification",
    "safety_production_licence",
    "coal_production_licence",
    "business_licence",
]
"""Documents of a grade-1 important customer's application (KA-L1, source 004):
采矿许可证, 项目核准, 安全专篇, 初步设计, 环评报告批复; and the six licences of a coal
mine's capacity increase: 采矿许可证, 矿长资格证, 矿长安全资格证, 安全生产许可证,
煤炭生产许可证, 工商营业执照."""


class MeterReading(_EventBase):
    """A (weekly) meter reading: kWh consumed from ``period_start`` to ``period_end``.

    Both days are included; the daily average is ``kwh / days``. Used by KA-ANOM
    (每周一次的抄读核对). ``at`` is when the meter was read, not before ``period_end``.
    """

    type: Literal["meter_reading"] = "meter_reading"
    at: Instant
    period_start: Day
    period_end: Day
    kwh: Kwh

    @model_validator(mode="after")
    def _period_ordered(self) -> MeterReading:
        if self.period_end < self.period_start:
            raise ValueError("period_end must not be before period_start")
        if local_date(self.at) < self.period_end:
            raise ValueError("a reading cannot be taken (at) before the end of its period")
        return self


class BusinessApplied(_EventBase):
    """A new-installation / capacity-increase / change application accepted for review
    (业扩报装受理), with the documents submitted (KA-L1)."""

    type: Literal["business_applied"] = "business_applied"
    at: Instant
    business: Literal["new", "capacity_increase", "change"]
    documents: frozenset[ApplicationDocument] = frozenset()


class UsageNatureChecked(_EventBase):
    """The yearly check of usage nature and ratio (用电性质、用电比例核查) was done (KA-NATURE)."""

    type: Literal["usage_nature_checked"] = "usage_nature_checked"
    at: Instant


class VoltageMeasured(_EventBase):
    """Supply voltage measured at the customer's receiving end (SQ-VOLT).

    ``min_kv`` / ``max_kv`` are the lowest and highest values of the recording period
    ending at ``at``; a spot reading gives the same value twice.
    """

    type: Literal["voltage_measured"] = "voltage_measured"
    at: Instant
    min_kv: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
    max_kv: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]

    @model_validator(mode="after")
    def _ordered(self) -> VoltageMeasured:
        if self.max_kv < self.min_kv:
            raise ValueError("max_kv must not be below min_kv")
        return self


class ConsumptionInvestigated(_EventBase):
    """The investigation (情况调查) of the anomalous reading ``for_event`` is done (KA-ANOM)."""

    type: Literal["consumption_investigated"] = "consumption_investigated"
    at: Instant
    for_event: Annotated[str, Field(min_length=1)]


# -- callbacks and deadlines (RULES.md §3 SV-C-PREPAY, §4; docs/deadlines.md) ----------

EventRef = Annotated[str, Field(min_length=1)]
"""The id of another event of the same history (``for_event``)."""


class RepairRequested(_EventBase):
    """A fault-repair call (故障报修) received; starts the crew-arrival clock (SLA-ARRIVE)."""

    type: Literal["repair_requested"] = "repair_requested"
    at: Instant


class CrewArrived(_EventBase):
    """The repair crew arrived on site for the repair call ``for_event`` (SLA-ARRIVE)."""

    type: Literal["crew_arrived"] = "crew_arrived"
    at: Instant
    for_event: EventRef


class ContactReceived(_EventBase):
    """An opinion, suggestion or enquiry that is not a complaint, e.g. from a deputy (CB-DEPUTY)."""

    type: Literal["contact_received"] = "contact_received"
    at: Instant
    channel: Literal["phone", "letter", "visit", "other"]
    reply_requested: bool = True


class LetterReplySent(_EventBase):
    """A reply letter (复函) sent for ``for_event`` (CB-LET-C/R, CB-DEPUTY; starts CB-ARCHIVE)."""

    type: Literal["letter_reply_sent"] = "letter_reply_sent"
    at: Instant
    for_event: EventRef


class VisitCompleted(_EventBase):
    """A visit (走访) or symposium (座谈会) held with a large customer (CB-VISIT)."""

    type: Literal["visit_completed"] = "visit_completed"
    at: Instant
    form: Literal["visit", "symposium"]


class VisitPlanned(_EventBase):
    """The customer was put in the visit/symposium plan of year ``for_year`` (CB-VISIT)."""

    type: Literal["visit_planned"] = "visit_planned"
    at: Instant
    for_year: Annotated[int, Field(ge=1900, le=9999)]


class OutageNoticeSent(_EventBase):
    """Written or phone notice of the planned outage ``for_event`` delivered (PO-NOTICE)."""

    type: Literal["outage_notice_sent"] = "outage_notice_sent"
    at: Instant
    for_event: EventRef
    channel: Literal["phone", "letter"]


class OutageSmsSent(_EventBase):
    """SMS notice of the planned outage ``for_event`` sent (PO-NOTICE)."""

    type: Literal["outage_sms_sent"] = "outage_sms_sent"
    at: Instant
    for_event: EventRef


class ApplicationForwarded(_EventBase):
    """The application ``for_event`` passed on from the supply station to marketing (SP-REPLY)."""

    type: Literal["application_forwarded"] = "application_forwarded"
    at: Instant
    for_event: EventRef


class SupplyPlanNotified(_EventBase):
    """The formal supply-plan notice (供电方案通知书) sent, answering application ``for_event``."""

    type: Literal["supply_plan_notified"] = "supply_plan_notified"
    at: Instant
    for_event: EventRef | None = None


class SupplyPlanExtensionRequested(_EventBase):
    """The customer asks to extend the supply plan ``for_event`` by ``months`` (SP-VALID).

    ``months`` omitted asks for one full validity period, the most the source allows.
    """

    type: Literal["supply_plan_extension_requested"] = "supply_plan_extension_requested"
    at: Instant
    for_event: EventRef
    months: Annotated[int, Field(gt=0)] | None = None


class ConstructionStarted(_EventBase):
    """The customer's receiving works started (受电工程开工) under supply plan ``for_event``."""

    type: Literal["construction_started"] = "construction_started"
    at: Instant
    for_event: EventRef | None = None


class PrepaymentCompleted(_EventBase):
    """Prepayment of electricity charges (预收电费) completed (SV-C-PREPAY)."""

    type: Literal["prepayment_completed"] = "prepayment_completed"
    at: Instant
    amount: Money | None = None
    for_event: EventRef | None = None


class PrepaidMeterInstalled(_EventBase):
    """A prepaid meter (预付费电能表) installed for a low-voltage customer (SV-C-PREPAY)."""

    type: Literal["prepaid_meter_installed"] = "prepaid_meter_installed"
    at: Instant
    for_event: EventRef | None = None


class DefectReportSubmitted(_EventBase):
    """The key-account customer's monthly defect report (缺陷报表) received (MT-DEFECT)."""

    type: Literal["defect_report_submitted"] = "defect_report_submitted"
    at: Instant


class LinePatrolCompleted(_EventBase):
    """The customer's monthly patrol of its lines and equipment (巡视) done (MT-PATROL)."""

    type: Literal["line_patrol_completed"] = "line_patrol_completed"
    at: Instant


class SpringInspectionCompleted(_EventBase):
    """The customer's yearly spring inspection (春查) done (MT-SEASONAL)."""

    type: Literal["spring_inspection_completed"] = "spring_inspection_completed"
    at: Instant


class AutumnInspectionCompleted(_EventBase):
    """The customer's yearly autumn inspection (秋查) done (MT-SEASONAL)."""

    type: Literal["autumn_inspection_completed"] = "autumn_inspection_completed"
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
        MeterReading,
        BusinessApplied,
        UsageNatureChecked,
        VoltageMeasured,
        ConsumptionInvestigated,
        RepairRequested,
        CrewArrived,
        ContactReceived,
        LetterReplySent,
        VisitCompleted,
        VisitPlanned,
        OutageNoticeSent,
        OutageSmsSent,
        ApplicationForwarded,
        SupplyPlanNotified,
        SupplyPlanExtensionRequested,
        ConstructionStarted,
        PrepaymentCompleted,
        PrepaidMeterInstalled,
        DefectReportSubmitted,
        LinePatrolCompleted,
        SpringInspectionCompleted,
        AutumnInspectionCompleted,
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
    "meter_reading",
    "business_applied",
    "usage_nature_checked",
    "voltage_measured",
    "consumption_investigated",
    "repair_requested",
    "crew_arrived",
    "contact_received",
    "letter_reply_sent",
    "visit_completed",
    "visit_planned",
    "outage_notice_sent",
    "outage_sms_sent",
    "application_forwarded",
    "supply_plan_notified",
    "supply_plan_extension_requested",
    "construction_started",
    "prepayment_completed",
    "prepaid_meter_installed",
    "defect_report_submitted",
    "line_patrol_completed",
    "spring_inspection_completed",
    "autumn_inspection_completed",
]

_EVENTS: TypeAdapter[tuple[Event, ...]] = TypeAdapter(
    tuple[Event, ...], config=ConfigDict(title="events")
)
_NATIVE_EVENTS = without_steps(
    _EVENTS.core_schema, (_EventBase._not_given, instant_from_date, day_not_a_number),
    guards={instant_from_date: (datetime, INSTANT_TEXT), day_not_a_number: (date, DAY_TEXT)})
"""``_EVENTS`` without its Python steps: the fast path of :func:`parse_events` (``._native``)."""


EVENT_MODELS: Mapping[str, type[BaseModel]] = MappingProxyType(
    {m.model_fields["type"].default: m for m in get_args(get_args(Event)[0])}
)
"""Event ``type`` -> its model (the members of the ``Event`` union)."""
_MONTH_FIELD: Mapping[type[BaseModel], str] = {BillIssued: "period", MonthlyConsumption: "month"}
"""The models known when a month closes (:func:`event_instant`), and the month's field."""
_AT_KNOWN: frozenset[type[BaseModel]] = frozenset(
    m for m in EVENT_MODELS.values() if m not in _MONTH_FIELD and m is not PlannedOutage
)
"""The models known at their ``at`` (:func:`event_instant`); exact classes, so a subclass
takes the general path."""
_EVENT_CLASSES = tuple(EVENT_MODELS.values())
_REFERRING: tuple[type[BaseModel], ...] = tuple(
    m for m in _EVENT_CLASSES if "for_event" in m.model_fields
)
"""The event models with a ``for_event`` field (looked up by class: a missing attribute
of a pydantic model costs an exception)."""
_NOT_REFERRING: frozenset[type[BaseModel]] = frozenset(_EVENT_CLASSES) - frozenset(_REFERRING)
"""The other event models: one set lookup skips an event (``isinstance`` tries each)."""


class _CheckedHistory(tuple):  # type: ignore[type-arg]  # a tuple of events, as is
    """A history :func:`parse_events` has checked: given back again, it is not re-checked."""

    __slots__ = ()


def parse_events(
    items: Iterable[BaseModel | Mapping[str, Any]], *, customer_id: str | None = None
) -> tuple[Event, ...]:
    """Validate a history: every item, then uniqueness of ids and bill references.

    ``customer_id``: the customer the history is of; records that carry it as their
    ``customer_id`` (rows of a batch events table) are taken without it
    (:func:`of_customer`).

    Raises ``pydantic.ValidationError`` naming the position and field of each
    problem (e.g. ``3.id: duplicate event id 'e1' (first at position 0)``).  The
    result, passed to ``parse_events`` (or ``Engine.evaluate``) again, is returned
    as it is: its events and references were checked once.
    """
    if isinstance(items, _CheckedHistory):
        return items
    if not isinstance(items, list | tuple):
        _refuse_non_history(items)
    given = items if isinstance(items, (list, tuple)) else list(items)
    if all(isinstance(i, _EVENT_CLASSES) for i in given):
        events: tuple[Event, ...] = tuple(given)  # type: ignore[arg-type]  # already validated
    else:
        raw = [i.model_dump() if isinstance(i, BaseModel) else i for i in given]
        events = _validate(raw if customer_id is None else of_customer(raw, customer_id))
    problems = _history_problems(events)
    if problems:
        raise ValidationError.from_exception_data("events", problems)
    return _CheckedHistory(events)


def of_customer(records: list[Any], customer_id: str) -> list[Any]:
    """Event records given as rows of a batch events table (each with its
    ``customer_id``): the key dropped where it names ``customer_id`` (edge whitespace
    stripped, as ids are read), so ``evaluate`` takes the rows it would be given per
    customer.  A row naming another customer keeps the key, which the event models refuse
    (an extra field).  Called on the records path of :func:`parse_events` only: a history
    of models costs nothing."""
    return [
        {k: v for k, v in item.items() if k != "customer_id"}
        if isinstance(item, Mapping) and isinstance(item.get("customer_id"), str)
        and item["customer_id"].strip() == customer_id else item
        for item in records
    ]


def _refuse_non_history(items: object) -> None:
    """A history is an iterable of events: refuse, with what to pass instead, the values a
    caller plausibly gives by mistake (iterating them would yield keys or column names)."""
    kind = type(items).__name__
    if items is None:
        raise TypeError("events: expected a list of event records (dicts or Event models), "
                        "got None; pass [] for no events")
    if isinstance(items, str | bytes | Mapping | BaseModel):
        raise TypeError(f"events: expected a list of event records, got one {kind}; wrap a "
                        "single event in a list: [event]")
    if hasattr(items, "columns"):  # a table: iterating it yields its column names
        records = "df.to_dicts()" if hasattr(items, "to_dicts") else "df.to_dict('records')"
        raise TypeError(f"events: expected a list of event records, got a {kind}; pass "
                        f"{records} (or use evaluate_batch for a table)")


def _validate(raw: list[Any]) -> tuple[Event, ...]:
    """The events of ``raw``: natively when every value is canonical, else by ``_EVENTS``."""
    try:
        events: tuple[Event, ...] = _NATIVE_EVENTS.validate_python(raw)
    except ValidationError:
        try:
            return _EVENTS.validate_python(raw)
        except ValidationError as exc:
            raise named_event_types(exc) from None
    return events


_BUILTIN_ERRORS: frozenset[str] = frozenset(get_args(ErrorType))


def named_event_types(exc: ValidationError) -> ValidationError:
    """``exc`` with each event whose ``type`` is unknown or missing reported at its
    ``type`` field, naming the types it is close to (other errors as they are).

    pydantic reports a bad discriminator at the event (``loc`` ``(3,)``) and lists all
    event types; a user looks for the field and the type meant:
    ``3.type: unknown event type 'bill_isued' (did you mean 'bill_issued'?)`` (all the
    types when none is close).  The batch path (one event per row) and the live
    session give the same record.
    """
    errors = exc.errors(include_url=False)
    if not any(e["type"] in ("union_tag_invalid", "union_tag_not_found") for e in errors):
        return exc
    return ValidationError.from_exception_data(exc.title, [_named_type(e) for e in errors])


def _named_type(error: ErrorDetails) -> InitErrorDetails:
    loc = (*error["loc"], "type")
    if error["type"] not in ("union_tag_invalid", "union_tag_not_found"):
        return _as_given(error)
    record = error["input"]
    given = (record.get("type") if isinstance(record, Mapping)
             else (error.get("ctx") or {}).get("tag"))
    if error["type"] == "union_tag_not_found" or is_missing(given):
        # no type, or None/NaN for it: "not given", as a missing value is everywhere
        return {"type": "missing", "loc": loc, "input": record}
    hint = suggest(given, EVENT_MODELS) if isinstance(given, str) else ""
    return {"type": PydanticCustomError(
                "unknown_event_type", "unknown event type {given}{hint}",
                {"given": repr(given),
                 "hint": hint or "; expected one of " + ", ".join(map(repr, EVENT_MODELS))}),
            "loc": loc, "input": given}


def _as_given(error: ErrorDetails) -> InitErrorDetails:
    """An error of a history re-raised as it was (type, loc, message, input, context)."""
    if error["type"] in _BUILTIN_ERRORS:
        details: InitErrorDetails = {"type": error["type"], "loc": error["loc"],
                                     "input": error["input"]}
        if "ctx" in error:
            details["ctx"] = error["ctx"]
        return details
    # a validator's own error: its message as formatted, its context kept unless formatting
    # the message with it again would change it (a value holding a ``{placeholder}``)
    ctx = error.get("ctx")
    custom = PydanticCustomError(error["type"], error["msg"], ctx)
    if ctx and custom.message() != error["msg"]:
        custom = PydanticCustomError(error["type"], error["msg"])
    return {"type": custom, "loc": error["loc"], "input": error["input"]}


def _history_problems(events: tuple[Event, ...]) -> list[InitErrorDetails]:
    """Duplicate ids, then payments naming an unknown bill, then unknown ``for_event``s.

    Each later check runs only when the history has an event of a kind it looks at.
    """
    ids = {e.id for e in events}
    problems = [] if len(ids) == len(events) else _duplicate_ids(events)
    kinds = {type(e) for e in events}
    if any(issubclass(kind, PaymentReceived) for kind in kinds) and any(
        isinstance(e, PaymentReceived) and e.bill_id is not None for e in events
    ):
        problems += _unknown_bills(events)
    if not kinds <= _NOT_REFERRING:
        problems += _unknown_references(events, ids)
    return problems


def _unknown_bills(events: tuple[Event, ...]) -> list[InitErrorDetails]:
    """An error for every payment naming a bill that is not in the history."""
    bill_ids = {e.id for e in events if isinstance(e, BillIssued)}
    problems: list[InitErrorDetails] = []
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
    return problems


def _duplicate_ids(events: tuple[Event, ...]) -> list[InitErrorDetails]:
    """An error for every event whose id an earlier event has."""
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
    return problems


def _unknown_references(events: tuple[Event, ...], ids: set[str]) -> list[InitErrorDetails]:
    """An error for every event whose ``for_event`` names none of ``ids`` (the history's)."""
    problems: list[InitErrorDetails] = []
    for position, event in enumerate(events):
        if type(event) in _NOT_REFERRING or not isinstance(event, _REFERRING):
            continue
        ref = event.for_event  # type: ignore[union-attr]  # _REFERRING: it has the field
        if ref is not None and ref not in ids:
            problems.append(
                {
                    "type": PydanticCustomError(
                        "unknown_event",
                        "{type} names event '{ref}' (for_event), which is not in the history",
                        {"type": event.type, "ref": ref},
                    ),
                    "loc": (position, "for_event"),
                    "input": ref,
                }
            )
    return problems


def event_instant(event: Event) -> datetime:
    """The instant an event became known, used for point-in-time filtering.

    Bills and monthly consumption carry a month, not an instant: they are
    known once their month has closed, i.e. from 00:00 of the next month.
    A planned outage is dated by its ``announced_at`` when it has one, else by
    its start.
    """
    if isinstance(event, BillIssued):
        return _month_closed(event.period)
    if isinstance(event, MonthlyConsumption):
        return _month_closed(event.month)
    if isinstance(event, PlannedOutage):
        return event.announced_at if event.announced_at is not None else event.start
    instant: datetime = event.at
    return instant


HistoryKey = tuple[datetime, str, str]
"""(instant in UTC, type, id): the engine's order of a history (:func:`history_key`)."""


def utc_instant(instant: datetime) -> datetime:
    """An aware instant as the same instant in ``datetime.UTC``: it orders and compares as
    the instant does, and fast.

    Two aware datetimes with different ``tzinfo`` objects (pydantic's fixed offsets, the
    Shanghai zone) call ``utcoffset`` on both sides at every comparison; two with the same
    ``tzinfo`` object compare their fields in C, so a sort by this key costs one conversion
    per event.  (``astimezone`` is also about three times cheaper than shifting by the
    offset and dropping the zone, ``replace(tzinfo=None)``.)

    A naive datetime is refused (``ValueError``): ``astimezone`` would read it in the
    machine's own zone.
    """
    zone = instant.tzinfo
    if zone is None or (type(zone) not in _ALWAYS_AWARE and instant.utcoffset() is None):
        raise ValueError(f"expected an aware datetime (with its UTC offset), got {instant!r}")
    return instant.astimezone(UTC)


_ALWAYS_AWARE: frozenset[type] = frozenset({type(UTC), ZoneInfo, TzInfo})
"""Zone classes whose ``utcoffset`` is never None (fixed offsets, the tz database,
pydantic's parsed offsets): :func:`utc_instant` need not ask them."""


def history_key(event: Event) -> HistoryKey:
    """The engine's order of a history: the instant it became known
    (:func:`event_instant`), then type, then id.  Ids are unique in a history, so the
    key never ties.  The one definition used by ``evaluate``, the batch's scalar
    facts and live sessions."""
    month = _MONTH_FIELD.get(type(event))
    if month is not None:  # a bill or a month's consumption: known when its month closed
        return (_month_closed_utc(getattr(event, month)), event.type, event.id)
    if type(event) in _AT_KNOWN:
        return (utc_instant(event.at), event.type, event.id)  # type: ignore[union-attr]
    return (utc_instant(event_instant(event)), event.type, event.id)


def known_at(history: Iterable[Event], as_of: datetime) -> list[Event]:
    """The events of ``history`` known at ``as_of`` (:func:`event_instant` at or before
    it), in history order (:func:`history_key`): what ``evaluate`` and the fact providers
    read.  One key per event; the sort compares keys only (the key never ties)."""
    until = utc_instant(as_of)
    events = history if isinstance(history, list | tuple) else list(history)
    keys = list(map(history_key, events))
    return [events[i] for i in sorted(range(len(keys)), key=keys.__getitem__)
            if keys[i][0] <= until]


@lru_cache(maxsize=4096)
def _month_closed_utc(period: str) -> datetime:
    """:func:`_month_closed` in UTC (:func:`utc_instant`; memoised like it)."""
    return utc_instant(_month_closed(period))


@lru_cache(maxsize=4096)
def _month_closed(period: str) -> datetime:
    """00:00 of the first day after the month ``period`` (``YYYY-MM``).

    Memoised: a pure function of an immutable string to an immutable datetime.
    """
    year, month = int(period[:4]), int(period[5:7])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return start_of_day(date(year, month, 1))
