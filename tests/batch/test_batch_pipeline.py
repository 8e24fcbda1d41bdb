"""Chunk plumbing: chunks in threads, in order, bounded; filters that reach the reader."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import gridcrm_rules as gr
from gridcrm_rules.batch._pipeline import in_order
from gridcrm_rules.batch.evaluate import _from, _prepare
from gridcrm_rules.batch.tables import collect_rows


def test_results_come_in_input_order() -> None:
    """Later items may finish first; results still come back in input order."""

    def work(i: int) -> int:
        time.sleep(0.002 * (5 - i % 5))
        return i * i

    assert list(in_order(work, range(12))) == [i * i for i in range(12)]
    assert list(in_order(work, range(5), workers=1)) == [i * i for i in range(5)]


def test_items_are_taken_only_when_a_worker_is_free() -> None:
    """A lazy source is never read more than ``workers`` items ahead of the consumer."""
    taken: list[int] = []
    lock = threading.Lock()

    def source():  # type: ignore[no-untyped-def]
        for i in range(10):
            with lock:
                taken.append(i)
            yield i

    for got in in_order(lambda i: i, source(), workers=2):
        with lock:
            assert len(taken) <= got + 2


def test_a_failing_item_raises_in_the_caller() -> None:
    """An exception in a worker reaches the caller, at that item's turn."""

    def work(i: int) -> int:
        if i == 3:
            raise ValueError("bad chunk")
        return i

    results = in_order(work, range(8))
    assert [next(results) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="bad chunk"):
        next(results)


def test_chunk_filters_reach_the_parquet_reader(tmp_path: Path) -> None:
    """The row index is added so that a chunk's filter is pushed into the Parquet scan."""
    events = pl.DataFrame({"customer_id": ["a", "b", "c"], "type": ["theft_detected"] * 3,
                           "id": ["1", "2", "3"]})
    events.write_parquet(tmp_path / "e.parquet")
    pl.DataFrame({"id": ["a", "b"], "category": ["residential"] * 2,
                  "supply_voltage_kv": ["0.22"] * 2}).write_parquet(tmp_path / "c.parquet")
    _, ev = _prepare(tmp_path / "c.parquet", tmp_path / "e.parquet", "forbid")
    chunk = ev.filter(_from(pl.col("customer_id"), "b", "d"))
    plan = chunk.explain()
    assert "FILTER" not in plan.split("Parquet SCAN")[0], plan
    got = collect_rows(chunk)
    assert got.get_column("__row").to_list() == [1, 2]
    assert got.schema["__row"] == pl.Int64


def test_padded_customer_ids_are_chunked_by_the_stripped_id() -> None:
    """An id the model strips (' C3 ') lands in the chunk of 'C3', with its events."""
    engine = gr.Engine.from_packs(["credit"])
    ids = [f"C{i}" for i in range(9)]
    customers = [{"id": f" {c} " if i % 3 == 0 else c, "category": "residential",
                  "supply_voltage_kv": "0.22"} for i, c in enumerate(ids)]
    events = [{"customer_id": c, "type": "theft_detected", "id": "t", "at": "2026-01-05"}
              for c in ids[::2]]
    whole = engine.evaluate_batch(customers, events, as_of="2026-11-22")
    chunked = engine.evaluate_batch(customers, events, as_of="2026-11-22", chunk_size=2)
    assert whole.errors.height == 0
    assert whole.decisions.get_column("customer_id").to_list() == ids
    assert_frame_equal(chunked.decisions, whole.decisions)


@pytest.mark.parametrize("chunk_size", [2, 100])
def test_an_event_naming_a_padded_id_belongs_to_that_customer(chunk_size: int) -> None:
    """customer_id ' C4\u2003' names customer 'C4', in whichever chunk 'C4' is decided."""
    engine = gr.Engine.from_packs(["credit"])
    ids = [f"C{i}" for i in range(9)]
    customers = [{"id": c, "category": "residential", "supply_voltage_kv": "0.22"} for c in ids]
    named = {"C0": "C0 ", "C2": "\u3000C2", "C4": " C4\u2003", "C6": "C6", "C8": "\tC8"}
    events = [{"customer_id": text, "type": "theft_detected", "id": "t", "at": "2026-01-05"}
              for text in named.values()]
    result = engine.evaluate_batch(customers, events, as_of="2026-11-22", chunk_size=chunk_size)
    assert result.errors.height == 0
    grades = dict(zip(result.decisions.get_column("customer_id").to_list(),
                      result.decisions.get_column("grade").to_list(), strict=True))
    assert grades == {c: "D" if c in named else "A" for c in ids}


def test_a_last_pass_without_customers_with_every_pack() -> None:
    """Events outside every id range, and no customers left: errors, nothing decided twice."""
    customers = [{"id": f"C{i}", "category": "residential", "supply_voltage_kv": "0.22"}
                 for i in range(4)]
    events = [{"customer_id": cid, "type": "theft_detected", "id": "t", "at": "2026-01-05"}
              for cid in ("C1", "ZZ", "A0", None)]
    result = gr.Engine.default().evaluate_batch(customers, events, as_of="2026-11-22",
                                                chunk_size=2)
    assert result.decisions.get_column("customer_id").to_list() == ["C0", "C1", "C2", "C3"]
    kinds = dict(zip(result.errors.get_column("row").to_list(),
                     result.errors.get_column("type").to_list(), strict=True))
    assert kinds == {1: "unknown_customer", 2: "unknown_customer", 3: "missing"}


_IDS = st.text(alphabet="AB1 ", min_size=0, max_size=3)


@settings(max_examples=60, deadline=None)
@given(customer_ids=st.lists(_IDS, max_size=8),
       event_ids=st.lists(st.one_of(st.none(), _IDS), max_size=12),
       chunk_size=st.integers(1, 4))
def test_every_row_is_accounted_for_however_ids_fall_into_chunks(
    customer_ids: list[str], event_ids: list[str | None], chunk_size: int
) -> None:
    """Ids between, before and after the chunks' customers, padded, empty or null: each
    customers row is decided or refused, each events row counted or refused, and the
    chunk size changes nothing."""
    engine = gr.Engine.from_packs(["credit"])
    customers = [{"id": c, "category": "residential", "supply_voltage_kv": "0.22"}
                 for c in customer_ids]
    events = [{"customer_id": c, "type": "theft_detected", "id": f"e{i}", "at": "2026-01-05"}
              for i, c in enumerate(event_ids)]
    whole = engine.evaluate_batch(customers, events, as_of="2026-11-22", chunk_size=10**6)
    result = engine.evaluate_batch(customers, events, as_of="2026-11-22", chunk_size=chunk_size)
    refused = result.errors.filter(pl.col("source") == "customers")
    assert result.decisions.height + refused.get_column("row").n_unique() == len(customers)
    counted = (result.decisions.get_column("events_considered").sum()
               + result.decisions.get_column("events_after_as_of").sum())
    refused_events = result.errors.filter(pl.col("source") == "events")
    assert counted + refused_events.get_column("row").n_unique() == len(events)
    assert_frame_equal(result.decisions, whole.decisions)
    assert_frame_equal(result.errors.drop("msg"), whole.errors.drop("msg"))
