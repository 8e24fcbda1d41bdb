"""The key_account_duties pack (MT-DEFECT, MT-PATROL, MT-SEASONAL): contract with RULES.md §4."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import gridcrm_rules as gr
from gridcrm_rules.engine import DEFAULT_PACKS

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def _rules() -> list[Any]:
    return list(gr.packs.PackRegistry.builtin().get("key_account_duties").spec.decisions.values())


def test_pack_is_built_in_default_and_requires_key_accounts() -> None:
    """Loaded by Engine.default(); loading it alone brings the key-account decisions."""
    assert "key_account_duties" in DEFAULT_PACKS
    names = {p.name for p in gr.Engine.from_packs(["key_account_duties"]).packs}
    assert names == {"key_account_duties", "key_accounts"}


def test_clauses_are_the_three_mt_duties() -> None:
    """Every rule is one of MT-DEFECT, MT-PATROL, MT-SEASONAL and its id starts with it."""
    clauses = set()
    for body in _rules():
        for rule in body["rules"]:
            clause = rule["source"]["clause"]
            clauses.add(clause)
            assert rule["id"] == clause or rule["id"].startswith(clause + "."), rule["id"]
    assert clauses == {"MT-DEFECT", "MT-PATROL", "MT-SEASONAL"}


@pytest.mark.skipif(not SEEDS.is_dir(), reason="source regulations not available here")
def test_quotes_are_verbatim_from_the_source() -> None:
    """Every quote appears in 004, ignoring line breaks."""
    document = re.sub(r"\s+", "", (SEEDS / "004_953f5f3099258168.txt").read_text("utf-8"))
    for body in _rules():
        for rule in body["rules"]:
            assert rule["source"]["document"] == "004_953f5f3099258168.txt"
            assert re.sub(r"\s+", "", rule["source"]["text"]) in document, rule["id"]


def test_every_key_account_gets_seven_duty_tasks_others_none() -> None:
    """Current and previous period of each duty for a key account; nothing for others."""
    engine = gr.Engine.from_packs(["key_account_duties"])
    as_of = "2026-03-21T09:00:00+08:00"
    hospital = engine.evaluate({"id": "H", "category": "other", "supply_voltage_kv": 0.38,
                                "org_type": "hospital"}, [], as_of=as_of)
    home = engine.evaluate({"id": "R", "category": "residential", "supply_voltage_kv": 0.22},
                           [], as_of=as_of)
    kinds = sorted(t.kind for t in hospital.tasks if t.clause.startswith("MT-"))
    assert kinds == ["autumn_inspection", "autumn_inspection", "defect_report", "defect_report",
                     "line_patrol", "line_patrol", "spring_inspection"]
    assert [t for t in home.tasks if t.clause.startswith("MT-")] == []
    overdue = {(t.kind, t.due.date().isoformat()) for t in hospital.tasks
               if t.status == "overdue"}
    assert overdue == {("defect_report", "2026-03-20"), ("defect_report", "2026-02-20"),
                       ("line_patrol", "2026-02-28"), ("autumn_inspection", "2025-11-30")}
