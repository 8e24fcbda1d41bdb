"""The charts carry the numbers of the results they draw."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import gridcrm_rules as gr
from gridcrm_rules.impact import plots
from gridcrm_rules.sample import load_sample

DEFAULT = gr.Engine.default()


def _values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline data rows of a chart specification (layered or not)."""
    datasets = spec.get("datasets", {})
    return [row for rows in datasets.values() for row in rows] or spec["data"]["values"]


@pytest.fixture(scope="module")
def sample() -> tuple[Any, list[dict[str, Any]]]:
    s = load_sample()
    return s, [{"customer_id": c["id"], **e} for c in s.customers for e in s.events_for(c["id"])]


def test_heatmap_cells_are_the_transition_counts(sample: Any, tmp_path: Path) -> None:
    """Every (before, after) cell holds the transition count; the chart saves as HTML."""
    s, events = sample
    result = gr.compare(DEFAULT, DEFAULT.with_params(year_window="calendar_year"),
                        s.customers, events, as_of=s.as_of)
    chart = result.plot()
    spec = chart.to_dict()
    cells = {(v["before"], v["after"]): v["customers"] for v in _values(spec)}
    assert cells[("B", "A")] == 1
    assert sum(cells.values()) == len(s.customers)
    assert spec["layer"][0]["encoding"]["x"]["sort"] == ["A", "B", "C", "D"]
    chart.save(tmp_path / "matrix.html")
    assert "vega" in (tmp_path / "matrix.html").read_text()


def test_grade_mix_area_stacks_every_customer(sample: Any) -> None:
    """At each instant the stacked areas add up to the customers decided."""
    s, events = sample
    table = DEFAULT.timeline_batch(s.customers, events, start="2026-06-01", end=s.as_of)
    spec = table.plot().to_dict()
    totals: dict[str, int] = {}
    for v in _values(spec):
        totals[v["instant"]] = totals.get(v["instant"], 0) + v["customers"]
    assert set(totals.values()) == {len(s.customers)}
    assert len(totals) == len(table.instants)
    assert spec["encoding"]["y"]["stack"] == "zero"


def test_grade_timeline_marks_the_moving_events() -> None:
    """The timeline chart has one point per instant and names the theft that moved it."""
    t = gr.Engine.from_packs(["credit"]).timeline(
        {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"},
        [{"type": "theft_detected", "id": "e1", "at": "2026-02-10"}],
        start="2026-01-01", end="2026-04-01")
    spec = plots.grade_timeline(t).to_dict()
    rows = _values(spec)
    assert [r["grade"] for r in rows] == ["A", "A", "D", "D"]
    assert [r["events"] for r in rows] == ["", "", "e1", ""]
    assert json.dumps(spec).count("datum.events != ''") == 1


def test_the_core_does_not_import_altair() -> None:
    """Importing the package and running a timeline loads no plotting library."""
    code = ("import sys, gridcrm_rules as gr, gridcrm_rules.impact; "
            "assert 'altair' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
