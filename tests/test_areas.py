"""The area contract: every regulation area has the same shape, and the tables agree.

One literal table names each area's built-in packs, fact providers, docs page and
scenario folder (docs/architecture.md).  Every area passes the same checks, and every
built-in pack and provider belongs to exactly one area, so the table, the pack
registry and ``builtin.BUILTIN_PROVIDERS`` cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import gridcrm_rules as gr
from gridcrm_rules.builtin import BUILTIN_PROVIDERS
from gridcrm_rules.packs import PackRegistry
from gridcrm_rules.packs.registry import BUILTIN_PACKS

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Area:
    """What one regulation area consists of."""

    name: str
    packs: tuple[str, ...]
    providers: tuple[str, ...]
    doc: str


AREAS = (
    Area("credit", ("credit", "credit_strict", "credit_tasks"), ("credit",), "credit.md"),
    Area("entitlements", ("entitlements",), (), "entitlements.md"),
    Area("callbacks", ("callbacks",), (), "deadlines.md"),
    Area("key_accounts", ("key_accounts", "key_account_duties"),
         ("consumption", "key_account_records"),
         "key_accounts.md"),
    Area("service_quality", ("service_quality",), ("supply_voltage",), "service_quality.md"),
)
REGISTRY = PackRegistry.builtin()
PROVIDERS = {p.name: p for p in BUILTIN_PROVIDERS}


def test_every_built_in_pack_and_provider_belongs_to_one_area() -> None:
    """The area table, the pack registry and the provider list name the same things."""
    packs = [p for a in AREAS for p in a.packs]
    providers = [p for a in AREAS for p in a.providers]
    assert sorted(packs) == sorted(BUILTIN_PACKS)
    assert sorted(providers) == sorted(PROVIDERS)


@pytest.mark.parametrize("area", AREAS, ids=[a.name for a in AREAS])
def test_every_rule_of_the_area_cites_its_regulation(area: Area) -> None:
    """Each rule of the area's packs names a clause or a document it implements."""
    for name in area.packs:
        spec = REGISTRY.get(name).spec
        for dname, decision in spec.decisions.items():
            for rule in decision.get("rules", ()):
                source = rule.get("source") or {}
                assert source.get("clause") or source.get("document"), (name, dname, rule["id"])


@pytest.mark.parametrize("area", AREAS, ids=[a.name for a in AREAS])
def test_the_area_has_docs_and_scenarios_run_through_both_backends(area: Area) -> None:
    """A docs page, and at least ten scenario files (tests/batch/test_batch_scenarios.py
    runs each through both backends)."""
    assert (ROOT / "docs" / area.doc).is_file()
    scenarios = sorted((ROOT / "tests" / "scenarios" / area.name).glob("*.yaml"))
    assert len(scenarios) >= 10


@pytest.mark.parametrize("area", AREAS, ids=[a.name for a in AREAS])
def test_the_area_facts_are_documented_and_parameterised_by_its_packs(area: Area) -> None:
    """Every fact has a docstring; every parameter a provider reads is declared by a pack
    the default engine loads."""
    params = gr.Engine.default().params
    for name in area.providers:
        provider = PROVIDERS[name]
        assert set(provider.docs) == set(provider.provides), name
        assert all(provider.docs.values()), name
        assert set(provider.params) <= set(params), name


@pytest.mark.parametrize("area", AREAS, ids=[a.name for a in AREAS])
def test_the_area_packs_load_in_the_default_engine_or_extend_it(area: Area) -> None:
    """Each pack of the area loads alone or on top of the packs it extends/requires."""
    for name in area.packs:
        engine = gr.Engine.from_packs([name]) if name != "credit_tasks" else (
            gr.Engine.from_packs(["credit", "credit_tasks"]))
        assert engine.program.decisions, name


def test_columnar_twins_are_found_through_the_provider() -> None:
    """The credit provider names its twin beside it; a broken path is an ImportError."""
    from dataclasses import replace

    from gridcrm_rules.areas.credit.columnar_facts import credit_columnar
    from gridcrm_rules.batch.columnar_context import columnar_for

    assert columnar_for(PROVIDERS["credit"]) is credit_columnar
    assert columnar_for(PROVIDERS["supply_voltage"]) is None
    broken = replace(PROVIDERS["credit"], columnar="gridcrm_rules.areas.credit:nope")
    with pytest.raises(ImportError, match="facts 'credit': columnar twin"):
        columnar_for(broken)
