"""Load a pack that extends the built-in credit pack and compare decisions.

Run with:  python examples/custom_pack.py
"""

from __future__ import annotations

from pathlib import Path

import gridcrm_rules as gr

here = Path(__file__).parent
builtin = gr.Engine.default()
mine = gr.Engine.from_packs([here / "packs" / "my_credit.yaml"])
print("packs:", [f"{p.name} {p.version}" for p in mine.packs])
print("year_window:", mine.params["year_window"],
      "| small_arrears_limit:", mine.params["small_arrears_limit"])

customer = {"id": "C-2001", "category": "residential", "supply_voltage_kv": "0.22"}
events = [
    # A 60 CNY bill due 10-15 and unpaid at the cutoff (10-31): not yet a month overdue.
    {"type": "bill_issued", "id": "b1", "period": "2026-09", "amount": "60.00",
     "due": "2026-10-15"},
]
as_of = "2026-11-22T09:00:00+08:00"
for label, engine in (("built-in", builtin), ("my_credit", mine)):
    d = engine.evaluate(customer, events, as_of=as_of)
    assert d.credit is not None
    print(f"{label:>9}: grade {d.credit.grade} by {', '.join(d.credit.rule_ids)}")

# A parameter can also be changed without any file at all:
strict_window = builtin.with_params(arrears_reading="amount")
print("arrears_reading:", strict_window.params["arrears_reading"])
