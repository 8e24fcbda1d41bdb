"""Issue 14 (regulation fidelity): the batch engine agrees with ``Engine.evaluate``.

Every new or changed field -- decisions and tasks -- is compared customer by
customer between ``evaluate_batch`` and the scalar engine.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from batch_helpers import History, assert_equivalent, tables
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _late_bill_histories() -> list[History]:
    """Bills due around the window start (2025-10-31, as_of 2026-11-22), paid around it too."""
    from datetime import date, timedelta

    start = date(2025, 10, 31)
    out: list[History] = []
    for due_off in (-40, -1, 0, 1, 2):
        for paid_off in (-1, 0, 1, 2, None):
            due = start + timedelta(days=due_off)
            period = f"{due.year}-{due.month:02d}" if due.month > 1 else f"{due.year - 1}-12"
            events: list[dict[str, Any]] = [
                {"type": "bill_issued", "id": "b1", "period": period, "amount": "100.00",
                 "due": due.isoformat()}]
            if paid_off is not None:
                events.append({"type": "payment_received", "id": "p1", "amount": "100.00",
                               "at": f"{start + timedelta(days=paid_off)}T10:00:00+08:00"})
            cid = f"D{due_off}P{paid_off}"
            out.append(({"id": cid, "category": "residential", "supply_voltage_kv": 0.22},
                        events))
    return out


def test_had_arrears_in_year_agrees_in_both_readings() -> None:
    """had_arrears_in_year (and so the grade) around the window start, both backends."""
    histories = _late_bill_histories()
    for reading in ("any_day", "due_in_window"):
        engine = gr.Engine.from_packs(["credit"], params={"arrears_in_year_reading": reading})
        got = assert_equivalent(engine, histories, "2026-11-22T09:00:00+08:00")
        facts = dict(zip(got.get_column("customer_id"), got.get_column("fact_had_arrears_in_year"),
                         strict=True))
        assert facts["D0P1"] is (reading == "any_day")  # due the day before, paid inside
        assert facts["D0P0"] is False
        assert facts["D1P2"] is True
        assert set(got.get_column("path")) == {"columnar"}  # the columnar twin decided them


@settings(max_examples=25, deadline=None, derandomize=True)
@given(due_off=st.integers(-70, 40), paid_off=st.one_of(st.none(), st.integers(-70, 60)),
       calendar=st.booleans())
def test_had_arrears_in_year_property(due_off: int, paid_off: int | None, calendar: bool) -> None:
    """Both backends agree, and any_day counts exactly the bills in arrears on a window day."""
    from datetime import date, timedelta

    window = "calendar_year" if calendar else "rolling_12m"
    start = date(2025, 12, 31) if calendar else date(2025, 10, 31)  # exclusive window start
    due = start + timedelta(days=due_off)
    prev = due.replace(day=1) - timedelta(days=1)
    events: list[dict[str, Any]] = [{"type": "bill_issued", "id": "b1", "amount": "100.00",
                                     "period": f"{prev.year}-{prev.month:02d}",
                                     "due": due.isoformat()}]
    paid = None if paid_off is None else start + timedelta(days=paid_off)
    if paid is not None:
        events.append({"type": "payment_received", "id": "p1", "amount": "100.00",
                       "at": f"{paid}T10:00:00+08:00"})
    engine = gr.Engine.from_packs(["credit"], params={"year_window": window})
    got = assert_equivalent(engine, [({"id": "X", "category": "residential",
                                       "supply_voltage_kv": 0.22}, events)], "2026-11-22")
    cutoff = date(2026, 10, 31)
    # The days the bill was past due and unpaid: (due, paid] (to the cutoff when unpaid).
    last = cutoff if paid is None or paid > cutoff else paid
    in_arrears = due <= cutoff and max(due, start) < last and last > due
    if due > start and paid is None:
        in_arrears = True  # due inside the window and unpaid at the cutoff (even on the cutoff)
    assert got.get_column("fact_had_arrears_in_year").item() is in_arrears


def test_last_years_visit_agrees() -> None:
    """CB-VISIT.last_year in both backends, at the instant last year's visit turns overdue."""
    large = {"category": "dedicated_transformer", "supply_voltage_kv": 10,
             "transformer_kva": 630, "connected_on": "2020-05-01"}
    visit = {"type": "visit_completed", "id": "v1", "at": "2026-06-01T10:00:00+08:00",
             "form": "visit"}
    histories: list[History] = [({"id": "V0", **large}, []), ({"id": "V1", **large}, [visit]),
                                ({"id": "V2", **large, "connected_on": "2027-01-01"}, [])]
    for as_of in ("2026-12-31T23:59:59+08:00", "2027-01-01T00:00:00+08:00"):
        assert_tasks_equivalent(DEFAULT, histories, as_of)
    d = DEFAULT.evaluate(*histories[0], as_of="2027-01-01T00:00:00+08:00")
    (last,) = [t for t in d.tasks if t.kind == "annual_visit" and t.due.year == 2026]
    assert (last.status, last.overdue_by.total_seconds() if last.overdue_by else None) == (
        "overdue", 1.0)


def _c_customer(cid: str, paid: list[str]) -> History:
    events: list[dict[str, Any]] = [
        {"type": "bill_issued", "id": "b1", "period": "2025-07", "amount": "900.00",
         "due": "2025-08-15"},
        {"type": "grade_notice_sent", "id": "g1", "at": "2025-09-26T10:00:00+08:00"}]
    events += [{"type": "prepayment_completed", "id": f"pp{i}", "for_event": "g1",
                "at": f"2025-10-{9 + i:02d}T10:00:00+08:00", "amount": a}
               for i, a in enumerate(paid)]
    return ({"id": cid, "category": "dedicated_transformer", "supply_voltage_kv": 10,
             "transformer_kva": 630}, events)


def test_partial_prepayment_agrees() -> None:
    """SV-C-PREPAY's completion by amount and remaining_amount, in both backends."""
    histories = [_c_customer("P0", []), _c_customer("P1", ["15750.00"]),
                 _c_customer("P2", ["20000.00", "42999.99"]),
                 _c_customer("P3", ["20000.00", "43000.00"]),
                 _c_customer("P4", ["70000.00"])]
    assert_tasks_equivalent(DEFAULT, histories, "2025-10-24T09:00:00+08:00")
    tasks = DEFAULT.evaluate_batch(*tables(histories), as_of="2025-10-24T09:00:00+08:00").tasks
    prepay = tasks.filter(pl.col("clause") == "SV-C-PREPAY").sort("customer_id")
    assert [str(v) for v in prepay.get_column("remaining_amount")] == [
        "63000.00", "47250.00", "0.01", "0.00", "0.00"]
    assert prepay.get_column("status").to_list() == [
        "overdue", "overdue", "overdue", "on_time", "on_time"]
    notes = DEFAULT.evaluate(*histories[1], as_of="2025-10-24T09:00:00+08:00").trace.notes
    assert ("SV-C-PREPAY: 1 prepayment_completed event(s) came to 15750.00 of the required "
            "63000.00: not complete, 47250.00 remains") in notes


@settings(max_examples=30, deadline=None, derandomize=True)
@given(first=st.integers(0, 6_300_000), second=st.integers(0, 6_300_000))
def test_prepayment_completes_exactly_at_the_required_amount(first: int, second: int) -> None:
    """Complete iff the two prepayments (fen) reach 63000.00; the rest is what remains."""
    from decimal import Decimal

    amounts = [f"{Decimal(first) / 100:.2f}", f"{Decimal(second) / 100:.2f}"]
    d = DEFAULT.evaluate(*_c_customer("P", amounts), as_of="2025-10-24T09:00:00+08:00")
    (task,) = [t for t in d.tasks if t.clause == "SV-C-PREPAY"]
    total = first + second
    assert (task.completed_at is not None) is (total >= 6_300_000)
    assert task.remaining_amount == max(Decimal(6_300_000 - total) / 100, Decimal(0))


def test_override_scope_agrees() -> None:
    """An override of a key account applies, of another customer is refused: both backends."""
    over = {"type": "grade_override", "id": "o1", "at": "2026-11-10T10:00:00+08:00",
            "by": "kam01", "to_grade": "A", "reason": "r"}
    late = [{"type": "bill_issued", "id": "b1", "period": "2026-02", "amount": "100.00",
             "due": "2026-03-15"},
            {"type": "payment_received", "id": "p1", "at": "2026-03-16T09:00:00+08:00",
             "amount": "100.00"}]
    base = {"category": "lv_commercial", "supply_voltage_kv": 0.38}
    histories: list[History] = [({"id": "K", **base, "org_type": "hotel"}, [*late, over]),
                                ({"id": "N", **base, "org_type": "enterprise"}, [*late, over])]
    got = assert_equivalent(DEFAULT, histories, "2026-11-22T09:00:00+08:00")
    grades = dict(zip(got.get_column("customer_id"), got.get_column("grade"), strict=True))
    assert grades == {"K": "A", "N": "B"}


def test_c_notice_episodes_agree() -> None:
    """SV-C-NOTICE once per C episode (due the month C began), in both backends."""
    bills = [{"type": "bill_issued", "id": "b1", "period": "2025-11", "amount": "500.00",
              "due": "2025-12-20"},
             {"type": "bill_issued", "id": "b2", "period": "2025-12", "amount": "400.00",
              "due": "2026-01-20"},
             {"type": "payment_received", "id": "p1", "at": "2026-02-10T10:00:00+08:00",
              "amount": "500.00", "bill_id": "b1"}]
    notice = {"type": "grade_notice_sent", "id": "g1", "at": "2026-02-28T23:59:59+08:00"}
    lv = {"category": "lv_commercial", "supply_voltage_kv": 0.38, "prepaid_meter": True}
    histories: list[History] = [({"id": "E0", **lv}, bills), ({"id": "E1", **lv},
                                                                [*bills, notice])]
    for as_of in ("2026-02-15T09:00:00+08:00", "2026-03-20T12:00:00+08:00"):
        assert_tasks_equivalent(DEFAULT, histories, as_of)
    d = DEFAULT.evaluate(*histories[0], as_of="2026-03-20T12:00:00+08:00")
    (notice_task,) = [t for t in d.tasks if t.clause == "SV-C-NOTICE"]
    assert notice_task.due.isoformat() == "2026-02-28T23:59:59+08:00"
    assert "the C episode began in 2026-02" in " ".join(d.trace.notes)


def test_key_account_duties_agree() -> None:
    """MT-DEFECT/PATROL/SEASONAL tasks in both backends, at the 20th's last second and after."""
    report = {"type": "defect_report_submitted", "id": "d1", "at": "2026-03-20T23:59:59+08:00"}
    patrol = {"type": "line_patrol_completed", "id": "l1", "at": "2026-02-10T10:00:00+08:00"}
    histories: list[History] = [
        ({"id": "H1", "category": "other", "supply_voltage_kv": 0.38, "org_type": "hospital"},
         [report, patrol]),
        ({"id": "G1", "category": "lv_commercial", "supply_voltage_kv": 0.38},
         [*_months("5000"), report]),
        ({"id": "R1", "category": "residential", "supply_voltage_kv": 0.22}, [report]),
    ]
    for as_of in ("2026-03-20T23:59:59+08:00", "2026-03-21T00:00:00+08:00"):
        assert_tasks_equivalent(DEFAULT, histories, as_of)


def test_key_account_duties_by_connection_date_agree() -> None:
    """The connected_on guard of the MT rules, both backends (with and without a date)."""
    base = {"category": "other", "supply_voltage_kv": 0.38, "org_type": "hospital"}
    histories: list[History] = [({"id": f"K{i}", **base, "connected_on": day}, [])
                                for i, day in enumerate(["2026-03-20", "2026-03-21",
                                                         "2025-12-01", "2020-01-01"])]
    histories.append(({"id": "KN", **base}, []))
    assert_tasks_equivalent(DEFAULT, histories, "2026-03-26T09:00:00+08:00")
    result = DEFAULT.evaluate_batch(*tables(histories), as_of="2026-03-26T09:00:00+08:00")
    assert result.notes == ()  # the guard compiled: no decision was left to per-customer runs
