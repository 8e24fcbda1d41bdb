"""Population rules by example: SV-PRIO, SV-SHED, SV-REWARD, CB-SAMPLE, CB-CARD, KA-TIER."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gridcrm_rules.models import CreditResult, Decision, Grade, KeyAccountProfile, Trace
from gridcrm_rules.population import (
    UNSPECIFIED_USAGE,
    assign_tiers,
    at_least_percent,
    callback_sample,
    draw,
    feedback_card_sample,
    reward_draw,
    service_order,
    shedding_order,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI)


def decision(
    cid: str, grade: Grade | None, *, general: bool = False, important: bool = False
) -> Decision:
    """A minimal decision with a credit grade and a key-account profile."""
    return Decision(
        customer_id=cid,
        as_of=AS_OF,
        credit=CreditResult(
            grade=grade, computed_grade=grade, rule_ids=(), provisional=False, facts={}
        ),
        key_account=KeyAccountProfile(general=general, important=important),
        trace=Trace(
            packs=(),
            as_of=AS_OF,
            cutoff=date(2026, 10, 31),
            events_considered=0,
            events_after_as_of=0,
            hits=(),
        ),
    )


def customer(cid: str, category: str = "residential", **extra: Any) -> dict[str, Any]:
    """A customer dict; voltage follows the category unless given."""
    kv = {"residential": "0.22", "lv_commercial": "0.38"}.get(category, "10")
    return {"id": cid, "category": category, "supply_voltage_kv": kv, **extra}


# -- SV-PRIO ----------------------------------------------------------------------------


def test_service_order_serves_higher_grades_first_and_ties_by_id() -> None:
    """A before B before C before D before ungraded; equal grades by customer id."""
    ds = [decision("c5", None), decision("c4", "D"), decision("c2", "B"), decision("c3", "A")]
    ds.append(decision("c1", "B"))
    order = service_order(ds)
    assert [p.customer_id for p in order] == ["c3", "c1", "c2", "c4", "c5"]
    assert [p.position for p in order] == [1, 2, 3, 4, 5]
    assert all(p.clause == "SV-PRIO" for p in order)
    assert "ungraded" in order[-1].reason
    assert "1 customer(s) of higher grades ahead" in order[1].reason


def test_service_order_uses_request_time_within_a_grade() -> None:
    """Within one grade the earlier request is served first; the grade still comes first."""
    ds = [decision("a", "B"), decision("b", "B"), decision("c", "A")]
    times = {
        "a": "2026-11-20T10:00:00+08:00",
        "b": "2026-11-20T09:00:00+08:00",
        "c": "2026-11-20T11:00:00+08:00",
    }
    order = service_order(ds, requested_at=times)
    assert [p.customer_id for p in order] == ["c", "b", "a"]
    assert "requested at 2026-11-20T09:00:00+08:00" in order[1].reason


def test_service_order_refuses_incomplete_request_times_and_duplicates() -> None:
    """Request times must name exactly the customers; a customer may appear once."""
    ds = [decision("a", "A"), decision("b", "B")]
    with pytest.raises(ValueError, match="no request time for b"):
        service_order(ds, requested_at={"a": "2026-11-20T10:00:00+08:00"})
    with pytest.raises(ValueError, match="unknown customers z"):
        service_order(
            ds,
            requested_at={
                "a": "2026-11-20T10:00:00+08:00",
                "b": "2026-11-20T10:00:00+08:00",
                "z": "2026-11-20T10:00:00+08:00",
            },
        )
    with pytest.raises(ValueError, match="more than one decision"):
        service_order([decision("a", "A"), decision("a", "B")])


# -- SV-SHED ----------------------------------------------------------------------------


def test_shedding_order_groups_by_usage_nature_lowest_grade_first() -> None:
    """Per usage nature: ungraded, D, C, B, A; groups alphabetical, unrecorded last."""
    ds = [
        decision("i1", "A"),
        decision("i2", "D"),
        decision("i3", None),
        decision("c1", "B"),
        decision("c2", "C"),
        decision("u1", "A"),
    ]
    cs = [
        customer("i1", "lv_commercial", usage_nature="industrial"),
        customer("i2", "lv_commercial", usage_nature="industrial"),
        customer("i3", "lv_commercial", usage_nature="industrial"),
        customer("c1", "lv_commercial", usage_nature="commercial"),
        customer("c2", "lv_commercial", usage_nature="commercial"),
        customer("u1", "residential"),
    ]
    order = shedding_order(ds, cs)
    assert [(p.group, p.position, p.customer_id) for p in order] == [
        ("commercial", 1, "c2"),
        ("commercial", 2, "c1"),
        ("industrial", 1, "i3"),
        ("industrial", 2, "i2"),
        ("industrial", 3, "i1"),
        (UNSPECIFIED_USAGE, 1, "u1"),
    ]
    assert "before grade C, grade B, grade A" not in order[3].reason  # only grades present
    assert "grade D is interrupted before grade A" in order[3].reason
    assert "shed_last, SV-A-4" in order[4].reason


def test_shedding_order_needs_a_customer_for_every_decision() -> None:
    """A decision without its customer record (or the reverse) is refused, not skipped."""
    with pytest.raises(ValueError, match="decisions without a customer record: b"):
        shedding_order([decision("a", "A"), decision("b", "B")], [customer("a")])
    with pytest.raises(ValueError, match="customers without a decision: z"):
        shedding_order([decision("a", "A")], [customer("a"), customer("z")])


# -- SV-REWARD --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "size"), [(0, 0), (1, 1), (9, 1), (10, 1), (11, 2), (20, 2), (21, 3), (100, 10)]
)
def test_at_least_ten_percent_rounds_up(count: int, size: int) -> None:
    """不少于10%: the smallest whole number that is at least 10%."""
    assert at_least_percent(count, 10) == size


def test_reward_draw_per_category_among_a_grades_only() -> None:
    """Each of the three categories draws ceil(10%) of its A-grade customers."""
    ds, cs = [], []
    for i in range(11):
        ds.append(decision(f"r{i:02d}", "A"))
        cs.append(customer(f"r{i:02d}", "residential"))
    for i in range(3):
        ds.append(decision(f"l{i}", "A"))
        cs.append(customer(f"l{i}", "lv_commercial"))
    ds += [decision("lb", "B"), decision("o1", "A")]
    cs += [customer("lb", "lv_commercial"), customer("o1", "other")]
    result = reward_draw(ds, cs, seed=2026)
    assert [s.key for s in result.strata] == [
        "dedicated_transformer",
        "lv_commercial",
        "residential",
    ]
    assert [(s.population, s.size) for s in result.strata] == [(0, 0), (3, 1), (11, 2)]
    assert set(result.stratum("residential").drawn) <= {f"r{i:02d}" for i in range(11)}
    excluded = {e.customer_id: e.reason for e in result.excluded}
    assert excluded == {
        "lb": "grade B: only A-grade customers",
        "o1": "category other is not drawn (SV-REWARD)",
    }
    assert reward_draw(list(reversed(ds)), list(reversed(cs)), seed=2026) == result


def test_reward_draw_is_pinned_for_a_seed() -> None:
    """The draw for a seed is fixed (only random.Random(str).random() is used)."""
    ids = [f"C{i:02d}" for i in range(20)]
    assert draw(ids, 3, "SV-REWARD|2026|residential") == ("C03", "C11", "C17")
    assert draw(ids, 3, "SV-REWARD|2027|residential") == ("C04", "C15", "C17")


def test_reward_draw_strata_are_independent() -> None:
    """Adding a residential customer leaves the low-voltage draw unchanged."""
    ds = [decision(f"l{i:02d}", "A") for i in range(30)]
    cs = [customer(f"l{i:02d}", "lv_commercial") for i in range(30)]
    before = reward_draw(ds, cs, seed="y").stratum("lv_commercial")
    after = reward_draw([*ds, decision("r1", "A")], [*cs, customer("r1")], seed="y").stratum(
        "lv_commercial"
    )
    assert before == after


# -- CB-SAMPLE / CB-CARD ----------------------------------------------------------------


def test_callback_sample_leaves_out_large_and_must_customers() -> None:
    """>= 10 kV (CB-LARGE), deputies/media/supervisors and given ids are not sampled."""
    cs = [customer(f"r{i:02d}", usage_nature="residential") for i in range(25)]
    cs += [
        customer("big", "dedicated_transformer", usage_nature="industrial"),
        customer("dep", usage_nature="residential", is_deputy=True),
        customer("new", "lv_commercial", usage_nature="commercial"),
        customer("shop", "lv_commercial", usage_nature="commercial"),
        customer("none", "lv_commercial"),
    ]
    sample = callback_sample(cs, seed=7, exclude={"new": "new installation in the period"})
    assert [(s.key, s.population, s.size) for s in sample.strata] == [
        ("commercial", 1, 1),
        ("residential", 25, 3),
        (UNSPECIFIED_USAGE, 1, 1),
    ]
    reasons = {e.customer_id: e.reason for e in sample.excluded}
    assert reasons["big"].startswith("CB-LARGE")
    assert reasons["dep"].startswith("CB-MUST")
    assert reasons["new"] == "CB-MUST: new installation in the period"
    assert callback_sample(list(reversed(cs)), seed=7, exclude=["new"]).drawn == sample.drawn
    by_category = callback_sample(cs, seed=7, by="category", exclude=["new"])
    assert [s.key for s in by_category.strata] == ["lv_commercial", "residential"]
    with pytest.raises(ValueError, match="unknown customers: ghost"):
        callback_sample(cs, seed=7, exclude=["ghost"])


def test_feedback_card_sample_ten_and_one_percent() -> None:
    """10% of the month's non-residential and 1% of residential customers, rounded up."""
    cs = [customer(f"r{i:03d}") for i in range(150)]
    cs += [customer(f"b{i:02d}", "lv_commercial") for i in range(21)]
    rnd = feedback_card_sample(cs, month="2026-05", seed=1)
    assert [(s.key, s.population, s.size) for s in rnd.strata] == [
        ("non_residential", 21, 3),
        ("residential", 150, 2),
    ]
    other = feedback_card_sample(cs, month="2026-11", seed=1)
    assert other.seed == "1|2026-11"
    assert rnd.seed == "1|2026-05"
    assert feedback_card_sample(list(reversed(cs)), month="2026-05", seed=1) == rnd
    with pytest.raises(ValueError, match="YYYY-MM"):
        feedback_card_sample(cs, month="2026-5", seed=1)


# -- KA-TIER ----------------------------------------------------------------------------


def test_tiers_by_cumulative_revenue_share() -> None:
    """The customer crossing 50% is tier 1, crossing 80% tier 2; non key accounts are ignored."""
    ds = [decision(c, "A", general=True) for c in "abcde"] + [decision("x", "A")]
    revenue = {"a": 40, "b": 30, "c": 15, "d": 10, "e": 5, "x": 1000}
    tiers = {t.customer_id: t for t in assign_tiers(ds, revenue)}
    assert {c: t.tier for c, t in tiers.items()} == {"a": 1, "b": 1, "c": 2, "d": 3, "e": 3}
    assert tiers["b"].before_percent == Decimal("40.0000")
    assert tiers["c"].before_percent == Decimal("70.0000")
    assert "70.0000% of revenue, < 80%" in tiers["c"].reason


def test_tiers_equal_revenue_same_tier_and_edge_cases() -> None:
    """Equal revenue shares a tier; zero total is tier 3; a missing revenue is an error."""
    ds = [decision(c, "A", important=True) for c in "abc"]
    tiers = assign_tiers(ds, {"a": 50, "b": 50, "c": 0})
    assert [(t.customer_id, t.tier) for t in tiers] == [("a", 1), ("b", 1), ("c", 3)]
    zero = assign_tiers(ds, {"a": 0, "b": 0, "c": 0})
    assert {t.tier for t in zero} == {3}
    with pytest.raises(ValueError, match="no revenue for key accounts: c"):
        assign_tiers(ds, {"a": 1, "b": 1})
    with pytest.raises(ValueError, match="negative revenue"):
        assign_tiers(ds, {"a": 1, "b": 1, "c": -1})
    custom = assign_tiers(ds, {"a": 60, "b": 30, "c": 10}, tier1_percent=60, tier2_percent=90)
    assert [t.tier for t in custom] == [1, 2, 3]
