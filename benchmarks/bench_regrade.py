"""Re-grade a million customers from Parquet: wall time and peak memory.

    python benchmarks/bench_regrade.py [--customers 1000000] [--data DIR] [--chunk-size N]

Generates (once, cached in ``--data``) N customers with 24 months of bills and
payments each (gridcrm_rules.sample.generate_population, about 46 events per
customer), written as ``customers.parquet`` and ``events.parquet`` (events sorted
by ``customer_id``, as an export usually is), with the generator's expected grade
of every customer in ``expected.parquet``.  Then runs, in a fresh child process,
the same thing ``gridcrm-rules evaluate --pack credit`` does -- stream the inputs
in chunks of customers, decide, write three Parquet files -- and prints the
child's wall time and peak resident memory (the child's own, from ``wait4``).
Finally it checks every written grade against the expected one; the exit status
is 1 if any differs.  Targets: under 30 s and 6 GB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

AS_OF = "2026-11-22T09:00:00+08:00"


def generate(n: int, data: Path) -> None:
    """Write the inputs for ``n`` customers into ``data`` (in blocks, to bound memory)."""
    import polars as pl
    import pyarrow.parquet as pq

    from gridcrm_rules.sample import generate_population
    from gridcrm_rules.sample.frames import population_frames

    data.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    customers, events = generate_population(n, seed=2026, as_of=date(2026, 11, 22))
    cust, ev = population_frames(customers, events)
    pl.DataFrame({"customer_id": customers["id"], "expected_grade": customers["expected_grade"]}
                 ).write_parquet(data / "expected.parquet")
    del customers, events
    cust.write_parquet(data / "customers.parquet")
    writer = None
    block = 1_000_000
    for start in range(0, ev.height, block):
        table = ev.slice(start, block).with_columns(
            pl.col("amount").cast(pl.Decimal(18, 2))).to_arrow()
        if writer is None:
            writer = pq.ParquetWriter(data / "events.parquet", table.schema)
        writer.write_table(table, row_group_size=256_000)
    if writer is not None:
        writer.close()
    print(f"generated {cust.height:,} customers and {ev.height:,} events in "
          f"{time.perf_counter() - started:.0f} s -> {data}")


def run(data: Path, out: Path, chunk: int) -> None:
    """The measured part (runs in the child process)."""
    import gridcrm_rules as gr
    from gridcrm_rules.batch import evaluate_to_parquet

    engine = gr.Engine.from_packs(["credit"])
    summary = evaluate_to_parquet(engine, data / "customers.parquet", data / "events.parquet",
                                  out, as_of=AS_OF, chunk_size=chunk)
    rows, grades = summary["rows"], summary["grades"]
    print(f"{rows['decisions']:,} decided, {rows['errors']} errors, grades {grades}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=Path("/tmp/gridcrm-regrade"))
    parser.add_argument("--chunk-size", type=int, default=50_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data = args.data / str(args.customers)
    if args.child:
        run(data, args.data / "out", args.chunk_size)
        return 0
    if args.generate:
        generate(args.customers, data)
        return 0
    cmd = [sys.executable, __file__, "--customers", str(args.customers),
           "--data", str(args.data), "--chunk-size", str(args.chunk_size)]
    if not (data / "expected.parquet").exists():
        # In a process of its own: a child forked from a parent that had grown to the
        # generator's size would count those pages in its peak until it execs.
        subprocess.run([*cmd, "--generate"], check=True)
    cmd.append("--child")
    started = time.perf_counter()
    child = subprocess.Popen(cmd, env=os.environ.copy())
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        print(f"the re-grade failed (exit status {os.waitstatus_to_exitcode(status)})")
        return 1
    peak_gb = usage.ru_maxrss / 1024 / 1024  # KiB on Linux
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, python "
          f"{platform.python_version()}")
    print(f"re-grade of {args.customers:,} customers from Parquet: {wall:.1f} s wall, "
          f"peak {peak_gb:.2f} GB (targets: < 30 s, < 6 GB)")
    return check(data, args.data / "out")


def check(data: Path, out: Path) -> int:
    """Compare every written grade with the generator's expected grade."""
    import polars as pl

    got = pl.read_parquet(out / "decisions.parquet", columns=["customer_id", "grade"])
    want = pl.read_parquet(data / "expected.parquet")
    both = want.join(got, on="customer_id", how="full", coalesce=True)
    wrong = both.filter(pl.col("grade").ne_missing(pl.col("expected_grade")))
    print(f"grades checked against the generator: {both.height - wrong.height:,} equal, "
          f"{wrong.height:,} differ")
    if wrong.height:
        print(wrong.head(10))
    return 1 if wrong.height else 0


if __name__ == "__main__":
    sys.exit(main())
