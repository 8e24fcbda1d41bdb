"""Live evaluation (issue 11): one ``post`` against ``evaluate`` of the whole history.

In one process, for synthetic customers of 24 and 120 months of bills, payments and
consumption (``bench_evaluate.synthetic_cases``): the history but its last ``--tail``
events is posted to a session, then the tail is posted one event at a time and timed;
the reference is ``engine.evaluate`` of the whole history at the same instant, also
timed.  Reported: microseconds per event for both, their ratio (issue 11 target: post
≥ 20× faster than evaluate at 24 months, flat from 24 to 120 months), and the memory a
session holds per customer (tracemalloc).  Exit status 1 if a live decision differs from
``evaluate``.

Run with:  python benchmarks/bench_live.py [--months 24 120] [--tail 12]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_evaluate import synthetic_cases

import gridcrm_rules as gr
from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.models import history_key, parse_events

AS_OF = datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI)


def _ordered(events: list[dict[str, Any]]) -> list[Any]:
    return sorted(parse_events(events), key=history_key)


def measure(engine: gr.Engine, months: int, tail: int, customers: int) -> dict[str, float]:
    """Per-event microseconds of ``post`` and of ``evaluate``, for the last ``tail`` events."""
    posts: list[float] = []
    evals: list[float] = []
    wrong = 0
    for customer, raw in synthetic_cases(months, AS_OF, n=customers):
        history = _ordered(raw)
        live = engine.live()
        live.post_many(customer, history[:-tail])
        for i in range(len(history) - tail, len(history)):
            event = history[i].model_dump(mode="json")
            start = time.perf_counter()
            live.post(customer["id"], event)
            posts.append(time.perf_counter() - start)
            start = time.perf_counter()
            want = engine.evaluate(customer, history[: i + 1], as_of=live.now)
            evals.append(time.perf_counter() - start)
            wrong += live.decision(customer["id"]).model_dump_json() != want.model_dump_json()
    return {"post_us": 1e6 * statistics.median(posts),
            "evaluate_us": 1e6 * statistics.median(evals),
            "events": len(history), "wrong": wrong}


def memory_per_customer(engine: gr.Engine, months: int, customers: int) -> float:
    """Bytes a session holds per customer of ``months`` months (tracemalloc, after a gc)."""
    cases = [(c, _ordered(e)) for c, e in synthetic_cases(months, AS_OF, n=customers)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    live = engine.live()
    for customer, history in cases:
        live.post_many(customer, history)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del live
    return (after - before) / customers


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, nargs="*", default=[24, 120])
    parser.add_argument("--tail", type=int, default=12, help="events timed per customer")
    parser.add_argument("--customers", type=int, default=3)
    args = parser.parse_args(argv)
    engine = gr.Engine.default()
    rows = {m: measure(engine, m, args.tail, args.customers) for m in args.months}
    print(f"{'months':>6} {'events':>6} {'post µs':>10} {'evaluate µs':>12} {'evaluate/post':>14}")
    for m, r in rows.items():
        print(f"{m:>6} {int(r['events']):>6} {r['post_us']:>10.0f} {r['evaluate_us']:>12.0f} "
              f"{r['evaluate_us'] / r['post_us']:>14.2f}")
    if len(rows) > 1:
        lo, hi = min(rows), max(rows)
        growth = rows[hi]["post_us"] / rows[lo]["post_us"]
        print(f"post at {hi} months / at {lo} months: {growth:.2f} (flat: 1.0)")
    mem = memory_per_customer(engine, min(args.months), max(2, args.customers))
    print(f"session memory per customer at {min(args.months)} months: {mem / 1024:.0f} KiB")
    wrong = sum(int(r["wrong"]) for r in rows.values())
    if wrong:
        print(f"{wrong} live decisions differ from evaluate", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
