"""Decisions survive JSON; ``Engine.evaluate_batch`` is typed (issue 16)."""

from __future__ import annotations

import json
import typing
from datetime import UTC, date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

import gridcrm_rules as gr
from gridcrm_rules.models.values import Value, ValueMap, decode_value, encode_value
from gridcrm_rules.sample import load_sample

SAMPLE = load_sample()


def test_every_sample_decision_round_trips_through_json(default_engine: gr.Engine) -> None:
    """``Decision.model_validate_json(d.model_dump_json()) == d`` for all 60 customers."""
    for customer in SAMPLE.customers:
        d = default_engine.evaluate(customer, SAMPLE.events_for(customer["id"]),
                                    as_of=SAMPLE.as_of)
        again = gr.Decision.model_validate_json(d.model_dump_json())
        assert again == d
        assert again.model_dump_json() == d.model_dump_json()


def test_typed_values_come_back_with_their_types(default_engine: gr.Engine) -> None:
    """Money is a Decimal and a due date a date again after JSON, not a string."""
    d = default_engine.evaluate(
        {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"},
        [{"type": "bill_issued", "id": "b1", "period": "2026-07", "amount": "63000.00",
          "due": "2026-08-15"}],
        as_of="2026-11-22T09:00:00+08:00",
    )
    again = gr.Decision.model_validate_json(d.model_dump_json())
    assert again.credit is not None
    assert again.credit.facts["arrears_amount"] == Decimal("63000.00")
    assert type(again.credit.facts["arrears_amount"]) is Decimal
    assert again.credit.facts["oldest_unpaid_due"] == date(2026, 8, 15)
    assert type(again.credit.facts["oldest_unpaid_due"]) is date
    dumped = d.model_dump(mode="json")["credit"]["facts"]
    assert dumped["arrears_amount"] == {"decimal": "63000.00"}
    assert dumped["oldest_unpaid_due"] == {"date": "2026-08-15"}
    assert dumped["arrears_over_1m"] is True


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.timedeltas(),
)


@given(st.one_of(_scalars, st.lists(_scalars, max_size=3).map(tuple)))
def test_any_value_round_trips_through_its_json_form(value: object) -> None:
    """decode(json(encode(v))) == v with the same type, for every kind of value."""
    back = decode_value(json.loads(json.dumps(encode_value(value))))  # type: ignore[arg-type]
    assert back == value
    assert type(back) is type(value)
    if isinstance(value, tuple):
        assert [type(v) for v in back] == [type(v) for v in value]  # type: ignore[union-attr]


class _Text(str):
    """A text subclass: not a plain class, so it takes the value-by-value path."""


_PER_VALUE = TypeAdapter(dict[str, Value])
_MAP = TypeAdapter(ValueMap)


@given(st.dictionaries(
    st.one_of(st.text(max_size=5), st.text(max_size=5).map(_Text)),
    st.one_of(_scalars, st.lists(_scalars, max_size=2), st.lists(_scalars, max_size=2).map(tuple),
              st.text(max_size=5).map(_Text), st.floats(allow_nan=False)),
    max_size=5))
def test_a_value_map_validates_as_value_by_value_does(mapping: dict[str, object]) -> None:
    """``ValueMap``'s short way for plain dicts gives what ``dict[str, Value]`` gives (the
    same values, of the same classes), and refuses what it refuses, at the same key."""
    refused: list[object] = []
    try:
        expected = _PER_VALUE.validate_python(mapping)
    except ValidationError as per_value:
        refused = [e["loc"] for e in per_value.errors()]
    if refused:
        with pytest.raises(ValidationError) as caught:
            _MAP.validate_python(mapping)
        assert [e["loc"] for e in caught.value.errors()] == refused
        return
    got = _MAP.validate_python(mapping)
    assert got == expected
    assert [(type(k), type(v)) for k, v in got.items()] == \
        [(type(k), type(v)) for k, v in expected.items()]
    assert got is not mapping  # a copy: the model never shares the caller's dict
    assert _MAP.json_schema() == _PER_VALUE.json_schema()


def test_a_value_map_from_json_sees_every_duplicate_key() -> None:
    """JSON keeps the per-value schema: a bad value a later duplicate key hides is refused,
    as it was (a wrap function would only see the merged dict)."""
    text = ('{"pack": "p", "decision": "d", "rule_id": "r", "source": {"clause": "c"}, '
            '"reads": {"x": 1.5, "x": 1}, "outputs": {}}')
    with pytest.raises(ValidationError) as caught:
        gr.RuleHit.model_validate_json(text)
    assert [e["loc"] for e in caught.value.errors()] == [("reads", "x")]
    for mode in ("validation", "serialization"):
        assert _MAP.json_schema(mode=mode) == _PER_VALUE.json_schema(mode=mode)


@pytest.mark.parametrize("tagged", [{"decimal": "x"}, {"decimal": "1e"}, [{"decimal": ""}],
                                    {"date": "2026-13-01"}, {"datetime": "nope"}])
def test_a_tagged_value_that_does_not_parse_is_a_validation_error(tagged: object) -> None:
    """A stored decision with a malformed tagged value is refused at the value, from
    Python and from JSON (a bad decimal raised a bare decimal.InvalidOperation)."""
    record = {"decision": "d", "rule_ids": [], "values": {"a": tagged}}
    with pytest.raises(ValidationError) as from_python:
        gr.DecisionOutcome.model_validate(record)
    with pytest.raises(ValidationError) as from_json:
        gr.DecisionOutcome.model_validate_json(json.dumps(record))
    for caught in (from_python, from_json):
        assert [e["loc"] for e in caught.value.errors()] == [("values", "a")]


def test_a_text_that_looks_like_a_date_stays_a_text() -> None:
    """Texts are never guessed into dates or decimals."""
    hit = gr.Entitlement(code="x", level="granted", clause="SV-A",
                         params={"note": "2026-10-31", "n": "12.50"})
    again = gr.Entitlement.model_validate_json(hit.model_dump_json())
    assert again.params == {"note": "2026-10-31", "n": "12.50"}


def test_a_value_of_another_type_is_refused() -> None:
    """A float or an object is not a decision value: the error names the field."""
    with pytest.raises(ValidationError, match=r"params\.x"):
        gr.Entitlement(code="x", level="granted", clause="SV-A", params={"x": 1.5})
    with pytest.raises(ValidationError, match="tagged object"):
        gr.Entitlement.model_validate({"code": "x", "level": "granted", "clause": "SV-A",
                                       "params": {"x": {"money": "1"}}})


def test_evaluate_batch_is_typed_as_returning_a_batch_result() -> None:
    """The return annotation resolves to BatchResult (polars is imported only for it)."""
    from gridcrm_rules.batch import BatchResult

    hints = typing.get_type_hints(gr.Engine.evaluate_batch, localns={"BatchResult": BatchResult})
    assert hints["return"] is BatchResult


def test_mypy_rejects_an_attribute_batch_results_do_not_have(tmp_path: Path) -> None:
    """Under ``mypy --strict`` a typo on the result of evaluate_batch is an error."""
    api = pytest.importorskip("mypy.api")
    script = tmp_path / "use.py"
    script.write_text(
        "import gridcrm_rules as gr\n"
        "r = gr.Engine.default().evaluate_batch([], as_of='2026-11-22')\n"
        "print(r.decisions.height)\n"
        "print(r.no_such_table)\n",
        encoding="utf-8",
    )
    out, _, status = api.run([str(script), "--strict", "--cache-dir", str(tmp_path / "cache"),
                              "--no-error-summary"])
    assert status == 1
    assert out.count("error:") == 1
    assert '"BatchResult" has no attribute "no_such_table"' in out


def test_json_schema_of_a_decision_describes_tagged_values() -> None:
    """The JSON Schema names the tagged form, so an API consumer can read the values."""
    text = json.dumps(gr.Decision.model_json_schema())
    assert '{\\"decimal\\": \\"1.00\\"}' in text
