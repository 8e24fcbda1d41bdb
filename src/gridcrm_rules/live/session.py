"""A live session: per-customer state that follows events as they arrive.

The contract: after every call, ``session.decision(c)`` equals
``engine.evaluate(customer, every event posted for c, as_of=session.now)`` on
every field; what a call changed is returned as change records
(:mod:`gridcrm_rules.live.changes`).  See docs/live.md.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from .._time import instant_argument
from ..errors import SnapshotMismatch
from ..expr.numbers import engine_context
from ..models import (
    Customer,
    Decision,
    Event,
    HistoryKey,
    event_instant,
    history_key,
    of_customer,
    parse_events,
    utc_instant,
)
from ..models.events import EVENT_MODELS
from .changes import Change, diff_decisions, task_key
from .clock import month_starts_between, next_wakeup
from .snapshot import FORMAT, CustomerState, SnapshotData, engine_fingerprint, read_snapshot

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["LiveSession"]

_ONE_EVENT: TypeAdapter[Event] = TypeAdapter(Event)
"""One event, validated as each item of a history is (the fast path of :meth:`post`)."""
_EVENT_CLASSES = tuple(EVENT_MODELS.values())
_REFERRING = tuple(m for m in _EVENT_CLASSES if "for_event" in m.model_fields)

CustomerInput = Customer | Mapping[str, Any]
EventInput = BaseModel | Mapping[str, Any]


@dataclass
class _Customer:
    """One customer's inputs, the decision last reported and the overdue tasks reported."""

    record: Customer
    events: list[Event] = field(default_factory=list)
    keys: list[HistoryKey] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    bills: set[str] = field(default_factory=set)
    decision: Decision | None = None
    overdue_reported: set[str] = field(default_factory=set)

    def insert(self, event: Event) -> None:
        key = history_key(event)
        at = bisect.bisect_right(self.keys, key)
        self.keys.insert(at, key)
        self.events.insert(at, event)
        self.ids.add(event.id)
        if event.type == "bill_issued":
            self.bills.add(event.id)


def _instant_of(key: HistoryKey) -> datetime:
    """The instant of a history key (in UTC: :func:`~gridcrm_rules.models.utc_instant`)."""
    return key[0]


def _customer(value: CustomerInput) -> Customer:
    return value if isinstance(value, Customer) else Customer.model_validate(value)


class LiveSession:
    """Per-customer state for many customers, kept current as events arrive.

    Build one with :meth:`Engine.live <gridcrm_rules.Engine.live>`.  Not thread-safe:
    one session per thread (or per Spark state key); the engine is shared.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._customers: dict[str, _Customer] = {}
        self._now: datetime | None = None

    # -- reading ------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        """The engine this session evaluates with."""
        return self._engine

    @property
    def now(self) -> datetime | None:
        """The clock: the latest event instant posted or instant advanced to (None before)."""
        return self._now

    @property
    def customers(self) -> tuple[str, ...]:
        """The ids of the customers this session follows, in the order they were added."""
        return tuple(self._customers)

    def events(self, customer_id: str) -> tuple[Event, ...]:
        """The events posted for a customer, in the engine's order (instant, type, id)."""
        return tuple(self._state(customer_id).events)

    def customer(self, customer_id: str) -> Customer:
        """A customer's record as last added."""
        return self._state(customer_id).record

    def decision(self, customer_id: str) -> Decision:
        """The decision for a customer now: ``engine.evaluate(customer, events, as_of=now)``."""
        state = self._state(customer_id)
        if self._now is None:
            raise ValueError("the session's clock is not set yet: post an event or "
                             "advance_to(t) first")
        if state.decision is None or state.decision.as_of != self._now:
            state.decision = self._evaluate(state, self._now)
        return state.decision

    def next_wakeup(self, customer_id: str) -> datetime | None:
        """When to call :meth:`advance_to` next for this customer if nothing arrives: the
        next month start (re-grade) or the instant an open task becomes overdue (one
        second past its due: tasks compare at whole seconds), whichever is first; its
        ``TaskOverdue`` is dated at the due.  None before the clock is set.  The Spark
        adapter sets each customer's timeout from it."""
        self._state(customer_id)  # an unknown customer is a KeyError, clock set or not
        if self._now is None:
            return None
        return next_wakeup(self.decision(customer_id), self._now)

    # -- changing -----------------------------------------------------------------
    def add_customer(self, customer: CustomerInput) -> tuple[Change, ...]:
        """Follow a customer (or update its record); returns what that changed.

        Before the clock is set nothing is evaluated (and nothing returned).
        """
        record = _customer(customer)
        state = self._customers.get(record.id)
        if state is None:
            state = self._customers[record.id] = _Customer(record)
        elif state.record == record:
            return ()
        else:
            state.record = record
        if self._now is None:
            return ()
        return tuple(self._reevaluate(state, self._now, at=self._now, correction=False))

    def post(self, customer_or_id: CustomerInput | str, event: EventInput) -> tuple[Change, ...]:
        """Record one event for a customer; returns the changes it caused, in time order.

        ``customer_or_id``: the customer's record (registered or updated) or the id of a
        customer already followed.  The event is validated as ``evaluate`` validates a
        history (the same ``pydantic.ValidationError``; a duplicate event id is refused)
        and a refused event changes nothing.  An event newer than the clock moves the
        clock to its instant first (:meth:`advance_to`, for every customer); one older
        than the clock is late data: the changes it causes carry ``correction=True``.
        """
        record, cid = self._resolve(customer_or_id)
        state = self._customers.get(cid)
        if isinstance(event, Mapping):  # a batch events row: its customer_id dropped
            (event,) = of_customer([event], cid)
        validated = self._validated(state, event)  # raises; nothing changed yet
        instant = event_instant(validated)
        changes: list[Change] = []
        if record is not None:
            changes += self.add_customer(record)
            state = self._customers[cid]
        assert state is not None
        if self._now is None or instant > self._now:
            # this customer is evaluated at ``instant`` once, with the event
            changes += self._advance(instant, skip=cid)
        assert self._now is not None
        late = instant < self._now
        state.insert(validated)
        changes += self._reevaluate(state, self._now, at=self._now if late else instant,
                                    correction=late)
        if not late:
            changes.sort(key=lambda c: c.at)
        return tuple(changes)

    def post_many(
        self, customer_or_id: CustomerInput | str, events: Iterable[EventInput]
    ) -> tuple[Change, ...]:
        """:meth:`post` each event in turn; the changes of all of them, in order.

        All or nothing: the events are validated together with the customer's history
        first (the ``ValidationError`` is the one ``evaluate`` raises for that history),
        so a refused event leaves the session as it was -- none of them is posted.
        """
        record, cid = self._resolve(customer_or_id)
        state = self._customers.get(cid)
        history = state.events if state is not None else []
        # validated with the history (raises; nothing posted), batch rows' customer_id taken
        checked = parse_events([*history, *events], customer_id=cid)[len(history):]
        if not checked and record is not None:
            return self.add_customer(record)  # no events: the record is still followed
        changes: list[Change] = []
        target: CustomerInput | str = record if record is not None else cid
        for event in checked:
            changes += self.post(target, event)
            target = cid
        return tuple(changes)

    def advance_to(self, t: date | datetime | str) -> tuple[Change, ...]:
        """Move the clock forward to ``t``; returns the changes, in time order.

        Every customer is re-graded at each month start crossed (the cutoff moves) and
        at ``t``; each task whose due passed is reported ``TaskOverdue`` once (at its
        due).  ``t`` before the clock raises ``ValueError``.
        """
        return self._advance(instant_argument(t, "advance_to"), skip=None)

    def _advance(self, instant: datetime, *, skip: str | None) -> tuple[Change, ...]:
        """advance_to; ``skip``: a customer evaluated at ``instant`` by the caller."""
        previous = self._now
        if previous is not None and instant < previous:
            raise ValueError(f"advance_to({instant.isoformat()}): the clock is at "
                             f"{previous.isoformat()} and never moves backwards")
        if previous is not None and instant == previous:
            return ()
        self._now = instant
        changes: list[Change] = []
        for cid, state in self._customers.items():
            points = () if previous is None else month_starts_between(previous, instant)
            # the last evaluation at ``instant`` itself (an equal month start may differ in tz)
            last = () if cid == skip else (instant,)
            for point in (*(p for p in points if p != instant), *last):
                changes += self._reevaluate(state, point, at=point, correction=False)
        changes.sort(key=lambda c: c.at)
        return tuple(changes)

    # -- state as data ------------------------------------------------------------
    def snapshot(self, customer_ids: str | Iterable[str] | None = None) -> bytes:
        """The session's inputs as JSON bytes (format ``gridcrm-live/1``), for
        :meth:`Engine.live(restore=...) <gridcrm_rules.Engine.live>`."""
        wanted = (list(self._customers) if customer_ids is None
                  else [customer_ids] if isinstance(customer_ids, str)  # one id, not its letters
                  else list(customer_ids))
        customers = {
            cid: CustomerState(
                record=self._state(cid).record.model_dump(mode="json"),
                events=tuple(e.model_dump(mode="json") for e in self._state(cid).events),
                overdue_reported=tuple(sorted(self._state(cid).overdue_reported)),
            )
            for cid in wanted
        }
        data = SnapshotData(format=FORMAT, fingerprint=engine_fingerprint(self._engine),
                            packs=tuple(f"{p.name} {p.version}" for p in self._engine.packs),
                            now=self._now, customers=customers)
        return data.model_dump_json().encode("utf-8")

    @classmethod
    def restore(
        cls, engine: Engine, blob: bytes | str | Mapping[str, Any], *, rederive: bool = False
    ) -> LiveSession:
        """A session from a snapshot; raises :class:`SnapshotMismatch` when it was taken
        under another engine unless ``rederive`` (then its inputs are replayed under
        ``engine`` and nothing is reported as changed)."""
        if isinstance(blob, (bytes, str)):
            try:
                raw = json.loads(blob)
            except json.JSONDecodeError as exc:
                raise SnapshotMismatch(f"not a live-session snapshot: not JSON ({exc.msg} at "
                                       f"line {exc.lineno} column {exc.colno})",
                                       expected=FORMAT, found="not JSON") from None
            found = raw.get("format") if isinstance(raw, dict) else None
            if found != FORMAT:
                raise SnapshotMismatch(f"not a live-session snapshot of format {FORMAT!r} "
                                       f"(format: {found!r})", expected=FORMAT,
                                       found=str(found))
        data = read_snapshot(blob)
        expected = engine_fingerprint(engine)
        if data.fingerprint != expected and not rederive:
            packs = tuple(f"{p.name} {p.version}" for p in engine.packs)
            differs = (f"packs {', '.join(data.packs)}; this engine's {', '.join(packs)}"
                       if packs != data.packs else
                       f"the same packs ({', '.join(packs)}), so their parameters, rules, "
                       "fact providers or calendar differ")
            raise SnapshotMismatch(
                f"the snapshot was taken under another engine ({differs}; fingerprint "
                f"{data.fingerprint}, this engine's {expected}); pass rederive=True to replay "
                "its events under this engine",
                expected=expected, found=data.fingerprint)
        session = cls(engine)
        session._now = data.now
        for cid, stored in data.customers.items():
            state = _Customer(Customer.model_validate(stored.record))
            for event in parse_events(stored.events):
                state.insert(event)
            state.overdue_reported = set(stored.overdue_reported)
            if data.now is not None:
                state.decision = session._evaluate(state, data.now)
                if rederive:
                    state.overdue_reported |= {task_key(t) for t in state.decision.tasks
                                               if t.status == "overdue"}
            session._customers[cid] = state
        return session

    # -- internals ----------------------------------------------------------------
    def _state(self, customer_id: str) -> _Customer:
        try:
            return self._customers[customer_id]
        except KeyError:
            raise KeyError(f"customer {customer_id!r} is not followed by this session: "
                           "post its customer record first (post(record, event) or "
                           "add_customer(record))") from None

    def _resolve(self, customer_or_id: CustomerInput | str) -> tuple[Customer | None, str]:
        if isinstance(customer_or_id, str):
            self._state(customer_or_id)
            return None, customer_or_id
        record = _customer(customer_or_id)
        return record, record.id

    @staticmethod
    def _validated(state: _Customer | None, event: EventInput) -> Event:
        """The event validated as ``evaluate`` validates the history with it last.

        The event alone is validated first; when it fails, is a duplicate or names a bill
        the history lacks, the whole history is validated with it, so the
        ``ValidationError`` (positions included) is the one ``evaluate`` raises.
        """
        history = state.events if state is not None else []
        alone: Event | None
        if isinstance(event, _EVENT_CLASSES):
            alone = event  # type: ignore[assignment]  # an Event model: already validated
        else:
            try:
                raw = event.model_dump() if isinstance(event, BaseModel) else event
                alone = _ONE_EVENT.validate_python(raw)
            except ValidationError:
                alone = None
        if alone is not None and (state is None or alone.id not in state.ids):
            known = state.ids if state is not None else set()
            bills = state.bills if state is not None else set()
            bill = getattr(alone, "bill_id", None) if alone.type == "payment_received" else None
            ref = getattr(alone, "for_event", None) if isinstance(alone, _REFERRING) else None
            if (bill is None or bill in bills) and (ref is None or ref in known):
                return alone
        return parse_events([*history, event])[-1]

    def _evaluate(self, state: _Customer, instant: datetime) -> Decision:
        """``engine.evaluate(record, events, as_of=instant)``: the history is checked
        (each event was, as it was posted) and in history order (``keys``), so the
        events known at ``instant`` are a prefix of it; only the decision is computed."""
        cut = bisect.bisect_right(state.keys, utc_instant(instant), key=_instant_of)
        with engine_context():
            return self._engine._decide(state.record, tuple(state.events[:cut]), instant,
                                        later=len(state.events) - cut)

    def _reevaluate(self, state: _Customer, instant: datetime, *, at: datetime,
                    correction: bool) -> list[Change]:
        new = self._evaluate(state, instant)
        changes = diff_decisions(state.decision, new, at=at, correction=correction,
                                 overdue_reported=state.overdue_reported)
        state.decision = new
        return changes
