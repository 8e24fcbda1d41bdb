"""Timelines: each point is ``Engine.evaluate`` at a monthly re-grade instant."""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from batch_helpers import tables
from batch_strategies import AS_OFS, customer_history, seeded_batch
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gridcrm_rules as gr
from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.sample import load_sample

DEFAULT = gr.Engine.default()


@given(st.dates(date(1995, 1, 1), date(2045, 1, 1)), st.integers(0, 40), st.integers(0, 86399))
def test_regrade_instants_are_month_starts_in_shanghai(start: date, months: int,
                                                       seconds: int) -> None:
    """Every instant is 00:00 Shanghai on a 1st, inside the range, one per month, none missed."""
    lo = datetime.combine(start, datetime.min.time(), SHANGHAI) + timedelta(seconds=seconds)
    hi = lo + relativedelta(months=months)
    try:
        got = gr.regrade_instants(lo, hi)
    except ValueError:
        assert lo.day != 1 or lo.time() != datetime.min.time()
        assert months == 0
        return
    assert all(t.day == 1 and t.time() == datetime.min.time() and t.tzinfo == SHANGHAI
               for t in got)
    assert all(lo <= t <= hi for t in got)
    assert all(b == a + relativedelta(months=1) for a, b in itertools.pairwise(got))
    assert got[0] - relativedelta(months=1) < lo
    assert got[-1] + relativedelta(months=1) > hi


def test_regrade_instants_refuse_what_they_cannot_do() -> None:
    """Another rhythm, a reversed range, a range without a month start: ValueError."""
    with pytest.raises(ValueError, match="every"):
        gr.regrade_instants("2026-01-01", "2026-03-01", every="week")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="before start"):
        gr.regrade_instants("2026-03-01", "2026-01-01")
    with pytest.raises(ValueError, match="no re-grade instant"):
        gr.regrade_instants("2026-01-02", "2026-01-31")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.sampled_from(AS_OFS).flatmap(
    lambda as_of: st.tuples(st.just(as_of), customer_history(as_of, "C1"))))
def test_a_timeline_is_evaluate_at_each_instant(data: Any) -> None:
    """Random histories around the edges: every point equals ``evaluate`` at its instant."""
    as_of, (customer, events) = data
    start, end = as_of - relativedelta(months=14), as_of + relativedelta(months=1)
    try:
        t = DEFAULT.timeline(customer, events, start=start, end=end)
    except Exception as exc:  # refused input: evaluate refuses it the same way
        with pytest.raises(type(exc)):
            DEFAULT.evaluate(customer, events, as_of=start)
        return
    assert [p.instant for p in t.points] == list(gr.regrade_instants(start, end))
    for p in t.points:
        assert p.decision == DEFAULT.evaluate(customer, events, as_of=p.instant)
        assert p.cutoff == (p.instant.date() - timedelta(days=1))
    ids = [i for p in t.points for i in p.events]
    assert len(ids) == len(set(ids))


def test_the_events_that_moved_a_grade() -> None:
    """A theft in February: the March point is D and names the theft."""
    t = gr.Engine.from_packs(["credit"]).timeline(
        {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"},
        [{"type": "theft_detected", "id": "e1", "at": "2026-02-10"}],
        start="2026-01-01", end="2026-04-01")
    assert t.grades()[-2:] == [(datetime(2026, 3, 1, tzinfo=SHANGHAI), "D"),
                               (datetime(2026, 4, 1, tzinfo=SHANGHAI), "D")]
    (move,) = t.changes()
    assert (move.instant.month, move.grade, move.rule_ids, move.events) == (3, "D", ("CR-D",),
                                                                           ("e1",))
    assert "<td>CR-D</td>" in t._repr_html_()
    assert t.rows()[2]["events"] == ["e1"]
    assert t.to_polars().get_column("grade").to_list() == ["A", "A", "D", "D"]


@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(data=seeded_batch(40))
def test_timeline_batch_is_evaluate_at_each_instant(data: Any) -> None:
    """Every (customer, instant) row equals ``evaluate`` there; refused rows at every instant."""
    as_of, histories = data
    start, end = as_of - relativedelta(months=5), as_of
    customers, events = tables(histories)
    table = DEFAULT.timeline_batch(customers, events, start=start, end=end, chunk_size=15)
    rows = {(r["customer_id"], r["instant"]): r for r in table.points.iter_rows(named=True)}
    refused = 0
    for customer, evs in histories:
        for instant in table.instants:
            try:
                d = DEFAULT.evaluate(customer, evs, as_of=instant)
            except Exception:
                refused += 1
                assert (customer["id"], instant) not in rows
                continue
            r = rows.pop((customer["id"], instant))
            assert d.credit is not None
            assert (r["grade"], r["computed_grade"], tuple(r["rule_ids"]), r["provisional"]) == (
                d.credit.grade, d.credit.computed_grade, d.credit.rule_ids, d.credit.provisional)
            assert r["open_tasks"] == sum(t.status != "on_time" for t in d.tasks)
            assert r["cutoff"] == d.trace.cutoff
    assert not rows
    if refused:
        assert table.errors.filter(pl.col("source") == "customers").height >= refused


def _sample() -> tuple[Any, list[dict[str, Any]], Any]:
    s = load_sample()
    rows = [{"customer_id": c["id"], **e} for c in s.customers for e in s.events_for(c["id"])]
    return s, rows, s.as_of


def test_timeline_batch_tables_on_the_sample(tmp_path: Path) -> None:
    """Grade mix, moves and one customer's rows agree with that customer's own timeline."""
    s, events, as_of = _sample()
    table = DEFAULT.timeline_batch(s.customers, events, start="2025-12-01", end=as_of)
    assert len(table.instants) == 12
    mix = table.grade_mix()
    per_instant = mix.group_by("instant").agg(pl.col("customers").sum())
    assert set(per_instant.get_column("customers")) == {len(s.customers)}
    cid = table.moves().get_column("customer_id")[0]
    mine = DEFAULT.timeline(s.customer(cid), s.events_for(cid), start="2025-12-01", end=as_of)
    assert table.for_customer(cid).get_column("grade").to_list() == [g for _, g in mine.grades()]
    moves = table.moves().filter(pl.col("customer_id") == cid)
    assert moves.height == len(mine.changes())
    paths = table.write(tmp_path)
    assert pl.read_parquet(paths["grade_mix"]).equals(mix)
    assert "grade mix" in table._repr_html_()


def test_importing_the_package_imports_no_polars() -> None:
    """``gr.compare`` and ``gr.Timeline`` are there without loading polars (core install)."""
    code = ("import sys, gridcrm_rules as gr, gridcrm_rules.impact as i; "
            "gr.compare; gr.Timeline; gr.regrade_instants; "
            "assert 'polars' not in sys.modules, 'polars imported'; "
            "i.Comparison; assert 'polars' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
