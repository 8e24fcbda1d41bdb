"""Seeded draws over many customers: SV-REWARD, CB-SAMPLE and CB-CARD.

* SV-REWARD (000_00d757a177b389d7.txt, 三(一)): 每个年度在不同类别(10kv及以上专变客户、
  低压一般工商业客户、居民照明客户)的A级客户中抽取一定比例(不少于10%)的客户, 予以奖励。
* CB-SAMPLE (003_116c8bfe1db59ab4.txt, 第四条): 其他客户可做抽样回访,抽样客户应兼顾各用电
  类型,抽样比例不低于10%。
* CB-CARD (003, 第十一条 “连心卡”): 每次抽样量为当月非居民电力客户的10%和居民客户的1%。

"不少于 / 不低于" include the number (RULES.md §0), and a share of customers is a
whole number, so every stratum draws ``ceil(n × percent / 100)``.

Reproducible and order-independent: each stratum's ids are sorted, then a partial
Fisher–Yates shuffle takes the first ``k``, driven only by ``random.Random.random()``
seeded with the text ``"<clause>|<seed>|<stratum>"`` (string seeds and ``random()``
are the parts of :mod:`random` Python guarantees not to change between versions).
The same seed and customers give the same draw in any input order; strata are
drawn independently, so adding a customer to one stratum leaves the others alone.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal

from ..models import Customer, Decision
from ._common import at_least_percent, customers_by_id, grade_of, grade_text, matched
from .ordering import UNSPECIFIED_USAGE

__all__ = [
    "REWARD_CATEGORIES",
    "Exclusion",
    "Sample",
    "Stratum",
    "callback_sample",
    "draw",
    "feedback_card_sample",
    "reward_draw",
]

REWARD_CATEGORIES: Final = ("dedicated_transformer", "lv_commercial", "residential")
"""The three categories of SV-REWARD: 10kv及以上专变客户 / 低压一般工商业客户 / 居民照明客户."""

Seed = int | str


@dataclass(frozen=True, slots=True)
class Stratum:
    """One stratum of a draw: its key, how many were eligible, how many and who were drawn."""

    key: str
    population: int
    size: int
    drawn: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A customer that took no part in a draw, and why."""

    customer_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Sample:
    """The result of a seeded, stratified draw (SV-REWARD, CB-SAMPLE or CB-CARD)."""

    clause: str
    seed: str
    strata: tuple[Stratum, ...]
    excluded: tuple[Exclusion, ...] = ()

    @property
    def drawn(self) -> tuple[str, ...]:
        """Every drawn customer id, sorted."""
        return tuple(sorted(cid for s in self.strata for cid in s.drawn))

    def stratum(self, key: str) -> Stratum:
        """The stratum ``key`` (``KeyError`` naming the known keys)."""
        for s in self.strata:
            if s.key == key:
                return s
        raise KeyError(f"no stratum {key!r}; strata: {', '.join(s.key for s in self.strata)}")


def draw(ids: Iterable[str], k: int, seed_text: str) -> tuple[str, ...]:
    """``k`` of ``ids`` without replacement, reproducibly (sorted result).

    >>> draw(["c", "a", "b"], 2, "x") == draw(["b", "c", "a"], 2, "x")
    True
    """
    pool = sorted(set(ids))
    if not 0 <= k <= len(pool):
        raise ValueError(f"cannot draw {k} of {len(pool)}")
    rng = random.Random(seed_text)
    for i in range(k):
        j = i + int(rng.random() * (len(pool) - i))
        pool[i], pool[j] = pool[j], pool[i]
    return tuple(sorted(pool[:k]))


def _stratum(
    clause: str, seed: Seed, key: str, ids: Sequence[str], percent: Decimal | int, label: str
) -> Stratum:
    size = at_least_percent(len(ids), percent)
    chosen = draw(ids, size, f"{clause}|{seed}|{key}")
    reason = (
        f"{label}: {size} of {len(ids)} drawn (at least {percent}%, rounded up; {clause}, "
        f"seed {seed!r})"
    )
    return Stratum(key, len(ids), size, chosen, reason)


def reward_draw(
    decisions: Sequence[Decision],
    customers: Iterable[Customer | Mapping[str, Any]],
    *,
    seed: Seed,
    percent: Decimal | int = 10,
) -> Sample:
    """SV-REWARD: the yearly draw of A-grade customers in each of the three categories.

    At least ``percent`` % (rounded up) of the A-grade customers (effective grade)
    of each category in :data:`REWARD_CATEGORIES`; every other customer is listed
    in ``excluded`` with the reason. Use a new seed each year (e.g. the year).
    """
    eligible: dict[str, list[str]] = {c: [] for c in REWARD_CATEGORIES}
    excluded = []
    for d, c in matched(decisions, customers):
        grade = grade_of(d)
        if c.category not in eligible:
            excluded.append(Exclusion(c.id, f"category {c.category} is not drawn (SV-REWARD)"))
        elif grade != "A":
            excluded.append(Exclusion(c.id, f"{grade_text(grade)}: only A-grade customers"))
        else:
            eligible[c.category].append(c.id)
    strata = tuple(
        _stratum("SV-REWARD", seed, cat, ids, percent, f"A-grade {cat}")
        for cat, ids in eligible.items()
    )
    return Sample("SV-REWARD", str(seed), strata, tuple(excluded))


def callback_sample(
    customers: Iterable[Customer | Mapping[str, Any]],
    *,
    seed: Seed,
    percent: Decimal | int = 10,
    by: Literal["usage_nature", "category"] = "usage_nature",
    exclude: Mapping[str, str] | Iterable[str] = (),
) -> Sample:
    """CB-SAMPLE: a stratified sample of the customers not called back otherwise.

    Left out, with the reason: customers at >= 10 kV (CB-LARGE, visited yearly),
    deputies, media and social supervisors (CB-MUST), and the ids in ``exclude``
    (the caller's other CB-MUST customers: new installations, complainants, repairs …;
    a mapping gives each its reason). The rest are stratified by ``usage_nature``
    (用电类型; unrecorded as :data:`~.ordering.UNSPECIFIED_USAGE`) or by ``category``,
    and at least ``percent`` % of every stratum is drawn.
    """
    by_id = customers_by_id(customers)
    given = dict(exclude) if isinstance(exclude, Mapping) else dict.fromkeys(exclude, "")
    unknown = sorted(set(given) - set(by_id))
    if unknown:
        raise ValueError(f"exclude names unknown customers: {', '.join(unknown)}")
    strata_ids: dict[str, list[str]] = {}
    excluded = []
    for cid in sorted(by_id):
        c = by_id[cid]
        if cid in given:
            why = given[cid] or "called back individually (given by the caller)"
            excluded.append(Exclusion(cid, f"CB-MUST: {why}"))
        elif c.supply_voltage_kv >= 10:
            excluded.append(Exclusion(cid, "CB-LARGE: >= 10 kV, visited at least once a year"))
        elif c.is_deputy or c.is_media or c.is_supervisor:
            excluded.append(
                Exclusion(cid, "CB-MUST: deputy, media or supervisor, called back individually")
            )
        else:
            key = (c.usage_nature or UNSPECIFIED_USAGE) if by == "usage_nature" else c.category
            strata_ids.setdefault(key, []).append(cid)
    label = "usage nature" if by == "usage_nature" else "category"
    strata = tuple(
        _stratum("CB-SAMPLE", seed, key, strata_ids[key], percent, f"{label} {key}")
        for key in sorted(strata_ids, key=lambda k: (k == UNSPECIFIED_USAGE, k))
    )
    return Sample("CB-SAMPLE", str(seed), strata, tuple(excluded))


def feedback_card_sample(
    customers: Iterable[Customer | Mapping[str, Any]],
    *,
    month: str,
    seed: Seed,
    non_residential_percent: Decimal | int = 10,
    residential_percent: Decimal | int = 1,
) -> Sample:
    """CB-CARD: one feedback-card (连心卡) round over the month's customers.

    ``customers`` are the customers of ``month`` ("YYYY-MM"); 10% of the
    non-residential and 1% of the residential (``category == "residential"``)
    customers are drawn, each rounded up. The month is part of the seed, so each
    round of a year draws anew from the same ``seed``.
    """
    if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
        raise ValueError(f"month: expected 'YYYY-MM', got {month!r}")
    by_id = customers_by_id(customers)
    residential = [cid for cid, c in by_id.items() if c.category == "residential"]
    others = [cid for cid, c in by_id.items() if c.category != "residential"]
    tag = f"{seed}|{month}"
    strata = (
        _stratum(
            "CB-CARD",
            tag,
            "non_residential",
            others,
            non_residential_percent,
            f"{month} non-residential",
        ),
        _stratum(
            "CB-CARD", tag, "residential", residential, residential_percent, f"{month} residential"
        ),
    )
    return Sample("CB-CARD", tag, strata)
