"""``--pack`` adds to the built-in packs, ``--only`` replaces them, a missing file is exit 2.

Includes the pack maintainer's round trip: extend ``credit``, change
``year_window``, run the shipped scenarios with ``--pack`` and see only the
scenarios that really depend on the window fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import gridcrm_rules as gr
from gridcrm_rules.cli import main
from gridcrm_rules.engine import PackSelection
from gridcrm_rules.scenarios import ScenarioRunner, load_scenario

CALENDAR_YEAR = "name: my_credit\nextends: credit\nparams:\n  year_window: calendar_year\n"


@pytest.fixture
def my_credit(tmp_path: Path) -> Path:
    """A maintainer's pack: the built-in credit rules with a calendar-year window."""
    path = tmp_path / "my_credit.yaml"
    path.write_text(CALENDAR_YEAR, encoding="utf-8")
    return path


def _decisions(engine: gr.Engine) -> set[str]:
    return {d.name for d in engine.program.decisions}


def test_pack_adds_to_the_defaults_and_replaces_the_one_it_extends(my_credit: Path) -> None:
    """``--pack my_credit.yaml`` keeps every default decision and drops the plain credit pack."""
    added = PackSelection((str(my_credit),)).engine()
    default = gr.Engine.default()
    assert _decisions(added) == _decisions(default)
    names = [p.name for p in added.packs]
    assert "my_credit" in names
    assert "credit" not in names  # provided by my_credit's lineage
    assert added.params["year_window"] == "calendar_year"


def test_only_runs_exactly_the_named_packs(my_credit: Path) -> None:
    """``--only`` gives the pack and its requirements, nothing else."""
    only = PackSelection((str(my_credit),), include_defaults=False).engine()
    assert _decisions(only) == {"credit"}


def test_maintainer_round_trip_shows_only_the_real_differences(
    my_credit: Path, scenarios_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Changing year_window fails exactly the scenarios written for the rolling window."""
    code = main(["test", str(scenarios_dir), "--pack", str(my_credit)])
    out = capsys.readouterr().out
    assert code == 1
    failed = sorted(re.findall(r"^FAILED .*\((.*\.yaml)\)$", out, flags=re.MULTILINE))
    assert [Path(f).name for f in failed] == [
        "had_arrears_bill_due_day_before_window_paid_inside_is_b.yaml",
        "rolling_window_first_day_is_inside.yaml",
        "rolling_window_sees_last_december.yaml",
    ]
    passed, failed_count = map(int, re.findall(r"(\d+) passed, (\d+) failed", out)[-1])
    assert failed_count == 3
    assert passed > 150  # entitlements, tasks and key accounts still ran


def test_pack_without_changes_passes_every_shipped_scenario(
    tmp_path: Path, scenarios_dir: Path
) -> None:
    """A pack that extends credit and changes nothing fails no scenario (nothing was dropped)."""
    same = tmp_path / "same.yaml"
    same.write_text("name: same_credit\nextends: credit\n", encoding="utf-8")
    results = ScenarioRunner(packs=[str(same)]).run_path(scenarios_dir)
    assert results
    assert [r.report() for r in results if not r.passed] == []


def test_scenario_packs_keep_their_meaning(tmp_path: Path, my_credit: Path) -> None:
    """A scenario naming ``packs: [credit_strict]`` runs exactly that pack, whatever --pack says."""
    (tmp_path / "s.yaml").write_text(
        "name: strict only\nas_of: 2026-11-22T09:00:00+08:00\npacks: [credit_strict]\n"
        "customer: {id: C1, category: residential, supply_voltage_kv: '0.22'}\n"
        "expect: {outcomes: {credit: {rule_ids: []}}}\n",
        encoding="utf-8",
    )
    runner = ScenarioRunner(packs=[str(my_credit)])
    engine = runner.engine_for(load_scenario(tmp_path / "s.yaml"))
    assert [p.name for p in engine.packs] == ["credit_strict"]


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--pack", "missing.yaml"],
        ["test", "tests/scenarios/credit", "--pack", "missing.yaml"],
        ["verify", "--pack", "missing.yaml"],
        ["verify", "--only", "missing.yaml"],
        ["evaluate", "--customers", "c.csv", "--as-of", "2026-11-01", "--out", "o",
         "--pack", "missing.yaml"],
    ],
)
def test_a_missing_pack_file_is_one_error_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command that takes packs stops with one message and exit 2."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == "error: pack file not found: missing.yaml"
    assert "passed" not in captured.out


def test_an_unknown_pack_name_is_one_error_naming_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``test --pack no_such_pack`` is exit 2 with the known names, not one failure per file."""
    assert main(["test", "tests/scenarios/credit", "--pack", "no_such_pack"]) == 2
    err = capsys.readouterr().err
    assert "no pack named 'no_such_pack'" in err
    assert "credit_strict" in err


def test_demo_with_a_pack_runs_every_section(
    my_credit: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``demo --pack`` explains entitlements and key accounts, as the plain demo does."""
    assert main(["demo", "--explain"]) == 0
    plain = capsys.readouterr().out
    assert main(["demo", "--explain", "--pack", str(my_credit)]) == 0
    added = capsys.readouterr().out
    for section in ("Entitlements:", "Key account:"):
        assert (section in plain) == (section in added)
    assert "my_credit" in added


def test_evaluate_with_a_pack_writes_every_column(
    tmp_path: Path, my_credit: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``evaluate --pack`` writes the same columns as ``evaluate`` with the defaults."""
    pl = pytest.importorskip("polars")
    from datetime import date

    from gridcrm_rules.sample import generate_population
    from gridcrm_rules.sample.frames import population_frames

    c, e = generate_population(30, seed=3, as_of=date(2026, 11, 1))
    cust, ev = population_frames(c, e)
    cust.write_parquet(tmp_path / "c.parquet")
    ev.write_parquet(tmp_path / "e.parquet")
    base = ["evaluate", "--customers", str(tmp_path / "c.parquet"), "--events",
            str(tmp_path / "e.parquet"), "--as-of", "2026-11-01", "--no-progress"]
    assert main([*base, "--out", str(tmp_path / "plain")]) == 0
    assert main([*base, "--out", str(tmp_path / "mine"), "--pack", str(my_credit)]) == 0
    assert main([*base, "--out", str(tmp_path / "only"), "--only", str(my_credit)]) == 0
    capsys.readouterr()
    columns = {
        name: pl.read_parquet(tmp_path / name / "decisions.parquet").columns
        for name in ("plain", "mine", "only")
    }
    assert columns["mine"] == columns["plain"]
    assert len(columns["only"]) < len(columns["plain"])
