"""Live evaluation: one customer of the bundled sample, posted event by event.

Every post returns what it changed (grade, entitlements, tasks, key account), each
citing its clause ids; ``advance_to`` moves the clock (month-end re-grades, overdue
tasks once each) and ``next_wakeup`` says when to move it next.  At the end the live
decision equals ``evaluate`` of the whole history.

Run with:  python examples/live_session.py
"""

from __future__ import annotations

import gridcrm_rules as gr
from gridcrm_rules.models import history_key, parse_events
from gridcrm_rules.sample import load_sample

engine = gr.Engine.default()
sample = load_sample()
customer = sample.customers[0]
history = sorted(parse_events(sample.events_for(customer["id"])), key=history_key)

live = engine.live()


def show(changes: tuple[gr.Change, ...]) -> None:
    for change in changes:
        clauses = ",".join(change.clause_ids)
        detail = change.explanation if isinstance(change, gr.GradeChanged) else ""
        if isinstance(change, (gr.TaskOpened, gr.TaskCompleted, gr.TaskOverdue,
                               gr.TaskWithdrawn)):
            detail = f"{change.task.kind} due {change.task.due}"
        print(f"{change.at:%Y-%m-%d %H:%M} {change.customer_id} {change.kind:22} "
              f"[{clauses}] {detail}")


for event in history:
    show(live.post(customer, event))
show(live.advance_to(sample.as_of))
wake = live.next_wakeup(customer["id"])  # the next month start or an open task's overdue
assert wake is not None
print(f"next wake-up for {customer['id']}: {wake:%Y-%m-%d %H:%M:%S}")
show(live.advance_to(wake))

decision = live.decision(customer["id"])
assert decision == engine.evaluate(customer, history, as_of=live.now)
assert decision.credit is not None
print(f"{customer['id']} at {live.now:%Y-%m-%d}: grade {decision.credit.grade}, "
      f"{len(history)} events posted, live decision == evaluate")
