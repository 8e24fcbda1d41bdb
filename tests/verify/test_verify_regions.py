"""The verifier as a CI gate: exit 0 on the stock packs, declared regions with reasons,
the rule that shadows an unreachable rule, and decisions over events per event type."""

from __future__ import annotations

from typing import Any

import pytest

from gridcrm_rules.cli import main
from gridcrm_rules.engine import Engine
from gridcrm_rules.errors import PackError
from gridcrm_rules.verify import verify_decision, verify_engine


def _tiers(**decision: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "outputs": {"tier": {"type": "str", "nullable": True}},
        "default": {"tier": None},
        "rules": [
            {"id": "HV", "when": "customer.supply_voltage_kv >= 10", "outputs": {"tier": "hv"}},
        ],
    }
    body.update(decision)
    return {"name": "tiers", "decisions": {"tier": body}}


def _report(pack: dict[str, Any]):  # type: ignore[no-untyped-def]
    engine = Engine.from_packs([pack])
    return verify_decision(engine.program.decisions[0], engine.params)


def test_stock_packs_verify_with_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    """`gridcrm-rules verify` on the built-in packs: no undeclared gap, exit 0."""
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert "gap (no rule fires)" not in out
    assert "declared: no credit grade" in out  # entitlements leaves credit.grade None


def test_stock_reports_verify_events_per_event_type() -> None:
    """Decisions over events are checked once per event type, most of them completely."""
    reports = verify_engine(Engine.default())
    by_label = {r.label: r for r in reports}
    assert "complaint_callbacks[complaint_received]" in by_label
    assert "repair_callbacks[repair_archived]" in by_label
    event_reports = [r for r in reports if r.event_type is not None]
    assert len([r for r in event_reports if r.complete]) >= 9
    assert all(r.ok for r in reports if r.complete)
    incomplete = {r.label: r.reason for r in reports if not r.complete}
    assert all(reason for reason in incomplete.values())
    assert len(incomplete) <= 3, incomplete


def test_an_undeclared_gap_fails_and_a_declared_one_passes() -> None:
    """The same gap is a failure until the pack declares it, with a reason shown."""
    bare = _report(_tiers())
    assert not bare.ok
    assert [str(g) for g in bare.gaps] == ["customer.supply_voltage_kv < 10"]
    declared = _report(
        _tiers(
            declared_regions=[
                {"when": "customer.supply_voltage_kv < 10", "reason": "low voltage: no tier"}
            ]
        )
    )
    assert declared.ok
    assert declared.gaps == ()
    assert [(d.reason, d.points) for d in declared.declared] == [("low voltage: no tier", 1)]
    assert "declared: low voltage: no tier (1 combination)" in declared.render()


def test_a_declared_region_covers_only_itself() -> None:
    """A region narrower than the gap leaves the rest reported."""
    report = _report(
        _tiers(
            declared_regions=[
                {"when": "customer.supply_voltage_kv < 1", "reason": "household voltage"}
            ]
        )
    )
    assert not report.ok
    assert [str(g) for g in report.gaps] == [
        "(customer.supply_voltage_kv == 1 or 1 < customer.supply_voltage_kv < 10)"
    ]


def test_a_misspelt_region_condition_is_a_pack_error() -> None:
    """A declared region is type-checked like a rule: a typo fails at load."""
    with pytest.raises(PackError, match=r"did you mean 'customer\.supply_voltage_kv'"):
        Engine.from_packs(
            [_tiers(declared_regions=[{"when": "customer.supply_voltage < 1", "reason": "x"}])]
        )


def test_an_unreachable_rule_names_the_rule_that_shadows_it() -> None:
    """Under 'first', a rule always preceded by a broader one is shadowed by it."""
    report = _report(
        _tiers(
            rules=[
                {"id": "HV", "when": "customer.supply_voltage_kv >= 10", "outputs": {"tier": "hv"}},
                {"id": "EHV", "when": "customer.supply_voltage_kv >= 110",
                 "outputs": {"tier": "ehv"}},
                {"id": "NEVER", "when": "customer.supply_voltage_kv < 0 and "
                 "customer.supply_voltage_kv > 5", "outputs": {"tier": "x"}},
                {"id": "LV", "when": "True", "outputs": {"tier": "lv"}},
            ]
        )
    )
    assert report.never_chosen == ("EHV", "NEVER")
    assert report.shadowed == (("EHV", ("HV",)), ("NEVER", ()))
    text = report.render()
    assert "rule EHV can never be chosen: shadowed by HV" in text
    assert "rule NEVER can never be chosen: its condition never holds" in text


def test_params_are_constants_for_the_verifier() -> None:
    """'field >= params.x' is enumerated around the parameter's value, not skipped."""
    pack = {
        "name": "tiers",
        "params": {"hv_min": {"type": "number", "default": 10}},
        "decisions": {
            "tier": {
                "outputs": {"tier": {"type": "str"}},
                "rules": [
                    {"id": "HV", "when": "customer.supply_voltage_kv >= params.hv_min",
                     "outputs": {"tier": "hv"}},
                    {"id": "LV", "when": "customer.supply_voltage_kv < params.hv_min",
                     "outputs": {"tier": "lv"}},
                ],
            }
        },
    }
    report = _report(pack)
    assert report.complete
    assert report.ok
    assert report.points == 3


def test_an_event_decision_is_verified_for_its_event_type() -> None:
    """A decision over events gets one report per event type and finds its gap."""
    pack = {
        "name": "letters",
        "decisions": {
            "reply": {
                "over": "events",
                "event_types": ["complaint_received"],
                "outputs": {"days": {"type": "number"}},
                "rules": [
                    {"id": "LETTER", "when": 'event.channel == "letter"',
                     "outputs": {"days": 5}},
                ],
            }
        },
    }
    (report,) = verify_engine(Engine.from_packs([pack]))
    assert report.label == "reply[complaint_received]"
    assert report.complete
    assert report.gaps
    assert all("event.channel" in str(g) for g in report.gaps)


def test_a_single_combination_is_counted_in_the_singular() -> None:
    """A table over no inputs has one combination: '1 combination checked', not '1 ...s'."""
    report = _report(_tiers(rules=[{"id": "ALL", "when": "True", "outputs": {"tier": "hv"}}]))
    assert report.points == 1
    assert report.render().splitlines()[0] == "decision tier [first]: 1 combination checked"
    assert "1 combination checked" in report._repr_html_()
