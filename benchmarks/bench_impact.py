"""Impact analysis against one batch evaluation, as ratios measured in one run.

    python benchmarks/bench_impact.py [--customers 1000000] [--timeline-customers 100000]
        [--months 24] [--rounds 1] [--data DIR]

Targets (issue 12): a ``compare`` over N customers costs at most 2.2x one
``evaluate_batch`` over the same inputs; a ``--months``-month ``timeline_batch`` over
M customers at most ``months``x one batch evaluation of those M customers.

Inputs are generated once and cached (``bench_regrade.generate``: 24 months of bills
and payments per customer, Parquet sorted by ``customer_id``).  Engines: the ``--pack``
packs (default ``credit``, as ``bench_regrade.py``; ``--pack default`` for every default
pack, whose Python-only facts -- consumption, key-account records -- dominate the time)
before, and the same with ``year_window=calendar_year`` after.  Each round
times, in this order, ``evaluate_batch`` and ``compare`` on the N customers, then
``evaluate_batch`` and ``timeline_batch`` on the M customers; the ratios use each
kind's best round (the machine is shared), after one untimed warm-up run.  The
timeline's saving is reported against ``months`` separate ``evaluate_batch`` runs,
i.e. what sharing the validated chunks across instants saves.  The timeline's last
instant is checked against the ``evaluate_batch`` run at that instant (exit status 1
on a difference).  Full size::

    python benchmarks/bench_impact.py --customers 1000000 --timeline-customers 100000
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from bench_regrade import AS_OF, generate


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = work()
    return time.perf_counter() - started, out


def _inputs(data: Path, n: int) -> tuple[str, str]:
    folder = data / str(n)
    if not (folder / "events.parquet").exists():
        generate(n, folder)
    return str(folder / "customers.parquet"), str(folder / "events.parquet")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 when a target is missed."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, default=100_000, help="customers for compare")
    p.add_argument("--timeline-customers", type=int, default=20_000,
                   help="customers for the timeline")
    p.add_argument("--months", type=int, default=24, help="timeline length in months")
    p.add_argument("--rounds", type=int, default=1, help="timed rounds (best one counts)")
    p.add_argument("--pack", action="append", default=[],
                   help="pack name or file (repeatable; default credit; 'default' = all)")
    p.add_argument("--data", type=Path, default=Path(".bench-data/impact"),
                   help="cache of generated inputs")
    args = p.parse_args(argv)

    from dateutil.relativedelta import relativedelta

    import gridcrm_rules as gr
    from gridcrm_rules._time import to_aware

    packs = args.pack or ["credit"]
    before = gr.Engine.default() if packs == ["default"] else gr.Engine.from_packs(packs)
    after = before.with_params(year_window="calendar_year")
    big = _inputs(args.data, args.customers)
    small = _inputs(args.data, args.timeline_customers)
    end = to_aware(AS_OF).replace(day=1, hour=0, minute=0, second=0)
    start = end - relativedelta(months=args.months - 1)
    before.evaluate_batch(*small, as_of=AS_OF)  # warm-up: imports, compiled decisions
    best: dict[str, float] = {}
    moved = points = 0
    last: dict[str, Any] = {}
    for _ in range(args.rounds):
        runs = {
            "evaluate_batch": lambda: before.evaluate_batch(*big, as_of=AS_OF),
            "compare": lambda: gr.compare(before, after, *big, as_of=AS_OF),
            "evaluate_batch (timeline inputs)": lambda: before.evaluate_batch(*small,
                                                                              as_of=end),
            "timeline_batch": lambda: before.timeline_batch(*small, start=start, end=end),
        }
        for name, work in runs.items():
            seconds, out = _timed(work)
            best[name] = min(best.get(name, seconds), seconds)
            if name == "compare":
                moved = out.moved()
            if name == "timeline_batch":
                points = out.points.height
                final = out.points.filter(out.points["instant"] == out.instants[-1])
                last["timeline"] = dict(zip(final["customer_id"], final["grade"], strict=True))
            if name == "evaluate_batch (timeline inputs)":
                d = out.decisions
                last["batch"] = dict(zip(d["customer_id"], d["grade"], strict=True))
    compare_ratio = best["compare"] / best["evaluate_batch"]
    timeline_ratio = best["timeline_batch"] / best["evaluate_batch (timeline inputs)"]
    print(f"python {platform.python_version()}, {platform.machine()}, "
          f"gridcrm-rules {gr.__version__}, packs {','.join(packs)}, "
          f"best of {args.rounds} round(s)")
    for name, seconds in best.items():
        print(f"  {name:<34} {seconds:8.2f} s")
    print(f"compare over {args.customers:,} customers: {compare_ratio:.2f}x one evaluate_batch "
          f"(target <= 2.2x); {moved:,} customers move grade")
    print(f"{args.months}-month timeline over {args.timeline_customers:,} customers "
          f"({points:,} points): {timeline_ratio:.2f}x one evaluate_batch (target <= "
          f"{args.months}x), {1 - timeline_ratio / args.months:.0%} less than "
          f"{args.months} separate runs")
    same = last["timeline"] == last["batch"]
    print(f"timeline's last instant equals evaluate_batch there: {same}")
    return 0 if same and compare_ratio <= 2.2 and timeline_ratio <= args.months else 1


if __name__ == "__main__":
    raise SystemExit(main())
