"""A live session per customer inside Spark Structured Streaming::

    from gridcrm_rules.live.spark_streaming import stream_changes

    changes = stream_changes(engine, events_stream)
    changes.writeStream.format("memory").queryName("changes").start()

The input is a streaming DataFrame with one row per event and the columns

* ``customer_id`` (string) -- the key the stream is grouped by;
* ``event_time`` (timestamp) -- when the event happened; rows of one customer are
  posted in ``event_time`` order within a micro-batch (ties keep ``seq`` order);
* ``event`` (string) -- the event as JSON, exactly what ``LiveSession.post`` accepts;
* ``customer`` (string, may be null) -- the customer record as JSON.  It is *carried on
  the rows*: the first row of a customer must carry it (the session refuses a post for an
  unknown customer), later rows may leave it null, and a non-null value is posted with
  its event (``post(record, event)``: a changed record reports what it changed).  Its
  ``id`` must be the row's ``customer_id``.  Customers kept in a static table are brought
  onto the rows with a stream-static join before calling.
* ``seq`` (long, optional) -- arrival order, to break ``event_time`` ties.

Each key's state is one customer's live snapshot (``LiveSession.snapshot``, format
``gridcrm-live/1``): a micro-batch restores it with ``engine.live(restore=...)``, posts
the new rows, and stores the new snapshot.  The output is a DataFrame of change records:
``customer_id``, ``kind``, ``at`` (timestamp) and ``record`` (the record's
``model_dump(mode="json")`` as JSON).

A row the session refuses -- an invalid event, a duplicate event id (a source that
delivers at least once replays rows), no customer record yet, a record for another id,
text that is not JSON -- does not stop the query: it comes out as a row of kind
``event_refused`` at its ``event_time``, whose record holds the ``event`` text and
``errors`` (``type``, ``loc``, ``msg``, ``input``, the records ``evaluate`` raises), and
the customer's state is as if the row had never come.  A snapshot taken under another
pack set or parameters (a pack upgrade) stops the query with
:class:`gridcrm_rules.SnapshotMismatch`, unless ``rederive=True``.

Clock advance: when ``tick`` is given, the stream gets a watermark of
``watermark_delay`` on ``event_time`` and each group an event-time timeout at the
customer's next wake-up (``LiveSession.next_wakeup``: the instant an open task becomes
overdue, one second past its due, or the next month start), or at
``max(watermark, session clock) + tick`` if that is sooner;
in the first micro-batch whose watermark has passed it, Spark calls the group with no
rows and the session is advanced to the watermark, which emits month-end re-grades and
each ``TaskOverdue`` once.  So a deadline fires as soon as the watermark passes it, not
up to a ``tick`` later; ``tick`` bounds the wait for anything else (an offence leaving
the three-year window at the start of a day).  The
watermark moves only as newer events arrive (on any key): a quiet stream moves no
clocks.  Spark *drops* a row older than the previous micro-batch's watermark (counted in
the query progress as ``numRowsDroppedByWatermark``): choose ``watermark_delay`` as the
lateness to tolerate.  A row between the two watermarks is still posted, as late data
(``correction=True``), so a quiet customer can be reported overdue and then corrected
by a payment made before the due.  Each timeout restores the snapshot and evaluates
once.  Without ``tick`` (the default) clocks move only with events.

Needs the ``spark`` extra (pyspark >= 3.5 for ``applyInPandasWithState``).
"""

# The extra is checked before the imports that need it:
# ruff: noqa: E402

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from .._extras import require_extra

require_extra("spark", "gridcrm_rules.live.spark_streaming")

import pandas as pd  # type: ignore[import-untyped]
from pydantic import BaseModel, TypeAdapter, ValidationError

from ..models import Customer, Event, event_instant
from ..models.events import named_event_types

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = [
    "CHANGE_SCHEMA", "EVENT_SCHEMA", "REFUSED", "STATE_SCHEMA", "LiveEngine", "event_row",
    "stream_changes",
]

EVENT_SCHEMA = "customer_id string, event_time timestamp, seq long, event string, customer string"
"""The input rows (DDL for ``readStream.schema``); :func:`event_row` builds one."""

CHANGE_SCHEMA = "customer_id string, kind string, at timestamp, record string"
"""The output rows: one change record each."""

STATE_SCHEMA = "snapshot string"
"""The group state: one customer's live snapshot (UTF-8 JSON)."""


class LiveEngine(Protocol):
    """What the adapter needs of an engine: ``live()`` and
    ``live(restore=snapshot, rederive=...)`` (:class:`gridcrm_rules.Engine` is one).

    The session they return is used through ``post``, ``add_customer``, ``advance_to``,
    ``snapshot``, ``now``, ``customers`` and, with ``tick``, ``next_wakeup``
    (:class:`gridcrm_rules.LiveSession` has them all)."""

    def live(
        self, *, restore: bytes | str | Mapping[str, Any] | None = None, rederive: bool = False
    ) -> Any: ...


REFUSED = "event_refused"
"""The ``kind`` of an output row for an input row the session refused."""


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
    try:
        parsed = _EVENT.validate_python(event.model_dump() if isinstance(event, BaseModel)
                                        else event)
    except ValidationError as exc:  # an unknown type named at its field, as evaluate does
        raise named_event_types(exc) from None
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


def _error(kind: str, loc: str, msg: str, value: Any) -> dict[str, Any]:
    """One error record, in the shape of pydantic's (``type``, ``loc``, ``msg``, ``input``)."""
    return {"type": kind, "loc": [loc], "msg": msg, "input": value}


_Posted = tuple[tuple[Any, ...], list[dict[str, Any]]]
"""What posting a row gave: its change records, or (none and) the errors refusing it."""


def _post_row(live: Any, customer_id: str, row: Any) -> _Posted:
    """Post one input row (with its customer record when the row carries one)."""
    try:
        event = json.loads(row.event)
    except (TypeError, ValueError) as exc:
        return (), [_error("json_invalid", "event", str(exc), row.event)]
    record = getattr(row, "customer", None)
    target: Any = customer_id
    if isinstance(record, str) and record:
        try:
            target = json.loads(record)
        except ValueError as exc:
            return (), [_error("json_invalid", "customer", str(exc), record)]
        if not isinstance(target, dict) or target.get("id") != customer_id:
            return (), [_error("customer_id_mismatch", "customer",
                               f"the customer record is not {customer_id!r}'s", record)]
    try:
        return tuple(live.post(target, event)), []
    except ValidationError as exc:
        return (), json.loads(exc.json(include_url=False))
    except KeyError as exc:  # a post for a customer not followed yet
        return (), [_error("unknown_customer", "customer", str(exc.args[0]), customer_id)]


def _utc(values: list[datetime]) -> pd.Series:
    """Aware instants as a UTC column: Spark reads them right whatever the session zone."""
    return pd.Series(pd.to_datetime([v.astimezone(UTC) for v in values], utc=True),
                     dtype="datetime64[ns, UTC]")


def _output(customer_id: str, changes: list[Any],
            refusals: list[tuple[datetime, str]]) -> pd.DataFrame:
    kinds = [c.kind for c in changes] + [REFUSED] * len(refusals)
    ats = [c.at for c in changes] + [at for at, _ in refusals]
    records = [json.dumps(c.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
               for c in changes] + [record for _, record in refusals]
    return pd.DataFrame({
        "customer_id": [customer_id] * len(kinds),
        "kind": kinds,
        "at": _utc(ats),
        "record": records,
    }, columns=["customer_id", "kind", "at", "record"])


def _row_instant(row: Any, zone: ZoneInfo, clock: datetime | None) -> datetime:
    """A row's ``event_time``: Spark hands pandas naive wall times of the session zone.
    A row without one is placed at the session's clock (at the epoch before any)."""
    if pd.isna(row.event_time):
        return clock if clock is not None else datetime(1970, 1, 1, tzinfo=UTC)
    value: datetime = pd.Timestamp(row.event_time).to_pydatetime()
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _group_fn(engine: LiveEngine, tick: timedelta | None, rederive: bool, zone: str) -> Any:
    session_zone = ZoneInfo(zone)

    def run(
        key: tuple[Any, ...], frames: Iterator[pd.DataFrame], state: Any
    ) -> Iterator[pd.DataFrame]:
        customer_id = str(key[0])
        live = (engine.live(restore=state.get[0], rederive=rederive) if state.exists
                else engine.live())
        changes: list[Any] = []
        refusals: list[tuple[datetime, str]] = []
        for row in _ordered(frames).itertuples(index=False):
            posted, errors = _post_row(live, customer_id, row)
            changes += posted
            if errors:
                at = _row_instant(row, session_zone, live.now)
                refusals.append((at, json.dumps({
                    "customer_id": customer_id, "kind": REFUSED, "at": at.isoformat(),
                    "event": row.event, "errors": errors,
                }, ensure_ascii=False, sort_keys=True, default=str)))
        if tick is not None:
            watermark_ms = state.getCurrentWatermarkMs()
            watermark = datetime.fromtimestamp(watermark_ms / 1000, UTC)
            if live.now is not None and watermark > live.now:
                changes += live.advance_to(watermark)
            base = max(watermark, live.now) if live.now is not None else watermark
            timeout = base + tick
            if customer_id in live.customers:  # a due or a month start comes first
                wake = live.next_wakeup(customer_id)
                timeout = min(timeout, wake) if wake is not None else timeout
            state.setTimeoutTimestamp(max(int(timeout.timestamp() * 1000), watermark_ms + 1))
        if customer_id in live.customers:
            snapshot = live.snapshot([customer_id])
            state.update((snapshot.decode("utf-8"),))
        yield _output(customer_id, changes, refusals)

    return run


def stream_changes(
    engine: LiveEngine,
    events: DataFrame,
    *,
    tick: timedelta | None = None,
    watermark_delay: str | None = None,
    rederive: bool = False,
) -> DataFrame:
    """The change records of a live session per customer, as a streaming DataFrame.

    ``events`` has the columns described in the module docstring.  ``tick`` (positive)
    turns on the event-time clock advance and then needs ``watermark_delay``, Spark's
    ``withWatermark`` delay: how late an event may arrive before Spark drops it (see the
    module docstring).  ``rederive=True`` restores a state snapshot taken under other
    packs or parameters by replaying its inputs (``engine.live(restore=..., rederive=True)``)
    instead of stopping the query.  The engine travels to the executors by cloudpickle,
    as in :func:`gridcrm_rules.spark.evaluate_spark`.
    """
    from pyspark.sql.streaming.state import GroupStateTimeout

    missing = {"customer_id", "event_time", "event"} - set(events.columns)
    if missing:
        raise ValueError(f"stream_changes: the events stream lacks the columns {sorted(missing)}")
    if tick is not None and tick <= timedelta(0):
        raise ValueError(f"stream_changes: tick must be positive, got {tick}")
    if tick is not None and watermark_delay is None:
        raise ValueError("stream_changes: tick needs watermark_delay (e.g. '1 hour'): how late "
                         "an event may arrive before Spark drops it")
    if tick is None and watermark_delay is not None:
        raise ValueError("stream_changes: watermark_delay is used only with tick")
    if "customer" not in events.columns:
        from pyspark.sql import functions as F  # noqa: N812 -- Spark's own idiom

        events = events.withColumn("customer", F.lit(None).cast("string"))
    timeout = GroupStateTimeout.NoTimeout if tick is None else GroupStateTimeout.EventTimeTimeout
    if tick is not None:
        events = events.withWatermark("event_time", str(watermark_delay))
    zone = str(events.sparkSession.conf.get("spark.sql.session.timeZone"))
    return events.groupBy("customer_id").applyInPandasWithState(
        _group_fn(engine, tick, rederive, zone),
        outputStructType=CHANGE_SCHEMA,
        stateStructType=STATE_SCHEMA,
        outputMode="append",
        timeoutConf=timeout,
    )
