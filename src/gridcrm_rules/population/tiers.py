"""KA-TIER: key-account tiers 1/2/3 by share of key-account revenue (RULES.md §5).

Source: 004_953f5f3099258168.txt 第九条 (一级客户 … 经济效益较高 / 二级 … 较好 / 三级 … 一般)
gives no thresholds (**GAP**). The default follows the 80/20 "core customer" idea of
001_dd512314ecd5c970.txt (对为电力企业创造80%的业务和利润,且占客户总量20%的优质、核心客户):

Key accounts are sorted by revenue, largest first (ties by customer id). A customer
is tier 1 while the revenue of the customers before it is less than 50% of the
total, tier 2 while it is less than 80%, else tier 3 — so the customer that
crosses a threshold belongs to the better tier, and the largest customer is always
tier 1. Customers with equal revenue get the same tier (the tier of the first of
them). With a total of zero every key account is tier 3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..models import Decision
from ._common import decisions_by_id

__all__ = ["TierAssignment", "assign_tiers", "is_key_account"]


@dataclass(frozen=True, slots=True)
class TierAssignment:
    """The tier of one key account with the shares that decided it."""

    clause: str
    position: int
    customer_id: str
    tier: int
    revenue: Decimal
    share_percent: Decimal
    before_percent: Decimal
    reason: str


def is_key_account(decision: Decision) -> bool:
    """On the key-account list: general (KA-GEN) or important (KA-IMP)."""
    ka = decision.key_account
    return ka is not None and (ka.general or ka.important)


def _percent(part: Decimal, total: Decimal) -> Decimal:
    return (part * 100 / total).quantize(Decimal("0.0001")) if total else Decimal(0)


def assign_tiers(
    decisions: Sequence[Decision],
    revenue: Mapping[str, Decimal | int | str],
    *,
    tier1_percent: Decimal | int = 50,
    tier2_percent: Decimal | int = 80,
) -> tuple[TierAssignment, ...]:
    """KA-TIER for the key accounts among ``decisions`` (see the module docstring).

    ``revenue`` maps customer id -> revenue (CNY, >= 0) and must cover every key
    account; other ids are ignored. Store the result on the customers
    (``key_account_tier``) so that single evaluations route them (KA-ROUTE).
    """
    t1, t2 = Decimal(tier1_percent), Decimal(tier2_percent)
    if not 0 < t1 <= t2 <= 100:
        raise ValueError(f"expected 0 < tier1_percent <= tier2_percent <= 100, got {t1}, {t2}")
    keys = sorted(cid for cid, d in decisions_by_id(decisions).items() if is_key_account(d))
    missing = [cid for cid in keys if cid not in revenue]
    if missing:
        raise ValueError(f"no revenue for key accounts: {', '.join(missing)}")
    amounts = {cid: Decimal(str(revenue[cid])) for cid in keys}
    negative = [cid for cid, a in amounts.items() if a < 0]
    if negative:
        raise ValueError(f"negative revenue for: {', '.join(negative)}")
    total = sum(amounts.values(), Decimal(0))
    order = sorted(keys, key=lambda cid: (-amounts[cid], cid))
    out: list[TierAssignment] = []
    before = Decimal(0)
    tier_of_amount: dict[Decimal, int] = {}
    for position, cid in enumerate(order, start=1):
        amount = amounts[cid]
        share_before = before * 100 / total if total else Decimal(100)
        if amount in tier_of_amount:
            tier = tier_of_amount[amount]
            why = "same revenue as the customer before it"
        else:
            tier = 1 if share_before < t1 else 2 if share_before < t2 else 3
            tier_of_amount[amount] = tier
            bound = {1: f"< {t1}%", 2: f"< {t2}% (>= {t1}%)", 3: f">= {t2}%"}[tier]
            why = f"customers before it make {_percent(before, total)}% of revenue, {bound}"
        if not total:
            why = "total key-account revenue is zero"
            tier = 3
        out.append(
            TierAssignment(
                clause="KA-TIER",
                position=position,
                customer_id=cid,
                tier=tier,
                revenue=amount,
                share_percent=_percent(amount, total),
                before_percent=_percent(before, total),
                reason=f"tier {tier}: {why} (KA-TIER, GAP default thresholds {t1}/{t2}%)",
            )
        )
        before += amount
    return tuple(out)
