"""A live session per customer inside Spark Structured Streaming::

    from gridcrm_rules.live.spark_streaming import stream_changes

    changes = stream_changes(engine, events_stream)
    changes.writeStream.format("memory").queryName("changes").start()

The input is a streaming DataFrame with one row per event and the columns

* ``customer_id`` (string) -- the key the stream is grouped by;
* ``event_time`` (timestamp) -- when the event happened; rows of one customer are
  posted in ``event_time`` order within a micro-batch (ties keep ``seq`` order), and
  the watermark is defined on it;
* ``event`` (string) -- the event as JSON, exactly what ``LiveSession.post`` accepts;
* ``customer`` (string, may be null) -- the customer record as JSON.  It is *carried on
  the rows*: the first row of a customer must carry it (the session refuses a post for an
  unknown customer), later rows may leave it null, and a non-null value re-adds the
  record (an update).  Customers kept in a static table are brought onto the rows with
  a stream-static join before calling (``events.join(customers, "customer_id", "left")``).
* ``seq`` (long, optional) -- arrival order, to break ``event_time`` ties.

Each key's state is one customer's live snapshot (``LiveSession.snapshot``, format
``gridcrm-live/1``): a micro-batch restores it with ``engine.live(restore=...)``, posts
the new rows, and stores the new snapshot.  The output is a DataFrame of change records:
``customer_id``, ``kind``, ``at`` (timestamp, UTC) and ``record`` (the record's
``model_dump(mode="json")`` as JSON).

Clock advance: when ``tick`` is given, each group sets an event-time timeout at
``max(watermark, session clock) + tick``; when the watermark passes it Spark calls the
group with no rows and the session is advanced to the watermark, which emits month-end
re-grades and each ``TaskOverdue`` exactly once.  A ``TaskOverdue`` therefore fires in
the first micro-batch whose watermark has passed the task's ``due`` and the group's
timeout -- never before the due (the watermark is a lower bound on event time, so no
event the session has not seen can precede it), and at most ``tick`` plus one trigger
interval after it.  Without ``tick`` (the default) the clock moves only by events.

Needs the ``spark`` extra (pyspark >= 3.5 for ``applyInPandasWithState``).
"""

# The extra is checked before the imports that need it:
# ruff: noqa: E402

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from .._extras import require_extra

require_extra("spark", "gridcrm_rules.live.spark_streaming")

import pandas as pd  # type: ignore[import-untyped]
from pydantic import BaseModel, TypeAdapter

from ..models import Customer, Event, event_instant

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = [
    "CHANGE_SCHEMA", "EVENT_SCHEMA", "STATE_SCHEMA", "LiveEngine", "event_row", "stream_changes",
]

EVENT_SCHEMA = "customer_id string, event_time timestamp, seq long, event string, customer string"
"""The input rows (DDL for ``readStream.schema``); :func:`event_row` builds one."""

CHANGE_SCHEMA = "customer_id string, kind string, at timestamp, record string"
"""The output rows: one change record each."""

STATE_SCHEMA = "snapshot string"
"""The group state: one customer's live snapshot (UTF-8 JSON)."""


class LiveEngine(Protocol):
    """What the adapter needs of an engine: ``live()`` and ``live(restore=snapshot)``
    (:class:`gridcrm_rules.Engine` is one)."""

    def live(self, restore: bytes | str | None = None) -> Any: ...


_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


def event_row(
    customer_id: str,
    event: BaseModel | Mapping[str, Any],
    seq: int,
    customer: Customer | Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One input row as a JSON-ready dict: ``event_time`` is the event's instant as
    :func:`gridcrm_rules.event_instant` defines it (the instant ``evaluate`` filters by).

    ``event`` is validated; ``customer`` (the record, for a customer's first row or an
    update) is written as given.
    """
    parsed = _EVENT.validate_python(event.model_dump() if isinstance(event, BaseModel) else event)
    record = customer.model_dump(mode="json") if isinstance(customer, BaseModel) else customer
    return {
        "customer_id": customer_id,
        "event_time": event_instant(parsed).isoformat(),
        "seq": seq,
        "event": json.dumps(parsed.model_dump(mode="json"), ensure_ascii=False),
        "customer": None if record is None else json.dumps(dict(record), ensure_ascii=False),
    }


def _ordered(frames: Iterator[pd.DataFrame]) -> pd.DataFrame:
    """All rows of a group in one micro-batch, in event-time order (ties: arrival order)."""
    parts = [f for f in frames if len(f)]
    if not parts:
        return pd.DataFrame(columns=["event_time", "event", "customer"])
    rows = pd.concat(parts, ignore_index=True)
    keys = ["event_time", "seq"] if "seq" in rows.columns else ["event_time"]
    return rows.sort_values(keys, kind="stable", ignore_index=True)


def _change_rows(customer_id: str, changes: tuple[Any, ...]) -> pd.DataFrame:
    records = [c.model_dump(mode="json") for c in changes]
    return pd.DataFrame({
        "customer_id": [customer_id] * len(changes),
        "kind": [c.kind for c in changes],
        "at": pd.to_datetime([c.at.astimezone(UTC).replace(tzinfo=None) for c in changes]),
        "record": [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records],
    }, columns=["customer_id", "kind", "at", "record"])


def _group_fn(engine: LiveEngine, tick: timedelta | None) -> Any:
    def run(
        key: tuple[Any, ...], frames: Iterator[pd.DataFrame], state: Any
    ) -> Iterator[pd.DataFrame]:
        customer_id = str(key[0])
        live = engine.live(restore=state.get[0]) if state.exists else engine.live()
        changes: list[Any] = []
        for row in _ordered(frames).itertuples(index=False):
            record = getattr(row, "customer", None)
            if isinstance(record, str) and record:
                live.add_customer(json.loads(record))
            changes += live.post(customer_id, json.loads(row.event))
        if tick is not None:
            watermark_ms = state.getCurrentWatermarkMs()
            watermark = datetime.fromtimestamp(watermark_ms / 1000, UTC)
            if live.now is not None and watermark > live.now:
                changes += live.advance_to(watermark)
            base = max(watermark, live.now) if live.now is not None else watermark
            state.setTimeoutTimestamp(int((base + tick).timestamp() * 1000))
        if customer_id in live.customers:
            snapshot = live.snapshot([customer_id])
            state.update((snapshot.decode("utf-8"),))
        yield _change_rows(customer_id, tuple(changes))

    return run


def stream_changes(
    engine: LiveEngine,
    events: DataFrame,
    *,
    tick: timedelta | None = None,
    watermark_delay: str = "0 seconds",
) -> DataFrame:
    """The change records of a live session per customer, as a streaming DataFrame.

    ``events`` has the columns described in the module docstring.  ``tick`` turns on the
    event-time clock advance (see the module docstring for when ``TaskOverdue`` fires);
    ``watermark_delay`` is how late an event may arrive and still be ordered with its
    micro-batch (Spark's ``withWatermark`` delay).  The engine travels to the executors by
    cloudpickle, as in :func:`gridcrm_rules.spark.evaluate_spark`.
    """
    from pyspark.sql.streaming.state import GroupStateTimeout

    missing = {"customer_id", "event_time", "event"} - set(events.columns)
    if missing:
        raise ValueError(f"stream_changes: the events stream lacks the columns {sorted(missing)}")
    if "customer" not in events.columns:
        from pyspark.sql import functions as F  # noqa: N812 -- Spark's own idiom

        events = events.withColumn("customer", F.lit(None).cast("string"))
    timeout = GroupStateTimeout.NoTimeout if tick is None else GroupStateTimeout.EventTimeTimeout
    if tick is not None:
        events = events.withWatermark("event_time", watermark_delay)
    return events.groupBy("customer_id").applyInPandasWithState(
        _group_fn(engine, tick),
        outputStructType=CHANGE_SCHEMA,
        stateStructType=STATE_SCHEMA,
        outputMode="append",
        timeoutConf=timeout,
    )
