"""The shipped JSON Schemas of pack and scenario files: complete, current, and strict.

Editors validate pack files with ``# yaml-language-server: $schema=...``; these
tests keep the shipped files equal to what the models generate, check every
built-in pack, example pack and scenario against them, and show that a misspelt
key deep inside a rule fails.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from gridcrm_rules.cli import main
from gridcrm_rules.packs import BUILTIN_PACKS
from gridcrm_rules.packs.json_schema import json_schema, render, shipped

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(str(resources.files("gridcrm_rules")))  # BUILTIN_PACKS paths are relative to it
EXAMPLE_PACKS = sorted((ROOT / "examples" / "packs").glob("*.yaml"))
SCENARIOS = sorted((ROOT / "tests" / "scenarios").rglob("*.yaml"))


def as_json(path: Path) -> Any:
    """A YAML file as an editor's language server sees it (dates are strings)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(shipped(kind))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _without_patterns(schema: Any) -> Any:
    """The schema without ``pattern`` keys and with each ``anyOf`` free of repeats:
    pydantic releases differ in how they render a Decimal's string form (a pattern or
    none, one ``anyOf`` branch or two), which says nothing about the pack format."""
    if isinstance(schema, dict):
        out = {k: _without_patterns(v) for k, v in schema.items() if k != "pattern"}
        if isinstance(out.get("anyOf"), list):
            unique: list[Any] = []
            for branch in out["anyOf"]:
                if branch not in unique:
                    unique.append(branch)
            out["anyOf"] = unique
        return out
    if isinstance(schema, list):
        return [_without_patterns(v) for v in schema]
    return schema


@pytest.mark.parametrize("kind", ["pack", "scenario"])
def test_shipped_schema_equals_the_generated_one(kind: str) -> None:
    """Regenerate with:
    gridcrm-rules schema KIND --generate > src/gridcrm_rules/schemas/KIND.schema.json"""
    generated = json.loads(render(json_schema(kind)))
    assert _without_patterns(json.loads(shipped(kind))) == _without_patterns(generated)


@pytest.mark.parametrize("kind", ["pack", "scenario"])
def test_cli_schema_prints_the_shipped_file(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``gridcrm-rules schema pack > pack.schema.json`` writes exactly the shipped file."""
    assert main(["schema", kind]) == 0
    assert capsys.readouterr().out == shipped(kind)


def test_pack_schema_describes_every_level() -> None:
    """Decisions, rules, outputs, parameters and sources are spelt out, with enums."""
    schema = json.loads(shipped("pack"))
    defs = schema["$defs"]
    assert {"DecisionSpec", "DecisionPatch", "RuleSpec", "OutputSpec", "ParamSpec",
            "SourceSpec", "DeclaredRegion"} <= set(defs)
    for name, model in defs.items():
        assert model["additionalProperties"] is False, name
        for key, prop in model["properties"].items():
            assert prop.get("description"), f"{name}.{key} has no description"
    assert defs["DecisionSpec"]["properties"]["hit_policy"]["enum"] == [
        "first", "unique", "priority", "collect"]
    assert set(defs["OutputSpec"]["properties"]["type"]["enum"]) == {
        "bool", "number", "str", "date", "datetime"}
    assert set(defs["DecisionSpec"]["properties"]["emits"]["enum"]) == {
        "value", "entitlement", "task"}


@pytest.mark.parametrize("filename", sorted(BUILTIN_PACKS.values()))
def test_every_builtin_pack_is_valid(filename: str) -> None:
    """Each shipped pack passes its own schema."""
    errors = list(validator("pack").iter_errors(as_json(DATA / filename)))
    assert errors == [], [e.message for e in errors]


@pytest.mark.parametrize("path", EXAMPLE_PACKS, ids=lambda p: p.name)
def test_every_example_pack_is_valid(path: Path) -> None:
    """The example packs under examples/packs pass the schema."""
    errors = list(validator("pack").iter_errors(as_json(path)))
    assert errors == [], [e.message for e in errors]


def test_every_shipped_scenario_is_valid() -> None:
    """Every scenario file of the suite passes the scenario schema."""
    check = validator("scenario")
    bad = {str(p): [e.message for e in check.iter_errors(as_json(p))] for p in SCENARIOS}
    assert SCENARIOS
    assert {p: m for p, m in bad.items() if m} == {}


def test_a_misspelt_rule_key_fails_the_schema() -> None:
    """'whn' inside a rule of a patch is refused, as the loader refuses it."""
    pack = {
        "name": "my_credit",
        "extends": "credit",
        "decisions": {"credit": {"rules": [{"id": "CR-A", "whn": "True"}]}},
    }
    errors = list(validator("pack").iter_errors(pack))
    assert errors
    assert any("whn" in str(e) for e in errors)
    pack["decisions"]["credit"]["rules"][0] = {"id": "CR-A", "when": "True"}
    assert list(validator("pack").iter_errors(pack)) == []


def test_a_misspelt_hit_policy_value_fails_the_schema() -> None:
    """An enum value outside the hit policies is refused."""
    pack = {"name": "x", "decisions": {"d": {"hit_policy": "firts", "rules": []}}}
    assert list(validator("pack").iter_errors(pack))


def test_a_misspelt_scenario_key_fails_the_schema() -> None:
    """'expcet' at the top of a scenario is refused."""
    scenario = {"name": "x", "as_of": "2026-11-22", "customer": {}, "expcet": {}}
    messages = [e.message for e in validator("scenario").iter_errors(scenario)]
    assert any("expcet" in m for m in messages)
    assert any("'expect' is a required property" in m for m in messages)
