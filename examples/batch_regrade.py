"""Grade a table of customers at once with the batch engine (needs the 'batch' extra).

    PYTHONPATH=src python examples/batch_regrade.py

Generates 20,000 customers with two years of bills and payments, decides them
with ``Engine.evaluate_batch``, checks one customer against ``Engine.evaluate``,
and writes the three tables to a temporary directory.
"""

from __future__ import annotations

import tempfile
from datetime import date

import polars as pl

import gridcrm_rules as gr
from gridcrm_rules.sample import generate_population, population_record
from gridcrm_rules.sample.frames import population_frames

AS_OF = "2026-11-22T09:00:00+08:00"

engine = gr.Engine.from_packs(["credit"])
customers, events = generate_population(20_000, seed=1, as_of=date(2026, 11, 22))
customers_table, events_table = population_frames(customers, events)

result = engine.evaluate_batch(customers_table, events_table, as_of=AS_OF)
print(result.summary())
print(result.decisions.group_by("grade", "rule_ids").len().sort("grade"))

one = result.decisions.row(123, named=True)
single = engine.evaluate(*population_record(customers, events, 123), as_of=AS_OF)
assert single.credit is not None
print(f"customer {one['customer_id']}: batch {one['grade']} {one['rule_ids']}, "
      f"evaluate {single.credit.grade} {list(single.credit.rule_ids)}")

with tempfile.TemporaryDirectory() as out:
    paths = result.write_parquet(out)
    print("wrote", ", ".join(p.name for p in paths.values()),
          f"({pl.read_parquet(paths['decisions']).height} decisions)")
