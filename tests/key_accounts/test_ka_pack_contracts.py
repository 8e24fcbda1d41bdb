"""The entitlements, key_accounts and service_quality packs: citations, codes, defaults."""

from __future__ import annotations

from itertools import product

import pytest

import gridcrm_rules as gr
from gridcrm_rules.engine import DEFAULT_PACKS

RULES_TABLE_CODES = {
    "free_fault_diagnosis",
    "business_priority",
    "business_fee_discount",
    "annual_free_inspection",
    "shed_last",
    "repair_priority",
    "free_training",
    "sms_planned_outage",
    "maintenance_timing_on_request",
    "prepayment",
    "prepaid_meter",
    "increased_inspection",
    "rating_published",
    "blacklisted",
    "supply_restriction",
    "legal_action",
}
"""The codes of the RULES.md §3 table."""

MY_PACKS = ("entitlements", "key_accounts", "service_quality")
SOURCES = {
    "entitlements": "000_00d757a177b389d7.txt",
    "key_accounts": "004_953f5f3099258168.txt",
    "service_quality": "001_dd512314ecd5c970.txt",
}


@pytest.mark.parametrize("name", MY_PACKS)
def test_packs_are_built_in_and_default(name: str) -> None:
    """Each pack is registered and loaded by Engine.default()."""
    assert name in gr.BUILTIN_PACKS
    assert name in DEFAULT_PACKS


@pytest.mark.parametrize("name", MY_PACKS)
def test_every_rule_cites_clause_document_and_text(name: str) -> None:
    """Every rule names its clause, and quotes its source (or RULES.md for a GAP default)."""
    engine = gr.Engine.from_packs([name])
    decisions = [d for d in engine.program.decisions if d.pack.name == name]
    assert decisions
    for d in decisions:
        for rule in d.rules:
            src = rule.source
            assert src.clause, (name, rule.id)
            assert src.text, (name, rule.id)
            assert src.document in (SOURCES[name], "RULES.md §6 (SQ-VOLT 20 kV default)"), rule.id


def test_entitlement_codes_are_exactly_the_rules_table() -> None:
    """All grades and categories together produce every §3 code and no other."""
    engine = gr.Engine.default()
    grades: dict[str, list[dict[str, str]]] = {
        "A": [],
        "B": [
            {
                "type": "bill_issued",
                "id": "b",
                "period": "2026-02",
                "amount": "1",
                "due": "2026-03-15",
            },
            {"type": "payment_received", "id": "p", "at": "2026-03-16", "amount": "1"},
        ],
        "C": [
            {
                "type": "bill_issued",
                "id": "b",
                "period": "2026-08",
                "amount": "1",
                "due": "2026-09-15",
            }
        ],
        "D": [{"type": "theft_detected", "id": "t", "at": "2025-05-01"}],
    }
    customers: list[dict[str, object]] = [
        {"category": "dedicated_transformer", "supply_voltage_kv": 10, "transformer_kva": 100},
        {"category": "lv_commercial", "supply_voltage_kv": "0.38"},
        {"category": "residential", "supply_voltage_kv": "0.22"},
        {"category": "other", "supply_voltage_kv": 10},
    ]
    seen: set[str] = set()
    for (grade, events), cust in product(grades.items(), customers):
        d = engine.evaluate({"id": "C1", **cust}, events, as_of="2026-11-22T09:00:00+08:00")
        assert d.credit is not None
        assert d.credit.grade == grade
        codes = [e.code for e in d.entitlements]
        assert len(codes) == len(set(codes)), codes
        assert all(e.grade == grade and e.clause.startswith("SV-") for e in d.entitlements)
        seen |= set(codes)
    assert seen == RULES_TABLE_CODES


def test_explain_shows_clause_and_grade_of_each_entitlement() -> None:
    """explain() prints each entitlement with its level, clause, grade and parameters."""
    d = gr.Engine.default().evaluate(
        {
            "id": "C1",
            "category": "dedicated_transformer",
            "supply_voltage_kv": 10,
            "transformer_kva": 630,
        },
        [{"type": "theft_detected", "id": "t", "at": "2025-05-01"}],
        as_of="2026-11-22T09:00:00+08:00",
    )
    text = d.explain()
    assert "  prepayment: on_restoration (clause SV-D-3, grade D) amount=63000.00" in text
    assert "  blacklisted: granted (clause SV-D-0, grade D)" in text
