"""``gridcrm_rules.live.spark_streaming``: a live session per customer in Structured Streaming.

A file source (JSONL in a tmp dir), ``trigger(availableNow=True)`` and a memory sink on a
local[2] session.  Skipped when pyspark or Java is missing; CI installs both.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - depends on the machine
    pytest.skip("Spark needs Java", allow_module_level=True)

import gridcrm_rules as gr

SCHEMA = "customer_id string, event_time timestamp, seq long, event string, customer string"


class _Change:
    """A change record as the adapter reads one: ``kind``, ``at``, ``model_dump``."""

    def __init__(self, customer_id: str, kind: str, at: datetime, detail: str) -> None:
        self.customer_id, self.kind, self.at, self.detail = customer_id, kind, at, detail

    def model_dump(self, mode: str = "python") -> dict[str, Any]:
        return {"customer_id": self.customer_id, "kind": self.kind,
                "at": self.at.isoformat(), "detail": self.detail}


class _CountingSession:
    """A test double of the agreed ``LiveSession`` surface the adapter uses.

    Each post reports the running count of the customer's events and the clock, so the
    output shows whether state survived between micro-batches and whether rows were
    posted in event-time order.
    """

    def __init__(self, blob: str | None = None) -> None:
        data = json.loads(blob) if blob else {"format": "test/1", "customers": {}, "now": None}
        self.state: dict[str, Any] = data

    @property
    def now(self) -> datetime | None:
        return datetime.fromisoformat(self.state["now"]) if self.state["now"] else None

    @property
    def customers(self) -> tuple[str, ...]:
        return tuple(self.state["customers"])

    def add_customer(self, record: dict[str, Any]) -> tuple[_Change, ...]:
        self.state["customers"].setdefault(record["id"], {"n": 0, "last": None})
        return ()

    def post(self, customer_or_id: str | dict[str, Any],
             event: dict[str, Any]) -> tuple[_Change, ...]:
        if isinstance(customer_or_id, dict):
            self.add_customer(customer_or_id)
            customer_or_id = customer_or_id["id"]
        customer_id = customer_or_id
        if customer_id not in self.state["customers"]:
            raise KeyError(customer_id)
        at = datetime.fromisoformat(event["at"])
        entry = self.state["customers"][customer_id]
        in_order = entry["last"] is None or at >= datetime.fromisoformat(entry["last"])
        entry["n"] += 1
        entry["last"] = at.isoformat()
        if self.now is None or at > self.now:
            self.state["now"] = at.isoformat()
        return (_Change(customer_id, "Posted", at, f"{event['id']}#{entry['n']}:{in_order}"),)

    def advance_to(self, t: datetime) -> tuple[_Change, ...]:
        if self.now is not None and t < self.now:
            raise ValueError("backwards")
        self.state["now"] = t.isoformat()
        return tuple(_Change(cid, "Advanced", t, t.isoformat()) for cid in self.customers)

    def snapshot(self, customer_ids: list[str] | None = None) -> bytes:
        return json.dumps(self.state).encode()

    def next_wakeup(self, customer_id: str) -> datetime | None:
        return None  # nothing scheduled: only ``tick`` wakes a customer


class _CountingEngine:
    def live(self, *, restore: str | None = None, rederive: bool = False) -> _CountingSession:
        return _CountingSession(restore)


def _write(directory: Path, name: str, rows: list[dict[str, Any]]) -> None:
    """Write one source file; it is read after every file written before it.  (Spark's
    file source takes files oldest modification time first: files written in the same
    instant would come in any order, so each gets its own time, a minute apart.)"""
    earlier = sum(1 for _ in directory.iterdir())
    path = directory / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    stamp = 1_700_000_000 + 60 * earlier
    os.utime(path, (stamp, stamp))


def _run(spark: Any, engine: Any, source: Path, checkpoint: Path, name: str,
         tick: timedelta | None = None) -> list[Any]:
    """Stream the files of ``source`` (one micro-batch each) and collect the output rows,
    with ``micros``: the ``at`` column as microseconds since the epoch."""
    from gridcrm_rules.live.spark_streaming import stream_changes

    events = spark.readStream.schema(SCHEMA).option("maxFilesPerTrigger", 1).json(str(source))
    changes = stream_changes(engine, events, tick=tick,
                             watermark_delay=None if tick is None else "0 seconds")
    query = (changes.writeStream.format("memory").queryName(name)
             .option("checkpointLocation", str(checkpoint)).trigger(availableNow=True).start())
    query.awaitTermination(120)
    return spark.sql(f"select *, unix_micros(at) as micros from {name}").collect()


def _row(cid: str, eid: str, at: str, seq: int, customer: bool) -> dict[str, Any]:
    return {"customer_id": cid, "event_time": at, "seq": seq,
            "event": json.dumps({"id": eid, "at": at}),
            "customer": json.dumps({"id": cid}) if customer else None}


def test_state_survives_micro_batches_and_rows_post_in_event_time_order(
        spark: Any, tmp_path: Path) -> None:
    """Two files = two micro-batches: the count continues, and a file written out of order
    is posted in event-time order (every post reports ``in_order`` true)."""
    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    source = tmp_path / "in"
    source.mkdir()
    _write(source, "1.jsonl", [
        _row("C1", "e2", "2026-01-02T00:00:00+00:00", 2, False),
        _row("C1", "e1", "2026-01-01T00:00:00+00:00", 1, True),
        _row("C2", "f1", "2026-01-05T00:00:00+00:00", 3, True),
    ])
    _write(source, "2.jsonl", [_row("C1", "e3", "2026-01-03T00:00:00+00:00", 4, False)])
    rows = _run(spark, _CountingEngine(), source, tmp_path / "ck", "counting")
    details = sorted((r.customer_id, json.loads(r.record)["detail"]) for r in rows)
    assert details == [("C1", "e1#1:True"), ("C1", "e2#2:True"), ("C1", "e3#3:True"),
                       ("C2", "f1#1:True")]
    assert {r.kind for r in rows} == {"Posted"}
    c1_times = sorted(r.at for r in rows if r.customer_id == "C1")
    assert c1_times[0] == datetime(2026, 1, 1)  # the session time zone is UTC


def test_the_watermark_advances_a_quiet_customers_clock(spark: Any, tmp_path: Path) -> None:
    """With ``tick``, a customer with no new events is advanced once the watermark (from
    other customers' events) passes its timeout; never to a time before its own clock."""
    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    source = tmp_path / "in"
    source.mkdir()
    _write(source, "1.jsonl", [_row("C1", "e1", "2026-01-01T00:00:00+00:00", 1, True)])
    _write(source, "2.jsonl", [_row("C2", "f1", "2026-01-10T00:00:00+00:00", 2, True)])
    _write(source, "3.jsonl", [_row("C2", "f2", "2026-01-20T00:00:00+00:00", 3, False)])
    rows = _run(spark, _CountingEngine(), source, tmp_path / "ck", "ticking",
                tick=timedelta(days=1))
    advanced = sorted((r.customer_id, r.at) for r in rows if r.kind == "Advanced")
    posted = sorted(json.loads(r.record)["detail"] for r in rows if r.kind == "Posted")
    assert posted == ["e1#1:True", "f1#1:True", "f2#2:True"]
    # C1 (clock 01-01, timeout 01-02) is advanced to a watermark past its timeout.
    c1 = [at for cid, at in advanced if cid == "C1"]
    assert c1, advanced
    assert all(at >= datetime(2026, 1, 10) for at in c1)
    assert c1 == sorted(set(c1))  # each advance moves forward


def test_a_due_wakes_a_quiet_customer_long_before_the_tick(spark: Any, tmp_path: Path) -> None:
    """With a 30-day ``tick``, a customer whose callback falls due is still advanced as
    soon as the watermark (moved by another customer's events) passes its due: the
    ``TaskOverdue`` comes out, dated at the due (``LiveSession.next_wakeup`` sets the
    timeout).  Only ``tick`` woke a customer before: no overdue row in this stream."""
    from gridcrm_rules.live.spark_streaming import event_row

    engine = gr.Engine.default()
    record = {"category": "residential", "supply_voltage_kv": "0.22"}
    repair = {"type": "repair_archived", "id": "r1", "at": "2026-01-05T10:00:00+08:00"}
    opened = [c.task for c in engine.live().post({"id": "C1", **record}, repair)
              if isinstance(c, gr.TaskOpened)]
    assert [t.clause for t in opened] == ["CB-REP"]
    source = tmp_path / "in"
    source.mkdir()
    _write(source, "1.jsonl", [event_row("C1", repair, 1, {"id": "C1", **record})])
    _write(source, "2.jsonl", [event_row(
        "C2", {"type": "contact_received", "id": "x1", "at": "2026-01-08T10:00:00+08:00",
               "channel": "phone"}, 2, {"id": "C2", **record})])
    _write(source, "3.jsonl", [event_row(
        "C2", {"type": "contact_received", "id": "x2", "at": "2026-01-09T10:00:00+08:00",
               "channel": "phone"}, 3)])
    rows = _run(spark, engine, source, tmp_path / "ck", "deadline", tick=timedelta(days=30))
    overdue = [json.loads(r.record) for r in rows
               if r.customer_id == "C1" and r.kind == "task_overdue"]
    assert [o["task"]["clause"] for o in overdue] == ["CB-REP"]
    assert datetime.fromisoformat(overdue[0]["at"]) == opened[0].due
    assert not [r for r in rows if r.kind == "event_refused"]


def test_event_row_times_an_event_by_event_instant() -> None:
    """``event_time`` is the instant ``evaluate`` filters by: a bill is known when its
    month has closed, a payment at its ``at``."""
    from gridcrm_rules.live.spark_streaming import event_row
    from gridcrm_rules.models import BillIssued, event_instant

    bill = {"type": "bill_issued", "id": "b1", "period": "2026-07", "amount": "10.00",
            "due": "2026-08-31"}
    row = event_row("C1", bill, 7, {"id": "C1"})
    assert row["event_time"] == event_instant(BillIssued.model_validate(bill)).isoformat()
    assert row["event_time"].startswith("2026-08-01T00:00:00")
    assert (row["seq"], json.loads(row["customer"])) == (7, {"id": "C1"})
    assert event_row("C1", bill, 8)["customer"] is None
    with pytest.raises(ValueError, match="amount"):
        event_row("C1", {**bill, "amount": "ten"}, 9)


def _record_json(change: Any) -> str:
    return json.dumps(change.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)


def _micros(iso: str) -> int:
    delta = datetime.fromisoformat(iso) - datetime(1970, 1, 1, tzinfo=UTC)
    return delta // timedelta(microseconds=1)


def test_streamed_changes_equal_a_plain_live_session(spark: Any, tmp_path: Path) -> None:
    """The contract: the stream's change records are those of ``engine.live()`` fed the
    same events in the same order -- one session per customer, since the stream keeps one
    state (and so one clock) per customer key; a single shared session would move every
    customer's clock on any customer's event.

    Each customer's history comes in two files (two micro-batches: the second restores the
    state snapshot), the second starting with an updated customer record, which is posted
    with its event; the session zone is Asia/Shanghai, and every ``at`` is still the
    instant its record names."""
    from gridcrm_rules.live.spark_streaming import event_row
    from gridcrm_rules.models import event_instant, parse_events
    from gridcrm_rules.sample import load_sample

    engine = gr.Engine.default()
    sample = load_sample()
    source = tmp_path / "in"
    source.mkdir()
    expected: list[tuple[str, str]] = []
    seq = 0
    for number, customer in enumerate(sample.customers[:3]):
        plain = engine.live()
        history = sorted(parse_events(sample.events_for(customer["id"])), key=event_instant)
        half = len(history) // 2
        updated = {**customer, "org_type": "government"}
        rows = []
        for i, event in enumerate(history):
            record = customer if i == 0 else updated if i == half else None
            rows.append(event_row(customer["id"], event, seq, record))
            changes = plain.post(record if record is not None else customer["id"], event)
            expected += [(customer["id"], _record_json(c)) for c in changes]
            seq += 1
        _write(source, f"{number}a.jsonl", rows[:half])
        _write(source, f"{number}b.jsonl", rows[half:])
    assert any('"key_account_changed"' in record for _, record in expected)  # the update
    spark.conf.set("spark.sql.session.timeZone", "Asia/Shanghai")
    try:
        got = _run(spark, engine, source, tmp_path / "ck", "live_changes")
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    assert sorted((r.customer_id, r.record) for r in got) == sorted(expected)
    assert all(r.micros == _micros(json.loads(r.record)["at"]) for r in got)


def test_a_refused_row_is_reported_and_the_stream_goes_on(spark: Any, tmp_path: Path) -> None:
    """An invalid event, a duplicate id, a first row without its customer record, a record
    for another id and text that is not JSON each come out as one ``event_refused`` row
    with error records; the customer's state is as if they never came."""
    from gridcrm_rules.live.spark_streaming import REFUSED, event_row

    engine = gr.Engine.default()
    customer = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
    bill = {"type": "bill_issued", "id": "b1", "period": "2026-07", "amount": "100.00",
            "due": "2026-08-31"}
    pay = {"type": "payment_received", "id": "p1", "at": "2026-09-20T10:00:00+08:00",
           "amount": "100.00"}
    good = [event_row("C1", bill, 1, customer), event_row("C1", pay, 4)]
    nobody = event_row("C9", bill, 0)  # C9's first row carries no record
    duplicate = {**event_row("C1", bill, 2), "event_time": good[1]["event_time"]}
    invalid = {**good[1], "seq": 5, "event": json.dumps({**pay, "id": "p2", "amount": "-1"})}
    other = {**good[1], "seq": 6, "event": json.dumps({**pay, "id": "p3"}),
             "customer": json.dumps({**customer, "id": "C2"})}
    garbled = {**good[1], "seq": 7, "event": "{not json"}
    source = tmp_path / "in"
    source.mkdir()
    _write(source, "1.jsonl", [good[0], nobody])
    _write(source, "2.jsonl", [duplicate, good[1], invalid, other, garbled])
    got = _run(spark, engine, source, tmp_path / "ck", "refusals")
    refused = [(r.customer_id, json.loads(r.record)) for r in got if r.kind == REFUSED]
    assert sorted((cid, rec["errors"][0]["type"]) for cid, rec in refused) == sorted([
        ("C9", "unknown_customer"), ("C1", "duplicate_event_id"), ("C1", "greater_than_equal"),
        ("C1", "customer_id_mismatch"), ("C1", "json_invalid")])
    assert all({"type", "loc", "msg", "input"} <= set(rec["errors"][0]) for _, rec in refused)
    plain = engine.live()
    expected = [*plain.post(customer, bill), *plain.post("C1", pay)]
    assert sorted(r.record for r in got if r.kind != REFUSED) == sorted(
        _record_json(c) for c in expected)


def test_stream_changes_checks_its_clock_options(spark: Any, tmp_path: Path) -> None:
    from gridcrm_rules.live.spark_streaming import stream_changes

    events = spark.readStream.schema(SCHEMA).json(str(tmp_path))
    engine = _CountingEngine()
    with pytest.raises(ValueError, match="needs watermark_delay"):
        stream_changes(engine, events, tick=timedelta(hours=1))
    with pytest.raises(ValueError, match="only with tick"):
        stream_changes(engine, events, watermark_delay="1 hour")
    with pytest.raises(ValueError, match="positive"):
        stream_changes(engine, events, tick=timedelta(0), watermark_delay="1 hour")
