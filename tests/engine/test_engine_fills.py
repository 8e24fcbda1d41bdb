"""``fills``: a pack declares which part of the Decision its value decision fills.

The engine and the batch backend find the grade decision by ``fills: credit``, not by
the name ``credit``, so a pack may call its grade decision anything.
"""

from __future__ import annotations

from typing import Any

import pytest

import gridcrm_rules as gr
from gridcrm_rules.errors import PackError

AS_OF = "2026-11-22T09:00:00+08:00"
CUSTOMER = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
THEFT = {"type": "theft_detected", "id": "t1", "at": "2025-05-01"}
SOURCE = {"document": "tests/engine/test_engine_fills.py", "text": "test rule"}


def _rating_pack(**decision: Any) -> dict[str, Any]:
    """A pack whose grade decision is called ``rating`` (reads the credit facts)."""
    rating = {
        "fills": "credit",
        "outputs": {"grade": {"type": "str", "choices": ["A", "D"], "nullable": True}},
        "rules": [
            {"id": "R-D", "when": "theft_or_violation_3y", "outputs": {"grade": "D"},
             "source": SOURCE},
            {"id": "R-A", "outputs": {"grade": "A"}, "source": SOURCE},
        ],
        **decision,
    }
    return {"name": "rating", "requires": ["credit_facts_params"], "decisions": {"rating": rating}}


def _engine(pack: dict[str, Any]) -> gr.Engine:
    params = {"name": "credit_facts_params", "params": {
        "arrears_reading": {"type": "str", "default": "age"},
        "year_window": {"type": "str", "default": "rolling_12m"},
        "arrears_in_year_reading": {"type": "str", "default": "any_day"}}}
    return gr.Engine.from_packs([params, pack])


def test_a_grade_decision_of_any_name_fills_decision_credit() -> None:
    """``fills: credit`` on ``rating``: Decision.credit carries its grade and rule ids."""
    d = _engine(_rating_pack()).evaluate(CUSTOMER, [THEFT], as_of=AS_OF)
    assert d.credit is not None
    assert (d.credit.grade, d.credit.rule_ids) == ("D", ("R-D",))


def test_the_batch_backend_finds_the_grade_by_fills_too() -> None:
    """evaluate_batch puts the ``rating`` grade in its ``grade`` column, like evaluate."""
    engine = _engine(_rating_pack())
    result = engine.evaluate_batch([CUSTOMER, {**CUSTOMER, "id": "C2"}],
                                   [{"customer_id": "C1", **THEFT}], as_of=AS_OF)
    assert result.decisions.select("customer_id", "grade", "rule_ids").rows() == [
        ("C1", "D", ["R-D"]), ("C2", "A", ["R-A"])]


def test_without_fills_a_decision_named_credit_is_an_ordinary_value() -> None:
    """The name alone fills nothing: no Decision.credit without ``fills``."""
    pack = _rating_pack(fills=None)
    pack["decisions"] = {"credit": pack["decisions"]["rating"]}
    d = _engine(pack).evaluate(CUSTOMER, [THEFT], as_of=AS_OF)
    assert d.credit is None
    assert d.outcomes["credit"].values == {"grade": "D"}


def test_two_decisions_filling_one_part_are_refused() -> None:
    """Only one decision may fill a part of the Decision; the error names both."""
    pack = _rating_pack()
    pack["decisions"]["second"] = pack["decisions"]["rating"]
    with pytest.raises(PackError, match="rating, second all fill 'credit'") as info:
        _engine(pack)
    assert info.value.errors[0].type == "fills_clash"


@pytest.mark.parametrize(
    ("change", "message"),
    [({"emits": "entitlement"}, "only to a value decision"),
     ({"outputs": {"level": {"type": "str"}}}, "needs the output 'grade'")],
)
def test_fills_is_checked_at_load(change: dict[str, Any], message: str) -> None:
    """fills on a non-value decision, or credit without a grade output, is a pack error."""
    with pytest.raises(PackError, match=message):
        _engine(_rating_pack(**change))


def test_the_built_in_packs_declare_what_they_fill() -> None:
    """credit fills Decision.credit; key_account and key_account_checks the profile."""
    program = gr.Engine.default().program
    assert {p: getattr(program.filling(p), "name", None)
            for p in ("credit", "key_account", "key_account_checks")} == {
        "credit": "credit", "key_account": "key_account",
        "key_account_checks": "key_account_checks"}
