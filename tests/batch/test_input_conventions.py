"""Missing values (None, NaN) mean "not given" in every input path (issue 16).

The bundled sample, run through dicts, DataFrame records with ``None``/``NaN``,
pandas, polars, Arrow, CSV and Parquet, gives the same decisions and tasks as
the scalar engine on the plain dicts.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from pydantic import ValidationError

import gridcrm_rules as gr
from gridcrm_rules.models._missing import drop_missing, is_missing
from gridcrm_rules.sample import load_sample

SAMPLE = load_sample()
ENGINE = gr.Engine.default()


def _event_rows() -> list[dict[str, Any]]:
    return [
        {"customer_id": c["id"], **e} for c in SAMPLE.customers for e in SAMPLE.events_for(c["id"])
    ]


def _frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    return (pl.DataFrame(SAMPLE.customers, infer_schema_length=None),
            pl.DataFrame(_event_rows(), infer_schema_length=None))


@pytest.fixture(scope="module")
def want() -> gr.batch.BatchResult:
    return ENGINE.evaluate_batch(SAMPLE.customers, _event_rows(), as_of=SAMPLE.as_of)


def _inputs(kind: str, tmp_path: Path) -> tuple[Any, Any]:
    cust, ev = _frames()
    if kind == "dicts":
        return SAMPLE.customers, _event_rows()
    if kind == "polars":
        return cust, ev
    if kind == "arrow":
        return cust.to_arrow(), ev.to_arrow()
    if kind == "parquet":
        cust.write_parquet(tmp_path / "c.parquet")
        ev.write_parquet(tmp_path / "e.parquet")
        return tmp_path / "c.parquet", tmp_path / "e.parquet"
    if kind == "csv":
        cust.write_csv(tmp_path / "c.csv")
        ev.write_csv(tmp_path / "e.csv")
        return tmp_path / "c.csv", tmp_path / "e.csv"
    pd = pytest.importorskip("pandas")
    pc, pe = pd.DataFrame(SAMPLE.customers), pd.DataFrame(_event_rows())
    if kind == "pandas":
        return pc, pe
    assert kind == "pandas_records"  # every column in every record, None/NaN where absent
    return pc.to_dict("records"), pe.to_dict("records")


@pytest.mark.parametrize(
    "kind", ["dicts", "polars", "arrow", "parquet", "csv", "pandas", "pandas_records"]
)
def test_the_sample_gives_the_same_result_through_every_input(
    kind: str, tmp_path: Path, want: gr.batch.BatchResult
) -> None:
    """All 60 customers are decided, with the same decisions and tasks, in every format."""
    got = ENGINE.evaluate_batch(*_inputs(kind, tmp_path), as_of=SAMPLE.as_of)
    assert got.errors.height == 0, got.errors.head(5)
    assert got.decisions.height == len(SAMPLE.customers)
    keep = ["path", "facts_backend"]
    assert_frame_equal(got.decisions.drop(keep), want.decisions.drop(keep))
    assert_frame_equal(got.tasks, want.tasks)


def test_the_batch_agrees_with_the_scalar_engine_on_records_with_missing_values(
    want: gr.batch.BatchResult,
) -> None:
    """``evaluate(row, events)`` with DataFrame records (None/NaN) gives the batch's grade."""
    pd = pytest.importorskip("pandas")
    customers = pd.DataFrame(SAMPLE.customers).to_dict("records")
    events = pd.DataFrame(_event_rows()).to_dict("records")
    grades = dict(want.decisions.select("customer_id", "grade").iter_rows())
    for row in customers:
        history = [
            {k: v for k, v in e.items() if k != "customer_id"}
            for e in events
            if e["customer_id"] == row["id"]
        ]
        d = ENGINE.evaluate(row, history, as_of=SAMPLE.as_of)
        plain = ENGINE.evaluate(
            SAMPLE.customer(row["id"]), SAMPLE.events_for(row["id"]), as_of=SAMPLE.as_of
        )
        assert d == plain
        assert d.credit is not None
        assert d.credit.grade == grades[row["id"]]


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_a_missing_optional_customer_flag_takes_its_default(missing: object) -> None:
    """``prepaid_meter=None`` (or NaN) means "not given": the default, not an error."""
    base = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
    given = gr.Customer.model_validate(
        {**base, "prepaid_meter": missing, "is_deputy": missing, "transformer_kva": missing}
    )
    assert given == gr.Customer.model_validate(base)
    assert given.prepaid_meter is False
    assert given.transformer_kva is None


def test_a_missing_required_field_is_reported_as_missing() -> None:
    """None for a required field is not a value: the error is ``missing`` at that field."""
    with pytest.raises(ValidationError) as info:
        gr.Customer.model_validate({"id": "C1", "category": None, "supply_voltage_kv": "0.22"})
    (error,) = info.value.errors()
    assert (error["type"], error["loc"]) == ("missing", ("category",))


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_a_missing_foreign_event_field_is_absent(missing: object) -> None:
    """A theft row with the bill columns set to None/NaN is a theft, not extra_forbidden."""
    (event,) = gr.parse_events(
        [{"type": "theft_detected", "id": "e1", "at": "2025-03-01", "amount": missing,
          "period": missing, "due": missing}]
    )
    assert event == gr.parse_events([{"type": "theft_detected", "id": "e1", "at": "2025-03-01"}])[0]


def test_a_present_foreign_event_field_is_still_refused() -> None:
    """Only missing values are dropped: a real value in another type's field is an error."""
    with pytest.raises(ValidationError, match="amount"):
        gr.parse_events([{"type": "theft_detected", "id": "e1", "at": "2025-03-01",
                          "amount": "1.00"}])


def test_is_missing_knows_the_pandas_markers() -> None:
    """pd.NA and pd.NaT are missing; 0, '', False and Decimal values are not."""
    pd = pytest.importorskip("pandas")
    from decimal import Decimal

    assert all(is_missing(v) for v in (None, math.nan, pd.NA, pd.NaT))
    assert not any(is_missing(v) for v in (0, 0.0, "", False, Decimal("1"), "NaN"))
    assert drop_missing({"a": None, "b": 1, "c": pd.NA}) == {"b": 1}


def test_nan_in_a_float_column_of_a_table_is_null() -> None:
    """A polars float column with NaN (``transformer_kva``) reads as "not given"."""
    cust = pl.DataFrame({"id": ["C1"], "category": ["residential"],
                         "supply_voltage_kv": [0.22], "transformer_kva": [math.nan]})
    got = ENGINE.evaluate_batch(cust, None, as_of=SAMPLE.as_of)
    assert got.errors.height == 0
    assert got.decisions.height == 1
