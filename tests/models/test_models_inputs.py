"""Input models refuse bad data with the field path and never guess (DESIGN.md principle 6)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from gridcrm_rules import Customer, parse_events
from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.models import (
    BillIssued,
    GradeOverride,
    PaymentReceived,
    PlannedOutage,
    TheftDetected,
    event_instant,
)

CUSTOMER: dict[str, Any] = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}


def _locs(exc: ValidationError) -> list[tuple[Any, ...]]:
    return [tuple(e["loc"]) for e in exc.errors()]


def test_naive_datetime_refused_with_field_path() -> None:
    """A naive ``at`` is refused, and the error path names the position and the field."""
    with pytest.raises(ValidationError) as info:
        parse_events([{"type": "theft_detected", "id": "t1", "at": "2026-05-01T10:00:00"}])
    assert _locs(info.value) == [(0, "theft_detected", "at")]
    assert info.value.errors()[0]["type"] == "timezone_aware"


def test_naive_datetime_object_refused() -> None:
    """A naive ``datetime`` object is refused just like naive text."""
    with pytest.raises(ValidationError, match="timezone"):
        TheftDetected(id="t1", at=datetime(2026, 5, 1, 10, 0))


@pytest.mark.parametrize("value", ["2026-05-01", date(2026, 5, 1)])
def test_date_only_at_is_shanghai_midnight(value: Any) -> None:
    """A date-only ``at`` (text or date) means 00:00 Asia/Shanghai."""
    event = TheftDetected(id="t1", at=value)
    assert event.at == datetime(2026, 5, 1, 0, 0, tzinfo=SHANGHAI)
    assert event.at.utcoffset() is not None
    assert event.at.utcoffset().total_seconds() == 8 * 3600


def test_aware_datetime_keeps_its_instant() -> None:
    """An aware datetime in another zone is kept as the same instant."""
    event = TheftDetected(id="t1", at="2026-04-30T16:00:00+00:00")
    assert event.at == datetime(2026, 5, 1, 0, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("amount", ["10.005", "0.001", Decimal("1.234")])
def test_money_with_three_decimals_refused(amount: Any) -> None:
    """Amounts carry at most two decimals (fen); a third is refused on the amount field."""
    with pytest.raises(ValidationError) as info:
        PaymentReceived(id="p1", at="2026-05-01", amount=amount)
    assert _locs(info.value) == [("amount",)]
    assert info.value.errors()[0]["type"] == "decimal_max_places"


@pytest.mark.parametrize("amount", ["10", "10.5", "10.50", "0"])
def test_money_with_up_to_two_decimals_accepted(amount: str) -> None:
    """Whole yuan, one or two decimals, and zero are valid amounts, kept as Decimal."""
    assert PaymentReceived(id="p1", at="2026-05-01", amount=amount).amount == Decimal(amount)


def test_negative_amount_refused_with_path() -> None:
    """A negative bill amount is refused, naming position, event type and field."""
    with pytest.raises(ValidationError) as info:
        parse_events(
            [
                {
                    "type": "bill_issued",
                    "id": "b1",
                    "period": "2026-04",
                    "amount": "-1",
                    "due": "2026-05-15",
                }
            ]
        )
    assert _locs(info.value) == [(0, "bill_issued", "amount")]


@pytest.mark.parametrize("amount", ["NaN", "Infinity"])
def test_non_finite_amount_refused(amount: str) -> None:
    """NaN and infinity are not money."""
    with pytest.raises(ValidationError):
        PaymentReceived(id="p1", at="2026-05-01", amount=amount)


@pytest.mark.parametrize("kv", ["0", "-10"])
def test_non_positive_voltage_refused(kv: str) -> None:
    """A supply voltage must be positive."""
    with pytest.raises(ValidationError) as info:
        Customer.model_validate({**CUSTOMER, "supply_voltage_kv": kv})
    assert _locs(info.value) == [("supply_voltage_kv",)]


def test_negative_transformer_capacity_refused() -> None:
    """A negative transformer capacity is refused on its field."""
    with pytest.raises(ValidationError) as info:
        Customer.model_validate({**CUSTOMER, "transformer_kva": "-630"})
    assert _locs(info.value) == [("transformer_kva",)]


def test_unknown_customer_field_refused() -> None:
    """An unknown customer field is refused (extra=forbid), naming the field."""
    with pytest.raises(ValidationError) as info:
        Customer.model_validate({**CUSTOMER, "grade": "A"})
    assert _locs(info.value) == [("grade",)]
    assert info.value.errors()[0]["type"] == "extra_forbidden"


def test_unknown_event_field_refused() -> None:
    """An unknown event field is refused with its path inside the union."""
    with pytest.raises(ValidationError) as info:
        parse_events([{"type": "theft_detected", "id": "t1", "at": "2026-05-01", "kwh": 3}])
    assert _locs(info.value) == [(0, "theft_detected", "kwh")]


def test_unknown_category_refused() -> None:
    """A category outside the vocabulary is refused with the allowed values listed."""
    with pytest.raises(ValidationError, match="residential") as info:
        Customer.model_validate({**CUSTOMER, "category": "residental"})
    assert _locs(info.value) == [("category",)]


def test_unknown_event_type_refused_naming_it() -> None:
    """An unknown ``type`` is refused and the message quotes it."""
    with pytest.raises(ValidationError, match="meter_tampered"):
        parse_events([{"type": "meter_tampered", "id": "x", "at": "2026-05-01"}])


def test_all_errors_collected_together() -> None:
    """Several bad events give one ValidationError listing every problem."""
    with pytest.raises(ValidationError) as info:
        parse_events(
            [
                {"type": "theft_detected", "id": "t1", "at": "2026-05-01T10:00:00"},
                {"type": "payment_received", "id": "p1", "at": "2026-05-01", "amount": "-1"},
            ]
        )
    assert info.value.error_count() == 2


def test_duplicate_event_ids_refused_with_both_positions() -> None:
    """A duplicate id is refused at the later position, citing the first."""
    with pytest.raises(ValidationError) as info:
        parse_events(
            [
                {"type": "theft_detected", "id": "e1", "at": "2020-01-01"},
                {"type": "theft_detected", "id": "e2", "at": "2020-01-02"},
                {"type": "violation_recorded", "id": "e1", "at": "2020-01-03"},
            ]
        )
    (error,) = info.value.errors()
    assert error["loc"] == (2, "id")
    assert error["type"] == "duplicate_event_id"
    assert "first at position 0" in error["msg"]


def test_payment_naming_unknown_bill_refused() -> None:
    """A payment whose ``bill_id`` is not in the history is refused on that field."""
    with pytest.raises(ValidationError) as info:
        parse_events(
            [
                {
                    "type": "payment_received",
                    "id": "p1",
                    "at": "2026-05-01",
                    "amount": "1",
                    "bill_id": "b9",
                }
            ]
        )
    (error,) = info.value.errors()
    assert error["loc"] == (0, "bill_id")
    assert "'b9'" in error["msg"]


@pytest.mark.parametrize("period", ["2026-13", "2026-00", "2026-1", "202604"])
def test_bad_billing_period_refused(period: str) -> None:
    """A billing period must be written YYYY-MM with a real month."""
    with pytest.raises(ValidationError):
        BillIssued(id="b1", period=period, amount="1", due="2026-05-15")


def test_planned_outage_end_before_start_refused() -> None:
    """An outage cannot end before it starts."""
    with pytest.raises(ValidationError, match="end must not be before start"):
        PlannedOutage(id="o1", start="2026-05-02", end="2026-05-01")


def test_override_grade_outside_abcd_refused() -> None:
    """An override can only name A, B, C or D."""
    with pytest.raises(ValidationError):
        GradeOverride(id="o1", at="2026-05-01", by="kam", to_grade="E", reason="x")


def test_customer_is_frozen() -> None:
    """A validated customer cannot be mutated."""
    c = Customer.model_validate(CUSTOMER)
    with pytest.raises(ValidationError, match="frozen"):
        c.category = "other"  # type: ignore[misc]


def test_event_is_frozen() -> None:
    """A validated event cannot be mutated."""
    e = PaymentReceived(id="p1", at="2026-05-01", amount="1")
    with pytest.raises(ValidationError, match="frozen"):
        e.amount = Decimal("2")  # type: ignore[misc]


def test_decision_is_frozen(default_engine) -> None:
    """An engine decision cannot be mutated."""
    d = default_engine.evaluate(CUSTOMER, [], as_of="2026-11-22T09:00:00+08:00")
    with pytest.raises(ValidationError, match="frozen"):
        d.customer_id = "X"  # type: ignore[misc]


def test_customer_strips_whitespace_and_coerces_voltage() -> None:
    """Text fields are stripped and the voltage is an exact Decimal."""
    c = Customer.model_validate({**CUSTOMER, "id": "  C1  ", "supply_voltage_kv": "0.22"})
    assert c.id == "C1"
    assert c.supply_voltage_kv == Decimal("0.22")
    assert c.is_low_voltage


def test_parse_events_accepts_models_and_dicts() -> None:
    """A history may mix event models and dicts; the result is typed models in order."""
    events = parse_events(
        [
            TheftDetected(id="t1", at="2026-05-01"),
            {"type": "theft_detected", "id": "t2", "at": "2026-05-02"},
        ]
    )
    assert [type(e).__name__ for e in events] == ["TheftDetected", "TheftDetected"]
    assert [e.id for e in events] == ["t1", "t2"]


def test_bill_is_known_from_the_first_day_after_its_period() -> None:
    """A bill (and monthly consumption) becomes known at 00:00 Shanghai after its month."""
    bill = BillIssued(id="b1", period="2026-12", amount="1", due="2027-01-15")
    assert event_instant(bill) == datetime.combine(date(2027, 1, 1), time(0), tzinfo=SHANGHAI)


def test_customer_json_schema_forbids_extra_fields() -> None:
    """The exported JSON schema is strict like the model."""
    schema = Customer.model_json_schema()
    assert schema["additionalProperties"] is False
    assert "supply_voltage_kv" in schema["required"]


def test_blank_customer_id_refused() -> None:
    """An id of only spaces is stripped to empty and refused."""
    with pytest.raises(ValidationError) as info:
        Customer.model_validate({**CUSTOMER, "id": "   "})
    assert _locs(info.value) == [("id",)]


def test_float_with_binary_drift_is_not_money() -> None:
    """0.1 + 0.2 as a float is not a two-decimal amount: refused instead of rounded."""
    with pytest.raises(ValidationError, match="decimal places"):
        PaymentReceived(id="p1", at="2026-05-01", amount=0.1 + 0.2)


def test_trailing_zeros_are_not_extra_decimals() -> None:
    """'1.000' is one yuan exactly, so it is accepted."""
    assert PaymentReceived(id="p1", at="2026-05-01", amount="1.000").amount == Decimal("1")


def test_override_expiring_before_it_is_made_is_refused() -> None:
    """A grade override whose ``expires`` is not after its ``at`` is refused."""
    from pydantic import ValidationError

    from gridcrm_rules.models import parse_events

    bad = {
        "type": "grade_override",
        "id": "o1",
        "at": "2026-10-01T10:00:00+08:00",
        "by": "kam",
        "to_grade": "A",
        "reason": "r",
        "expires": "2026-10-01T10:00:00+08:00",
    }
    with pytest.raises(ValidationError, match="expires must be after at"):
        parse_events([bad])


def test_event_naming_unknown_event_refused() -> None:
    """Issue 14: any ``for_event`` naming no event of the history is refused on that field."""
    with pytest.raises(ValidationError) as info:
        parse_events(
            [
                {"type": "repair_archived", "id": "r1", "at": "2026-05-01"},
                {"type": "callback_completed", "id": "c1", "at": "2026-05-01", "for_event": "r2"},
                {"type": "outage_sms_sent", "id": "s1", "at": "2026-05-01", "for_event": "r1"},
            ]
        )
    (error,) = info.value.errors()
    assert error["loc"] == (1, "for_event")
    assert error["type"] == "unknown_event"
    assert "'r2'" in error["msg"]


def test_planned_outage_announced_after_start_refused() -> None:
    """An outage cannot be announced after it started; announced_at dates the event."""
    with pytest.raises(ValidationError, match="announced_at must not be after start"):
        parse_events([{"type": "planned_outage", "id": "o1", "start": "2026-05-02T08:00:00+08:00",
                       "end": "2026-05-02T10:00:00+08:00",
                       "announced_at": "2026-05-02T09:00:00+08:00"}])
    (outage,) = parse_events([{"type": "planned_outage", "id": "o1",
                               "start": "2026-05-02T08:00:00+08:00",
                               "end": "2026-05-02T10:00:00+08:00",
                               "announced_at": "2026-04-28T09:00:00+08:00"}])
    assert event_instant(outage).isoformat() == "2026-04-28T09:00:00+08:00"
