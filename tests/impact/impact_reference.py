"""What ``compare`` must report, computed from ``Engine.evaluate`` customer by customer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridcrm_rules import Decision, Engine

History = tuple[dict[str, Any], list[dict[str, Any]]]


def _decide(engine: Engine, history: History, as_of: datetime | str) -> Decision | None:
    customer, events = history
    try:
        return engine.evaluate(customer, events, as_of=as_of)
    except Exception:
        return None


def _label(d: Decision | None) -> str:
    if d is None:
        return "error"
    return (d.credit.grade if d.credit else None) or "-"


def _content(d: Decision) -> dict[str, Any]:
    """Everything a decision decides (not the trace, not the facts)."""
    out = d.model_dump(mode="json", exclude={"trace", "as_of", "customer_id"})
    if out.get("credit"):
        out["credit"].pop("facts")
    return out


@dataclass
class Expected:
    transitions: Counter[tuple[str, str]]
    changed: dict[str, tuple[str, str]]
    credit_facts_changed: dict[str, set[str]]
    rule_hits: Counter[tuple[str, str, str]]
    entitlements: Counter[tuple[str, str, str]]
    tasks: Counter[tuple[str, str, str]]
    refused_both: int


def expected(a: Engine, b: Engine, histories: Sequence[History], as_of: datetime | str
             ) -> Expected:
    """The comparison, customer by customer."""
    out = Expected(Counter(), {}, {}, Counter(), Counter(), Counter(), 0)
    for h in histories:
        da, db = _decide(a, h, as_of), _decide(b, h, as_of)
        if da is None and db is None:
            out.refused_both += 1
            continue
        cid = h[0]["id"]
        out.transitions[_label(da), _label(db)] += 1
        if da is None or db is None or _content(da) != _content(db):
            out.changed[cid] = (_label(da), _label(db))
            if da is not None and db is not None and da.credit and db.credit:
                fa, fb = da.credit.facts, db.credit.facts
                out.credit_facts_changed[cid] = {k for k in fa if fa[k] != fb.get(k)}
        for side, d in (("before", da), ("after", db)):
            if d is None:
                continue
            if d.credit:
                out.rule_hits.update(("credit", r, side) for r in d.credit.rule_ids)
            for name, o in d.outcomes.items():
                if name != "credit":
                    out.rule_hits.update((name, r, side) for r in o.rule_ids)
            out.entitlements.update((e.code, e.level, side) for e in d.entitlements)
            out.tasks.update((t.clause, t.status, side) for t in d.tasks)
    return out


def counts(frame: Any, keys: Sequence[str]) -> Counter[tuple[Any, ...]]:
    """A before/after/delta table as a Counter of (keys..., side)."""
    c: Counter[tuple[Any, ...]] = Counter()
    for r in frame.iter_rows(named=True):
        for side in ("before", "after"):
            if r[side]:
                c[(*(r[k] for k in keys), side)] = r[side]
    return c
