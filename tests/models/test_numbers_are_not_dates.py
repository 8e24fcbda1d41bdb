"""A number given for a date or an instant is refused, never read as a Unix time.

pydantic reads ``20260105`` (or ``"20260105"``) given for a datetime as seconds since
1970: a compact date became 1970-08-23 and a theft three years old vanished from the
grade.  Every date and instant field refuses numbers, on the native fast path of
``parse_events`` as on the full one, in ``evaluate`` and in the batch alike.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import gridcrm_rules as gr
from gridcrm_rules.models import Customer, parse_events

CUSTOMER = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
ENGINE = gr.Engine.from_packs(["credit"])

numbers = st.one_of(
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.integers(min_value=0, max_value=10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=1e12).map(str),
)


def _events(field: str, value: Any) -> list[dict[str, Any]]:
    if field == "at":
        return [{"type": "theft_detected", "id": "t", "at": value}]
    return [{"type": "bill_issued", "id": "b", "period": "2026-09", "amount": "1.00",
             field: value}]


@given(value=numbers, field=st.sampled_from(["at", "due"]))
def test_a_number_for_an_instant_or_a_day_is_refused(value: Any, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_events(_events(field, value))
    error = info.value.errors()[0]
    assert error["loc"][-1] == field
    assert "got the number" in error["msg"]


@given(value=numbers)
def test_a_number_for_connected_on_is_refused(value: Any) -> None:
    with pytest.raises(ValidationError, match="got the number"):
        Customer.model_validate({**CUSTOMER, "connected_on": value})


def test_a_compact_theft_date_does_not_silently_grade_a() -> None:
    """The report that found it: ``at: "20260105"`` graded A (a 1970 theft)."""
    with pytest.raises(ValidationError, match="not read as a date or a Unix time"):
        ENGINE.evaluate(CUSTOMER, _events("at", "20260105"), as_of="2026-11-22")
    row = {"customer_id": "C1", **_events("at", "20260105")[0]}
    batch = ENGINE.evaluate_batch([CUSTOMER], [row], as_of="2026-11-22")
    assert batch.decisions.height == 0
    assert "got the number '20260105'" in batch.errors.get_column("msg").to_list()[-1]
    # the ISO forms are read as before
    for at in ("2026-01-05", "2026-01-05T10:00:00+08:00", "2026-01-05 02:00:00Z"):
        assert ENGINE.evaluate(CUSTOMER, _events("at", at), as_of="2026-11-22").credit.grade == "D"


def test_numpy_numbers_are_refused_too() -> None:
    np = pytest.importorskip("numpy")
    for value in (np.int64(20260105), np.int32(1767225600), np.float32(1.5e9)):
        with pytest.raises(ValidationError, match="got the number"):
            parse_events(_events("at", value))
        with pytest.raises(ValidationError, match="got the number"):
            parse_events(_events("due", value))


@pytest.mark.parametrize("field", ["at", "due"])
def test_padded_text_is_refused_on_the_fast_path_as_on_the_full_one(field: str) -> None:
    """The native guard takes text as given: with the models' whitespace stripping it had
    accepted a padded instant that the full schema refuses (and evaluate_batch refused)."""
    value = " 2026-01-05T10:00:00+08:00 " if field == "at" else " 2026-02-05 "
    with pytest.raises(ValidationError):
        parse_events(_events(field, value))
    canonical = "2026-01-06" if field == "at" else "2026-02-06"  # forces the full schema
    with pytest.raises(ValidationError):
        parse_events([*_events(field, value),
                      *({**e, "id": "other"} for e in _events(field, canonical))])
