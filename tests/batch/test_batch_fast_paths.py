"""The fast paths of the batch backend against the slow ones they stand in for.

* Typed columns (``Decimal``, ``Date``, aware ``Datetime``, as Parquet holds them) are
  checked by value, never re-parsed: the canonical frame, the errors and the refused
  customers must be exactly those of validating every row with the event model.
* Customer keys, run reductions and sorting skipped for input already in order.
* History checks on 64-bit hashes: a collision may cost time, never change an answer.
* The settlement kernel skips sorting when the export is already in order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
import pytest
from batch_helpers import History, assert_equivalent, tables
from batch_strategies import seeded_batch
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import gridcrm_rules as gr
from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.batch import _distinct, _history, events
from gridcrm_rules.batch._catalog import ROW
from gridcrm_rules.batch._distinct import per_distinct
from gridcrm_rules.batch._keys import customer_keys
from gridcrm_rules.batch._runs import Runs, distinct_per_customer, order_by
from gridcrm_rules.models import BillIssued

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
CREDIT = gr.Engine.from_packs(["credit"])
AS_OF = "2026-11-22T09:00:00+08:00"
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


def _instant(text: str) -> datetime:
    """An event instant as the models read it (a date alone is 00:00 Shanghai), in UTC."""
    if len(text) == 10:
        local = datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=SHANGHAI)
        return local.astimezone(UTC)
    return datetime.fromisoformat(text).astimezone(UTC)


def typed(history: History) -> History:
    """The same history with Decimal amounts, Date dues and aware datetimes."""
    customer, evs = history
    customer = {**customer, "supply_voltage_kv": Decimal(customer["supply_voltage_kv"])}
    out = []
    for e in evs:
        e = dict(e)
        if "amount" in e:
            e["amount"] = Decimal(e["amount"])
        if "due" in e:
            e["due"] = date.fromisoformat(e["due"])
        for key in ("at", "expires"):
            if isinstance(e.get(key), str):
                e[key] = _instant(e[key])
        out.append(e)
    return customer, out


def _raw(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))


def _by_model_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send every row to the event model (the path the fast checks stand in for)."""
    fast = events._fast

    def nothing_vouched(schema: pl.Schema) -> tuple[pl.Expr, list[pl.Expr]]:
        _, values = fast(schema)
        return pl.lit(False), values

    monkeypatch.setattr(events, "_fast", nothing_vouched)


def _validated(raw: pl.DataFrame) -> tuple[pl.DataFrame, set[tuple[Any, ...]], dict[str, Any]]:
    result = events.validate_events(raw)
    frame = result.frame.drop("__model").sort(ROW)
    errors = {(e.source, e.row, e.customer_id, e.loc, e.type, e.msg, e.input)
              for e in result.errors}
    rejected = {k: sorted(v) for k, v in result.rejected.items()}
    return frame, errors, rejected


def assert_fast_equals_model(raw: pl.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    """validate_events gives the same frame, errors and refusals with and without fast checks."""
    fast = _validated(raw)
    with monkeypatch.context() as m:
        _by_model_only(m)
        slow = _validated(raw)
    assert fast[1] == slow[1]
    assert fast[2] == slow[2]
    assert_frame_equal(fast[0], slow[0])


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(seeded_batch(120))
def test_typed_tables_equal_scalar(data) -> None:  # type: ignore[no-untyped-def]
    """Decimal, Date and aware Datetime columns: the same answers as evaluate, row for row."""
    as_of, histories = data
    assert_equivalent(CREDIT, [typed(h) for h in histories], as_of)


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(data=seeded_batch(80), as_text=st.booleans())
def test_fast_checks_equal_the_model_on_random_histories(
    data: Any, as_text: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typed and text events (invalid rows included): fast checks change nothing."""
    _, histories = data
    chosen = histories if as_text else [typed(h) for h in histories]
    _, frame = tables(chosen)
    assert_fast_equals_model(_raw(frame), monkeypatch)


def _crafted() -> list[dict[str, Any]]:
    at = datetime(2026, 9, 1, 10, tzinfo=SHANGHAI)
    bill = {"customer_id": "A", "type": "bill_issued", "id": "b1", "period": "2026-07",
            "amount": Decimal("100.000"), "due": date(2026, 8, 31)}
    pay = {"customer_id": "A", "type": "payment_received", "id": "p1", "at": at,
           "amount": Decimal("1.000")}
    return [
        bill,
        {**bill, "id": "b2", "amount": Decimal("1.005")},  # three decimals
        {**bill, "id": "b3", "amount": Decimal("-1.000")},  # negative
        {**bill, "id": " b4 "},  # padded: the model strips it
        {**bill, "id": "   "},  # empty once stripped
        {**bill, "id": "b5", "period": "2026-13"},  # no such month
        {**bill, "id": "b6", "period": " 2026-06"},
        {**bill, "id": "b7", "at": at},  # a field bills do not carry
        {**bill, "customer_id": "B", "id": "b1"},  # same id, other customer: fine
        {**bill, "customer_id": "B", "id": "b1", "period": "2026-08"},  # duplicate
        {**pay, "bill_id": "b1"},
        {**pay, "id": "p2", "bill_id": "nope"},  # unknown bill
        {**pay, "id": "p3", "bill_id": " b1"},  # padded reference
        {**pay, "id": "p4", "at": None},
        {**pay, "customer_id": None, "id": "p5"},
        {**pay, "customer_id": "C", "type": "no_such_type", "id": "x"},
        {"customer_id": "C", "type": "theft_detected", "id": "t1", "at": at},
        {"customer_id": "C", "type": "monthly_consumption", "id": "m1", "month": "2026-05",
         "kwh": Decimal("12.500")},
        {"customer_id": "C", "type": "monthly_consumption", "id": "m2", "month": "2026-5",
         "kwh": Decimal("1.000")},
        {"customer_id": "C", "type": "grade_override", "id": "o1", "at": at, "by": "m",
         "reason": "r", "to_grade": "B"},
    ]


def test_fast_checks_equal_the_model_on_crafted_typed_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three-decimal money, padding, foreign fields, bad months, duplicates, unknown bills."""
    frame = pl.DataFrame(_crafted(), infer_schema_length=None)
    assert isinstance(frame.schema["amount"], pl.Decimal)
    assert frame.schema["at"] == pl.Datetime("us", "Asia/Shanghai")
    assert_fast_equals_model(_raw(frame), monkeypatch)
    result = events.validate_events(_raw(frame))
    kinds = {(e.row, e.type) for e in result.errors}
    assert {(1, "decimal_max_places"), (2, "greater_than_equal"), (9, "duplicate_event_id"),
            (11, "unknown_bill"), (14, "missing")} <= kinds


def test_naive_datetimes_are_refused_by_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """A naive Datetime column is never vouched for; the model says why, row by row."""
    frame = pl.DataFrame({
        "customer_id": ["A", "A"], "type": ["theft_detected", "payment_received"],
        "id": ["t", "p"], "at": [datetime(2026, 1, 1, 10), datetime(2026, 2, 1)],
        "amount": [None, Decimal("5.00")],
    })
    assert_fast_equals_model(_raw(frame), monkeypatch)
    result = events.validate_events(_raw(frame))
    assert {e.type for e in result.errors} == {"timezone_aware"}


def _whitespace() -> Iterator[str]:
    for code in range(0x3001):
        if chr(code).isspace() or 0x1C <= code <= 0x1F:
            yield chr(code)
    yield from ("\u180e", "\u200b", "\u2060", "\ufeff")


def test_unpadded_text_is_exactly_the_models_value() -> None:
    """strip_chars() and the models' str_strip_whitespace agree on every whitespace char."""
    for ch in _whitespace():
        for text in (ch + "x", "x" + ch, ch):
            column = pl.Series([text])
            vouched = (column.str.strip_chars().str.len_bytes() == column.str.len_bytes())[0]
            try:
                model = BillIssued(id=text, period="2026-01", amount="1", due="2026-02-15").id
            except ValueError:
                model = None
            assert vouched == (model == text), repr(text)


@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d", "a "])),
                max_size=40))
def test_customer_keys_name_the_ids(ids: list[str | None]) -> None:
    """Key k names ids[k] (sorted, distinct, stripped); null ids get -1; grouped or not."""
    keys = customer_keys(pl.Series(ids, dtype=pl.String))
    stripped = [None if i is None else i.strip() for i in ids]
    assert keys.ids.to_list() == sorted({i for i in stripped if i is not None})
    names = [keys.ids[int(k)] if k >= 0 else None for k in keys.per_row]
    assert names == stripped
    assert keys.padded == ("a " in ids)


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(-3, 3), st.integers(0, 2)),
                max_size=50))
def test_order_helpers_match_python(rows: list[tuple[int, int, int]]) -> None:
    """order_by is a stable lexicographic sort (None when in order); distinct counts per key."""
    cols = [np.array([r[i] for r in rows], dtype=np.int64) for i in range(3)]
    order = order_by(*cols)
    expected = sorted(range(len(rows)), key=lambda i: rows[i])
    assert (list(range(len(rows))) if order is None else order.tolist()) == expected
    c = np.sort(cols[0])
    key = cols[1][np.argsort(cols[0], kind="stable")]
    counts = distinct_per_customer(c, key, 5)
    for cust in range(5):
        assert counts[cust] == len({int(k) for cc, k in zip(c, key, strict=True) if cc == cust})


@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(data=seeded_batch(60))
def test_hash_collisions_never_change_the_answer(data, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With every history key colliding, duplicates and bill references are still exact."""
    as_of, histories = data
    customers, evs = tables(histories)
    want = CREDIT.evaluate_batch(customers, evs, as_of=as_of)
    with monkeypatch.context() as m:
        m.setattr(_history, "_keys", lambda ids, customers: np.zeros(len(ids), np.uint64))
        got = CREDIT.evaluate_batch(customers, evs, as_of=as_of)
    assert_frame_equal(got.decisions, want.decisions)
    assert_frame_equal(got.errors, want.errors)


@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(seeded_batch(80))
def test_row_order_does_not_change_the_answer(data) -> None:  # type: ignore[no-untyped-def]
    """Events sorted by customer and time (no sorting needed) or shuffled: the same tables."""
    as_of, histories = data
    customers, evs = tables([typed(h) for h in histories])
    ordered = evs.with_columns(pl.coalesce("at", pl.col("due").cast(pl.Datetime("us", "UTC")))
                               .alias("__t")).sort("customer_id", "__t").drop("__t")
    shuffled = evs.sample(fraction=1.0, shuffle=True, seed=random.Random(7).randint(0, 99))
    results = [CREDIT.evaluate_batch(customers.sample(fraction=1.0, shuffle=True, seed=3), e,
                                     as_of=as_of) for e in (ordered, shuffled)]
    cols = [c for c in results[0].decisions.columns if c != "row"]
    first, second = (r.decisions.select(cols).sort("customer_id") for r in results)
    assert_frame_equal(first, second)
    assert results[0].decisions.height + results[0].errors.filter(
        pl.col("source") == "customers").select(pl.col("row").n_unique()).item() == customers.height


def test_unsorted_and_sorted_population_agree() -> None:
    """A generated population in export order equals the same rows reversed."""
    from gridcrm_rules.sample import generate_population
    from gridcrm_rules.sample.frames import population_frames

    c, e = generate_population(200, seed=5, as_of=date(2026, 11, 22))
    cust, ev = population_frames(c, e)
    want = CREDIT.evaluate_batch(cust, ev, as_of=AS_OF)
    got = CREDIT.evaluate_batch(cust.reverse(), ev.reverse(), as_of=AS_OF)
    cols = [col for col in want.decisions.columns if col != "row"]
    assert_frame_equal(got.decisions.select(cols).sort("customer_id"),
                       want.decisions.select(cols).sort("customer_id"))
    assert (want.decisions.get_column("path") == "columnar").all()
    assert want.decisions.height == 200


@given(st.lists(st.one_of(st.none(), st.sampled_from(["2026-01", "2026-13", " 2026-02", "x"])),
                max_size=30), st.booleans())
def test_per_distinct_equals_a_join(values: list[str | None], collide: bool) -> None:
    """Hash matching (or, after a collision, the join) gives every row its value's result."""
    column = pl.Series("m", values, dtype=pl.String)

    def compute(distinct: pl.Series) -> pl.DataFrame:
        return distinct.to_frame("m").select(pl.col("m").str.len_bytes().alias("n"),
                                             (pl.col("m") + "!").alias("t"))

    with pytest.MonkeyPatch.context() as m:
        if collide:
            m.setattr(_distinct, "_hashes", lambda v: np.zeros(len(v), np.uint64))
        got = per_distinct(column, compute)
    want = column.to_frame().select(pl.col("m").str.len_bytes().alias("n"),
                                    (pl.col("m") + "!").alias("t"))
    assert_frame_equal(got, want)


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(-50, 50)), max_size=40))
def test_runs_match_python(rows: list[tuple[int, int]]) -> None:
    """Run sums, minima, restarting cumulative sums and spreads over a sorted customer index."""
    rows = sorted(rows, key=lambda r: r[0])
    c = np.array([r[0] for r in rows], dtype=np.int64)
    x = np.array([r[1] for r in rows], dtype=np.int64)
    runs = Runs.of(c)
    total = {k: sum(v for cc, v in rows if cc == k) for k in range(6)}
    assert runs.reduce(x, 6).tolist() == [total[k] for k in range(6)]
    least = runs.reduce(x, 6, how="min", fill=99)
    assert least.tolist() == [min([v for cc, v in rows if cc == k], default=99) for k in range(6)]
    seen: dict[int, int] = {}
    expected = []
    for cc, v in rows:
        seen[cc] = seen.get(cc, 0) + v
        expected.append(seen[cc])
    assert runs.cumsum(x).tolist() == expected
    assert runs.spread(np.arange(6, dtype=np.int64) * 10).tolist() == [cc * 10 for cc in c]


def test_settlement_does_not_depend_on_the_customer_numbers() -> None:
    """The same bills and payments under customer 1 or customer 4,000,000: same answer."""
    from gridcrm_rules.areas.credit._settle import Bills, Payments, settle_arrays

    def settle(c: int) -> tuple[list[int], list[int], int]:
        n = c + 1
        one = np.ones(3, np.int64)
        bills = Bills(c * one, np.array([10, 40, 70]), np.array([1, 2, 3]),
                      np.array([500, 700, 300]), np.array([0, 2, 4]))
        pays = Payments(c * one[:2], np.array([5, 9]) * 86_400_000_000 + 10**18,
                        np.array([600, 300]), np.array([False, True]), np.array([-1, 4]))
        s = settle_arrays(bills, pays, n, 2 * 10**18)
        return s.unpaid.tolist(), s.settled_day.tolist(), int(s.unallocated[c])

    assert settle(1) == settle(4_000_000)
    assert settle(1)[0] == [0, 600, 0]
    assert settle(1)[2] == 0
