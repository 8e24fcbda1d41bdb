"""Inputs and errors of ``evaluate_batch``: every format, every row accounted for."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from batch_helpers import assert_equivalent, tables
from polars.testing import assert_frame_equal

import gridcrm_rules as gr
from gridcrm_rules.batch import BatchInputError, evaluate_batch, evaluate_to_parquet
from gridcrm_rules.sample import generate_population, population_record
from gridcrm_rules.sample.frames import population_frames

AS_OF = "2026-11-22T09:00:00+08:00"
CREDIT = gr.Engine.from_packs(["credit"])
C1 = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
C2 = {"id": "C2", "category": "dedicated_transformer", "supply_voltage_kv": "10",
      "transformer_kva": 630}
BILL = {"customer_id": "C1", "type": "bill_issued", "id": "b1", "period": "2026-07",
        "amount": "100.00", "due": "2026-08-31"}


@pytest.fixture(scope="module")
def population() -> tuple[dict, dict, pl.DataFrame, pl.DataFrame]:  # type: ignore[type-arg]
    """300 generated customers as typed tables (Decimal, Date, Datetime columns)."""
    c, e = generate_population(300, seed=11, as_of=date(2026, 11, 22))
    cust, ev = population_frames(c, e)
    return c, e, cust, ev


def test_typed_population_tables_equal_scalar(population) -> None:  # type: ignore[no-untyped-def]
    """Decimal, Date and tz-aware Datetime columns give the same answers as the dicts."""
    c, e, cust, ev = population
    histories = [population_record(c, e, i) for i in range(len(c["id"]))]
    got = CREDIT.evaluate_batch(cust, ev, as_of=AS_OF).decisions
    expected = assert_equivalent(CREDIT, histories, AS_OF)
    assert_frame_equal(got.drop("path", "facts_backend"), expected.drop("path", "facts_backend"))
    assert got.filter(pl.col("path") == "columnar").height == got.height
    assert (got.get_column("grade") == pl.Series(c["expected_grade"])).all()


@pytest.mark.parametrize("kind", ["pandas", "arrow", "parquet", "csv", "dicts", "lazy"])
def test_every_input_format_gives_the_same_tables(population, kind, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """pandas, Arrow, Parquet, CSV (text), dicts and LazyFrames are all accepted."""
    _, _, cust, ev = population
    want = CREDIT.evaluate_batch(cust, ev, as_of=AS_OF).decisions
    if kind == "pandas":
        pytest.importorskip("pandas")
        args = (cust.to_pandas(), ev.to_pandas())
    elif kind == "arrow":
        args = (cust.to_arrow(), ev.to_arrow())
    elif kind == "parquet":
        cust.write_parquet(tmp_path / "c.parquet")
        ev.write_parquet(tmp_path / "e.parquet")
        args = (tmp_path / "c.parquet", str(tmp_path / "e.parquet"))
    elif kind == "csv":
        cust.write_csv(tmp_path / "c.csv")
        ev.with_columns(pl.col("at").dt.to_string("%Y-%m-%dT%H:%M:%S%:z")).write_csv(
            tmp_path / "e.csv")
        args = (tmp_path / "c.csv", tmp_path / "e.csv")
    elif kind == "dicts":
        args = (cust.to_dicts(), ev.to_dicts())
    else:
        args = (cust.lazy(), ev.lazy())
    got = CREDIT.evaluate_batch(*args, as_of=AS_OF).decisions
    assert_frame_equal(got.drop("path", "facts_backend"), want.drop("path", "facts_backend"))


def test_parquet_streaming_in_chunks_matches_in_memory(population, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Chunked Parquet reading and streamed writing give the in-memory tables."""
    _, _, cust, ev = population
    cust.write_parquet(tmp_path / "c.parquet")
    ev.sort("customer_id").write_parquet(tmp_path / "e.parquet", row_group_size=500)
    summary = evaluate_to_parquet(CREDIT, tmp_path / "c.parquet", tmp_path / "e.parquet",
                                  tmp_path / "out", as_of=AS_OF, chunk_size=40)
    want = CREDIT.evaluate_batch(cust, ev, as_of=AS_OF)
    got = pl.read_parquet(tmp_path / "out" / "decisions.parquet").sort("row")
    assert_frame_equal(got, want.decisions)
    assert summary["rows"]["decisions"] == cust.height
    assert sum(summary["grades"].values()) == cust.height


def test_bad_rows_land_in_errors_with_row_and_field() -> None:
    """Invalid customers, invalid events, unknown customers, duplicates: all reported."""
    customers = [C1, C2, {"id": "C3", "category": "shop", "supply_voltage_kv": "0.22"},
                 {**C1, "supply_voltage_kv": "0.38"}]
    events = [
        BILL,
        {**BILL, "customer_id": "C2", "id": "b2", "amount": "-5"},  # invalid -> C2 refused
        {**BILL, "customer_id": "C2", "id": "b3"},  # valid, but C2 is refused
        {**BILL, "customer_id": "C9", "id": "b9"},  # no such customer
        {**BILL, "customer_id": "C3", "id": "b4"},  # customer row invalid
        {**BILL, "id": "b1"},  # duplicate event id of C1 -> C1 refused
        {**BILL, "customer_id": None, "id": "b5"},
    ]
    result = CREDIT.evaluate_batch(customers, events, as_of=AS_OF)
    assert result.decisions.height == 0
    errors = {(r["source"], r["row"]): (r["loc"], r["type"]) for r in result.errors.to_dicts()}
    assert errors[("customers", 2)] == ("category", "literal_error")
    assert errors[("customers", 3)] == ("id", "duplicate_customer_id")
    assert errors[("customers", 1)] == ("events", "invalid_events")
    assert errors[("customers", 0)] == ("events", "invalid_events")
    assert errors[("events", 1)] == ("amount", "greater_than_equal")
    assert errors[("events", 2)][1] == "customer_rejected"
    assert errors[("events", 3)][1] == "unknown_customer"
    assert errors[("events", 4)][1] == "customer_rejected"
    assert errors[("events", 5)] == ("id", "duplicate_event_id")
    assert errors[("events", 6)] == ("customer_id", "missing")
    assert {row for source, row in errors if source == "events"} == set(range(7))


def test_the_input_column_holds_the_value_as_written_not_a_python_repr() -> None:
    """A Decimal is its digits, a date its ISO text, a record JSON (an analyst reads the
    errors table in a CSV or Parquet viewer: ``Decimal('-1.005')`` was shown before)."""
    from decimal import Decimal

    events = pl.DataFrame([
        {**BILL, "id": "b2", "amount": Decimal("-1.005")},
        {**BILL, "id": "b3", "type": None, "amount": Decimal("1.00")},
    ])
    assert isinstance(events.schema["amount"], pl.Decimal)
    result = CREDIT.evaluate_batch([C1], events, as_of=AS_OF)
    inputs = {r["row"]: (r["loc"], r["input"]) for r in result.errors.to_dicts()
              if r["source"] == "events"}
    assert inputs[0] == ("amount", "-1.005")
    loc, record = inputs[1]
    assert loc == "type"
    assert json.loads(record)["id"] == "b3"


def test_unknown_bill_reference_is_an_error() -> None:
    """A payment naming a bill not in the history refuses the customer, as evaluate does."""
    pay = {"customer_id": "C1", "type": "payment_received", "id": "p1", "amount": "1.00",
           "at": "2026-09-01T10:00:00+08:00", "bill_id": "nope"}
    result = CREDIT.evaluate_batch([C1], [BILL, pay], as_of=AS_OF)
    assert result.errors.filter(pl.col("row") == 1, pl.col("source") == "events").row(
        0, named=True)["type"] == "unknown_bill"


def test_unknown_columns_are_refused_unless_ignored(population) -> None:  # type: ignore[no-untyped-def]
    """A column that is no model field is an input error; extra='ignore' drops it."""
    c, e, _, ev = population
    cust, _ = population_frames(c, e, extra=True)
    with pytest.raises(BatchInputError, match="profile"):
        evaluate_batch(CREDIT, cust, ev, as_of=AS_OF)
    result = evaluate_batch(CREDIT, cust, ev, as_of=AS_OF, extra="ignore")
    assert result.decisions.height == cust.height


def test_customers_without_events_and_empty_tables() -> None:
    """No events at all: A, provisional; an empty customers table gives empty tables."""
    result = CREDIT.evaluate_batch([C1, C2], None, as_of=AS_OF)
    assert result.decisions.get_column("grade").to_list() == ["A", "A"]
    assert result.decisions.get_column("provisional").all()
    schema = {"id": pl.String, "category": pl.String, "supply_voltage_kv": pl.String}
    empty = CREDIT.evaluate_batch(pl.DataFrame(schema=schema), None, as_of=AS_OF)
    assert empty.decisions.height == 0
    assert empty.errors.height == 0
    none = CREDIT.evaluate_batch([], [], as_of=AS_OF)  # empty lists of records: no columns
    assert none.decisions.height == 0
    assert none.errors.height == 0
    assert CREDIT.evaluate_batch([C1], [], as_of=AS_OF).decisions.height == 1


def test_edge_cases_equal_scalar() -> None:
    """Due 08-31 vs cutoff 10-31, theft exactly 3 years back, named vs FIFO, after cutoff."""
    histories = [
        (C1, [{k: v for k, v in BILL.items() if k != "customer_id"}]),
        ({**C1, "id": "T1"}, [{"type": "theft_detected", "id": "t", "at": "2023-11-22"}]),
        ({**C1, "id": "T2"}, [{"type": "theft_detected", "id": "t", "at": "2023-11-21"}]),
        ({**C1, "id": "N1"}, [
            {"type": "bill_issued", "id": "a", "period": "2026-06", "amount": "50.00",
             "due": "2026-07-15"},
            {"type": "bill_issued", "id": "b", "period": "2026-07", "amount": "60.00",
             "due": "2026-08-15"},
            {"type": "payment_received", "id": "p", "at": "2026-08-10T10:00:00+08:00",
             "amount": "60.00", "bill_id": "b"},
            {"type": "payment_received", "id": "q", "at": "2026-10-31T23:59:59+08:00",
             "amount": "20.00"},
            {"type": "payment_received", "id": "r", "at": "2026-11-01T00:00:00+08:00",
             "amount": "30.00"},
        ]),
    ]
    got = assert_equivalent(CREDIT, histories, AS_OF)
    assert got.get_column("grade").to_list() == ["C", "D", "A", "D"]


def test_tables_helper_roundtrip() -> None:
    """The test helper builds the two input tables from histories."""
    customers, events = tables([(C1, [])])
    assert customers.height == 1
    assert events.height == 0


def _bill(amount: str, due: str = "2026-08-15", bid: str = "b1") -> dict[str, str]:
    return {"type": "bill_issued", "id": bid, "period": "2026-07", "amount": amount, "due": due}


def test_amounts_beyond_the_columns_are_settled_by_the_python_provider() -> None:
    """Money has no upper bound: 1e17 yuan (beyond Int64 fen) and 9.9e15 yuan (past the
    kernel's 64-bit keys) give evaluate()'s answer, from the Python provider; a
    prepayment without an amount (optional in the model) is fine too."""
    pay = {"type": "payment_received", "id": "p1", "at": "2026-09-01T10:00:00+08:00"}
    histories = [
        ({**C1, "id": "H1"}, [_bill("100000000000000000.00"),
                              {**pay, "amount": "100000000000000000.00"}]),
        ({**C1, "id": "H2"}, [_bill("9900000000000000.00")]),
        ({**C1, "id": "H3"}, [_bill("80.00"), {**pay, "amount": "80.00"},
                              {"type": "prepayment_completed", "id": "x1",
                               "at": "2026-10-05T10:00:00+08:00"}]),
    ]
    got = assert_equivalent(gr.Engine.default(), histories, AS_OF)
    backend = dict(zip(got.get_column("customer_id").to_list(),
                       got.get_column("facts_backend").to_list(), strict=True))
    assert "credit=python" in backend["H1"]
    assert "credit=python" in backend["H2"]
    assert "credit=columnar" in backend["H3"]
    assert got.get_column("grade").to_list() == ["B", "D", "B"]


def test_one_large_customer_in_a_big_chunk_does_not_stop_the_others() -> None:
    """9e13 yuan is harmless alone but overflowed the settlement keys beside 1,100
    customers: that customer goes to the Python provider, the rest stay columnar."""
    customers = [{**C1, "id": f"C{i:05d}"} for i in range(1100)]
    big = "90000000000000.00"
    events = [{"customer_id": "C01099", **_bill(big)},
              {"customer_id": "C01099", "type": "payment_received", "id": "p1",
               "at": "2026-08-05T10:00:00+08:00", "amount": big}]
    result = CREDIT.evaluate_batch(customers, events, as_of=AS_OF)
    assert result.errors.height == 0
    backends = result.decisions.get_column("facts_backend")
    assert backends.to_list()[-1] == "credit=python"
    assert (backends.head(1099) == "credit=columnar").all()
    want = CREDIT.evaluate(customers[-1], [{k: v for k, v in e.items() if k != "customer_id"}
                                           for e in events], as_of=AS_OF)
    assert result.decisions.get_column("grade").to_list()[-1] == want.credit.grade


@pytest.mark.parametrize("column", ["id", "category", "supply_voltage_kv"])
def test_a_customers_table_without_a_required_column_is_one_error(column: str) -> None:
    """Without ``category`` every row would be refused (and every event after it): the
    table is refused once, naming the column."""
    rows = [{k: v for k, v in C1.items() if k != column}]
    with pytest.raises(BatchInputError, match=f"customers: missing column\\(s\\) {column}$"):
        CREDIT.evaluate_batch(rows, None, as_of=AS_OF)


@pytest.mark.parametrize("ids", [[1001, 1002], [1001.0, None]])
def test_a_numeric_id_column_is_refused_not_converted(ids: list[Any]) -> None:
    """``evaluate`` refuses a number as an id; a float column (pandas with a NaN) would have
    become '1001.0' and matched no event, grading a thief A."""
    customers = pl.DataFrame({"id": ids, "category": ["residential"] * 2,
                              "supply_voltage_kv": ["0.22"] * 2}, strict=False)
    with pytest.raises(BatchInputError, match=r"^customers\.id is a column of (Int64|Float64): "
                       "ids are text"):
        CREDIT.evaluate_batch(customers, None, as_of=AS_OF)
    events = pl.DataFrame({"customer_id": [1001], "type": ["theft_detected"], "id": ["t"],
                           "at": ["2026-01-05"]})
    text = customers.with_columns(pl.Series("id", ["1001", "1002"]))
    with pytest.raises(BatchInputError, match=r"^events\.customer_id is a column of Int64"):
        CREDIT.evaluate_batch(text, events, as_of=AS_OF)


def test_records_mixing_dates_and_text_in_a_column_are_read_as_evaluate_reads_them() -> None:
    """polars cannot type a column holding ``date`` objects beside text; the batch reads
    such values as their ISO text (what the models read them as), so it decides what
    ``evaluate`` decides from the same records; a mix it cannot read is one error."""
    from datetime import datetime, timedelta, timezone
    from decimal import Decimal

    tz = timezone(timedelta(hours=8))
    events = [
        {"type": "bill_issued", "id": "b1", "period": "2026-08", "amount": Decimal("10.00"),
         "due": date(2026, 9, 15)},
        {"type": "bill_issued", "id": "b2", "period": "2026-09", "amount": "12.00",
         "due": "2026-10-15"},
        {"type": "payment_received", "id": "p", "at": datetime(2026, 9, 10, tzinfo=tz),
         "amount": "10.00"},
        {"type": "theft_detected", "id": "t", "at": "2025-01-05T10:00:00+08:00"},
    ]
    batch = CREDIT.evaluate_batch([C1], [{"customer_id": C1["id"], **e} for e in events],
                                  as_of=AS_OF)
    scalar = CREDIT.evaluate(C1, events, as_of=AS_OF)
    assert batch.errors.height == 0
    assert batch.decisions.select("grade", "fact_arrears_amount").rows() == [
        (scalar.credit.grade, scalar.credit.facts["arrears_amount"])]
    odd = [{"customer_id": C1["id"], "type": "theft_detected", "id": "t", "at": "2025-01-05"},
           {"customer_id": C1["id"], "type": "theft_detected", "id": "u", "at": [1]}]
    with pytest.raises(BatchInputError, match=r"mix value types in a column \('at': list, str\)"):
        CREDIT.evaluate_batch([C1], odd, as_of=AS_OF)


@pytest.mark.parametrize(("value", "text"), [
    (b"ab", "ab"), ({2, 1}, "[1, 2]"), ({"a": b"x"}, '{"a": "x"}'), ({(1, 2): 3}, "{(1, 2): 3}"),
    (date(2026, 5, 1), "2026-05-01"), ("x" * 300, "x" * 197 + "..."),
])
def test_an_error_input_is_text_an_analyst_reads(value: object, text: str) -> None:
    """Bytes decoded, a set as a list; a dict JSON cannot key falls back to its text."""
    from gridcrm_rules.batch.errors import _text

    assert _text(value) == text


@pytest.mark.parametrize("kind", [None, 5])
def test_a_type_column_of_nulls_or_numbers_refuses_its_rows(kind: object) -> None:
    """A one-row table (or a chunk) whose ``type`` column is all null or numbers: each row
    is refused at ``type`` (null: ``missing``, as evaluate); it crashed the chunk before."""
    events = pl.DataFrame([{"customer_id": "C1", "id": "x1", "type": kind, "at": "2026-05-01"}])
    assert events.schema["type"] != pl.String()
    result = CREDIT.evaluate_batch([C1], events, as_of=AS_OF)
    row = result.errors.filter(pl.col("source") == "events").row(0, named=True)
    assert row["loc"] == "type"
    assert row["type"] == ("missing" if kind is None else "unknown_event_type")
    assert result.decisions.height == 0
