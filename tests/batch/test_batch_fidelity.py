"""Issue 14 (regulation fidelity): the batch engine agrees with ``Engine.evaluate``.

Every new or changed field -- decisions and tasks -- is compared customer by
customer between ``evaluate_batch`` and the scalar engine.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from batch_helpers import History, assert_equivalent, tables

import gridcrm_rules as gr
from gridcrm_rules.batch.result import task_rows

DEFAULT = gr.Engine.default()


def assert_tasks_equivalent(engine: gr.Engine, histories: list[History], as_of: str) -> None:
    """The tasks table of ``evaluate_batch`` holds exactly the scalar engine's tasks."""
    assert_equivalent(engine, histories, as_of)
    customers, events = tables(histories)
    got = engine.evaluate_batch(customers, events, as_of=as_of).tasks
    expected: list[dict[str, Any]] = []
    for row, (customer, evs) in enumerate(histories):
        d = engine.evaluate(customer, evs, as_of=as_of)
        expected += task_rows(customer["id"], row, d.tasks)
    key = ["customer_id", "clause", "kind", "trigger_event_id", "due"]
    want = pl.DataFrame(expected, schema=got.schema).sort(key)
    assert got.sort(key).to_dicts() == want.to_dicts()
    assert got.height == len(expected)


def test_unknown_for_event_is_refused_in_batch_as_in_evaluate() -> None:
    """A callback naming an event its customer does not have refuses that customer."""
    good: History = ({"id": "C1", "category": "other", "supply_voltage_kv": 0.38},
                     [{"type": "repair_archived", "id": "r1", "at": "2026-03-10T08:00:00+08:00"},
                      {"type": "callback_completed", "id": "cb1",
                       "at": "2026-03-10T15:00:00+08:00", "for_event": "r1"}])
    bad: History = ({"id": "C2", "category": "other", "supply_voltage_kv": 0.38},
                    [{"type": "repair_archived", "id": "r1", "at": "2026-03-10T08:00:00+08:00"},
                     {"type": "callback_completed", "id": "cb1",
                      "at": "2026-03-10T15:00:00+08:00", "for_event": "r9"}])
    customers, events = tables([good, bad])
    result = DEFAULT.evaluate_batch(customers, events, as_of="2026-03-12")
    errors = result.errors.filter(pl.col("source") == "events").to_dicts()
    kinds = sorted((e["row"], e["type"], e["loc"]) for e in errors)
    assert kinds == [(2, "customer_rejected", "customer_id"), (3, "unknown_event", "for_event")]
    assert "names event 'r9'" in next(e["msg"] for e in errors if e["row"] == 3)
    assert result.decisions.get_column("customer_id").to_list() == ["C1"]
    assert_equivalent(DEFAULT, [good, bad], "2026-03-12")


def _months(kwh: str, year: int = 2025) -> list[dict[str, Any]]:
    return [{"type": "monthly_consumption", "id": f"m{m:02d}", "month": f"{year}-{m:02d}",
             "kwh": kwh} for m in range(1, 13)]


LATE_BILL = [{"type": "bill_issued", "id": "b1", "period": "2025-12", "amount": "80.00",
              "due": "2026-01-15"},
             {"type": "payment_received", "id": "p1", "at": "2026-01-20T10:00:00+08:00",
              "amount": "80.00"}]
OUTAGE = {"type": "planned_outage", "id": "o1", "announced_at": "2026-03-01T09:00:00+08:00",
          "start": "2026-03-10T08:00:00+08:00", "end": "2026-03-10T12:00:00+08:00"}


def test_outage_recipients_agree() -> None:
    """PO-NOTICE/-CALLBACK by key-account status, the SMS also for grade A, both backends."""
    histories: list[History] = [
        ({"id": "G380", "category": "lv_commercial", "supply_voltage_kv": 0.38},
         [*_months("5000"), *LATE_BILL, OUTAGE]),
        ({"id": "L10", "category": "dedicated_transformer", "supply_voltage_kv": 10,
          "transformer_kva": 200}, [*_months("300"), *LATE_BILL, OUTAGE]),
        ({"id": "A220", "category": "residential", "supply_voltage_kv": 0.22}, [OUTAGE]),
        ({"id": "H380", "category": "other", "supply_voltage_kv": 0.38, "org_type": "hospital"},
         [*LATE_BILL, OUTAGE]),
    ]
    for as_of in ("2026-03-09T08:00:00+08:00", "2026-03-12T09:00:00+08:00"):
        assert_tasks_equivalent(DEFAULT, histories, as_of)
    d = {c["id"]: DEFAULT.evaluate(c, e, as_of="2026-03-09T08:00:00+08:00")
         for c, e in histories}
    po = {k: sorted(t.kind for t in v.tasks if t.clause.startswith("PO-")) for k, v in d.items()}
    assert po == {"G380": ["outage_callback", "outage_notice", "outage_sms"], "L10": [],
                  "A220": ["outage_sms"], "H380": ["outage_callback", "outage_notice",
                                                   "outage_sms"]}
    assert {t.status for t in d["G380"].tasks if t.clause == "PO-NOTICE"} == {"open"}
