"""KA-L1 checks and the key-account profile through the engine (what scenarios cannot say:
that a list is empty)."""

from __future__ import annotations

from typing import Any

import pytest

import gridcrm_rules as gr

AS_OF = "2026-11-22T09:00:00+08:00"
ALL_NEW = ["mining_licence", "project_approval", "safety_chapter", "preliminary_design"]
ALL_NEW.append("eia_approval")


@pytest.fixture(scope="module")
def engine() -> gr.Engine:
    """The key_accounts pack alone."""
    return gr.Engine.from_packs(["key_accounts"])


def mine(**extra: Any) -> dict[str, Any]:
    """A grade-1 important coal mine at 35 kV."""
    return {
        "id": "M1",
        "category": "dedicated_transformer",
        "supply_voltage_kv": 35,
        "transformer_kva": 8000,
        "usage_nature": "industrial",
        "org_type": "enterprise",
        "important_grade": 1,
        "mine_type": "coal",
        **extra,
    }


def applied(aid: str, business: str, docs: list[str], at: str = "2026-10-08") -> dict[str, Any]:
    """A business application with the documents submitted."""
    return {
        "type": "business_applied",
        "id": aid,
        "at": at,
        "business": business,
        "documents": docs,
    }


def checks(engine: gr.Engine, customer: dict[str, Any], events: list[Any]) -> tuple[str, ...]:
    """The KA checks of one evaluation."""
    d = engine.evaluate(customer, events, as_of=AS_OF)
    assert d.key_account is not None
    return d.key_account.checks


@pytest.mark.parametrize("sources", ["two_substations", "two_bus_sections"])
def test_two_sources_pass(engine: gr.Engine, sources: str) -> None:
    """Two substations, or two bus sections of one (allowed by default), raise nothing."""
    assert checks(engine, mine(supply_sources=sources), []) == ()


def test_complete_applications_pass(engine: gr.Engine) -> None:
    """Complete new-installation and capacity-increase applications raise nothing."""
    six = [
        "mining_licence",
        "mine_manager_qualification",
        "mine_manager_safety_qualification",
        "safety_production_licence",
        "coal_production_licence",
        "business_licence",
    ]
    events = [applied("a1", "new", ALL_NEW), applied("a2", "capacity_increase", six)]
    assert checks(engine, mine(supply_sources="two_substations"), events) == ()


def test_only_the_latest_application_is_checked(engine: gr.Engine) -> None:
    """A complete resubmission clears the check of an earlier incomplete application."""
    events = [applied("a1", "new", [], at="2026-09-01"), applied("a3", "new", ALL_NEW)]
    assert checks(engine, mine(supply_sources="two_substations"), events) == ()
    later_incomplete = [applied("a3", "new", ALL_NEW), applied("a4", "new", [], at="2026-11-01")]
    found = checks(engine, mine(supply_sources="two_substations"), later_incomplete)
    assert len(found) == 1
    assert "application a4 lacks" in found[0]


def test_checks_only_for_grade_1_and_mines(engine: gr.Engine) -> None:
    """Grade 2 customers are not checked; the document checks need a mine (coal for 六证)."""
    events = [applied("a1", "new", []), applied("a2", "capacity_increase", [])]
    assert checks(engine, mine(important_grade=2), events) == ()
    not_a_mine = checks(engine, mine(mine_type=None, supply_sources="single"), events)
    assert [c.split(":")[1].strip() for c in not_a_mine] == [
        "grade-1 important customer without two supply sources from different substations"
    ]
    non_coal = checks(engine, mine(mine_type="non_coal", supply_sources="two_substations"), events)
    assert len(non_coal) == 1
    assert non_coal[0].startswith("KA-L1: new-installation")


def test_checks_appear_in_explain(engine: gr.Engine) -> None:
    """explain() lists each check under the key-account line."""
    d = engine.evaluate(mine(supply_sources="single"), [], as_of=AS_OF)
    text = d.explain()
    assert "Key account: general=False important=True category=special" in text
    assert "  check: KA-L1: grade-1 important customer without two supply sources" in text


def test_default_engine_profile_for_a_plain_household() -> None:
    """A household with no consumption records is no key account and is served by the CSC."""
    d = gr.Engine.default().evaluate(
        {"id": "H1", "category": "residential", "supply_voltage_kv": "0.22"}, [], as_of=AS_OF
    )
    assert d.key_account == gr.KeyAccountProfile(route="customer_service_center")
    assert not [t for t in d.tasks if t.clause.startswith("KA-")]


def test_bundled_sample_key_accounts_match_its_expectations() -> None:
    """KA-GEN and KA-IMP agree with the sample's expected values for all its customers."""
    from gridcrm_rules.sample import load_sample

    sample = load_sample()
    engine = gr.Engine.from_packs(["key_accounts"])
    for c in sample.customers:
        d = engine.evaluate(c, sample.events_for(c["id"]), as_of=sample.as_of)
        expected = sample.expected[c["id"]]
        assert d.key_account is not None
        assert d.key_account.general is expected["key_account_general"], c["id"]
        assert d.key_account.important is expected["important"], c["id"]
