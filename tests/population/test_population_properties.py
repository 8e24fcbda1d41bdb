"""Properties of the population rules over random populations (hypothesis)."""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from gridcrm_rules.models import CreditResult, Decision, KeyAccountProfile, Trace
from gridcrm_rules.population import (
    REWARD_CATEGORIES,
    assign_tiers,
    at_least_percent,
    grade_rank,
    reward_draw,
    service_order,
    shedding_order,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI)
CATEGORIES = ("dedicated_transformer", "lv_commercial", "residential", "other")
VOLTAGE = {"dedicated_transformer": "10", "lv_commercial": "0.38", "residential": "0.22"}

grades = st.sampled_from(["A", "B", "C", "D", None])
rows = st.lists(
    st.tuples(
        grades,
        st.sampled_from(CATEGORIES),
        st.sampled_from(["industrial", "commercial", "residential", None]),
    ),
    max_size=60,
)


def _decision(cid: str, grade: Any) -> Decision:
    return Decision(
        customer_id=cid,
        as_of=AS_OF,
        credit=CreditResult(
            grade=grade, computed_grade=grade, rule_ids=(), provisional=False, facts={}
        ),
        trace=Trace(
            packs=(),
            as_of=AS_OF,
            cutoff=date(2026, 10, 31),
            events_considered=0,
            events_after_as_of=0,
            hits=(),
        ),
    )


def _population(data: list[tuple[Any, str, Any]]) -> tuple[list[Decision], list[dict[str, Any]]]:
    ds, cs = [], []
    for i, (grade, category, usage) in enumerate(data):
        cid = f"C{i:03d}"
        ds.append(_decision(cid, grade))
        cs.append(
            {
                "id": cid,
                "category": category,
                "supply_voltage_kv": VOLTAGE.get(category, "10"),
                "usage_nature": usage,
            }
        )
    return ds, cs


@given(rows, st.randoms(use_true_random=False))
def test_shedding_never_interrupts_a_higher_grade_before_a_lower_one(
    data: list[tuple[Any, str, Any]], rnd: random.Random
) -> None:
    """Within one usage nature, positions never go from a higher grade to a lower one."""
    ds, cs = _population(data)
    rnd.shuffle(ds)
    order = shedding_order(ds, cs)
    assert sorted(p.customer_id for p in order) == sorted(d.customer_id for d in ds)
    by_group: dict[str | None, list[Any]] = {}
    for p in order:
        by_group.setdefault(p.group, []).append(p)
    for members in by_group.values():
        assert [p.position for p in members] == list(range(1, len(members) + 1))
        ranks = [grade_rank(p.grade) for p in members]
        # interrupted first = lowest grade = highest rank number
        assert ranks == sorted(ranks, reverse=True)


@given(rows, st.randoms(use_true_random=False))
def test_service_order_is_by_grade_and_independent_of_input_order(
    data: list[tuple[Any, str, Any]], rnd: random.Random
) -> None:
    """SV-PRIO is sorted by grade and gives the same order for any input order."""
    ds, _ = _population(data)
    order = service_order(ds)
    ranks = [grade_rank(p.grade) for p in order]
    assert ranks == sorted(ranks)
    shuffled = list(ds)
    rnd.shuffle(shuffled)
    assert service_order(shuffled) == order


@given(rows, st.randoms(use_true_random=False), st.integers(0, 10_000))
def test_reward_draw_size_and_order_independence(
    data: list[tuple[Any, str, Any]], rnd: random.Random, seed: int
) -> None:
    """Each category draws exactly ceil(10%) of its A customers, the same in any input order."""
    ds, cs = _population(data)
    result = reward_draw(ds, cs, seed=seed)
    grade_of = {d.customer_id: d.credit.grade for d in ds if d.credit is not None}
    for category in REWARD_CATEGORIES:
        eligible = {c["id"] for c in cs if c["category"] == category and grade_of[c["id"]] == "A"}
        stratum = result.stratum(category)
        assert stratum.population == len(eligible)
        assert stratum.size == at_least_percent(len(eligible), 10) == len(stratum.drawn)
        assert 10 * stratum.size >= len(eligible)
        assert set(stratum.drawn) <= eligible
    assert len(result.excluded) + sum(s.population for s in result.strata) == len(ds)
    order = list(range(len(ds)))
    rnd.shuffle(order)
    again = reward_draw([ds[i] for i in order], [cs[i] for i in order], seed=seed)
    assert again == result


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=40))
def test_tiers_are_monotone_in_revenue(revenues: list[int]) -> None:
    """A customer with more revenue never gets a worse tier than one with less."""
    ds = [
        _decision(f"K{i:03d}", "A").model_copy(
            update={"key_account": KeyAccountProfile(general=True)}
        )
        for i in range(len(revenues))
    ]
    tiers = assign_tiers(ds, {f"K{i:03d}": r for i, r in enumerate(revenues)})
    assert len(tiers) == len(revenues)
    ordered = sorted(tiers, key=lambda t: -t.revenue)
    assert [t.tier for t in ordered] == sorted(t.tier for t in ordered)
    if sum(revenues) > 0:
        assert ordered[0].tier == 1
