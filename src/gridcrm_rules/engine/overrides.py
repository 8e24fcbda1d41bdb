"""Grade overrides by a key-account manager (RULES.md §2, source 004 大客户经理岗位权限).

"按规定权限,对大客户信用分数进行调整": an override moves the computed grade
within authority.  Defaults (pack parameters): at most one grade step, and
never out of a D caused by theft or illegal use.  Overrides are taken in time
order; the latest one in force wins and earlier ones are marked superseded.
Every refusal is recorded, so nothing a manager did disappears silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ..models import GradeOverride, OverrideRecord
from ..models.decision import Grade

__all__ = ["GRADE_RANK", "apply_overrides"]

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
) -> tuple[Grade | None, tuple[OverrideRecord, ...]]:
    """The effective grade and one record per override event."""
    records: list[OverrideRecord] = []
    effective = computed
    applied_index: int | None = None
    for o in sorted(overrides, key=lambda o: (o.at, o.id)):
        status, detail = _judge(o, computed, as_of, theft_caused_d, max_steps, theft_d_locked)
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
