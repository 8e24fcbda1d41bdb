"""A fault is scoped to the part it touches (docs/concepts.md "What happens when something
fails"): an uncomputable deadline makes that task undetermined, a failing decision makes its
readers dependency_failed, and the rest of the decision stands -- in evaluate and in batch."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

import gridcrm_rules as gr

DOCS = Path(__file__).resolve().parents[2] / "docs"
ENGINE = gr.Engine.default()
AS_OF = "2026-12-29T09:00:00+08:00"
C4 = {"id": "C4", "category": "lv_commercial", "supply_voltage_kv": "0.38"}
C5 = {"id": "C5", "category": "residential", "supply_voltage_kv": "0.22"}
NEW_2026_12_28 = {"type": "installation_archived", "id": "i1", "at": "2026-12-28T10:00:00+08:00",
                  "business": "new"}
REPAIR = {"type": "repair_archived", "id": "r1", "at": "2026-12-28T11:00:00+08:00"}


def test_a_deadline_in_2027_makes_only_that_task_undetermined() -> None:
    """The callback due in 2027 is undetermined with a full error record; the grade, the
    entitlements and the hour-based repair callback stand."""
    d = ENGINE.evaluate(C4, [NEW_2026_12_28, REPAIR], as_of=AS_OF)
    fine = ENGINE.evaluate(C4, [REPAIR], as_of=AS_OF)
    assert d.credit == fine.credit
    assert d.entitlements == fine.entitlements
    by_clause = {t.clause: t for t in d.tasks}
    assert by_clause["CB-BIZ"].status == "undetermined"
    assert by_clause["CB-BIZ"].due is None
    assert by_clause["CB-BIZ"].kind == "installation_callback"
    assert by_clause["CB-BIZ"].unit == "sub_center"
    assert [t for t in d.tasks if t.clause != "CB-BIZ"] == list(fine.tasks)
    (error,) = d.errors
    assert error.type == "calendar_data_missing"
    assert (error.clause, error.trigger_event_id, error.year) == ("CB-BIZ", "i1", 2027)
    assert error.loc[:2] == ("callbacks", "installation_callbacks")
    assert error.hint is not None
    assert "schedule" in error.hint
    assert "fallback" in error.hint
    assert "Not decided:" in d.explain()
    again = gr.Decision.model_validate(d.model_dump(mode="json"))
    assert again.errors == d.errors


def test_the_batch_agrees_and_goes_on() -> None:
    """In a batch the customer is decided, the task row is undetermined and the error is a
    'decisions' row naming customer, decision and rule; other customers are untouched."""
    customers = pl.DataFrame([C4, C5])
    events = pl.DataFrame([{"customer_id": "C4", **NEW_2026_12_28}])
    result = ENGINE.evaluate_batch(customers, events, as_of=AS_OF)
    assert result.decisions.select("customer_id", "grade").rows() == [("C4", "A"), ("C5", "A")]
    assert result.tasks.select("customer_id", "clause", "status", "due").rows() == [
        ("C4", "CB-BIZ", "undetermined", None)]
    (row,) = result.errors.to_dicts()
    assert row["source"] == "decisions"
    assert row["customer_id"] == "C4"
    assert row["loc"].startswith("callbacks.installation_callbacks.CB-BIZ")
    assert row["type"] == "calendar_data_missing"
    assert '"year": 2027' in row["input"]
    assert '"trigger_event_id": "i1"' in row["input"]


def _credit_pack(when: str) -> dict[str, Any]:
    return {"name": "fragile", "version": "1", "extends": "credit",
            "decisions": {"credit": {"rules": [
                {"id": "CR-X", "before": "CR-D", "when": when, "outputs": {"grade": "D"}}]}}}


def test_a_failed_decision_makes_its_readers_dependency_failed() -> None:
    """When credit cannot be decided, the decisions reading credit.grade are not decided on a
    guess (dependency_failed), and the decisions that do not read it stand."""
    engine = gr.Engine.from_packs([_credit_pack("customer.transformer_kva * 2 > 1")],
                                  include_defaults=True)
    d = engine.evaluate(C4, [NEW_2026_12_28.copy() | {"at": "2026-11-02T10:00:00+08:00"}],
                        as_of=AS_OF)
    assert d.credit is None
    kinds = {e.decision: e.type for e in d.errors}
    assert kinds["credit"] == "missing_value"
    readers = {dd.name for dd in engine.program.decisions if "credit" in dd.depends_on}
    assert readers
    assert {n for n, t in kinds.items() if t == "dependency_failed"} <= readers | {
        dd.name for dd in engine.program.decisions if dd.depends_on & readers}
    assert d.entitlements == ()
    assert [t.status for t in d.tasks if t.clause == "CB-BIZ"] == ["overdue"]


def test_the_concepts_example_runs() -> None:
    """The code block of docs/concepts.md "What happens when something fails" runs."""
    text = (DOCS / "concepts.md").read_text(encoding="utf-8")
    section = text.split("## What happens when something fails", 1)[1]
    (block,) = re.findall(r"```python\n(.*?)```", section.split("\n## ", 1)[0], re.S)
    exec(compile(block, "concepts.md", "exec"), {})


def test_a_failing_fact_function_costs_only_the_decisions_reading_it() -> None:
    """A fact provider raising for one customer is a fact_error; the decisions reading its
    fact are dependency_failed, the others stand; the batch reports the same parts."""
    from gridcrm_rules.builtin import default_facts
    from gridcrm_rules.expr.types import BOOL
    from gridcrm_rules.facts.registry import fact

    @fact("fragile_flag", BOOL)
    def fragile_flag(ctx: Any) -> bool:
        if ctx.customer.id == "C4":
            raise RuntimeError("broken plugin")
        return False

    pack = {"name": "uses_fragile", "version": "1", "requires": ["credit"],
            "decisions": {"flagged": {"outputs": {"on": {"type": "bool"}}, "default": {"on": False},
                                      "rules": [{"id": "F1", "when": "fragile_flag",
                                                 "outputs": {"on": True}}]}}}
    facts = default_facts().with_provider(fragile_flag)
    engine = gr.Engine.from_packs([pack], facts=facts)
    d = engine.evaluate(C4, [], as_of=AS_OF)
    assert d.credit is not None
    assert d.credit.grade == "A"
    assert [(e.type, e.decision) for e in d.errors] == [
        ("fact_error", "facts.fragile_flag"), ("dependency_failed", "flagged")]
    assert "flagged" not in d.outcomes
    assert engine.evaluate(C5, [], as_of=AS_OF).errors == ()
    result = engine.evaluate_batch(pl.DataFrame([C4, C5]), None, as_of=AS_OF)
    assert result.decisions.get_column("customer_id").to_list() == ["C4", "C5"]
    assert result.errors.select("source", "customer_id", "type").rows() == [
        ("decisions", "C4", "fact_error"), ("decisions", "C4", "dependency_failed")]


def test_in_a_collect_task_table_only_the_failing_rule_is_undetermined() -> None:
    """Two tasks from one event: the one due in 2027 is undetermined, the hour-based one
    stands (with its trace hit); batch and scalar agree."""
    pack = {"name": "two_tasks", "version": "1", "requires": ["credit"],
            "decisions": {"pair": {"emits": "task", "over": "events",
                                   "event_types": ["installation_archived"],
                                   "hit_policy": "collect", "rules": [
                {"id": "WD", "when": "True", "outputs": {
                    "kind": "wd", "basis": "working_days",
                    "due": "= working_days_after(event.at, 7)"}},
                {"id": "H", "when": "True", "outputs": {
                    "kind": "h", "basis": "hours", "due": "= hours_after(event.at, 24)"}}]}}}
    engine = gr.Engine.from_packs([pack])
    d = engine.evaluate(C4, [NEW_2026_12_28], as_of=AS_OF)
    assert [(t.kind, t.status) for t in d.tasks] == [("wd", "undetermined"), ("h", "open")]
    assert [(e.type, e.loc) for e in d.errors] == [
        ("calendar_data_missing", ("two_tasks", "pair", "WD"))]
    assert [h.rule_id for h in d.trace.hits if h.decision == "pair"] == ["H"]
    result = engine.evaluate_batch([C4], [{"customer_id": "C4", **NEW_2026_12_28}], as_of=AS_OF)
    assert sorted(result.tasks.select("kind", "status").rows()) == [("h", "open"),
                                                                    ("wd", "undetermined")]
    assert result.errors.select("loc", "type").rows() == [("two_tasks.pair.WD",
                                                           "calendar_data_missing")]


def test_a_value_decision_failing_late_leaves_no_half_outcome() -> None:
    """key_account with a fractional tier (the profile model refuses it) is invalid_output:
    no outcome and no profile, and the grade stands."""
    pack = {"name": "odd_tier", "version": "1", "extends": "key_accounts",
            "decisions": {"key_account": {"rules": [
                {"id": "KA-PROFILE", "when": "True", "outputs": {"tier": "= 1.5 * 1"}}]}}}
    engine = gr.Engine.from_packs([pack], include_defaults=True)
    d = engine.evaluate(C4, [], as_of=AS_OF)
    assert d.credit is not None
    assert [(e.decision, e.type) for e in d.errors] == [("key_account", "invalid_output")]
    assert "key_account" not in d.outcomes
    assert d.key_account is None


def test_a_fractional_tier_is_invalid_output_in_both_backends() -> None:
    """A key-account rule giving every output but a fractional tier: scalar refuses it, and
    the batch routes the row to the scalar engine instead of writing 1.5."""
    pack = {"name": "odd_tier2", "version": "1", "extends": "key_accounts",
            "decisions": {"key_account": {"rules": [
                {"id": "KA-PROFILE", "when": "True", "outputs": {
                    "general": False, "important": False, "important_category": None,
                    "type": None, "route": "customer_service_center",
                    "tier": "= customer.supply_voltage_kv * 1"}}]}}}
    engine = gr.Engine.from_packs([pack], include_defaults=True)
    d = engine.evaluate(C4, [], as_of=AS_OF)
    assert [(e.decision, e.type) for e in d.errors] == [("key_account", "invalid_output")]
    result = engine.evaluate_batch([C4, {**C5, "supply_voltage_kv": "10"}], None, as_of=AS_OF)
    assert result.errors.select("customer_id", "type").rows() == [("C4", "invalid_output")]
    assert result.decisions.select("customer_id", "key_account_tier").rows()[1][0] == "C5"


def _c_since_november() -> list[dict[str, Any]]:
    """Fourteen monthly bills (due 2025-09-15 to 2026-10-15), each paid on its due day but
    two: the one due 2026-09-15 is paid on 2026-11-20 and the one due 2026-10-15 never.
    Graded C at the end of November 2026 (cutoff 10-31: the September bill over a month
    unpaid) and on 2026-12-10 (cutoff 11-30: the October bill), B at the end of October."""
    events: list[dict[str, Any]] = []
    for i in range(14):
        year, month = divmod(2025 * 12 + 7 + i, 12)
        due_year, due_month = divmod(year * 12 + month + 1, 12)
        period, due = f"{year}-{month + 1:02d}", f"{due_year}-{due_month + 1:02d}-15"
        events.append({"type": "bill_issued", "id": f"b{period}", "period": period,
                       "amount": "100.00", "due": due})
        paid = {"2026-09-15": "2026-11-20", "2026-10-15": None}.get(due, due)
        if paid is not None:
            events.append({"type": "payment_received", "id": f"p{period}", "amount": "100.00",
                           "at": f"{paid}T09:00:00+08:00", "bill_id": f"b{period}"})
    return events


def test_a_failing_fact_the_grade_does_not_read_leaves_the_c_episode_alone() -> None:
    """SV-C-NOTICE re-grades past month ends to find when the C episode began: a fact
    function the credit decision does not read, failing, costs the decisions reading it,
    not those past grades (it used to make them unknown, so the notice moved from November,
    overdue, to December, open, with no error naming it)."""
    from gridcrm_rules.builtin import default_facts
    from gridcrm_rules.expr.types import BOOL
    from gridcrm_rules.facts.registry import fact

    @fact("fragile_flag", BOOL)
    def fragile_flag(ctx: Any) -> bool:
        raise RuntimeError("broken plugin")

    pack = {"name": "uses_fragile", "version": "1", "requires": ["credit"],
            "decisions": {"flagged": {"outputs": {"on": {"type": "bool"}}, "default": {"on": False},
                                      "rules": [{"id": "F1", "when": "fragile_flag",
                                                 "outputs": {"on": True}}]}}}
    fragile = gr.Engine.from_packs([pack], include_defaults=True,
                                   facts=default_facts().with_provider(fragile_flag))
    events, as_of = _c_since_november(), "2026-12-10T09:00:00+08:00"
    plain = ENGINE.evaluate(C4, events, as_of=as_of)
    broken = fragile.evaluate(C4, events, as_of=as_of)
    assert [e.type for e in broken.errors] == ["fact_error", "dependency_failed"]
    notice = [t for t in plain.tasks if t.clause == "SV-C-NOTICE"]
    assert [(t.due.isoformat() if t.due else None, t.status) for t in notice] == [
        ("2026-11-30T23:59:59+08:00", "overdue")]
    assert [t for t in broken.tasks if t.clause == "SV-C-NOTICE"] == notice
    assert broken.credit == plain.credit
