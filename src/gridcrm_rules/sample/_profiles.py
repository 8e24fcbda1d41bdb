"""The customer profiles of the sample data and the credit grade each one must get.

A *profile* is a payment and incident pattern (RULES.md §2); its *variants*
differ in the edge they probe.  The grades below follow the default reading
of RULES.md §2 (age reading of "超过一个月", year window = 12 months ending at
``cutoff``, CR-GAP → B), evaluated at ``as_of`` 09:00 Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["IMPORTANT_ORG_TYPES", "POPULATION_MIX", "PROFILES", "PROFILE_VARIANTS", "Variant"]


@dataclass(frozen=True, slots=True)
class Variant:
    """What one variant of a profile is and the credit result it must get."""

    grade: str
    rule_id: str
    note: str
    provisional: bool = False


def _a(note: str, *, provisional: bool = False) -> Variant:
    return Variant("A", "CR-A", note, provisional)


def _b(note: str) -> Variant:
    return Variant("B", "CR-B", note)


def _c(note: str) -> Variant:
    return Variant("C", "CR-C", note)


def _d(note: str) -> Variant:
    return Variant("D", "CR-D", note)


PROFILE_VARIANTS: dict[str, tuple[Variant, ...]] = {
    "punctual": (
        _a("every bill paid before its due date (the 15th)"),
        _a("bills due on the last day of the next month, paid before it"),
    ),
    "late_once_in_year": (
        _b("one bill in the year window paid 3-12 days late; nothing owed at cutoff"),
        _b("one bill in the year window paid the day after its due date"),
    ),
    "late_before_year": (
        _a("one bill paid late, but due more than 13 months before cutoff"),
        _a("one bill paid late, but due more than 13 months before cutoff"),
    ),
    "gap": (
        Variant("B", "CR-GAP", "latest bill due before cutoff (the 15th) unpaid; CR-GAP default"),
        Variant("B", "CR-GAP", "latest bill due on cutoff itself unpaid; CR-GAP default"),
    ),
    "over_1m": (
        _c("unpaid since the bill due the 15th two months before cutoff's month"),
        _c("month-end dues: oldest unpaid bill has due + 2 months == cutoff (not over 2m)"),
    ),
    "over_2m": (
        _d("unpaid since the latest bill with due + 2 months < cutoff"),
        _d("unpaid for about five months"),
    ),
    "theft_recent": (
        _d("theft about 20 months before as_of"),
        _d("theft at as_of - 3 years + 1 hour (inside the inclusive 3-year window)"),
        _d("theft recorded in the current month, after cutoff: D at once"),
    ),
    "violation_recent": (
        _d("illegal use about 15 months before as_of"),
        _d("illegal use about 23 months before as_of"),
    ),
    "violation_old": (
        _a("illegal use about 4 years before as_of, otherwise punctual"),
        _a("illegal use on the day before as_of - 3 years, otherwise punctual"),
    ),
    "fifo_partial": (
        _b("a bill part-paid before due, rest settled FIFO by the next month's payment"),
        _b("a bill paid in three instalments, the last 5 days after due"),
    ),
    "named_payment": (
        _d(
            "an older bill stays unpaid (due + 2 months < cutoff) while payments name newer "
            "bills; FIFO would give B (CR-GAP)"
        ),
        _c(
            "an older bill stays unpaid (due + 1 month < cutoff) while payments name newer "
            "bills; FIFO would give B (CR-GAP)"
        ),
    ),
    "new_customer": (
        _a("connected 5 months before as_of: 5 bills, all punctual", provisional=True),
        _a("connected 11 months before as_of: 11 bills, all punctual", provisional=True),
    ),
    "no_bills": (
        _a("no events at all", provisional=True),
        _a("installed this month, no bill yet", provisional=True),
    ),
    "payment_after_cutoff": (
        _c("over 1 month in arrears at cutoff, everything paid early in the as_of month"),
        _c("over 1 month in arrears at cutoff, paid at 00:05 on the day after cutoff"),
    ),
    "future_events": (
        _a("punctual; theft, a bill, a payment and consumption dated after as_of"),
        _a("punctual; illegal use recorded one hour after as_of"),
    ),
    "key_account_large": (
        _a("35 kV, 2000 kVA, high load: general key account"),
        _a("110 kV, 2000 kVA, high load: general key account"),
    ),
    "key_account_border": (
        _a("previous-year consumption exactly 4000.00 kWh every month (average 4000.00)"),
        _a("previous-year consumption varies, average exactly 4000.00 kWh"),
    ),
    "key_account_below": (
        _a("previous-year consumption 3999.99 kWh every month: not a key account"),
        _a("previous-year consumption varies, average 3999.99 kWh: not a key account"),
    ),
    "important_org": (
        _a("hospital on a 10 kV dedicated transformer: important, critical_infrastructure"),
        _a("low-voltage clinic (org_type hospital): important, critical_infrastructure"),
    ),
}
"""Each profile's variants, in the order customers are assigned to them."""

PROFILES: tuple[str, ...] = tuple(PROFILE_VARIANTS)
"""Every profile name."""

IMPORTANT_ORG_TYPES = frozenset(
    {"government", "military", "media", "hospital", "school", "hotel", "state_key_unit"}
)
"""``org_type`` values that make a customer important (KA-IMP)."""

POPULATION_MIX: dict[str, float] = {
    "punctual": 0.54,
    "late_once_in_year": 0.08,
    "late_before_year": 0.04,
    "gap": 0.04,
    "over_1m": 0.03,
    "over_2m": 0.03,
    "theft_recent": 0.02,
    "violation_recent": 0.01,
    "violation_old": 0.02,
    "fifo_partial": 0.03,
    "named_payment": 0.02,
    "new_customer": 0.04,
    "no_bills": 0.01,
    "payment_after_cutoff": 0.02,
    "future_events": 0.02,
    "key_account_large": 0.02,
    "key_account_border": 0.01,
    "key_account_below": 0.01,
    "important_org": 0.01,
}
"""Share of each profile in :func:`generate_population` (sums to 1)."""
