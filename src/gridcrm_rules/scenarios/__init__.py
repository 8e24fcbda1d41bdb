"""Scenario files: how pack authors test packs (DESIGN.md "Scenario files")."""

from .builtin import builtin_scenarios
from .compare import same
from .model import Expectation, Scenario, load_scenario
from .runner import ScenarioResult, ScenarioRunner, check_decision, find_scenarios, run_scenarios

__all__ = [
    "Expectation",
    "Scenario",
    "ScenarioResult",
    "ScenarioRunner",
    "builtin_scenarios",
    "check_decision",
    "find_scenarios",
    "load_scenario",
    "run_scenarios",
    "same",
]
