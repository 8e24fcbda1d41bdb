"""Engine construction and evaluation: packs, params, point-in-time, threads, explanations."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import gridcrm_rules as gr
from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.errors import PackError

AS_OF = "2026-11-22T09:00:00+08:00"
CUSTOMER: dict[str, Any] = {"id": "C1", "category": "lv_commercial", "supply_voltage_kv": "0.38"}


@pytest.fixture(scope="module")
def credit() -> gr.Engine:
    """An engine with only the credit pack (the spine under test); without the
    key_accounts pack an override needs override_scope all."""
    return gr.Engine.from_packs(["credit"], params={"override_scope": "all"})


def bill(bid: str, due: str, amount: str = "100.00") -> dict[str, Any]:
    y, m = int(due[:4]), int(due[5:7])
    y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return {
        "type": "bill_issued",
        "id": bid,
        "period": f"{y}-{m:02d}",
        "amount": amount,
        "due": due,
    }


def pay(pid: str, at: str, amount: str = "100.00", bill_id: str | None = None) -> dict[str, Any]:
    return {"type": "payment_received", "id": pid, "at": at, "amount": amount, "bill_id": bill_id}


def test_default_engine_grades_credit(default_engine: gr.Engine) -> None:
    """``Engine.default()`` loads the built-in packs and grades theft within 3 years as D."""
    d = default_engine.evaluate(
        CUSTOMER, [{"type": "theft_detected", "id": "t", "at": "2025-03-01"}], as_of=AS_OF
    )
    assert d.credit is not None
    assert (d.credit.grade, d.credit.rule_ids) == ("D", ("CR-D",))
    assert {p.name for p in default_engine.packs} >= {"credit"}
    assert [p.name for p in d.trace.packs] == [p.name for p in default_engine.packs]


def test_evaluate_accepts_models_and_dicts(credit: gr.Engine) -> None:
    """A Customer model with event models gives the same decision as plain dicts."""
    from gridcrm_rules.models import TheftDetected

    as_models = credit.evaluate(
        gr.Customer.model_validate(CUSTOMER), [TheftDetected(id="t", at="2025-03-01")], as_of=AS_OF
    )
    as_dicts = credit.evaluate(
        CUSTOMER, [{"type": "theft_detected", "id": "t", "at": "2025-03-01"}], as_of=AS_OF
    )
    assert as_models.model_dump(mode="json") == as_dicts.model_dump(mode="json")


@pytest.mark.parametrize(
    ("as_of", "cutoff"),
    [
        ("2026-11-22T09:00:00+08:00", date(2026, 10, 31)),
        ("2026-11-01T00:00:00+08:00", date(2026, 10, 31)),
        ("2026-10-31T23:59:59+08:00", date(2026, 9, 30)),
        ("2026-10-31T16:00:00+00:00", date(2026, 10, 31)),
        ("2026-03-05", date(2026, 2, 28)),
        (date(2024, 3, 1), date(2024, 2, 29)),
        (datetime(2027, 1, 3, 12, tzinfo=SHANGHAI), date(2026, 12, 31)),
    ],
)
def test_cutoff_is_last_day_of_previous_shanghai_month(
    credit: gr.Engine, as_of: Any, cutoff: date
) -> None:
    """截止上月: the cutoff is the last day of the month before as_of's Shanghai date."""
    assert credit.evaluate(CUSTOMER, [], as_of=as_of).trace.cutoff == cutoff


def test_date_as_of_is_shanghai_midnight(credit: gr.Engine) -> None:
    """A date-only as_of means 00:00 Asia/Shanghai."""
    d = credit.evaluate(CUSTOMER, [], as_of="2026-11-22")
    assert d.as_of == datetime(2026, 11, 22, tzinfo=SHANGHAI)


def test_naive_as_of_refused(credit: gr.Engine) -> None:
    """A naive as_of is an error, never a guess."""
    with pytest.raises(ValueError, match="naive datetime"):
        credit.evaluate(CUSTOMER, [], as_of=datetime(2026, 11, 22, 9))


def test_invalid_events_raise_validation_error(credit: gr.Engine) -> None:
    """Bad input surfaces as pydantic ValidationError with the field path."""
    with pytest.raises(ValidationError, match=r"0\.payment_received\.amount"):
        credit.evaluate(CUSTOMER, [pay("p", "2026-01-01", "-5")], as_of=AS_OF)


def test_events_after_as_of_counted_in_trace(credit: gr.Engine) -> None:
    """Events after as_of are ignored by the decision but counted in the trace."""
    events = [
        {"type": "theft_detected", "id": "t-future", "at": "2026-11-22T09:00:01+08:00"},
        bill("b-future", "2026-12-15"),
        {"type": "theft_detected", "id": "t-old", "at": "2019-01-01"},
        pay("p1", "2026-11-22T09:00:00+08:00", "5.00"),
    ]
    d = credit.evaluate(CUSTOMER, events, as_of=AS_OF)
    assert d.trace.events_after_as_of == 2
    assert d.trace.events_considered == 2
    assert d.credit is not None
    assert d.credit.grade == "A"
    assert d.credit.facts["billing_months"] == 0
    assert d.credit.facts["unallocated_credit"] == Decimal("5.00")


def test_bill_of_current_month_is_not_yet_known(credit: gr.Engine) -> None:
    """A bill for the month of as_of is known only once that month closes."""
    d = credit.evaluate(CUSTOMER, [bill("b", "2026-12-10")], as_of=AS_OF)
    assert d.trace.events_after_as_of == 1
    assert d.credit is not None
    assert d.credit.facts["billing_months"] == 0


def test_payment_naming_a_bill_not_yet_known_at_as_of(credit: gr.Engine) -> None:
    """Replaying a history where a payment names a bill issued after as_of gives a decision."""
    events = [
        bill("b-nov", "2026-12-10", "80.00"),
        pay("p-early", "2026-11-20T10:00:00+08:00", "80.00", "b-nov"),
    ]
    d = credit.evaluate(CUSTOMER, events, as_of=AS_OF)
    assert d.credit is not None
    assert d.credit.grade == "A"
    assert d.credit.facts["unallocated_credit"] == Decimal("80.00")


def test_payment_held_for_an_unknown_bill_does_not_settle_older_arrears(credit: gr.Engine) -> None:
    """Money earmarked for a bill not yet issued stays credit; it does not clear older arrears."""
    events = [
        bill("b-old", "2026-08-31", "80.00"),
        bill("b-nov", "2026-12-10", "80.00"),
        pay("p-early", "2026-11-20T10:00:00+08:00", "80.00", "b-nov"),
    ]
    now = credit.evaluate(CUSTOMER, events, as_of=AS_OF).credit
    assert now is not None
    assert (now.grade, now.facts["arrears_amount"], now.facts["unallocated_credit"]) == (
        "C",
        Decimal("80.00"),
        Decimal("80.00"),
    )
    later = credit.evaluate(CUSTOMER, events, as_of="2026-12-05T09:00:00+08:00").credit
    assert later is not None
    assert later.facts["unallocated_credit"] == 0
    assert later.facts["oldest_unpaid_due"] == date(2026, 8, 31)


def test_from_packs_with_custom_pack_file(fixtures_dir: Path) -> None:
    """``from_packs`` with a user file extending credit uses its rule and its param default."""
    engine = gr.Engine.from_packs([str(fixtures_dir / "packs" / "credit_custom.yaml")])
    assert [p.name for p in engine.packs] == ["credit_custom"]
    assert engine.params["year_window"] == "calendar_year"
    d = engine.evaluate(CUSTOMER, [bill("b1", "2026-10-20")], as_of=AS_OF)
    assert d.credit is not None
    assert (d.credit.grade, d.credit.rule_ids) == ("C", ("CR-GAP",))
    assert d.trace.hits[0].pack == "credit_custom"


def test_with_params_returns_a_new_engine(credit: gr.Engine) -> None:
    """``with_params`` changes a param in a new engine; the original is untouched."""
    events = [bill("b1", "2025-12-10"), pay("p1", "2025-12-20", "100.00")]
    calendar = credit.with_params(year_window="calendar_year")
    assert calendar is not credit
    assert credit.params["year_window"] == "rolling_12m"
    assert calendar.params["year_window"] == "calendar_year"
    assert credit.evaluate(CUSTOMER, events, as_of=AS_OF).credit.grade == "B"  # type: ignore[union-attr]
    assert calendar.evaluate(CUSTOMER, events, as_of=AS_OF).credit.grade == "A"  # type: ignore[union-attr]


def test_with_params_keeps_earlier_overrides(credit: gr.Engine) -> None:
    """Chained ``with_params`` calls accumulate."""
    engine = credit.with_params(year_window="calendar_year").with_params(arrears_reading="amount")
    assert (engine.params["year_window"], engine.params["arrears_reading"]) == (
        "calendar_year",
        "amount",
    )


def test_params_property_is_a_copy(credit: gr.Engine) -> None:
    """Mutating the returned params mapping cannot change the engine."""
    params = credit.params
    params["year_window"] = "calendar_year"  # type: ignore[index]
    assert credit.params["year_window"] == "rolling_12m"


def test_with_params_unknown_name_suggests(credit: gr.Engine) -> None:
    """An unknown parameter name is refused with a suggestion."""
    with pytest.raises(
        PackError, match=r"unknown parameter 'year_windw' \(did you mean 'year_window'\?\)"
    ):
        credit.with_params(year_windw="calendar_year")


def test_with_params_value_outside_choices(credit: gr.Engine) -> None:
    """A value outside a parameter's choices is refused with 'expected ..., got ...'."""
    with pytest.raises(PackError, match=r"expected one of \['age', 'amount'\], got 'size'"):
        credit.with_params(arrears_reading="size")


@pytest.mark.parametrize(("value", "steps"), [(2, 2), ("2", 2), (2.0, 2), ("2.0", 2)])
def test_number_param_values_become_exact_numbers(
    credit: gr.Engine, value: Any, steps: Any
) -> None:
    """A number parameter given as int, text or float is stored as an exact int/Decimal."""
    stored = credit.with_params(override_max_steps=value).params["override_max_steps"]
    assert stored == steps
    assert not isinstance(stored, float)


def test_a_fractional_number_param_becomes_an_exact_decimal() -> None:
    stored = gr.Engine.from_packs(["entitlements"]).with_params(
        prepay_suggested_percent=0.3).params["prepay_suggested_percent"]
    assert stored == Decimal("0.3")
    assert isinstance(stored, Decimal)


@pytest.mark.parametrize(("value", "message"), [
    (0.5, "expected a whole number, got 0.5"),
    (-1, "expected at least 0, got -1"),
    (4, "expected at most 3, got 4"),
])
def test_a_number_param_outside_its_declared_range_is_refused(
    credit: gr.Engine, value: Any, message: str
) -> None:
    """``override_max_steps`` is declared ``minimum: 0, maximum: 3, whole: true``."""
    with pytest.raises(PackError, match=r"params -> override_max_steps") as info:
        credit.with_params(override_max_steps=value)
    assert message in str(info.value)


@pytest.mark.parametrize("value", ["two", True, Decimal("NaN")])
def test_param_value_of_wrong_type_refused(credit: gr.Engine, value: Any) -> None:
    """A parameter value of the wrong type is a PackError naming the parameter and the value."""
    with pytest.raises(PackError, match=r"params -> override_max_steps") as info:
        credit.with_params(override_max_steps=value)
    assert f"expected number, got {value!r}" in str(info.value)


@pytest.mark.parametrize("param", ["override_max_steps", "override_theft_d_locked"])
def test_param_value_none_refused(credit: gr.Engine, param: str) -> None:
    """None is not a value of a (non-nullable) number or bool parameter: refused at build time."""
    with pytest.raises(PackError, match=rf"params -> {param}"):
        credit.with_params(**{param: None})


def test_engine_has_no_mutable_attributes(credit: gr.Engine) -> None:
    """An engine cannot grow attributes (slots) — it is immutable after construction."""
    with pytest.raises(AttributeError):
        credit.extra = 1  # type: ignore[attr-defined]


def _history(i: int) -> list[dict[str, Any]]:
    return [
        bill(f"b{i}a", "2026-08-31", "123.45"),
        bill(f"b{i}b", "2026-09-30", "10.00"),
        pay(f"p{i}", "2026-09-15T10:00:00+08:00", "50.00", f"b{i}b"),
        {
            "type": "grade_override",
            "id": f"o{i}",
            "at": "2026-11-02",
            "by": "kam",
            "to_grade": "B",
            "reason": "r",
        },
    ]


def test_thread_safety_identical_dumps() -> None:
    """Eight threads evaluating the same inputs on one engine give identical dumps."""
    engine = gr.Engine.from_packs(["credit"], params={"override_scope": "all"})
    inputs = [({**CUSTOMER, "id": f"C{i % 5}"}, _history(i % 5)) for i in range(200)]
    serial = [engine.evaluate(c, e, as_of=AS_OF).model_dump(mode="json") for c, e in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(
            pool.map(
                lambda ce: engine.evaluate(ce[0], ce[1], as_of=AS_OF).model_dump(mode="json"),
                inputs,
            )
        )
    assert parallel == serial
    assert {d["credit"]["grade"] for d in serial} == {"B"}


def test_explain_mentions_clause_and_fact_values(credit: gr.Engine) -> None:
    """``explain()`` names the grade, the clause id, its document and the fact values read."""
    d = credit.evaluate(
        CUSTOMER, [{"type": "theft_detected", "id": "t", "at": "2025-03-01"}], as_of=AS_OF
    )
    text = d.explain()
    assert "Credit grade: D  by CR-D" in text
    assert "rule CR-D (clause CR-D, 电力客户信用等级评价与管理办法)" in text
    assert "「三年内有窃电或违章用电行为" in text
    assert "read: theft_or_violation_3y=True, arrears_over_2m=False" in text
    assert "last_offence_on=2025-03-01" in text
    assert "cutoff 2026-10-31" in text


def test_explain_shows_override_trail(credit: gr.Engine) -> None:
    """``explain()`` shows computed vs effective grade and each override's status."""
    events = [
        bill("b1", "2026-03-15"),
        pay("p1", "2026-03-20", "100.00"),
        {
            "type": "grade_override",
            "id": "o1",
            "at": "2026-11-10",
            "by": "kam07",
            "to_grade": "A",
            "reason": "anchor client",
        },
    ]
    text = credit.evaluate(CUSTOMER, events, as_of=AS_OF).explain()
    assert "Credit grade: A" in text
    assert "computed grade B before overrides" in text
    assert "override o1 by kam07 B->A [applied] reason: anchor client" in text


def test_repr_html_contains_grade_and_escapes(credit: gr.Engine) -> None:
    """The notebook view is HTML with the grade, and customer text is escaped."""
    d = credit.evaluate(
        {**CUSTOMER, "id": "<C&1>"},
        [{"type": "theft_detected", "id": "t", "at": "2025-03-01"}],
        as_of=AS_OF,
    )
    html = d._repr_html_()
    assert html.startswith("<div style=")
    assert re.search(r"Credit grade <span style='[^']*#cf222e[^']*'>D</span> by CR-D", html)
    assert "&lt;C&amp;1&gt;" in html
    assert "<C&1>" not in html


def test_rule_hit_records_reads_and_citation(credit: gr.Engine) -> None:
    """Each hit records pack, decision, rule id, citation and the values it read."""
    d = credit.evaluate(CUSTOMER, [bill("b1", "2026-08-31", "300.00")], as_of=AS_OF)
    (hit,) = d.trace.hits
    assert (hit.pack, hit.decision, hit.rule_id) == ("credit", "credit", "CR-C")
    assert hit.source.document == "000_00d757a177b389d7.txt"
    assert hit.reads == {"theft_or_violation_3y": False, "arrears_over_1m": True}
    assert hit.outputs == {"grade": "C"}
    assert d.outcomes["credit"].values["grade"] == "C"


def test_decision_json_round_trip(credit: gr.Engine) -> None:
    """``model_dump(mode='json')`` validates back into an equal Decision."""
    d = credit.evaluate(CUSTOMER, _history(1), as_of=AS_OF)
    again = gr.Decision.model_validate(d.model_dump(mode="json"))
    assert again.model_dump(mode="json") == d.model_dump(mode="json")
    assert again.credit is not None
    assert again.credit.grade == "B"


def test_from_packs_include_defaults_keeps_the_other_built_ins(fixtures_dir: Path) -> None:
    """A custom credit pack with include_defaults runs alongside every other default pack."""
    custom = str(fixtures_dir / "packs" / "credit_custom.yaml")
    alone = gr.Engine.from_packs([custom])
    full = gr.Engine.from_packs([custom], include_defaults=True)
    assert [p.name for p in alone.packs] == ["credit_custom"]
    names = [p.name for p in full.packs]
    assert names[0] == "credit_custom"
    assert "credit" not in names  # provided by credit_custom, which extends it
    assert set(gr.DEFAULT_PACKS) - {"credit"} <= set(names)
    d = full.evaluate(CUSTOMER, [bill("b1", "2026-10-20")], as_of=AS_OF)
    assert d.credit is not None
    assert d.credit.rule_ids == ("CR-GAP",)
    assert d.entitlements  # the built-in entitlements pack read the custom grade


# -- arguments that are not what evaluate takes ---------------------------------------------
@pytest.mark.parametrize(("as_of", "error", "message"), [
    (None, TypeError, "as_of: expected a date, an aware datetime or ISO 8601 text, got NoneType"),
    (20261122, TypeError, "as_of: expected a date, an aware datetime or ISO 8601 text, got int"),
    ("2026/11/22", ValueError, "as_of: expected ISO 8601 text"),
    ("20261122", ValueError, "as_of: expected ISO 8601 text"),
    (datetime(2026, 11, 22, 9), ValueError, "as_of: naive datetime"),
])
def test_a_bad_as_of_names_the_argument(
    credit: gr.Engine, as_of: Any, error: type[Exception], message: str
) -> None:
    customer = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        credit.evaluate(customer, [], as_of=as_of)
    with pytest.raises(error, match=r"^advance_to: "):
        credit.live().advance_to(as_of)


@pytest.mark.parametrize(("events", "message"), [
    (None, "got None; pass [] for no events"),
    ({"type": "theft_detected", "id": "t", "at": "2026-01-05"}, "got one dict; wrap a single"),
    ("theft", "got one str"),
])
def test_events_that_are_not_a_list_of_records_say_what_to_pass(
    credit: gr.Engine, events: Any, message: str
) -> None:
    """A dict, a string or None would otherwise be iterated key by key (or fail inside)."""
    customer = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
    with pytest.raises(TypeError, match=re.escape(message)):
        credit.evaluate(customer, events, as_of="2026-11-22")


def test_a_dataframe_of_events_says_to_pass_its_records(credit: gr.Engine) -> None:
    pl = pytest.importorskip("polars")
    customer = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
    frame = pl.DataFrame([{"type": "theft_detected", "id": "t", "at": "2026-01-05"}])
    with pytest.raises(TypeError, match=re.escape("pass df.to_dicts()")):
        credit.evaluate(customer, frame, as_of="2026-11-22")
    assert credit.evaluate(customer, frame.to_dicts(), as_of="2026-11-22").credit.grade == "D"


def test_batch_event_rows_with_their_customer_id_are_taken(credit: gr.Engine) -> None:
    """Rows of a batch events table carry ``customer_id``: evaluate (and a live post) take
    them for that customer; a row naming another customer is refused (an extra field)."""
    customer = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
    theft = {"type": "theft_detected", "id": "t", "at": "2026-01-05"}
    rows = [{"customer_id": " C1", **theft}]
    assert credit.evaluate(customer, rows, as_of="2026-11-22") == credit.evaluate(
        customer, [theft], as_of="2026-11-22")
    live = credit.live()
    live.post(customer, rows[0])
    assert live.decision("C1").credit.grade == "D"
    with pytest.raises(ValidationError) as info:
        credit.evaluate(customer, [{"customer_id": "C2", **theft}], as_of="2026-11-22")
    assert info.value.errors()[0]["loc"] == (0, "theft_detected", "customer_id")


def test_batch_event_rows_from_a_generator_are_taken_too(credit: gr.Engine) -> None:
    customer = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
    theft = {"type": "theft_detected", "id": "t", "at": "2026-01-05"}
    rows = (r for r in [{"customer_id": "C1", **theft}])
    assert credit.evaluate(customer, rows, as_of="2026-11-22").credit.grade == "D"


def test_a_night_hour_of_24_is_refused_and_a_fractional_one_taken() -> None:
    """``next_daytime`` takes an hour of the day in [0, 24): the parameter says so."""
    engine = gr.Engine.from_packs(["callbacks"])
    assert engine.with_params(po_night_start_hour="21.5").params["po_night_start_hour"] == \
        Decimal("21.5")
    with pytest.raises(PackError, match="expected below 24, got 24"):
        engine.with_params(po_night_start_hour=24)
