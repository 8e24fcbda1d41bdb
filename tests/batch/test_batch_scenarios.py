"""Every scenario file under tests/scenarios/ through every backend: both must agree.

STYLE.md asks that the same scenarios run through both backends.  Each file is
evaluated by ``Engine.evaluate`` (the per-customer Python backend) and by
``Engine.evaluate_batch`` (the columnar polars backend) on the engine the file
names; the decisions-table rows (grade, rule ids, every fact, every decision
output, entitlements, event counts) and the tasks tables must be equal, and a
scenario one backend refuses the other must refuse too.  This is independent of
the scenario's own expectations, which tests/test_scenarios.py checks.

The equivalence generator (batch_strategies.py) covers random histories; these
files add the hand-made boundary cases of every regulation area.

Mutation check (issue 17), run on 2026-12-02 over this module,
test_batch_equivalence.py, tests/test_scenarios.py and tests/test_windows.py
(451 tests):

* cutoff one day earlier in the batch backend only (``consts["cutoff"]`` in
  batch/decide.py): before the shared definition 0 tests failed (the issue: 0
  of 940; re-run here on tests/batch with this module: 0 of 294); now 1 fails
  (``test_batch_equals_scalar_on_the_shared_windows``: the fixture pack
  windows_probe.yaml outputs ``cutoff`` and compares facts with it -- no built-in
  pack reads ``cutoff`` directly, so no scenario file can see this mutation).
* theft window one day shorter in the columnar credit facts only (``since`` in
  batch/columnar_facts.py, now areas/credit/columnar_facts.py): 10 fail -- 7
  equivalence properties and 3 scenario files (theft/violation exactly three
  years before, the UTC instant on the Shanghai boundary day).

Both windows now have one definition (gridcrm_rules/windows.py) that both
backends call, so a change there moves both backends and is caught by the
scenario expectations and tests/test_windows.py instead.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from batch_helpers import assert_equivalent

from gridcrm_rules import Engine
from gridcrm_rules.errors import GridcrmError
from gridcrm_rules.scenarios import Scenario, find_scenarios, load_scenario
from gridcrm_rules.testing import ScenarioRunner

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FILES = find_scenarios(SCENARIOS)


def _plain(value: Any) -> Any:
    """A YAML value as a table cell: dates and datetimes as ISO text, the rest unchanged."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _history(scenario: Scenario) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    customer = {k: _plain(v) for k, v in scenario.customer.items()}
    events = [{k: _plain(v) for k, v in e.items()} for e in scenario.events]
    return customer, events


@pytest.fixture(scope="module")
def runner() -> ScenarioRunner:
    """One runner, so each (packs, params) engine is built once."""
    return ScenarioRunner()


def test_every_scenario_folder_is_collected() -> None:
    """All five regulation areas' scenario folders are run, over 200 files in all."""
    areas = {f.relative_to(SCENARIOS).parts[0] for f in FILES}
    assert areas >= {"credit", "entitlements", "callbacks", "key_accounts", "service_quality"}
    assert len(FILES) > 200


@pytest.mark.parametrize("path", FILES, ids=[str(f.relative_to(SCENARIOS)) for f in FILES])
def test_scenario_agrees_in_both_backends(path: Path, runner: ScenarioRunner) -> None:
    """Batch and per-customer evaluation give the same rows and tasks, or both refuse."""
    scenario = load_scenario(path)
    try:
        engine = runner.engine_for(scenario)
    except GridcrmError:
        # No engine, so neither backend can run: only a scenario expecting an error may.
        assert scenario.expect.error is not None
        return
    customer, events = _history(scenario)
    refusal = _whole_batch_refusal(engine, customer, events, scenario)
    if refusal is not None:
        # Refused as a whole (e.g. a naive as_of): evaluate refuses it the same way.
        with pytest.raises(type(refusal), match=re.escape(str(refusal))):
            engine.evaluate(scenario.customer, scenario.events, as_of=scenario.as_of)
        return
    assert_equivalent(engine, [(customer, events)], scenario.as_of)


def _whole_batch_refusal(
    engine: Engine, customer: dict[str, Any], events: list[dict[str, Any]], scenario: Scenario
) -> Exception | None:
    """The exception ``evaluate_batch`` raises for the whole call, if any."""
    rows = [{"customer_id": customer.get("id"), **e} for e in events]
    try:
        engine.evaluate_batch([customer], rows, as_of=scenario.as_of)
    except (GridcrmError, ValueError) as exc:
        return exc
    return None
