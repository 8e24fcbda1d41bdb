"""The native fast path of ``parse_events`` agrees with the full event schema.

``parse_events`` first validates a history with the ``Event`` union minus its two
Python steps (the missing-value convention and the date-only ``Instant``), and falls
back to the full schema when that refuses the list (``models/_native.py``).  These
tests check both halves of the claim: the native schema refuses every input a step
would change, and the result (values or error records) is the full schema's.
"""

from __future__ import annotations

import enum
import math
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from gridcrm_rules.models import events as ev
from gridcrm_rules.models import parse_events

_AWARE = "2025-03-01T09:00:00+08:00"


def _full(raw: list[Any]) -> tuple[Any, ...] | list[Any]:
    """What the full schema gives: the events, or the error records."""
    try:
        return ev._EVENTS.validate_python(raw)
    except ValidationError as err:  # with an unknown type named at its field, as parse_events
        return ev.named_event_types(err).errors(include_url=False)


def _via_parse(raw: list[Any]) -> tuple[Any, ...] | list[Any]:
    try:
        return tuple(ev._validate(raw))
    except ValidationError as err:
        return err.errors(include_url=False)


@pytest.mark.parametrize(
    "record",
    [
        {"type": "theft_detected", "id": "e1", "at": "2025-03-01"},
        {"type": "theft_detected", "id": "e1", "at": " 2025-03-01 "},
        {"type": "theft_detected", "id": "e1", "at": date(2025, 3, 1)},
        {"type": "payment_received", "id": "e1", "at": _AWARE, "amount": "1", "period": None},
        {"type": "payment_received", "id": "e1", "at": _AWARE, "amount": "1", "due": math.nan},
        {"type": "repair_archived", "id": "e1", "at": _AWARE, "disaster": None},
        {"type": "prepayment_completed", "id": "e1", "at": _AWARE, "amount": math.nan},
        {"type": "planned_outage", "id": "e1", "start": _AWARE, "end": _AWARE,
         "announced_at": math.nan},
    ],
)
def test_the_native_schema_refuses_what_a_python_step_would_change(record: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ev._NATIVE_EVENTS.validate_python([record])
    events = parse_events([record])
    assert events == ev._EVENTS.validate_python([record])


def test_canonical_input_is_taken_natively_with_the_same_values() -> None:
    raw = [
        {"type": "bill_issued", "id": "b1", "period": "2025-01", "amount": "10.00",
         "due": "2025-02-15"},
        {"type": "payment_received", "id": "p1", "at": _AWARE, "amount": "10.00",
         "bill_id": None},
        {"type": "theft_detected", "id": "t1",
         "at": datetime(2025, 3, 1, 1, tzinfo=UTC)},
    ]
    native = ev._NATIVE_EVENTS.validate_python(raw)
    assert native == ev._EVENTS.validate_python(raw)
    assert [type(e) for e in native] == [ev.BillIssued, ev.PaymentReceived, ev.TheftDetected]


def test_a_checked_history_is_given_back_without_a_second_check() -> None:
    history = parse_events([{"type": "theft_detected", "id": "t1", "at": "2025-03-01"}])
    assert parse_events(history) is history
    assert parse_events(list(history)) == history


_MISSING = st.sampled_from([None, math.nan])
_VALUES = st.one_of(
    _MISSING,
    st.sampled_from(["2025-03-01", _AWARE, "2025-03-01T09:00:00", "12.50", "-1", "", "x",
                     "2025-01", "phone", "complaint", True, 3]),
)
_FIELDS = st.sampled_from(
    ["at", "amount", "period", "due", "bill_id", "disaster", "channel", "kind",
     "for_event", "start", "end", "announced_at", "kwh", "month"]
)


@st.composite
def _records(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(ev.EVENT_MODELS)))
    record: dict[str, Any] = {"type": kind, "id": draw(st.sampled_from(["e1", "e2", None]))}
    for name in draw(st.lists(_FIELDS, max_size=5, unique=True)):
        record[name] = draw(_VALUES)
    return record


@given(st.lists(_records(), max_size=4))
def test_parse_events_validates_as_the_full_schema_does(raw: list[dict[str, Any]]) -> None:
    assert repr(_via_parse(raw)) == repr(_full(raw))


_VALID = [
    {"type": "bill_issued", "id": "b", "period": "2025-01", "amount": "10.00", "due": "2025-02-15"},
    {"type": "payment_received", "id": "p", "at": _AWARE, "amount": "10.00"},
    {"type": "theft_detected", "id": "t", "at": _AWARE},
    {"type": "repair_archived", "id": "r", "at": _AWARE, "disaster": True},
    {"type": "monthly_consumption", "id": "m", "month": "2025-01", "kwh": "3000.25"},
    {"type": "planned_outage", "id": "o", "start": _AWARE, "end": "2025-03-02T09:00:00+08:00"},
]


@st.composite
def _mostly_valid(draw: st.DrawFn) -> dict[str, Any]:
    """A valid record, perhaps with a missing value added or a date-only instant."""
    record = dict(draw(st.sampled_from(_VALID)))
    record["id"] += str(draw(st.integers(0, 3)))
    change = draw(st.sampled_from(["none", "foreign", "own", "date"]))
    if change == "foreign":
        record[draw(_FIELDS)] = draw(_MISSING)
    elif change == "own":
        record[draw(st.sampled_from(sorted(record)))] = draw(_MISSING)
    elif change == "date":
        for name in ("at", "start"):
            if name in record:
                record[name] = "2025-03-01"
    return record


@given(st.lists(_mostly_valid(), max_size=6))
def test_valid_and_nearly_valid_histories_agree(raw: list[dict[str, Any]]) -> None:
    assert repr(_via_parse(raw)) == repr(_full(raw))


_MONEY_TEXT = st.one_of(
    st.from_regex(r"\A[0-9]{1,8}(\.[0-9]{0,4})?\Z"),  # around the two places, a bare point
    st.sampled_from(["1.005", "0.1", "007.50", "1e2", "-0.00", "+1.00", " 1.00", "1.00 ",
                     "1_000.00", "\u0661\u0662.50", "Infinity", "NaN", "1.2300"]),
)
class _Text(enum.Enum):
    """A plain Enum whose values are texts: not text to the full schema."""

    MONEY = "1.00"
    INSTANT = _AWARE


_MONEY = st.one_of(_MONEY_TEXT, st.decimals(allow_nan=False, allow_infinity=False, places=3),
                   st.integers(-5, 10**12), _MONEY_TEXT.map(str.encode),
                   _MONEY_TEXT.map(lambda t: bytearray(t.encode())), st.just(_Text.MONEY))


@given(st.lists(st.tuples(st.sampled_from(["bill_issued", "payment_received"]), _MONEY),
                min_size=1, max_size=4))
def test_money_validates_natively_as_the_full_schema_does(
    amounts: list[tuple[str, Any]],
) -> None:
    """Money's places are not counted on text of digits with at most two after the point
    (models/_native.py): the amounts, and every refusal, are still the full schema's."""
    raw: list[dict[str, Any]] = []
    for n, (kind, amount) in enumerate(amounts):
        if kind == "bill_issued":
            raw.append({"type": kind, "id": f"b{n}", "period": "2025-01", "amount": amount,
                        "due": "2025-02-15"})
        else:
            raw.append({"type": kind, "id": f"p{n}", "at": _AWARE, "amount": amount})
    assert repr(_via_parse(raw)) == repr(_full(raw))
    parsed = _via_parse(raw)
    if isinstance(parsed, tuple):  # the same decimals, exponent included
        full = _full(raw)
        assert [e.amount.as_tuple() for e in parsed] == [e.amount.as_tuple() for e in full]


@pytest.mark.parametrize("at", [_Text.INSTANT, _AWARE.encode(), b"2025-03-01"])
def test_bytes_or_an_enum_are_not_an_instant_natively(at: object) -> None:
    """The native guards take text as given (strict): bytes or an Enum of ISO text, which
    the full schema refuses, do not pass the native path either."""
    raw = [{"type": "theft_detected", "id": "t", "at": at}]
    with pytest.raises(ValidationError):
        ev._NATIVE_EVENTS.validate_python(raw)
    assert repr(_via_parse(raw)) == repr(_full(raw))
