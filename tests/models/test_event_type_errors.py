"""An unknown or missing event ``type`` is reported at the event's ``type`` field.

pydantic reports a bad discriminator at the event itself (``loc`` ``(0,)``, type
``union_tag_invalid``) and lists all 35 event types; the record a user gets names the
field and the type meant, and is the same from ``evaluate``, a live session and a
batch events table.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import gridcrm_rules as gr
from gridcrm_rules.models import parse_events
from gridcrm_rules.models.events import EVENT_MODELS

ENGINE = gr.Engine.default()
CUSTOMER = {"id": "C1", "category": "lv_commercial", "supply_voltage_kv": "0.38",
            "usage_nature": "commercial"}
TYPO = {"id": "e1", "type": "bill_isued", "at": "2026-05-01"}


def _errors(events: list[dict[str, object]]) -> list[dict[str, object]]:
    with pytest.raises(ValidationError) as info:
        parse_events(events)
    return [dict(e) for e in info.value.errors(include_url=False)]


def test_a_misspelt_type_is_refused_at_its_field_with_the_type_meant() -> None:
    (error,) = _errors([TYPO])
    assert error["type"] == "unknown_event_type"
    assert error["loc"] == (0, "type")
    assert error["input"] == "bill_isued"
    assert error["msg"] == "unknown event type 'bill_isued' (did you mean 'bill_issued'?)"


def test_a_type_close_to_none_lists_every_type() -> None:
    (error,) = _errors([{**TYPO, "type": "xyzzy"}])
    assert error["loc"] == (0, "type")
    assert str(error["msg"]).startswith("unknown event type 'xyzzy'; expected one of ")
    assert all(repr(t) in str(error["msg"]) for t in EVENT_MODELS)


def test_a_missing_type_is_a_missing_field() -> None:
    (error,) = _errors([{"id": "e1", "at": "2026-05-01"}])
    assert (error["type"], error["loc"], error["msg"]) == ("missing", (0, "type"),
                                                           "Field required")


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_a_type_given_as_a_missing_value_is_missing(missing: object) -> None:
    """None/NaN is "not given" (as for every field, and as a batch row's null type)."""
    (error,) = _errors([{**TYPO, "type": missing}])
    assert (error["type"], error["loc"]) == ("missing", (0, "type"))


def test_a_type_that_is_not_text_is_named_as_given() -> None:
    (error,) = _errors([{**TYPO, "type": 5}])
    assert (error["type"], error["loc"], error["input"]) == ("unknown_event_type", (0, "type"), 5)
    assert str(error["msg"]).startswith("unknown event type 5; expected one of 'bill_issued'")


def test_the_other_errors_of_the_history_are_kept_as_they_were() -> None:
    """Every problem is still listed together, each with its own type, loc and message
    (a built-in error, a validator's value error)."""
    bad_amount = {"type": "payment_received", "id": "p1", "at": "2026-05-01", "amount": "-1"}
    number_day = {"type": "theft_detected", "id": "t1", "at": 20260105}
    alone = _errors([bad_amount, number_day])
    errors = _errors([bad_amount, TYPO, number_day])
    assert [e["loc"] for e in errors] == [alone[0]["loc"], (1, "type"),
                                          (2, *alone[1]["loc"][1:])]
    for got, want in zip([errors[0], errors[2]], alone, strict=True):
        assert (got["type"], got["msg"], got["input"]) == (want["type"], want["msg"],
                                                           want["input"])


@given(st.sampled_from(sorted(EVENT_MODELS)), st.data())
def test_one_letter_dropped_from_any_type_suggests_it(kind: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(kind) - 1))
    typo = kind[:at] + kind[at + 1:]
    (error,) = _errors([{**TYPO, "type": typo}])
    assert error["loc"] == (0, "type")
    assert f"did you mean {kind!r}" in str(error["msg"]) or f"or {kind!r}" in str(error["msg"])


def test_evaluate_and_a_live_session_give_the_same_record() -> None:
    with pytest.raises(ValidationError) as evaluated:
        ENGINE.evaluate(CUSTOMER, [TYPO], as_of="2026-10-01")
    live = ENGINE.live()
    with pytest.raises(ValidationError) as posted:
        live.post(CUSTOMER, TYPO)
    assert posted.value.errors() == evaluated.value.errors()
    assert evaluated.value.errors(include_url=False)[0]["loc"] == (0, "type")
    assert live.customers == ()


def test_a_batch_events_row_gives_the_same_type_and_message() -> None:
    (scalar,) = _errors([TYPO])
    result = ENGINE.evaluate_batch(pl.DataFrame([CUSTOMER]),
                                   pl.DataFrame([{"customer_id": "C1", **TYPO}]),
                                   as_of="2026-10-01T00:00:00+08:00")
    row = result.errors.filter(pl.col("source") == "events").row(0, named=True)
    assert (row["loc"], row["type"], row["msg"], row["input"]) == (
        "type", "unknown_event_type", scalar["msg"], "bill_isued")


def test_a_spark_streaming_input_row_gives_the_same_record() -> None:
    """``event_row`` (the Spark streaming adapter's input) validates one event alone."""
    from gridcrm_rules.live.spark_streaming import event_row

    with pytest.raises(ValidationError) as refused:
        event_row("C1", dict(TYPO), 1)
    (error,) = refused.value.errors(include_url=False)
    assert (error["type"], error["loc"], error["msg"]) == (
        "unknown_event_type", ("type",), _errors([TYPO])[0]["msg"])
