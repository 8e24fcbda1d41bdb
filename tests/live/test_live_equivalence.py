"""The live contract, by hypothesis: random interleavings of posts (in order and late) and
clock advances over the batch equivalence histories (tests/batch/batch_strategies.py).

* after every call, ``live.decision(c)`` equals ``engine.evaluate(c, events so far,
  as_of=live.now)`` byte for byte (``model_dump_json``);
* a refused event changes nothing (the snapshot before and after is identical);
* snapshot -> restore -> continue gives the same changes as never stopping;
* each task's ``TaskOverdue`` fires once (again only after a ``TaskWithdrawn``), and
  every task overdue at the end has fired.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from batch_strategies import AS_OFS, RandomPick, service_history
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import gridcrm_rules as gr
from gridcrm_rules.live.changes import task_key
from gridcrm_rules.models import event_instant, parse_events

ENGINE = gr.Engine.default()
Op = tuple[str, Any]


def _instant(raw: dict[str, Any]) -> datetime | None:
    try:
        return event_instant(parse_events([raw])[0])
    except ValidationError:
        return None


@st.composite
def interleavings(draw: st.DrawFn) -> tuple[dict[str, dict[str, Any]], list[Op]]:
    """Customers and a sequence of ("post", (cid, event)) / ("advance", instant) operations:
    events roughly in time order, some posted late, advances in between."""
    as_of = draw(st.sampled_from(AS_OFS))
    pick = RandomPick(draw(st.integers(0, 2**32)))
    customers: dict[str, dict[str, Any]] = {}
    dated: list[tuple[datetime, str, dict[str, Any]]] = []
    for i in range(draw(st.integers(1, 2))):
        record, events = service_history(pick, as_of, f"L{i}")
        customers[record["id"]] = record
        keep = events[: draw(st.integers(0, 40))]
        for raw in keep:
            when = _instant(raw) or as_of
            dated.append((when, record["id"], raw))
    dated.sort(key=lambda d: d[0])
    ops: list[Op] = []
    delayed: list[tuple[str, dict[str, Any]]] = []
    for when, cid, raw in dated:
        if draw(st.integers(0, 5)) == 0:
            delayed.append((cid, raw))  # posted later: late data
            continue
        if draw(st.integers(0, 3)) == 0:
            ops.append(("advance", when - timedelta(days=draw(st.integers(0, 40)))))
        ops.append(("post", (cid, raw)))
        if delayed and draw(st.booleans()):
            ops.append(("post", delayed.pop(0)))
    ops += [("post", d) for d in delayed]
    ops.append(("advance", as_of + timedelta(days=draw(st.sampled_from([0, 1, 45])))))
    return customers, ops


class Run:
    """One session plus the reference: the events accepted so far, per customer."""

    def __init__(self, customers: dict[str, dict[str, Any]], live: gr.LiveSession) -> None:
        self.customers = customers
        self.live = live
        self.accepted: dict[str, list[dict[str, Any]]] = {c: [] for c in customers}
        self.changes: list[gr.Change] = []

    def apply(self, op: Op) -> tuple[gr.Change, ...]:
        verb, arg = op
        if verb == "advance":
            if self.live.now is not None and arg < self.live.now:
                with pytest.raises(ValueError, match="never moves backwards"):
                    self.live.advance_to(arg)
                return ()
            out = self.live.advance_to(arg)
        else:
            cid, raw = arg
            before = self.live.snapshot()
            try:
                out = self.live.post(self.customers[cid], raw)
            except ValidationError:
                assert self.live.snapshot() == before  # a refused event changes nothing
                return ()
            self.accepted[cid].append(raw)
        self.changes += out
        return out

    def check(self) -> None:
        if self.live.now is None:
            return
        for cid in self.live.customers:
            want = ENGINE.evaluate(self.customers[cid], self.accepted[cid], as_of=self.live.now)
            assert self.live.decision(cid).model_dump_json() == want.model_dump_json(), cid


def _dump(changes: list[gr.Change]) -> list[str]:
    return [c.model_dump_json() for c in changes]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interleavings(), st.floats(0, 1))
def test_live_session_equals_evaluate_after_every_call(case, cut) -> None:  # type: ignore[no-untyped-def]
    customers, ops = case
    run = Run(customers, ENGINE.live())
    stop = int(cut * len(ops))
    resumed: Run | None = None
    for i, op in enumerate(ops):
        if i == stop:
            resumed = Run(customers, ENGINE.live(restore=run.live.snapshot()))
            resumed.accepted = {c: list(v) for c, v in run.accepted.items()}
        out = run.apply(op)
        stamps = [c.at for c in out if not c.correction]
        assert stamps == sorted(stamps)  # in time order
        run.check()
        if resumed is not None:
            assert _dump(list(resumed.apply(op))) == _dump(list(out))
    if resumed is not None:
        resumed.check()
    # each overdue fires once (again only after the task was withdrawn) ...
    fired = Counter((c.customer_id, task_key(c.task)) for c in run.changes
                    if isinstance(c, gr.TaskOverdue))
    withdrawn = Counter((c.customer_id, task_key(c.task)) for c in run.changes
                        if isinstance(c, gr.TaskWithdrawn))
    assert all(n <= 1 + withdrawn[k] for k, n in fired.items())
    # ... and every task overdue now has fired
    if run.live.now is not None:
        for cid in run.live.customers:
            for task in run.live.decision(cid).tasks:
                if task.status == "overdue" and task.completed_at is None:
                    assert fired[(cid, task_key(task))] >= 1, task
