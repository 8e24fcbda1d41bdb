"""Population rules on the bundled sample: grade everyone, draw the yearly reward,
order customers for load shedding, and tier the key accounts.

Run from a source tree with ``PYTHONPATH=src python examples/population.py``.
The output is the same on every run: the engine is deterministic and the draws
are seeded.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import gridcrm_rules as gr
from gridcrm_rules import population
from gridcrm_rules.sample import load_sample


def main() -> None:
    """Grade the sample, then apply SV-REWARD, SV-SHED and KA-TIER to the whole population."""
    sample = load_sample()
    engine = gr.Engine.default()
    decisions = [
        engine.evaluate(c, sample.events_for(c["id"]), as_of=sample.as_of) for c in sample.customers
    ]
    grades = Counter(d.credit.grade if d.credit else None for d in decisions)
    print(
        f"Graded {len(decisions)} customers at {sample.as_of:%Y-%m-%d}:",
        dict(sorted(grades.items(), key=str)),
    )

    # SV-REWARD: at least 10% (rounded up) of the A-grade customers of each category.
    reward = population.reward_draw(decisions, sample.customers, seed=2026)
    print("\nSV-REWARD draw for 2026 (seed 2026):")
    for stratum in reward.strata:
        print(f"  {stratum.key:<22} {', '.join(stratum.drawn) or '—':<20} {stratum.reason}")

    # SV-SHED: within each usage nature, the lowest grades are interrupted first.
    print("\nSV-SHED load-shedding order (1 = interrupted first):")
    for ranked in population.shedding_order(decisions, sample.customers):
        grade = ranked.grade or "ungraded"
        print(f"  {ranked.group:<13} {ranked.position:>2}. {ranked.customer_id} {grade}")

    # KA-TIER: tiers by share of key-account revenue (here: the bills of the last 12 months).
    revenue: dict[str, Decimal] = {}
    for c in sample.customers:
        bills = [e for e in sample.events_for(c["id"]) if e["type"] == "bill_issued"]
        last_12 = sorted(bills, key=lambda b: str(b["period"]))[-12:]
        revenue[c["id"]] = sum((Decimal(str(b["amount"])) for b in last_12), Decimal(0))
    print("\nKA-TIER of the key accounts (revenue of the last 12 bills):")
    for tier in population.assign_tiers(decisions, revenue):
        print(
            f"  tier {tier.tier}  {tier.customer_id}  {tier.revenue:>12}  {tier.share_percent:>8}%"
        )


if __name__ == "__main__":
    main()
