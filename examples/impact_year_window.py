"""Who moves when "一个年度" is read as the calendar year? (needs the 'batch' extra)

    PYTHONPATH=src python examples/impact_year_window.py [OUT_DIR]

The credit pack reads "一个年度" (000 §二, the year window of CR-A/CR-B) as the
12 months ending at the cutoff; the parameter ``year_window`` can make it the
calendar year of the cutoff.  This compares the two readings on the bundled
sample (60 customers, 2026-11-22), prints the transition matrix and every
customer who changes, then shows the moving customer's grade month by month
under both readings.  With OUT_DIR, the tables and two charts (HTML; the charts
need the 'plot' extra) are written there.  The notebook
``impact_year_window.ipynb`` does the same step by step.
"""

from __future__ import annotations

import sys
from pathlib import Path

import gridcrm_rules as gr
from gridcrm_rules.sample import load_sample

sample = load_sample()
events = [{"customer_id": c["id"], **e} for c in sample.customers
          for e in sample.events_for(c["id"])]
rolling = gr.Engine.default()
calendar = rolling.with_params(year_window="calendar_year")

result = gr.compare(rolling, calendar, sample.customers, events, as_of=sample.as_of)
print(result.summary())
print()
print(result.render_matrix())
print()
for r in result.changed.iter_rows(named=True):
    facts = "; ".join(f"{f['fact']}: {f['before']} -> {f['after']}" for f in r["facts"])
    print(f"{r['customer_id']}: {r['grade_before']} -> {r['grade_after']} "
          f"({','.join(r['rule_ids_before'])} -> {','.join(r['rule_ids_after'])}; {facts})")
    print(f"  gains {', '.join(r['entitlements_added'])}")
    print(f"  loses {', '.join(r['entitlements_removed']) or 'nothing'}")

who = result.changed.get_column("customer_id")[0]
history = sample.events_for(who)
print(f"\n{who} month by month (rolling 12 months | calendar year):")
a = rolling.timeline(sample.customer(who), history, start="2025-12-01", end=sample.as_of)
b = calendar.timeline(sample.customer(who), history, start="2025-12-01", end=sample.as_of)
for pa, pb in zip(a.points, b.points, strict=True):
    mark = "  <- differs" if pa.grade != pb.grade else ""
    print(f"  {pa.instant.date()}  {pa.grade} | {pb.grade}{mark}")

if len(sys.argv) > 1:
    out = Path(sys.argv[1])
    result.write(out / "tables")
    try:
        result.plot().save(out / "transitions.html")
        b.plot().save(out / f"{who}_timeline.html")
    except ImportError as exc:
        print(f"charts skipped: {exc}")
    print(f"written to {out}")
