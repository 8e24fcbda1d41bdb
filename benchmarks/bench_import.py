"""Benchmark: what a fresh process pays before its first decision (issue 13).

Run from the repository root (not collected by pytest)::

    PYTHONPATH=src python benchmarks/bench_import.py [--runs 7]

Each run is a fresh interpreter that times, one after the other: ``import
gridcrm_rules``; the first public name (``gr.Engine``: the package imports its names on
first use, so this is where the engine's modules, pydantic and the models load);
``Engine.default()``; the first and the second ``evaluate`` of a small history.  It
prints the median and the best of each step and of their sum up to the first decision.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Sequence

STEPS = ("import gridcrm_rules", "gr.Engine (first name)", "Engine.default()",
         "first evaluate", "second evaluate")

CHILD = r'''
import json, time
t0 = time.perf_counter()
import gridcrm_rules as gr
t1 = time.perf_counter()
Engine = gr.Engine
t2 = time.perf_counter()
engine = Engine.default()
t3 = time.perf_counter()
customer = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
events = [{"type": "theft_detected", "id": "e1", "at": "2025-03-01"},
          {"type": "bill_issued", "id": "b1", "period": "2025-01", "amount": "10.00",
           "due": "2025-02-15"}]
engine.evaluate(customer, events, as_of="2026-11-22T09:00:00+08:00")
t4 = time.perf_counter()
engine.evaluate(customer, events[:1], as_of="2026-11-22T09:00:00+08:00")
t5 = time.perf_counter()
print(json.dumps([1e3 * (b - a) for a, b in zip([t0, t1, t2, t3, t4], [t1, t2, t3, t4, t5])]))
'''


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    rows = []
    for _ in range(args.runs):
        done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                              check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    for i, step in enumerate(STEPS):
        column = [row[i] for row in rows]
        print(f"{step:26s} median {statistics.median(column):7.1f} ms   best {min(column):7.1f}")
    totals = [sum(row[:4]) for row in rows]
    print(f"{'total to first decision':26s} median {statistics.median(totals):7.1f} ms"
          f"   best {min(totals):7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
