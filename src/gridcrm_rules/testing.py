"""Test helpers shipped as public API: turn a folder of scenarios into pytest cases.

In a pack's test suite::

    import pytest
    from gridcrm_rules.testing import ScenarioRunner, assert_scenario, scenario_cases

    @pytest.fixture(scope="session")
    def runner():
        return ScenarioRunner(packs=["my_pack.yaml"])   # engines built once per session

    @pytest.mark.parametrize("scenario", scenario_cases("tests/scenarios"))
    def test_scenario(scenario, runner):
        assert_scenario(scenario, runner=runner)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .scenarios import Scenario, ScenarioRunner, find_scenarios, load_scenario, run_scenarios

__all__ = ["ScenarioRunner", "assert_scenario", "run_scenarios", "scenario_cases"]


def scenario_cases(path: str | Path) -> list[Any]:
    """One ``pytest.param`` per scenario file under ``path``, with its relative path as id."""
    import pytest

    root = Path(path)
    return [
        pytest.param(load_scenario(p), id=str(p.relative_to(root)) if root.is_dir() else p.name)
        for p in find_scenarios(root)
    ]


def assert_scenario(scenario: Scenario, *, runner: ScenarioRunner | None = None) -> None:
    """Fail with the readable diff when ``scenario`` does not hold."""
    result = (runner or ScenarioRunner()).run(scenario)
    if not result.passed:
        raise AssertionError(result.report())
