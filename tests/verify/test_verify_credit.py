"""The verifier over the built-in credit packs (RULES.md §2, CR-GAP)."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from gridcrm_rules import errors as gr_errors
from gridcrm_rules.cli import main
from gridcrm_rules.engine import Engine
from gridcrm_rules.verify import verify_decision, verify_engine


def _credit(engine: Engine):  # type: ignore[no-untyped-def]
    return next(d for d in engine.program.decisions if d.name == "credit")


def test_default_credit_pack_has_no_gap() -> None:
    """Every feasible combination of credit facts gets a grade in the default pack."""
    (report,) = verify_engine(Engine.from_packs(["credit"]))
    assert report.complete
    assert report.gaps == ()
    assert report.ok


def test_strict_pack_gap_is_exactly_the_cr_gap_region() -> None:
    """With the default readings, strict leaves uncovered exactly the points where CR-GAP fires."""
    default = Engine.from_packs(["credit"])
    strict = Engine.from_packs(["credit_strict"])
    (report,) = verify_engine(strict)
    assert report.complete
    assert len(report.gaps) == 1
    region = dict(report.gaps[0].constraints)
    assert region["theft_or_violation_3y"] == "not theft_or_violation_3y"
    assert region["arrears_over_1m"] == "not arrears_over_1m"
    assert region["arrears_amount"] == "arrears_amount > 0"

    # Point by point: strict leaves a feasible point ungraded iff CR-GAP fires there.
    credit, strict_credit = _credit(default), _credit(strict)
    assumptions = list(credit.assumptions)
    from gridcrm_rules.expr import compile_expr
    from gridcrm_rules.functions import FUNCTIONS

    checks = [compile_expr(a, credit.schema, FUNCTIONS) for a in assumptions]
    gap_rule = next(r for r in credit.rules if r.id == "CR-GAP")
    params = {f"params.{k}": v for k, v in default.params.items()}
    names = ["theft_or_violation_3y", "arrears_over_2m", "arrears_over_1m", "had_arrears_in_year"]
    for bools in itertools.product([True, False], repeat=4):
        for amount in (Decimal(0), Decimal("0.01"), Decimal(5000)):
            env = {**params, **dict(zip(names, bools, strict=True)), "arrears_amount": amount}
            if not all(c(env) for c in checks):
                continue
            uncovered = not any(r.when(env) for r in strict_credit.rules)
            assert uncovered == gap_rule.when(env), env


def test_verify_reports_overlap_under_unique() -> None:
    """Two rules that can both fire are reported as an overlap when the policy is unique."""
    pack = {
        "name": "overlapping",
        "decisions": {
            "flag": {
                "hit_policy": "unique",
                "outputs": {"x": {"type": "number"}},
                "rules": [
                    {"id": "R1", "when": "customer.supply_voltage_kv >= 10", "outputs": {"x": 1}},
                    {"id": "R2", "when": "customer.supply_voltage_kv > 5", "outputs": {"x": 2}},
                ],
            }
        },
    }
    engine = Engine.from_packs([pack])
    report = verify_decision(engine.program.decisions[0], engine.params)
    assert report.complete
    assert [o.rules for o in report.overlaps] == [("R1", "R2")]
    assert any("customer.supply_voltage_kv < 5" in str(g) for g in report.gaps)
    assert not report.ok


def test_cli_verify_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    """`gridcrm-rules verify` exits 0 for the default credit pack and 1 for the strict one."""
    assert main(["verify", "--pack", "credit"]) == 0
    assert "no gaps" in capsys.readouterr().out
    assert main(["verify", "--pack", "credit_strict"]) == 1
    assert "gap (no rule fires)" in capsys.readouterr().out


def test_strict_gap_under_amount_reading_keeps_clean_years_a() -> None:
    """Under the amount reading a small old debt with a clean year is A (CR-A), not a gap."""
    strict = Engine.from_packs(["credit_strict"], params={"arrears_reading": "amount"})
    (report,) = verify_engine(strict)
    (region,) = report.gaps
    assert dict(region.constraints)["had_arrears_in_year"] == "had_arrears_in_year"


def test_number_parameters_become_decimals_and_bad_values_are_refused() -> None:
    """A float or text number parameter is a Decimal; a non-number is a PackError naming it."""
    engine = Engine.from_packs(["credit"], params={"override_max_steps": 1.0})
    assert engine.params["override_max_steps"] == Decimal("1.0")
    with pytest.raises(gr_errors.PackError, match="override_max_steps"):
        Engine.from_packs(["credit"], params={"override_max_steps": "one"})
    with pytest.raises(gr_errors.PackError, match="expected one of"):
        Engine.from_packs(["credit"], params={"year_window": "fiscal_year"})
