"""Quickstart: grade one customer, read the decision, and grade the bundled sample.

Run with:  python examples/quickstart.py
"""

from __future__ import annotations

import gridcrm_rules as gr
from gridcrm_rules.sample import load_sample

engine = gr.Engine.default()

# One customer, written as plain dicts (models validate them strictly).
customer = {
    "id": "C-1001",
    "category": "dedicated_transformer",
    "supply_voltage_kv": 10,
    "transformer_kva": 630,
    "usage_nature": "industrial",
}
events = [
    {"type": "bill_issued", "id": "b-2026-07", "period": "2026-07", "amount": "52300.00",
     "due": "2026-08-31"},
    {"type": "bill_issued", "id": "b-2026-08", "period": "2026-08", "amount": "49800.00",
     "due": "2026-09-30"},
    # Pays exactly the August bill by name: the July bill stays unpaid (no FIFO).
    {"type": "payment_received", "id": "p1", "at": "2026-09-20T10:00:00+08:00",
     "amount": "49800.00", "bill_id": "b-2026-08"},
]

decision = engine.evaluate(customer, events, as_of="2026-11-22T09:00:00+08:00")
credit = decision.credit
assert credit is not None
print(f"grade {credit.grade} by {credit.rule_ids}, provisional={credit.provisional}")
print(f"arrears at cutoff {decision.trace.cutoff}: {credit.facts['arrears_amount']} CNY")
print()
print(decision.explain())

# The whole bundled sample (60 customers, 24 months of history each).
sample = load_sample()
grades: dict[str, int] = {}
for c in sample.customers:
    d = engine.evaluate(c, sample.events_for(c["id"]), as_of=sample.as_of)
    assert d.credit is not None
    grades[d.credit.grade or "ungraded"] = grades.get(d.credit.grade or "ungraded", 0) + 1
print("\nsample grades:", dict(sorted(grades.items())))
