"""The live session's behaviour on hand-written cases: change records, errors, clock, snapshots."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

import gridcrm_rules as gr
from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.engine.tasks import overdue_from, task_status

ENGINE = gr.Engine.default()
CUSTOMER = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
BILL = {"type": "bill_issued", "id": "b1", "period": "2026-07", "amount": "100.00",
        "due": "2026-08-31"}
THEFT = {"type": "theft_detected", "id": "t1", "at": "2026-09-10T10:00:00+08:00"}


def _kinds(changes: tuple[gr.Change, ...]) -> list[str]:
    return [c.kind for c in changes]


def test_a_theft_makes_the_customer_d_the_moment_it_is_posted() -> None:
    live = ENGINE.live()
    live.post(CUSTOMER, BILL)
    live.advance_to("2026-09-05T00:00:00+08:00")
    changes = live.post("C1", THEFT)
    graded = [c for c in changes if isinstance(c, gr.GradeChanged)]
    assert len(graded) == 1
    assert graded[0].to_grade == "D"
    assert graded[0].from_grade != "D"
    assert graded[0].at == datetime(2026, 9, 10, 10, tzinfo=SHANGHAI)
    assert graded[0].clause_ids
    assert graded[0].rule_ids
    assert not graded[0].correction
    assert live.decision("C1") == ENGINE.evaluate(CUSTOMER, [BILL, THEFT], as_of=live.now)


def test_the_clock_moves_to_a_newer_event_and_never_backwards() -> None:
    live = ENGINE.live()
    assert live.now is None
    live.post(CUSTOMER, THEFT)
    assert live.now == datetime(2026, 9, 10, 10, tzinfo=SHANGHAI)
    with pytest.raises(ValueError, match="never moves backwards"):
        live.advance_to("2026-09-01")
    assert live.advance_to(live.now) == ()


def test_a_late_event_is_a_correction() -> None:
    live = ENGINE.live()
    live.post(CUSTOMER, BILL)
    live.advance_to("2026-10-15")
    changes = live.post("C1", THEFT)  # recorded 09-10, posted after 10-15
    assert changes
    assert all(c.correction for c in changes)
    assert all(c.at == live.now for c in changes)
    assert live.decision("C1").credit.grade == "D"  # type: ignore[union-attr]


def test_a_refused_event_changes_nothing_and_gives_evaluate_s_error() -> None:
    live = ENGINE.live()
    live.post(CUSTOMER, BILL)
    before = live.snapshot()
    bad = {"type": "payment_received", "id": "p1", "amount": "-1",
           "at": "2026-09-01T00:00:00+08:00"}
    with pytest.raises(ValidationError) as refused:
        live.post("C1", bad)
    with pytest.raises(ValidationError) as evaluated:
        ENGINE.evaluate(CUSTOMER, [BILL, bad], as_of="2026-10-01")
    assert refused.value.errors() == evaluated.value.errors()
    assert live.snapshot() == before


def test_a_duplicate_event_id_is_refused() -> None:
    live = ENGINE.live()
    live.post(CUSTOMER, BILL)
    before = live.snapshot()
    with pytest.raises(ValidationError, match="duplicate event id 'b1'"):
        live.post("C1", {**BILL, "period": "2026-08"})
    assert live.snapshot() == before


def test_an_unknown_customer_without_its_record_is_a_clear_error() -> None:
    live = ENGINE.live()
    with pytest.raises(KeyError, match="customer 'C9' is not followed"):
        live.post("C9", BILL)
    assert live.customers == ()


def test_a_refused_first_event_does_not_register_the_customer() -> None:
    live = ENGINE.live()
    with pytest.raises(ValidationError):
        live.post(CUSTOMER, {"type": "bill_issued", "id": "b"})
    assert live.customers == ()
    assert live.now is None


def test_post_many_is_all_or_nothing() -> None:
    """A refused event among several posts none of them (its error is evaluate's for the
    history), so retrying the corrected list is not refused as duplicates."""
    live = ENGINE.live()
    live.post(CUSTOMER, BILL)
    before = live.snapshot()
    late = {"type": "theft_detected", "id": "t2", "at": "2026-10-01T10:00:00+08:00"}
    with pytest.raises(ValidationError) as info:
        live.post_many("C1", [THEFT, {**late, "at": "not a date"}])
    assert info.value.errors()[0]["loc"][:2] == (2, "theft_detected")  # after the bill
    assert live.snapshot() == before
    changes = live.post_many("C1", [THEFT, late])
    assert [e.id for e in live.events("C1")] == ["b1", "t1", "t2"]
    assert any(isinstance(c, gr.GradeChanged) and c.to_grade == "D" for c in changes)


def test_re_adding_a_changed_record_updates_it() -> None:
    live = ENGINE.live()
    live.post(CUSTOMER, BILL)
    assert live.add_customer(CUSTOMER) == ()
    changed = {**CUSTOMER, "category": "dedicated_transformer", "transformer_kva": 630,
               "supply_voltage_kv": "10"}
    live.add_customer(changed)
    assert live.customer("C1").category == "dedicated_transformer"
    assert live.decision("C1") == ENGINE.evaluate(changed, [BILL], as_of=live.now)


def test_each_overdue_fires_once_at_its_due_in_time_order() -> None:
    live = ENGINE.live()
    repair = {"type": "repair_archived", "id": "r1", "at": "2026-09-01T10:00:00+08:00"}
    opened = live.post(CUSTOMER, repair)
    assert any(isinstance(c, gr.TaskOpened) for c in opened)
    first = live.advance_to("2026-09-20")
    overdue = [c for c in first if isinstance(c, gr.TaskOverdue)]
    assert overdue
    assert all(c.at == c.task.due for c in overdue)
    assert [c.at for c in first] == sorted(c.at for c in first)
    later = live.advance_to("2026-12-20")
    assert not [c for c in later if isinstance(c, gr.TaskOverdue)]


def test_a_completed_callback_reports_on_time() -> None:
    live = ENGINE.live()
    repair = {"type": "repair_archived", "id": "r1", "at": "2026-09-01T10:00:00+08:00"}
    live.post(CUSTOMER, repair)
    done = live.post("C1", {"type": "callback_completed", "id": "cb1", "for_event": "r1",
                            "at": "2026-09-01T12:00:00+08:00"})
    completed = [c for c in done if isinstance(c, gr.TaskCompleted)]
    assert completed
    assert all(c.on_time for c in completed)


def test_month_start_regrades_when_a_bill_turns_overdue() -> None:
    live = ENGINE.live()
    live.post(CUSTOMER, BILL)  # due 08-31, never paid
    changes = live.advance_to("2026-12-02")
    grades = [c for c in changes if isinstance(c, gr.GradeChanged)]
    assert grades, "the arrears age grows as the cutoff moves"
    assert all(c.at.day == 1 and c.at.hour == 0 for c in grades)
    assert live.decision("C1") == ENGINE.evaluate(CUSTOMER, [BILL], as_of="2026-12-02")


def test_change_records_are_one_json_union() -> None:
    live = ENGINE.live()
    changes = live.post(CUSTOMER, THEFT)
    adapter: TypeAdapter[gr.Change] = TypeAdapter(gr.Change)
    for change in changes:
        dumped = change.model_dump(mode="json")
        assert {"kind", "customer_id", "at", "clause_ids"} <= dumped.keys()
        assert adapter.validate_python(dumped) == change
    with pytest.raises(ValidationError):
        changes[0].customer_id = "X"  # type: ignore[misc]  # frozen


def test_snapshot_restores_and_refuses_another_engine() -> None:
    live = ENGINE.live()
    live.post(CUSTOMER, BILL)
    live.post("C1", THEFT)
    blob = live.snapshot()
    data = json.loads(blob)
    assert data["format"] == "gridcrm-live/1"
    assert data["fingerprint"].startswith("sha256:")
    again = ENGINE.live(restore=blob)
    assert again.now == live.now
    assert again.customers == ("C1",)
    assert again.decision("C1") == live.decision("C1")
    other = ENGINE.with_params(cb_rep_hours=12)
    with pytest.raises(gr.SnapshotMismatch, match="rederive=True") as info:
        other.live(restore=blob)
    assert "the same packs (" in str(info.value)  # a parameter differs, not the packs
    with pytest.raises(gr.SnapshotMismatch, match=r"this engine.s credit \d"):
        gr.Engine.from_packs(["credit"]).live(restore=blob)
    rederived = other.live(restore=blob.decode(), rederive=True)
    assert rederived.decision("C1") == other.evaluate(CUSTOMER, [BILL, THEFT], as_of=live.now)
    assert rederived.advance_to(live.now) == ()  # nothing reported as changed
    with pytest.raises(gr.SnapshotMismatch, match="format"):
        ENGINE.live(restore=json.dumps({**data, "format": "gridcrm-live/0"}))
    with pytest.raises(gr.SnapshotMismatch, match="not JSON"):
        ENGINE.live(restore=b"not json")


def test_snapshot_of_some_customers() -> None:
    live = ENGINE.live()
    live.post(CUSTOMER, BILL)
    live.post({**CUSTOMER, "id": "C2"}, {**THEFT, "id": "t2"})
    part = ENGINE.live(restore=live.snapshot(["C2"]))
    assert part.customers == ("C2",)
    assert part.decision("C2") == live.decision("C2")


def test_next_wakeup_is_the_earliest_open_due_or_the_next_month_start() -> None:
    """Waking a customer at ``next_wakeup`` (and just past it) reports each overdue at
    its due, one wake-up at a time; with no open task it is the next re-grade instant."""
    live = ENGINE.live()
    live.add_customer(CUSTOMER)
    assert live.next_wakeup("C1") is None  # no clock yet
    with pytest.raises(KeyError, match="not followed"):
        live.next_wakeup("C2")
    repair = {"type": "repair_archived", "id": "r1", "at": "2026-09-01T10:00:00+08:00"}
    opened = [c.task for c in live.post("C1", repair) if isinstance(c, gr.TaskOpened)]
    assert opened
    assert live.next_wakeup("C1") == min(overdue_from(t.due) for t in opened if t.due)
    seen: list[gr.TaskOverdue] = []
    for _ in range(len(opened)):
        wake = live.next_wakeup("C1")
        assert wake is not None
        assert live.now is not None
        assert wake > live.now
        seen += [c for c in live.advance_to(wake)
                 if isinstance(c, gr.TaskOverdue)]
    assert sorted(c.task.clause for c in seen) == sorted(t.clause for t in opened)
    assert all(c.at == c.task.due for c in seen)
    assert live.next_wakeup("C1") == datetime(2026, 10, 1, tzinfo=SHANGHAI)  # a re-grade


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),
                    timezones=st.just(SHANGHAI)))
def test_overdue_from_is_the_first_overdue_instant(due: datetime) -> None:
    """``task_status`` compares at whole seconds: open until ``overdue_from(due)``."""
    first = overdue_from(due)
    assert task_status(due, None, first)[0] == "overdue"
    assert task_status(due, None, first - timedelta(microseconds=1))[0] == "open"


def test_post_many_with_no_events_still_follows_the_customer() -> None:
    live = ENGINE.live()
    assert live.post_many(CUSTOMER, []) == ()
    assert live.customers == ("C1",)
