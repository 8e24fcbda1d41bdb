"""``compare`` equals comparing ``Engine.evaluate`` decisions customer by customer."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from batch_helpers import tables
from batch_strategies import seeded_batch, small_batch
from hypothesis import HealthCheck, given, settings
from impact_reference import counts, expected

import gridcrm_rules as gr
from gridcrm_rules.impact import Comparison
from gridcrm_rules.sample import load_sample

CREDIT = gr.Engine.from_packs(["credit"])
DEFAULT = gr.Engine.default()


def _check(result: Comparison, a: gr.Engine, b: gr.Engine, histories: Any, as_of: Any) -> None:
    """Every table of ``result`` matches the per-customer reference."""
    want = expected(a, b, histories, as_of)
    got_t = Counter({(r["before"], r["after"]): r["customers"]
                     for r in result.transitions.iter_rows(named=True)})
    assert got_t == want.transitions
    got_changed = {r["customer_id"]: (r["grade_before"], r["grade_after"])
                   for r in result.changed.iter_rows(named=True)}
    assert got_changed == want.changed
    credit_facts = {k for d in want.credit_facts_changed.values() for k in d} | {
        f.removeprefix("fact_") for f in ("fact_arrears_amount", "fact_arrears_over_1m",
                                          "fact_arrears_over_2m", "fact_had_arrears_in_year",
                                          "fact_theft_or_violation_3y", "fact_provisional")}
    for r in result.changed.iter_rows(named=True):
        if r["customer_id"] in want.credit_facts_changed:
            mine = {f for f in r["facts_changed"] if f in credit_facts}
            assert mine == want.credit_facts_changed[r["customer_id"]], r["customer_id"]
    decisions = set(result.rule_hits.get_column("decision"))
    assert "credit" in decisions or not want.rule_hits
    assert counts(result.rule_hits, ["decision", "rule_id"]) == Counter(
        {k: v for k, v in want.rule_hits.items() if k[0] in decisions})
    assert counts(result.entitlements, ["code", "level"]) == want.entitlements
    assert counts(result.tasks, ["clause", "status"]) == want.tasks
    assert result.refused_both == want.refused_both
    for frame in (result.rule_hits, result.entitlements, result.tasks):
        assert (frame["after"] - frame["before"]).equals(frame["delta"], check_names=False)


CHANGES = {
    "year_window": (DEFAULT, DEFAULT.with_params(year_window="calendar_year")),
    "arrears_reading": (DEFAULT, DEFAULT.with_params(arrears_reading="amount")),
    "prepay_rate": (DEFAULT, DEFAULT.with_params(prepay_rate_per_kva=120)),
    "strict_pack": (CREDIT, gr.Engine.from_packs(["credit_strict"])),
}


@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(data=seeded_batch(80))
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_compare_equals_evaluate_per_customer(change: str, data: Any) -> None:
    """Parameter and pack changes over random histories: every table equals the reference."""
    as_of, histories = data
    base, other = CHANGES[change]
    customers, events = tables(histories)
    result = gr.compare(base, other, customers, events, as_of=as_of, chunk_size=30)
    _check(result, base, other, histories, as_of)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=small_batch(4))
def test_compare_equals_evaluate_on_small_shrinkable_examples(data: Any) -> None:
    """Small hypothesis examples (they shrink to a minimal failing customer)."""
    as_of, histories = data
    other = CREDIT.with_params(year_window="calendar_year", arrears_reading="amount")
    customers, events = tables(histories)
    _check(gr.compare(CREDIT, other, customers, events, as_of=as_of), CREDIT, other,
           histories, as_of)


def _sample_inputs() -> tuple[Any, list[dict[str, Any]], Any]:
    s = load_sample()
    rows = [{"customer_id": c["id"], **e} for c in s.customers for e in s.events_for(c["id"])]
    return s.customers, rows, s.as_of


def test_calendar_year_moves_c0015_up_on_the_sample() -> None:
    """The bundled sample: the calendar-year reading forgives C0015's late 2025 payment."""
    customers, events, as_of = _sample_inputs()
    other = DEFAULT.with_params(year_window="calendar_year")
    result = DEFAULT.compare(other, customers, events, as_of=as_of)
    row = result.changed.row(0, named=True)
    assert result.changed.height == 1
    assert (row["customer_id"], row["grade_before"], row["grade_after"], row["direction"]) == (
        "C0015", "B", "A", "up")
    assert (row["rule_ids_before"], row["rule_ids_after"]) == (["CR-B"], ["CR-A"])
    assert row["facts"] == [{"fact": "had_arrears_in_year", "before": "true", "after": "false"}]
    assert "shed_last:granted" in row["entitlements_added"]
    assert result.matrix().filter(pl.col("before") == "B").get_column("A").item() == 1
    assert result.customers == len(customers)
    histories = [(c, [{k: v for k, v in e.items() if k != "customer_id"} for e in events
                      if e["customer_id"] == c["id"]]) for c in customers]
    _check(result, DEFAULT, other, histories, as_of)


def test_the_same_engine_changes_nobody() -> None:
    """Comparing an engine with itself: a diagonal matrix and no changed customer."""
    customers, events, as_of = _sample_inputs()
    result = gr.compare(DEFAULT, DEFAULT, customers, events, as_of=as_of)
    assert result.changed.is_empty()
    assert result.moved() == 0
    m = result.matrix()
    off = [m[r, c] for r in range(m.height) for c in range(1, m.width) if r != c - 1]
    assert set(off) == {0}
    assert (result.rule_hits["delta"] == 0).all()


def test_chunks_and_input_forms_do_not_change_the_answer(tmp_path: Path) -> None:
    """One chunk or many; polars, pandas, Arrow or Parquet paths: the same result."""
    customers, events, as_of = _sample_inputs()
    other = DEFAULT.with_params(year_window="calendar_year")
    whole = gr.compare(DEFAULT, other, customers, events, as_of=as_of)
    cust, ev = pl.DataFrame(customers), pl.DataFrame(events, infer_schema_length=None)
    cust.write_parquet(tmp_path / "c.parquet")
    ev.write_parquet(tmp_path / "e.parquet")
    for c, e, chunk in ((cust, ev, 7), (cust.to_pandas(), ev.to_arrow(), 60),
                        (str(tmp_path / "c.parquet"), tmp_path / "e.parquet", 13)):
        got = gr.compare(DEFAULT, other, c, e, as_of=as_of, chunk_size=chunk)
        for name, frame in whole.tables().items():
            assert got.tables()[name].equals(frame), name


def test_packs_with_different_decisions_compare() -> None:
    """Credit alone against every default pack: the extra decisions show up as changes."""
    customers, events, as_of = _sample_inputs()
    result = gr.compare(CREDIT, DEFAULT, customers, events, as_of=as_of)
    assert result.moved() == 0
    assert result.changed.height == len(customers)
    assert "entitlements" in result.changed.row(0, named=True)["changes"]
    assert set(result.rule_hits.filter(pl.col("before") == 0).get_column("decision")) >= {
        "key_account"}


def test_rows_refused_by_both_engines_are_counted_apart() -> None:
    """An invalid customers row is refused by both engines: not a transition, counted apart."""
    customers = [{"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"},
                 {"id": "C2", "category": "nonsense", "supply_voltage_kv": "0.22"},
                 {"id": "C3", "category": "dedicated_transformer", "supply_voltage_kv": "10"}]
    events = [{"customer_id": "C1", "type": "theft_detected", "id": "t", "at": "2026-01-05"},
              {"customer_id": "C3", "type": "bill_issued", "id": "b", "period": "2026-08",
               "amount": "10.00", "due": "2026-09-10"}]
    result = gr.compare(DEFAULT, DEFAULT.with_params(year_window="calendar_year"),
                        customers, events, as_of="2026-11-22")
    assert result.refused_both == 1
    assert result.customers == 2


def test_written_tables_and_html(tmp_path: Path) -> None:
    """``write`` writes every table; the HTML view shows the matrix and the changed rows."""
    customers, events, as_of = _sample_inputs()
    result = gr.compare(DEFAULT, DEFAULT.with_params(year_window="calendar_year"), customers,
                        events, as_of=as_of)
    paths = result.write(tmp_path)
    assert set(paths) == {"transitions", "matrix", "rule_hits", "entitlements", "tasks",
                          "changed"}
    assert pl.read_parquet(paths["changed"]).get_column("customer_id").to_list() == ["C0015"]
    page = result._repr_html_()
    assert "transition matrix" in page
    assert "<td>C0015</td>" in page
    assert "1 changed" in result.summary()
    assert "CR-A: 40 -> 41 (+1)" in result.summary()
    assert result.render_matrix().splitlines()[2].split() == ["B", "1", "6", "0", "0"]


def test_engines_without_a_credit_decision_compare() -> None:
    """Key accounts only: every customer is '-' on both sides; rule hits still counted."""
    customers, events, as_of = _sample_inputs()
    engine = gr.Engine.from_packs(["key_accounts"])
    if any(d.name == "credit" for d in engine.program.decisions):
        pytest.skip("key_accounts requires credit")
    result = gr.compare(engine, engine, customers, events, as_of=as_of)
    assert result.transitions.rows() == [("-", "-", len(customers))]
    assert result.changed.is_empty()
    assert result.rule_hits.height > 0


def test_the_strict_pack_leaves_the_gap_ungraded() -> None:
    """credit -> credit_strict: CR-GAP customers move from B to '-' (ungraded), no direction."""
    customers, events, as_of = _sample_inputs()
    before, after = CHANGES["strict_pack"]
    result = gr.compare(before, after, customers, events, as_of=as_of)
    gap = result.rule_hits.filter(pl.col("rule_id") == "CR-GAP").row(0, named=True)
    assert (gap["before"], gap["after"]) == (2, 0)
    moved = result.changed.filter(pl.col("grade_after") == "-")
    assert moved.height == 2
    assert moved.get_column("direction").null_count() == 2
    assert "-" in result.matrix().columns
