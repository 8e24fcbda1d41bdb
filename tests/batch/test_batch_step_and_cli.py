"""The scalar decision step (facts in, grade and trace out) and ``gridcrm-rules evaluate``."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import gridcrm_rules as gr
from gridcrm_rules.cli import main
from gridcrm_rules.engine.step import DecisionStep
from gridcrm_rules.sample import load_sample
from gridcrm_rules.sample.frames import population_frames

AS_OF = "2026-11-22T09:00:00+08:00"


def test_step_gives_the_engine_hits_on_the_sample() -> None:
    """Rule ids, values and reads equal the engine's trace for every sample customer."""
    engine = gr.Engine.from_packs(["credit"])
    credit = next(d for d in engine.program.decisions if d.name == "credit")
    step = DecisionStep(credit)
    sample = load_sample()
    for customer in sample.customers:
        d = engine.evaluate(customer, sample.events_for(customer["id"]), as_of=AS_OF)
        assert d.credit is not None
        env = {**d.credit.facts, **{f"params.{k}": v for k, v in engine.params.items()}}
        result = step(env)
        assert result.rule_ids == d.credit.rule_ids
        assert result.values["grade"] == d.credit.computed_grade
        assert [dict(h.reads) for h in result.hits] == [h.reads for h in d.trace.hits]
        assert step.first_rule(env) == (result.rule_ids[0], result.values)


def test_cli_writes_three_tables_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``evaluate --customers --events --as-of --out`` writes Parquet and one summary line."""
    from datetime import date

    from gridcrm_rules.sample import generate_population

    c, e = generate_population(200, seed=2, as_of=date(2026, 11, 1))
    cust, ev = population_frames(c, e)
    cust.write_parquet(tmp_path / "customers.parquet")
    ev.write_parquet(tmp_path / "events.parquet")
    code = main(["evaluate", "--customers", str(tmp_path / "customers.parquet"), "--events",
                 str(tmp_path / "events.parquet"), "--as-of", "2026-11-01", "--out",
                 str(tmp_path / "results"), "--pack", "credit", "--no-progress",
                 "--param", "year_window=rolling_12m"])
    assert code == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("200 rows, grades A=")
    assert "0 errors" in line
    decisions = pl.read_parquet(tmp_path / "results" / "decisions.parquet")
    assert decisions.height == 200
    assert pl.read_parquet(tmp_path / "results" / "errors.parquet").height == 0
    assert (tmp_path / "results" / "tasks.parquet").exists()
