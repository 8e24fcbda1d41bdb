"""The demo's promise: the default engine grades the bundled sample as expected.json says."""

from __future__ import annotations

import pytest

import gridcrm_rules as gr
from gridcrm_rules.cli import main
from gridcrm_rules.sample import load_sample


def test_default_engine_grades_every_sample_customer_as_expected() -> None:
    """Grade, rule id, provisional flag and ignored future events match expected.json."""
    sample = load_sample()
    engine = gr.Engine.default()
    for customer in sample.customers:
        want = sample.expected[customer["id"]]
        d = engine.evaluate(customer, sample.events_for(customer["id"]), as_of=sample.as_of)
        assert d.credit is not None
        got = (d.credit.grade, d.credit.rule_ids[0], d.credit.provisional)
        assert got == (want["grade"], want["rule_id"], want["provisional"]), customer["id"]
        assert d.trace.events_after_as_of == want["events_after_as_of"], customer["id"]


def test_sample_covers_every_grade_and_the_gap() -> None:
    """The sample exercises A, B, C, D, CR-GAP and provisional customers."""
    sample = load_sample()
    grades = {e["grade"] for e in sample.expected.values()}
    rules = {e["rule_id"] for e in sample.expected.values()}
    assert grades == {"A", "B", "C", "D"}
    assert {"CR-A", "CR-B", "CR-C", "CR-D", "CR-GAP"} <= rules
    assert any(e["provisional"] for e in sample.expected.values())


def test_demo_command_prints_a_table_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """`gridcrm-rules demo` prints one row per customer and the grade counts."""
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    sample = load_sample()
    rows = [line for line in out.splitlines() if line.startswith("C0")]
    assert len(rows) == len(sample.customers)
    assert "CR-GAP" in out
    assert f"{len(sample.customers)} customers graded" in out
