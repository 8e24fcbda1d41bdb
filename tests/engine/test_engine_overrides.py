"""Grade overrides (RULES.md §2): authority of one step, theft lock, expiry, superseding."""

from __future__ import annotations

from typing import Any

import pytest

import gridcrm_rules as gr
from gridcrm_rules.engine import GRADE_RANK

AS_OF = "2026-11-22T09:00:00+08:00"
CUSTOMER = {"id": "C1", "category": "lv_commercial", "supply_voltage_kv": "0.38",
            "org_type": "hotel"}
"""An important customer (KA-IMP), so within a key-account manager's authority."""

LATE_B = [
    {
        "type": "bill_issued",
        "id": "b1",
        "period": "2026-02",
        "amount": "100.00",
        "due": "2026-03-15",
    },
    {"type": "payment_received", "id": "p1", "at": "2026-03-16", "amount": "100.00"},
]
C_ARREARS = [
    {
        "type": "bill_issued",
        "id": "b1",
        "period": "2026-07",
        "amount": "300.00",
        "due": "2026-08-31",
    }
]
D_ARREARS = [
    {
        "type": "bill_issued",
        "id": "b1",
        "period": "2026-07",
        "amount": "300.00",
        "due": "2026-08-30",
    }
]
D_THEFT = [{"type": "theft_detected", "id": "t1", "at": "2026-01-05"}]


def override(oid: str, at: str, to: str, expires: str | None = None) -> dict[str, Any]:
    return {
        "type": "grade_override",
        "id": oid,
        "at": at,
        "by": "kam01",
        "to_grade": to,
        "reason": "r",
        "expires": expires,
    }


@pytest.fixture(scope="module")
def engine() -> gr.Engine:
    """The credit and key-account packs with default authority (one step, theft D locked)."""
    return gr.Engine.from_packs(["credit", "key_accounts"])


def credit(engine: gr.Engine, events: list[dict[str, Any]]) -> gr.CreditResult:
    result = engine.evaluate(CUSTOMER, events, as_of=AS_OF).credit
    assert result is not None
    return result


def test_grade_rank_orders_a_best() -> None:
    """A > B > C > D."""
    assert sorted(GRADE_RANK, key=GRADE_RANK.__getitem__, reverse=True) == ["A", "B", "C", "D"]


def test_one_step_up_applied(engine: gr.Engine) -> None:
    """B -> A is within authority: applied, with the trail recorded."""
    c = credit(engine, [*LATE_B, override("o1", "2026-11-10", "A")])
    assert (c.grade, c.computed_grade) == ("A", "B")
    (rec,) = c.overrides
    assert (rec.status, rec.from_grade, rec.to_grade, rec.by, rec.detail) == (
        "applied",
        "B",
        "A",
        "kam01",
        None,
    )


def test_one_step_down_applied(engine: gr.Engine) -> None:
    """A manager may also lower a grade by one step."""
    c = credit(engine, [override("o1", "2026-11-10", "B")])
    assert (c.grade, c.computed_grade, c.overrides[0].status) == ("B", "A", "applied")


def test_two_steps_refused(engine: gr.Engine) -> None:
    """C -> A is two steps: refused, grade stays C, and the refusal says why."""
    c = credit(engine, [*C_ARREARS, override("o1", "2026-11-10", "A")])
    assert (c.grade, c.computed_grade) == ("C", "C")
    (rec,) = c.overrides
    assert rec.status == "refused"
    assert rec.detail == "moves 2 grades (C->A); authority is 1"


def test_two_steps_allowed_with_more_authority(engine: gr.Engine) -> None:
    """Raising ``override_max_steps`` to 2 lets C -> A through."""
    c = credit(
        engine.with_params(override_max_steps=2), [*C_ARREARS, override("o1", "2026-11-10", "A")]
    )
    assert (c.grade, c.overrides[0].status) == ("A", "applied")


def test_theft_d_refused(engine: gr.Engine) -> None:
    """A D caused by theft cannot be overridden, even by one step."""
    c = credit(engine, [*D_THEFT, override("o1", "2026-11-10", "C")])
    assert (c.grade, c.computed_grade) == ("D", "D")
    assert c.overrides[0].status == "refused"
    assert "theft" in (c.overrides[0].detail or "")


def test_theft_d_unlocked_by_param(engine: gr.Engine) -> None:
    """With ``override_theft_d_locked: false`` a theft D can be moved one step."""
    c = credit(
        engine.with_params(override_theft_d_locked=False),
        [*D_THEFT, override("o1", "2026-11-10", "C")],
    )
    assert (c.grade, c.overrides[0].status) == ("C", "applied")


def test_arrears_d_can_be_overridden_one_step(engine: gr.Engine) -> None:
    """A D from arrears only is not theft-locked: D -> C is applied."""
    c = credit(engine, [*D_ARREARS, override("o1", "2026-11-10", "C")])
    assert (c.grade, c.computed_grade, c.rule_ids) == ("C", "D", ("CR-D",))


def test_expired_override_ignored(engine: gr.Engine) -> None:
    """An override whose expiry is at or before as_of is marked expired and not applied."""
    c = credit(engine, [*LATE_B, override("o1", "2026-06-01", "A", expires=AS_OF)])
    assert c.grade == "B"
    assert c.overrides[0].status == "expired"


def test_unexpired_override_applies(engine: gr.Engine) -> None:
    """An override expiring one second after as_of still applies."""
    c = credit(
        engine, [*LATE_B, override("o1", "2026-06-01", "A", expires="2026-11-22T09:00:01+08:00")]
    )
    assert (c.grade, c.overrides[0].status) == ("A", "applied")


def test_later_override_supersedes_earlier(engine: gr.Engine) -> None:
    """Of two valid overrides the later wins; the earlier is marked superseded by it."""
    c = credit(
        engine, [*LATE_B, override("o2", "2026-11-10", "C"), override("o1", "2026-11-01", "A")]
    )
    assert (c.grade, c.computed_grade) == ("C", "B")
    statuses = {r.event_id: (r.status, r.detail) for r in c.overrides}
    assert statuses == {"o1": ("superseded", "superseded by o2"), "o2": ("applied", None)}
    assert [r.event_id for r in c.overrides] == ["o1", "o2"]


def test_refused_later_override_leaves_earlier_applied(engine: gr.Engine) -> None:
    """A later override that is refused does not supersede the earlier applied one."""
    c = credit(
        engine, [*LATE_B, override("o1", "2026-11-01", "A"), override("o2", "2026-11-10", "D")]
    )
    assert c.grade == "A"
    assert {r.event_id: r.status for r in c.overrides} == {"o1": "applied", "o2": "refused"}


def test_same_instant_overrides_ordered_by_id(engine: gr.Engine) -> None:
    """Overrides at the same instant are taken in id order: the larger id wins."""
    c = credit(
        engine, [*LATE_B, override("o-b", "2026-11-10", "C"), override("o-a", "2026-11-10", "A")]
    )
    assert c.grade == "C"


def test_override_after_as_of_takes_no_part(engine: gr.Engine) -> None:
    """An override dated after as_of is not even listed."""
    c = credit(engine, [*LATE_B, override("o1", "2026-11-23", "A")])
    assert (c.grade, c.overrides) == ("B", ())


def test_override_of_ungraded_customer_refused() -> None:
    """In the strict pack an ungraded (GAP) customer cannot be given a grade by override."""
    strict = gr.Engine.from_packs(["credit_strict"])
    events = [
        {
            "type": "bill_issued",
            "id": "b1",
            "period": "2026-09",
            "amount": "10.00",
            "due": "2026-10-20",
        },
        override("o1", "2026-11-10", "B"),
    ]
    c = strict.evaluate(CUSTOMER, events, as_of=AS_OF).credit
    assert c is not None
    assert (c.grade, c.computed_grade, c.rule_ids) == (None, None, ())
    assert c.overrides[0].status == "refused"
    assert c.overrides[0].from_grade is None


def test_outcome_values_carry_effective_and_computed_grade(engine: gr.Engine) -> None:
    """The credit outcome exposes both grades to decisions that read ``credit.grade``."""
    d = engine.evaluate(CUSTOMER, [*LATE_B, override("o1", "2026-11-10", "A")], as_of=AS_OF)
    assert d.outcomes["credit"].values["grade"] == "A"
    assert d.outcomes["credit"].values["computed_grade"] == "B"


def test_override_of_a_customer_who_is_no_key_account_is_refused(engine: gr.Engine) -> None:
    """Issue 14: the authority covers 大客户 only; the refusal says why."""
    plain = {**CUSTOMER, "org_type": "enterprise"}
    d = engine.evaluate(plain, [*LATE_B, override("o1", "2026-11-10", "A")], as_of=AS_OF)
    assert d.credit is not None
    assert (d.credit.grade, d.credit.computed_grade) == ("B", "B")
    (rec,) = d.credit.overrides
    assert rec.status == "refused"
    assert rec.detail is not None
    assert "not a key account" in rec.detail


def test_override_scope_all_widens_the_authority(engine: gr.Engine) -> None:
    """override_scope: all lets the override of any customer apply."""
    plain = {**CUSTOMER, "org_type": "enterprise"}
    wide = engine.with_params(override_scope="all")
    d = wide.evaluate(plain, [*LATE_B, override("o1", "2026-11-10", "A")], as_of=AS_OF)
    assert d.credit is not None
    assert d.credit.grade == "A"


def test_general_key_account_by_consumption_may_be_overridden(engine: gr.Engine) -> None:
    """A KA-GEN customer (5,000 kWh a month last year) is a key account too."""
    plain = {**CUSTOMER, "org_type": "enterprise"}
    months = [{"type": "monthly_consumption", "id": f"m{m}", "month": f"2025-{m:02d}",
               "kwh": "5000"} for m in range(1, 13)]
    d = engine.evaluate(plain, [*months, *LATE_B, override("o1", "2026-11-10", "A")],
                        as_of=AS_OF)
    assert d.credit is not None
    assert d.credit.grade == "A"


def test_without_key_account_pack_the_scope_cannot_be_checked() -> None:
    """Credit alone cannot tell a key account: a key_accounts-scoped override is refused."""
    d = gr.Engine.from_packs(["credit"]).evaluate(
        CUSTOMER, [*LATE_B, override("o1", "2026-11-10", "A")], as_of=AS_OF)
    assert d.credit is not None
    (rec,) = d.credit.overrides
    assert rec.status == "refused"
    assert rec.detail is not None
    assert "key_accounts pack is not loaded" in rec.detail


def test_unknown_override_scope_is_refused() -> None:
    """A scope that is neither key_accounts nor all is a pack error at load."""
    with pytest.raises(gr.errors.PackError, match="override_scope"):
        gr.Engine.from_packs(["credit"], params={"override_scope": "everyone"})
