"""SV-PRIO and SV-SHED: orderings of many customers by credit grade (RULES.md §3).

Source: 000_00d757a177b389d7.txt, 三(一):

* SV-PRIO: 不同信用等级客户出现并发用电服务要求时,优先对信用等级高的客户进行服务。
* SV-SHED: 限电情况下,相同用电性质的客户,信用等级高的客户中断供电排序置后。

Both orderings are total and deterministic: the same decisions give the same
order whatever order they come in, because every tie is broken by customer id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from .._time import to_aware
from ..models import Customer, Decision, Grade
from ._common import decisions_by_id, grade_of, grade_rank, grade_text, matched

__all__ = ["UNSPECIFIED_USAGE", "RankedCustomer", "service_order", "shedding_order"]

UNSPECIFIED_USAGE: Final = "(unspecified)"
"""The group of customers whose ``usage_nature`` is not recorded (SV-SHED)."""


@dataclass(frozen=True, slots=True)
class RankedCustomer:
    """One position of an ordering, with the rule and the reason that put it there.

    ``position`` is 1-based; for SV-SHED it counts within ``group`` (the usage
    nature): position 1 is interrupted first.
    """

    clause: str
    position: int
    customer_id: str
    grade: Grade | None
    group: str | None
    reason: str


def service_order(
    decisions: Sequence[Decision],
    *,
    requested_at: Mapping[str, datetime | str] | None = None,
) -> tuple[RankedCustomer, ...]:
    """SV-PRIO: the order in which concurrent service requests are served.

    Higher grade first (A, B, C, D, then ungraded); within a grade, the earlier
    request first when ``requested_at`` (customer id -> instant) is given, then
    customer id. ``requested_at`` must name exactly the customers of ``decisions``.
    """
    by_id = decisions_by_id(decisions)
    times: dict[str, datetime] = {}
    if requested_at is not None:
        missing = sorted(set(by_id) - set(requested_at))
        extra = sorted(set(requested_at) - set(by_id))
        if missing or extra:
            parts = [f"no request time for {', '.join(missing)}"] if missing else []
            parts += [f"request times for unknown customers {', '.join(extra)}"] if extra else []
            raise ValueError("; ".join(parts))
        times = {k: to_aware(v) for k, v in requested_at.items()}

    def key(cid: str) -> tuple[Any, ...]:
        rank = grade_rank(grade_of(by_id[cid]))
        return (rank, times[cid], cid) if times else (rank, cid)

    order = sorted(by_id, key=key)
    counts = _grade_counts(grade_of(by_id[c]) for c in order)
    out = []
    for position, cid in enumerate(order, start=1):
        grade = grade_of(by_id[cid])
        ahead = sum(n for g, n in counts.items() if grade_rank(g) < grade_rank(grade))
        tie = f"requested at {times[cid].isoformat()}, then " if times else ""
        reason = (
            f"{grade_text(grade)}: higher grades are served first (SV-PRIO), "
            f"{ahead} customer(s) of higher grades ahead; within the grade by {tie}customer id"
        )
        out.append(RankedCustomer("SV-PRIO", position, cid, grade, None, reason))
    return tuple(out)


def shedding_order(
    decisions: Sequence[Decision],
    customers: Iterable[Customer | Mapping[str, Any]],
) -> tuple[RankedCustomer, ...]:
    """SV-SHED: per usage nature, the order in which customers are interrupted.

    Within one ``usage_nature`` the lowest grade goes first (ungraded, D, C, B,
    then A, whose ``shed_last`` entitlement SV-A-4 says the same), ties by
    customer id. Groups come in alphabetical order, unrecorded usage nature
    last as :data:`UNSPECIFIED_USAGE`; the source orders nothing across groups.
    Every decision needs its customer record and vice versa (``ValueError``).
    """
    groups: dict[str, list[tuple[int, str, Grade | None]]] = {}
    for d, c in matched(decisions, customers):
        group = c.usage_nature if c.usage_nature else UNSPECIFIED_USAGE
        grade = grade_of(d)
        groups.setdefault(group, []).append((-grade_rank(grade), d.customer_id, grade))
    out = []
    for group in sorted(groups, key=lambda g: (g == UNSPECIFIED_USAGE, g)):
        members = sorted(groups[group])
        for position, (_, cid, grade) in enumerate(members, start=1):
            higher = {g for _, _, g in members if grade_rank(g) < grade_rank(grade)}
            later = [grade_text(g) for g in sorted(higher, key=grade_rank, reverse=True)]
            after = f"before {', '.join(later)}" if later else "last: no higher grade in the group"
            extra = " (shed_last, SV-A-4)" if grade == "A" else ""
            reason = (
                f"usage nature {group}: {grade_text(grade)} is interrupted {after}{extra} "
                f"(SV-SHED); within the grade by customer id"
            )
            out.append(RankedCustomer("SV-SHED", position, cid, grade, group, reason))
    return tuple(out)


def _grade_counts(grades: Iterable[Grade | None]) -> dict[Grade | None, int]:
    counts: dict[Grade | None, int] = {}
    for g in grades:
        counts[g] = counts.get(g, 0) + 1
    return counts
