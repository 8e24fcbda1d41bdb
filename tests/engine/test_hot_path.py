"""Issue 13, second round: the shortcuts of the evaluate hot path mean what they replaced.

* ``guarded`` functions check their arguments only when one is None or outside its
  domain; the fault reported is still the first argument's, in order, with every value.
* ``local_date`` takes a Shanghai datetime's own date; any other zone is converted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcrm_rules._time import SHANGHAI, local_date
from gridcrm_rules.errors import EvaluationError
from gridcrm_rules.functions import FUNCTIONS

DAYS_AFTER = FUNCTIONS["days_after"].impl
T = datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)


def test_a_guarded_call_in_range_gives_the_implementations_value() -> None:
    assert DAYS_AFTER(T, 10) == datetime(2026, 3, 11, 9, 0, tzinfo=SHANGHAI)
    assert DAYS_AFTER(date(2026, 3, 1), -1) == datetime(2026, 2, 28, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("args", "kind", "message"),
    [
        ((None, 1), "missing_value", "argument 1 of days_after() is None"),
        ((T, None), "missing_value", "argument 2 of days_after() is None"),
        ((None, 10**6), "missing_value", "argument 1 of days_after() is None"),
        ((T, 10**6), "bad_argument", "argument 2 of days_after() must be at most 36600"),
        ((T, 36_601), "bad_argument", "argument 2 of days_after() must be at most 36600"),
    ],
)
def test_a_guarded_call_reports_the_first_fault_in_argument_order(
    args: tuple[object, object], kind: str, message: str
) -> None:
    with pytest.raises(EvaluationError) as caught:
        DAYS_AFTER(*args)
    assert caught.value.type == kind
    assert message in str(caught.value)
    assert caught.value.values == {"argument 1": args[0], "argument 2": args[1]}


def test_an_implementation_fault_names_the_arguments() -> None:
    with pytest.raises(EvaluationError) as caught:
        DAYS_AFTER(datetime(9999, 12, 31, tzinfo=SHANGHAI), 1)  # past datetime.max
    assert caught.value.type == "bad_argument"
    assert caught.value.values == {"argument 1": datetime(9999, 12, 31, tzinfo=SHANGHAI),
                                   "argument 2": 1}


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1),
                    timezones=st.just(UTC)),
       st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-11)),
                        SHANGHAI]))
def test_local_date_is_the_shanghai_date_whatever_the_zone(
    instant: datetime, zone: timezone
) -> None:
    shown = instant.astimezone(zone)
    assert local_date(shown) == instant.astimezone(SHANGHAI).date()
    assert local_date(shown) == local_date(instant)


def test_local_date_of_a_date_is_the_date() -> None:
    assert local_date(date(2026, 3, 1)) == date(2026, 3, 1)


# -- fifth round: the credit facts' shortcuts keep the answers (found by a review) ------
def _credit(events: list[dict[str, object]] | list[object], as_of: str) -> object:
    from gridcrm_rules import Engine

    customer = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
    return Engine.from_packs(["credit"]).evaluate(customer, events, as_of=as_of).credit


def test_a_payment_in_the_repeated_hour_of_1946_is_after_the_cutoff_day_ended() -> None:
    """1946-09-30 23:00-24:00 happened twice in Shanghai (summer time ended at midnight);
    "by the end of the cutoff day" is the instant 23:59:59.999999 of its first pass."""
    credit = _credit([
        {"type": "bill_issued", "id": "b1", "period": "1946-06", "amount": "100.00",
         "due": "1946-07-15"},
        {"type": "payment_received", "id": "p1", "at": "1946-09-30T23:30:00+08:00",
         "amount": "100.00"},
    ], "1946-10-15T12:00:00+08:00")
    assert credit is not None
    assert credit.facts["arrears_amount"] == Decimal("100.00")


def test_settlement_of_an_amount_past_the_precision_sums_as_the_replay_did() -> None:
    amount = "1234567890123456789012345678.01"  # 30 digits: sums round at 28
    credit = _credit([
        {"type": "bill_issued", "id": "b1", "period": "2026-08", "amount": amount,
         "due": "2026-09-15"},
        {"type": "payment_received", "id": "p1", "at": "2026-09-10T10:00:00+08:00",
         "amount": amount},
    ], "2026-10-15T12:00:00+08:00")
    assert credit is not None
    assert credit.facts["arrears_amount"] == Decimal("0.01")


def test_a_subclass_of_an_event_model_is_read_as_its_base() -> None:
    from typing import Literal

    from gridcrm_rules.models import BillIssued, PaymentReceived

    class MyPay(PaymentReceived):
        type: Literal["my_pay"] = "my_pay"  # type: ignore[assignment]

    credit = _credit([
        BillIssued(id="b1", period="2026-08", amount="100.00", due="2026-09-15"),
        MyPay(id="p1", at="2026-09-10T10:00:00+08:00", amount="100.00"),
    ], "2026-11-22T09:00:00+08:00")
    assert credit is not None
    assert credit.grade == "A"
