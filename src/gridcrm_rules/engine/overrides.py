"""Grade overrides by a key-account manager (RULES.md §2, source 004 大客户经理岗位权限).

"按规定权限,对大客户信用分数进行调整": an override moves the computed grade
within authority.  Defaults (pack parameters): at most one grade step, and
never out of a D caused by theft or illegal use.  Overrides are taken in time
order; the latest one in force wins and earlier ones are marked superseded.
Every refusal is recorded, so nothing a manager did disappears silently.

Scope (``override_scope``): the source gives the manager this authority over
大客户 only, so by default an override of a customer who is not a key account
(``ka_list.member``) is refused with that reason; ``all`` widens it to every
customer.  When key-account status is unknown (the key_accounts pack is not
loaded) a ``key_accounts``-scoped override is refused too, saying so.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ..models import GradeOverride, OverrideRecord
from ..models.decision import Grade

__all__ = ["GRADE_RANK", "OVERRIDE_SCOPES", "apply_overrides"]

OVERRIDE_SCOPES = ("key_accounts", "all")
"""Values of the ``override_scope`` parameter (RULES.md §2 Overrides)."""

GRADE_RANK: dict[str, int] = {"A": 4, "B": 3, "C": 2, "D": 1}
"""Higher is better: A > B > C > D."""


def apply_overrides(
    computed: Grade | None,
    overrides: Iterable[GradeOverride],
    *,
    as_of: datetime,
    theft_caused_d: bool,
    max_steps: int,
    theft_d_locked: bool,
    scope: str = "all",
    key_account: bool | None = None,
) -> tuple[Grade | None, tuple[OverrideRecord, ...]]:
    """The effective grade and one record per override event.

    ``key_account`` is the customer's key-account status (None: unknown); it
    matters when ``scope`` is ``key_accounts``.
    """
    if scope not in OVERRIDE_SCOPES:
        raise ValueError(f"override_scope: expected 'key_accounts' or 'all', got {scope!r}")
    records: list[OverrideRecord] = []
    effective = computed
    applied_index: int | None = None
    for o in sorted(overrides, key=lambda o: (o.at, o.id)):
        status, detail = _judge(o, computed, as_of, theft_caused_d, max_steps, theft_d_locked)
        if status == "applied" and scope == "key_accounts" and not key_account:
            status, detail = "refused", (
                "key-account status unknown (the key_accounts pack is not loaded); "
                "override_scope is key_accounts"
                if key_account is None
                else "the customer is not a key account (KA-LIST); a key-account manager's "
                "authority covers key accounts only (override_scope: key_accounts)"
            )
        if status == "applied":
            if applied_index is not None:
                records[applied_index] = records[applied_index].model_copy(
                    update={"status": "superseded", "detail": f"superseded by {o.id}"}
                )
            applied_index = len(records)
            effective = o.to_grade
        records.append(
            OverrideRecord(
                event_id=o.id,
                at=o.at,
                by=o.by,
                reason=o.reason,
                from_grade=computed,
                to_grade=o.to_grade,
                expires=o.expires,
                status=status,
                detail=detail,
            )
        )
    return effective, tuple(records)


def _judge(
    o: GradeOverride,
    computed: Grade | None,
    as_of: datetime,
    theft_caused_d: bool,
    max_steps: int,
    theft_d_locked: bool,
) -> tuple[str, str | None]:
    if o.expires is not None and o.expires <= as_of:
        return "expired", f"expired at {o.expires.isoformat()}"
    if computed is None:
        return "refused", "the customer has no computed grade to adjust"
    if theft_d_locked and computed == "D" and theft_caused_d:
        return "refused", "D caused by theft or illegal use within 3 years cannot be overridden"
    steps = abs(GRADE_RANK[o.to_grade] - GRADE_RANK[computed])
    if steps > max_steps:
        return (
            "refused",
            f"moves {steps} grades ({computed}->{o.to_grade}); authority is {max_steps}",
        )
    return "applied", None
