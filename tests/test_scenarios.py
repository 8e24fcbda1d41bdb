"""Every scenario file under tests/scenarios/, run through the public test helper.

This is the pattern DESIGN.md promises pack authors: ``scenario_cases`` turns a
folder into pytest cases and ``assert_scenario`` fails with the readable diff.
Other folders (callbacks, entitlements, ...) are picked up automatically.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gridcrm_rules.scenarios import load_scenario
from gridcrm_rules.testing import ScenarioRunner, assert_scenario, scenario_cases

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
CREDIT = SCENARIOS / "credit"


@pytest.fixture(scope="session")
def runner() -> ScenarioRunner:
    """One runner for the session, so each (packs, params) engine is built once."""
    return ScenarioRunner()


@pytest.mark.parametrize("scenario", scenario_cases(SCENARIOS))
def test_scenario(scenario, runner: ScenarioRunner) -> None:
    """The scenario's expectations hold for the engine it names (default: built-in packs)."""
    assert_scenario(scenario, runner=runner)


def test_credit_folder_has_enough_boundary_scenarios() -> None:
    """The credit folder keeps at least 30 scenarios, each with a distinct name."""
    files = sorted(CREDIT.glob("*.yaml"))
    names = [load_scenario(f).name for f in files]
    assert len(files) >= 30
    assert len(set(names)) == len(names)


def test_every_credit_rule_is_exercised_by_a_scenario(runner: ScenarioRunner) -> None:
    """Across the credit scenarios, every rule of the credit pack fires at least once."""
    fired: set[str] = set()
    for file in sorted(CREDIT.glob("*.yaml")):
        scenario = load_scenario(file)
        if scenario.expect.error is not None:
            continue
        engine = runner.engine_for(scenario)
        decision = engine.evaluate(scenario.customer, scenario.events, as_of=scenario.as_of)
        assert decision.credit is not None
        fired.update(decision.credit.rule_ids)
    assert fired >= {"CR-A", "CR-B", "CR-C", "CR-D", "CR-GAP"}


def test_scenario_cases_ids_are_relative_paths() -> None:
    """Case ids are paths relative to the folder, so a failure names its file."""
    ids = [case.id for case in scenario_cases(SCENARIOS)]
    assert "credit/theft_exactly_three_years_before.yaml" in ids
    assert all(not Path(i).is_absolute() for i in ids)


def test_assert_scenario_raises_with_the_diff(fixtures_dir: Path) -> None:
    """A failing scenario raises AssertionError whose text names expected and got values."""
    scenario = load_scenario(fixtures_dir / "failing_scenarios" / "theft_is_not_a.yaml")
    with pytest.raises(AssertionError) as info:
        assert_scenario(scenario)
    text = str(info.value)
    assert "FAILED" in text
    assert 'credit.grade: expected "A", got "D"' in text


def test_runner_builds_one_engine_per_pack_and_params_combination() -> None:
    """Scenarios sharing packs and params share one engine; other params get another."""
    runner = ScenarioRunner()
    default = load_scenario(CREDIT / "theft_exactly_three_years_before.yaml")
    same = load_scenario(CREDIT / "paid_late_within_year_is_b.yaml")
    other = load_scenario(CREDIT / "calendar_year_window_sees_january.yaml")
    assert runner.engine_for(default) is runner.engine_for(same)
    assert runner.engine_for(default) is not runner.engine_for(other)
    assert runner.engine_for(other).params["year_window"] == "calendar_year"


def test_runner_reports_an_unknown_expectation_key(tmp_path: Path) -> None:
    """A credit key that is neither a result field nor a fact is a failure, not a silent pass."""
    path = tmp_path / "typo.yaml"
    path.write_text(
        "name: typo\nas_of: 2026-11-22T09:00:00+08:00\n"
        "customer: {id: C1, category: residential, supply_voltage_kv: 0.22}\n"
        "expect:\n  credit: {grade: A, arrears_amout: 0}\n",
        encoding="utf-8",
    )
    (result,) = ScenarioRunner().run_path(path)
    assert result.diffs == ("credit.arrears_amout: expected 0, but there is no such field",)


def test_runner_wrong_error_substring_is_a_failure(tmp_path: Path) -> None:
    """An expected error substring that does not occur reports the actual message."""
    path = tmp_path / "err.yaml"
    path.write_text(
        "name: err\nas_of: 2026-11-22T09:00:00+08:00\n"
        "customer: {id: C1, category: residental, supply_voltage_kv: 0.22}\n"
        "expect: {error: duplicate}\n",
        encoding="utf-8",
    )
    (result,) = ScenarioRunner().run_path(path)
    assert not result.passed
    assert result.diffs[0].startswith("expected an error containing 'duplicate', got: ")
    assert "category" in result.diffs[0]
