"""Benchmark: ``Engine.evaluate`` for one customer, end to end (issue 13).

Run from the repository root (not collected by pytest)::

    PYTHONPATH=src python benchmarks/bench_evaluate.py [--runs 5]

In one process, over the bundled sample (60 customers, 24 months, 66 events each
at most) and over synthetic histories of 12, 24, 60 and 120 months:

* ``evaluate`` from dicts and from already-validated models, with the ``credit``
  pack alone and with all default packs;
* pydantic validation alone of the same customer and events (``Customer`` and
  ``parse_events``: the floor a typed API pays), also per event;
* a hand-written plain-Python function computing the credit facts (FIFO
  settlement, arrears ages by relativedelta, year-window lateness, three-year
  offence window) and the grade from the same validated models: the limit for
  the credit part.  Its grade is checked against ``evaluate``'s for every
  customer; the script exits with status 1 on a difference.

Each figure is the best of ``--runs`` rounds, taken interleaved (every variant
once, then every variant again) so that a slow spell of the shared machine falls
on all alike; the cyclic garbage collector is off while timing.  Printed: µs per
customer and the ratios the issue sets targets for.  Two more figures come from
fresh subprocesses: ``import gridcrm_rules`` and ``Engine.default()`` build time
(best of ``--runs``).  No figure here is a test.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

import gridcrm_rules as gr
from gridcrm_rules._time import SHANGHAI, local_date
from gridcrm_rules.models import (
    BillIssued,
    Customer,
    Event,
    PaymentReceived,
    TheftDetected,
    ViolationRecorded,
    event_instant,
    parse_events,
)
from gridcrm_rules.sample import load_sample

Case = tuple[dict[str, Any], list[dict[str, Any]]]
ModelCase = tuple[Customer, tuple[Event, ...]]


# -- the hand-written reference (the limit for the credit part) -------------------------
def reference_grade(customer: Customer, events: Sequence[Event], as_of: datetime) -> str | None:
    """The credit grade of RULES.md §2, computed in plain Python (default parameters).

    Cutoff: last day of the month before as_of; FIFO settlement (a payment's named bill
    first); arrears ages by relativedelta; rolling 12-month year window ("any_day"
    reading); theft/violation within three years up to as_of's day.
    """
    del customer
    known = [e for e in events if event_instant(e) <= as_of]
    today = local_date(as_of)
    cutoff = today.replace(day=1) - timedelta(days=1)
    end_of_cutoff = datetime(cutoff.year, cutoff.month, cutoff.day, 23, 59, 59, 999999,
                             tzinfo=SHANGHAI)
    bills = sorted((e for e in known if isinstance(e, BillIssued)),
                   key=lambda b: (b.due, b.period, b.id))
    remaining = {b.id: b.amount for b in bills}
    paid_at_cutoff = dict.fromkeys(remaining, Decimal(0))
    settled: dict[str, datetime] = {}
    payments = sorted((e for e in known if isinstance(e, PaymentReceived)),
                      key=lambda p: (p.at, p.id))
    for p in payments:
        left = p.amount
        order = bills
        if p.bill_id is not None:
            if p.bill_id not in remaining:
                continue
            order = [b for b in bills if b.id == p.bill_id] + bills
        for b in order:
            if left <= 0:
                break
            take = min(left, remaining[b.id])
            if take > 0:
                remaining[b.id] -= take
                left -= take
                if p.at <= end_of_cutoff:
                    paid_at_cutoff[b.id] += take
                if remaining[b.id] == 0 and b.amount > 0:
                    settled[b.id] = p.at
    window_start = cutoff - relativedelta(months=12)
    arrears = Decimal(0)
    oldest: date | None = None
    had = False
    for b in bills:
        if b.due > cutoff:
            continue
        unpaid = b.amount - paid_at_cutoff[b.id]
        if unpaid > 0:
            arrears += unpaid
            oldest = b.due if oldest is None else min(oldest, b.due)
        done = settled.get(b.id)
        if window_start < b.due:
            if unpaid > 0 or (b.amount > 0 and done is not None and local_date(done) > b.due):
                had = True
        elif b.amount > 0 and (done is None or local_date(done) > window_start):
            had = True
    over_1m = oldest is not None and oldest + relativedelta(months=1) < cutoff
    over_2m = oldest is not None and oldest + relativedelta(months=2) < cutoff
    since = today - relativedelta(years=3)
    theft = any(isinstance(e, TheftDetected | ViolationRecorded)
                and since <= local_date(e.at) <= today for e in known)
    if theft or over_2m:
        return "D"
    if over_1m:
        return "C"
    if arrears == 0 and had:
        return "B"
    if arrears > 0:
        return "B"
    return "A"


# -- inputs ---------------------------------------------------------------------------
def sample_cases() -> tuple[list[Case], datetime]:
    """The bundled sample: one (customer dict, event dicts) per customer."""
    data = load_sample()
    return [(dict(c), data.events_for(str(c["id"]))) for c in data.customers], data.as_of


def synthetic_cases(months: int, as_of: datetime, n: int = 20) -> list[Case]:
    """``n`` customers with ``months`` months of bills, payments and consumption.

    Every 7th bill is paid 40 days late, every 11th customer has a theft 2 years back;
    the rest is paid two days before the due date.
    """
    cases: list[Case] = []
    last = local_date(as_of).replace(day=1) - relativedelta(months=1)
    for c in range(n):
        cid = f"S{c:04d}"
        events: list[dict[str, Any]] = []
        for m in range(months):
            period = last - relativedelta(months=months - 1 - m)
            key = f"{period:%Y-%m}"
            due = (period + relativedelta(months=1)).replace(day=15)
            amount = f"{1000 + 37 * ((c + m) % 13)}.50"
            events.append({"type": "bill_issued", "id": f"{cid}-B{key}", "period": key,
                           "amount": amount, "due": due.isoformat()})
            late = 40 if (c + m) % 7 == 0 else -2
            paid = datetime.combine(due + timedelta(days=late), datetime.min.time(),
                                    tzinfo=SHANGHAI) + timedelta(hours=10)
            events.append({"type": "payment_received", "id": f"{cid}-P{key}",
                           "at": paid.isoformat(), "amount": amount})
            events.append({"type": "monthly_consumption", "id": f"{cid}-K{key}",
                           "month": key, "kwh": f"{3000 + 11 * m}.25"})
        if c % 11 == 0:
            events.append({"type": "theft_detected", "id": f"{cid}-T1",
                           "at": (as_of - timedelta(days=730)).isoformat()})
        customer = {"id": cid, "category": "lv_commercial", "supply_voltage_kv": 0.4,
                    "usage_nature": "commercial", "org_type": "enterprise", "region": "urban"}
        cases.append((customer, events))
    return cases


def validate(cases: Sequence[Case]) -> list[ModelCase]:
    """The typed form of ``cases``: the floor any typed API pays."""
    return [(Customer.model_validate(c), parse_events(e)) for c, e in cases]


# -- timing -----------------------------------------------------------------------------
def best_per_customer(
    variants: dict[str, Callable[[], object]], n: int, runs: int
) -> dict[str, float]:
    """µs per customer of each variant (each call handles ``n`` customers), best of
    ``runs`` interleaved rounds, the cyclic GC off while timing."""
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(runs):
        for name, run in variants.items():
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                run()
                elapsed = time.perf_counter() - start
            finally:
                gc.enable()
            best[name] = min(best[name], elapsed)
    return {k: v / n * 1e6 for k, v in best.items()}


def subprocess_ms(code: str, runs: int) -> float:
    """Best wall time (ms) of ``code`` in a fresh interpreter, measured inside it."""
    timed = f"import time\n_t = time.perf_counter()\n{code}\nprint(time.perf_counter() - _t)"
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", timed], capture_output=True, text=True,
                             check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return min(times) * 1000


def measure(label: str, cases: list[Case], as_of: datetime, engines: dict[str, gr.Engine],
            runs: int) -> tuple[dict[str, float], int]:
    """Time every variant over ``cases``; return µs/customer and the number of grade
    differences between ``evaluate`` and the reference."""
    models = validate(cases)
    n_events = sum(len(e) for _, e in cases)
    credit, full = engines["credit"], engines["default"]
    wrong = 0
    for (cust, events), (c_dict, e_dict) in zip(models, cases, strict=True):
        ours = credit.evaluate(cust, events, as_of=as_of).credit.grade
        ref = reference_grade(cust, events, as_of)
        if ours != ref:
            wrong += 1
            print(f"  {label}: {cust.id}: evaluate says {ours}, reference {ref}")
        same = full.evaluate(c_dict, e_dict, as_of=as_of).model_dump_json()
        if same != full.evaluate(cust, events, as_of=as_of).model_dump_json():
            wrong += 1
            print(f"  {label}: {cust.id}: decision from dicts differs from models")

    def each(fn: Callable[[Any, Any], object], inputs: Sequence[Any]) -> Callable[[], None]:
        def run() -> None:
            for c, e in inputs:
                fn(c, e)
        return run

    variants: dict[str, Callable[[], object]] = {
        "reference (plain Python credit)": each(lambda c, e: reference_grade(c, e, as_of),
                                                models),
        "validation alone (dicts)": lambda: validate(cases),
        "evaluate credit, models": each(lambda c, e: credit.evaluate(c, e, as_of=as_of),
                                        models),
        "evaluate credit, dicts": each(lambda c, e: credit.evaluate(c, e, as_of=as_of), cases),
        "evaluate default, models": each(lambda c, e: full.evaluate(c, e, as_of=as_of),
                                         models),
        "evaluate default, dicts": each(lambda c, e: full.evaluate(c, e, as_of=as_of), cases),
    }
    us = best_per_customer(variants, len(cases), runs)
    us["validation per event"] = us["validation alone (dicts)"] * len(cases) / n_events
    return us, wrong


def report(label: str, us: dict[str, float], n_events: float) -> None:
    """Print one table of µs/customer and the issue's ratios."""
    ref = us["reference (plain Python credit)"]
    print(f"\n{label} ({n_events:.0f} events per customer on average)")
    for name, value in us.items():
        unit = "µs/event" if name.endswith("per event") else "µs/customer"
        print(f"  {name:<34} {value:10.1f} {unit}")
    print(f"  ratio credit, models / reference   {us['evaluate credit, models'] / ref:10.2f}x"
          "   (target <= 0.35x)")
    print(f"  ratio default, models / reference  {us['evaluate default, models'] / ref:10.2f}x"
          "   (target <= 0.75x)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed rounds (best kept)")
    parser.add_argument("--months", type=int, nargs="*", default=[12, 24, 60, 120])
    args = parser.parse_args(argv)
    engines = {"credit": gr.Engine.from_packs(["credit"]), "default": gr.Engine.default()}
    cases, as_of = sample_cases()
    wrong = 0
    us, w = measure("sample", cases, as_of, engines, args.runs)
    wrong += w
    report("bundled sample: 60 customers", us, sum(len(e) for _, e in cases) / len(cases))
    growth: dict[int, dict[str, float]] = {}
    for months in args.months:
        synth = synthetic_cases(months, as_of)
        growth[months], w = measure(f"{months} months", synth, as_of, engines, args.runs)
        wrong += w
    print("\nhistory length (20 synthetic customers; µs/customer, models)")
    print(f"  {'months':>6} {'events':>6} {'reference':>10} {'credit':>10} {'default':>10}"
          f" {'dicts':>10} {'valid./ev':>10}")
    for months, g in growth.items():
        print(f"  {months:>6} {3 * months:>6} {g['reference (plain Python credit)']:>10.1f}"
              f" {g['evaluate credit, models']:>10.1f} {g['evaluate default, models']:>10.1f}"
              f" {g['evaluate default, dicts']:>10.1f} {g['validation per event']:>10.2f}")
    imp = subprocess_ms("import gridcrm_rules", args.runs)
    # Public names load on first use (PEP 562): report that cost apart, and time the build
    # alone with ``gr.Engine`` already loaded, so neither figure hides in the other.
    first = subprocess_ms("import gridcrm_rules as gr\ngr.Engine", args.runs)
    build = subprocess_ms("import gridcrm_rules as gr\ngr.Engine\n_t = time.perf_counter()\n"
                          "gr.Engine.default()", args.runs)
    print(f"\nimport gridcrm_rules          {imp:8.1f} ms   (target <= 150 ms)")
    print(f"  ... and first use of gr.Engine {first:6.1f} ms   (the lazily loaded modules)")
    print(f"Engine.default() build         {build:8.1f} ms   (target <= 150 ms, fresh process)")
    if wrong:
        print(f"\nFAILED: {wrong} difference(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
