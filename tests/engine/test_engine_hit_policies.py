"""Hit policies first/unique/priority/collect and rule effective dates, on small inline packs."""

from __future__ import annotations

from typing import Any

import pytest

import gridcrm_rules as gr
from gridcrm_rules.engine.step import DecisionStep
from gridcrm_rules.errors import EvaluationError

AS_OF = "2026-11-22T09:00:00+08:00"
HV_DEDICATED = {
    "id": "C1",
    "category": "dedicated_transformer",
    "supply_voltage_kv": "35",
    "transformer_kva": "630",
}
LV_RESIDENTIAL = {"id": "C2", "category": "residential", "supply_voltage_kv": "0.22"}


def pack(
    policy: str, rules: list[dict[str, Any]], default: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "name": f"hp_{policy}",
        "version": "0.1.0",
        "decisions": {
            "tier": {
                "hit_policy": policy,
                "outputs": {"level": {"type": "str", "nullable": True}},
                "default": default,
                "rules": rules,
            }
        },
    }


RULES = [
    {
        "id": "HV",
        "when": "customer.supply_voltage_kv >= 10",
        "outputs": {"level": "hv"},
        "priority": 1,
    },
    {
        "id": "DED",
        "when": 'customer.category == "dedicated_transformer"',
        "outputs": {"level": "ded"},
        "priority": 5,
    },
    {
        "id": "BIG",
        "when": "customer.transformer_kva is not None and customer.transformer_kva >= 500",
        "outputs": {"level": "big"},
        "priority": 5,
    },
]


def outcome(
    policy: str, customer: dict[str, Any], rules: list[dict[str, Any]] = RULES, **kw: Any
) -> gr.DecisionOutcome:
    engine = gr.Engine.from_packs([pack(policy, rules, **kw)])
    return engine.evaluate(customer, [], as_of=AS_OF).outcomes["tier"]


def test_first_takes_the_first_matching_rule() -> None:
    """``first`` stops at the first rule whose condition holds."""
    o = outcome("first", HV_DEDICATED)
    assert (o.rule_ids, o.values) == (("HV",), {"level": "hv"})


def test_first_falls_back_to_default() -> None:
    """When no rule matches, the decision's default is the value and no rule id is recorded."""
    o = outcome("first", LV_RESIDENTIAL, default={"level": "none"})
    assert (o.rule_ids, o.values) == ((), {"level": "none"})


def test_unique_with_one_match() -> None:
    """``unique`` with exactly one matching rule gives that rule's outputs."""
    o = outcome("unique", {**HV_DEDICATED, "supply_voltage_kv": "0.38", "transformer_kva": "100"})
    assert (o.rule_ids, o.values) == (("DED",), {"level": "ded"})


def fault(
    policy: str, customer: dict[str, Any], rules: list[dict[str, Any]] = RULES, **kw: Any
) -> gr.PartError:
    """The one part error of a decision whose only decision fails (it is not in outcomes)."""
    engine = gr.Engine.from_packs([pack(policy, rules, **kw)])
    d = engine.evaluate(customer, [], as_of=AS_OF)
    assert "tier" not in d.outcomes
    (error,) = d.errors
    return error


def test_unique_with_two_matches_names_both_rules() -> None:
    """``unique`` with several matches is a part error naming every matching rule; the step
    itself raises EvaluationError."""
    error = fault("unique", {**HV_DEDICATED, "transformer_kva": "100"})
    assert "hit policy 'unique' but 2 rules match: HV, DED" in error.msg
    assert error.loc == ("hp_unique", "tier")
    engine = gr.Engine.from_packs([pack("unique", RULES)])
    step = DecisionStep(engine.program.decisions[0])
    env = {f"customer.{k}": v for k, v in
           gr.Customer.model_validate({**HV_DEDICATED, "transformer_kva": "100"}).__dict__.items()}
    with pytest.raises(EvaluationError) as info:
        step(env)
    assert info.value.loc == ("hp_unique", "tier")


def test_priority_takes_highest_priority_then_first() -> None:
    """``priority`` picks the highest priority; among equals, the earlier rule."""
    o = outcome("priority", HV_DEDICATED)
    assert (o.rule_ids, o.values) == (("DED",), {"level": "ded"})


def test_priority_single_low_priority_match() -> None:
    """``priority`` with one low-priority match still returns it."""
    o = outcome("priority", {**LV_RESIDENTIAL, "supply_voltage_kv": "10"})
    assert o.rule_ids == ("HV",)


def test_collect_records_every_match_in_order() -> None:
    """``collect`` records every matching rule, in table order, and a hit for each."""
    engine = gr.Engine.from_packs([pack("collect", RULES, default={"level": None})])
    d = engine.evaluate(HV_DEDICATED, [], as_of=AS_OF)
    assert d.outcomes["tier"].rule_ids == ("HV", "DED", "BIG")
    assert [h.outputs["level"] for h in d.trace.hits] == ["hv", "ded", "big"]


def test_collect_with_no_match() -> None:
    """``collect`` with no match records no rule ids."""
    assert outcome("collect", LV_RESIDENTIAL).rule_ids == ()


def test_bare_customer_field_names_are_accepted() -> None:
    """Customer fields may be written bare (``category``) where unambiguous."""
    rules = [
        {
            "id": "RES",
            "when": 'category == "residential" and supply_voltage_kv < 1',
            "outputs": {"level": "res"},
        }
    ]
    assert outcome("first", LV_RESIDENTIAL, rules).rule_ids == ("RES",)


def test_rule_reads_are_canonical_customer_keys() -> None:
    """A hit records what it read under canonical ``customer.`` keys."""
    rules = [{"id": "RES", "when": 'category == "residential"', "outputs": {"level": "res"}}]
    engine = gr.Engine.from_packs([pack("first", rules)])
    (hit,) = engine.evaluate(LV_RESIDENTIAL, [], as_of=AS_OF).trace.hits
    assert hit.reads == {"customer.category": "residential"}


def test_evaluation_error_names_pack_decision_and_rule() -> None:
    """A rule failing at run time is a part error located at pack -> decision -> rule."""
    rules = [
        {"id": "KVA", "when": "customer.transformer_kva * 2 > 100", "outputs": {"level": "big"}}
    ]
    error = fault("first", LV_RESIDENTIAL, rules)
    assert error.loc == ("hp_first", "tier", "KVA")
    assert error.type == "missing_value"
    assert "is None (missing value)" in error.msg
    assert error.values == {"left": "None", "right": "2"}


@pytest.mark.parametrize(
    ("effective", "as_of", "fires"),
    [
        ({"effective_from": "2026-12-01"}, "2026-11-30T23:59:59+08:00", False),
        ({"effective_from": "2026-12-01"}, "2026-12-01T00:00:00+08:00", True),
        ({"effective_from": "2026-12-01"}, "2026-11-30T16:00:00+00:00", True),
        ({"effective_to": "2026-11-21"}, AS_OF, False),
        ({"effective_to": "2026-11-22"}, AS_OF, True),
        ({"effective_from": "2026-01-01", "effective_to": "2026-12-31"}, AS_OF, True),
    ],
)
def test_effective_dates_are_honoured(effective: dict[str, str], as_of: str, fires: bool) -> None:
    """A rule is in force from effective_from to effective_to inclusive, by Shanghai date."""
    rules = [
        {"id": "NEW", "when": "True", "outputs": {"level": "new"}, **effective},
        {"id": "OLD", "when": "True", "outputs": {"level": "old"}},
    ]
    engine = gr.Engine.from_packs([pack("first", rules)])
    o = engine.evaluate(LV_RESIDENTIAL, [], as_of=as_of).outcomes["tier"]
    assert o.rule_ids == (("NEW",) if fires else ("OLD",))


def test_effective_to_before_from_refused() -> None:
    """A rule whose effective_to precedes effective_from is refused at load."""
    rules = [
        {"id": "R", "when": "True", "effective_from": "2026-12-01", "effective_to": "2026-11-01"}
    ]
    with pytest.raises(gr.PackError, match="effective_to is before effective_from"):
        gr.Engine.from_packs([pack("first", rules)])


def test_duplicate_rule_ids_refused() -> None:
    """Two rules with one id in one decision are refused."""
    rules = [{"id": "R", "when": "True"}, {"id": "R", "when": "False"}]
    with pytest.raises(gr.PackError, match="duplicate rule ids: R"):
        gr.Engine.from_packs([pack("first", rules)])


def test_unknown_hit_policy_refused() -> None:
    """A hit policy outside first/unique/priority/collect is refused."""
    with pytest.raises(gr.PackError, match="'first', 'unique', 'priority' or 'collect'"):
        gr.Engine.from_packs([pack("any", RULES)])
